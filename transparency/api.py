"""The public statistics by API: the same published tables, rows and columns as the open-data
downloads (transparency.opendata), for anyone, without a token (limited like every anonymous
call).

- `GET stats/`: the current version, every published version, and the data dictionary.
- `GET stats/{table}/`: a table's rows, all of them or one `?period=` and `?field_office=`.
- `GET stats/complaints/`: every complaint table of one period and field office at once.
"""

from django.conf import settings
from django.urls import path
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiError, error_responses
from transparency import opendata, selectors
from transparency import tables as t

TableParameter = OpenApiParameter(
    "table", str, OpenApiParameter.PATH, enum=opendata.TABLES, description="The table's code (see GET stats/)."
)
PeriodParameter = OpenApiParameter(
    "period", str, OpenApiParameter.QUERY, description='"all" for all years together, or a year of the version: 2025.'
)
FieldOfficeParameter = OpenApiParameter(
    "field_office",
    str,
    OpenApiParameter.QUERY,
    description='"all" for all offices together, an ICE field office code of the version (HOU), or "unknown".',
)
VersionParameter = OpenApiParameter(
    "version",
    str,
    OpenApiParameter.QUERY,
    pattern=r"^\d{4}-\d{2}-\d{2}$",
    description="A published version (its date, 2026-11-28); the latest without it.",
)
LanguageParameter = OpenApiParameter(
    "language",
    str,
    OpenApiParameter.QUERY,
    enum=[code for code, _name in settings.LANGUAGES],
    description="The language of the labels; without it, Accept-Language. Codes and column names never change.",
)
LANGUAGE_ERRORS = {
    "invalid_choice": capfirst(gettext_lazy("write a language code, like es for Spanish or en for English."))
}
VERSION_ERRORS = {"invalid": gettext_lazy("Write a version as its date: year-month-day, like 2026-11-28.")}


class StatsQuery(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, error_messages=LANGUAGE_ERRORS)
    version = serializers.RegexField(
        r"^\d{4}-\d{2}-\d{2}\Z", max_length=10, required=False, error_messages=VERSION_ERRORS
    )
    period = serializers.CharField(required=False, max_length=8)
    field_office = serializers.CharField(required=False, max_length=8)


def _query(request) -> dict:
    query = StatsQuery(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data


def _release(query: dict):
    version = query.get("version")
    release = selectors.release_current(version)
    if release is None:
        message = _("No public numbers were published with this version.") if version else _("No public numbers yet.")
        raise ApiError(status.HTTP_404_NOT_FOUND, "not_found", message)
    return release


def _slice(release, table: str, query: dict) -> tuple[str | None, str | None]:
    """The period and field office asked for, checked against the release and the table (400)."""
    period, office = query.get("period"), query.get("field_office")
    problems = {}
    if table == opendata.SURVEY_RESULTS:
        message = _("This table has no years or field offices.")
        problems = {name: [message] for name in ("period", "field_office") if name in query}
    else:
        if period is not None and not selectors.slice_is_valid(release, period, t.ALL):
            problems["period"] = [
                _("Write all, or a year we have numbers for: %(years)s.") % {"years": ", ".join(release.years) or "—"}
            ]
        if office is not None and not selectors.slice_is_valid(release, t.ALL, office):
            problems["field_office"] = [_("Write all, or the code of a field office we have numbers for, like HOU.")]
        elif office not in (None, t.ALL) and table in t.BY_CODE and not t.BY_CODE[table].by_office:
            if table != "complaints_by_field_office":  # there, the rows are the offices
                problems["field_office"] = [_("This table is published only for all field offices together.")]
    if problems:
        raise exceptions.ValidationError(problems)
    return period, office


# --- GET stats/ ---


class StatsCategoryOut(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class StatsColumnOut(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(help_text="string, integer, boolean or decimal.")
    description = serializers.CharField()
    categories = StatsCategoryOut(many=True, help_text="A code column's codes, in order; empty for other columns.")


class StatsTableOut(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.CharField(help_text="What one counted unit is: complaints, footage_requests, …")
    unit_label = serializers.CharField()
    by_field_office = serializers.BooleanField(help_text="False: published only for all field offices together.")
    rows_overlap = serializers.BooleanField(
        help_text="True when one complaint can count in several rows (so the rows add up to more than the total)."
    )
    columns = StatsColumnOut(many=True)


class StatsVersionOut(serializers.Serializer):
    version = serializers.CharField()
    as_of = serializers.DateTimeField(help_text="The data up to this moment.")


class StatsOverviewOut(serializers.Serializer):
    version = serializers.CharField(allow_null=True, help_text="The latest version; null before the first.")
    as_of = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField()
    suppression = serializers.CharField(help_text="How small numbers are hidden to protect people.")
    versions = StatsVersionOut(many=True, help_text="Every published version, newest first.")
    tables = StatsTableOut(many=True)


class StatsOverviewView(APIView):
    """What is published: the versions and every table's columns and codes (the data dictionary)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="stats_overview",
        parameters=[LanguageParameter, VersionParameter],
        responses={200: StatsOverviewOut, **error_responses(400, 404)},
    )
    def get(self, request):
        query = _query(request)
        with translation.override(query.get("language") or translation.get_language()):
            release = _release(query) if "version" in query else selectors.release_current()
            body = opendata.dictionary(release, opendata.catalog_for(release))
            body["versions"] = [
                {"version": other.version, "as_of": other.as_of} for other in selectors.releases_published()
            ]
            return Response(StatsOverviewOut(body).data)


# --- GET stats/{table}/ ---


def _rows_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        help_text=(
            "One object per row, its keys the columns. A hidden count is null with hidden true. The same rows "
            "as the CSV download."
        ),
    )


class StatsTableRowsOut(serializers.Serializer):
    table = serializers.CharField()
    title = serializers.CharField()
    version = serializers.CharField()
    language = serializers.CharField()
    period = serializers.CharField(allow_null=True, help_text="The filter asked for; null: every period.")
    field_office = serializers.CharField(allow_null=True, help_text="The filter asked for; null: every office.")
    columns = serializers.ListField(child=serializers.CharField(), help_text="The columns, in order.")
    rows = _rows_field()


class StatsTableView(APIView):
    """One published table: its rows with the same columns and values as its CSV download."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="stats_table",
        parameters=[TableParameter, PeriodParameter, FieldOfficeParameter, VersionParameter, LanguageParameter],
        responses={200: StatsTableRowsOut, **error_responses(400, 404)},
    )
    def get(self, request, table: str):
        if not opendata.is_table(table):
            raise exceptions.NotFound()
        query = _query(request)
        with translation.override(query.get("language") or translation.get_language()):
            release = _release(query)
            period, office = _slice(release, table, query)
            body = {
                "table": table,
                "title": str(opendata.table_title(table)),
                "version": release.version,
                "language": translation.get_language(),
                "period": period,
                "field_office": office,
                "columns": opendata.column_names(table),
                "rows": opendata.table_rows(release, table, period=period, office=office),
            }
            return Response(StatsTableRowsOut(body).data)


# --- GET stats/complaints/ ---


class StatsSliceTableOut(serializers.Serializer):
    table = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = _rows_field()


class StatsComplaintsOut(serializers.Serializer):
    version = serializers.CharField()
    language = serializers.CharField()
    period = serializers.CharField()
    field_office = serializers.CharField()
    withheld = serializers.BooleanField(help_text="True when there are too few complaints to show any number.")
    tables = StatsSliceTableOut(many=True)


class StatsComplaintsView(APIView):
    """Every complaint table of one period and field office (all of them without the filters):
    the totals' complaints row first. Tables published only for all field offices are left out of
    one office's answer."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="stats_complaints",
        parameters=[PeriodParameter, FieldOfficeParameter, VersionParameter, LanguageParameter],
        responses={200: StatsComplaintsOut, **error_responses(400, 404)},
    )
    def get(self, request):
        query = _query(request)
        with translation.override(query.get("language") or translation.get_language()):
            release = _release(query)
            period, office = _slice(release, t.TOTALS, query)
            period, office = period or t.ALL, office or t.ALL
            body = {
                "version": release.version,
                "language": translation.get_language(),
                "period": period,
                "field_office": office,
                "withheld": t.COMPLAINTS in release.withheld,
                "tables": [
                    {
                        "table": code,
                        "title": str(opendata.table_title(code)),
                        "columns": opendata.column_names(code),
                        "rows": rows,
                    }
                    for code, rows in opendata.slice_tables(release, period, office)
                ],
            }
            return Response(StatsComplaintsOut(body).data)


urlpatterns = [
    path("stats/", StatsOverviewView.as_view(), name="stats_overview"),
    path("stats/complaints/", StatsComplaintsView.as_view(), name="stats_complaints"),
    path("stats/<slug:table>/", StatsTableView.as_view(), name="stats_table"),
]
