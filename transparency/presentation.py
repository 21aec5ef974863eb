"""What the statistics pages show, built from one slice's published numbers (SliceCells) and the
catalog (tables.SPECS): plain data for the templates, no queries except the field office names.

A percentage is shown only where both its count and the count it is a share of are shown, so
it can never reveal a hidden number."""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from intake import selectors as intake_selectors
from transparency import charts
from transparency import tables as t
from transparency.selectors import SliceCells

SHOWN = "shown"
HIDDEN = "hidden"
NONE = "none"  # nothing to count (a share of zero, a median of no decision)

UNKNOWN_OFFICE_LABEL = pgettext_lazy("statistics", "Field office not known")
TWO_WAY = "closed_complaints_by_race_ethnicity_and_outcome"
SUBSTANTIATED = "substantiated"
MONTHS = "complaints_by_month"
OFFICES = "complaints_by_field_office"

# The count each table's percentages are a share of; by default all the slice's complaints or
# footage requests.
POPULATION = {
    "complaints_by_outcome": ("complaints_by_status", "closed", ""),
    "complaints_by_body_camera_recording": ("complaints_by_body_camera_seen", "yes", ""),
    "footage_requests_by_no_footage_reason": ("footage_requests_by_outcome", "no_footage", ""),
    "footage_requests_by_timeliness": (t.TOTALS, "footage_decided", ""),
}
POPULATION_LABELS = {
    t.COMPLAINTS: _("All complaints"),
    t.FOOTAGE: _("All requests for video"),
    "complaints_by_outcome": _("All closed complaints"),
    "complaints_by_body_camera_recording": _("All complaints where a camera was seen"),
    "footage_requests_by_no_footage_reason": _("All requests with no video"),
    "footage_requests_by_timeliness": _("All requests with a decision"),
}


def percent(count: int | None, population: int | None) -> int | None:
    """A whole percentage, or None when either number is hidden or there is nothing to divide."""
    if count is None or not population:
        return None
    return int((Decimal(100 * count) / Decimal(population)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Row:
    code: str
    label: str
    count: int | None  # None: hidden to protect privacy
    percent: int | None = None

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass
class Table:
    code: str
    subject: str
    title: str
    description: str
    rows: list[Row]
    population: int | None
    population_label: str
    kind: str = "bars"  # "bars" or "columns" (months)
    chart: str = ""

    @property
    def hidden_count(self) -> int:
        return sum(1 for row in self.rows if row.hidden)

    @property
    def dom_id(self) -> str:
        return self.code.replace("_", "-")


@dataclass
class MatrixRow:
    code: str
    label: str
    counts: list[int | None]  # one per outcome column
    total: int | None
    share_substantiated: int | None
    share_hidden: bool


@dataclass
class Matrix:
    code: str
    title: str
    description: str
    columns: list[tuple[str, str]]
    rows: list[MatrixRow]
    total_row: MatrixRow


@dataclass
class Figure:
    """A headline number: a count, a percentage or a number of days."""

    label: str
    value: object = None
    unit: str = ""  # "percent", "days" or "" (a count)
    state: str = SHOWN

    @property
    def shown(self) -> bool:
        return self.state == SHOWN

    @property
    def hidden(self) -> bool:
        return self.state == HIDDEN


@dataclass
class Page:
    headline: list[Figure]
    complaints: list[Table]
    footage: list[Table]
    matrix: Matrix | None
    decision_days: list[Figure]
    withheld: list[str]
    office_only_tables: bool  # tables published only for all offices were left out
    surveys: list = field(default_factory=list)


# --- Names -------------------------------------------------------------------------------------


def office_names(release) -> dict[str, str]:
    """Every office code of the release with its name (the code itself for an office no longer
    active), in the release's order."""
    names = {office.code: office.name for office in intake_selectors.field_offices_active()}
    return {
        code: str(UNKNOWN_OFFICE_LABEL) if code == t.UNKNOWN_OFFICE else names.get(code, code)
        for code in release.offices
    }


def month_label(code: str) -> str:
    try:
        return date_format(date.fromisoformat(f"{code}-01"), "YEAR_MONTH_FORMAT")
    except ValueError:
        return code


def version_date(release) -> str:
    try:
        return date_format(date.fromisoformat(release.version), "DATE_FORMAT")
    except ValueError:
        return release.version


def survey_title(result) -> str:
    titles = result.title or {}
    return titles.get(get_language()) or titles.get("en") or next(iter(titles.values()), result.survey_slug)


# --- Tables ------------------------------------------------------------------------------------


def _rows_from_data(counts: dict, code: str) -> list[str]:
    return sorted({row for table, row, column in counts if table == code and not column})


def one_way_table(spec: t.Spec, cells: SliceCells, offices: dict[str, str]) -> Table | None:
    counts = cells.counts
    if spec.categories:
        categories = [(code, str(label)) for code, label in spec.categories]
    elif spec.code == OFFICES:
        present = set(_rows_from_data(counts, spec.code))
        categories = [(code, name) for code, name in offices.items() if code in present]
        categories += [(code, code) for code in sorted(present - set(offices))]
    else:
        categories = [(code, month_label(code)) for code in _rows_from_data(counts, spec.code)]
    if not any((spec.code, code, "") in counts for code, _label in categories):
        return None  # not published for this slice
    population = counts.get(POPULATION.get(spec.code, (t.TOTALS, spec.subject, "")))
    rows = []
    for code, label in categories:
        count = counts.get((spec.code, code, ""))
        rows.append(Row(code=code, label=label, count=count, percent=percent(count, population)))
    table = Table(
        code=spec.code,
        subject=spec.subject,
        title=str(spec.title),
        description=str(spec.description),
        rows=rows,
        population=population,
        population_label=str(POPULATION_LABELS.get(spec.code, POPULATION_LABELS[spec.subject])),
        kind="columns" if spec.code == MONTHS else "bars",
    )
    # A chart with no bar to draw (every number hidden or zero) says nothing the table does not.
    if any(row.count for row in rows):
        table.chart = charts.column_chart(table) if table.kind == "columns" else charts.bar_chart(table)
    return table


def two_way_table(cells: SliceCells) -> Matrix | None:
    spec = t.BY_CODE[TWO_WAY]
    counts = cells.counts
    if not any(key[0] == TWO_WAY for key in counts):
        return None
    columns = [(code, str(label)) for code, label in spec.column_categories]

    def matrix_row(code: str, label: str, total: int | None) -> MatrixRow:
        values = [counts.get((TWO_WAY, code, column)) for column, _label in columns]
        substantiated = counts.get((TWO_WAY, code, SUBSTANTIATED))
        return MatrixRow(
            code=code,
            label=label,
            counts=values,
            total=total,
            share_substantiated=percent(substantiated, total),
            share_hidden=substantiated is None or total is None,
        )

    rows = [matrix_row(code, str(label), counts.get((TWO_WAY, code, t.TOTAL))) for code, label in spec.categories]
    # The closed complaints of all groups: the status table's "closed", which the groups add up to.
    closed = counts.get(("complaints_by_status", "closed", ""))
    return Matrix(
        code=TWO_WAY,
        title=str(spec.title),
        description=str(spec.description),
        columns=columns,
        rows=rows,
        total_row=matrix_row(t.TOTAL, str(pgettext_lazy("statistics", "All groups")), closed),
    )


# --- Headline figures --------------------------------------------------------------------------


def _count(label, value) -> Figure:
    return Figure(label=str(label), value=value, state=HIDDEN if value is None else SHOWN)


def _share(label, count, population) -> Figure:
    if count is None or population is None:
        return Figure(label=str(label), unit="percent", state=HIDDEN)
    if population == 0:
        return Figure(label=str(label), unit="percent", state=NONE)
    return Figure(label=str(label), value=percent(count, population), unit="percent")


def _days(label, value, decided) -> Figure:
    if value is not None:
        # Nearest-rank percentiles of whole days, stored as decimals: whole numbers.
        days = int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return Figure(label=str(label), value=days, unit="days")
    return Figure(label=str(label), unit="days", state=NONE if decided == 0 else HIDDEN)


def headline(cells: SliceCells) -> list[Figure]:
    counts, measures = cells.counts, cells.measures
    complaints = counts.get((t.TOTALS, t.COMPLAINTS, ""))
    seen = counts.get(("complaints_by_body_camera_seen", "yes", ""))
    decided = counts.get((t.TOTALS, "footage_decided", ""))
    return [
        _count(_("Complaints counted"), complaints),
        _share(_("Complaints where the person saw a body camera"), seen, complaints),
        _share(
            _("Of those, complaints where the camera seemed to be recording"),
            counts.get(("complaints_by_body_camera_recording", "yes", "")),
            seen,
        ),
        _count(_("Requests for body camera video"), counts.get((t.TOTALS, t.FOOTAGE, ""))),
        _share(
            _("Requests with a decision that were decided on time"),
            counts.get(("footage_requests_by_timeliness", "on_time", "")),
            decided,
        ),
        _days(_("Middle number of days to a decision"), measures.get((t.DECISION_DAYS, "median")), decided),
    ]


def decision_days(cells: SliceCells) -> list[Figure]:
    decided = cells.counts.get((t.TOTALS, "footage_decided", ""))
    return [_days(label, cells.measures.get((t.DECISION_DAYS, name)), decided) for name, label in t.DECISION_DAYS_NAMES]


# --- The page ----------------------------------------------------------------------------------


def page(release, cells: SliceCells, *, office: str, offices: dict[str, str], surveys=()) -> Page:
    complaints, footage = [], []
    for spec in t.SPECS:
        if spec.code == TWO_WAY:
            continue
        table = one_way_table(spec, cells, offices)
        if table is not None:
            (complaints if spec.subject == t.COMPLAINTS else footage).append(table)
    return Page(
        headline=headline(cells),
        complaints=complaints,
        footage=footage,
        matrix=two_way_table(cells),
        decision_days=decision_days(cells),
        withheld=list(release.withheld),
        office_only_tables=office != t.ALL,
        surveys=[
            {"slug": result.survey_slug, "title": survey_title(result), "total": result.total} for result in surveys
        ],
    )
