from datetime import date

import pytest
from django.db import IntegrityError, connection

from core.errors import ApplicationError
from intake import services
from intake.choices import Status
from intake.models import Allegation, Complaint, ComplaintContact, ComplaintEvent
from intake.receipts import receipt_index
from intake.services import ComplaintInput, ContactInput, complaint_submit
from intake.workflow import TRANSITIONS, can_move
from messaging.models import OutboundMessage
from privacy.models import AuditEvent

pytestmark = pytest.mark.django_db

CONTACT = ContactInput(
    name="Marie-Claire Joseph",
    phone="+17135550142",
    email="mcj@example.org",
    preferred_method="sms",
    safe_to_message=True,
    alternate_contact="Pastor Jean, +17135550143",
)


def complaint_input(**changes) -> ComplaintInput:
    data = ComplaintInput(
        filer_role="person_affected",
        language="ht",
        allegations=["excessive_force", "verbal_abuse"],
        urgent_flags=["detained"],
        incident_date=date(2026, 10, 3),
        state="FL",
        place_type="home",
        agency="ice_ero",
        narrative="Yo kase pòt la a 5è nan maten.",
        is_anonymous=False,
        contact=CONTACT,
        consent_contact=True,
        field_office_code="MIA",
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_submit_writes_everything_in_one_go():
    result = complaint_submit(data=complaint_input(), channel="sms", submission_key="sms:SM123")
    complaint = result.complaint
    assert result.created and len(result.receipt) == 16
    assert complaint.receipt_index == receipt_index(result.receipt)
    assert complaint.reference == "C-000001"
    assert complaint.is_urgent
    assert complaint.field_office.code == "MIA"
    assert Allegation.objects.filter(complaint=complaint).count() == 2
    assert complaint.contact.name == "Marie-Claire Joseph"
    assert list(complaint.events.values_list("status", flat=True)) == [Status.RECEIVED]
    assert AuditEvent.objects.get(action="complaint.submitted").object_ref == "C-000001"
    purposes = sorted(OutboundMessage.objects.values_list("purpose", flat=True))
    assert purposes == ["complaint.receipt", "complaint.urgent_staff"]


def test_the_same_submission_twice_is_one_complaint():
    first = complaint_submit(data=complaint_input(), channel="sms", submission_key="sms:SM123")
    second = complaint_submit(data=complaint_input(), channel="sms", submission_key="sms:SM123")
    assert second.complaint == first.complaint
    assert not second.created and second.receipt is None
    assert Complaint.objects.count() == 1
    assert OutboundMessage.objects.count() == 2


def test_a_failure_half_way_leaves_nothing_behind(monkeypatch):
    def broken(**kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(IntegrityError):
        complaint_submit(data=complaint_input(), channel="web", submission_key="web:1")
    for model in (Complaint, Allegation, ComplaintContact, ComplaintEvent, OutboundMessage):
        assert not model.objects.exists()


def test_an_anonymous_complaint_keeps_no_contact_even_if_given():
    result = complaint_submit(data=complaint_input(is_anonymous=True), channel="web", submission_key="web:2")
    assert result.complaint.is_anonymous
    assert not ComplaintContact.objects.exists()
    assert not OutboundMessage.objects.filter(purpose="complaint.receipt").exists()


def test_filing_for_someone_needs_their_consent():
    with pytest.raises(ApplicationError):
        complaint_submit(data=complaint_input(filer_role="advocate"), channel="web", submission_key="web:3")
    assert not Complaint.objects.exists()


def test_the_raw_rows_hold_no_name_phone_email_or_words():
    complaint_submit(data=complaint_input(), channel="web", submission_key="web:4")
    secrets = ["Marie-Claire", "5550142", "mcj@example.org", "kase pòt", "Pastor Jean"]
    with connection.cursor() as cursor:
        for table in ["intake_complaint", "intake_complaintcontact", "messaging_outboundmessage", "privacy_auditevent"]:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            dump = str(cursor.fetchall())
            for secret in secrets:
                assert secret not in dump, (table, secret)


@pytest.mark.parametrize("current", list(TRANSITIONS))
@pytest.mark.parametrize("new", [s.value for s in Status])
def test_the_status_workflow_table(current, new):
    assert can_move(current, new) == (new in TRANSITIONS[current])


def test_a_status_change_is_appended_and_audited(supervisor):
    complaint = complaint_submit(data=complaint_input(), channel="web", submission_key="web:5").complaint
    services.complaint_change_status(complaint=complaint, status=Status.IN_REVIEW, actor=supervisor)
    with pytest.raises(ApplicationError):
        services.complaint_change_status(complaint=complaint, status=Status.RECEIVED, actor=supervisor)
    with pytest.raises(ApplicationError):
        services.complaint_change_status(complaint=complaint, status=Status.CLOSED, actor=supervisor)
    assert list(complaint.events.values_list("status", flat=True)) == ["received", "in_review"]
    assert AuditEvent.objects.filter(action="complaint.status_changed", actor=supervisor).count() == 1
