"""Reads of the audit log: the auditors' viewer and its CSV export."""

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.core import signing
from django.db.models import Count, F, Max, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.db.models.lookups import LessThan
from django.utils import timezone

from privacy.models import AuditEvent

CURSOR_SALT = "privacy.audit.cursor"


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # a username
    action: str = ""  # "footage.released", or a prefix ending in "." ("footage.")
    object_type: str = ""  # "intake.complaint"
    object_ref: str = ""  # "C-000123"
    date_from: date | None = None  # both inclusive, in TIME_ZONE
    date_to: date | None = None

    def as_data(self) -> dict:
        """The filters as codes, for the export's own audit event."""
        return {key: value.isoformat() if isinstance(value, date) else value for key, value in asdict(self).items()}


class _RowLessThan(TupleLessThan):
    """`(a, b) < (x, y)` as one row-value comparison on every backend. Django spells it as an OR on
    SQLite, which has understood row values since 3.15."""

    def as_sql(self, compiler, connection):
        return LessThan.as_sql(self, compiler, connection)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# A bound on the calendar's first or last day bounds nothing; the midnight after date.max (or
# date.min's midnight in UTC) does not exist, so such bounds are left out rather than computed.
_FIRST_BOUNDED, _LAST_BOUNDED = date.min + timedelta(days=1), date.max - timedelta(days=1)


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The events that match, newest first, each with its actor."""
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
    if filters.actor:
        events = events.filter(actor__username=filters.actor)
    if filters.action.endswith("."):
        events = events.filter(action__startswith=filters.action)
    elif filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_ref:
        events = events.filter(object_ref=filters.object_ref)
    if filters.date_from and filters.date_from > _FIRST_BOUNDED:
        events = events.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to and filters.date_to < _LAST_BOUNDED:
        events = events.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return events


def audit_page(
    filters: AuditFilters, *, after: tuple[datetime, int] | None = None, size: int = 50
) -> tuple[list[AuditEvent], tuple[datetime, int] | None]:
    """One page of events older than `after` (keyset on created_at, id), in one query, and the
    position the next page starts after (None on the last page)."""
    events = audit_events(filters)
    if after is not None:
        events = events.filter(_RowLessThan(Tuple(F("created_at"), F("id")), after))
    rows = list(events[: size + 1])
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], (last.created_at, last.pk)


def audit_cursor(position: tuple[datetime, int]) -> str:
    """A page position for a URL, signed so that nobody hand-crafts one."""
    created_at, pk = position
    return signing.dumps([created_at.isoformat(), pk], salt=CURSOR_SALT)


def audit_cursor_parse(token: str) -> tuple[datetime, int] | None:
    """The position in a cursor; None when it is forged, damaged or not one of ours."""
    try:
        created_at, pk = signing.loads(token, salt=CURSOR_SALT)
        position = (datetime.fromisoformat(created_at), int(pk))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return position if timezone.is_aware(position[0]) else None


def audit_export_rows(filters: AuditFilters) -> tuple[QuerySet[AuditEvent], int]:
    """The events an export writes and how many: fixed when asked (one query), so that the count
    that is audited is the count written, even as new events arrive while it streams."""
    events = audit_events(filters)
    bounds = events.order_by().aggregate(rows=Count("id"), last=Max("id"))
    return events.filter(id__lte=bounds["last"] or 0), bounds["rows"]
