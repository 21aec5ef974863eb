from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from accounts import roles
from cases import clock
from cases.models import ReminderSent
from cases.services import footage_request_create, reminders_send
from intake.choices import Allegation
from intake.models import Complaint
from intake.services import ComplaintInput, ContactInput, complaint_submit
from tests.factories import UserFactory
from tests.integration.conftest import running_worker

# Wednesday before Thanksgiving (Thursday 26 November 2026), 9 in the morning in TIME_ZONE.
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("America/Chicago"))
TODAY = date(2026, 11, 25)
NARRATIVE = "Zorblat quennified the porch at dawn."


def file_complaint(n: int, *, overdue: bool = True, assignee=None, when=NOW) -> Complaint:
    data = ComplaintInput(
        filer_role="person_affected",
        language="es",
        allegations=["excessive_force", "verbal_abuse"],
        incident_date=date(2026, 11, 1),
        city="Houston",
        state="TX",
        field_office_code="HOU",
        narrative=NARRATIVE,
        is_anonymous=False,
        contact=ContactInput(name="Quintessa Vormwald", phone="+15550104477", safe_to_message=False),
        consent_contact=True,
    )
    complaint = complaint_submit(data=data, channel="web", submission_key=f"test-reminder-{n}").complaint
    due = when - timedelta(hours=2) if overdue else when + timedelta(days=1)
    Complaint.objects.filter(pk=complaint.pk).update(ack_due_at=due, assignee=assignee)
    return complaint


def perfected_for(due: date) -> date:
    """The day a request must be perfected on for its response to be due on `due`."""
    day = due
    while clock.response_due(perfected_on=day) != due:
        day -= timedelta(days=1)
    return day


def footage(actor, *, due: date | None = None, received_on: date | None = None, **kwargs):
    perfected_on = perfected_for(due) if due else None
    if kwargs.get("expedited_requested"):
        kwargs.setdefault("expedited_ground", "due_process")
    return footage_request_create(
        requester_type="attorney",
        received_on=received_on or perfected_on or TODAY - timedelta(days=20),
        actor=actor,
        perfected_on=perfected_on,
        **kwargs,
    )


def mail_to(user) -> EmailMultiAlternatives:
    found = [message for message in mail.outbox if message.to == [user.email]]
    assert len(found) == 1, [message.to for message in mail.outbox]
    return found[0]


def both_parts(message) -> str:
    return message.body + message.alternatives[0][0]


@pytest.fixture(autouse=True)
def chicago(settings):
    settings.TIME_ZONE = "America/Chicago"
    settings.REMINDER_HOUR = 7
    settings.REMINDER_FOOTAGE_WORKING_DAYS = 3


@pytest.fixture
def other_liaison(db):
    return UserFactory(username="lena", role=roles.LIAISON)


def test_an_overdue_acknowledgement_is_in_the_supervisors_email(supervisor):
    overdue = file_complaint(1)
    in_time = file_complaint(2, overdue=False)
    assert reminders_send(now=NOW) == 1
    message = mail_to(supervisor)
    assert overdue.reference in both_parts(message)
    assert in_time.reference not in both_parts(message)
    assert f"http://127.0.0.1:8000/en/staff/complaints/{overdue.reference}/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_an_acknowledged_or_closed_complaint_is_not_reminded(supervisor):
    acknowledged, closed = file_complaint(1), file_complaint(2)
    Complaint.objects.filter(pk=acknowledged.pk).update(acknowledged_at=NOW, status="acknowledged")
    Complaint.objects.filter(pk=closed.pk).update(status="closed", outcome="withdrawn")
    assert reminders_send(now=NOW) == 0
    assert mail.outbox == []


def test_a_liaison_sees_their_own_and_unassigned_complaints_a_supervisor_all(liaison, other_liaison, supervisor):
    mine = file_complaint(1, assignee=liaison)
    unassigned = file_complaint(2)
    theirs = file_complaint(3, assignee=other_liaison)
    assert reminders_send(now=NOW) == 3
    for_liaison = both_parts(mail_to(liaison))
    assert mine.reference in for_liaison and unassigned.reference in for_liaison
    assert theirs.reference not in for_liaison
    for_supervisor = both_parts(mail_to(supervisor))
    assert all(c.reference in for_supervisor for c in (mine, unassigned, theirs))


def test_auditors_advocates_inactive_and_mailless_staff_get_nothing(auditor, advocate, liaison, supervisor):
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    liaison.email = ""
    liaison.save(update_fields=["email"])
    file_complaint(1)
    assert reminders_send(now=NOW) == 0
    assert mail.outbox == []


def test_footage_due_soon_counts_working_days_across_a_federal_holiday(liaison):
    # From Wednesday 25 November: Thanksgiving does not count, so Tuesday 1 December is 3
    # working days away (in) and Wednesday 2 December is 4 (out).
    soon = footage(liaison, due=date(2026, 12, 1))
    later = footage(liaison, due=date(2026, 12, 2))
    overdue = footage(liaison, due=date(2026, 11, 20))
    assert reminders_send(now=NOW) == 1
    text = mail_to(liaison).body
    assert soon.reference in text and overdue.reference in text
    assert later.reference not in text
    assert "overdue since" in text
    assert f"/en/staff/footage/{soon.reference}/" in text


def test_an_expedited_decision_due_is_reminded_until_it_is_made(liaison):
    pending = footage(liaison, received_on=TODAY - timedelta(days=8), expedited_requested=True)
    decided = footage(liaison, received_on=TODAY - timedelta(days=8), expedited_requested=True)
    decided.expedited_granted = True
    decided.save(update_fields=["expedited_granted"])
    assert reminders_send(now=NOW) == 1
    text = mail_to(liaison).body
    assert "fast processing" in text
    assert pending.reference in text and decided.reference not in text


def test_a_hold_about_to_lapse_is_reminded_on_an_open_request_only(liaison, settings):
    settings.REMINDER_HOLD_DAYS = 30
    received = TODAY - timedelta(days=settings.FOOTAGE_HOLD_DAYS - 10)  # the hold lapses in 10 days
    lapsing = footage(liaison, received_on=received)
    withdrawn = footage(liaison, received_on=received)
    withdrawn.status = "withdrawn"
    withdrawn.save(update_fields=["status"])
    kept_long = footage(liaison, received_on=TODAY - timedelta(days=3))
    assert reminders_send(now=NOW) == 1
    text = mail_to(liaison).body
    assert lapsing.reference in text
    assert "held until" in text
    assert withdrawn.reference not in text and kept_long.reference not in text


def test_once_a_day_even_when_run_twice_and_again_the_next_day(liaison):
    file_complaint(1)
    assert reminders_send(now=NOW) == 1
    assert reminders_send(now=NOW + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.filter(key=f"digest:{liaison.pk}:2026-11-25").exists()
    assert reminders_send(now=NOW + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2


def test_nothing_to_remind_sends_nothing_and_writes_nothing(liaison):
    file_complaint(1, overdue=False)
    assert reminders_send(now=NOW) == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


def test_before_the_reminder_hour_nothing_is_sent(liaison, settings):
    settings.REMINDER_HOUR = 7
    file_complaint(1, when=NOW.replace(hour=6))
    assert reminders_send(now=NOW.replace(hour=6, minute=59)) == 0
    assert mail.outbox == []
    assert reminders_send(now=NOW.replace(hour=7, minute=0)) == 1


def test_a_failing_send_leaves_no_row_so_the_next_run_tries_again(liaison, supervisor, monkeypatch):
    file_complaint(1)

    def broken(self, *args, **kwargs):
        raise ConnectionError("mail provider down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    assert reminders_send(now=NOW) == 0
    assert not ReminderSent.objects.exists()
    monkeypatch.undo()
    assert reminders_send(now=NOW + timedelta(hours=1)) == 2
    assert ReminderSent.objects.count() == 2


def test_the_email_holds_references_and_dates_never_the_filers_details(liaison):
    complaint = file_complaint(1)
    assert reminders_send(now=NOW) == 1
    message = mail_to(liaison)
    text = message.subject + both_parts(message)
    assert complaint.reference in text
    for secret in ("Quintessa", "Vormwald", "5550104477", "0104477", NARRATIVE, "Zorblat"):
        assert secret not in text
    for allegation in Allegation:
        assert str(allegation.label) not in text


def test_the_email_is_in_the_staff_members_language(liaison):
    liaison.preferred_language = "es"
    liaison.save(update_fields=["preferred_language"])
    complaint = file_complaint(1)
    reminders_send(now=NOW)
    assert f"/es/staff/complaints/{complaint.reference}/" in mail_to(liaison).body


# A real worker on Redis, as beat would send it there.


@pytest.fixture(scope="module")
def reminder_worker(redis_url, tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":  # the worker must see the tests' database
            pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/voces")
    extra = {"REMINDER_HOUR": "0", "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    with running_worker(redis_url, tmp_path_factory, django_db_blocker, extra_env=extra) as worker:
        yield worker


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_sends_the_reminders_on_a_real_worker(reminder_worker, liaison):
    from cases.tasks import reminders_send_task

    complaint = file_complaint(1, when=timezone.now())
    assert reminders_send_task.apply_async(ignore_result=False).get(timeout=60) == 1
    assert ReminderSent.objects.filter(key__startswith=f"digest:{liaison.pk}:").count() == 1
    log = reminder_worker["log"].read_text()
    assert complaint.reference in log and liaison.email in log
    assert reminders_send_task.apply_async(ignore_result=False).get(timeout=60) == 0  # once a day
