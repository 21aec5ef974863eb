"""The open data: every published table as CSV and JSON with its documented columns and the
published numbers, hidden ones empty; versions; the data dictionary; the data page."""

import csv
import io
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import Allegation, Complaint, FieldOffice
from transparency import opendata, services
from transparency import tables as t
from transparency.models import Cell, Measure, Release

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)
DATA = "/en/stats/data/"


def complaint(*, office="HOU", at=None, allegations=("excessive_force",), **fields):
    number = next(_numbers)
    made = Complaint.objects.create(
        reference=f"C-{number:06d}",
        receipt_index=f"r{number}",
        submission_key=f"s{number}",
        channel="web",
        language="es",
        filer_role="person_affected",
        consent_statistics=True,
        field_office=FieldOffice.objects.get(code=office) if office else None,
        **fields,
    )
    if at is not None:
        Complaint.objects.filter(pk=made.pk).update(created_at=at)
    for kind in allegations:
        Allegation.objects.create(complaint=made, kind=kind)
    return made


def populate() -> None:
    """Houston with enough complaints to show, in two years; Miami and no office too few."""
    last_year = datetime(timezone.now().year - 1, 6, 15, 12, tzinfo=UTC)
    for index in range(25):
        complaint(allegations=("excessive_force", "verbal_abuse") if index < 14 else ("excessive_force",))
    for _ in range(14):
        complaint(at=last_year)
    for _ in range(4):
        complaint(office="MIA")
    for _ in range(2):
        complaint(office=None)


@pytest.fixture
def published() -> Release:
    populate()
    return services.release_build()


def read_csv(response) -> tuple[list[str], list[dict]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel; R and pandas drop it
    reader = csv.DictReader(io.StringIO(text[1:]))
    return list(reader.fieldnames or []), list(reader)


def cell_key(table: str, row: dict) -> tuple:
    """A CSV row as the (period, office, row, column) of its Cell."""
    if table == "complaints_by_field_office":
        return (row["period"], t.ALL, row["field_office"], "")
    if table == t.TOTALS:
        return (row["period"], row["field_office"], row["measure"], "")
    spec = t.BY_CODE[table]
    return (row["period"], row["field_office"], row[spec.row], row[spec.column] if spec.column else "")


def test_every_table_downloads_as_csv_and_json_with_its_documented_columns(client, published):
    for table in opendata.TABLES:
        names = opendata.column_names(table)
        header, rows = read_csv(client.get(f"{DATA}{table}.csv"))
        assert header == names, table
        body = client.get(f"{DATA}{table}.json").json()
        assert body["columns"] == names and body["version"] == published.version
        assert all(list(row) == names for row in body["rows"]), table
        assert len(body["rows"]) == len(rows)
    assert opendata.column_names("complaints_by_allegation") == [
        "version",
        "period",
        "period_label",
        "field_office",
        "field_office_label",
        "allegation",
        "allegation_label",
        "count",
        "hidden",
    ]
    assert opendata.column_names(t.DECISION_DAYS)[-4:] == ["measure", "measure_label", "days", "published"]
    assert opendata.column_names(opendata.SURVEY_RESULTS) == [
        "version",
        "survey",
        "survey_label",
        "question",
        "value",
        "count",
        "hidden",
    ]


def test_the_values_are_the_published_cells_and_hidden_ones_are_empty(client, published):
    hidden_seen = 0
    for table in [spec.code for spec in t.SPECS] + [t.TOTALS]:
        _header, rows = read_csv(client.get(f"{DATA}{table}.csv"))
        downloaded = {cell_key(table, row): (row["count"], row["hidden"]) for row in rows}
        cells = {
            (cell.period, cell.field_office, cell.row, cell.column): cell.count
            for cell in Cell.objects.filter(release=published, table=table)
        }
        assert len(rows) == len(cells) == len(downloaded), table
        expected = {key: ("", "true") if count is None else (str(count), "false") for key, count in cells.items()}
        assert downloaded == expected, table
        hidden_seen += sum(1 for count in cells.values() if count is None)
        json_rows = client.get(f"{DATA}{table}.json").json()["rows"]
        assert {cell_key(table, row): row["count"] for row in json_rows} == cells
        assert all(row["hidden"] is (row["count"] is None) for row in json_rows)
    assert hidden_seen > 0
    _header, totals = read_csv(client.get(f"{DATA}totals.csv"))
    houston = next(r for r in totals if (r["period"], r["field_office"], r["measure"]) == ("all", "HOU", "complaints"))
    miami = next(r for r in totals if (r["period"], r["field_office"], r["measure"]) == ("all", "MIA", "complaints"))
    assert (houston["count"], houston["hidden"]) == ("39", "false")
    assert (miami["count"], miami["hidden"]) == ("", "true")


def test_the_table_by_field_office_has_one_row_per_office(client, published):
    _header, rows = read_csv(client.get(f"{DATA}complaints_by_field_office.csv"))
    everything = {row["field_office"]: row for row in rows if row["period"] == "all"}
    assert everything["HOU"]["count"] == "39" and everything["HOU"]["field_office_label"] == "Houston"
    assert everything["MIA"]["hidden"] == "true"
    assert everything[t.UNKNOWN_OFFICE]["field_office_label"] == "Field office not known"
    assert t.ALL not in everything


def test_decision_days_are_published_only_with_enough_requests(client, published):
    _header, rows = read_csv(client.get(f"{DATA}{t.DECISION_DAYS}.csv"))
    measures = Measure.objects.filter(release=published)
    assert len(rows) == measures.count() > 0
    assert all(row["days"] == "" and row["published"] == "false" for row in rows)  # no request decided yet
    assert {row["measure"] for row in rows} == {"median", "p90"}


def test_an_older_version_stays_downloadable_by_its_date(client):
    populate()
    yesterday = services.release_build(now=timezone.now() - timedelta(days=1))
    complaint()
    today = services.release_build()
    assert yesterday.version != today.version

    _header, old_rows = read_csv(client.get(f"{DATA}totals.csv", {"version": yesterday.version}))
    _header, new_rows = read_csv(client.get(f"{DATA}totals.csv"))
    assert {row["version"] for row in old_rows} == {yesterday.version}
    assert {row["version"] for row in new_rows} == {today.version}

    def all_complaints(rows):
        return next(
            r["count"] for r in rows if (r["period"], r["field_office"], r["measure"]) == ("all", "all", "complaints")
        )

    assert (all_complaints(old_rows), all_complaints(new_rows)) == ("45", "46")
    response = client.get(f"{DATA}totals.csv", {"version": yesterday.version})
    assert response["Content-Disposition"] == f'attachment; filename="voces-totals-{yesterday.version}.csv"'

    page = client.get(DATA).content.decode()
    assert f"?version={yesterday.version}" in page
    older = client.get(DATA, {"version": yesterday.version}).content.decode()
    assert f"/en/stats/data/totals.csv?version={yesterday.version}" in older


@pytest.mark.parametrize(
    "url",
    [
        f"{DATA}complaints_by_nothing.csv",
        f"{DATA}totals.xlsx",
        f"{DATA}totals.CSV",
        f"{DATA}dictionary.xml",
        f"{DATA}totals.csv?version=2001-01-01",
        f"{DATA}totals.csv?version=yesterday",
        f"{DATA}totals.json?version=2026-11-28%00",
        f"{DATA}dictionary.json?version=2001-01-01",
        f"{DATA}?version=2001-01-01",
    ],
)
def test_an_unknown_table_format_or_version_is_not_found(client, published, url):
    assert client.get(url).status_code == 404


def test_labels_follow_the_language_prefix_and_codes_do_not(client, published):
    english_header, english = read_csv(client.get("/en/stats/data/complaints_by_allegation.csv"))
    spanish_header, spanish = read_csv(client.get("/es/stats/data/complaints_by_allegation.csv"))
    assert english_header == spanish_header
    codes = [name for name in english_header if not name.endswith("_label")]
    assert [[row[c] for c in codes] for row in english] == [[row[c] for c in codes] for row in spanish]
    force = {row["allegation"]: row["allegation_label"] for row in english}["excessive_force"]
    fuerza = {row["allegation"]: row["allegation_label"] for row in spanish}["excessive_force"]
    assert force != fuerza and "fuerza" in fuerza
    body = client.get("/es/stats/data/complaints_by_allegation.json").json()
    assert body["language"] == "es" and body["rows"][0]["allegation_label"] == spanish[0]["allegation_label"]


def test_the_dictionary_lists_every_table_column_and_code(client, published):
    data = client.get(f"{DATA}dictionary.json").json()
    assert data["version"] == published.version
    assert "1 to 10" in data["suppression"]
    assert [table["code"] for table in data["tables"]] == opendata.TABLES
    for table in data["tables"]:
        assert [column["name"] for column in table["columns"]] == opendata.column_names(table["code"])
        assert table["title"] and table["description"] and table["unit_label"]
        assert all(column["type"] in ("string", "integer", "boolean", "decimal") for column in table["columns"])
        assert set(table["titles"]) == {"en", "es", "pt", "ht", "fr", "zh-hans", "vi", "ar", "ru", "pa"}
    tables = {table["code"]: {c["name"]: c for c in table["columns"]} for table in data["tables"]}
    allegations = tables["complaints_by_allegation"]["allegation"]["categories"]
    assert [c["code"] for c in allegations] == [code for code, _ in t.BY_CODE["complaints_by_allegation"].categories]
    assert "fuerza" in allegations[0]["labels"]["es"]
    assert [c["code"] for c in tables["complaints_by_allegation"]["period"]["categories"]] == ["all", *published.years]
    offices = [c["code"] for c in tables["complaints_by_allegation"]["field_office"]["categories"]]
    assert offices == ["all", *published.offices]
    months = [c["code"] for c in tables["complaints_by_month"]["month"]["categories"]]
    assert months == sorted({c.row for c in Cell.objects.filter(release=published, table="complaints_by_month")})
    two_way = tables["closed_complaints_by_race_ethnicity_and_outcome"]
    assert two_way["outcome"]["categories"][-1]["code"] == t.TOTAL
    assert two_way["race_ethnicity"]["categories"][-1]["code"] == t.TOTAL

    header, rows = read_csv(client.get("/es/stats/data/dictionary.csv"))
    assert header == opendata.DICTIONARY_COLUMNS
    assert {row["table"] for row in rows if row["kind"] == "table"} == set(opendata.TABLES)
    columns = {(row["table"], row["column"]) for row in rows if row["kind"] == "column"}
    assert columns == {(table, name) for table in opendata.TABLES for name in opendata.column_names(table)}
    force = next(
        r for r in rows if r["kind"] == "code" and r["column"] == "allegation" and r["code"] == "excessive_force"
    )
    assert "fuerza" in force["label"]


def test_the_data_page_links_every_table_and_the_dictionary(client, published):
    response = client.get("/es/stats/data/")
    page = response.content.decode()
    assert response.status_code == 200
    for table in opendata.TABLES:
        assert f'href="/es/stats/data/{table}.csv"' in page and f'href="/es/stats/data/{table}.json"' in page
    assert 'href="/es/stats/data/dictionary.csv"' in page and 'href="/es/stats/data/dictionary.json"' in page
    assert "style=" not in page and "<script>" not in page


def test_before_the_first_release_the_page_says_so_and_there_is_nothing_to_download(client):
    assert "being prepared" in client.get(DATA).content.decode()
    assert client.get(f"{DATA}totals.csv").status_code == 404
    dictionary = client.get(f"{DATA}dictionary.json").json()
    assert dictionary["version"] is None and [table["code"] for table in dictionary["tables"]] == opendata.TABLES


def test_downloads_may_be_kept_by_proxies_for_an_hour(client, published):
    response = client.get(f"{DATA}complaints_by_channel.csv")
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="voces-complaints_by_channel-{published.version}.csv"'
    )
    assert response.has_header("Last-Modified")
    json_response = client.get(f"{DATA}complaints_by_channel.json")
    assert json_response["Content-Type"] == "application/json"
    assert json.loads(json_response.content)["table"] == "complaints_by_channel"


def test_a_download_takes_the_same_few_queries_whatever_its_size(client, published):
    sizes = {}
    for table in ("complaints_by_channel", "complaints_by_month", "complaints_by_allegation", t.TOTALS):
        client.get(f"{DATA}{table}.csv")  # the field offices, read once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{DATA}{table}.csv")
        sizes[table] = (len(response.content.splitlines()), len(queries))
    assert len({rows for rows, _queries in sizes.values()}) > 1
    assert {queries for _rows, queries in sizes.values()} == {2}  # the release, its cells
