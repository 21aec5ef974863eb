from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts import roles
from accounts.models import Organization, User
from intake.models import FieldOffice


def test_the_roles_exist_as_groups_with_their_permissions(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)


def test_each_role_can_do_what_the_architecture_says(advocate, liaison, supervisor, auditor):
    assert advocate.has_perm("accounts.file_on_behalf")
    assert not advocate.has_perm("accounts.access_staff_site")
    assert liaison.has_perm("accounts.reveal_pii")
    assert not liaison.has_perm("accounts.approve_release")
    assert supervisor.has_perm("accounts.approve_release")
    assert supervisor.has_perm("accounts.view_audit_log")
    assert auditor.has_perm("accounts.view_audit_log")
    assert not auditor.has_perm("accounts.reveal_pii")
    assert advocate.memberships.get().organization.slug == "gulf-coast"
    assert roles.user_roles(supervisor) == {roles.SUPERVISOR}


def test_the_demo_data_loads_twice_without_duplicates(db, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    assert Organization.objects.count() == 1
    assert User.objects.count() == len(roles.ALL)
    assert "ICE field offices loaded: 25" in out.getvalue()
    for role in roles.ALL:
        assert User.objects.get(groups__name=role)


def test_the_demo_data_refuses_to_load_outside_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.exists()


def test_the_field_offices_are_seeded_by_migration(db):
    assert FieldOffice.objects.count() == 25
    assert FieldOffice.objects.get(code="HOU").states == ["TX"]
    assert FieldOffice.objects.get(code="NYC").note == "the five boroughs and nearby counties"
