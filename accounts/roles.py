"""The roles of ARCHITECTURE.md, kept as auth groups (created by migration 0002)."""

ADVOCATE = "advocate"
LIAISON = "liaison"
SUPERVISOR = "supervisor"
AUDITOR = "auditor"
ADMIN = "admin"

ALL = (ADVOCATE, LIAISON, SUPERVISOR, AUDITOR, ADMIN)
STAFF = (LIAISON, SUPERVISOR, AUDITOR, ADMIN)


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {ADMIN}
    cached = getattr(user, "_voces_roles", None)
    if cached is not None:
        return cached
    user._voces_roles = set(user.groups.filter(name__in=ALL).values_list("name", flat=True))
    return user._voces_roles
