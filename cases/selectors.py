"""Reads for casework."""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import CharField, Count, DateTimeField, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from accounts import policy, roles
from cases import clock, workflow
from cases.models import (
    CaseNote,
    ContactAttempt,
    FootageEvent,
    FootageRequest,
    Incident,
    RedactionItem,
    Referral,
    Transcript,
)
from intake.choices import Status
from intake.models import (
    Allegation,
    Attachment,
    Complaint,
    ComplaintContact,
    ComplaintEvent,
    ComplaintNote,
    VoiceCall,
    VoiceRecording,
)
from intake.selectors import COMPLAINT_REFERENCE
from privacy.models import AuditEvent
from surveys.models import Response

CANDIDATE_DAYS = 3


def footage_due(request: FootageRequest) -> date | None:
    """When the response is due: None until the request is perfected and while its clock is
    stopped."""
    if request.perfected_on is None:
        return None
    pauses = [clock.Pause(p.started_on, p.ended_on) for p in request.pauses.all()]
    return clock.response_due(
        perfected_on=request.perfected_on, extended=request.extended_on is not None, pauses=pauses
    )


def footage_expedited_due(request: FootageRequest) -> date | None:
    """When the decision on expedited processing is due, until it is made."""
    if not request.expedited_requested or request.expedited_granted is not None:
        return None
    return clock.expedited_decision_due(request.received_on)


# 20 working days are never fewer than 26 calendar days (from a Saturday or Sunday to the fourth
# Friday after it): older perfected requests may be overdue.
_OVERDUE_AFTER_DAYS = 26
REQUESTER_FIELDS = ("requester_name", "requester_email", "requester_address")
# The shape of a request's reference: anything else is looked up nowhere (PostgreSQL refuses a NUL).
FOOTAGE_REFERENCE = re.compile(r"FR-\d{1,12}")


def footage_with_clock(requests, *, today: date) -> list[FootageRequest]:
    """The requests (pauses prefetched) with their clock worked out in Python: `due`, `days_left`
    (working days, negative once overdue; None when the clock is not running), `is_overdue`,
    `days_overdue`, `expedited_due` and `hold_days_left` (calendar days)."""
    rows = list(requests)
    for request in rows:
        running = request.status in workflow.CLOCK_RUNNING
        request.due = footage_due(request)
        request.days_left = clock.working_days_left(request.due, today) if running and request.due else None
        request.is_overdue = request.days_left is not None and request.days_left < 0
        request.days_overdue = -request.days_left if request.is_overdue else 0
        request.expedited_due = footage_expedited_due(request) if running else None
        request.hold_days_left = (request.hold_until - today).days
    return rows


def footage_requests(
    *, status: str = "", requester_type: str = "", expedited: bool | None = None, overdue: bool = False, today: date
):
    """Footage requests for the list, newest first, without the requester's details. Overdue is a
    matter of working days and pauses, so it is decided in Python among the requests old enough
    to be overdue (a list then, a queryset otherwise)."""
    found = FootageRequest.objects.defer(*REQUESTER_FIELDS).prefetch_related("pauses")
    if status:
        found = found.filter(status=status)
    if requester_type:
        found = found.filter(requester_type=requester_type)
    if expedited is not None:
        found = found.filter(expedited_requested=expedited)
    found = found.order_by("-received_on", "-pk")
    if not overdue:
        return found
    found = found.filter(
        status__in=workflow.CLOCK_RUNNING, perfected_on__lte=today - timedelta(days=_OVERDUE_AFTER_DAYS)
    )
    return [request for request in footage_with_clock(found, today=today) if request.is_overdue]


def footage_deadlines(*, today: date, within_working_days: int = 5) -> dict[str, list[FootageRequest]]:
    """The deadlines page: responses due within `within_working_days` and overdue ones, expedited
    decisions still to make, and preservation holds that lapse within REMINDER_HOLD_DAYS (or
    have lapsed) while footage may still be needed. Three queries whatever the number of
    requests (two while none runs); the dates are worked out in Python, which stays fast up to thousands of open
    requests."""
    running = footage_with_clock(
        FootageRequest.objects.filter(status__in=workflow.CLOCK_RUNNING)
        .defer(*REQUESTER_FIELDS)
        .prefetch_related("pauses")
        .order_by("pk"),
        today=today,
    )
    holds = list(
        FootageRequest.objects.filter(
            status__in=workflow.HOLD_NEEDED, hold_until__lte=today + timedelta(days=settings.REMINDER_HOLD_DAYS)
        )
        .defer(*REQUESTER_FIELDS)
        .order_by("hold_until", "pk")
    )
    for request in holds:
        request.hold_days_left = (request.hold_until - today).days
    timed = [request for request in running if request.days_left is not None]
    return {
        "overdue": sorted((r for r in timed if r.days_left < 0), key=lambda r: (r.due, r.pk)),
        "due_soon": sorted((r for r in timed if 0 <= r.days_left <= within_working_days), key=lambda r: (r.due, r.pk)),
        "expedited": sorted((r for r in running if r.expedited_due), key=lambda r: (r.expedited_due, r.pk)),
        "holds": holds,
    }


def footage_detail(reference: str) -> FootageRequest | None:
    """One request with everything its page shows, its redaction checklist as `checklist` (all
    the items, in order, pending where no row was written)."""
    if not FOOTAGE_REFERENCE.fullmatch(reference):
        return None
    request = (
        FootageRequest.objects.select_related("complaint", "incident", "prepared_by", "approved_by")
        .prefetch_related("pauses", "events__actor", "redaction_items__reviewer")
        .filter(reference=reference)
        .first()
    )
    if request is None:
        return None
    rows = {row.item: row for row in request.redaction_items.all()}
    request.checklist = [rows.get(item) or RedactionItem(request=request, item=item) for item in RedactionItem.Item]
    return request


def incident_candidates(complaint, *, limit: int = 10) -> list[Incident]:
    """Incidents a complaint may describe: the same field office and city, within 3 days of its
    date (of the incident's window); nearest first."""
    if complaint.incident_date is None or complaint.field_office_id is None:
        return []
    day, window = complaint.incident_date, timedelta(days=CANDIDATE_DAYS)
    if not date.min + window <= day <= date.max - window:
        return []  # a mistyped year: nothing happened then
    found = (
        Incident.objects.filter(
            merged_into__isnull=True,
            field_office_id=complaint.field_office_id,
            city__iexact=complaint.city,
            starts_on__lte=day + window,
            ends_on__gte=day - window,
        )
        .exclude(complaints=complaint)
        .annotate(complaints_count=_count_of(Incident.complaints.through.objects, "incident"))
        .order_by("starts_on", "pk")[:limit]
    )
    return sorted(found, key=lambda i: min(abs((i.starts_on - day).days), abs((i.ends_on - day).days)))


# --- one complaint ---

# The filer's own words on a complaint: not even read (nor decrypted) for those who may not see them.
COMPLAINT_WORDS = (
    "officer_names",
    "badge_numbers",
    "vehicle_plates",
    "markings",
    "injuries_description",
    "witnesses",
    "narrative",
)
_TIMELINE_ORDER = {"note": 1, "contact_attempt": 2, "referral": 3}


def complaint_for_page(reference: str, *, words: bool) -> Complaint | None:
    """One complaint with everything its staff page shows, in a fixed number of queries."""
    prefetches = [
        "allegations",
        "incidents",
        "footage_requests",
        "footage_requests__pauses",
        Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor")),
        Prefetch("referrals", queryset=Referral.objects.select_related("created_by")),
        Prefetch("duplicates", queryset=Complaint.objects.only("pk", "reference", "merged_into").order_by("pk")),
    ]
    notes = CaseNote.objects.select_related("author")
    attempts = ContactAttempt.objects.select_related("actor")
    transcripts = Transcript.objects.select_related("made_by")
    recordings = VoiceRecording.objects.order_by("created_at", "pk")
    complaints = Complaint.objects.select_related(
        "field_office", "assignee", "merged_into", "contact", "voice_call"
    ).defer(*[f"merged_into__{name}" for name in COMPLAINT_WORDS], "voice_call__from_number", "voice_call__receipt")
    if words:
        prefetches += [
            Prefetch("filer_notes", queryset=ComplaintNote.objects.order_by("created_at", "pk")),
            "attachments",
        ]
    else:
        complaints = complaints.defer(*COMPLAINT_WORDS)
        notes, attempts, transcripts = notes.defer("text"), attempts.defer("note"), transcripts.defer("text")
    prefetches += [
        Prefetch("case_notes", queryset=notes),
        Prefetch("contact_attempts", queryset=attempts),
        Prefetch("transcripts", queryset=transcripts),
        Prefetch("voice_call__recordings", queryset=recordings),
    ]
    return complaints.prefetch_related(*prefetches).filter(reference=reference).first()


def complaint_contact(complaint: Complaint) -> ComplaintContact | None:
    try:
        return complaint.contact
    except ComplaintContact.DoesNotExist:
        return None


def contact_masked(contact: ComplaintContact | None) -> dict | None:
    """What a page may show of a filer's contact before a reveal: which details exist, and at
    most the last two digits of the phone number."""
    if contact is None:
        return None
    digits = [c for c in contact.phone if c.isdigit()]
    return {
        "name": bool(contact.name),
        "phone": "•••• " + "".join(digits[-2:]) if digits else "",
        "email": bool(contact.email),
        "best_times": bool(contact.best_times),
        "alternate_contact": bool(contact.alternate_contact),
        "preferred_method": contact.get_preferred_method_display() if contact.preferred_method else "",
        "safe_to_message": contact.safe_to_message,
    }


def contact_for_page(contact: ComplaintContact | None, *, detailed: bool) -> dict | None:
    """The contact part of a complaint's page: masked details for those who work on the case
    (contact_masked), only that there are contact details for anyone else (auditors)."""
    if contact is None:
        return None
    return contact_masked(contact) if detailed else {"on_file": True}


def complaint_is_overdue(complaint: Complaint, *, now: datetime | None = None) -> bool:
    """Not acknowledged by its service-level time."""
    now = now or timezone.now()
    return complaint.acknowledged_at is None and complaint.ack_due_at is not None and complaint.ack_due_at < now


def complaint_timeline(complaint: Complaint) -> list[dict]:
    """Its events, internal notes, contact attempts and referrals, newest first (from the
    prefetched rows of complaint_for_page)."""
    rows = [{"at": e.created_at, "kind": e.kind, "item": e, "who": e.actor} for e in complaint.events.all()]
    rows += [{"at": n.created_at, "kind": "note", "item": n, "who": n.author} for n in complaint.case_notes.all()]
    rows += [
        {"at": a.created_at, "kind": "contact_attempt", "item": a, "who": a.actor}
        for a in complaint.contact_attempts.all()
    ]
    rows += [
        {"at": r.created_at, "kind": "referral", "item": r, "who": r.created_by} for r in complaint.referrals.all()
    ]
    return sorted(rows, key=lambda r: (r["at"], _TIMELINE_ORDER.get(r["kind"], 0), r["item"].pk), reverse=True)


# intake's labels of a call's recordings are for developers; staff read these.
RECORDING_LABELS = {
    VoiceRecording.Kind.STORY: gettext_lazy("What happened, in the caller's words"),
    VoiceRecording.Kind.LANGUAGE_NAME: gettext_lazy("The caller naming their language"),
}
RECORDING_STATUS_LABELS = {
    VoiceRecording.Status.PENDING: gettext_lazy("Not fetched from the phone service yet"),
    VoiceRecording.Status.READY: gettext_lazy("Being fetched from the phone service"),
    VoiceRecording.Status.ATTACHED: gettext_lazy("Kept, encrypted"),
    VoiceRecording.Status.ABSENT: gettext_lazy("No sound was recorded"),
    VoiceRecording.Status.FAILED: gettext_lazy("The phone service could not record it"),
    VoiceRecording.Status.REFUSED: gettext_lazy(
        "Not fetched: its web address was not the phone service's. Tell an administrator."
    ),
}


@dataclass(frozen=True)
class CallRecording:
    kind: str
    label: str
    status: str
    status_label: str
    duration: str  # "m:ss", or ""
    attachment_id: int | None
    attachment: object | None  # the Attachment to play; None when not fetched or not for this reader


def complaint_voice(complaint: Complaint, *, words: bool) -> dict:
    """The phone call's recordings, the one in which the caller named their language, the
    transcripts (each with the recording it is of), and the audio files a transcript may be of,
    all from the prefetched rows of complaint_for_page."""
    try:
        call = complaint.voice_call
    except VoiceCall.DoesNotExist:
        call = None
    files = {a.pk: a for a in complaint.attachments.all()} if words else {}
    recordings = []
    for found in call.recordings.all() if call is not None else []:
        seconds = found.duration
        recordings.append(
            CallRecording(
                kind=found.kind,
                label=str(RECORDING_LABELS.get(found.kind, found.kind)),
                status=found.status,
                status_label=str(RECORDING_STATUS_LABELS.get(found.status, found.status)),
                duration=f"{seconds // 60}:{seconds % 60:02d}" if seconds else "",
                attachment_id=found.attachment_id,
                attachment=files.get(found.attachment_id),
            )
        )
    recordings.sort(key=lambda r: r.kind != VoiceRecording.Kind.LANGUAGE_NAME)
    labels = {r.attachment_id: r.label for r in recordings if r.attachment_id is not None}
    transcripts = list(complaint.transcripts.all())
    for transcript in transcripts:
        transcript.recording_label = labels.get(transcript.attachment_id, "")
    identified = {t.language_label for t in transcripts if t.kind == Transcript.Kind.TRANSCRIPT}
    return {
        "recordings": recordings,
        "language_name": next((r for r in recordings if r.kind == VoiceRecording.Kind.LANGUAGE_NAME), None),
        "transcripts": transcripts,
        "identified": sorted(identified),
        "audio_files": [
            (a.pk, labels.get(a.pk) or f"{a.get_kind_display()} {index}")
            for index, a in enumerate((a for a in files.values() if a.kind == "audio"), start=1)
        ],
        "call_files": set(labels),
    }


def complaint_assignees() -> list:
    """Staff who can work on a complaint, for the assignment form."""
    workers = [roles.LIAISON, roles.SUPERVISOR, roles.ADMIN]
    users = get_user_model().objects.filter(is_active=True)
    return list(users.filter(Q(groups__name__in=workers) | Q(is_superuser=True)).distinct().order_by("username"))


# --- queue ---

# What a queue row shows: structured facts only. The encrypted columns are never loaded, so
# nothing is decrypted for a list of 200 rows.
QUEUE_FIELDS = (
    "id",
    "reference",
    "channel",
    "language",
    "is_urgent",
    "needs_interpreter",
    "status",
    "created_at",
    "version",
    "ack_due_at",
    "acknowledged_at",
    "queue_rank",
    "field_office__code",
    "field_office__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)
QUEUE_ANY_STATUS = "any"
QUEUE_ASSIGNEE_ME, QUEUE_ASSIGNEE_NONE = "me", "none"
# The queue's order as one ascending key; keyset pagination compares it as a row value, which
# PostgreSQL answers from complaint_rank_idx (or complaint_assignee_idx with an assignee).
QUEUE_KEY_SQL = "(intake_complaint.queue_rank, intake_complaint.created_at, intake_complaint.id) > (%s, %s, %s)"

QueueKey = tuple[int, datetime, int]


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""  # "" every status but closed, "any", or one status
    urgent: bool = False
    allegation: str = ""
    field_office: int | None = None
    language: str = ""
    channel: str = ""
    assignee: str = ""  # "" anyone, "me", "none" (unassigned), or a user's id
    older_than_days: int | None = None
    overdue: bool = False
    needs_interpreter: bool = False
    caller_language: str = ""  # a language staff identified in a transcript, e.g. "Mam"


@dataclass
class QueuePage:
    rows: list[Complaint]
    next_key: QueueKey | None


def queue_complaints(filters: QueueFilters, *, user, now: datetime):
    complaints = Complaint.objects.all()
    if filters.status == "":
        complaints = complaints.exclude(status=Status.CLOSED)
    elif filters.status != QUEUE_ANY_STATUS:
        complaints = complaints.filter(status=filters.status)
    if filters.urgent:
        complaints = complaints.filter(queue_rank=0)
    if filters.allegation:
        kinds = Allegation.objects.filter(complaint=OuterRef("pk"), kind=filters.allegation)
        complaints = complaints.filter(Exists(kinds))
    if filters.field_office is not None:
        complaints = complaints.filter(field_office_id=filters.field_office)
    if filters.language:
        complaints = complaints.filter(language=filters.language)
    if filters.channel:
        complaints = complaints.filter(channel=filters.channel)
    if filters.assignee == QUEUE_ASSIGNEE_ME:
        complaints = complaints.filter(assignee=user)
    elif filters.assignee == QUEUE_ASSIGNEE_NONE:
        complaints = complaints.filter(assignee__isnull=True)
    elif filters.assignee:
        complaints = complaints.filter(assignee_id=int(filters.assignee))
    if filters.older_than_days is not None:
        complaints = complaints.filter(created_at__lt=now - timedelta(days=filters.older_than_days))
    if filters.overdue:
        complaints = complaints.filter(acknowledged_at__isnull=True, ack_due_at__lt=now)
    if filters.needs_interpreter:
        complaints = complaints.filter(needs_interpreter=True)
    if filters.caller_language:
        named = Transcript.objects.filter(complaint=OuterRef("pk"), language_other__iexact=filters.caller_language)
        complaints = complaints.filter(Exists(named))
    return complaints


def queue_page(
    filters: QueueFilters, *, user, after: QueueKey | None = None, size: int = 50, now: datetime | None = None
) -> QueuePage:
    """One page of the triage queue, urgent first then oldest, after a key of the previous page:
    two queries whatever the size (the complaints with their office and assignee, then their
    allegations)."""
    now = now or timezone.now()
    rows = list(queue_rows(filters, user=user, after=after, limit=size + 1, now=now))
    more = len(rows) > size
    rows = rows[:size]
    today = timezone.localdate(now)
    for row in rows:
        row.age_days = (now - row.created_at).days
        row.is_overdue = complaint_is_overdue(row, now=now)
        row.is_due_today = (
            not row.is_overdue
            and row.acknowledged_at is None
            and row.ack_due_at is not None
            and timezone.localdate(row.ack_due_at) == today
        )
    return QueuePage(rows=rows, next_key=queue_key(rows[-1]) if more else None)


def queue_rows(filters: QueueFilters, *, user, after: QueueKey | None, limit: int, now: datetime):
    """The page's query (bench/staff_queue.py explains it as it is)."""
    complaints = queue_complaints(filters, user=user, now=now)
    if after is not None:
        rank, created_at, pk = after
        created_at = connection.ops.adapt_datetimefield_value(created_at)
        # A fixed clause with bound parameters: the one way to say a row-value comparison.
        complaints = complaints.extra(where=[QUEUE_KEY_SQL], params=[rank, created_at, pk])  # noqa: S610
    allegations = Allegation.objects.only("id", "complaint_id", "kind").order_by("kind")
    return (
        complaints.select_related("field_office", "assignee")
        .only(*QUEUE_FIELDS)
        .prefetch_related(Prefetch("allegations", queryset=allegations))
        .order_by("queue_rank", "created_at", "id")[:limit]
    )


def queue_key(complaint: Complaint) -> QueueKey:
    return (complaint.queue_rank, complaint.created_at, complaint.pk)


# --- incidents: list, one incident, survey responses to link ---

INCIDENTS_PER_PAGE = 25
RESPONSE_CANDIDATES = 20
_REFERENCE = re.compile(r"^(?:IN)?-?0*(\d{1,9})$")
INCIDENT_REFERENCE = re.compile(r"IN-\d{6,9}")  # as incident_reference_normalise writes it


def incident_reference_normalise(text: str) -> str:
    """What staff type for an incident, as its reference: "in-45", "45" and "IN-000045" are one."""
    text = text.strip().upper()
    match = _REFERENCE.match(text)
    return f"IN-{int(match.group(1)):06d}" if match else text


def incident_by_reference(text: str) -> Incident | None:
    reference = incident_reference_normalise(text)
    if not _REFERENCE.match(reference):
        return None  # not even the shape of one: no query (PostgreSQL refuses a NUL, say)
    return Incident.objects.filter(reference=reference).first()


def _count_of(queryset, field: str):
    """A count per incident as a correlated subquery: computed for the rows shown only, and no
    join that multiplies rows."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def incidents_filtered(
    *,
    field_office: str = "",
    state: str = "",
    city: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    tag: str = "",
    text: str = "",
    show_merged: bool = False,
):
    """Incidents for the list page, newest first, with their counts of complaints and footage
    requests. Merged ones are left out unless asked for."""
    found = Incident.objects.all()
    if not show_merged:
        found = found.filter(merged_into__isnull=True)
    if field_office:
        found = found.filter(field_office__code=field_office)
    if state:
        found = found.filter(state=state.strip().upper())
    if city:
        found = found.filter(city__iexact=city.strip())
    if date_from:
        found = found.filter(ends_on__gte=date_from)
    if date_to:
        found = found.filter(starts_on__lte=date_to)
    if tag:
        # Tags are slugs, so the quoted slug matches one whole tag in the JSON text on any database.
        found = found.filter(tags__icontains=f'"{slugify(tag, allow_unicode=True)}"')
    if text:
        found = found.filter(reference__icontains=text.strip())
    return (
        found.select_related("field_office", "merged_into")
        .defer("summary")
        .annotate(
            complaints_count=_count_of(Incident.complaints.through.objects, "incident"),
            footage_count=_count_of(FootageRequest.objects, "incident"),
        )
        .order_by("-starts_on", "-pk")
    )


def incidents_page(*, number, per_page: int = INCIDENTS_PER_PAGE, **filters) -> Page:
    """One page of the list: two queries (the count and the rows) whatever the page size."""
    return Paginator(incidents_filtered(**filters), per_page).get_page(number)


def incident_for_page(reference: str, *, with_summary: bool) -> Incident:
    """The incident a page shows; its summary is left encrypted in the database for those who may
    not read staff's words."""
    if not _REFERENCE.match(reference):
        raise Http404
    found = Incident.objects.select_related("field_office", "merged_into")
    if not with_summary:
        found = found.defer("summary")
    return get_object_or_404(found, reference=reference)


def incident_complaints(incident: Incident) -> list:
    """Its complaints, with only what the incident page shows: never a filer's words."""
    return list(
        incident.complaints.only("pk", "reference", "status", "is_urgent", "incident_date", "created_at").order_by(
            "incident_date", "pk"
        )
    )


def incident_linked_responses(incident: Incident) -> list[Response]:
    return list(_response_rows(incident.survey_responses.all()).order_by("created_at", "pk"))


def incident_footage(incident: Incident) -> list[FootageRequest]:
    return list(
        incident.footage_requests.only("pk", "reference", "status", "received_on", "incident").order_by(
            "received_on", "pk"
        )
    )


def incident_response_candidates(incident: Incident, *, limit: int = RESPONSE_CANDIDATES) -> list[Response]:
    """Survey responses about the incident's field office, given within 3 days of its window, not
    linked yet; oldest first."""
    if incident.field_office_id is None:
        return []
    zone = timezone.get_current_timezone()
    # Days near the calendar's ends (a mistyped year) would overflow: no survey was answered then.
    first, last = date(2, 1, 1), date(9998, 12, 31)
    start_day = max(incident.starts_on, first) - timedelta(days=CANDIDATE_DAYS)
    end_day = min(incident.ends_on, last) + timedelta(days=CANDIDATE_DAYS + 1)
    start = datetime.combine(start_day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(end_day, datetime.min.time(), tzinfo=zone)
    found = Response.objects.filter(
        field_office=incident.field_office.code, created_at__gte=start, created_at__lt=end
    ).exclude(incidents=incident)
    return list(_response_rows(found).order_by("created_at", "pk")[:limit])


def _response_rows(responses):
    # The answers stay out: free text is people's own words.
    return responses.select_related("survey", "organization").only(
        "pk", "created_at", "language", "channel", "field_office", "survey__title", "organization__name"
    )


# --- reminders ---

# Until there is a decision, the response deadline runs; until the request ends, the hold matters
# (a decision may still be appealed).
FOOTAGE_FINAL = tuple(status for status, moves in workflow.FOOTAGE_TRANSITIONS.items() if not moves)
_REMINDER_FOOTAGE_FIELDS = (
    "pk", "reference", "status", "received_on", "perfected_on", "extended_on", "expedited_requested",
    "expedited_granted", "hold_until",
)  # fmt: skip


@dataclass(frozen=True)
class ReminderItem:
    reference: str
    due: date | datetime
    days_left: int = 0  # working days; negative once overdue (a hold counts calendar days)
    assignee_id: int | None = None


@dataclass(frozen=True)
class Reminders:
    acknowledgements: list[ReminderItem]  # complaints not acknowledged in time
    footage_due: list[ReminderItem]  # responses due soon or overdue
    expedited_due: list[ReminderItem]  # decisions on expedited processing due soon or overdue
    holds: list[ReminderItem]  # preservation holds lapsing soon (or lapsed) on open requests

    def for_user(self, *, sees_all: bool, user_id: int) -> "Reminders":
        """A liaison is reminded of their own complaints and the unassigned ones; footage for all."""
        if sees_all:
            return self
        mine = [item for item in self.acknowledgements if item.assignee_id in (None, user_id)]
        return Reminders(mine, self.footage_due, self.expedited_due, self.holds)

    def is_empty(self) -> bool:
        return not (self.acknowledgements or self.footage_due or self.expedited_due or self.holds)


def reminders_due(*, now: datetime) -> Reminders:
    """Everything staff should be reminded of at `now`: references and dates only, never a
    filer's details or words (nothing encrypted is even loaded)."""
    today = timezone.localtime(now).date()
    acknowledgements = [
        ReminderItem(reference, due, clock.working_days_left(timezone.localtime(due).date(), today), assignee_id)
        for reference, due, assignee_id in Complaint.objects.filter(acknowledged_at__isnull=True, ack_due_at__lt=now)
        .exclude(status=Status.CLOSED)
        .order_by("ack_due_at", "pk")
        .values_list("reference", "ack_due_at", "assignee_id")
    ]
    requests = (
        FootageRequest.objects.exclude(status__in=FOOTAGE_FINAL)
        .only(*_REMINDER_FOOTAGE_FIELDS)
        .prefetch_related("pauses")
        .order_by("pk")
    )
    window = settings.REMINDER_FOOTAGE_WORKING_DAYS
    footage, expedited, holds = [], [], []
    for request in requests:
        if request.status in workflow.CLOCK_RUNNING:
            for due, found in ((footage_due(request), footage), (footage_expedited_due(request), expedited)):
                if due is not None and (left := clock.working_days_left(due, today)) <= window:
                    found.append(ReminderItem(request.reference, due, left))
        if (request.hold_until - today).days <= settings.REMINDER_HOLD_DAYS:
            holds.append(ReminderItem(request.reference, request.hold_until, (request.hold_until - today).days))
    return Reminders(
        acknowledgements,
        sorted(footage, key=lambda item: item.due),
        sorted(expedited, key=lambda item: item.due),
        sorted(holds, key=lambda item: item.due),
    )


def reminder_recipients() -> list:
    """Active staff with an email address who work on cases (policy CASE_EDIT)."""
    holders = policy.POLICY[policy.CASE_EDIT]
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(groups__name__in=holders))
        .distinct()
        .order_by("pk")
    )
    return [user for user in users if policy.allowed(user, policy.CASE_EDIT)]


# --- API: complaints ---

# A row of the API's list: the queue's structured facts and a few more codes, never an encrypted
# column (nothing is decrypted for a page of 200).
API_LIST_FIELDS = (
    *(name for name in QUEUE_FIELDS if "__" not in name),
    "outcome",
    "urgent_flags",
    "filer_role",
    "updated_at",
)
QUEUE_KEY_BEFORE_SQL = "(intake_complaint.queue_rank, intake_complaint.created_at, intake_complaint.id) < (%s, %s, %s)"
_USER_ID = re.compile(r"\d{1,18}")  # a bigint; more digits are a username


@dataclass(frozen=True)
class ComplaintApiFilters:
    """The API list's filters: the queue's, with both answers to its yes/no questions (None: either)
    and a field office by its code, an assignee also by username, and dates."""

    status: str = ""  # "" every status but closed, "any", or one status
    urgent: bool | None = None
    overdue: bool | None = None
    needs_interpreter: bool | None = None
    allegation: str = ""
    field_office: str = ""  # a code, e.g. "MIA"
    language: str = ""
    channel: str = ""
    assignee: str = ""  # "" anyone, "me", "none", a user's id or username
    caller_language: str = ""
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None


def complaints_for_api(filters: ComplaintApiFilters, *, user, now: datetime | None = None):
    """The complaints the API lists, filtered like the queue (unordered: complaints_api_page orders
    and cuts them), each with `field_office_code`, `assignee_username` and `organization_slug`."""
    now = now or timezone.now()
    by_queue = filters.assignee in ("", QUEUE_ASSIGNEE_ME, QUEUE_ASSIGNEE_NONE) or _USER_ID.fullmatch(filters.assignee)
    queue = QueueFilters(
        status=filters.status,
        urgent=filters.urgent is True,
        allegation=filters.allegation,
        language=filters.language,
        channel=filters.channel,
        assignee=filters.assignee if by_queue else "",
        overdue=filters.overdue is True,
        needs_interpreter=filters.needs_interpreter is True,
        caller_language=filters.caller_language,
    )
    complaints = queue_complaints(queue, user=user, now=now)
    if filters.urgent is False:
        complaints = complaints.filter(queue_rank=1)
    if filters.overdue is False:
        complaints = complaints.exclude(acknowledged_at__isnull=True, ack_due_at__lt=now)
    if filters.needs_interpreter is False:
        complaints = complaints.filter(needs_interpreter=False)
    if filters.field_office:
        complaints = complaints.filter(field_office__code=filters.field_office.upper())
    if not by_queue:
        complaints = complaints.filter(assignee__username=filters.assignee)
    if filters.created_after is not None:
        complaints = complaints.filter(created_at__gt=filters.created_after)
    if filters.created_before is not None:
        complaints = complaints.filter(created_at__lt=filters.created_before)
    if filters.updated_after is not None:
        complaints = complaints.filter(updated_at__gt=filters.updated_after)
    allegations = Allegation.objects.only("id", "complaint_id", "kind").order_by("kind")
    return (
        complaints.only(*API_LIST_FIELDS)
        .annotate(
            field_office_code=F("field_office__code"),
            assignee_username=F("assignee__username"),
            organization_slug=F("organization__slug"),
        )
        .prefetch_related(Prefetch("allegations", queryset=allegations))
    )


def staff_member_by_handle(handle: str | None, *, me):
    """Whom an API call names: "me" the caller, "none" or "" nobody (None), a user's id or a
    username an active user; LookupError when it names no one."""
    handle = (handle or "").strip()
    if handle in ("", QUEUE_ASSIGNEE_NONE):
        return None
    if handle == QUEUE_ASSIGNEE_ME:
        return me
    users = get_user_model().objects.filter(is_active=True)
    found = users.filter(pk=int(handle)).first() if _USER_ID.fullmatch(handle) else None
    found = found or users.filter(username=handle).first()
    if found is None:
        raise LookupError(handle)
    return found


def complaints_api_page(complaints, *, key: QueueKey | None, backwards: bool = False, limit: int) -> list[Complaint]:
    """Up to `limit` complaints in the queue's order after `key` (before it when `backwards`, still
    in the queue's order): one keyset range of the queue's index however deep the page."""
    order = ("queue_rank", "created_at", "id")
    if key is not None:
        rank, created_at, pk = key
        created_at = connection.ops.adapt_datetimefield_value(created_at)
        clause = QUEUE_KEY_BEFORE_SQL if backwards else QUEUE_KEY_SQL
        complaints = complaints.extra(where=[clause], params=[rank, created_at, pk])  # noqa: S610
    if backwards:
        order = tuple(f"-{name}" for name in order)
    rows = list(complaints.order_by(*order)[:limit])
    if backwards:
        rows.reverse()
    return rows


def complaint_for_api(reference: str, *, words: bool) -> Complaint | None:
    """One complaint with what the API's detail shows, in a fixed number of queries; the filer's
    words (and staff's notes) are not even loaded (nor decrypted) without `words`."""
    if not COMPLAINT_REFERENCE.fullmatch(reference):
        return None
    notes = CaseNote.objects.select_related("author")
    attempts = ContactAttempt.objects.select_related("actor")
    complaints = Complaint.objects.select_related("contact").annotate(
        field_office_code=F("field_office__code"),
        assignee_username=F("assignee__username"),
        organization_slug=F("organization__slug"),
        merged_into_reference=F("merged_into__reference"),
    )
    prefetches = [
        Prefetch("allegations", queryset=Allegation.objects.only("id", "complaint_id", "kind").order_by("kind")),
        Prefetch("incidents", queryset=Incident.objects.only("id", "reference").order_by("reference")),
        Prefetch(
            "footage_requests",
            queryset=FootageRequest.objects.only("id", "reference", "status", "complaint_id").order_by("reference"),
        ),
        Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor")),
        Prefetch("referrals", queryset=Referral.objects.select_related("created_by")),
        Prefetch("duplicates", queryset=Complaint.objects.only("id", "reference", "merged_into").order_by("pk")),
    ]
    if words:
        prefetches += [
            Prefetch("filer_notes", queryset=ComplaintNote.objects.order_by("created_at", "pk")),
            Prefetch("attachments", queryset=Attachment.objects.defer("original_name")),
        ]
    else:
        # Nor the contact's details: that there are some is all such a reader learns.
        contact = [f"contact__{name}" for name in ("name", "phone", "email", "best_times", "alternate_contact")]
        complaints = complaints.defer(*COMPLAINT_WORDS, *contact)
        notes, attempts = notes.defer("text"), attempts.defer("note")
    prefetches += [Prefetch("case_notes", queryset=notes), Prefetch("contact_attempts", queryset=attempts)]
    return complaints.prefetch_related(*prefetches).filter(reference=reference).first()


# --- API: casework ---

# Audit events that record someone reading a record, not a change to it.
_READ_ACTIONS = ("footage.requester_revealed", "footage.letter_rendered")
INCIDENT_API_FIELDS = (
    "id", "reference", "starts_on", "ends_on", "city", "state", "agency", "tags", "version", "created_at",
    "field_office__code", "merged_into__reference",
)  # fmt: skip
# The response is due 20 working days after the day a request is perfected: never sooner than 26
# calendar days (perfected on a Sunday, due on the fourth Friday after).
_DUE_AFTER_DAYS_AT_LEAST = 26


def _last_change(object_type: str, *, merged_into: bool = False):
    """When the audit log last recorded a change to the outer row (a correlated subquery on
    audit_object_idx), or its `created_at` when it never did. Reveals and letters are readings.
    With `merged_into`, an incident's merge is also a change of the incident it went into."""
    changed = Q(object_type=object_type, object_id=Cast(OuterRef("pk"), output_field=CharField()))
    if merged_into:
        changed |= Q(action="incident.merged", into=OuterRef("reference"))
    events = (
        AuditEvent.objects.annotate(into=KT("data__into"))
        .filter(changed)
        .exclude(action__in=_READ_ACTIONS)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Coalesce(Subquery(events, output_field=DateTimeField()), "created_at")


def _incidents_api_rows(found, *, with_summary: bool):
    """Incidents as the API gives them: the facts with the field office's code and the reference
    merged into, `updated_at`, and the references of their complaints and footage requests (three
    queries whatever the number). The summary is staff's words: not even loaded without
    `with_summary`."""
    fields = [*INCIDENT_API_FIELDS, "summary"] if with_summary else INCIDENT_API_FIELDS
    complaints = Complaint.objects.only("id", "reference").order_by("pk")
    footage = FootageRequest.objects.only("id", "reference", "incident_id").order_by("pk")
    return (
        found.select_related(None)
        .select_related("field_office", "merged_into")
        .defer(None)
        .only(*fields)
        .annotate(updated_at=_last_change("cases.incident", merged_into=True))
        .prefetch_related(Prefetch("complaints", queryset=complaints), Prefetch("footage_requests", queryset=footage))
    )


def incidents_for_api(*, with_summary: bool, include_merged: bool = False, tag: str = "", **filters):
    """The incidents the API lists, filtered as the web's list is (incidents_filtered: field
    office code, state, city, dates), merged ones only when asked for, and by one whole tag in any
    script; unordered (the paginator orders them)."""
    found = incidents_filtered(show_merged=include_merged, **filters)
    if tag:
        # A tag is a slug: quoted, it matches one whole tag in the JSON text, which SQLite keeps
        # with non-ASCII letters escaped ("ni\u00f1os") and PostgreSQL as they are.
        slug = slugify(tag, allow_unicode=True)
        found = found.filter(Q(tags__icontains=f'"{slug}"') | Q(tags__icontains=json.dumps(slug)))
    return _incidents_api_rows(found, with_summary=with_summary)


def incident_for_api(reference: str, *, with_summary: bool) -> Incident | None:
    """One incident as the API gives it, merged or not; None for a reference that is not one."""
    if not INCIDENT_REFERENCE.fullmatch(reference):
        return None
    return _incidents_api_rows(Incident.objects.filter(reference=reference), with_summary=with_summary).first()


def _footage_due_before(requests, day: date) -> list[int]:
    """The ids of those `requests` whose response is due before `day`, their clock running. The
    due date is worked out in Python (working days, holidays, pauses), among the requests
    perfected long enough ago to be due by then (two queries)."""
    try:
        perfected_before = day - timedelta(days=_DUE_AFTER_DAYS_AT_LEAST)
    except OverflowError:
        return []  # nothing was perfected before the first days of the calendar
    candidates = (
        requests.filter(status__in=workflow.CLOCK_RUNNING, perfected_on__lt=perfected_before)
        .only("id", "perfected_on", "extended_on")
        .prefetch_related("pauses")
        .order_by()
    )
    return [request.pk for request in candidates if (due := footage_due(request)) is not None and due < day]


def _footage_api_rows(found):
    """Footage requests as the API gives them, without the requester's details (not even loaded):
    the references they belong to, `updated_at`, pauses, checklist rows and decisions prefetched
    (four queries whatever the number)."""
    items = RedactionItem.objects.annotate(reviewer_username=F("reviewer__username")).order_by("pk")
    decisions = FootageEvent.objects.filter(status__in=workflow.DECIDED).only("id", "request_id", "at").order_by("at")
    return (
        found.defer(*REQUESTER_FIELDS)
        .annotate(
            complaint_reference=F("complaint__reference"),
            incident_reference=F("incident__reference"),
            updated_at=_last_change("cases.footagerequest"),
        )
        .prefetch_related(
            "pauses",
            Prefetch("redaction_items", queryset=items),
            Prefetch("events", queryset=decisions, to_attr="decisions"),
        )
    )


def footage_for_api(
    *,
    today: date,
    status: str = "",
    requester_type: str = "",
    expedited: bool | None = None,
    field_office: str = "",
    incident: str = "",
    complaint: str = "",
    overdue: bool | None = None,
    due_before: date | None = None,
):
    """The footage requests the API lists; unordered (the paginator orders them). A field office is
    the one of the request's incident or complaint; `overdue` (True: only those, False: none of
    them) and `due_before` are worked out on the legal clock."""
    found = FootageRequest.objects.all()
    if status:
        found = found.filter(status=status)
    if requester_type:
        found = found.filter(requester_type=requester_type)
    if expedited is not None:
        found = found.filter(expedited_requested=expedited)
    if field_office:
        found = found.filter(
            Q(incident__field_office__code=field_office) | Q(complaint__field_office__code=field_office)
        )
    if incident:
        found = found.filter(incident__reference=incident)
    if complaint:
        found = found.filter(complaint__reference=complaint)
    if due_before is not None:
        found = found.filter(pk__in=_footage_due_before(found, due_before))
    if overdue is not None:
        late = _footage_due_before(found, today)
        found = found.filter(pk__in=late) if overdue else found.exclude(pk__in=late)
    return _footage_api_rows(found)


def footage_for_api_detail(reference: str):
    """One footage request as the API gives it, with its history (each status with its actor's
    username) and who prepared and approved its release; None for a reference that is not one."""
    if not FOOTAGE_REFERENCE.fullmatch(reference):
        return None
    history = FootageEvent.objects.annotate(actor_username=F("actor__username")).order_by("at", "pk")
    return (
        _footage_api_rows(FootageRequest.objects.filter(reference=reference))
        .annotate(prepared_by_username=F("prepared_by__username"), approved_by_username=F("approved_by__username"))
        .prefetch_related(Prefetch("events", queryset=history, to_attr="history"))
        .first()
    )


def footage_api_prepare(requests, *, today: date) -> list[FootageRequest]:
    """Rows of _footage_api_rows with their clock (footage_with_clock), `paused`, `decided_at` (the
    first decision), and `checklist`: every item in order, pending where no row was written."""
    rows = footage_with_clock(requests, today=today)
    for request in rows:
        request.paused = any(pause.ended_on is None for pause in request.pauses.all())
        request.decided_at = request.decisions[0].at if request.decisions else None
        written = {row.item: row for row in request.redaction_items.all()}
        request.checklist = [written.get(item) or _unchecked(item) for item in RedactionItem.Item]
    return rows


def _unchecked(item: str) -> RedactionItem:
    row = RedactionItem(item=item)
    row.reviewer_username = None
    return row


def footage_with_requester(reference: str) -> FootageRequest | None:
    """The request with its requester's details, for a reveal."""
    if not FOOTAGE_REFERENCE.fullmatch(reference):
        return None
    return FootageRequest.objects.filter(reference=reference).first()


# --- Statistics (read by transparency's daily aggregation) ---------------------------------------

FOOTAGE_DECISIONS = (workflow.RELEASED_FULL, workflow.RELEASED_PARTIAL, workflow.NO_FOOTAGE, workflow.DENIED)


@dataclass
class FootageStatisticsRow:
    received_on: date
    office: str | None  # the incident's field office code, else the complaint's
    status: str
    no_footage_reason: str
    decided_on: date | None  # the first decision (release, no footage, denial), local day
    started_on: date  # the day the clock started (perfected), else received
    due: date | None  # None when the clock never started


def footage_statistics_rows(*, before: date | None = None) -> list[FootageStatisticsRow]:
    """Every footage request received before that day with what the statistics need, its clock
    worked out (requests with their first decision, then pauses a chunk of 2,000 at a time). A
    request about a complaint whose filer did not agree to be counted is left out too."""
    first_decision = (
        FootageEvent.objects.filter(request=OuterRef("pk"), status__in=FOOTAGE_DECISIONS)
        .order_by("at", "id")
        .values("at")[:1]
    )
    requests = (
        FootageRequest.objects.annotate(
            office=Coalesce(F("incident__field_office__code"), F("complaint__field_office__code")),
            decided_at=Subquery(first_decision, output_field=DateTimeField()),
        )
        .filter(Q(complaint__isnull=True) | Q(complaint__consent_statistics=True))
        .only("received_on", "perfected_on", "extended_on", "status", "no_footage_reason")
        .prefetch_related("pauses")
        .order_by("id")
    )
    if before is not None:
        requests = requests.filter(received_on__lt=before)
    rows = []
    for request in requests.iterator(chunk_size=2000):
        decided = request.decided_at
        rows.append(
            FootageStatisticsRow(
                received_on=request.received_on,
                office=request.office,
                status=request.status,
                no_footage_reason=request.no_footage_reason,
                decided_on=timezone.localtime(decided).date() if decided else None,
                started_on=request.perfected_on or request.received_on,
                due=footage_due(request),
            )
        )
    return rows
