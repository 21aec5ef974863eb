"""The public statistics API: the same rows as the CSV downloads, filters checked (400 in the
API's error shape), every complaint table of a slice at once, open to anyone and throttled, and
a schema that validates."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.transparency.test_open_data import complaint, populate
from transparency import opendata, services
from transparency import tables as t

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/"
COMPLAINTS = "/api/v1/stats/complaints/"


@pytest.fixture
def published():
    populate()
    return services.release_build()


def csv_rows(client, table: str, language: str = "en") -> list[dict]:
    text = client.get(f"/{language}/stats/data/{table}.csv").content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def as_csv_values(rows: list[dict]) -> list[dict]:
    def value(v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    return [{key: value(v) for key, v in row.items()} for row in rows]


def test_the_overview_gives_the_versions_and_every_tables_columns_and_codes(api, published):
    body = api.get(STATS).json()
    assert body["version"] == published.version
    assert [v["version"] for v in body["versions"]] == [published.version]
    assert [table["code"] for table in body["tables"]] == opendata.TABLES
    for table in body["tables"]:
        assert [column["name"] for column in table["columns"]] == opendata.column_names(table["code"])
    allegation = next(table for table in body["tables"] if table["code"] == "complaints_by_allegation")
    assert allegation["rows_overlap"] is True
    codes = [c["code"] for c in next(c for c in allegation["columns"] if c["name"] == "allegation")["categories"]]
    assert codes == [code for code, _ in t.BY_CODE["complaints_by_allegation"].categories]


def test_every_table_answers_the_same_rows_as_its_csv(api, client, published):
    for table in opendata.TABLES:
        response = api.get(f"{STATS}{table}/")
        assert response.status_code == 200, table
        body = response.json()
        assert body["columns"] == opendata.column_names(table)
        assert body["period"] is None and body["field_office"] is None
        assert as_csv_values(body["rows"]) == csv_rows(client, table), table


def test_labels_follow_the_language_and_codes_do_not(api, published):
    english = api.get(f"{STATS}complaints_by_allegation/", {"language": "en"}).json()["rows"]
    spanish = api.get(f"{STATS}complaints_by_allegation/", HTTP_ACCEPT_LANGUAGE="es").json()["rows"]
    assert [row["allegation"] for row in english] == [row["allegation"] for row in spanish]
    assert english[0]["allegation_label"] != spanish[0]["allegation_label"]


def test_the_filters_pick_one_period_and_field_office(api, client, published):
    year = published.years[-1]
    body = api.get(f"{STATS}complaints_by_channel/", {"period": year, "field_office": "HOU"}).json()
    assert (body["period"], body["field_office"]) == (year, "HOU")
    expected = [
        r for r in csv_rows(client, "complaints_by_channel") if (r["period"], r["field_office"]) == (year, "HOU")
    ]
    assert as_csv_values(body["rows"]) == expected and expected
    # In the table by field office the rows are the offices: the filter picks Houston's.
    offices = api.get(f"{STATS}complaints_by_field_office/", {"field_office": "HOU"}).json()["rows"]
    assert {row["field_office"] for row in offices} == {"HOU"} and len(offices) == len(published.years) + 1


@pytest.mark.parametrize(
    ("table", "query", "field"),
    [
        ("totals", {"period": "1999"}, "period"),
        ("totals", {"period": ""}, "period"),
        ("totals", {"field_office": "ZZZ"}, "field_office"),
        ("totals", {"version": "yesterday"}, "version"),
        ("totals", {"language": "xx"}, "language"),
        ("closed_complaints_by_race_ethnicity_and_outcome", {"field_office": "HOU"}, "field_office"),
        ("survey_results", {"period": "all"}, "period"),
        ("complaints", {"field_office": "1" * 40}, "field_office"),
    ],
)
def test_a_bad_filter_is_refused_in_the_error_shape(api, published, table, query, field):
    response = api.get(f"{STATS}{table}/", query, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"] and error["message"]


def test_an_unknown_table_or_version_is_not_found(api, published):
    assert api.get(f"{STATS}complaints_by_nothing/").json()["error"]["code"] == "not_found"
    assert api.get(f"{STATS}complaints_by_nothing/").status_code == 404
    assert api.get(f"{STATS}totals/", {"version": "2001-01-01"}).status_code == 404
    assert api.get(COMPLAINTS, {"version": "2001-01-01"}).status_code == 404


def test_before_the_first_release_tables_are_not_found_and_the_overview_says_so(api):
    assert api.get(f"{STATS}totals/").status_code == 404
    assert api.get(COMPLAINTS).status_code == 404
    overview = api.get(STATS).json()
    assert overview["version"] is None and overview["versions"] == []
    assert [table["code"] for table in overview["tables"]] == opendata.TABLES


def test_an_older_version_by_its_date(api):
    populate()
    yesterday = services.release_build(now=timezone.now() - timedelta(days=1))
    complaint()
    services.release_build()
    body = api.get(f"{STATS}totals/", {"version": yesterday.version, "period": "all", "field_office": "all"}).json()
    assert body["version"] == yesterday.version
    assert {row["measure"]: row["count"] for row in body["rows"]}[t.COMPLAINTS] == 45
    assert [v["version"] for v in api.get(STATS).json()["versions"]][1] == yesterday.version


def test_the_complaint_aggregates_of_a_slice_are_every_complaint_table(api, published):
    body = api.get(COMPLAINTS).json()
    codes = [table["table"] for table in body["tables"]]
    assert codes == [t.TOTALS] + [spec.code for spec in t.SPECS if spec.subject == t.COMPLAINTS]
    assert body["withheld"] is False and (body["period"], body["field_office"]) == ("all", "all")
    assert body["tables"][0]["rows"][0]["count"] == 45
    for table in body["tables"][1:]:
        whole = api.get(f"{STATS}{table['table']}/", {"period": "all"}).json()["rows"]
        if table["table"] != "complaints_by_field_office":
            whole = [row for row in whole if row["field_office"] == "all"]
        assert table["rows"] == whole, table["table"]
        assert table["columns"] == opendata.column_names(table["table"])

    houston = api.get(COMPLAINTS, {"field_office": "HOU", "period": published.years[-1]}).json()
    codes = [table["table"] for table in houston["tables"]]
    assert "complaints_by_field_office" not in codes
    assert "closed_complaints_by_race_ethnicity_and_outcome" not in codes
    assert houston["tables"][0]["rows"][0]["count"] == 25
    assert all(
        row["field_office"] == "HOU" and row["period"] == published.years[-1]
        for table in houston["tables"]
        for row in table["rows"]
    )


def test_the_table_endpoint_takes_the_same_few_queries_whatever_its_size(api, published):
    counted = {}
    for table in ("complaints_by_channel", "complaints_by_month", "complaints_by_allegation"):
        api.get(f"{STATS}{table}/")  # the field offices, read once a minute
        with CaptureQueriesContext(connection) as queries:
            rows = api.get(f"{STATS}{table}/").json()["rows"]
        counted[table] = (len(rows), len(queries))
    assert len({rows for rows, _queries in counted.values()}) > 1
    assert {queries for _rows, queries in counted.values()} == {2}  # the release, its cells
    with CaptureQueriesContext(connection) as queries:
        api.get(COMPLAINTS)
    assert len(queries) == 3  # the release, its cells and measures


def test_anyone_may_read_and_anonymous_callers_are_throttled(api, published, settings):
    settings.API_RATE_ANONYMOUS = "3/h"
    statuses = [api.get(f"{STATS}totals/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert api.get(f"{STATS}totals/").json()["error"]["code"] == "throttled"


def test_the_schema_validates_with_the_statistics_endpoints(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = path.read_text()
    assert "operationId: stats_overview" in schema and "operationId: stats_table" in schema
    assert "operationId: stats_complaints" in schema
