import json
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Organization
from core.errors import ApplicationError
from core.services import reference_next
from intake import workflow
from intake.choices import Outcome, Status, UrgentFlag
from intake.models import (
    Allegation,
    Attachment,
    Complaint,
    ComplaintContact,
    ComplaintEvent,
    ComplaintNote,
    Draft,
)
from intake.receipts import receipt_display, receipt_index, receipt_new
from intake.selectors import field_office_by_code
from messaging.addresses import address_index
from messaging.services import outbound_queue
from privacy.attachments import CheckedFile, UploadRejected
from privacy.crypto import blind_index
from privacy.files import encrypted_file_delete, encrypted_file_store
from privacy.services import audit_record


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
) -> SubmitResult:
    """The one entry point for a new complaint, from every channel.

    One transaction writes the complaint, allegations, contact, attachments, first status event,
    audit event and outbox rows. The same submission_key twice gives back the first complaint.
    """
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
            )
    except IntegrityError:
        existing = Complaint.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return SubmitResult(existing, None, False)


def _complaint_create(*, data, channel, submission_key, attachments, organization, filed_by) -> SubmitResult:
    if data.filer_role == "advocate" and not data.on_behalf_consent:
        raise ApplicationError("A complaint filed on behalf of someone needs their consent.", code="consent")
    receipt = receipt_new()
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
def complaint_change_status(*, complaint: Complaint, status: str, outcome: str = "", actor=None) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not workflow.can_move(complaint.status, status):
        raise ApplicationError(f"A complaint cannot move from {complaint.status} to {status}.", code="transition")
    if status == Status.CLOSED and not outcome:
        raise ApplicationError("Closing a complaint needs an outcome.", code="outcome")
    old = complaint.status
    complaint.status = status
    complaint.outcome = outcome if status == Status.CLOSED else ""
    complaint.save(update_fields=["status", "outcome", "updated_at"])
    ComplaintEvent.objects.create(complaint=complaint, status=status, outcome=complaint.outcome, actor=actor)
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
    stored = draft_answers(draft)
    stored[step] = answers
    draft.answers = json.dumps(stored)
    draft.save(update_fields=["answers"])
    return draft


def draft_add_attachment(*, draft: Draft, checked: CheckedFile, original_name: str) -> Attachment:
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        stored = draft.attachments.aggregate(total=Sum("size"))["total"] or 0
        if stored + checked.size > settings.ATTACHMENT_MAX_TOTAL_BYTES:
            raise UploadRejected("total_too_large")
        return attachment_store(checked=checked, original_name=original_name, draft=draft)


def draft_remove_attachment(*, draft: Draft, attachment_id: int) -> None:
    attachment = draft.attachments.filter(pk=attachment_id).first()
    if attachment is not None:
        attachment_delete(attachment=attachment)


@transaction.atomic
def draft_submit(*, draft: Draft, data: ComplaintInput) -> tuple[Complaint, str]:
    """Submit a web draft once: a second submission (double click, back button, a retry after a
    lost response) finds the first complaint and its receipt, kept on the draft until saved."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.complaint_id is not None:
        return draft.complaint, draft.receipt
    result = complaint_submit(
        data=data,
        channel="web",
        submission_key=f"web:{draft.pk}",
        attachments=list(draft.attachments.all()),
    )
    if not result.created:
        raise ApplicationError("This draft was already submitted.", code="duplicate")
    draft.complaint = result.complaint
    draft.receipt = result.receipt
    draft.answers = "{}"
    # The number is shown for a short while only, whatever was left of the draft's 24 hours.
    draft.expires_at = timezone.now() + timedelta(minutes=settings.RECEIPT_SHOWN_MINUTES)
    draft.save(update_fields=["complaint", "receipt", "answers", "expires_at"])
    return result.complaint, draft.receipt


def draft_receipt_saved(*, draft: Draft) -> None:
    """The filer has their number: forget it and the draft."""
    draft.delete()


def drafts_purge_expired(*, now=None) -> int:
    """Delete drafts past their time, with the files uploaded to them (never a complaint's)."""
    now = now or timezone.now()
    count = 0
    for draft_id in Draft.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            draft = Draft.objects.select_for_update(skip_locked=True).filter(pk=draft_id, expires_at__lte=now).first()
            if draft is None:
                continue
            for attachment in Attachment.objects.filter(draft=draft, complaint__isnull=True):
                attachment_delete(attachment=attachment)
            draft.delete()
        count += 1
    return count
