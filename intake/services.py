import json
import logging
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Organization
from core.errors import ApplicationError
from core.services import reference_next
from core.tasks import enqueue_on_commit
from intake import workflow
from intake.choices import Channel, ConsentMethod, FilerRole, Outcome, Status, UrgentFlag
from intake.models import (
    Allegation,
    Attachment,
    Complaint,
    ComplaintContact,
    ComplaintEvent,
    ComplaintNote,
    Draft,
    VoiceCall,
    VoiceRecording,
)
from intake.receipts import receipt_display, receipt_index, receipt_new
from intake.selectors import field_office_by_code, field_offices_for_state
from intake.sla import acknowledge_by
from intake.voice import CallState, Heard, voice_read
from messaging.addresses import address_index, address_normalise
from messaging.models import InboundMessage
from messaging.services import outbound_queue, webhook_complaint_status_changed
from privacy.attachments import CheckedFile, UploadRejected, check_upload
from privacy.crypto import blind_index
from privacy.files import encrypted_file_delete, encrypted_file_store
from privacy.services import audit_record

logger = logging.getLogger(__name__)


@dataclass
class ContactInput:
    name: str = ""
    phone: str = ""
    email: str = ""
    preferred_method: str = ""
    safe_to_message: bool = False
    best_times: str = ""
    alternate_contact: str = ""

    def is_empty(self) -> bool:
        return not (self.name or self.phone or self.email or self.alternate_contact)


@dataclass
class ComplaintInput:
    """Everything a filer can tell, whatever the channel. Codes are those of intake.choices."""

    filer_role: str
    language: str
    allegations: list[str] = field(default_factory=list)
    urgent_flags: list[str] = field(default_factory=list)
    on_behalf_consent: bool = False
    on_behalf_organization: str = ""
    incident_date: date | None = None
    date_is_approximate: bool = False
    time_of_day: str = ""
    city: str = ""
    state: str = ""
    place_type: str = ""
    field_office_code: str = ""
    agency: str = ""
    officer_count: int | None = None
    officer_names: str = ""
    badge_numbers: str = ""
    vehicle_plates: str = ""
    markings: str = ""
    officers_masked: str = ""
    body_camera_seen: str = ""
    body_camera_recording: str = ""
    adults_count: int | None = None
    children_count: int | None = None
    injuries: str = ""
    injuries_description: str = ""
    medical_care: str = ""
    taken_into_custody: str = ""
    witnesses: str = ""
    narrative: str = ""
    wants: list[str] = field(default_factory=list)
    is_anonymous: bool = True
    needs_interpreter: bool = False
    contact: ContactInput | None = None
    consent_contact: bool = False
    consent_share_oversight: bool = False
    consent_statistics: bool = False
    age_range: str = ""
    gender: str = ""
    race_ethnicity: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SubmitResult:
    complaint: Complaint
    receipt: str | None  # plain receipt, only when this call created the complaint
    created: bool


def complaint_submit(
    *,
    data: ComplaintInput,
    channel: str,
    submission_key: str,
    attachments: list[Attachment] | None = None,
    organization: Organization | None = None,
    filed_by=None,
    receipt: str | None = None,
    notify_filer: bool = True,
) -> SubmitResult:
    """The one entry point for a new complaint, from every channel.

    One transaction writes the complaint, allegations, contact, attachments, first status event,
    audit event and outbox rows. The same submission_key twice gives back the first complaint.
    A receipt already given to the filer (a web form accepted earlier) is used instead of a new one;
    a conversation gives the receipt in its own reply (notify_filer=False).
    """
    complaint_input_check(data)
    # No look-before-you-leap query: the unique submission_key refuses a second row, and the
    # savepoint below rolls the attempt back whole.
    try:
        with transaction.atomic():
            return _complaint_create(
                data=data,
                channel=channel,
                submission_key=submission_key,
                attachments=attachments or [],
                organization=organization,
                filed_by=filed_by,
                receipt=receipt or receipt_new(),
                notify_filer=notify_filer,
            )
    except IntegrityError:
        existing = Complaint.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return SubmitResult(existing, None, False)


def complaint_input_check(data: ComplaintInput) -> None:
    """The rules no channel may skip, checked before anything is written or accepted."""
    if data.filer_role == "advocate" and not data.on_behalf_consent:
        raise ApplicationError("A complaint filed on behalf of someone needs their consent.", code="consent")


def _complaint_create(
    *, data, channel, submission_key, attachments, organization, filed_by, receipt, notify_filer
) -> SubmitResult:
    field_office = field_office_by_code(data.field_office_code) if data.field_office_code else None
    contact = None if data.is_anonymous or data.contact is None or data.contact.is_empty() else data.contact
    complaint = Complaint(
        reference=reference_next(prefix="C"),
        receipt_index=receipt_index(receipt),
        submission_key=submission_key,
        channel=channel,
        language=data.language,
        filer_role=data.filer_role,
        organization=organization,
        on_behalf_organization=data.on_behalf_organization.strip() if data.filer_role == "advocate" else "",
        on_behalf_consent_at=timezone.now() if data.filer_role == "advocate" and data.on_behalf_consent else None,
        filed_by=filed_by,
        urgent_flags=sorted(set(data.urgent_flags)),
        is_urgent=bool(data.urgent_flags),
        ack_due_at=acknowledge_by(timezone.now(), urgent=bool(data.urgent_flags)),
        incident_date=data.incident_date,
        date_is_approximate=data.date_is_approximate,
        time_of_day=data.time_of_day,
        city=data.city.strip(),
        state=data.state,
        place_type=data.place_type,
        field_office=field_office,
        agency=data.agency,
        officer_count=data.officer_count,
        officer_names=data.officer_names,
        badge_numbers=data.badge_numbers,
        vehicle_plates=data.vehicle_plates,
        markings=data.markings,
        officers_masked=data.officers_masked,
        body_camera_seen=data.body_camera_seen,
        body_camera_recording=data.body_camera_recording,
        adults_count=data.adults_count,
        children_count=data.children_count,
        injuries=data.injuries,
        injuries_description=data.injuries_description,
        medical_care=data.medical_care,
        taken_into_custody=data.taken_into_custody,
        witnesses=data.witnesses,
        narrative=data.narrative,
        wants=sorted(set(data.wants)),
        is_anonymous=contact is None,
        needs_interpreter=data.needs_interpreter,
        consent_contact=data.consent_contact and contact is not None,
        consent_share_oversight=data.consent_share_oversight,
        consent_statistics=data.consent_statistics,
        age_range=data.age_range,
        gender=data.gender,
        race_ethnicity=sorted(set(data.race_ethnicity)),
    )
    # The related rows were just looked up; validating them again would cost a query each.
    complaint.full_clean(exclude=["field_office", "organization", "filed_by"], validate_unique=False)
    complaint.save()
    Allegation.objects.bulk_create(
        [Allegation(complaint=complaint, kind=kind) for kind in sorted(set(data.allegations))]
    )
    if contact is not None:
        ComplaintContact.objects.create(
            complaint=complaint,
            name=contact.name,
            phone=contact.phone,
            phone_index=address_index("sms", contact.phone) if contact.phone else "",
            email=contact.email,
            email_index=address_index("email", contact.email) if contact.email else "",
            preferred_method=contact.preferred_method,
            safe_to_message=contact.safe_to_message,
            best_times=contact.best_times,
            alternate_contact=contact.alternate_contact,
        )
    if attachments:
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(complaint=complaint, draft=None)
    ComplaintEvent.objects.create(complaint=complaint, status=Status.RECEIVED, actor=filed_by)
    audit_record(
        actor=filed_by,
        action="complaint.submitted",
        obj=complaint,
        reference=complaint.reference,
        data={"channel": channel, "urgent": complaint.is_urgent, "attachments": len(attachments)},
    )
    if notify_filer:
        _notify_filer(complaint, contact, receipt)
    if complaint.is_urgent:
        _notify_staff_urgent(complaint)
    return SubmitResult(complaint, receipt, True)


def _notify_filer(complaint: Complaint, contact: ContactInput | None, receipt: str) -> None:
    if contact is None or not complaint.consent_contact or not contact.safe_to_message:
        return
    use_email = contact.email and (contact.preferred_method == "email" or not contact.phone)
    channel = "email" if use_email else ("whatsapp" if contact.preferred_method == "whatsapp" else "sms")
    to = contact.email if use_email else contact.phone
    if not to:
        return
    if channel == "whatsapp":
        to = f"whatsapp:{to}"
    with translation.override(complaint.language):
        context = {"receipt": receipt_display(receipt), "site": settings.PUBLIC_BASE_URL}
        body = render_to_string("intake/messages/receipt.txt", context).strip()
        subject = render_to_string("intake/messages/receipt_subject.txt", context).strip() if use_email else ""
    outbound_queue(
        channel=channel,
        to=to,
        body=body,
        subject=subject,
        language=complaint.language,
        purpose="complaint.receipt",
        object_ref=complaint.reference,
        sensitive=True,
    )


def _notify_staff_urgent(complaint: Complaint) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        flags = [str(UrgentFlag(flag).label) for flag in complaint.urgent_flags]
        context = {"complaint": complaint, "flags": flags, "site": settings.PUBLIC_BASE_URL}
        body = render_to_string("intake/messages/urgent_staff.txt", context).strip()
        subject = render_to_string("intake/messages/urgent_staff_subject.txt", context).strip()
    outbound_queue(
        channel="email",
        to=settings.STAFF_ONDUTY_EMAIL,
        body=body,
        subject=subject,
        language=settings.LANGUAGE_CODE,
        purpose="complaint.urgent_staff",
        object_ref=complaint.reference,
    )


@transaction.atomic
def complaint_change_status(
    *, complaint: Complaint, status: str, outcome: str = "", actor=None, version: int | None = None
) -> Complaint:
    """Moves a complaint along the workflow table. Staff pages pass the version they showed: a
    page made stale by someone else's change is refused (code "stale"), never overwritten."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if version is not None and version != complaint.version:
        raise ApplicationError("Someone else changed this complaint. Reload the page.", code="stale")
    if not workflow.can_move(complaint.status, status):
        raise ApplicationError(f"A complaint cannot move from {complaint.status} to {status}.", code="transition")
    if status == Status.CLOSED and (not outcome or outcome not in Outcome.values):
        raise ApplicationError("Closing a complaint needs an outcome.", code="outcome")
    old = complaint.status
    complaint.status = status
    complaint.outcome = outcome if status == Status.CLOSED else ""
    complaint.version += 1
    fields = ["status", "outcome", "version", "updated_at"]
    if complaint.acknowledged_at is None and old == Status.RECEIVED:
        complaint.acknowledged_at = timezone.now()
        fields.append("acknowledged_at")
    complaint.save(update_fields=fields)
    event = ComplaintEvent.objects.create(complaint=complaint, status=status, outcome=complaint.outcome, actor=actor)
    webhook_complaint_status_changed(  # the organisation it was filed for hears of it (webhooks out)
        organization_id=complaint.organization_id,
        reference=complaint.reference,
        status=status,
        previous_status=old,
        outcome=complaint.outcome,
        changed_at=event.created_at,
    )
    audit_record(
        actor=actor,
        action="complaint.status_changed",
        obj=complaint,
        reference=complaint.reference,
        data={"from": old, "to": status, "outcome": complaint.outcome},
    )
    return complaint


@transaction.atomic
def complaint_withdraw(*, complaint: Complaint) -> Complaint:
    """The filer takes the complaint back. Twice (a double click) is the same as once."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.is_closed:
        return complaint
    return complaint_change_status(complaint=complaint, status=Status.CLOSED, outcome=Outcome.WITHDRAWN)


@transaction.atomic
def complaint_add_information(
    *, complaint: Complaint, text: str, files: list[tuple[CheckedFile, str]] | None = None
) -> Complaint:
    """More words or files from the filer after submission (from the status page)."""
    if complaint.is_closed:
        raise ApplicationError("This complaint is closed.", code="closed")
    files = files or []
    if not text.strip() and not files:
        raise ApplicationError("Nothing to add.", code="empty")
    stored = complaint.attachments.aggregate(total=Sum("size"))["total"] or 0
    if stored + sum(checked.size for checked, _name in files) > settings.ATTACHMENT_MAX_TOTAL_BYTES:
        raise UploadRejected("total_too_large")
    if text.strip():
        ComplaintNote.objects.create(complaint=complaint, text=text.strip())
    for checked, name in files:
        attachment_store(checked=checked, original_name=name, complaint=complaint)
    ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.INFO_ADDED, status=complaint.status)
    # A partner syncing by updated_at sees the complaint changed.
    Complaint.objects.filter(pk=complaint.pk).update(updated_at=timezone.now())
    audit_record(
        action="complaint.info_added",
        obj=complaint,
        reference=complaint.reference,
        data={"text": bool(text.strip()), "files": len(files)},
    )
    return complaint


def attachment_store(
    *, checked: CheckedFile, original_name: str, complaint: Complaint | None = None, draft: Draft | None = None
) -> Attachment:
    original = encrypted_file_store(checked.original, folder="originals")
    clean = encrypted_file_store(checked.clean, folder="clean") if checked.clean is not None else ""
    attachment = Attachment(
        complaint=complaint,
        draft=draft,
        kind=checked.kind,
        content_type=checked.content_type,
        original_name=original_name[:255],
        size=checked.size,
        sha256=checked.sha256,
        original_file=original,
        clean_file=clean,
    )
    try:
        attachment.save()
    except Exception:
        encrypted_file_delete(original)
        encrypted_file_delete(clean)
        raise
    return attachment


def attachment_delete(*, attachment: Attachment) -> None:
    names = [attachment.original_file, attachment.clean_file]
    attachment.delete()
    transaction.on_commit(lambda: [encrypted_file_delete(name) for name in names])


# Drafts of the web form ------------------------------------------------------------------------


def draft_start(*, language: str) -> tuple[Draft, str]:
    token = secrets.token_urlsafe(24)
    draft = Draft.objects.create(
        token_index=blind_index(token, purpose="draft"),
        language=language,
        expires_at=timezone.now() + timedelta(hours=settings.DRAFT_TTL_HOURS),
    )
    return draft, token


def draft_answers(draft: Draft) -> dict:
    return json.loads(draft.answers or "{}")


def draft_save_step(*, draft: Draft, step: str, answers: dict) -> Draft:
    """Keep a step's answers; whatever the review page checked before no longer holds. A draft
    sent meanwhile (another tab) keeps what was sent."""
    stored = draft_answers(draft)
    stored[step] = answers
    draft.answers = json.dumps(stored)
    Draft.objects.filter(pk=draft.pk, submitted_at__isnull=True).update(
        answers=draft.answers, answers_version=F("answers_version") + 1
    )
    return draft


def draft_add_attachment(*, draft: Draft, checked: CheckedFile, original_name: str) -> Attachment:
    with transaction.atomic():
        draft = Draft.objects.select_for_update().filter(pk=draft.pk, submitted_at__isnull=True).first()
        if draft is None:  # sent (or its number saved) from another tab meanwhile
            raise UploadRejected("closed")
        stored = draft.attachments.aggregate(total=Sum("size"))["total"] or 0
        if stored + checked.size > settings.ATTACHMENT_MAX_TOTAL_BYTES:
            raise UploadRejected("total_too_large")
        return attachment_store(checked=checked, original_name=original_name, draft=draft)


def draft_remove_attachment(*, draft: Draft, attachment_id: int) -> None:
    attachment = draft.attachments.filter(pk=attachment_id, draft__submitted_at__isnull=True).first()
    if attachment is not None:
        attachment_delete(attachment=attachment)


def _input_dump(data: ComplaintInput) -> str:
    dumped = asdict(data)
    dumped["incident_date"] = data.incident_date.isoformat() if data.incident_date else None
    return json.dumps(dumped)


def _input_load(text: str) -> ComplaintInput:
    dumped = json.loads(text)
    contact = dumped.pop("contact")
    incident_date = dumped.pop("incident_date")
    return ComplaintInput(
        **dumped,
        contact=ContactInput(**contact) if contact else None,
        incident_date=date.fromisoformat(incident_date) if incident_date else None,
    )


def reviewed_submission(data: ComplaintInput) -> str:
    """The input as a draft keeps it between review and filing."""
    return _input_dump(data)


def draft_remember_review(*, draft: Draft, data: ComplaintInput) -> None:
    """The review page found every step valid: keep the input it built from these answers, so
    that sending it is one UPDATE (draft_submit_reviewed). An answer saved since then (another
    tab) changes the version, and the input kept is not used."""
    try:
        complaint_input_check(data)
    except ApplicationError:
        return
    Draft.objects.filter(pk=draft.pk, submitted_at__isnull=True, answers_version=draft.answers_version).update(
        submission=reviewed_submission(data), reviewed_version=draft.answers_version
    )


def _accept(drafts, changes: dict) -> bool:
    """Mark a draft sent, with a new receipt, once: a second try (double click, back button, a
    retry after a lost response) changes nothing and the first receipt is shown again."""
    receipt = receipt_new()
    now = timezone.now()
    accepted = drafts.filter(submitted_at__isnull=True).update(
        submitted_at=now,
        receipt=receipt,
        receipt_index=receipt_index(receipt),
        # The number is shown for a short while only, whatever was left of the draft's 24 hours.
        expires_at=now + timedelta(minutes=settings.RECEIPT_SHOWN_MINUTES),
        **changes,
    )
    if accepted and settings.INTAKE_FILE_ON_COMMIT:
        from intake.tasks import drafts_file_pending_task

        enqueue_on_commit(drafts_file_pending_task)
    return bool(accepted)


def draft_submit_reviewed(*, token: str) -> bool:
    """Send the draft of this token with the input its review page kept: one UPDATE, nothing to
    check again. False when there is none (not reviewed, changed since, sent, or expired).

    The request only accepts; beat's sweep (drafts_file_pending) files it as a complaint within
    seconds, so a burst costs each filer one row write, and a broker outage costs nothing.
    """
    drafts = Draft.objects.filter(
        token_index=blind_index(token, purpose="draft"),
        expires_at__gt=timezone.now(),
        reviewed_version=F("answers_version"),
    )
    return _accept(drafts, {})


def draft_submit(*, draft: Draft, data: ComplaintInput) -> None:
    """Send a draft with the input checked now (the review page was not shown, or is stale)."""
    complaint_input_check(data)
    _accept(Draft.objects.filter(pk=draft.pk), {"submission": reviewed_submission(data)})


@transaction.atomic
def draft_file(*, draft_id) -> Complaint | None:
    """File an accepted draft as a complaint, once, however many workers or sweeps try."""
    draft = (
        Draft.objects.select_for_update(skip_locked=True)
        .filter(pk=draft_id, submitted_at__isnull=False, complaint__isnull=True)
        .first()
    )
    if draft is None:
        return None
    result = complaint_submit(
        data=_input_load(draft.submission),
        channel="web",
        submission_key=f"web:{draft.pk}",
        attachments=list(draft.attachments.all()),
        receipt=draft.receipt,
    )
    if draft.expires_at <= timezone.now():
        draft.delete()  # the filer has saved their number already; the attachments are the complaint's
    else:
        draft.complaint = result.complaint
        draft.answers, draft.submission = "{}", ""
        draft.save(update_fields=["complaint", "answers", "submission"])
    return result.complaint


FILING_ATTEMPTS = 5
FILING_RETRY_AFTER = timedelta(hours=1)
SWEEP_LOCK = "intake:filing-sweep"


def drafts_file_pending(*, seconds: float = 50) -> int:
    """File the drafts accepted and not filed yet, oldest first, for at most `seconds`. Beat runs
    it every few seconds; one sweep runs at a time (filing takes the reference counter's lock, so
    more would only wait). A draft that fails is logged and passed over; after five failures it
    is tried once an hour, so one bad draft never holds back the others."""
    try:
        if not cache.add(SWEEP_LOCK, "1", timeout=int(seconds) + 30):
            return 0
    except Exception:
        logger.warning("filing sweep runs without its lock: cache unavailable")
    try:
        return _sweep(seconds)
    finally:
        try:
            cache.delete(SWEEP_LOCK)
        except Exception:
            logger.warning("filing sweep lock not released: cache unavailable")


def _sweep(seconds: float) -> int:
    began, now = time.monotonic(), timezone.now()
    pending = (
        Draft.objects.filter(submitted_at__isnull=False, complaint__isnull=True)
        .filter(Q(filing_attempts__lt=FILING_ATTEMPTS) | Q(filing_tried_at__lt=now - FILING_RETRY_AFTER))
        .order_by("submitted_at", "pk")
    )
    filed, after = 0, None
    while time.monotonic() - began < seconds:
        page = (
            pending
            if after is None
            else pending.filter(Q(submitted_at__gt=after[0]) | Q(submitted_at=after[0], pk__gt=after[1]))
        )
        batch = list(page.values_list("submitted_at", "pk")[:100])
        if not batch:
            break
        for submitted_at, draft_id in batch:
            after = (submitted_at, draft_id)
            try:
                filed += draft_file(draft_id=draft_id) is not None
            except Exception:
                attempts = _filing_failed(draft_id)
                log = logger.error if attempts >= FILING_ATTEMPTS else logger.warning
                log("draft %s not filed (attempt %s)", draft_id, attempts, exc_info=True)
            if time.monotonic() - began >= seconds:
                break
    return filed


def _filing_failed(draft_id) -> int:
    Draft.objects.filter(pk=draft_id).update(filing_attempts=F("filing_attempts") + 1, filing_tried_at=timezone.now())
    return Draft.objects.filter(pk=draft_id).values_list("filing_attempts", flat=True).first() or 0


def draft_receipt_saved(*, draft: Draft) -> None:
    """The filer has their number: forget it and the draft. One not filed yet is no longer shown,
    and draft_file deletes it once filed (the receipt goes in the filer's message, if any)."""
    deleted, _rows = Draft.objects.filter(pk=draft.pk, complaint__isnull=False).delete()
    if not deleted:
        Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now())


def drafts_purge_expired(*, now=None) -> int:
    """Delete drafts past their time, with the files uploaded to them (never a complaint's, and
    never a draft accepted and not yet filed)."""
    now = now or timezone.now()
    count = 0
    expired = Draft.objects.filter(expires_at__lte=now).exclude(submitted_at__isnull=False, complaint__isnull=True)
    for draft_id in expired.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            draft = expired.select_for_update(skip_locked=True).filter(pk=draft_id).first()
            if draft is None:
                continue
            for attachment in Attachment.objects.filter(draft=draft, complaint__isnull=True):
                attachment_delete(attachment=attachment)
            draft.delete()
        count += 1
    return count


# Conversations (SMS, WhatsApp): the complaint flow's actions ----------------------------------


def conversation_file(state: dict, context) -> list:
    """File what a conversation collected; the reply carries the receipt."""
    from intake.conversation import FILED, FILED_BEFORE
    from messaging.addresses import address_normalise
    from messaging.flows import Reply

    found = state["answers"]
    offices = field_offices_for_state(found.get("state", "")) if found.get("state") else []
    contact = None
    if found.get("contact"):
        contact = ContactInput(
            phone=address_normalise(context.channel, context.address),
            preferred_method="whatsapp" if context.channel == "whatsapp" else "sms",
            safe_to_message=True,
        )
    data = ComplaintInput(
        filer_role=found["filer_role"],
        language=state["language"],
        allegations=found.get("allegations", []),
        incident_date=date.fromisoformat(found["incident_date"]) if found.get("incident_date") else None,
        city=found.get("city", ""),
        state=found.get("state", ""),
        field_office_code=offices[0].code if len(offices) == 1 else "",
        body_camera_seen=found.get("body_camera_seen", ""),
        body_camera_recording=found.get("body_camera_recording", ""),
        children_count=found.get("children_count"),
        narrative=found.get("narrative", ""),
        is_anonymous=contact is None,
        contact=contact,
        consent_contact=contact is not None,
    )
    result = complaint_submit(
        data=data,
        channel=context.channel,
        # Opaque: the key must not lead from an anonymous complaint back to the phone's messages.
        submission_key=f"{context.channel}:{blind_index(str(context.message_id), purpose='submission')[:40]}",
        notify_filer=False,
    )
    if not result.created:
        return [Reply(str(FILED_BEFORE))]
    from intake.tasks import complaint_media_attach_task

    media = state.get("media", [])
    if media:
        Complaint.objects.filter(pk=result.complaint.pk).update(media_pending=media)
    for url in media:
        enqueue_on_commit(complaint_media_attach_task, result.complaint.pk, url)
    return [Reply(str(FILED) % {"receipt": receipt_display(result.receipt)}, sensitive=True)]


def complaint_media_attach(*, complaint_id: int, url: str, keep_refused: bool = False) -> Attachment | None:
    """Fetch a photo or file a person sent by MMS or WhatsApp (or a call's recording), check it
    like a web upload, attach it, then delete it from Twilio. A file refused (type, size, another
    host) is not kept; with keep_refused (a caller's recording: their only words) it is left at
    Twilio for staff, and logged as an error."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from messaging.tasks import media_delete_task
    from messaging.transports import TransportError, media_fetch

    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None:
        return None
    if not keep_refused and url not in complaint.media_pending:
        return None  # attached or refused already (a task sent twice, or by the sweep too)
    try:
        data = media_fetch(url)
        checked = check_upload(SimpleUploadedFile("media", data))
    except TransportError as problem:
        if not problem.permanent:
            raise  # the task tries again later
        if keep_refused:
            logger.error("recording for %s not fetched, left at Twilio: %s", complaint.reference, problem)
            return None
        logger.warning("media for %s not fetched: %s", complaint.reference, problem)
        _media_done(complaint_id, url)
        enqueue_on_commit(media_delete_task, url)
        return None
    except UploadRejected as rejected:
        if keep_refused:
            logger.error("recording for %s refused, left at Twilio: %s", complaint.reference, rejected.code)
            return None
        logger.info("media for %s refused: %s", complaint.reference, rejected.code)
        _media_done(complaint_id, url)
        enqueue_on_commit(media_delete_task, url)
        return None
    with transaction.atomic():
        # A task run again (its delete at Twilio failed after the attach) attaches nothing twice.
        complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
        attachment = complaint.attachments.filter(sha256=checked.sha256).first()
        if attachment is None:
            attachment = attachment_store(checked=checked, original_name="", complaint=complaint)
            audit_record(actor=None, action="complaint.media_attached", obj=complaint, reference=complaint.reference)
        _media_done(complaint_id, url)
        enqueue_on_commit(media_delete_task, url)
    return attachment


def _media_done(complaint_id: int, url: str) -> None:
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().only("pk", "media_pending").get(pk=complaint_id)
        if url in complaint.media_pending:
            complaint.media_pending = [pending for pending in complaint.media_pending if pending != url]
            complaint.save(update_fields=["media_pending"])


MEDIA_PENDING_QUIET = timedelta(minutes=10)


def media_pending_sweep(*, now=None) -> int:
    """Beat's sweep: a photo sent by MMS or WhatsApp still not fetched ten minutes after its
    complaint (its task lost with the broker or a worker, or its tries spent while Twilio failed)
    is tried again; after RETENTION_CONVERSATION_DAYS, when Twilio's copy is deleted with the
    conversation, it is given up, loudly. Returns how many were sent to be tried."""
    from intake.tasks import complaint_media_attach_task

    now = now or timezone.now()
    pending = Complaint.objects.exclude(media_pending=[]).filter(created_at__lt=now - MEDIA_PENDING_QUIET)
    gone = now - timedelta(days=settings.RETENTION_CONVERSATION_DAYS)
    tried = 0
    for complaint_id, reference, urls, created_at in pending.values_list(
        "pk", "reference", "media_pending", "created_at"
    )[:500]:
        if created_at < gone:
            logger.error(
                "media for %s never fetched, given up after %s days", reference, settings.RETENTION_CONVERSATION_DAYS
            )
            Complaint.objects.filter(pk=complaint_id).update(media_pending=[])
            continue
        for url in urls:
            complaint_media_attach_task.delay(complaint_id, url)
            tried += 1
    return tried


def conversation_status(value: str) -> list:
    """Answer STATUS <receipt> in a few discreet words."""
    from intake.conversation import STATUS_NOW
    from intake.selectors import complaint_by_receipt, receipt_is_pending
    from messaging.flows import Reply

    complaint = complaint_by_receipt(value)
    if complaint is not None:
        return [Reply(str(STATUS_NOW) % {"status": complaint.get_status_display()})]
    if receipt_is_pending(value):
        return [Reply(str(STATUS_NOW) % {"status": Status.RECEIVED.label})]
    return [Reply(gettext("We could not find a complaint with this number. Check the digits and try again."))]


def email_file(*, text_language: str, context) -> list:
    """File an email as a complaint: its words, its files once checked like web uploads, the
    sender's address as the contact. The reply is in the email's language when that can be told,
    else in English and Spanish."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from messaging.flows import Reply
    from privacy.attachments import check_upload
    from privacy.files import encrypted_file_read

    body = InboundMessage.objects.get(pk=context.message_id).body
    kept = []
    for item in context.media:
        if "file" not in item:
            continue
        try:
            upload = SimpleUploadedFile(item["filename"] or "attachment", encrypted_file_read(item["file"]))
            kept.append(attachment_store(checked=check_upload(upload), original_name=item["filename"]))
        except UploadRejected as rejected:
            logger.info("email attachment refused: %s", rejected.code)
    transaction.on_commit(lambda: [encrypted_file_delete(item["file"]) for item in context.media if "file" in item])
    language = text_language or settings.LANGUAGE_CODE
    result = complaint_submit(
        data=ComplaintInput(
            filer_role=FilerRole.UNKNOWN,
            language=language,
            narrative=body,
            is_anonymous=len(context.address) > 254,
            contact=ContactInput(email=context.address, preferred_method="email", safe_to_message=True)
            if len(context.address) <= 254
            else None,
            consent_contact=len(context.address) <= 254,
        ),
        channel="email",
        submission_key=f"email:{blind_index(str(context.message_id), purpose='submission')[:40]}",
        attachments=kept,
        notify_filer=False,
    )
    if not result.created or len(context.address) > 254:
        return []
    languages = [text_language] if text_language else [settings.LANGUAGE_CODE, "es"]
    bodies, subjects = [], []
    for code in languages:
        with translation.override(code):
            context_ = {"receipt": receipt_display(result.receipt), "site": settings.PUBLIC_BASE_URL}
            bodies.append(render_to_string("intake/messages/receipt.txt", context_).strip())
            subjects.append(render_to_string("intake/messages/receipt_subject.txt", context_).strip())
    return [Reply("\n\n".join(bodies), sensitive=True, subject=" / ".join(subjects))]


# Phone calls (intake/voice.py): the complaint line's actions -------------------------------------

# Caller IDs carriers send for a hidden number: nobody to call or text back.
ANONYMOUS_CALLERS = {"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"}
CALL_ENDED = {"completed", "busy", "no-answer", "failed", "canceled"}
STALE_CALL = timedelta(hours=1)
RECORDING_SID = re.compile(r"RE[0-9A-Za-z]{32}")
RECORDING_STATUS = {
    "completed": VoiceRecording.Status.READY,
    "absent": VoiceRecording.Status.ABSENT,
    "failed": VoiceRecording.Status.FAILED,
}
FINAL_RECORDING = {VoiceRecording.Status.ATTACHED, VoiceRecording.Status.REFUSED}


@dataclass(frozen=True)
class RecordingInput:
    kind: str
    sid: str
    url: str
    status: str = ""  # Twilio's RecordingStatus; "" from a <Record> action (may not be ready yet)
    duration: int | None = None


@dataclass(frozen=True)
class VoiceAnswer:
    """What the webhook answers with: the call's current step, and notes to say first."""

    state: CallState
    turn: int
    notes: list[str]
    receipt: str
    ended: bool


def _call_phone(number: str) -> str:
    phone = address_normalise("sms", number or "")
    return phone if re.fullmatch(r"\+\d{8,15}", phone) and phone not in ANONYMOUS_CALLERS else ""


def _call_key(call_sid: str) -> str:
    """Calls are found by a keyed hash of their CallSid: Twilio's call log has the caller's
    number, so the plain CallSid beside a complaint would lead back to an anonymous caller."""
    return blind_index(call_sid, purpose="voice_call")


def _call_locked(call_sid: str, from_number: str = "") -> VoiceCall:
    """The call's row, made on its first callback, locked until the transaction ends."""
    key = _call_key(call_sid)
    call = VoiceCall.objects.select_for_update().filter(call_sid=key).first()
    if call is not None:
        return call
    try:
        with transaction.atomic():
            VoiceCall.objects.create(call_sid=key, from_number=_call_phone(from_number))
    except IntegrityError:
        pass  # the same callback, retried at the same moment
    return VoiceCall.objects.select_for_update().get(call_sid=key)


def _call_state(call: VoiceCall) -> CallState:
    return CallState(
        step=call.step,
        tries=call.tries,
        language=call.language,
        needs_interpreter=call.needs_interpreter,
        answers=dict(call.answers),
        can_call_back=bool(call.from_number),
    )


def _answer(call: VoiceCall, notes: list[str]) -> VoiceAnswer:
    return VoiceAnswer(
        state=_call_state(call),
        turn=call.turn,
        notes=notes,
        receipt=call.receipt,
        ended=call.status == VoiceCall.Status.INCOMPLETE,
    )


@transaction.atomic
def voice_call_answer(
    *,
    call_sid: str,
    from_number: str = "",
    step: str | None = None,
    turn: int | None = None,
    heard: Heard | None = None,
    recording: RecordingInput | None = None,
) -> VoiceAnswer:
    """One webhook of a call: its start (no step) or what was heard at a step. Only an answer to
    the call's current step and turn moves it on; anything else (Twilio retrying a callback) gets
    the current step again and changes nothing. Reaching the end files the complaint."""
    call = _call_locked(call_sid, from_number)
    if recording is not None:
        _recording_keep(call, recording)
    notes: list[str] = []
    if call.status == VoiceCall.Status.IN_PROGRESS and step == call.step and turn == call.turn:
        state, notes = voice_read(_call_state(call), heard or Heard())
        call.step, call.tries, call.answers = state.step, state.tries, state.answers
        call.language, call.needs_interpreter = state.language, state.needs_interpreter
        call.turn += 1
        fields = ["step", "tries", "answers", "language", "needs_interpreter", "turn", "updated_at"]
        if call.step == "done" and call.complaint_id is None:
            _voice_call_file(call, finished=True)
            call.from_number = ""  # copied to the complaint if the caller agreed; not kept here
            fields += ["complaint", "status", "receipt", "from_number"]
        call.save(update_fields=fields)
    return _answer(call, notes)


@transaction.atomic
def voice_recording_received(*, call_sid: str, recording: RecordingInput) -> None:
    """Twilio's recording callback: kept once per RecordingSid, fetched once ready. A recording
    of a call that already ended without a complaint files one: nothing a caller said is lost."""
    call = _call_locked(call_sid)
    _recording_keep(call, recording)
    if call.status == VoiceCall.Status.INCOMPLETE and call.complaint_id is None and _call_worth_filing(call):
        _voice_call_file(call, finished=False)
        call.save(update_fields=["complaint", "updated_at"])


@transaction.atomic
def voice_call_ended(*, call_sid: str, call_status: str) -> None:
    """Twilio's call status callback. A call that ends before its last step is filed as it is."""
    if call_status not in CALL_ENDED:
        return
    call = VoiceCall.objects.select_for_update().filter(call_sid=_call_key(call_sid)).first()
    if call is not None:
        _call_end(call)


def _call_end(call: VoiceCall) -> None:
    call.ended_at = call.ended_at or timezone.now()
    call.receipt = ""
    fields = ["ended_at", "receipt", "status", "from_number", "updated_at"]
    if call.status == VoiceCall.Status.IN_PROGRESS:
        call.status = VoiceCall.Status.INCOMPLETE
        if call.complaint_id is None and _call_worth_filing(call):
            _voice_call_file(call, finished=False)
            fields.append("complaint")
    call.from_number = ""  # the caller's number is kept only while the call lasts
    call.save(update_fields=fields)


def _call_worth_filing(call: VoiceCall) -> bool:
    """A caller who hung up at the language menu said nothing yet: no complaint for that."""
    return call.step != "menu" or call.recordings.exists()


def _voice_call_file(call: VoiceCall, *, finished: bool) -> None:
    """File the call's complaint, once (the submission key comes from the CallSid)."""
    answers = call.answers
    phone = call.from_number if answers.get("contact") == "yes" else ""
    contact = ContactInput(phone=phone, preferred_method="call", safe_to_message=True) if phone else None
    result = complaint_submit(
        data=ComplaintInput(
            filer_role=FilerRole.UNKNOWN,
            language=call.language or settings.LANGUAGE_CODE,
            needs_interpreter=call.needs_interpreter,
            urgent_flags=[UrgentFlag.IN_DANGER] if answers.get("danger") == "yes" else [],
            body_camera_seen=answers.get("camera", ""),
            is_anonymous=contact is None,
            contact=contact,
            consent_contact=contact is not None,
        ),
        channel="voice",
        # Opaque: the key must not lead from an anonymous complaint back to the call.
        submission_key=f"voice:{blind_index(call.call_sid, purpose='submission')[:40]}",
    )
    call.complaint = result.complaint
    if finished:
        call.status = VoiceCall.Status.COMPLETED
        call.receipt = result.receipt or ""
    elif result.created:
        ComplaintEvent.objects.create(
            complaint=result.complaint, kind=ComplaintEvent.Kind.CALL_DROPPED, status=result.complaint.status
        )
    from intake.tasks import voice_recording_attach_task

    for recording_id in call.recordings.filter(status=VoiceRecording.Status.READY).values_list("pk", flat=True):
        enqueue_on_commit(voice_recording_attach_task, recording_id)


def _recording_keep(call: VoiceCall, recording: RecordingInput) -> None:
    from intake.tasks import voice_recording_attach_task
    from messaging.transports import media_url_allowed

    if not RECORDING_SID.fullmatch(recording.sid):
        logger.warning("recording of call %s without a RecordingSid", call.pk)
        return
    allowed = bool(recording.url) and media_url_allowed(recording.url)
    if recording.url and not allowed:
        logger.warning("recording of call %s refused: URL not on Twilio's host for our account", call.pk)
    status = RECORDING_STATUS.get(recording.status, VoiceRecording.Status.PENDING)
    if status == VoiceRecording.Status.READY and not allowed:
        status = VoiceRecording.Status.REFUSED if recording.url else VoiceRecording.Status.PENDING
    kept, created = VoiceRecording.objects.get_or_create(
        recording_sid=recording.sid,
        defaults={
            "call": call,
            "kind": recording.kind,
            "url": recording.url if allowed else "",
            "duration": recording.duration,
            "status": status,
        },
    )
    if not created:
        if kept.call_id != call.pk or kept.status in FINAL_RECORDING:
            return
        fields = []
        if allowed and not kept.url:
            kept.url = recording.url
            fields.append("url")
        if status != VoiceRecording.Status.PENDING and status != kept.status:
            kept.status = status
            fields.append("status")
        if recording.duration is not None and kept.duration is None:
            kept.duration = recording.duration
            fields.append("duration")
        if not fields:
            return
        kept.save(update_fields=[*fields, "updated_at"])
    if kept.status == VoiceRecording.Status.READY and call.complaint_id is not None:
        enqueue_on_commit(voice_recording_attach_task, kept.pk)


def voice_recording_attach(*, recording_id: int) -> Attachment | None:
    """Fetch a call's recording into an encrypted attachment of its complaint, then delete it from
    Twilio. One refused or gone is left at Twilio and logged: it is the caller's only words."""
    recording = VoiceRecording.objects.select_related("call").filter(pk=recording_id).first()
    if recording is None or recording.status in FINAL_RECORDING or not recording.url:
        return None
    if recording.call.complaint_id is None:
        return None
    attachment = complaint_media_attach(complaint_id=recording.call.complaint_id, url=recording.url, keep_refused=True)
    if attachment is not None:
        try:
            with transaction.atomic():
                VoiceRecording.objects.filter(pk=recording.pk).update(
                    attachment=attachment, status=VoiceRecording.Status.ATTACHED, updated_at=timezone.now()
                )
        except IntegrityError:  # the same bytes as another recording of the call: kept once
            VoiceRecording.objects.filter(pk=recording.pk).update(
                status=VoiceRecording.Status.ATTACHED, updated_at=timezone.now()
            )
    return attachment


def voice_calls_sweep(*, now=None) -> int:
    """Beat's sweep: a call Twilio never said the end of, quiet for an hour, is filed as it is;
    a completed call's receipt is forgotten; a recording whose callback never came, or whose fetch
    failed, is tried again for two hours."""
    from intake.tasks import voice_recording_attach_task

    now = now or timezone.now()
    quiet = VoiceCall.objects.filter(ended_at__isnull=True, updated_at__lt=now - STALE_CALL)
    ended = 0
    for call_id in quiet.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            call = quiet.select_for_update(skip_locked=True).filter(pk=call_id).first()
            if call is not None:
                _call_end(call)
                ended += 1
    waiting = VoiceRecording.objects.filter(
        status__in=[VoiceRecording.Status.PENDING, VoiceRecording.Status.READY],
        call__complaint__isnull=False,
        updated_at__range=(now - 2 * STALE_CALL, now - timedelta(minutes=10)),
    ).exclude(url="")
    for recording_id in waiting.values_list("pk", flat=True)[:500]:
        voice_recording_attach_task.delay(recording_id)
    # A call that ended without a word said (a hang-up at the menu) is forgotten like an
    # unfinished SMS conversation.
    forgotten = now - timedelta(days=settings.RETENTION_CONVERSATION_DAYS)
    VoiceCall.objects.filter(complaint__isnull=True, ended_at__lt=forgotten, recordings__isnull=True).delete()
    return ended


# --- API ---

# A partner's clock may run a little ahead of ours.
CONSENT_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ConsentRecord:
    """How an organisation's member obtained the person's consent to file for them."""

    method: str  # intake.choices.ConsentMethod
    obtained_at: datetime
    obtained_by: str  # the name of the advocate who obtained it


@transaction.atomic
def complaint_submit_on_behalf(
    *, data: ComplaintInput, consent: ConsentRecord, organization: Organization, filed_by, submission_key: str
) -> SubmitResult:
    """An organisation's member files for a person through the API: the complaint as
    complaint_submit writes it, with the consent record (when, how and by whom consent was
    obtained). The caller has checked that `filed_by` is a member of `organization`. The same
    submission key again gives back the first complaint, unchanged."""
    if consent.method not in ConsentMethod.values or not consent.obtained_by.strip():
        raise ApplicationError("A complaint filed on behalf of someone needs their consent.", code="consent")
    if consent.obtained_at > timezone.now() + CONSENT_CLOCK_SKEW:
        raise ApplicationError("Consent cannot be obtained in the future.", code="consent")
    result = complaint_submit(
        data=data,
        channel=Channel.API,
        submission_key=submission_key,
        organization=organization,
        filed_by=filed_by,
    )
    if result.created:
        complaint = result.complaint
        complaint.on_behalf_consent_at = consent.obtained_at
        complaint.on_behalf_consent_method = consent.method
        complaint.on_behalf_consent_by = consent.obtained_by.strip()
        complaint.save(update_fields=["on_behalf_consent_at", "on_behalf_consent_method", "on_behalf_consent_by"])
    return result


# --- Retention ---

PURGE_BATCH = 200
# Staff's own messages about a complaint (the on-duty alert: reference and flags) hold nothing of
# the filer's and stay.
STAFF_PURPOSES = ("complaint.urgent_staff",)


def complaints_purge_contact(*, now: datetime | None = None, seconds: float = 240) -> int:
    """Erase the filer's contact details from complaints closed more than RETENTION_CONTACT_DAYS
    ago (closed: the last status event that closed them), once each, with an audit event; for at
    most `seconds` (beat runs it daily; what is left waits for the next run). Returns how many."""
    from django.db.models import Max  # here, so this section needs no shared import line

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_CONTACT_DAYS)
    began = time.monotonic()
    try:
        _conversations_forget(cutoff=cutoff, until=began + seconds / 2)
    except Exception:
        logger.exception("old conversation messages not forgotten; the next run tries again")
    closing = Q(events__kind=ComplaintEvent.Kind.STATUS, events__status=Status.CLOSED)
    due = (
        Complaint.objects.filter(status=Status.CLOSED, contact_purged_at__isnull=True)
        .annotate(closed_at=Max("events__created_at", filter=closing))
        .filter(closed_at__lt=cutoff)
        .order_by("pk")
    )
    purged, after = 0, 0
    while time.monotonic() - began < seconds:
        batch = list(due.filter(pk__gt=after).values_list("pk", "reference")[:PURGE_BATCH])
        if not batch:
            break
        for complaint_id, reference in batch:
            after = complaint_id
            try:
                purged += _complaint_purge_contact(complaint_id, cutoff=cutoff, now=now)
            except Exception:
                # One complaint that cannot be purged (a bug, a row the database refuses) must not
                # hold back every other one, each night: it stays due and the next run tries again.
                logger.exception("contact of complaint %s not purged; the others go on", reference)
            if time.monotonic() - began >= seconds:
                break
    return purged


@transaction.atomic
def _complaint_purge_contact(complaint_id: int, *, cutoff: datetime, now: datetime) -> bool:
    from messaging.models import OutboundMessage

    # Locked as complaint_change_status locks it: a complaint reopened meanwhile is left alone.
    # Nothing encrypted is read (here or below): a purge must not depend on being able to decrypt
    # what it erases (a key lost in a botched rotation).
    complaint = (
        Complaint.objects.select_for_update(skip_locked=True)
        .filter(pk=complaint_id, status=Status.CLOSED, contact_purged_at__isnull=True)
        .only("pk", "reference", "status", "contact_purged_at")
        .first()
    )
    if complaint is None:
        return False
    closed_at = (
        complaint.events.filter(kind=ComplaintEvent.Kind.STATUS, status=Status.CLOSED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if closed_at is None or closed_at >= cutoff:
        return False
    # Contact data is what reaches the filer: the contact row (name, phone, email, times, another
    # person to call, and their blind indexes), the addresses and bodies of our messages to them,
    # and the names their device gave files. The narrative, witnesses, officers, injuries, notes,
    # transcripts and the files themselves are the complaint's facts, kept (encrypted) for oversight
    # and any reopening, as are the structured facts the statistics count. (Staff's notes of
    # contact attempts live in cases: cases.services.contact_attempts_purge.)
    contact = ComplaintContact.objects.filter(complaint=complaint).values_list("pk", "phone_index", "email_index")
    contact_id, *found = contact.first() or (None,)
    indexes = [index for index in found if index]
    # Not a message still being sent (it fails on an empty address): none is, a year on.
    finished = OutboundMessage.objects.exclude(
        status__in=[OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING]
    )
    ours = Q(object_ref=complaint.reference) & ~Q(purpose__in=STAFF_PURPOSES)
    # The complaint conversation's replies to that address, unless another complaint of the same
    # person still keeps its contact (those replies may be its own).
    shared = ComplaintContact.objects.exclude(complaint=complaint).filter(complaint__contact_purged_at__isnull=True)
    alone = [index for index in indexes if not shared.filter(Q(phone_index=index) | Q(email_index=index)).exists()]
    if alone:
        ours |= Q(
            to_index__in=alone, object_ref="", purpose__startswith="conversation.complaint", created_at__lte=closed_at
        )
    messages = finished.filter(ours).exclude(to_index="").update(to="", to_index="", subject="", body="")
    if indexes:
        # Messages received are forgotten days after (conversations_purge_idle); any left go now.
        messages += _inbound_forget(
            InboundMessage.objects.filter(
                from_index__in=indexes, processed_at__isnull=False, received_at__lte=closed_at
            )
        )
    if contact_id is not None:
        ComplaintContact.objects.filter(pk=contact_id).delete()
    files = complaint.attachments.update(original_name="")
    VoiceCall.objects.filter(complaint=complaint).update(from_number="", receipt="")
    complaint.contact_purged_at = now
    complaint.save(update_fields=["contact_purged_at"])
    audit_record(
        actor=None,
        action="complaint.contact_purged",
        obj=complaint,
        reference=complaint.reference,
        data={
            "retention_days": settings.RETENTION_CONTACT_DAYS,
            "contact": contact_id is not None,
            "messages": messages,
            "file_names": files,
        },
    )
    return True


def _conversations_forget(*, cutoff: datetime, until: float) -> None:
    """Conversation replies (and any message received) from before `cutoff`. They name no
    complaint: an anonymous one's submission key leads back to no phone on purpose, so the replies
    to someone who gave no contact (their words, their number) are forgotten by age instead; any
    complaint's own were all sent before it closed, so are gone by the time it is purged."""
    from messaging.models import OutboundMessage

    old = (
        OutboundMessage.objects.filter(object_ref="", purpose__startswith="conversation.", created_at__lt=cutoff)
        .exclude(status__in=[OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING])
        .exclude(to_index="")
    )
    while time.monotonic() < until:
        batch = list(old.values_list("pk", flat=True)[:1000])
        if not batch:
            break
        OutboundMessage.objects.filter(pk__in=batch).update(to="", to_index="", subject="", body="")
    received = InboundMessage.objects.filter(received_at__lt=cutoff, processed_at__isnull=False)
    while time.monotonic() < until:
        batch = list(received.values_list("pk", flat=True)[:1000])
        if not batch:
            break
        with transaction.atomic():
            _inbound_forget(InboundMessage.objects.filter(pk__in=batch))


def _inbound_forget(messages) -> int:
    """Delete messages received, with the files they brought (as conversations_purge_idle does)."""
    from messaging.tasks import media_delete_task

    for media in messages.values_list("media", flat=True):
        for item in json.loads(media or "[]"):
            if item.get("url"):
                enqueue_on_commit(media_delete_task, item["url"])
            if item.get("file"):
                encrypted_file_delete(item["file"])
    return messages.delete()[0]
