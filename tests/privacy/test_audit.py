import pytest
from django.db import DatabaseError, connection, transaction

from privacy.models import AppendOnlyError, AuditEvent
from privacy.services import audit_record


def test_an_audit_event_records_who_did_what_to_which_record(supervisor, organization):
    event = audit_record(
        actor=supervisor, action="organization.viewed", obj=organization, reason="monthly check", data={"n": 1}
    )
    event.refresh_from_db()
    assert event.actor == supervisor
    assert event.object_type == "accounts.organization"
    assert event.object_id == str(organization.pk)
    assert event.reason == "monthly check"


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(db):
    event = audit_record(action="system.started")
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE privacy_auditevent SET reason = 'rewritten'", "DELETE FROM privacy_auditevent"],
)
def test_on_postgresql_raw_sql_cannot_rewrite_the_audit_log(postgres, statement):
    audit_record(action="system.started")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.get().reason == ""
