"""Writes of the public statistics: the daily release.

`release_build()` reads grouped counts through intake's and cases' selectors (never a single
complaint), adds them up for every slice (each year and all years, each field office and all
offices), links every published number to the others by the equations anyone can check (a
table's rows add up to its total, field offices add up to all offices, years to all years, the
outcome table to the "closed" count, ...), suppresses small counts with
`privacy.linked_suppression`, and writes only what may be shown. A release is written whole in
one transaction and only then becomes the one pages read."""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cases import selectors as cases_selectors
from cases import workflow
from intake import selectors as intake_selectors
from privacy.linked_suppression import LinkedTable, suppress_linked
from privacy.services import audit_record
from surveys import selectors as surveys_selectors
from transparency import tables as t
from transparency.models import Cell, Measure, Release, SurveyResult

logger = logging.getLogger(__name__)


# --- Counting ------------------------------------------------------------------------------------


@dataclass
class Counts:
    """True counts by (table, row, column, year, office) for single years and real offices only
    (office None: not known); the slices "all" are sums worked out later."""

    subject: str
    years: set[int] = field(default_factory=set)
    offices: set[str] = field(default_factory=set)
    cells: dict = field(default_factory=lambda: defaultdict(int))
    totals: dict = field(default_factory=lambda: defaultdict(int))  # (row, year, office)
    months: dict = field(default_factory=lambda: defaultdict(int))  # (month "YYYY-MM", office)
    with_allegation: dict = field(default_factory=lambda: defaultdict(int))  # (year, office)

    def add(self, table: str, row: str, year: int, office: str, n: int, column: str = "") -> None:
        self.cells[(table, row, column, year, office)] += n


def _office(code: str | None) -> str:
    return code or t.UNKNOWN_OFFICE


def _category(value, known: set[str]) -> str:
    """The row of a value: itself, else "other" or "not given" where the table has such a row
    (a value no table knows must not stop the release: its rows would not add up)."""
    if value in known:
        return value
    if value not in (None, "") and t.OTHER in known:
        return t.OTHER
    return t.NOT_GIVEN


def race_category(values) -> str:
    """One category per person: none given, one group, "declined" alone, or more than one."""
    groups = sorted({value for value in values or [] if isinstance(value, str)} - {"declined"})
    if len(groups) > 1:
        return t.SEVERAL
    if groups:
        return groups[0] if groups[0] in {code for code, _ in t.RACE} else t.OTHER
    return "declined" if values and "declined" in values else t.NOT_GIVEN


def complaint_counts(before: datetime | None = None) -> Counts:
    counts = Counts(subject=t.COMPLAINTS)
    known = {spec.code: {code for code, _ in spec.categories} for spec in t.SPECS}
    for row in intake_selectors.statistics_counts("status", "outcome", "channel", "language", before=before):
        year, office, n = row["month"].year, _office(row["office"]), row["n"]
        counts.years.add(year)
        counts.offices.add(office)
        counts.totals[(t.COMPLAINTS, year, office)] += n
        counts.months[(row["month"].strftime("%Y-%m"), office)] += n
        for table, field_name in (("complaints_by_channel", "channel"), ("complaints_by_language", "language")):
            counts.add(table, _category(row[field_name], known[table]), year, office, n)
        counts.add("complaints_by_status", row["status"], year, office, n)
        if row["status"] == "closed":
            counts.add(
                "complaints_by_outcome", _category(row["outcome"], known["complaints_by_outcome"]), year, office, n
            )
    for row in intake_selectors.statistics_counts("body_camera_seen", "body_camera_recording", before=before):
        year, office, n = row["month"].year, _office(row["office"]), row["n"]
        seen = _category(row["body_camera_seen"], known["complaints_by_body_camera_seen"])
        counts.add("complaints_by_body_camera_seen", seen, year, office, n)
        if seen == "yes":
            recording = _category(row["body_camera_recording"], known["complaints_by_body_camera_recording"])
            counts.add("complaints_by_body_camera_recording", recording, year, office, n)
    for row in intake_selectors.statistics_counts("race_ethnicity", "status", "outcome", before=before):
        year, office, n = row["month"].year, _office(row["office"]), row["n"]
        race = race_category(row["race_ethnicity"])
        counts.add("complaints_by_race_ethnicity", race, year, office, n)
        if row["status"] == "closed":
            outcome = _category(row["outcome"], known["complaints_by_outcome"])
            counts.add("closed_complaints_by_race_ethnicity_and_outcome", race, year, office, n, column=outcome)
    for row in intake_selectors.statistics_allegation_counts(before=before):
        year, office, n = row["month"].year, _office(row["office"]), row["n"]
        if row["kind"] is None:
            counts.with_allegation[(year, office)] += n
        else:
            counts.add("complaints_by_allegation", row["kind"], year, office, n)
    return counts


@dataclass
class FootageCounts(Counts):
    days: dict = field(default_factory=lambda: defaultdict(list))  # (year, office) -> [days]


FOOTAGE_DECIDED = ("released_full", "released_partial", "no_footage", "denied", "appealed")


def footage_outcome(status: str) -> str:
    if status in workflow.CLOCK_RUNNING:
        return "pending"
    if status in (workflow.APPEALED, workflow.APPEAL_DECIDED):
        return "appealed"
    return status


def footage_counts(before: datetime | None = None) -> FootageCounts:
    counts = FootageCounts(subject=t.FOOTAGE)
    reasons = {code for code, _ in t.BY_CODE["footage_requests_by_no_footage_reason"].categories}
    for row in cases_selectors.footage_statistics_rows(
        before=timezone.localtime(before).date() if before is not None else None
    ):
        year, office = row.received_on.year, _office(row.office)
        counts.years.add(year)
        counts.offices.add(office)
        counts.totals[(t.FOOTAGE, year, office)] += 1
        outcome = footage_outcome(row.status)
        counts.add("footage_requests_by_outcome", outcome, year, office, 1)
        if outcome == "no_footage":
            counts.add(
                "footage_requests_by_no_footage_reason", _category(row.no_footage_reason, reasons), year, office, 1
            )
        if outcome in FOOTAGE_DECIDED:
            # Decided is what the outcome table says, so that its rows add up to the decided
            # count (which a reader can check); the clock needs the day of the first decision.
            counts.totals[("footage_decided", year, office)] += 1
            if row.due is None or row.decided_on is None:
                timeliness = "no_clock"
            else:
                timeliness = "on_time" if row.decided_on <= row.due else "late"
            counts.add("footage_requests_by_timeliness", timeliness, year, office, 1)
            if row.decided_on is not None:
                counts.days[(year, office)].append(max(0, (row.decided_on - row.started_on).days))
    return counts


# --- The linked tables ---------------------------------------------------------------------------


class Builder:
    """The true counts of every slice as cells of a LinkedTable, with the equations that link
    them, and where each cell is placed in the published tables."""

    def __init__(self, counts: Counts, years: list[int], offices: list[str]) -> None:
        self.counts = counts
        self.years = years
        self.offices = offices  # real office codes and "unknown"
        self.periods = [t.ALL, *[str(year) for year in years]]
        self.slices_offices = [t.ALL, *offices]
        self.table = LinkedTable()
        self.placements: dict = defaultdict(list)  # key -> [(table, period, office, row, column)]

    # a cell for every year and office, the sums for "all" built from them
    def cube(self, name: str, value_of, *, offices: bool = True) -> dict:
        """Cells (name, period, office) for every slice, from value_of(year, office) on single
        years and real offices; "all" cells are the sums, linked by equations. Returns
        {(period, office): key}."""
        keys = {}
        office_list = self.offices if offices else []
        for year in self.years:
            for office in office_list:
                keys[(str(year), office)] = self.table.cell((*name, str(year), office), value_of(year, office))
        for year in self.years:
            parts = [keys[(str(year), office)] for office in office_list]
            total = sum(self.table.values[key] for key in parts) if offices else value_of(year, None)
            keys[(str(year), t.ALL)] = self.table.cell((*name, str(year), t.ALL), total)
            if parts:
                self.table.equation(keys[(str(year), t.ALL)], parts)
        for office in [*office_list, t.ALL]:
            parts = [keys[(str(year), office)] for year in self.years]
            if len(parts) == 1:  # one year: "all years" is the same number, the same cell
                keys[(t.ALL, office)] = parts[0]
                continue
            value = sum(self.table.values[key] for key in parts)
            keys[(t.ALL, office)] = self.table.cell((*name, t.ALL, office), value)
            if parts:
                self.table.equation(keys[(t.ALL, office)], parts)
        return keys

    def place(self, keys: dict, table: str, row: str, column: str = "") -> None:
        for (period, office), key in keys.items():
            self.placements[key].append((table, period, office, row, column))

    def split(self, population: dict, table: str, categories, *, many: bool = False) -> dict:
        """A one-way table in every slice: its rows add up to the population (for `many`, each
        row is a part of the population beside a structural "not this"). Returns
        {category: keys}."""
        by_category = {}
        for code in categories:
            keys = self.cube(
                (table, code, ""),
                lambda year, office, code=code: self.counts.cells.get((table, code, "", year, office), 0),
            )
            self.place(keys, table, code)
            by_category[code] = keys
        for slice_key, total in population.items():
            parts = [by_category[code][slice_key] for code in categories]
            if not many:
                self.table.equation(total, parts)
                continue
            for code, part in zip(categories, parts, strict=True):
                rest = self.table.cell(
                    (table, code, "not", *slice_key),
                    self.table.values[total] - self.table.values[part],
                    published=False,
                )
                self.table.equation(total, [part, rest])
        return by_category


def build_complaints(counts: Counts, years: list[int], offices: list[str]) -> Builder:
    b = Builder(counts, years, offices)
    total = b.cube(
        (t.TOTALS, t.COMPLAINTS, ""), lambda year, office: counts.totals.get((t.COMPLAINTS, year, office), 0)
    )
    b.table.roots.add(total[(t.ALL, t.ALL)])
    b.place(total, t.TOTALS, t.COMPLAINTS)
    for (period, office), key in total.items():
        if office != t.ALL:
            b.placements[key].append(("complaints_by_field_office", period, t.ALL, office, ""))

    # Months belong to one year: the year's months add up to its total; "all years" shows them all.
    months = sorted({month for month, _office in counts.months})
    for year in years:
        year_months = [month for month in months if month.startswith(f"{year}-")]
        for office in [*offices, t.ALL]:
            parts = []
            for month in year_months:
                if office == t.ALL:
                    value = sum(counts.months.get((month, o), 0) for o in offices)
                else:
                    value = counts.months.get((month, office), 0)
                key = b.table.cell(("complaints_by_month", month, "", str(year), office), value)
                b.placements[key] += [
                    ("complaints_by_month", str(year), office, month, ""),
                    ("complaints_by_month", t.ALL, office, month, ""),
                ]
                parts.append(key)
            if parts:
                b.table.equation(total[(str(year), office)], parts)
        for month in year_months:
            b.table.equation(
                ("complaints_by_month", month, "", str(year), t.ALL),
                [("complaints_by_month", month, "", str(year), office) for office in offices],
            )

    for code in ("complaints_by_channel", "complaints_by_language", "complaints_by_status"):
        spec = t.BY_CODE[code]
        split = b.split(total, code, [c for c, _ in spec.categories])
        if code == "complaints_by_status":
            closed = split["closed"]
    outcome = b.split(closed, "complaints_by_outcome", [c for c, _ in t.OUTCOMES])
    seen = b.split(total, "complaints_by_body_camera_seen", [c for c, _ in t.YES_NO])
    b.split(seen["yes"], "complaints_by_body_camera_recording", [c for c, _ in t.YES_NO])
    allegations = [c for c, _ in t.BY_CODE["complaints_by_allegation"].categories]
    split = b.split(total, "complaints_by_allegation", allegations, many=True)
    # Everyone who alleges anything alleges at least one thing: where every complaint of a slice
    # alleges something, the rows add up to at least the total, which a reader may know.
    for slice_key, key in total.items():
        year, office = slice_key
        with_any = sum(
            n
            for (y, o), n in counts.with_allegation.items()
            if (year == t.ALL or str(y) == year) and (office == t.ALL or o == office)
        )
        if with_any == b.table.values[key] and with_any:
            b.table.inequality(key, [split[code][slice_key] for code in allegations])
    race = b.split(total, "complaints_by_race_ethnicity", [c for c, _ in t.RACE])
    _race_by_outcome(b, race, outcome)
    return b


def _race_by_outcome(b: Builder, race: dict, outcome: dict) -> None:
    """The two-way table, for all offices: each race row adds up to the closed complaints of
    that group (its "total" column), each outcome column to the outcome table's count; the
    group's closed complaints are part of the group's complaints."""
    code = "closed_complaints_by_race_ethnicity_and_outcome"
    cells = b.counts.cells
    races = [c for c, _ in t.RACE]
    outcomes = [c for c, _ in t.OUTCOMES]

    def value(row: str, columns: list[str]):
        return lambda year, _office: sum(cells.get((code, row, c, year, o), 0) for c in columns for o in b.offices)

    cross = {}
    for row in races:
        row_total = b.cube((code, row, t.TOTAL), value(row, outcomes), offices=False)
        b.place(row_total, code, row, t.TOTAL)
        for column in outcomes:
            cross[(row, column)] = b.cube((code, row, column), value(row, [column]), offices=False)
            b.place(cross[(row, column)], code, row, column)
        for period in b.periods:
            slice_key = (period, t.ALL)
            b.table.equation(row_total[slice_key], [cross[(row, c)][slice_key] for c in outcomes])
            rest = b.table.values[race[row][slice_key]] - b.table.values[row_total[slice_key]]
            open_key = b.table.cell((code, row, "open", *slice_key), rest, published=False)
            b.table.equation(race[row][slice_key], [row_total[slice_key], open_key])
    for column in outcomes:
        for period in b.periods:
            key = outcome[column][(period, t.ALL)]
            b.table.equation(key, [cross[(row, column)][(period, t.ALL)] for row in races])
            b.placements[key].append((code, period, t.ALL, t.TOTAL, column))


def build_footage(counts: FootageCounts, years: list[int], offices: list[str]) -> Builder:
    b = Builder(counts, years, offices)
    total = b.cube((t.TOTALS, t.FOOTAGE, ""), lambda year, office: counts.totals.get((t.FOOTAGE, year, office), 0))
    b.table.roots.add(total[(t.ALL, t.ALL)])
    b.place(total, t.TOTALS, t.FOOTAGE)
    outcome = b.split(total, "footage_requests_by_outcome", [c for c, _ in t.FOOTAGE_OUTCOMES])
    b.split(
        outcome["no_footage"],
        "footage_requests_by_no_footage_reason",
        [c for c, _ in t.BY_CODE["footage_requests_by_no_footage_reason"].categories],
    )
    decided = b.cube(
        (t.TOTALS, "footage_decided", ""), lambda year, office: counts.totals.get(("footage_decided", year, office), 0)
    )
    b.place(decided, t.TOTALS, "footage_decided")
    for slice_key, key in decided.items():
        b.table.equation(key, [outcome[code][slice_key] for code in FOOTAGE_DECIDED])
    b.split(decided, "footage_requests_by_timeliness", [c for c, _ in t.TIMELINESS])
    return b


# --- Percentiles ---------------------------------------------------------------------------------


def percentile(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile, published only with at least PERCENTILE_SIDE values on each
    side of it (so it is nobody's extreme)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, ceil(share * len(ordered)))
    if rank - 1 < t.PERCENTILE_SIDE or len(ordered) - rank < t.PERCENTILE_SIDE:
        return None
    return ordered[rank - 1]


def decision_days(counts: FootageCounts, periods: list[str], offices: list[str]) -> list[tuple]:
    found = []
    for period in periods:
        for office in [t.ALL, *offices]:
            days = [
                day
                for (year, o), values in counts.days.items()
                if (period == t.ALL or str(year) == period) and (office == t.ALL or o == office)
                for day in values
            ]
            found.append((period, office, "median", percentile(days, 0.5)))
            found.append((period, office, "p90", percentile(days, 0.9)))
    return found


# --- The release ---------------------------------------------------------------------------------


def data_through(now: datetime) -> tuple[datetime | None, str]:
    """Where a release's data stop, and its version. By default the end of the last whole month
    (local time): a release is built once a month and never replaced, so that two releases
    differ by a month of complaints, not by one person's (TRANSPARENCY_DATA_THROUGH=now, for
    tests and demos, counts up to the moment and names the release by the day)."""
    local = timezone.localtime(now)
    if settings.TRANSPARENCY_DATA_THROUGH == "now":
        return None, local.date().isoformat()
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first, (first.date() - timedelta(days=1)).isoformat()


def release_build(*, now: datetime | None = None) -> Release:
    """Count, suppress and write the release of the data up to data_through(); a published
    release of that version is returned as it is (built once), except with
    TRANSPARENCY_DATA_THROUGH=now, where the day's release is replaced."""
    started = time.monotonic()
    now = now or timezone.now()
    before, version = data_through(now)
    if before is not None:
        existing = Release.objects.filter(version=version, status=Release.Status.PUBLISHED).first()
        if existing is not None:
            return existing
    # One snapshot for every count (on PostgreSQL): a complaint closed between two queries would
    # make the tables disagree.
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:  # only possible as a transaction's first statement (not inside a caller's)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        complaints = complaint_counts(before)
        footage = footage_counts(before)
    years = sorted(complaints.years | footage.years)
    known_offices = [office.code for office in intake_selectors.field_offices_active()]
    seen = complaints.offices | footage.offices
    offices = [code for code in known_offices] + sorted(seen - set(known_offices) - {t.UNKNOWN_OFFICE})
    offices.append(t.UNKNOWN_OFFICE)
    periods = [t.ALL, *[str(year) for year in years]]

    figures = {}
    cells: list[tuple] = []
    withheld = []
    for subject, builder in (
        (t.COMPLAINTS, build_complaints(complaints, years, offices)),
        (t.FOOTAGE, build_footage(footage, years, offices)),
    ):
        solve_started = time.monotonic()
        result = suppress_linked(builder.table)
        figures[subject] = {
            "cells": len(builder.table.published),
            "hidden": len(result.hidden),
            "rounds": result.rounds,
            "solves": result.solves,
            "seconds": round(time.monotonic() - solve_started, 2),
        }
        if result.withheld:
            withheld.append(subject)
        if result.withheld:
            continue  # not even which months or offices have records
        for key in builder.table.published:
            count = result.shown.get(key)
            for placement in builder.placements.get(key, ()):
                cells.append((*placement, count))

    measures = []
    if t.FOOTAGE not in withheld:
        measures = decision_days(footage, periods, offices)
    surveys = _survey_results()
    with transaction.atomic():
        Release.objects.filter(version=version).delete()
        release = Release.objects.create(
            version=version,
            as_of=before or now,
            years=[str(year) for year in years],
            offices=offices,
            withheld=withheld,
        )
        Cell.objects.bulk_create(
            [
                Cell(
                    release=release,
                    table=table,
                    period=period,
                    field_office=office,
                    row=row,
                    column=column,
                    count=count,
                )
                for table, period, office, row, column, count in cells
            ],
            batch_size=5000,
        )
        Measure.objects.bulk_create(
            [
                Measure(
                    release=release, table=t.DECISION_DAYS, period=period, field_office=office, name=name, value=value
                )
                for period, office, name, value in measures
            ]
        )
        SurveyResult.objects.bulk_create([SurveyResult(release=release, **survey) for survey in surveys])
        figures["seconds"] = round(time.monotonic() - started, 2)
        release.figures = figures
        release.status = Release.Status.PUBLISHED
        release.published_at = timezone.now()
        release.save(update_fields=["figures", "status", "published_at"])
        audit_record(
            action="statistics.released",
            obj=release,
            reference=release.version,
            data={"as_of": release.as_of.isoformat(), "cells": len(cells), "withheld": withheld},
        )
        _releases_prune()
    logger.info("statistics release %s: %s", version, figures)
    return release


def _releases_prune() -> None:
    keep = Release.objects.filter(status=Release.Status.PUBLISHED).order_by("-as_of")[
        : settings.TRANSPARENCY_RELEASES_KEPT
    ]
    Release.objects.exclude(pk__in=list(keep.values_list("pk", flat=True))).exclude(
        status=Release.Status.BUILDING
    ).delete()


def _survey_results() -> list[dict]:
    """Each closed public survey's published numbers, as its public results page shows them."""
    found = []
    for survey in surveys_selectors.surveys_closed_public():
        result = surveys_selectors.public_results_compute(survey)
        rows = []
        for entry in result["questions"]:
            name = entry["question"].name
            for row in entry.get("rows", []):
                rows.append({"question": name, "value": row["value"], "count": row["count"]})
            if "answered" in entry:
                rows.append({"question": name, "value": "answered", "count": entry["answered"]["count"]})
            rows.append({"question": name, "value": "", "count": entry["no_answer"]["count"]})
        found.append(
            {
                "survey_slug": survey.slug,
                "title": dict(survey.title.data) if hasattr(survey.title, "data") else {"en": str(survey.title)},
                "closed_at": survey.closes_at,
                "total": None if result["withheld"] else result["total"],
                "rows": rows,
            }
        )
    return found
