"""Reads of the public statistics: only the summary tables of a published release, never a
complaint. Each function is a fixed number of queries, whatever the number of complaints."""

from dataclasses import dataclass

from transparency import tables as t
from transparency.models import Cell, Measure, Release, SurveyResult


def release_current(version: str | None = None) -> Release | None:
    """The latest published release, or the published one of that version (None if none)."""
    releases = Release.objects.filter(status=Release.Status.PUBLISHED)
    if version is not None:
        return releases.filter(version=version).first()
    return releases.order_by("-as_of").first()


def releases_published() -> list[Release]:
    return list(Release.objects.filter(status=Release.Status.PUBLISHED).order_by("-as_of").only("version", "as_of"))


def slice_is_valid(release: Release, period: str, office: str) -> bool:
    return (period == t.ALL or period in release.years) and (office == t.ALL or office in release.offices)


@dataclass(frozen=True)
class SliceCells:
    """One slice's numbers: counts[(table, row, column)] is the count, or None when hidden;
    a key that is absent was not published for this slice. measures[(table, name)] likewise."""

    counts: dict
    measures: dict


def slice_cells(release: Release, period: str, office: str) -> SliceCells:
    """Every published number of one slice (a year or "all", an office code or "all"): two
    queries."""
    counts = {
        (table, row, column): count
        for table, row, column, count in Cell.objects.filter(
            release=release, period=period, field_office=office
        ).values_list("table", "row", "column", "count")
    }
    measures = {
        (table, name): value
        for table, name, value in Measure.objects.filter(
            release=release, period=period, field_office=office
        ).values_list("table", "name", "value")
    }
    return SliceCells(counts=counts, measures=measures)


def table_cells(release: Release, table: str):
    """Every published number of one table, in every slice, in a stable order: (period,
    field_office, row, column, count) rows, for downloads."""
    return (
        Cell.objects.filter(release=release, table=table)
        .order_by("period", "field_office", "row", "column")
        .values_list("period", "field_office", "row", "column", "count")
    )


def measure_rows(release: Release, table: str):
    return (
        Measure.objects.filter(release=release, table=table)
        .order_by("period", "field_office", "name")
        .values_list("period", "field_office", "name", "value")
    )


def survey_results(release: Release) -> list[SurveyResult]:
    return list(release.survey_results.order_by("-closed_at", "survey_slug"))
