"""The public statistics with 100,000 realistic complaints on PostgreSQL (bench/stats_seed.py):
the daily release is built once for the module, then every language's page answers, the page
shows exactly the numbers of the open data for each slice, and no small count can be seen or
worked out, checked against counts recomputed here from the complaints themselves."""

import csv
import io
import time
import unicodedata
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.test import override_settings

from bench.stats_seed import TINY_OFFICES
from bench.stats_seed import seed as stats_seed
from intake.models import Complaint
from transparency import services
from transparency import tables as t
from transparency.models import Cell

# Every test asks for the database, so that pytest-django keeps them together (it runs tests
# that use the database before those that do not) and the module's release is built once.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SIZE = 100_000
THRESHOLD = 10
TINY = "SPM"  # the largest of the tiny offices: a handful of complaints a year
assert TINY in TINY_OFFICES
SUB_POPULATIONS = {  # a one-way table's rows add up to this count of the same slice
    "complaints_by_outcome": ("complaints_by_status", "closed"),
    "complaints_by_body_camera_recording": ("complaints_by_body_camera_seen", "yes"),
    "footage_requests_by_no_footage_reason": ("footage_requests_by_outcome", "no_footage"),
    "footage_requests_by_timeliness": (t.TOTALS, "footage_decided"),
}
TWO_WAY = "closed_complaints_by_race_ethnicity_and_outcome"


@pytest.fixture(scope="module")
def release(django_db_setup, django_db_blocker):
    """Seeded and built once, in a transaction rolled back after the module's tests (each test
    runs in a savepoint inside it)."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/voces")
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seeded = stats_seed(connection, SIZE, seed=11)
            began = time.monotonic()
            # Module fixtures run before the autouse ones: count up to now here too.
            with override_settings(TRANSPARENCY_DATA_THROUGH="now"):
                built = services.release_build()
            print(f"\n100k: seeded in {seeded['seconds']} s ({seeded}); aggregation {time.monotonic() - began:.1f} s")
            print(f"release figures: {built.figures}")
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def cells(release, db) -> dict:
    """Every published cell: {(table, period, office, row, column): count or None}."""
    return {(c.table, c.period, c.field_office, c.row, c.column): c.count for c in Cell.objects.filter(release=release)}


# --- Reading the page and the downloads -----------------------------------------------------------


def number(text: str) -> int | None:
    """A number as the page shows it in any language: digits only (thousands separators of any
    kind dropped); None when hidden (no digit)."""
    digits = "".join(str(unicodedata.digit(ch)) for ch in text if unicodedata.category(ch) == "Nd")
    return int(digits) if digits else None


class PageTables(HTMLParser):
    """The data tables of the statistics page (`<table id="data-…">`): for each, its rows as
    (section, label, [count cells' text], [percent cells' text]); and the headline figures."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list] = {}
        self.headline: list[str] = []
        self.table = None
        self.section = ""
        self.row = None
        self.cell = None  # (kind, [text])
        self.in_headline = False
        self.dd = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "table" and (attrs.get("id") or "").startswith("data-"):
            self.table = self.tables.setdefault(attrs["id"][5:], [])
        elif self.table is not None and tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif self.table is not None and tag == "tr":
            self.row = {"section": self.section, "label": [], "counts": [], "percents": []}
        elif self.row is not None and tag == "th" and attrs.get("scope") == "row":
            self.cell = ("label", self.row["label"])
        elif self.row is not None and tag == "td" and ("count" in classes or "percent" in classes):
            target: list[str] = []
            (self.row["counts"] if "count" in classes else self.row["percents"]).append(target)
            self.cell = ("value", target)
        elif tag == "dl" and "stats-headline" in classes:
            self.in_headline = True
        elif self.in_headline and tag == "dd":
            self.dd = []

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.table.append(
                {
                    "section": self.row["section"],
                    "label": "".join(self.row["label"]).strip(),
                    "counts": ["".join(part) for part in self.row["counts"]],
                    "percents": ["".join(part) for part in self.row["percents"]],
                }
            )
            self.row = None
        elif tag == "table":
            self.table = None
        elif tag == "dd" and self.dd is not None:
            self.headline.append("".join(self.dd))
            self.dd = None
        elif tag == "dl":
            self.in_headline = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1].append(data)
        if self.dd is not None:
            self.dd.append(data)


def page_tables(client, language: str, period: str, office: str) -> PageTables:
    response = client.get(f"/{language}/stats/", {"year": period, "office": office})
    assert response.status_code == 200
    parser = PageTables()
    parser.feed(response.content.decode())
    assert parser.tables, "the page shows no data table"
    return parser


class Downloads:
    """The CSV downloads in one language, fetched once each."""

    def __init__(self, client, language: str) -> None:
        self.client, self.language, self.files = client, language, {}

    def rows(self, table: str) -> list[dict]:
        if table not in self.files:
            response = self.client.get(f"/{self.language}/stats/data/{table}.csv")
            assert response.status_code == 200, table
            text = response.content.decode("utf-8-sig")
            self.files[table] = list(csv.DictReader(io.StringIO(text)))
        return self.files[table]

    def slice(self, table: str, period: str, office: str) -> list[dict]:
        return [
            row
            for row in self.rows(table)
            if row["period"] == period and (table == "complaints_by_field_office" or row["field_office"] == office)
        ]


def count_of(row: dict) -> int | None:
    assert (row["hidden"] == "true") == (row["count"] == ""), row
    return None if row["count"] == "" else int(row["count"])


def percent(count, population) -> int | None:
    if count is None or not population:
        return None
    return int((Decimal(100 * count) / Decimal(population)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- (a) every language ---------------------------------------------------------------------------


def test_the_statistics_page_answers_in_every_language(release, client):
    for code, _name in settings.LANGUAGES:
        response = client.get(f"/{code}/stats/")
        assert response.status_code == 200, code
        assert b'id="data-complaints-by-channel"' in response.content, code


# --- (b) the page shows the open data's numbers ---------------------------------------------------


def slices(release) -> list[tuple[str, str, str]]:
    year = release.years[len(release.years) // 2]
    return [("en", t.ALL, t.ALL), ("es", year, t.ALL), ("ar", t.ALL, "HOU"), ("en", t.ALL, TINY), ("fr", year, "HOU")]


def test_every_number_on_the_page_is_the_number_in_the_download(release, client):
    compared = 0
    for language, period, office in slices(release):
        page = page_tables(client, language, period, office)
        downloads = Downloads(client, language)
        totals = {row["measure"]: count_of(row) for row in downloads.slice(t.TOTALS, period, office)}
        for dom_id, rows in page.tables.items():
            table = dom_id.replace("-", "_")
            published = downloads.slice(table, period, office)
            assert published, (table, period, office)
            if table == TWO_WAY:
                compared += compare_matrix(rows, published, downloads, period)
                continue
            spec = t.BY_CODE[table]
            by_label = {row[f"{spec.row}_label"]: count_of(row) for row in published}
            body = [row for row in rows if row["section"] == "tbody"]
            assert [row["label"] for row in body] == [row[f"{spec.row}_label"] for row in published], table
            if table in SUB_POPULATIONS:
                source, code = SUB_POPULATIONS[table]
                key = "measure" if source == t.TOTALS else t.BY_CODE[source].row
                population = next(count_of(r) for r in downloads.slice(source, period, office) if r[key] == code)
            else:
                population = totals[spec.subject]
            for row in body:
                count = number(row["counts"][0])
                assert count == by_label[row["label"]], (language, period, office, table, row)
                if count is not None:
                    assert number(row["percents"][0]) == percent(count, population), (table, row)
                compared += 1
            (foot,) = [row for row in rows if row["section"] == "tfoot"]
            assert number(foot["counts"][0]) == population, (table, foot)
        figures = [number(text) if "%" not in text else None for text in page.headline]
        assert figures[0] == totals[t.COMPLAINTS], (language, period, office)
        assert figures[3] == totals[t.FOOTAGE], (language, period, office)
    assert compared > 500


def compare_matrix(rows: list[dict], published: list[dict], downloads: Downloads, period: str) -> int:
    counts = {(row["race_ethnicity"], row["outcome"]): count_of(row) for row in published}
    labels = {row["race_ethnicity"]: row["race_ethnicity_label"] for row in published}
    outcomes = [code for code, _label in t.OUTCOMES]
    closed = next(
        count_of(row) for row in downloads.slice("complaints_by_status", period, t.ALL) if row["status"] == "closed"
    )
    compared = 0
    for row in rows:
        if row["section"] == "thead":
            continue
        if row["section"] == "tfoot":
            expected = [counts.get((t.TOTAL, outcome)) for outcome in outcomes] + [closed]
        else:
            (race,) = [code for code, label in labels.items() if label == row["label"]]
            expected = [counts.get((race, outcome)) for outcome in outcomes] + [counts[(race, t.TOTAL)]]
        assert [number(text) for text in row["counts"]] == expected, row
        compared += len(expected)
    return compared


# --- (c) small counts are hidden, and cannot be worked out -----------------------------------------


def test_no_published_count_is_from_1_to_10(cells):
    shown = [count for count in cells.values() if count is not None]
    assert shown and all(count == 0 or count > THRESHOLD for count in shown)
    assert any(count is None for count in cells.values())


def true_counts(office: str) -> dict:
    """The tiny office's true counts of a few tables, by (table, period, row), recomputed here
    from the complaints (those counted: the filer agreed)."""
    counted = Complaint.objects.filter(consent_statistics=True, field_office__code=office)
    found = defaultdict(int)
    for table, field in (("complaints_by_channel", "channel"), ("complaints_by_language", "language")):
        for row in counted.values("created_at__year", field).annotate(n=Count("id")).order_by():
            for period in (t.ALL, str(row["created_at__year"])):
                found[(table, period, row[field])] += row["n"]
    return found


def test_a_tiny_offices_small_counts_are_hidden_and_the_rest_are_true(release, cells):
    truth = true_counts(TINY)
    small = [key for key, n in truth.items() if 1 <= n <= THRESHOLD]
    assert small, "the tiny office should have small counts"
    for (table, period, row), n in truth.items():
        shown = cells[(table, period, TINY, row, "")]
        if 1 <= n <= THRESHOLD:
            assert shown is None, (table, period, row, n)
        else:
            assert shown in (None, n), (table, period, row, n)


def equations(release, cells: dict) -> list[tuple[tuple, list[tuple]]]:
    """The sums anyone can check on the published tables, written here from the catalog: a
    one-way table's rows add up to its population in each slice; field offices add up to all
    offices; years add up to all years."""
    found = []
    periods = [t.ALL, *release.years]
    offices = list(release.offices)
    for spec in t.SPECS:
        if spec.column or spec.many:
            continue
        for period in periods:
            for office in [t.ALL, *offices] if spec.by_office else [t.ALL]:
                parts = [key for key in cells if key[:3] == (spec.code, period, office) and not key[4]]
                if spec.code == "complaints_by_field_office":
                    parts = [key for key in cells if key[:2] == (spec.code, period)]
                if not parts:
                    continue
                source, code = SUB_POPULATIONS.get(spec.code, (t.TOTALS, spec.subject))
                total = (source, period, t.ALL if spec.code == "complaints_by_field_office" else office, code, "")
                if total in cells:
                    found.append((total, parts))
    by_office = defaultdict(list)
    by_year = defaultdict(list)
    for key in cells:
        table, period, office, row, column = key
        if office != t.ALL and table != "complaints_by_field_office":
            by_office[(table, period, t.ALL, row, column)].append(key)
        # A month belongs to one year: "all years" shows the same cell again.
        if period != t.ALL and table != "complaints_by_month":
            by_year[(table, t.ALL, office, row, column)].append(key)
    found += [(total, parts) for total, parts in by_office.items() if total in cells]
    found += [(total, parts) for total, parts in by_year.items() if total in cells]
    return found


def test_no_small_count_can_be_worked_out_from_the_sums(release, cells):
    """What anyone can do with the sums: wherever a sum has one hidden number left, work it out,
    and go on with what that tells. Every number worked out so is large (a number hidden only to
    protect another); no small one ever comes out."""
    sums = equations(release, cells)
    known = {key: count for key, count in cells.items() if count is not None}
    for total, parts in sums:
        if all(key in known for key in (total, *parts)):
            assert known[total] == sum(known[key] for key in parts), total
    worked_out = {}
    progress = True
    while progress:
        progress = False
        for total, parts in sums:
            unknown = [key for key in (total, *parts) if key not in known]
            if len(unknown) != 1:
                continue
            (key,) = unknown
            shown = sum(known[part] for part in parts if part in known)
            known[key] = worked_out[key] = shown if key == total else known[total] - shown
            progress = True
    small = {key: value for key, value in worked_out.items() if value <= THRESHOLD}
    assert not small
    assert len(sums) > 1000


def test_each_hidden_small_count_of_the_tiny_office_shares_its_table_with_another(release, cells):
    truth = true_counts(TINY)
    for (table, period, row), n in truth.items():
        if not 1 <= n <= THRESHOLD:
            continue
        rows = {key[3]: count for key, count in cells.items() if key[:3] == (table, period, TINY)}
        population = cells[(t.TOTALS, period, TINY, t.COMPLAINTS, "")]
        hidden = [code for code, count in rows.items() if count is None]
        assert row in hidden and (len(hidden) >= 2 or population is None), (table, period, row, rows)
        if population is not None:
            # What a reader can work out: the hidden rows together, never one of them alone.
            together = population - sum(count for count in rows.values() if count is not None)
            assert together == sum(truth.get((table, period, code), 0) for code in hidden)
            assert together > n
