"""The public statistics pages: every language, the filters, the numbers equal the published
cells, hidden numbers look hidden, charts are described and match their tables, a fixed number
of queries, a friendly page before the first release, older releases by ?version=."""

import itertools
import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from intake.models import Allegation, Complaint, FieldOffice
from transparency import charts, services
from transparency import tables as t
from transparency.models import Cell, Measure, Release, SurveyResult

pytestmark = pytest.mark.django_db
LANGUAGES = [code for code, _ in settings.LANGUAGES]
HIDDEN = "hidden to protect privacy"
_numbers = itertools.count(1)


# --- Helpers ---------------------------------------------------------------------------------


class Tables(HTMLParser):
    """Every <table id=...> of a page as {id: [[cell text, ...], ...]} (header and body rows)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = None
        self.row = None
        self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self.current = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def body_rows(table: list[list[str]]) -> dict[str, list[str]]:
    """Label -> the other cells, without the header row."""
    return {row[0]: row[1:] for row in table[1:]}


def chart(html: str, table: str) -> str:
    found = re.search(rf'<svg[^>]*aria-labelledby="chart-{table}-title[^"]*".*?</svg>', html, re.S)
    assert found, f"no chart for {table}"
    return found.group(0)


def page(client, query: str = "", language: str = "en"):
    return client.get(f"/{language}/stats/{query}")


def release(version="2026-11-28", *, years=("2026",), offices=("HOU", "ATL", "unknown"), withheld=()):
    return Release.objects.create(
        version=version,
        status=Release.Status.PUBLISHED,
        as_of=datetime.fromisoformat(f"{version}T12:00:00").replace(tzinfo=UTC),
        years=list(years),
        offices=list(offices),
        withheld=list(withheld),
    )


def cells(made: Release, table: str, rows: dict, *, period="all", office="all", column=""):
    Cell.objects.bulk_create(
        Cell(release=made, table=table, period=period, field_office=office, row=row, column=column, count=count)
        for row, count in rows.items()
    )


def headline_release(version="2026-11-28", **counts) -> Release:
    """A release whose all/all slice has the headline's inputs (and their tables)."""
    made = release(version)
    values = {
        "complaints": 200,
        "seen": 50,
        "recording": 20,
        "footage": 30,
        "decided": 24,
        "on_time": 12,
        "median": Decimal("14.0"),
        **counts,
    }
    cells(
        made,
        t.TOTALS,
        {t.COMPLAINTS: values["complaints"], t.FOOTAGE: values["footage"], "footage_decided": values["decided"]},
    )
    cells(made, "complaints_by_body_camera_seen", {"yes": values["seen"], "no": 150, "unknown": 0, t.NOT_GIVEN: 0})
    cells(
        made,
        "complaints_by_body_camera_recording",
        {"yes": values["recording"], "no": 30, "unknown": 0, t.NOT_GIVEN: 0},
    )
    cells(made, "footage_requests_by_timeliness", {"on_time": values["on_time"], "late": 12, "no_clock": 0})
    Measure.objects.create(
        release=made, table=t.DECISION_DAYS, period="all", field_office="all", name="median", value=values["median"]
    )
    return made


def complaint(*, office="HOU", seen="", consent=True, at=None):
    number = next(_numbers)
    made = Complaint.objects.create(
        reference=f"C-{number:06d}",
        receipt_index=f"r{number}",
        submission_key=f"s{number}",
        channel="web",
        language="es",
        filer_role="person_affected",
        consent_statistics=consent,
        body_camera_seen=seen,
        field_office=FieldOffice.objects.get(code=office) if office else None,
    )
    if at is not None:
        Complaint.objects.filter(pk=made.pk).update(created_at=at)
    Allegation.objects.create(complaint=made, kind="excessive_force")
    return made


@pytest.fixture
def built():
    """A real release: 40 complaints in Houston (15 saw a camera), 15 in Atlanta, 3 in Dallas."""
    for index in range(40):
        complaint(office="HOU", seen="yes" if index < 15 else "no")
    for _ in range(15):
        complaint(office="ATL", seen="no")
    for _ in range(3):
        complaint(office="DAL", seen="no")
    return services.release_build()


def slice_counts(made: Release, table: str, period="all", office="all") -> dict:
    return {
        cell.row: cell.count
        for cell in Cell.objects.filter(release=made, table=table, period=period, field_office=office, column="")
    }


# --- Languages -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_answers_in_every_language(client, built, language):
    response = page(client, language=language)
    assert response.status_code == 200
    html = response.content.decode()
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    with translation.override(language):
        title = gettext("Public numbers")
        hidden = gettext(HIDDEN)
    assert f"<title>{title} · " in html
    assert f"<h1>{title}</h1>" in html
    assert hidden in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_methodology_answers_in_every_language(client, language):
    response = client.get(f"/{language}/stats/methodology/")
    assert response.status_code == 200
    with translation.override(language):
        title = gettext("How we count")
    assert f"<h1>{title}</h1>" in response.content.decode()


def test_hidden_numbers_are_said_in_the_page_language(client, built):
    html = page(client, language="es").content.decode()
    assert ">oculto para proteger la privacidad<" in html
    assert f">{HIDDEN}<" not in html


# --- Numbers ---------------------------------------------------------------------------------


def row_label(spec: t.Spec, code: str) -> str:
    if spec.code == "complaints_by_field_office":
        return "Field office not known" if code == t.UNKNOWN_OFFICE else FieldOffice.objects.get(code=code).name
    if spec.code == "complaints_by_month":
        return date.fromisoformat(f"{code}-01").strftime("%B %Y")
    return str(dict(spec.categories)[code])


def test_every_number_shown_is_the_published_cell(client, built):
    html = page(client).content.decode()
    tables = tables_of(html)
    checked = 0
    for spec in t.SPECS:
        if spec.column:
            continue
        published = slice_counts(built, spec.code)
        rows = body_rows(tables[f"data-{spec.code.replace('_', '-')}"])
        for code, count in published.items():
            shown = rows[row_label(spec, code)]
            if count is None:
                assert shown == [HIDDEN]
            else:
                assert shown[0] == str(count)
            checked += 1
    assert checked > 50


def test_a_small_count_is_hidden_never_shown(client, built):
    assert slice_counts(built, "complaints_by_field_office")["DAL"] is None
    html = page(client).content.decode()
    rows = body_rows(tables_of(html)["data-complaints-by-field-office"])
    assert rows["Dallas"] == [HIDDEN]
    assert rows["Houston"] == ["40", "69%"]  # of 58
    assert "fewer than" not in html.lower()


def test_percentages_are_whole_numbers_of_the_tables_population(client, built):
    rows = body_rows(tables_of(page(client, "?office=HOU").content.decode())["data-complaints-by-body-camera-seen"])
    assert rows["Yes"] == ["15", "38%"]  # 15 of 40: 37.5 rounds up
    assert rows["No"] == ["25", "63%"]
    assert rows["All complaints"] == ["40", "100%"]


def test_a_hidden_total_hides_its_tables_percentages(client):
    made = release()
    cells(made, t.TOTALS, {t.COMPLAINTS: None, t.FOOTAGE: 0, "footage_decided": 0})
    cells(made, "complaints_by_channel", {"web": 40, "sms": None, "voice": 0})
    html = page(client).content.decode()
    rows = body_rows(tables_of(html)["data-complaints-by-channel"])
    assert rows["Website"] == ["40", "–"]
    assert rows["Text message"] == [HIDDEN]
    assert rows["Phone call"] == ["0", "–"]
    assert "Percentages are not shown here because the total they are part of is hidden." in html


def test_the_two_way_table_has_totals_and_the_share_substantiated(client):
    made = release()
    code = "closed_complaints_by_race_ethnicity_and_outcome"
    cells(made, "complaints_by_status", {"closed": 60})
    cells(made, code, {"hispanic": 12, "white": None}, column="substantiated")
    cells(made, code, {"hispanic": 30, "white": 30}, column=t.TOTAL)
    cells(made, code, {t.TOTAL: 20}, column="substantiated")
    html = page(client).content.decode()
    rows = body_rows(tables_of(html)[f"data-{code}"])
    assert rows["Hispanic or Latino"][0] == "12"
    assert rows["Hispanic or Latino"][-2:] == ["30", "40%"]
    assert rows["White"][0] == HIDDEN
    assert rows["White"][-2:] == ["30", HIDDEN]
    assert rows["All groups"][0] == "20"
    assert rows["All groups"][-2:] == ["60", "33%"]


# --- Headline ----------------------------------------------------------------------------------


def headline(html: str) -> dict[str, str]:
    block = re.search(r'<dl class="stats-headline">(.*?)</dl>', html, re.S).group(1)
    return {
        " ".join(dt.split()): " ".join(re.sub(r"<[^>]+>", "", dd).split())
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block, re.S)
    }


def test_the_headline_figures(client):
    headline_release()
    figures = headline(page(client).content.decode())
    assert figures == {
        "Complaints counted": "200",
        "Complaints where the person saw a body camera": "25%",
        "Of those, complaints where the camera seemed to be recording": "40%",
        "Requests for body camera video": "30",
        "Requests with a decision that were decided on time": "50%",
        "Middle number of days to a decision": "14 days",
    }


def test_headline_figures_from_hidden_numbers_are_hidden(client):
    headline_release(seen=None, footage=None, median=None)
    figures = headline(page(client).content.decode())
    assert figures["Complaints where the person saw a body camera"] == HIDDEN
    assert figures["Of those, complaints where the camera seemed to be recording"] == HIDDEN
    assert figures["Requests for body camera video"] == HIDDEN
    assert figures["Middle number of days to a decision"] == HIDDEN
    assert figures["Complaints counted"] == "200"


def test_shares_of_nothing_say_there_is_nothing_to_count(client):
    headline_release(decided=0, on_time=0, median=None)
    figures = headline(page(client).content.decode())
    assert figures["Requests with a decision that were decided on time"] == "nothing to count yet"
    assert figures["Middle number of days to a decision"] == "nothing to count yet"


# --- Filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "period", "office"),
    [("?year=2026", "2026", "all"), ("?office=HOU", "all", "HOU"), ("?year=2026&office=ATL", "2026", "ATL")],
)
def test_the_filters_show_the_chosen_slice(client, built, query, period, office):
    html = page(client, query).content.decode()
    expected = slice_counts(built, t.TOTALS, period, office)[t.COMPLAINTS]
    assert headline(html)["Complaints counted"] == (HIDDEN if expected is None else str(expected))
    assert re.search(rf'<option value="{period}" selected>', html)
    assert re.search(rf'<option value="{office}" selected>', html)


def test_a_chosen_office_leaves_out_the_tables_only_published_for_all_offices(client, built):
    html = page(client, "?office=HOU").content.decode()
    tables = tables_of(html)
    assert "data-complaints-by-field-office" not in tables
    assert "data-closed_complaints_by_race_ethnicity_and_outcome" not in tables
    assert "are shown only for all field offices together" in html
    assert "data-complaints-by-field-office" in tables_of(page(client).content.decode())


def test_the_office_filter_names_offices(client, built):
    html = page(client).content.decode()
    assert '<option value="HOU">Houston</option>' in html
    assert '<option value="unknown">Field office not known</option>' in html


@pytest.mark.parametrize(
    "query",
    [
        "?year=1999",
        "?office=XYZ",
        "?year=2026&office=nowhere",
        "?year=%00&office=%00",
        "?year=&office=",
        "?year=<script>&office=%22%3E",
        "?year=2026&year=all&office=HOU&office=zz",
        "?year=" + "9" * 5000,
        "?office=%ff%fe",
    ],
)
def test_bad_filters_show_all_with_a_notice_never_an_error(client, built, query):
    response = page(client, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We have no numbers for the" in html
    assert "<script>&" not in html


@pytest.mark.parametrize("query", ["?version=2020-01-01", "?version=latest", "?version=%00", "?version="])
def test_an_unknown_version_is_not_found(client, built, query):
    assert page(client, query).status_code == 404


def test_an_older_version_shows_its_own_numbers(client):
    old = headline_release("2026-11-27", complaints=150)
    headline_release("2026-11-28", complaints=200)
    assert headline(page(client).content.decode())["Complaints counted"] == "200"
    html = page(client, f"?version={old.version}").content.decode()
    assert headline(html)["Complaints counted"] == "150"
    assert '<input type="hidden" name="version" value="2026-11-27">' in html
    assert "Numbers as of Nov. 27, 2026" in html
    assert 'href="/en/stats/?version=2026-11-28"' in html


def test_a_release_still_building_is_not_shown(client):
    headline_release()
    Release.objects.update(status=Release.Status.BUILDING)
    html = page(client).content.decode()
    assert "The first public numbers are being prepared." in html


# --- Charts ----------------------------------------------------------------------------------


def test_each_chart_is_a_described_image_matching_its_table(client, built):
    html = page(client).content.decode()
    tables = tables_of(html)
    svg = chart(html, "complaints-by-field-office")
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-complaints-by-field-office-title chart-complaints-by-field-office-desc"' in svg
    assert '<title id="chart-complaints-by-field-office-title">Complaints by ICE field office</title>' in svg
    desc = re.search(r'<desc id="chart-complaints-by-field-office-desc">(.*?)</desc>', svg, re.S).group(1)
    assert "Largest numbers: Houston: 40." in desc
    rows = body_rows(tables["data-complaints-by-field-office"])
    del rows["All complaints"]
    values = re.findall(r'<text class="chart-value" [^>]*>([^<]*)</text>', svg)
    assert values == [cells[0] for cells in rows.values() if cells != [HIDDEN]]
    hidden_marks = svg.count('class="chart-hidden"')
    hidden_rows = sum(1 for cells in rows.values() if cells == [HIDDEN])
    assert hidden_marks == hidden_rows > 0
    assert f"{hidden_rows} numbers are hidden to protect privacy." in desc
    assert "style=" not in svg


def test_the_months_are_a_column_chart_matching_its_table(client):
    made = release()
    cells(made, t.TOTALS, {t.COMPLAINTS: 60, t.FOOTAGE: 0, "footage_decided": 0})
    cells(made, "complaints_by_month", {"2026-09": 30, "2026-10": None, "2026-11": 0})
    html = page(client).content.decode()
    svg = chart(html, "complaints-by-month")
    assert 'class="chart chart-columns"' in svg
    assert re.findall(r'<text class="chart-value" [^>]*>([^<]*)</text>', svg) == ["30", "0"]
    assert svg.count('class="chart-hidden"') == 1
    rows = body_rows(tables_of(html)["data-complaints-by-month"])
    assert rows["September 2026"] == ["30", "50%"]
    assert rows["October 2026"] == [HIDDEN]
    assert rows["November 2026"] == ["0", "0%"]


def test_the_page_needs_no_script_of_its_own(client, built):
    html = page(client).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 1
    assert "js/voces.js" in scripts[0]
    assert " style=" not in html
    assert "<style" not in html


# --- Queries -----------------------------------------------------------------------------------


def big_release() -> Release:
    offices = [office.code for office in FieldOffice.objects.filter(is_active=True)] + [t.UNKNOWN_OFFICE]
    made = release("2026-11-28", years=("2024", "2025", "2026"), offices=offices)
    for period in ["all", "2024", "2025", "2026"]:
        for office in ["all", *offices]:
            cells(
                made, t.TOTALS, {t.COMPLAINTS: 500, t.FOOTAGE: 40, "footage_decided": 30}, period=period, office=office
            )
            for spec in t.SPECS:
                if spec.categories and not spec.column:
                    rows = {code: 20 if index % 3 else None for index, (code, _l) in enumerate(spec.categories)}
                    cells(made, spec.code, rows, period=period, office=office)
            cells(
                made, "complaints_by_month", {f"2026-{m:02d}": 40 for m in range(1, 13)}, period=period, office=office
            )
    return made


def test_the_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    headline_release()
    client.get("/en/stats/")  # the field office names, read once a minute per process
    with CaptureQueriesContext(connection) as few:
        assert page(client).status_code == 200
    Release.objects.all().delete()
    big_release()
    with django_assert_max_num_queries(5):
        assert page(client, "?year=2026&office=HOU").status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert page(client).status_code == 200
    assert len(many) == len(few)


# --- Before the first release, surveys, footer -------------------------------------------------


def test_before_the_first_release_a_friendly_page(client):
    response = page(client)
    assert response.status_code == 200
    assert "The first public numbers are being prepared." in response.content.decode()


def test_a_withheld_subject_says_so_instead_of_tables(client):
    made = release(withheld=[t.COMPLAINTS])
    cells(made, t.TOTALS, {t.COMPLAINTS: None, t.FOOTAGE: 0, "footage_decided": 0})
    cells(made, "complaints_by_channel", {"web": None})
    html = page(client).content.decode()
    assert "There are still too few complaints to show any number" in html
    assert "data-complaints-by-channel" not in tables_of(html)


def test_closed_surveys_are_listed_in_the_page_language(client):
    made = headline_release()
    SurveyResult.objects.create(
        release=made, survey_slug="rules", title={"en": "Video rules", "es": "Reglas de video"}, total=140
    )
    SurveyResult.objects.create(release=made, survey_slug="small", title={"en": "A small survey"}, total=None)
    html = page(client, language="es").content.decode()
    assert '<a href="/es/surveys/rules/results/">Reglas de video</a>' in html
    assert '<a href="/es/surveys/small/results/">A small survey</a>: <span class="is-hidden">' in html
    assert "140" in html


def test_the_footer_links_to_the_public_numbers(client):
    html = client.get("/es/").content.decode()
    assert 'href="/es/stats/"' in html


def test_the_methodology_states_the_rules(client):
    html = client.get("/en/stats/methodology/").content.decode()
    assert "20 working days" in html
    assert "10 more working days" in html
    assert "from 1 to 10" in html
    assert "at least 11 requests" in html
    assert "Zero is shown" in html


@pytest.mark.parametrize(
    "label",
    [
        "Usaron demasiada fuerza, lastimaron a alguien o usaron un arma",
        "过度使用武力、伤害某人或使用武器，或者伤害了一个孩子或者家人",
        "Houston",
    ],
)
def test_long_chart_labels_are_cut_into_lines_that_fit_a_phone(label):
    lines = charts.label_lines(label)
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")
    for line in lines:
        assert sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) <= charts.LABEL_WIDTH
    assert len(lines) == (1 if label == "Houston" else 2)
