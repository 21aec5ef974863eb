"""The open data: every published table as rows with stable column names, the same for the CSV
and JSON downloads and the API, and the data dictionary that explains them.

Column names and codes never change with the language; each code column is followed by a
`<column>_label` column in the language of the request. A hidden count is None (empty in CSV)
with `hidden` true. Reads go through transparency.selectors, a fixed number of queries per table
whatever the number of rows."""

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from intake import selectors as intake_selectors
from privacy.suppression import THRESHOLD
from transparency import selectors
from transparency import tables as t
from transparency.models import Release

SURVEY_RESULTS = "survey_results"
TABLES = [spec.code for spec in t.SPECS] + [t.TOTALS, t.DECISION_DAYS, SURVEY_RESULTS]
FORMATS = ("csv", "json")

# Column types, as the dictionary names them.
STRING, INTEGER, BOOLEAN, DECIMAL = "string", "integer", "boolean", "decimal"

ALL_YEARS = pgettext_lazy("statistics", "All years")
ALL_OFFICES = pgettext_lazy("statistics", "All field offices")
UNKNOWN_OFFICE_LABEL = pgettext_lazy("statistics", "Field office not known")
ALL_GROUPS = pgettext_lazy("statistics", "All groups")
ALL_OUTCOMES = pgettext_lazy("statistics", "All outcomes")

SUPPRESSION = _(
    "To protect the people who spoke up, no number from 1 to %(threshold)s is ever shown, and no number that would let "
    "someone work one out by adding and taking away, here or in another table. Those numbers are hidden: "
    "the count is empty and hidden is true. A hidden number can be small or large."
)
UNITS = {  # what one counted unit is
    t.COMPLAINTS: pgettext_lazy("unit of count", "complaints"),
    t.FOOTAGE: pgettext_lazy("unit of count", "requests for body camera video"),
    t.TOTALS: pgettext_lazy("unit of count", "complaints or requests for video (see measure)"),
    t.DECISION_DAYS: pgettext_lazy("unit of count", "days"),
    SURVEY_RESULTS: pgettext_lazy("unit of count", "people who answered the survey"),
}
EXTRA_TABLES = {
    t.TOTALS: (
        pgettext_lazy("statistics", "Totals"),
        _("How many complaints and requests for body camera video there are in each year and field office."),
    ),
    t.DECISION_DAYS: (
        _("Days to decide a request for video"),
        _(
            "Days from a complete request for body camera video to its decision. Shown only when at least "
            "%(side)s requests lie on each side of the number."
        ),
    ),
    SURVEY_RESULTS: (
        _("Results of closed surveys"),
        _("How many people gave each answer to each question of the public surveys that have closed."),
    ),
}

MEANINGS = {
    "version": _("The day of the data, year-month-day. Each version stays the same once published."),
    "period": _("The year counted, or all for all years together."),
    "field_office": _("The ICE field office that covers the place, all for every office, unknown when not known."),
    "row": _("What this row counts, as a code. The codes are listed with their meaning."),
    "column": _("The second grouping of this row, as a code. total is every code added up."),
    "label": _("The code before it, in words, in the language you chose."),
    "measure": _("What is counted, as a code."),
    "hidden": _("true when the number is hidden to protect privacy, false when it is shown."),
    "days": _("The number of days. Empty when it is not published."),
    "published": _("true when the number of days is shown, false when too few requests were decided for it."),
    "survey": _("The survey's short name."),
    "question": _("The question's short name."),
    "value": _("The answer, as a code. Empty for people who did not answer; answered for people who gave a number."),
    "survey_count": _("How many people gave this answer. Empty when hidden to protect privacy."),
}
COUNT_MEANINGS = {
    t.COMPLAINTS: _("How many complaints. Empty when hidden to protect privacy."),
    t.FOOTAGE: _("How many requests for video. Empty when hidden to protect privacy."),
    t.TOTALS: _("How many complaints or requests. Empty when hidden to protect privacy."),
}


def is_table(code: str) -> bool:
    return code in TABLES


# --- Columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: object
    coded: bool = False  # a code column: followed by its label column, and with categories


def _code(name: str, meaning) -> list[Column]:
    return [Column(name, STRING, meaning, coded=True), Column(f"{name}_label", STRING, MEANINGS["label"])]


def _slice_columns(table: str) -> list[Column]:
    columns = [Column("version", STRING, MEANINGS["version"]), *_code("period", MEANINGS["period"])]
    # The table by field office is published only for all offices: its rows are the offices.
    if table != "complaints_by_field_office":
        columns += _code("field_office", MEANINGS["field_office"])
    return columns


def columns(table: str) -> list[Column]:
    """The columns of a table, in order: the open data's contract."""
    if table == SURVEY_RESULTS:
        return [
            Column("version", STRING, MEANINGS["version"]),
            *_code("survey", MEANINGS["survey"]),
            Column("question", STRING, MEANINGS["question"]),
            Column("value", STRING, MEANINGS["value"]),
            Column("count", INTEGER, MEANINGS["survey_count"]),
            Column("hidden", BOOLEAN, MEANINGS["hidden"]),
        ]
    if table == t.DECISION_DAYS:
        return [
            *_slice_columns(table),
            *_code("measure", MEANINGS["measure"]),
            Column("days", DECIMAL, MEANINGS["days"]),
            Column("published", BOOLEAN, MEANINGS["published"]),
        ]
    if table == t.TOTALS:
        dimensions = _code("measure", MEANINGS["measure"])
        count = COUNT_MEANINGS[t.TOTALS]
    else:
        spec = t.BY_CODE[table]
        dimensions = _code(spec.row, MEANINGS["row"])
        if spec.column:
            dimensions += _code(spec.column, MEANINGS["column"])
        count = COUNT_MEANINGS[spec.subject]
    return [
        *_slice_columns(table),
        *dimensions,
        Column("count", INTEGER, count),
        Column("hidden", BOOLEAN, MEANINGS["hidden"]),
    ]


def column_names(table: str) -> list[str]:
    return [column.name for column in columns(table)]


# --- Codes and their labels ----------------------------------------------------------------------


def month_label(code: str) -> str:
    try:
        return date_format(date.fromisoformat(f"{code}-01"), "YEAR_MONTH_FORMAT")
    except ValueError:
        return code


class Catalog:
    """The codes of one release's columns in their published order, with their labels; labels
    are lazy, read in the active language when used."""

    def __init__(self, release: Release | None, months: list[str] | None = None, surveys: list | None = None):
        active = intake_selectors.field_offices_active()
        years = release.years if release else []
        offices = release.offices if release else [*[office.code for office in active], t.UNKNOWN_OFFICE]
        names: dict[str, object] = {office.code: office.name for office in active}
        names[t.UNKNOWN_OFFICE] = UNKNOWN_OFFICE_LABEL
        self.periods = [(t.ALL, ALL_YEARS), *[(year, year) for year in years]]
        self.offices = [(code, names.get(code, code)) for code in offices]
        self.months = [(month, month) for month in months or []]  # labelled when read (a format)
        self.surveys = [(result.survey_slug, result) for result in surveys or []]

    def categories(self, table: str, column: str) -> list[tuple[str, object]]:
        if column == "period":
            return self.periods
        if column == "field_office":
            return self.offices if table == "complaints_by_field_office" else [(t.ALL, ALL_OFFICES), *self.offices]
        if column == "measure":
            return list(t.TOTAL_ROWS if table == t.TOTALS else t.DECISION_DAYS_NAMES)
        if column == "survey":
            return self.surveys
        spec = t.BY_CODE[table]
        if column == spec.row:
            if table == "complaints_by_month":
                return self.months
            extra = [(t.TOTAL, ALL_GROUPS)] if spec.column else []
            return [*spec.categories, *extra]
        return [*spec.column_categories, (t.TOTAL, ALL_OUTCOMES)]

    def labeller(self, table: str, column: str):
        """A function from a code to its label in the active language (the code when unknown)."""
        if table == "complaints_by_month" and column == "month":
            return month_label
        if column == "survey":
            titles = {slug: result.title or {} for slug, result in self.surveys}
            language = translation.get_language()
            return lambda slug: _title_in(titles.get(slug, {}), language) or slug
        labels = {code: str(label) for code, label in self.categories(table, column)}
        return lambda code: labels.get(code, code)

    def order(self, table: str, column: str):
        """A sort key for a code column: the published order, unknown codes last."""
        if table == "complaints_by_month" and column == "month":
            return lambda code: (0, code)
        position = {code: index for index, (code, _label) in enumerate(self.categories(table, column))}
        return lambda code: (position.get(code, len(position)), code)


def _title_in(titles: dict, language: str) -> str:
    return titles.get(language) or titles.get(settings.LANGUAGE_CODE) or titles.get("en") or ""


# --- Rows ----------------------------------------------------------------------------------------


def _dimensions(table: str) -> list[str]:
    """The code columns a cell's (period, office, row, column) fill, in order."""
    if table == t.TOTALS or table == t.DECISION_DAYS:
        return ["period", "field_office", "measure"]
    spec = t.BY_CODE[table]
    return ["period", "field_office", spec.row] + ([spec.column] if spec.column else [])


def cell_rows(release: Release, table: str, cells, catalog: Catalog) -> list[dict]:
    """Rows of a counts table from (period, office, row, column, count) tuples, in the published
    order. The table by field office is published only for all offices: its slice's office
    column goes, and its row (named field_office) is the office."""
    names = _dimensions(table)
    kept = [0, 2] if table == "complaints_by_field_office" else list(range(len(names)))
    labellers = [catalog.labeller(table, names[i]) for i in kept]
    orders = [catalog.order(table, names[i]) for i in kept]
    found = []
    for cell in cells:
        count = cell[4]
        codes = [cell[i] for i in kept]
        record = {"version": release.version}
        for i, code, labeller in zip(kept, codes, labellers, strict=True):
            record[names[i]] = code
            record[f"{names[i]}_label"] = labeller(code)
        record["count"] = count
        record["hidden"] = count is None
        found.append((tuple(order(code) for order, code in zip(orders, codes, strict=True)), record))
    found.sort(key=lambda pair: pair[0])
    return [record for _key, record in found]


def measure_rows(release: Release, measures, catalog: Catalog) -> list[dict]:
    table = t.DECISION_DAYS
    labellers = {name: catalog.labeller(table, name) for name in ("period", "field_office", "measure")}
    orders = [catalog.order(table, name) for name in ("period", "field_office", "measure")]
    found = []
    for period, office, name, value in measures:
        record = {"version": release.version}
        for column, code in (("period", period), ("field_office", office), ("measure", name)):
            record[column] = code
            record[f"{column}_label"] = labellers[column](code)
        record["days"] = None if value is None else float(value)
        record["published"] = value is not None
        key = tuple(order(code) for order, code in zip(orders, (period, office, name), strict=True))
        found.append((key, record))
    found.sort(key=lambda pair: pair[0])
    return [record for _key, record in found]


def survey_rows(release: Release, results: list, catalog: Catalog) -> list[dict]:
    label = catalog.labeller(SURVEY_RESULTS, "survey")
    return [
        {
            "version": release.version,
            "survey": result.survey_slug,
            "survey_label": label(result.survey_slug),
            "question": str(row.get("question", "")),
            "value": str(row.get("value", "")),
            "count": row.get("count"),
            "hidden": row.get("count") is None,
        }
        for result in results
        for row in result.rows
    ]


def _months(release: Release) -> list[str]:
    return sorted({row for _p, _o, row, _c, _n in selectors.table_cells(release, "complaints_by_month")})


def table_rows(release: Release, table: str, *, period: str | None = None, office: str | None = None) -> list[dict]:
    """Every row of a published table (one query, two for survey results), or those of one
    period and field office. The caller has checked the table code and the filters."""
    if table == SURVEY_RESULTS:
        results = selectors.survey_results(release)
        return survey_rows(release, results, Catalog(release, surveys=results))
    catalog = Catalog(release)
    if table == t.DECISION_DAYS:
        measures = selectors.measure_rows(release, table)
        if period is not None:
            measures = measures.filter(period=period)
        if office is not None:
            measures = measures.filter(field_office=office)
        return measure_rows(release, measures, catalog)
    cells = selectors.table_cells(release, table)
    if period is not None:
        cells = cells.filter(period=period)
    if office is not None:
        if table != "complaints_by_field_office":
            cells = cells.filter(field_office=office)
        elif office != t.ALL:  # this table's rows are the offices, all in the "all offices" slice
            cells = cells.filter(row=office)
    return cell_rows(release, table, cells, catalog)


def slice_tables(release: Release, period: str, office: str) -> list[tuple[str, list[dict]]]:
    """Every complaint table of one slice, from its two queries: (table, rows), the totals'
    complaints row first. Tables published only for all offices are left out of an office's
    slice; in the slice of all offices, the table by field office has a row per office."""
    counts = selectors.slice_cells(release, period, office).counts
    catalog = Catalog(release)
    found = []
    for code in [t.TOTALS] + [spec.code for spec in t.SPECS if spec.subject == t.COMPLAINTS]:
        if code != t.TOTALS and not t.BY_CODE[code].by_office and office != t.ALL:
            continue
        cells = [
            (period, office, row, column, count)
            for (table, row, column), count in counts.items()
            if table == code and (code != t.TOTALS or row == t.COMPLAINTS)
        ]
        found.append((code, cell_rows(release, code, cells, catalog)))
    return found


# --- Writing -------------------------------------------------------------------------------------


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_csv(names: list[str], rows: list[dict]) -> str:
    """CSV text (RFC 4180: commas, CRLF, quotes only where needed) of rows with these columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    for row in rows:
        writer.writerow([_csv_value(row.get(name)) for name in names])
    return buffer.getvalue()


# --- The data dictionary -------------------------------------------------------------------------


def _in_every_language(text) -> dict[str, str]:
    found = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found[code] = str(text)
    return found


def table_title(table: str) -> object:
    return EXTRA_TABLES[table][0] if table in EXTRA_TABLES else t.BY_CODE[table].title


def table_description(table: str) -> str:
    if table in EXTRA_TABLES:
        return str(EXTRA_TABLES[table][1]) % {"side": t.PERCENTILE_SIDE}
    return str(t.BY_CODE[table].description)


def suppression_rule() -> str:
    return str(SUPPRESSION) % {"threshold": THRESHOLD}


def unit(table: str) -> str:
    return table if table in UNITS else t.BY_CODE[table].subject


def catalog_for(release: Release | None) -> Catalog:
    """The codes of a release (two queries: its months and its surveys), or of no release yet."""
    if release is None:
        return Catalog(None)
    return Catalog(release, months=_months(release), surveys=selectors.survey_results(release))


def _labels(catalog: Catalog, table: str, column: str, codes: list[str], every_language: bool) -> list[dict]:
    """[{"code", "label"}] in the active language, with "labels" in every language if asked."""
    if not codes:
        return []
    label = catalog.labeller(table, column)
    found = [{"code": code, "label": label(code)} for code in codes]
    if every_language:
        for category in found:
            category["labels"] = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                label = catalog.labeller(table, column)
                for category in found:
                    category["labels"][language] = label(category["code"])
    return found


def dictionary(release: Release | None, catalog: Catalog, *, every_language: bool = False) -> dict:
    """Every table with its title, description, unit and columns, every code column with its
    codes and labels (in the active language, and in all of them with every_language)."""
    found = []
    for table in TABLES:
        spec = t.BY_CODE.get(table)
        entry_columns = []
        for column in columns(table):
            codes = [code for code, _label in catalog.categories(table, column.name)] if column.coded else []
            entry_columns.append(
                {
                    "name": column.name,
                    "type": column.type,
                    "description": str(column.meaning),
                    "categories": _labels(catalog, table, column.name, codes, every_language),
                }
            )
        entry = {
            "code": table,
            "title": str(table_title(table)),
            "description": str(table_description(table)),
            "unit": unit(table),
            "unit_label": str(UNITS[unit(table)]),
            "by_field_office": table != SURVEY_RESULTS and (spec is None or spec.by_office),
            "rows_overlap": bool(spec and spec.many),
            "columns": entry_columns,
        }
        if every_language:
            entry["titles"] = _in_every_language(table_title(table))
        found.append(entry)
    return {
        "version": release.version if release else None,
        "as_of": release.as_of if release else None,
        "language": translation.get_language(),
        "suppression": suppression_rule(),
        "tables": found,
    }


DICTIONARY_COLUMNS = ["version", "table", "unit", "kind", "column", "type", "code", "label", "description"]


def dictionary_rows(data: dict) -> list[dict]:
    """The dictionary flattened for CSV: a row for the rule, then per table a row for the table,
    one per column and one per code."""
    version = data["version"] or ""
    rows = [{"version": version, "kind": "rule", "description": data["suppression"]}]
    for table in data["tables"]:
        rows.append(
            {
                "version": version,
                "table": table["code"],
                "unit": table["unit"],
                "kind": "table",
                "label": table["title"],
                "description": table["description"],
            }
        )
        for column in table["columns"]:
            rows.append(
                {
                    "version": version,
                    "table": table["code"],
                    "kind": "column",
                    "column": column["name"],
                    "type": column["type"],
                    "description": column["description"],
                }
            )
            for category in column["categories"]:
                rows.append(
                    {
                        "version": version,
                        "table": table["code"],
                        "kind": "code",
                        "column": column["name"],
                        "code": category["code"],
                        "label": category["label"],
                    }
                )
    return rows
