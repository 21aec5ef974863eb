"""bench/stats_seed.py, which the statistics benchmark and the 100,000-complaint test stand on:
the rows it writes are valid for the app, shaped like the real thing, and the same for one seed."""

from collections import Counter
from datetime import UTC, datetime

from django.db import connection

from bench.stats_seed import seed
from cases.models import FootageEvent, FootageRequest
from cases.selectors import FOOTAGE_DECISIONS
from core.services import reference_next
from intake.models import Allegation, Complaint

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
FACTS = ("created_at", "channel", "language", "status", "outcome", "field_office__code", "race_ethnicity")


def facts(complaints) -> Counter:
    return Counter(tuple(str(value) for value in row) for row in complaints.values_list(*FACTS))


def test_it_writes_realistic_complaints_allegations_and_footage_requests(postgres):
    figures = seed(connection, 4000, seed=3, now=NOW)
    complaints = Complaint.objects.all()
    assert complaints.count() == figures["complaints"] == 4000
    languages = Counter(complaints.values_list("language", flat=True))
    assert 0.55 < languages["es"] / 4000 < 0.65 and languages["pa"] < languages["en"] / 10
    offices = Counter(complaints.values_list("field_office__code", flat=True))
    assert 0.02 < offices[None] / 4000 < 0.045
    assert offices["HOU"] > 10 * offices["SPM"] > 0
    years = Counter(complaints.values_list("created_at__year", flat=True))
    assert set(years) == {2024, 2025, 2026} and years[2024] < years[2026]
    old = Counter(complaints.filter(created_at__year=2024).values_list("status", flat=True))
    assert old["closed"] > 0.8 * sum(old.values())
    assert not complaints.filter(status="closed", outcome="").count() > 0.05 * old["closed"]
    consent = complaints.filter(consent_statistics=True).count() / 4000
    assert 0.8 < consent < 0.9
    races = Counter(len(value) for value in complaints.values_list("race_ethnicity", flat=True))
    assert 0.35 < races[0] / 4000 < 0.45 and races[2] > 0
    per_complaint = Counter(Counter(Allegation.objects.values_list("complaint_id", flat=True)).values())
    assert set(per_complaint) <= {1, 2, 3} and sum(per_complaint.values()) == 4000

    requests = FootageRequest.objects.all()
    assert requests.count() == figures["footage_requests"] and 120 < figures["footage_requests"] < 290
    for request in requests.filter(status__in=FOOTAGE_DECISIONS):
        decisions = FootageEvent.objects.filter(request=request, status__in=FOOTAGE_DECISIONS)
        assert decisions.count() == 1 and decisions.get().at.date() >= request.received_on
    assert not requests.filter(status="no_footage", no_footage_reason="").count() > 0.1 * max(
        1, requests.filter(status="no_footage").count()
    )
    # The app numbers on after the seeded references.
    assert reference_next(prefix="C") == "C-004001"


def test_one_seed_gives_the_same_complaints_and_another_seed_others(postgres):
    seed(connection, 600, seed=5, now=NOW)
    first = facts(Complaint.objects.all())
    seed(connection, 600, seed=5, now=NOW)
    again = facts(Complaint.objects.exclude(reference__lte="C-000600"))
    seed(connection, 600, seed=6, now=NOW)
    other = facts(Complaint.objects.filter(reference__gt="C-001200"))
    assert first == again
    assert first != other
