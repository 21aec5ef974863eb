import re
import time
from datetime import UTC
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Subquery
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from intake.models import Allegation, Complaint, ComplaintEvent, Draft, FieldOffice, VoicePrompt
from intake.receipts import receipt_index, receipt_normalise
from privacy.crypto import blind_index

# The shape of a complaint's reference: anything else is looked up nowhere (PostgreSQL refuses a
# NUL in a query, for one).
COMPLAINT_REFERENCE = re.compile(r"C-\d{1,12}")

_offices: tuple[float, list[FieldOffice]] = (0.0, [])
OFFICES_TTL_SECONDS = 60


def field_offices_active() -> list[FieldOffice]:
    """The 25 active offices, read at most once a minute per process: every intake step asks."""
    global _offices
    now = time.monotonic()
    if now - _offices[0] > OFFICES_TTL_SECONDS:
        _offices = (now, list(FieldOffice.objects.filter(is_active=True)))
    return _offices[1]


def field_offices_forget() -> None:
    global _offices
    _offices = (0.0, [])


def field_offices_for_state(state: str) -> list[FieldOffice]:
    """The offices whose area covers a state: one for most states, several for TX, CA, NY."""
    state = state.strip().upper()
    return [office for office in field_offices_active() if state in office.states]


def field_office_by_code(code: str) -> FieldOffice | None:
    return next((office for office in field_offices_active() if office.code == code), None)


def draft_by_token(token: str) -> Draft | None:
    """A live draft by the token in its URL; an expired one is as good as gone."""
    return Draft.objects.filter(token_index=blind_index(token, purpose="draft"), expires_at__gt=timezone.now()).first()


def _in_model_order(model, names: set[str]) -> tuple[str, ...]:
    # Model.from_db takes a subset of the values in the model's own field order.
    return tuple(field.attname for field in model._meta.concrete_fields if field.attname in names)


STATUS_FIELDS = _in_model_order(Complaint, {"id", "reference", "status", "outcome", "language"})


EVENT_FIELDS = _in_model_order(ComplaintEvent, {"id", "kind", "status", "outcome", "created_at"})


def complaint_by_receipt(receipt: str) -> Complaint | None:
    """The complaint of a receipt, with its history as `timeline_events`, in one query (every
    complaint has its first event, so the events carry the complaint). Only what the status page
    shows: loading the rest would decrypt the filer's words for nothing."""
    digits = receipt_normalise(receipt)
    if digits is None:
        return None
    index = receipt_index(digits)
    with connection.cursor() as cursor:
        cursor.execute(_status_sql(connection.vendor), [index])
        rows = cursor.fetchall()
    if not rows:
        complaint = Complaint.objects.filter(receipt_index=index).only(*STATUS_FIELDS).first()
        if complaint is not None:
            complaint.timeline_events = []
        return complaint
    split, at = len(STATUS_FIELDS), len(STATUS_FIELDS) + EVENT_FIELDS.index("created_at")
    complaint = Complaint.from_db("default", STATUS_FIELDS, rows[0][:split])
    complaint.timeline_events = [
        ComplaintEvent.from_db("default", EVENT_FIELDS, (*row[split:at], _aware(row[at]), *row[at + 1 :]))
        for row in rows
    ]
    return complaint


@lru_cache(maxsize=4)
def _status_sql(vendor: str) -> str:
    """The status lookup's SQL, built by the ORM once: compiling the query on every lookup cost
    three times what running it does (the status page is the busiest read of a burst)."""
    query = (
        ComplaintEvent.objects.filter(complaint__receipt_index="")
        .order_by("created_at", "id")
        .values_list(*(f"complaint__{name}" for name in STATUS_FIELDS), *EVENT_FIELDS)
        .query
    )
    sql, _params = query.sql_with_params()  # one parameter: the receipt's index
    return sql


def _aware(value):
    """A timestamp as the ORM would give it: aware (SQLite hands back naive UTC, or text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, UTC)


def receipt_is_pending(receipt: str) -> bool:
    """A web complaint accepted with this receipt and not filed yet (a worker is behind)."""
    digits = receipt_normalise(receipt)
    if digits is None:
        return False
    return Draft.objects.filter(receipt_index=receipt_index(digits), complaint__isnull=True).exists()


def status_timeline(complaint: Complaint) -> list[dict]:
    """The complaint's history in the filer's words: what happened when, newest last."""
    from intake.choices import Outcome, Status

    rows = []
    for event in complaint.timeline_events:
        if event.kind not in (ComplaintEvent.Kind.STATUS, ComplaintEvent.Kind.INFO_ADDED):
            continue  # staff's assignments and merges, a dropped call: not the filer's history
        if event.kind == ComplaintEvent.Kind.INFO_ADDED:
            rows.append({"at": event.created_at, "code": "info_added", "label": None})
            continue
        label = Status(event.status).label
        detail = Outcome(event.outcome).label if event.outcome else ""
        rows.append({"at": event.created_at, "code": event.status, "label": label, "detail": detail})
    return rows


# --- organisation portal ---

# What an organisation's member sees of a complaint filed for it: structured facts only. The
# encrypted fields (contact, names, the filer's words) are never even loaded.
PORTAL_LIST_FIELDS = ("id", "reference", "created_at", "status", "outcome", "is_urgent")
PORTAL_FACT_FIELDS = (
    *PORTAL_LIST_FIELDS, "channel", "language", "filer_role", "urgent_flags", "incident_date", "date_is_approximate",
    "time_of_day", "city", "state", "place_type", "field_office__name", "agency", "officer_count", "officers_masked",
    "body_camera_seen", "body_camera_recording", "adults_count", "children_count", "injuries", "medical_care",
    "taken_into_custody", "wants",
)  # fmt: skip


def _organization_complaints(user):
    # A deactivated organisation's members see nothing of it, on the web and through the API.
    return Complaint.objects.filter(organization__memberships__user=user, organization__is_active=True)


def organization_complaints(user):
    """The complaints filed for the user's organisations, newest first, each with the time of its
    last status change (`last_status_at`), in one query."""
    last_change = (
        ComplaintEvent.objects.filter(complaint=OuterRef("pk"), kind=ComplaintEvent.Kind.STATUS)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    return (
        _organization_complaints(user)
        .only(*PORTAL_LIST_FIELDS)
        .annotate(last_status_at=Subquery(last_change))
        .order_by("-created_at", "-id")
    )


def organization_complaint(user, reference: str) -> Complaint | None:
    """One complaint of the user's organisations, with its history as `timeline_events` and its
    allegation codes as `allegation_kinds`; None for any other, which must look the same as one
    that does not exist."""
    reference = reference.strip().upper()
    if not COMPLAINT_REFERENCE.fullmatch(reference):
        return None
    complaint = (
        _organization_complaints(user)
        .filter(reference=reference)
        .select_related("field_office")
        .only(*PORTAL_FACT_FIELDS)
        .first()
    )
    if complaint is None:
        return None
    complaint.timeline_events = list(
        complaint.events.filter(kind__in=[ComplaintEvent.Kind.STATUS, ComplaintEvent.Kind.INFO_ADDED]).only(
            *EVENT_FIELDS
        )
    )
    complaint.allegation_kinds = sorted(complaint.allegations.values_list("kind", flat=True))
    return complaint


def voice_prompts_recorded() -> dict[tuple[str, str], str]:
    """(language, step) -> public URL of each prompt staff recorded, for <Play>."""
    return {
        (language, step): f"{settings.PUBLIC_BASE_URL}{reverse('voice:prompt', args=[pk])}?v={int(changed.timestamp())}"
        for pk, language, step, changed in VoicePrompt.objects.values_list("pk", "language", "step", "updated_at")
    }


# --- API ---

# The organisations' API gives the portal's facts as codes, plus what a partner's system needs to
# keep in step (the organisation, the last change); never the encrypted fields.
API_FACT_FIELDS = (
    *(name for name in PORTAL_FACT_FIELDS if name != "field_office__name"),
    "updated_at", "field_office__code", "organization__slug",
)  # fmt: skip


def filing_organizations(user) -> list:
    """The active organisations a member may file for, by name."""
    from accounts.models import Organization

    return list(Organization.objects.filter(memberships__user=user, is_active=True).order_by("name"))


def _api_complaints(user):
    allegations = Allegation.objects.only("id", "complaint_id", "kind").order_by("kind")
    return (
        _organization_complaints(user)
        .select_related("field_office", "organization")
        .only(*API_FACT_FIELDS)
        .prefetch_related(Prefetch("allegations", queryset=allegations))
    )


def organization_complaints_api(user):
    """The complaints of the user's organisations with their facts and allegations, for the API's
    list (its paginator orders them): two queries a page, however many complaints."""
    return _api_complaints(user)


def organization_complaint_api(user, reference: str) -> Complaint | None:
    """One complaint of the user's organisations with its facts, allegations and history (as
    `timeline_events`); None for any other or a reference of the wrong shape, alike."""
    reference = reference.strip().upper()
    if not COMPLAINT_REFERENCE.fullmatch(reference):
        return None
    complaint = _api_complaints(user).filter(reference=reference).first()
    if complaint is None:
        return None
    complaint.timeline_events = list(
        complaint.events.filter(kind__in=[ComplaintEvent.Kind.STATUS, ComplaintEvent.Kind.INFO_ADDED]).only(
            *EVENT_FIELDS
        )
    )
    return complaint


# --- Statistics (read by transparency's daily aggregation) ---------------------------------------

STATISTICS_FIELDS = frozenset(
    {"channel", "language", "status", "outcome", "body_camera_seen", "body_camera_recording", "race_ethnicity"}
)


def statistics_counts(*fields: str, before=None) -> list[dict]:
    """Complaints counted in public numbers (the filer agreed), grouped by the month they were
    received (local time), field office code (None when not known) and the given fields: one
    grouped query, its rows as dicts with `month` (a date), `office`, the fields and `n`."""
    if not set(fields) <= STATISTICS_FIELDS:
        raise ValueError(f"not a statistics field: {sorted(set(fields) - STATISTICS_FIELDS)}")
    complaints = Complaint.objects.filter(consent_statistics=True)
    if before is not None:
        complaints = complaints.filter(created_at__lt=before)
    rows = (
        complaints.annotate(month=TruncMonth("created_at"), office=F("field_office__code"))
        .values("month", "office", *fields)
        .annotate(n=Count("id"))
        .order_by()
    )
    return [_month_as_date(row) for row in rows]


def statistics_allegation_counts(*, before=None) -> list[dict]:
    """Complaints counted in public numbers that allege each kind, grouped like statistics_counts
    (`kind` instead of the fields), and per month and office how many allege anything
    (`kind` None)."""
    base = Allegation.objects.filter(complaint__consent_statistics=True)
    if before is not None:
        base = base.filter(complaint__created_at__lt=before)
    base = base.annotate(month=TruncMonth("complaint__created_at"), office=F("complaint__field_office__code"))
    rows = list(base.values("month", "office", "kind").annotate(n=Count("complaint_id", distinct=True)).order_by())
    rows += [
        {**row, "kind": None}
        for row in base.values("month", "office").annotate(n=Count("complaint_id", distinct=True)).order_by()
    ]
    return [_month_as_date(row) for row in rows]


def _month_as_date(row: dict) -> dict:
    month = row["month"]
    if hasattr(month, "date"):
        month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
    return {**row, "month": month.replace(day=1)}
