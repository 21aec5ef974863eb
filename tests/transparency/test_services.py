"""The daily release: what is counted (only complaints whose filer agreed, by the local month
received), the footage clock's figures, small counts and their complements hidden, a release
replacing the same day's, old ones pruned, nothing published for too few records."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from cases.models import FootageEvent, FootageRequest
from intake.models import Allegation, Complaint, FieldOffice
from transparency import services
from transparency import tables as t
from transparency.models import Cell, Measure, Release

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def complaint(*, office="HOU", at=None, consent=True, allegations=("excessive_force",), **fields):
    number = next(_numbers)
    values = {
        "reference": f"C-{number:06d}",
        "receipt_index": f"r{number}",
        "submission_key": f"s{number}",
        "channel": "web",
        "language": "es",
        "filer_role": "person_affected",
        "consent_statistics": consent,
        "field_office": FieldOffice.objects.get(code=office) if office else None,
        **fields,
    }
    made = Complaint.objects.create(**values)
    if at is not None:
        Complaint.objects.filter(pk=made.pk).update(created_at=at)
    for kind in allegations:
        Allegation.objects.create(complaint=made, kind=kind)
    return made


def footage(*, received, perfected=None, status="received", decided=None, reason="", office_complaint=None):
    number = next(_numbers)
    request = FootageRequest.objects.create(
        reference=f"FR-{number:06d}",
        requester_type="attorney",
        received_on=received,
        perfected_on=perfected,
        status=status,
        no_footage_reason=reason,
        hold_issued_on=received,
        hold_until=received + timedelta(days=365),
        complaint=office_complaint,
    )
    if decided is not None:
        FootageEvent.objects.create(
            request=request,
            status=status,
            at=datetime.combine(decided, datetime.min.time(), tzinfo=UTC) + timedelta(hours=18),
        )
    return request


def counts(release, table, period="all", office="all", column=""):
    return {
        cell.row: cell.count
        for cell in Cell.objects.filter(release=release, table=table, period=period, field_office=office, column=column)
    }


def test_only_complaints_whose_filer_agreed_are_counted():
    for _ in range(30):
        complaint()
    for _ in range(7):
        complaint(consent=False)
    release = services.release_build()
    assert counts(release, t.TOTALS)[t.COMPLAINTS] == 30
    assert counts(release, t.TOTALS, office="HOU")[t.COMPLAINTS] == 30


def test_a_complaint_counts_in_the_local_month_it_was_received():
    # 03:00 UTC on 1 January is still 31 December in Chicago.
    for _ in range(12):
        complaint(at=datetime(2026, 1, 1, 3, 0, tzinfo=UTC))
    for _ in range(12):
        complaint(at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    release = services.release_build()
    assert release.years == ["2025", "2026"]
    assert counts(release, "complaints_by_month", period="2025")["2025-12"] == 12
    assert counts(release, "complaints_by_month", period="2026")["2026-01"] == 12
    assert counts(release, "complaints_by_month")["2025-12"] == 12  # all years shows every month


def test_small_counts_and_their_complement_are_hidden_and_zero_is_shown():
    for _ in range(35):
        complaint(channel="web")
    for _ in range(5):
        complaint(channel="sms")
    release = services.release_build()
    channels = counts(release, "complaints_by_channel")
    assert channels["sms"] is None
    assert channels["web"] is None  # else 40 - 35 gives the 5 away
    assert channels["voice"] == 0
    assert counts(release, t.TOTALS)[t.COMPLAINTS] == 40
    assert all(
        cell.count is None or cell.count == 0 or cell.count > 10 for cell in Cell.objects.filter(release=release)
    )


def test_field_offices_cannot_be_subtracted_from_all_offices():
    for _ in range(30):
        complaint(office="HOU", channel="web")
    for _ in range(3):
        complaint(office="DAL", channel="sms")
    for _ in range(20):
        complaint(office="DAL", channel="web")
    release = services.release_build()
    all_offices = counts(release, "complaints_by_channel")
    houston = counts(release, "complaints_by_channel", office="HOU")
    dallas = counts(release, "complaints_by_channel", office="DAL")
    assert dallas["sms"] is None
    assert all_offices["sms"] is None  # 3: small everywhere it appears
    # Dallas's web count (20) would give its sms away from its total (23): hidden too, and then
    # Houston's or all offices' web count must not give Dallas's web away either.
    assert dallas["web"] is None
    assert houston["web"] is None or all_offices["web"] is None


def test_a_grand_total_of_ten_or_fewer_publishes_nothing_of_that_subject():
    for _ in range(6):
        complaint()
    footage(received=date(2026, 3, 2))
    release = services.release_build()
    assert set(release.withheld) == {t.COMPLAINTS, t.FOOTAGE}
    assert not Cell.objects.filter(release=release, count__isnull=False).exists()
    assert not Measure.objects.filter(release=release, value__isnull=False).exists()


def test_race_and_ethnicity_one_category_a_person():
    assert services.race_category([]) == t.NOT_GIVEN
    assert services.race_category(["black"]) == "black"
    assert services.race_category(["black", "hispanic"]) == t.SEVERAL
    assert services.race_category(["declined"]) == "declined"
    assert services.race_category(["declined", "asian"]) == "asian"
    assert services.race_category(["martian"]) == t.OTHER


def test_outcomes_by_race_add_up_to_the_outcome_table():
    for _ in range(25):
        complaint(race_ethnicity=["hispanic"], status="closed", outcome="substantiated")
    for _ in range(25):
        complaint(race_ethnicity=["black"], status="closed", outcome="not_substantiated")
    for _ in range(15):
        complaint(race_ethnicity=[], status="received")
    release = services.release_build()
    cross = "closed_complaints_by_race_ethnicity_and_outcome"
    assert counts(release, cross, column="substantiated")["hispanic"] == 25
    assert counts(release, cross, column="not_substantiated")["black"] == 25
    assert counts(release, cross, column=t.TOTAL)["black"] == 25
    assert (
        counts(release, cross, column="substantiated")[t.TOTAL]
        == counts(release, "complaints_by_outcome")["substantiated"]
    )
    assert counts(release, "complaints_by_race_ethnicity")[t.NOT_GIVEN] == 15
    assert not Cell.objects.filter(release=release, table=cross).exclude(field_office="all").exists()


def test_footage_decisions_on_time_late_and_without_a_clock():
    # Perfected Monday 2 March 2026: 20 working days later is 30 March.
    for _ in range(12):
        footage(
            received=date(2026, 3, 2), perfected=date(2026, 3, 2), status="released_full", decided=date(2026, 3, 20)
        )
    for _ in range(12):
        footage(received=date(2026, 3, 2), perfected=date(2026, 3, 2), status="denied", decided=date(2026, 4, 20))
    for _ in range(12):
        footage(received=date(2026, 3, 2), status="no_footage", reason="not_activated", decided=date(2026, 3, 10))
    for _ in range(12):
        footage(received=date(2026, 3, 2), perfected=date(2026, 3, 2))
    release = services.release_build()
    timeliness = counts(release, "footage_requests_by_timeliness")
    assert timeliness == {"on_time": 12, "late": 12, "no_clock": 12}
    assert counts(release, t.TOTALS)["footage_decided"] == 36
    outcome = counts(release, "footage_requests_by_outcome")
    assert outcome["pending"] == 12 and outcome["no_footage"] == 12
    assert counts(release, "footage_requests_by_no_footage_reason")["not_activated"] == 12
    days = dict(Measure.objects.filter(release=release, period="all", field_office="all").values_list("name", "value"))
    # 36 decisions: 12 after 8 days, 12 after 18, 12 after 49; the median is the 18th: 18 days.
    assert days["median"] == 18
    assert days["p90"] is None  # 36 is too few for the 90th in 100 to have 11 on its side


def test_a_percentile_needs_eleven_records_on_each_side():
    assert services.percentile(list(range(21)), 0.5) is None
    assert services.percentile(list(range(23)), 0.5) == 11
    assert services.percentile(list(range(109)), 0.9) is None
    assert services.percentile(list(range(120)), 0.9) == 107


def test_every_complaint_alleges_something_is_known_and_used():
    for _ in range(20):
        complaint(allegations=("excessive_force",))
    for _ in range(15):
        complaint(allegations=("excessive_force", "verbal_abuse"))
    release = services.release_build()
    allegations = counts(release, "complaints_by_allegation")
    assert allegations["excessive_force"] == 35
    assert allegations["verbal_abuse"] == 15
    assert allegations["coercion"] == 0


def test_a_rebuild_the_same_day_replaces_the_release_and_old_ones_are_pruned(settings):
    settings.TRANSPARENCY_RELEASES_KEPT = 2
    for _ in range(12):
        complaint()
    for day in (1, 2, 3):
        services.release_build(now=datetime(2026, 5, day, 15, tzinfo=UTC))
    services.release_build(now=datetime(2026, 5, 3, 16, tzinfo=UTC))
    assert list(Release.objects.order_by("version").values_list("version", flat=True)) == ["2026-05-02", "2026-05-03"]
    assert Release.objects.get(version="2026-05-03").status == Release.Status.PUBLISHED


def test_the_command_and_the_daily_beat_job():
    for _ in range(12):
        complaint()
    call_command("stats_release", stdout=open("/dev/null", "w"))
    assert Release.objects.filter(version=timezone.localdate().isoformat()).exists()
    job = settings.CELERY_BEAT_SCHEDULE["statistics-release"]
    assert job["task"] == "transparency.tasks.release_build_task"
    from transparency.tasks import release_build_task

    assert release_build_task.apply().get() == timezone.localdate().isoformat()


def test_by_default_a_release_counts_whole_months_and_is_built_once(settings):
    settings.TRANSPARENCY_DATA_THROUGH = "month_end"
    for _ in range(15):
        complaint(at=datetime(2026, 10, 20, 15, tzinfo=UTC))
    for _ in range(12):
        complaint(at=datetime(2026, 11, 2, 15, tzinfo=UTC))
    october = services.release_build(now=datetime(2026, 11, 20, 15, tzinfo=UTC))
    assert october.version == "2026-10-31"
    assert counts(october, t.TOTALS)[t.COMPLAINTS] == 15
    for _ in range(12):
        complaint(at=datetime(2026, 10, 25, 15, tzinfo=UTC))  # arrived late: next month's release
    again = services.release_build(now=datetime(2026, 11, 28, 15, tzinfo=UTC))
    assert again.pk == october.pk and counts(again, t.TOTALS)[t.COMPLAINTS] == 15
    november = services.release_build(now=datetime(2026, 12, 1, 8, tzinfo=UTC))
    assert november.version == "2026-11-30"
    assert counts(november, t.TOTALS)[t.COMPLAINTS] == 39


def test_footage_requests_about_a_complaint_not_to_be_counted_are_not_counted():
    hidden = complaint(consent=False)
    counted = complaint()
    for _ in range(12):
        footage(received=date(2026, 3, 2), office_complaint=hidden)
    for _ in range(13):
        footage(received=date(2026, 3, 2), office_complaint=counted)
    release = services.release_build()
    assert counts(release, t.TOTALS)[t.FOOTAGE] == 13
