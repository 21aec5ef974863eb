"""The public statistics pages and open-data downloads: they read only the summary tables of a
published release (transparency.selectors)."""

import re

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from cases.clock import EXTENSION_WORKING_DAYS, RESPONSE_WORKING_DAYS
from privacy.suppression import THRESHOLD
from transparency import opendata, presentation, selectors
from transparency import tables as t

# --- Pages: /stats/ and the methodology ----------------------------------------------------------

VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")


def _release(request: HttpRequest):
    """The release asked for by ?version= (404 when there is no such published one), else the
    latest (None before the first)."""
    version = request.GET.get("version")
    if version is None:
        return None, selectors.release_current()
    release = selectors.release_current(version) if VERSION.fullmatch(version) else None
    if release is None:
        raise Http404("no such statistics release")
    return version, release


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    version, release = _release(request)
    if release is None:
        return render(request, "transparency/index.html", {"release": None})
    # A year or office the release does not have (an old link, a typing mistake): all of them,
    # with a notice, rather than an error page.
    period = request.GET.get("year", t.ALL)
    office = request.GET.get("office", t.ALL)
    bad_year = not selectors.slice_is_valid(release, period, t.ALL)
    bad_office = not selectors.slice_is_valid(release, t.ALL, office)
    period = t.ALL if bad_year else period
    office = t.ALL if bad_office else office
    cells = selectors.slice_cells(release, period, office)
    offices = presentation.office_names(release)
    return render(
        request,
        "transparency/index.html",
        {
            "release": release,
            "version": version,
            "as_of": presentation.version_date(release),
            "period": period,
            "office": office,
            "office_name": offices.get(office, ""),
            "offices": offices,
            "bad_year": bad_year,
            "bad_office": bad_office,
            "page": presentation.page(
                release, cells, office=office, offices=offices, surveys=selectors.survey_results(release)
            ),
            "releases": selectors.releases_published(),
        },
    )


@require_safe
def methodology(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "transparency/methodology.html",
        {
            "threshold": THRESHOLD,
            "smallest": THRESHOLD + 1,
            "percentile_side": t.PERCENTILE_SIDE,
            "response_days": RESPONSE_WORKING_DAYS,
            "extension_days": EXTENSION_WORKING_DAYS,
        },
    )


# --- Open data: the data page, downloads and the data dictionary ---------------------------------

# A published month's release never changes (a day's, with TRANSPARENCY_DATA_THROUGH=now, may):
# proxies may keep them a while.
DOWNLOAD_MAX_AGE = 3600
# Excel reads a CSV as UTF-8 only with a byte order mark; R (read.csv, readr, data.table), pandas
# and LibreOffice drop it, so one file serves both.
BOM = "\ufeff"


def _published(request: HttpRequest):
    version, release = _release(request)
    if release is None:
        raise Http404("no statistics release yet")
    return version, release


def _cacheable(response: HttpResponse, release) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=DOWNLOAD_MAX_AGE)
    if release is not None and release.published_at:
        response["Last-Modified"] = http_date(release.published_at.timestamp())
    return response


def _file(fmt: str, filename: str, names: list[str], body: dict) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(BOM + opendata.as_csv(names, body["rows"]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def data(request: HttpRequest) -> HttpResponse:
    version, release = _release(request)
    tables = [
        {"code": code, "title": opendata.table_title(code), "description": opendata.table_description(code)}
        for code in opendata.TABLES
    ]
    return render(
        request,
        "transparency/data.html",
        {
            "release": release,
            "version": version,
            "as_of": presentation.version_date(release) if release else "",
            "tables": tables if release else [],
            "releases": [
                (other, presentation.version_date(other))
                for other in selectors.releases_published()
                if release is None or other.version != release.version
            ],
            "threshold": THRESHOLD,
            "smallest": THRESHOLD + 1,
        },
    )


@require_safe
def download(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if fmt not in opendata.FORMATS or not opendata.is_table(table):
        raise Http404("no such table or format")
    _version, release = _published(request)
    names = opendata.column_names(table)
    body = {
        "table": table,
        "version": release.version,
        "language": get_language(),
        "title": str(opendata.table_title(table)),
        "columns": names,
        "rows": opendata.table_rows(release, table),
    }
    return _cacheable(_file(fmt, f"voces-{table}-{release.version}.{fmt}", names, body), release)


@require_safe
def dictionary(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in opendata.FORMATS:
        raise Http404("no such format")
    _version, release = _release(request)
    data = opendata.dictionary(release, opendata.catalog_for(release), every_language=fmt == "json")
    rows = opendata.dictionary_rows(data) if fmt == "csv" else []
    body = {**data, "rows": rows} if fmt == "csv" else data
    name = f"voces-dictionary-{release.version}.{fmt}" if release else f"voces-dictionary.{fmt}"
    return _cacheable(_file(fmt, name, opendata.DICTIONARY_COLUMNS, body), release)
