from django.contrib.auth.models import Group
from django.db import transaction

from accounts import roles
from accounts.models import Membership, Organization, User


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    role: str,
    organization: Organization | None = None,
    first_name: str = "",
    last_name: str = "",
    preferred_language: str = "en",
) -> User:
    if role not in roles.ALL:
        raise ValueError(f"unknown role {role!r}")
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        preferred_language=preferred_language,
        is_staff=role in roles.STAFF,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    if organization is not None:
        Membership.objects.create(user=user, organization=organization)
    return user


def organization_create(*, name: str, slug: str, city: str = "", state: str = "") -> Organization:
    organization = Organization(name=name, slug=slug, city=city, state=state)
    organization.full_clean()
    organization.save()
    return organization
