"""Retention, casework's part: staff's notes of their attempts to reach a filer ("left a message at
713…") are blanked once the complaint's contact details are erased; how and with what result they
tried stays, for the record of the casework."""

import json

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.models import ContactAttempt
from cases.services import complaint_contact_attempt_record, contact_attempts_purge
from intake.services import complaints_purge_contact
from privacy.models import AuditEvent
from tests.intake.test_retention import DAY, YEAR, close, file_complaint

pytestmark = pytest.mark.django_db

NOTE = "Left a message at 713-555-9876 with her cousin Wilhelmina ZX-NOTE"


def attempt(complaint, actor, note=NOTE, method="call", result="left_message") -> ContactAttempt:
    return complaint_contact_attempt_record(complaint=complaint, actor=actor, method=method, result=result, note=note)


def test_notes_are_blanked_only_once_the_contact_is_erased_and_the_facts_stay(liaison):
    complaint = close(file_complaint("web:1"))
    recent = close(file_complaint("web:2", phone="+17135550000"))
    first, second = attempt(complaint, liaison), attempt(complaint, liaison, method="text", result="texted")
    other = attempt(recent, liaison)
    # Closed a month ago: neither is purged yet.
    assert contact_attempts_purge() == 0
    assert ContactAttempt.objects.get(pk=first.pk).note == NOTE

    later = timezone.now() + YEAR + DAY
    complaint.events.update(created_at=timezone.now() - YEAR - DAY)
    assert complaints_purge_contact() == 1
    assert contact_attempts_purge() == 1
    assert [(a.method, a.result, a.note, a.actor) for a in ContactAttempt.objects.filter(complaint=complaint)] == [
        ("call", "left_message", "", liaison),
        ("text", "texted", "", liaison),
    ]
    assert ContactAttempt.objects.get(pk=other.pk).note == NOTE
    event = AuditEvent.objects.get(action="complaint.contact_notes_purged")
    assert (event.actor, event.object_ref, event.data["attempts"]) == (None, complaint.reference, 2)
    assert "713" not in json.dumps(event.data) and "Wilhelmina" not in json.dumps(event.data)

    # Done once; a note written since (the complaint reopened) is that casework's, and stays.
    assert contact_attempts_purge() == 0
    late = attempt(complaint, liaison, note="Tried 713-555-9876 again ZX-LATE")
    assert contact_attempts_purge() == 0
    assert ContactAttempt.objects.get(pk=late.pk).note == "Tried 713-555-9876 again ZX-LATE"
    assert ContactAttempt.objects.get(pk=second.pk).result == "texted"
    assert AuditEvent.objects.filter(action="complaint.contact_notes_purged").count() == 1
    assert complaints_purge_contact(now=later) == 1  # the recent one, in its time
    assert contact_attempts_purge() == 1
    assert [a.pk for a in ContactAttempt.objects.all() if a.note] == [late.pk]


def test_a_note_no_key_can_read_any_more_is_blanked_all_the_same(liaison):
    complaint = close(file_complaint("web:1"))
    noted = attempt(complaint, liaison)
    complaints_purge_contact(now=timezone.now() + YEAR + DAY)
    lost = Fernet(Fernet.generate_key()).encrypt(b"ZX-LOST").decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_contactattempt SET note = %s", [lost])
    assert contact_attempts_purge() == 1
    assert ContactAttempt.objects.get(pk=noted.pk).note == ""


def test_the_job_runs_daily_after_the_contact_purge():
    from cases.tasks import contact_attempts_purge_task

    jobs = settings.CELERY_BEAT_SCHEDULE
    job, contact = jobs["contact-attempts-purge"], jobs["complaints-purge-contact"]["schedule"]
    assert job["task"] == contact_attempts_purge_task.name
    assert (job["schedule"].hour, job["schedule"].minute) == ({4}, {45})
    assert (contact.hour, contact.minute) == ({4}, {30})
    assert len(job["schedule"].day_of_week) == 7 and len(job["schedule"].day_of_month) == 31
    assert contact_attempts_purge_task.acks_late is False and contact_attempts_purge_task.time_limit == 600
