"""Factories that build records through the services, so tests see what users would create."""

import factory

from accounts import roles
from accounts.services import organization_create, user_create


class OrganizationFactory(factory.Factory):
    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"Community Group {n}")
    slug = factory.Sequence(lambda n: f"community-group-{n}")
    city = "Houston"
    state = "TX"

    @classmethod
    def _create(cls, model_class, **kwargs):
        return organization_create(**kwargs)


class UserFactory(factory.Factory):
    class Meta:
        model = dict

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = "correct horse battery staple"
    role = roles.LIAISON
    organization = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return user_create(**kwargs)
