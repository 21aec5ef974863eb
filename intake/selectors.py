from django.db.models import Prefetch
from django.utils import timezone

from intake.models import Complaint, ComplaintEvent, Draft, FieldOffice
from intake.receipts import receipt_index, receipt_normalise
from privacy.crypto import blind_index


def field_offices_for_state(state: str) -> list[FieldOffice]:
    """The offices whose area covers a state: one for most states, several for TX, CA, NY."""
    state = state.strip().upper()
    return [office for office in FieldOffice.objects.filter(is_active=True) if state in office.states]


def draft_by_token(token: str) -> Draft | None:
    """A live draft by the token in its URL; an expired one is as good as gone."""
    return (
        Draft.objects.filter(token_index=blind_index(token, purpose="draft"), expires_at__gt=timezone.now())
        .select_related("complaint")
        .first()
    )


def complaint_by_receipt(receipt: str) -> Complaint | None:
    digits = receipt_normalise(receipt)
    if digits is None:
        return None
    return (
        Complaint.objects.filter(receipt_index=receipt_index(digits))
        .prefetch_related(Prefetch("events", queryset=ComplaintEvent.objects.order_by("created_at", "id")))
        .first()
    )


def status_timeline(complaint: Complaint) -> list[dict]:
    """The complaint's history in the filer's words: what happened when, newest last."""
    from intake.choices import Outcome, Status

    rows = []
    for event in complaint.events.all():
        if event.kind == ComplaintEvent.Kind.INFO_ADDED:
            rows.append({"at": event.created_at, "code": "info_added", "label": None})
            continue
        label = Status(event.status).label
        detail = Outcome(event.outcome).label if event.outcome else ""
        rows.append({"at": event.created_at, "code": event.status, "label": label, "detail": detail})
    return rows
