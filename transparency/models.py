"""Summary tables of the public statistics: written by the daily aggregation (services), after
small-count suppression, and the only thing the statistics pages, downloads and API read.

A release is one dated version of every table. A cell is one published number of one table for
one slice (a year or all years, a field office or all offices): its count, or none when it is
hidden to protect privacy. Nothing here can identify anyone: hidden counts are not stored."""

from django.db import models
from django.utils import timezone


class Release(models.Model):
    class Status(models.TextChoices):
        BUILDING = "building", "building"
        PUBLISHED = "published", "published"

    version = models.CharField(max_length=16, unique=True)  # the day of the data, 2026-11-28
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BUILDING)
    as_of = models.DateTimeField()  # the data up to this moment
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    # The slices: years with complaints or footage requests, field office codes (and "unknown").
    years = models.JSONField(default=list)
    offices = models.JSONField(default=list)
    # Subjects ("complaints", "footage_requests") with too few records to publish anything.
    withheld = models.JSONField(default=list)
    # How the build went: seconds, cells, hidden cells, rounds and solves of the suppression.
    figures = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["status", "-as_of"], name="release_published_idx")]

    def __str__(self) -> str:
        return self.version


class Cell(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="cells")
    table = models.CharField(max_length=64)
    period = models.CharField(max_length=8)  # "all" or a year, "2025"
    field_office = models.CharField(max_length=8)  # "all", an office code, or "unknown"
    row = models.CharField(max_length=32)
    column = models.CharField(max_length=32, blank=True)  # two-way tables only
    count = models.PositiveIntegerField(null=True, blank=True)  # None: hidden to protect privacy

    class Meta:
        indexes = [models.Index(fields=["release", "period", "field_office", "table"], name="cell_slice_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "table", "period", "field_office", "row", "column"], name="cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.period} {self.field_office} {self.row} {self.column}"


class Measure(models.Model):
    """A figure that is not a count (the median days to a footage decision), published only
    when enough records lie on each side of it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="measures")
    table = models.CharField(max_length=64)
    period = models.CharField(max_length=8)
    field_office = models.CharField(max_length=8)
    name = models.CharField(max_length=32)
    value = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)  # None: not published

    class Meta:
        indexes = [models.Index(fields=["release", "period", "field_office"], name="measure_slice_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "table", "period", "field_office", "name"], name="measure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.period} {self.field_office} {self.name}"


class SurveyResult(models.Model):
    """A closed public survey's published numbers as of the release (already suppressed by the
    survey's own audit): per question, each value's count or None."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="survey_results")
    survey_slug = models.SlugField(max_length=80)
    title = models.JSONField(default=dict)  # {language: title}
    closed_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    rows = models.JSONField(default=list)  # [{"question", "value", "count"}], "value" "" for no answer

    class Meta:
        constraints = [models.UniqueConstraint(fields=["release", "survey_slug"], name="survey_result_unique")]

    def __str__(self) -> str:
        return self.survey_slug
