"""Retention: a year (RETENTION_CONTACT_DAYS) after a complaint closed, its filer's contact
details are erased, with the addresses and bodies of the messages sent to them and the names
their files came with; once, audited, and the statistics read the same numbers after it."""

import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from intake.choices import Status
from intake.models import Attachment, Complaint, ComplaintContact, ComplaintEvent
from intake.selectors import statistics_allegation_counts, statistics_counts
from intake.services import (
    ContactInput,
    attachment_store,
    complaint_change_status,
    complaint_submit,
    complaints_purge_contact,
)
from messaging.addresses import address_index
from messaging.models import InboundMessage, OutboundMessage
from messaging.services import outbound_queue
from privacy.attachments import check_upload
from privacy.crypto import DecryptionError
from privacy.files import encrypted_file_read
from privacy.models import AuditEvent
from tests import files
from tests.intake.test_services import complaint_input
from transparency.models import Cell
from transparency.services import release_build

pytestmark = pytest.mark.django_db

NAME = "Zorabel Quintanilla-Ferraz"
PHONE = "+17135559876"
EMAIL = "zorabel.q@example.org"
NARRATIVE = "They broke the blue gate at dawn ZX-NARRATIVE"
WITNESSES = "Neighbour Evaristo Pumarejo"
FILE_NAME = "Zorabel passport.png"
YEAR = timedelta(days=365)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def file_complaint(key: str, *, phone: str = PHONE, anonymous: bool = False, **changes) -> Complaint:
    contact = ContactInput(
        name=NAME,
        phone=phone,
        email=EMAIL,
        preferred_method="sms",
        safe_to_message=True,
        best_times="Evenings ZX-TIMES",
        alternate_contact="Cousin Wilhelmina ZX-ALT",
    )
    data = complaint_input(
        narrative=NARRATIVE,
        witnesses=WITNESSES,
        contact=None if anonymous else contact,
        is_anonymous=anonymous,
        consent_contact=not anonymous,
        consent_statistics=True,
        **changes,
    )
    return complaint_submit(data=data, channel="web", submission_key=key).complaint


def close(complaint: Complaint, outcome: str = "resolved") -> Complaint:
    return complaint_change_status(complaint=complaint, status=Status.CLOSED, outcome=outcome)


def closed_at(complaint: Complaint):
    return complaint.events.filter(status=Status.CLOSED).latest("created_at").created_at


def sent(**filters) -> None:
    """The outbox rows as they are once sent (a receipt's body is wiped by then; others keep it)."""
    OutboundMessage.objects.filter(**filters).update(status=OutboundMessage.Status.SENT)


def test_contact_is_erased_a_year_after_closing_and_not_a_day_before():
    complaint = file_complaint("web:1")
    attachment_store(checked=check_upload(files.png()), original_name=FILE_NAME, complaint=complaint)
    # A reply of the SMS conversation before it (no reference), and a later complaint of the same
    # person, still open, with its own receipt message.
    outbound_queue(channel="sms", to=PHONE, body="ZX-PROMPT where did it happen?", purpose="conversation.complaint")
    InboundMessage.objects.create(
        channel="sms",
        provider_id="SM" + "1" * 32,
        from_index=address_index("sms", PHONE),
        from_address=PHONE,
        body=NARRATIVE,
        processed_at=timezone.now(),
    )
    other = file_complaint("web:2")
    sent()
    close(complaint)
    when = closed_at(complaint)

    assert complaints_purge_contact(now=when + YEAR - DAY) == 0
    assert ComplaintContact.objects.filter(complaint=complaint).exists()
    assert Complaint.objects.get(pk=complaint.pk).contact_purged_at is None

    assert complaints_purge_contact(now=when + YEAR + DAY) == 1
    complaint.refresh_from_db()
    assert complaint.contact_purged_at == when + YEAR + DAY
    assert not ComplaintContact.objects.filter(complaint=complaint).exists()
    # Nothing can be found by the phone or email any more, but the open complaint's own.
    for index in (address_index("sms", PHONE), address_index("email", EMAIL)):
        found = ComplaintContact.objects.filter(Q(phone_index=index) | Q(email_index=index))
        assert list(found.values_list("complaint", flat=True)) == [other.pk]
    assert set(
        OutboundMessage.objects.filter(to_index=address_index("sms", PHONE)).values_list("object_ref", flat=True)
    ) == {other.reference}
    assert not InboundMessage.objects.exists()
    for message in OutboundMessage.objects.exclude(object_ref=other.reference).exclude(
        purpose="complaint.urgent_staff"
    ):
        assert (message.to, message.to_index, message.body, message.subject) == ("", "", "", ""), message.purpose
    assert OutboundMessage.objects.get(object_ref=other.reference, purpose="complaint.receipt").to == PHONE
    # The facts stay: words, files (without the name they came with), and every statistics field.
    assert (complaint.narrative, complaint.witnesses) == (NARRATIVE, WITNESSES)
    attachment = Attachment.objects.get(complaint=complaint)
    assert attachment.original_name == ""
    assert encrypted_file_read(attachment.original_file) == files.png().read()
    assert (complaint.status, complaint.outcome, complaint.field_office.code) == (Status.CLOSED, "resolved", "MIA")
    assert Complaint.objects.get(pk=other.pk).contact.name == NAME


def test_open_and_reopened_complaints_are_never_purged():
    later = timezone.now() + 3 * YEAR
    still_open = file_complaint("web:1")
    complaint_change_status(complaint=still_open, status=Status.IN_REVIEW)
    reopened = close(file_complaint("web:2"))
    complaint_change_status(complaint=reopened, status=Status.IN_REVIEW)
    # Closed four years before `later`, reopened, and closed again a month before it: counted from
    # the last closing.
    closed_again = close(file_complaint("web:3"))
    complaint_change_status(complaint=closed_again, status=Status.IN_REVIEW)
    close(closed_again)
    ComplaintEvent.objects.filter(complaint=closed_again).exclude(pk=closed_again.events.latest("id").pk).update(
        created_at=timezone.now() - YEAR
    )
    ComplaintEvent.objects.filter(pk=closed_again.events.latest("id").pk).update(created_at=later - 30 * DAY)

    assert complaints_purge_contact(now=later) == 0
    assert ComplaintContact.objects.count() == 3
    assert not Complaint.objects.filter(contact_purged_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="complaint.contact_purged").exists()


def test_the_purge_is_done_once_with_one_audit_event_by_the_system():
    with_contact, anonymous = close(file_complaint("web:1")), close(file_complaint("web:2", anonymous=True))
    later = timezone.now() + YEAR + DAY
    assert complaints_purge_contact(now=later) == 2
    assert complaints_purge_contact(now=later + DAY) == 0
    assert complaints_purge_contact(now=later + YEAR) == 0
    events = AuditEvent.objects.filter(action="complaint.contact_purged").order_by("object_ref")
    assert [(e.actor, e.object_type, e.object_id, e.object_ref) for e in events] == [
        (None, "intake.complaint", str(c.pk), c.reference) for c in (with_contact, anonymous)
    ]
    assert [e.data["contact"] for e in events] == [True, False]
    assert all(e.data["retention_days"] == settings.RETENTION_CONTACT_DAYS for e in events)
    for secret in (NAME, PHONE, "7135559876", EMAIL, FILE_NAME):
        assert secret not in json.dumps([e.data for e in events]) + "".join(e.reason for e in events)


def test_the_statistics_read_the_same_numbers_after_the_purge():
    for n in range(12):
        close(file_complaint(f"web:{n}", phone=f"+1713555{n:04d}"), outcome="resolved" if n % 2 else "withdrawn")

    def numbers():
        counts = statistics_counts(
            "status", "outcome", "channel", "language", "body_camera_seen", "body_camera_recording", "race_ethnicity"
        )
        key = lambda row: json.dumps(row, sort_keys=True, default=str)  # noqa: E731
        return sorted(map(key, counts)), sorted(map(key, statistics_allegation_counts()))

    def cells():
        release = release_build()
        return set(
            Cell.objects.filter(release=release).values_list(
                "table", "period", "field_office", "row", "column", "count"
            )
        )

    before, published = numbers(), cells()
    assert ("complaints_by_status", "all", "all", "closed", "", 12) in published
    assert complaints_purge_contact(now=timezone.now() + YEAR + DAY) == 12
    assert not ComplaintContact.objects.exists()
    assert numbers() == before
    assert cells() == published


def test_the_staff_page_says_the_contact_was_erased(staff_client, liaison):
    complaint = close(file_complaint("web:1"))
    complaints_purge_contact(now=timezone.now() + YEAR + DAY)
    client = staff_client(liaison)
    page = client.get(reverse("staff:complaint", args=[complaint.reference])).content.decode()
    assert "contact details were erased on" in page and "under the retention rule" in page
    assert "Show contact details" not in page and "Anonymous" not in page
    assert NAME not in page and "•••• 76" not in page
    response = client.post(
        reverse("staff:complaint_reveal", args=[complaint.reference]), {"reason": "Need to call them back"}
    )
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="complaint.pii_revealed").exists()


def test_the_job_is_on_beats_daily_schedule():
    from intake.tasks import complaints_purge_contact_task

    job = settings.CELERY_BEAT_SCHEDULE["complaints-purge-contact"]
    assert job["task"] == complaints_purge_contact_task.name
    schedule = job["schedule"]
    assert (schedule.hour, schedule.minute) == ({4}, {30})
    assert len(schedule.day_of_week) == 7 and len(schedule.day_of_month) == 31 and len(schedule.month_of_year) == 12
    assert complaints_purge_contact_task.acks_late is False and complaints_purge_contact_task.time_limit == 600


SENDER = "+17135550142"
NO_CONTACT = ["Hola", "1", "Entraron a mi casa a las 6 ZX-WORDS.", "listo", "ayer", "Brownsville, TX", "1 3", "sí",
              "no", "2", "2"]  # fmt: skip


def test_a_filer_who_gave_no_contact_has_the_conversation_forgotten_too(client, settings):
    """An SMS filer who said not to text back: no contact row, so nothing names their phone but the
    conversation's own messages, which name no complaint (on purpose)."""
    from tests.intake.test_conversation import text

    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.PUBLIC_BASE_URL = "https://voces.example.org"
    settings.SMS_TRANSPORT = "tests.intake.test_conversation.RecordingTransport"
    for message in NO_CONTACT:
        assert text(client, message, sender=SENDER)
    assert any("Brownsville" in body for body in OutboundMessage.objects.values_list("body", flat=True))
    assert text(client, "1", sender=SENDER)  # confirmed: filed
    complaint = Complaint.objects.get()
    assert complaint.is_anonymous and not ComplaintContact.objects.exists()
    phone = address_index("sms", SENDER)
    assert OutboundMessage.objects.filter(to_index=phone).count() >= len(NO_CONTACT)
    assert InboundMessage.objects.filter(from_index=phone).count() == len(NO_CONTACT) + 1
    # Ours about the complaint, to another address, and the staff's alert (no filer contact in it).
    outbound_queue(channel="whatsapp", to="whatsapp:+17135550143", body="ZX-REF", purpose="complaint.receipt",
                   object_ref=complaint.reference)  # fmt: skip
    outbound_queue(channel="email", to=settings.STAFF_ONDUTY_EMAIL, body=f"Urgent {complaint.reference}",
                   purpose="complaint.urgent_staff", object_ref=complaint.reference)  # fmt: skip
    sent()
    close(complaint)
    when = closed_at(complaint)
    # Someone else's conversation of last month: not due.
    recent = outbound_queue(channel="sms", to="+17135550199", body="ZX-RECENT", purpose="conversation.complaint")
    OutboundMessage.objects.filter(pk=recent.pk).update(created_at=when + YEAR - 30 * DAY)
    sent(pk=recent.pk)

    assert complaints_purge_contact(now=when + YEAR + DAY) == 1
    assert not InboundMessage.objects.exists()
    kept = {"complaint.urgent_staff", "ZX-RECENT"}
    for message in OutboundMessage.objects.all():
        if message.purpose in kept or message.body in kept:
            continue
        assert (message.to, message.to_index, message.body, message.subject) == ("", "", "", ""), message.purpose
    stored = [(m.to, m.body) for m in OutboundMessage.objects.all()]
    assert not [pair for pair in stored if "7135550142" in pair[0] or "Brownsville" in pair[1]]
    assert OutboundMessage.objects.get(purpose="complaint.urgent_staff").to == settings.STAFF_ONDUTY_EMAIL
    assert OutboundMessage.objects.get(pk=recent.pk).body == "ZX-RECENT"
    event = AuditEvent.objects.get(action="complaint.contact_purged")
    assert event.data["contact"] is False and event.data["messages"] == 1


def test_a_contact_no_key_can_read_any_more_is_purged_all_the_same():
    from cryptography.fernet import Fernet

    complaint = close(file_complaint("web:1"))
    # A key removed before the rotation finished: these columns are encrypted with no key we hold.
    lost = Fernet(Fernet.generate_key()).encrypt(b"ZX-LOST").decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE intake_complaintcontact SET name = %s, phone = %s", [lost, lost])
        cursor.execute("UPDATE intake_complaint SET narrative = %s", [lost])
    with pytest.raises(DecryptionError):
        ComplaintContact.objects.get(complaint=complaint)

    assert complaints_purge_contact(now=timezone.now() + YEAR + DAY) == 1
    assert not ComplaintContact.objects.exists()
    assert Complaint.objects.filter(pk=complaint.pk, contact_purged_at__isnull=False).exists()


def test_one_complaint_that_fails_does_not_stop_the_others_and_is_tried_again(monkeypatch, caplog):
    import intake.services

    complaints = [close(file_complaint(f"web:{n}", phone=f"+1713555{n:04d}")) for n in range(3)]
    failing = complaints[1]
    sent()
    record = intake.services.audit_record

    def audit_record(**kwargs):
        if kwargs.get("reference") == failing.reference:
            raise DatabaseError("ZX injected: the row was refused")
        return record(**kwargs)

    monkeypatch.setattr(intake.services, "audit_record", audit_record)
    later = timezone.now() + YEAR + DAY
    assert complaints_purge_contact(now=later) == 2
    assert list(Complaint.objects.filter(contact_purged_at__isnull=True).values_list("pk", flat=True)) == [failing.pk]
    # Rolled back whole: its contact and the messages to it are still there.
    assert ComplaintContact.objects.get(complaint=failing).phone == "+17135550001"
    assert OutboundMessage.objects.get(object_ref=failing.reference, purpose="complaint.receipt").to
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and failing.reference in errors[0].getMessage()
    logged = caplog.text
    for secret in (NAME, "7135550001", EMAIL, NARRATIVE):
        assert secret not in logged

    monkeypatch.setattr(intake.services, "audit_record", record)
    assert complaints_purge_contact(now=later + DAY) == 1
    assert not ComplaintContact.objects.exists()
    assert AuditEvent.objects.filter(action="complaint.contact_purged").count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_purge_each_complaint_once(postgres, monkeypatch):
    import threading

    import intake.services

    complaints = [close(file_complaint(f"web:{n}", phone=f"+1713555{n:04d}")) for n in range(12)]
    record = intake.services.audit_record

    def slow_audit_record(**kwargs):
        time.sleep(0.01)  # both runs are inside the list at once
        return record(**kwargs)

    monkeypatch.setattr(intake.services, "audit_record", slow_audit_record)
    later = timezone.now() + YEAR + DAY
    barrier, counts, failures = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait(timeout=10)
            counts.append(complaints_purge_contact(now=later))
        except Exception as problem:  # noqa: BLE001 - reported below
            failures.append(problem)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures and len(counts) == 2
    assert sum(counts) == len(complaints)
    assert not ComplaintContact.objects.exists()
    events = AuditEvent.objects.filter(action="complaint.contact_purged")
    assert sorted(events.values_list("object_ref", flat=True)) == sorted(c.reference for c in complaints)


@pytest.fixture(scope="module")
def purge_worker(redis_url, tmp_path_factory, django_db_setup, django_db_blocker):
    from tests.integration.conftest import running_worker

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the worker shares the tests' database on PostgreSQL only")
    with running_worker(redis_url, tmp_path_factory, django_db_blocker) as worker:
        yield worker


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_purge_task(postgres, purge_worker):
    from intake.tasks import complaints_purge_contact_task

    complaint = close(file_complaint("web:1"))
    recent = close(file_complaint("web:2", phone="+17135550000"))
    ComplaintEvent.objects.filter(complaint=complaint).update(created_at=timezone.now() - YEAR - DAY)
    complaints_purge_contact_task.delay()
    deadline = time.monotonic() + 30
    while Complaint.objects.get(pk=complaint.pk).contact_purged_at is None:
        assert time.monotonic() < deadline, purge_worker["log"].read_text()[-3000:]
        time.sleep(0.1)
    assert not ComplaintContact.objects.filter(complaint=complaint).exists()
    assert ComplaintContact.objects.filter(complaint=recent).exists()
    assert AuditEvent.objects.filter(action="complaint.contact_purged", object_ref=complaint.reference).count() == 1
