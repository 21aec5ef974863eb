from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.models import FootageEvent, FootageRequest, Incident
from intake.models import Complaint, ComplaintContact
from privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(command: str, **options) -> str:
    out = StringIO()
    call_command(command, stdout=out, **options)
    return out.getvalue()


def test_demo_casework_loads_once_with_a_living_queue(settings):
    settings.DEBUG = True
    run("load_demo")
    assert "40 complaints" in run("load_demo_cases", complaints=40)
    complaints = Complaint.objects.all()
    assert complaints.count() == 40
    assert all(c.submission_key.startswith("demo-") for c in complaints)
    assert complaints.values("language").distinct().count() >= 5
    assert complaints.values("channel").distinct().count() >= 4
    assert complaints.exclude(status="received").exists() and complaints.filter(status="received").exists()
    assert complaints.filter(assignee__username="demo-liaison").exists()
    assert complaints.filter(organization__slug="gulf-coast-demo", filed_by__username="demo-advocate").exists()
    for complaint in complaints.exclude(field_office=None).select_related("field_office"):
        assert complaint.state in complaint.field_office.states  # the city is in the office's area
    assert Incident.objects.exists()
    assert all(2 <= incident.complaints.count() <= 4 for incident in Incident.objects.all())
    requests = FootageRequest.objects.all()
    assert requests.count() >= 2
    assert FootageEvent.objects.count() >= requests.count()
    assert all(r.hold_until > r.hold_issued_on for r in requests)
    assert AuditEvent.objects.filter(action="complaint.submitted").count() == 40
    for contact in ComplaintContact.objects.all():
        assert contact.name.startswith("Demo Filer") and "5550" in contact.phone

    counts = (Complaint.objects.count(), Incident.objects.count(), requests.count(), AuditEvent.objects.count())
    assert "nothing added" in run("load_demo_cases", complaints=40)
    after = (Complaint.objects.count(), Incident.objects.count(), requests.count(), AuditEvent.objects.count())
    assert after == counts


def test_it_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("load_demo_cases", complaints=5)
    assert not Complaint.objects.exists()


def test_it_needs_the_demo_users_first(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="load_demo"):
        run("load_demo_cases", complaints=5)
    assert not Complaint.objects.exists()
