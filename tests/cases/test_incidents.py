"""Incidents: a complaint links to one found by place and date, or starts one."""

from datetime import date

import pytest

from cases.selectors import incident_candidates
from cases.services import incident_create_from, incident_link
from intake.services import complaint_submit
from privacy.models import AuditEvent
from tests.intake.test_services import complaint_input

pytestmark = pytest.mark.django_db


def complaint(key: str, day: date, city="Miami", office="MIA"):
    data = complaint_input(incident_date=day, city=city, field_office_code=office, contact=None, is_anonymous=True)
    data.consent_contact = False
    return complaint_submit(data=data, channel="web", submission_key=key, notify_filer=False).complaint


def test_candidates_are_in_the_same_office_and_city_within_three_days(liaison):
    first = complaint("a", date(2026, 10, 3))
    incident = incident_create_from(complaint=first, actor=liaison)
    assert incident.reference.startswith("IN-") and incident.starts_on == date(2026, 10, 3)
    assert incident_candidates(complaint("b", date(2026, 10, 6))) == [incident]  # 3 days later
    assert incident_candidates(complaint("c", date(2026, 9, 30))) == [incident]  # 3 days before
    assert incident_candidates(complaint("d", date(2026, 10, 7))) == []  # 4 days
    assert incident_candidates(complaint("e", date(2026, 10, 3), city="Orlando")) == []
    assert incident_candidates(complaint("f", date(2026, 10, 3), office="ATL")) == []
    assert incident_candidates(first) == []  # linked already


def test_linking_widens_the_window_once_and_is_audited(liaison):
    incident = incident_create_from(complaint=complaint("a", date(2026, 10, 3)), actor=liaison)
    later = complaint("b", date(2026, 10, 5))
    incident = incident_link(incident=incident, complaint=later, actor=liaison)
    incident = incident_link(incident=incident, complaint=later, actor=liaison)  # again: nothing more
    assert (incident.starts_on, incident.ends_on) == (date(2026, 10, 3), date(2026, 10, 5))
    assert incident.complaints.count() == 2
    assert AuditEvent.objects.filter(action="incident.complaint_linked").count() == 1
    # A complaint 3 days after the window's end is still a candidate.
    assert incident_candidates(complaint("c", date(2026, 10, 8))) == [incident]
