"""The roles of ARCHITECTURE.md, kept as auth groups (created by migration 0002)."""

ADVOCATE = "advocate"
LIAISON = "liaison"
SUPERVISOR = "supervisor"
AUDITOR = "auditor"

ALL = (ADVOCATE, LIAISON, SUPERVISOR, AUDITOR)
STAFF = (LIAISON, SUPERVISOR, AUDITOR)


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(user.groups.filter(name__in=ALL).values_list("name", flat=True))
