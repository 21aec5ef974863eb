"""Writes for casework: footage requests move only along cases/workflow.py, a release needs a
second staff member's approval (never the preparer's own), and a page that is out of date
changes nothing."""

import logging
import re
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import policy
from cases import workflow
from cases.models import (
    CaseNote,
    ContactAttempt,
    FootageEvent,
    FootagePause,
    FootageRequest,
    Incident,
    RedactionItem,
    Referral,
    ReminderSent,
    Transcript,
)
from cases.selectors import Reminders, reminder_recipients, reminders_due
from core.errors import ApplicationError
from core.services import reference_next
from intake import workflow as complaint_workflow
from intake.choices import Agency, Outcome, Status
from intake.models import Attachment, Complaint, ComplaintContact, ComplaintEvent
from intake.selectors import COMPLAINT_REFERENCE
from intake.services import complaint_change_status
from privacy.files import encrypted_file_read
from privacy.services import audit_record
from surveys.models import Response


def footage_request_create(
    *,
    requester_type: str,
    received_on: date,
    actor,
    legal_basis: str = FootageRequest.Basis.FOIA,
    language: str = "en",
    complaint=None,
    perfected_on: date | None = None,
    expedited_requested: bool = False,
    expedited_ground: str = "",
    requester_name: str = "",
    requester_email: str = "",
    requester_address: str = "",
    incident: Incident | None = None,
) -> FootageRequest:
    """A footage request, with a preservation hold from the day it is received (footage that is
    not asked to be kept may be deleted on the agency's schedule) and its redaction checklist,
    every item still to check. From a complaint only when its filer asked for the footage."""
    if complaint is not None and "footage" not in complaint.wants:
        raise ApplicationError(_("The filer of this complaint did not ask for the footage."), code="not_asked")
    _day_check(received_on)
    if perfected_on is not None:
        _day_check(perfected_on)
    if perfected_on is not None and perfected_on < received_on:
        raise ApplicationError(_("A request cannot be complete before it was received."), code="dates")
    with transaction.atomic():
        if incident is not None:
            incident = _incident_locked(incident, None)  # not merged meanwhile
        request = FootageRequest(
            reference=reference_next(prefix="FR"),
            complaint=complaint,
            incident=incident,
            requester_type=requester_type,
            requester_name=requester_name,
            requester_email=requester_email,
            requester_address=requester_address,
            legal_basis=legal_basis,
            language=language,
            received_on=received_on,
            perfected_on=perfected_on,
            expedited_requested=expedited_requested,
            expedited_ground=expedited_ground if expedited_requested else "",
            hold_issued_on=received_on,
            hold_until=received_on + timedelta(days=settings.FOOTAGE_HOLD_DAYS),
        )
        try:
            request.full_clean(exclude=["complaint", "incident"])
        except ValidationError as invalid:
            raise ApplicationError(_("Some of the details are not valid."), code="invalid") from invalid
        request.save()
        RedactionItem.objects.bulk_create(RedactionItem(request=request, item=item) for item in RedactionItem.Item)
        FootageEvent.objects.create(request=request, status=request.status, actor=actor)
        links = {"complaint": getattr(complaint, "reference", ""), "incident": getattr(incident, "reference", "")}
        audit_record(actor=actor, action="footage.created", obj=request, reference=request.reference, data=links)
    return request


def _locked(request: FootageRequest, version: int) -> FootageRequest:
    """The request's row, locked; refused when the page that sent the change showed an older one."""
    current = FootageRequest.objects.select_for_update().get(pk=request.pk)
    if current.version != version:
        raise ApplicationError(
            _("Someone else changed this request. Please look at it again before you change it."), code="stale"
        )
    return current


def _saved(request: FootageRequest, fields: list[str]) -> FootageRequest:
    request.version = F("version") + 1
    request.save(update_fields=[*fields, "version"])
    request.refresh_from_db()
    return request


def footage_move(
    *,
    request: FootageRequest,
    to: str,
    actor,
    version: int,
    no_footage_reason: str = "",
    exemptions: tuple[str, ...] = (),
) -> FootageRequest:
    """Move a request to another status, if the workflow allows it from where it is."""
    with transaction.atomic():
        current = _locked(request, version)
        if not workflow.footage_can_move(current.status, to):
            raise ApplicationError(_("This step is not possible from where the request is now."), code="transition")
        fields = ["status"]
        if to == workflow.NO_FOOTAGE:
            if no_footage_reason not in workflow.NO_FOOTAGE_REASONS:
                raise ApplicationError(_("Say why there is no footage."), code="reason")
            current.no_footage_reason = no_footage_reason
            fields.append("no_footage_reason")
        if to in (workflow.DENIED, workflow.RELEASED_PARTIAL):
            if not exemptions or not set(exemptions) <= set(workflow.EXEMPTIONS):
                raise ApplicationError(_("Choose the exemptions that apply."), code="exemptions")
            current.exemptions = sorted(set(exemptions))
            fields.append("exemptions")
        if to == workflow.REDACTION_REVIEW:
            current.prepared_by, current.approved_by = actor, None
            fields += ["prepared_by", "approved_by"]
        if to in workflow.RELEASES and not redaction_checklist_complete(current):
            raise ApplicationError(
                _("Every item of the redaction checklist must be done or marked not applicable first."),
                code="checklist",
            )
        if to in workflow.RELEASES and (current.approved_by_id is None or current.approved_by_id == actor.pk):
            raise ApplicationError(
                _("A release needs the approval of a second staff member first."), code="second_reviewer"
            )
        current.status = to
        current = _saved(current, fields)
        FootageEvent.objects.create(request=current, status=to, actor=actor)
        audit_record(actor=actor, action=f"footage.{to}", obj=current, reference=current.reference, data={"status": to})
    return current


def footage_approve_release(*, request: FootageRequest, approver, version: int) -> FootageRequest:
    """The second reviewer's approval of a redacted release: never the preparer's own."""
    with transaction.atomic():
        current = _locked(request, version)
        if current.status != workflow.REDACTION_REVIEW:
            raise ApplicationError(_("Only footage in redaction review can be approved."), code="transition")
        if not approver.has_perm("accounts.approve_release"):
            raise ApplicationError(_("You cannot approve releases."), code="permission")
        if approver.pk == current.prepared_by_id:
            raise ApplicationError(_("The person who prepared the release cannot approve it."), code="same_person")
        if current.redaction_items.filter(reviewer=approver).exists():
            raise ApplicationError(
                _("You checked items of the redaction checklist: another staff member must approve the release."),
                code="same_person",
            )
        if not redaction_checklist_complete(current):
            raise ApplicationError(
                _("Every item of the redaction checklist must be done or marked not applicable first."),
                code="checklist",
            )
        current.approved_by = approver
        current = _saved(current, ["approved_by"])
        audit_record(actor=approver, action="footage.release_approved", obj=current, reference=current.reference)
    return current


def footage_pause(*, request: FootageRequest, on: date, actor, version: int) -> FootageRequest:
    """Stop the clock while waiting on the requester."""
    with transaction.atomic():
        current = _locked(request, version)
        _clock_check(current, on)
        if current.pauses.filter(ended_on__isnull=True).exists():
            raise ApplicationError(_("The clock is already stopped."), code="paused")
        FootagePause.objects.create(request=current, started_on=on)
        current = _saved(current, [])
        audit_record(actor=actor, action="footage.paused", obj=current, reference=current.reference)
    return current


def footage_resume(*, request: FootageRequest, on: date, actor, version: int) -> FootageRequest:
    """The requester answered: the clock runs again from the next working day."""
    _day_check(on)
    with transaction.atomic():
        current = _locked(request, version)
        pause = current.pauses.filter(ended_on__isnull=True).first()
        if pause is None or on < pause.started_on:
            raise ApplicationError(_("The clock is not stopped."), code="not_paused")
        pause.ended_on = on
        pause.save(update_fields=["ended_on"])
        current = _saved(current, [])
        audit_record(actor=actor, action="footage.resumed", obj=current, reference=current.reference)
    return current


def footage_extend(*, request: FootageRequest, on: date, actor, version: int) -> FootageRequest:
    """Unusual circumstances: 10 more working days, once, with written notice on `on`."""
    with transaction.atomic():
        current = _locked(request, version)
        _clock_check(current, on)
        if current.extended_on is not None:
            raise ApplicationError(_("This request was extended already."), code="extended")
        current.extended_on = on
        current = _saved(current, ["extended_on"])
        audit_record(actor=actor, action="footage.extended", obj=current, reference=current.reference)
    return current


def incident_create_from(*, complaint, actor, linked: int | None = None) -> Incident:
    """A new incident from a complaint's facts (its date, place, office and agency), linked to it.
    `linked` is how many incidents the complaint had on the page that asked: a second click, or
    someone else's link meanwhile, is refused rather than starting a duplicate incident."""
    day = complaint.incident_date or timezone.localdate(complaint.created_at)
    with transaction.atomic():
        if linked is not None:
            Complaint.objects.select_for_update().filter(pk=complaint.pk).values_list("pk").get()
            if complaint.incidents.count() != linked:
                raise ApplicationError(
                    _("This complaint's incidents changed meanwhile. Please look at them again."), code="stale"
                )
        incident = Incident.objects.create(
            reference=reference_next(prefix="IN"),
            starts_on=day,
            ends_on=day,
            city=complaint.city,
            state=complaint.state,
            field_office=complaint.field_office,
            agency=complaint.agency,
            created_by=actor,
        )
        incident.complaints.add(complaint)
        audit_record(
            actor=actor, action="incident.created", obj=incident, reference=incident.reference,
            data={"complaint": complaint.reference},
        )  # fmt: skip
    return incident


def incident_link(*, incident: Incident, complaint, actor) -> Incident:
    """Link a complaint to an incident (again is a no-op); the incident's time window widens to
    the complaint's date. An incident merged into another is refused, naming the other. Adding to
    a set cannot undo anyone's change, so no version is asked."""
    with transaction.atomic():
        current = _incident_locked(incident, None)
        if current.complaints.filter(pk=complaint.pk).exists():
            return current
        current.complaints.add(complaint)
        day = complaint.incident_date
        if day and not current.starts_on <= day <= current.ends_on:
            # The window changed: a page showing the old one must not save it back.
            current.starts_on, current.ends_on = min(current.starts_on, day), max(current.ends_on, day)
            current.version = F("version") + 1
            current.save(update_fields=["starts_on", "ends_on", "version"])
            current.refresh_from_db()
        audit_record(
            actor=actor, action="incident.complaint_linked", obj=current, reference=current.reference,
            data={"complaint": complaint.reference},
        )  # fmt: skip
    return current


# --- assignment ---

BULK_ASSIGN_MAX = 200
_ASSIGN_FIELDS = ("id", "reference", "status", "assignee", "version")


def _assignable(assignee) -> None:
    if assignee is not None and (not assignee.is_active or not policy.allowed(assignee, policy.CASE_EDIT)):
        raise ApplicationError(_("Complaints can only be assigned to staff who work on cases."), code="assignee")


def _assign_write(complaints: list[Complaint], *, assignee, actor) -> None:
    """Assign rows locked by the caller, each with its event, its new version and its audit event."""
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(assignee=assignee, version=F("version") + 1)
    assigned = ComplaintEvent.Kind.ASSIGNED
    ComplaintEvent.objects.bulk_create(
        [ComplaintEvent(complaint=c, kind=assigned, status=c.status, actor=actor) for c in complaints]
    )
    for c in complaints:
        audit_record(
            actor=actor, action="complaint.assigned", obj=c, reference=c.reference,
            data={"assignee": assignee.pk if assignee else None, "previous": c.assignee_id},
        )  # fmt: skip


def complaint_assign(*, complaint: Complaint, assignee, actor, version: int) -> Complaint:
    """Give a complaint to a staff member (or to nobody). A liaison may only take an unassigned
    complaint or give back their own; a supervisor or an admin may assign anyone's to anyone."""
    if not policy.allowed(actor, policy.CASE_EDIT):
        raise ApplicationError(_("You cannot assign complaints."), code="permission")
    _assignable(assignee)
    with transaction.atomic():
        current = Complaint.objects.select_for_update().only(*_ASSIGN_FIELDS).get(pk=complaint.pk)
        if current.version != version:
            raise ApplicationError(
                _("Someone else changed this complaint. Please look at it again before you change it."), code="stale"
            )
        if current.assignee_id == (assignee.pk if assignee else None):
            return current
        if not policy.allowed(actor, policy.CASE_ASSIGN):
            if assignee is not None and assignee.pk != actor.pk:
                raise ApplicationError(_("You can only assign complaints to yourself."), code="permission")
            if current.assignee_id not in (None, actor.pk):
                raise ApplicationError(
                    _("This complaint is assigned to someone else. A supervisor can reassign it."), code="permission"
                )
        _assign_write([current], assignee=assignee, actor=actor)
        current.refresh_from_db(fields=list(_ASSIGN_FIELDS))
    return current


def complaints_assign_bulk(*, references: list[str], assignee, actor) -> int:
    """Assign several complaints at once (supervisors and admins), all or none: one unknown
    reference refuses the whole batch. Returns how many changed hands."""
    if not policy.allowed(actor, policy.CASE_ASSIGN):
        raise ApplicationError(_("Only supervisors can assign complaints in bulk."), code="permission")
    _assignable(assignee)
    wanted = sorted({r.strip() for r in references if r and r.strip()})
    if not wanted:
        raise ApplicationError(_("Choose at least one complaint."), code="empty")
    if not all(COMPLAINT_REFERENCE.fullmatch(r) for r in wanted):
        raise ApplicationError(
            _("Something chosen is not a complaint reference: nothing was assigned."), code="unknown"
        )
    if len(wanted) > BULK_ASSIGN_MAX:
        raise ApplicationError(
            _("Assign at most %(count)d complaints at a time.") % {"count": BULK_ASSIGN_MAX}, code="too_many"
        )
    with transaction.atomic():
        rows = Complaint.objects.select_for_update().only(*_ASSIGN_FIELDS).filter(reference__in=wanted)
        found = list(rows.order_by("pk"))
        unknown = sorted(set(wanted) - {c.reference for c in found})
        if unknown:
            raise ApplicationError(
                _("No complaint has the reference %(references)s: nothing was assigned.")
                % {"references": ", ".join(r[:20] for r in unknown[:5]) + (" …" if len(unknown) > 5 else "")},
                code="unknown",
            )
        changing = [c for c in found if c.assignee_id != (assignee.pk if assignee else None)]
        _assign_write(changing, assignee=assignee, actor=actor)
    return len(changing)


# --- complaints: assignment, notes, contact attempts, referrals, merges, reveals ---


NOTE_MAX_CHARS = 10_000
REVEAL_REASON_MIN_CHARS = 10
REVEAL_REASON_MIN_WORDS = 2
REVEAL_REASON_MAX_CHARS = 500


def _storable(*values: str) -> None:
    # PostgreSQL refuses NUL in text: a forged post must get a message, not an error page.
    if any("\x00" in value for value in values):
        raise ApplicationError(_("The text contains characters that cannot be stored."), code="invalid")


def complaint_note_add(*, complaint: Complaint, actor, text: str) -> CaseNote:
    """An internal note: staff's words, encrypted, never shown to the filer or to auditors."""
    text = (text or "").strip()
    _storable(text)
    if not text:
        raise ApplicationError(_("Write the note first."), code="empty")
    if len(text) > NOTE_MAX_CHARS:
        raise ApplicationError(_("This note is too long."), code="too_long")
    with transaction.atomic():
        note = CaseNote.objects.create(complaint=complaint, author=actor, text=text)
        audit_record(
            actor=actor, action="case.note_added", obj=complaint, reference=complaint.reference,
            data={"note": note.pk},
        )  # fmt: skip
    return note


def complaint_contact_attempt_record(
    *, complaint: Complaint, actor, method: str, result: str, note: str = ""
) -> ContactAttempt:
    if method not in ContactAttempt.Method.values:
        raise ApplicationError(_("Choose how you tried to reach the person."), code="method")
    if result not in ContactAttempt.Result.values:
        raise ApplicationError(_("Choose what happened."), code="result")
    note = (note or "").strip()
    _storable(note)
    if len(note) > NOTE_MAX_CHARS:
        raise ApplicationError(_("This note is too long."), code="too_long")
    with transaction.atomic():
        attempt = ContactAttempt.objects.create(
            complaint=complaint, actor=actor, method=method, result=result, note=note
        )
        audit_record(
            actor=actor, action="complaint.contact_attempted", obj=complaint, reference=complaint.reference,
            data={"attempt": attempt.pk, "method": method, "result": result},
        )  # fmt: skip
    return attempt


def _referral_check(referral: Referral) -> None:
    _storable(referral.body_other, referral.external_reference)
    if referral.status not in Referral.Status.values:
        raise ApplicationError(_("Choose the referral's status."), code="status")
    if referral.sent_on is not None and referral.sent_on > timezone.localdate():
        raise ApplicationError(_("The date it was sent cannot be in the future."), code="sent_on")
    try:
        referral.full_clean(exclude=["complaint", "created_by"])
    except ValidationError:
        raise ApplicationError(_("Check the referral: a value is too long or not valid."), code="invalid") from None


def referral_create(
    *,
    complaint: Complaint,
    actor,
    body: str,
    body_other: str = "",
    external_reference: str = "",
    status: str = Referral.Status.PREPARING,
    sent_on: date | None = None,
) -> Referral:
    """A referral to an oversight body; "other" needs the body's name."""
    if body not in Referral.Body.values:
        raise ApplicationError(_("Choose the oversight body."), code="body")
    body_other = (body_other or "").strip() if body == Referral.Body.OTHER else ""
    if body == Referral.Body.OTHER and not body_other:
        raise ApplicationError(_("Name the other oversight body."), code="body_other")
    if status == Referral.Status.SENT and sent_on is None:
        sent_on = timezone.localdate()
    referral = Referral(
        complaint=complaint,
        body=body,
        body_other=body_other,
        external_reference=(external_reference or "").strip(),
        status=status,
        sent_on=sent_on,
        created_by=actor,
    )
    _referral_check(referral)
    with transaction.atomic():
        referral.save()
        audit_record(
            actor=actor, action="referral.created", obj=referral, reference=complaint.reference,
            data={"complaint": complaint.pk, "body": body, "status": status},
        )  # fmt: skip
    return referral


def referral_update(*, referral: Referral, actor, version: int, status: str, external_reference: str) -> Referral:
    """The oversight body's answer: its status and its own reference."""
    with transaction.atomic():
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        if current.version != version:
            raise ApplicationError(
                _("Someone else changed this referral. Please look at it again before you change it."), code="stale"
            )
        old = current.status
        current.status = status
        current.external_reference = (external_reference or "").strip()
        fields = ["status", "external_reference", "updated_at", "version"]
        if status == Referral.Status.SENT and current.sent_on is None:
            current.sent_on = timezone.localdate()
            fields.append("sent_on")
        _referral_check(current)
        current.version = F("version") + 1
        current.save(update_fields=fields)
        current.refresh_from_db()
        audit_record(
            actor=actor, action="referral.updated", obj=current, reference=current.complaint.reference,
            data={"complaint": current.complaint_id, "from": old, "to": status},
        )  # fmt: skip
    return current


def complaint_merge(*, complaint: Complaint, into_reference: str, actor, version: int) -> Complaint:
    """Mark a complaint as a duplicate of another: closed with the outcome "duplicate" (when the
    workflow allows), pointing at the one kept. Chains stay short and never loop: the one kept
    must not be merged itself."""
    into_reference = (into_reference or "").strip().upper()
    found = COMPLAINT_REFERENCE.fullmatch(into_reference)
    target = Complaint.objects.filter(reference=into_reference).only("pk").first() if found else None
    if target is None:
        raise ApplicationError(_("No complaint has the reference you gave."), code="unknown")
    if target.pk == complaint.pk:
        raise ApplicationError(_("A complaint cannot be merged into itself."), code="self")
    with transaction.atomic():
        # Both rows locked, in one order, so that two opposite merges cannot both pass the checks.
        rows = {
            c.pk: c
            for c in Complaint.objects.select_for_update().filter(pk__in=[complaint.pk, target.pk]).order_by("pk")
        }
        current, target = rows[complaint.pk], rows[target.pk]
        if current.version != version:
            raise ApplicationError(
                _("Someone else changed this complaint. Please look at it again before you change it."), code="stale"
            )
        if current.merged_into_id is not None:
            raise ApplicationError(_("This complaint is merged into another already."), code="merged")
        seen, step = set(), target
        while step.merged_into_id is not None and step.pk not in seen:
            if step.merged_into_id == current.pk:
                raise ApplicationError(
                    _("That complaint is merged into this one: merging would make a loop."), code="loop"
                )
            seen.add(step.pk)
            step = Complaint.objects.only("pk", "merged_into").get(pk=step.merged_into_id)
        if target.merged_into_id is not None:
            raise ApplicationError(
                _("That complaint is itself merged into another one: merge into that one instead."),
                code="target_merged",
            )
        if current.status != Status.CLOSED and complaint_workflow.can_move(current.status, Status.CLOSED):
            current = complaint_change_status(
                complaint=current, status=Status.CLOSED, outcome=Outcome.DUPLICATE, actor=actor, version=version
            )
        current.merged_into = target
        current.version = F("version") + 1
        current.save(update_fields=["merged_into", "version", "updated_at"])
        current.refresh_from_db()
        # Complaints merged into this one earlier now point at the target: one hop, never a chain.
        Complaint.objects.filter(merged_into=current).update(merged_into=target)
        ComplaintEvent.objects.create(
            complaint=current,
            kind=ComplaintEvent.Kind.MERGED,
            status=current.status,
            outcome=current.outcome,
            actor=actor,
        )
        audit_record(
            actor=actor, action="complaint.merged", obj=current, reference=current.reference,
            data={"into": target.reference},
        )  # fmt: skip
    return current


def complaint_attachment_read(*, attachment: Attachment, actor, original: bool = False) -> tuple[bytes, str]:
    """A filer's file, decrypted, and which copy it is: the cleaned one (no location data) unless
    the original is asked for or there is no other. Audited before anyone sees a byte."""
    copy = "original" if original or not attachment.clean_file else "clean"
    data = encrypted_file_read(attachment.original_file if copy == "original" else attachment.clean_file)
    audit_record(
        actor=actor, action="complaint.attachment_viewed", obj=attachment.complaint,
        reference=attachment.complaint.reference, data={"attachment": attachment.pk, "copy": copy},
    )  # fmt: skip
    return data, copy


def reveal_reason_clean(reason: str, *, missing: str) -> str:
    """The reason someone gives for seeing personal details, for the audit log: a few words, not
    a token one; `missing` is the message when it is too thin."""
    reason = " ".join((reason or "").split())
    _storable(reason)
    if len(reason) < REVEAL_REASON_MIN_CHARS or len(reason.split()) < REVEAL_REASON_MIN_WORDS:
        raise ApplicationError(missing, code="reason")
    if len(reason) > REVEAL_REASON_MAX_CHARS:
        raise ApplicationError(_("Keep the reason short."), code="reason")
    return reason


def complaint_reveal(*, complaint: Complaint, actor, reason: str) -> dict:
    """The filer's contact details in clear, for this once, with the reason in the audit log."""
    if not policy.allowed(actor, policy.PII_REVEAL):
        raise ApplicationError(_("You cannot see contact details."), code="permission")
    reason = reveal_reason_clean(reason, missing=_("Say in a few words why you need to see the contact details."))
    contact = ComplaintContact.objects.filter(complaint=complaint).first()
    if contact is None:
        raise ApplicationError(_("This complaint has no contact details."), code="no_contact")
    audit_record(
        actor=actor, action="complaint.pii_revealed", obj=complaint, reference=complaint.reference, reason=reason,
        data={"contact": contact.pk},
    )  # fmt: skip
    return {
        "name": contact.name,
        "phone": contact.phone,
        "email": contact.email,
        "best_times": contact.best_times,
        "alternate_contact": contact.alternate_contact,
    }


# --- voice casework: transcripts and translations ---

TRANSCRIPT_MAX_CHARS = 100_000
TRANSCRIPT_NAME_MAX_CHARS = 100


def transcript_add(
    *,
    complaint: Complaint,
    actor,
    attachment_id: int | None,
    kind: str,
    language: str,
    language_other: str,
    text: str,
    method: str,
    machine_name: str,
) -> Transcript:
    """A transcript or translation of one of the complaint's recordings (or of the complaint as a
    whole when attachment_id is None), entered by `actor`; the text is encrypted and never in the
    audit log."""
    if not policy.allowed(actor, policy.CASE_EDIT):
        raise ApplicationError(_("You cannot add transcripts."), code="permission")
    text = (text or "").strip()
    language, language_other = (language or "").strip(), " ".join((language_other or "").split())
    machine_name = " ".join((machine_name or "").split())
    _storable(text, language, language_other, machine_name)
    if kind not in Transcript.Kind.values:
        raise ApplicationError(_("Choose whether this is a transcript or a translation."), code="kind")
    if method not in Transcript.Method.values:
        raise ApplicationError(_("Choose who made it: a person or a machine."), code="method")
    if method == Transcript.Method.MACHINE and not machine_name:
        raise ApplicationError(_("Name the machine or service that made it."), code="machine_name")
    if len(machine_name) > TRANSCRIPT_NAME_MAX_CHARS or len(language_other) > TRANSCRIPT_NAME_MAX_CHARS:
        raise ApplicationError(_("Keep the names short."), code="too_long")
    if language and language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Choose a language from the list, or name another."), code="language")
    if language:
        language_other = ""
    elif not language_other:
        raise ApplicationError(_("Say which language it is in."), code="language")
    if not text:
        raise ApplicationError(_("Write the text first."), code="empty")
    if len(text) > TRANSCRIPT_MAX_CHARS:
        raise ApplicationError(_("This text is too long."), code="too_long")
    attachment = None
    if attachment_id is not None:
        if 0 < attachment_id < 2**63:  # a bigint, or none of them
            attachment = Attachment.objects.filter(pk=attachment_id, complaint=complaint).only("pk").first()
        if attachment is None:
            raise ApplicationError(_("Choose one of this complaint's recordings."), code="attachment")
    with transaction.atomic():
        transcript = Transcript.objects.create(
            complaint=complaint,
            attachment=attachment,
            kind=kind,
            language=language,
            language_other=language_other,
            text=text,
            made_by=actor,
            method=method,
            machine_name=machine_name if method == Transcript.Method.MACHINE else "",
        )
        audit_record(
            actor=actor, action="complaint.transcript_added", obj=complaint, reference=complaint.reference,
            data={"transcript": transcript.pk, "attachment": attachment_id, "kind": kind, "method": method},
        )  # fmt: skip
    return transcript


# --- incidents: merge, tags, survey responses ---

TAGS_MAX, TAG_LENGTH_MAX = 20, 40


def tags_normalise(text: str) -> list[str]:
    """Comma-separated words (Latin, Arabic or Chinese commas) as lowercase slugs in any script,
    each once, in the order given: "Raid, Niños، مدرسة" → ["raid", "niños", "مدرسة"]."""
    tags: list[str] = []
    for word in re.split(r"[,،，、]", text):
        tag = slugify(word, allow_unicode=True)[:TAG_LENGTH_MAX].strip("-")
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise ApplicationError(_("Use at most %(count)d tags.") % {"count": TAGS_MAX}, code="tags")
    return tags


def _incident_locked(incident: Incident, version: int | None) -> Incident:
    """The incident's row, locked; refused when the page that sent the change showed an older
    version, or when the incident lives on in another one."""
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if version is not None and current.version != version:
        raise ApplicationError(
            _("Someone else changed this incident. Please look at it again before you change it."), code="stale"
        )
    _refuse_merged(current)
    return current


def _refuse_merged(incident: Incident) -> None:
    if incident.merged_into_id is not None:
        target = Incident.objects.only("reference").get(pk=incident.merged_into_id)
        raise ApplicationError(
            _("%(incident)s was merged into %(target)s: use %(target)s instead.")
            % {"incident": incident.reference, "target": target.reference},
            code="merged",
        )


def incident_update(
    *,
    incident: Incident,
    actor,
    version: int,
    summary: str | None,
    tags: list[str],
    starts_on: date,
    ends_on: date,
    city: str = "",
    state: str = "",
    field_office=None,
    agency: str = "",
) -> Incident:
    """Staff's edit of an incident's facts, summary and tags; the audit names the fields changed,
    never their words."""
    state = state.strip().upper()
    _day_check(starts_on)
    _day_check(ends_on)
    if ends_on < starts_on:
        raise ApplicationError(_("The last day cannot be before the first day."), code="dates")
    if state and not (len(state) == 2 and state.isalpha() and state.isascii()):
        raise ApplicationError(_("Write the state as its two-letter code, for example TX."), code="state")
    if agency and agency not in Agency.values:
        raise ApplicationError(_("Choose an agency from the list."), code="agency")
    if len(tags) > TAGS_MAX:
        raise ApplicationError(_("Use at most %(count)d tags.") % {"count": TAGS_MAX}, code="tags")
    values = {
        "tags": tags,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "city": city.strip()[:100],
        "state": state,
        "field_office": field_office,
        "agency": agency,
    }
    if summary is not None:  # None: the editor may not read it, so leaves it as it is
        values["summary"] = summary.strip()
    with transaction.atomic():
        current = _incident_locked(incident, version)
        changed = [name for name, value in values.items() if getattr(current, name) != value]
        if not changed:
            return current
        for name in changed:
            setattr(current, name, values[name])
        current.version = F("version") + 1
        current.save(update_fields=[*changed, "version"])
        current.refresh_from_db()
        audit_record(
            actor=actor, action="incident.updated", obj=current, reference=current.reference,
            data={"fields": sorted(changed)},
        )  # fmt: skip
    return current


def incident_merge_into(*, incident: Incident, target: Incident, actor, version: int) -> Incident:
    """Merge `incident` into `target`: its complaints, survey responses and footage requests move
    to the target, whose window widens to cover both; the merged one stays as a pointer (links to
    it keep working). Returns the target."""
    if target.pk == incident.pk:
        raise ApplicationError(_("An incident cannot be merged into itself."), code="same")
    with transaction.atomic():
        # Both rows locked, always in the same order, so two opposite merges cannot deadlock.
        locked = Incident.objects.select_for_update().filter(pk__in=[incident.pk, target.pk]).order_by("pk")
        rows = {row.pk: row for row in locked}
        source, into = rows.get(incident.pk), rows.get(target.pk)
        if source is None or into is None:
            raise ApplicationError(_("This incident no longer exists."), code="gone")
        if source.version != version:
            raise ApplicationError(
                _("Someone else changed this incident. Please look at it again before you change it."), code="stale"
            )
        _refuse_merged(source)
        if into.merged_into_id is not None:
            raise ApplicationError(
                _("%(target)s was itself merged into another incident: merge into that one.")
                % {"target": into.reference},
                code="target_merged",
            )
        complaint_ids = list(source.complaints.values_list("pk", flat=True))
        response_ids = list(source.survey_responses.values_list("pk", flat=True))
        into.complaints.add(*complaint_ids)
        into.survey_responses.add(*response_ids)
        source.complaints.clear()
        source.survey_responses.clear()
        footage_count = FootageRequest.objects.filter(incident=source).update(incident=into)
        # Incidents merged into this one earlier now point at the target: one hop, never a chain.
        Incident.objects.filter(merged_into=source).update(merged_into=into)
        into.starts_on, into.ends_on = min(into.starts_on, source.starts_on), max(into.ends_on, source.ends_on)
        into.tags = [*into.tags, *(tag for tag in source.tags if tag not in into.tags)]
        into.version = F("version") + 1
        into.save(update_fields=["starts_on", "ends_on", "tags", "version"])
        source.merged_into, source.version = into, F("version") + 1
        source.save(update_fields=["merged_into", "version"])
        audit_record(
            actor=actor, action="incident.merged", obj=source, reference=source.reference,
            data={"into": into.reference, "complaints": len(complaint_ids), "survey_responses": len(response_ids),
                  "footage_requests": footage_count},
        )  # fmt: skip
    into.refresh_from_db()
    return into


def _responses_found(response_ids: list[int]) -> list[int]:
    wanted = sorted(set(response_ids))
    found = set(Response.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise ApplicationError(
            _("There is no survey response with the number %(numbers)s.") % {"numbers": ", ".join(missing)},
            code="unknown_response",
        )
    return wanted


def incident_responses_link(*, incident: Incident, response_ids: list[int], actor) -> int:
    """Link survey responses to an incident; ones linked already are left alone. Adding to a set
    cannot undo anyone's change, so no version is asked. Returns how many were new."""
    with transaction.atomic():
        current = _incident_locked(incident, None)
        wanted = _responses_found(response_ids)
        linked = set(current.survey_responses.filter(pk__in=wanted).values_list("pk", flat=True))
        new = [pk for pk in wanted if pk not in linked]
        current.survey_responses.add(*new)
        for pk in new:
            audit_record(
                actor=actor, action="incident.response_linked", obj=current, reference=current.reference,
                data={"response": pk},
            )  # fmt: skip
    return len(new)


def incident_responses_unlink(*, incident: Incident, response_ids: list[int], actor) -> int:
    """Unlink survey responses from an incident; ones not linked are left alone."""
    with transaction.atomic():
        current = _incident_locked(incident, None)
        linked = sorted(set(current.survey_responses.filter(pk__in=set(response_ids)).values_list("pk", flat=True)))
        current.survey_responses.remove(*linked)
        for pk in linked:
            audit_record(
                actor=actor, action="incident.response_unlinked", obj=current, reference=current.reference,
                data={"response": pk},
            )  # fmt: skip
    return len(linked)


# --- footage requests: redaction checklist, decision letters ---

LETTER_KINDS = ("acknowledgement", "decision")


def redaction_checklist_complete(request: FootageRequest) -> bool:
    """All the checklist's items are there, each done or not applicable."""
    decided = request.redaction_items.exclude(state=RedactionItem.State.PENDING).count()
    return decided == len(RedactionItem.Item)


EARLIEST_DAY = date(2000, 1, 1)


def _day_check(day: date) -> None:
    """A day that has happened, and not so long ago that it must be a typing mistake: a date far
    off (year 9999) would also push a deadline past the end of the calendar."""
    if day < EARLIEST_DAY:
        raise ApplicationError(_("Check the year: dates before 2000 are not accepted."), code="dates")
    if day > timezone.localdate():
        raise ApplicationError(_("A date cannot be in the future."), code="dates")


def _clock_check(current: FootageRequest, on: date) -> None:
    _day_check(on)
    if current.status not in workflow.CLOCK_RUNNING:
        raise ApplicationError(_("The clock has stopped: this request has been decided."), code="decided")
    if on < current.received_on:
        raise ApplicationError(_("This date is before the request was received."), code="dates")


def footage_perfect(*, request: FootageRequest, on: date, actor, version: int) -> FootageRequest:
    """The request is complete (the footage described well enough, fees settled): the clock starts."""
    with transaction.atomic():
        current = _locked(request, version)
        _clock_check(current, on)
        if current.perfected_on is not None:
            raise ApplicationError(_("This request is marked complete already."), code="perfected")
        current.perfected_on = on
        current = _saved(current, ["perfected_on"])
        audit_record(actor=actor, action="footage.perfected", obj=current, reference=current.reference)
    return current


def footage_expedited_decide(*, request: FootageRequest, granted: bool, actor, version: int) -> FootageRequest:
    """Decide, once, whether an expedited request is processed first."""
    with transaction.atomic():
        current = _locked(request, version)
        if not current.expedited_requested:
            raise ApplicationError(_("The requester did not ask for fast processing."), code="not_requested")
        if current.expedited_granted is not None:
            raise ApplicationError(_("Fast processing was decided already."), code="decided")
        current.expedited_granted = granted
        current = _saved(current, ["expedited_granted"])
        audit_record(
            actor=actor, action="footage.expedited_decided", obj=current, reference=current.reference,
            data={"granted": granted},
        )  # fmt: skip
    return current


def footage_redaction_set(*, request: FootageRequest, item: str, state: str, actor, version: int) -> FootageRequest:
    """One checklist item done or not applicable, with the acting user as its reviewer. A change
    after the second reviewer's approval withdraws it: they approved the checklist as it was."""
    if item not in RedactionItem.Item.values:
        raise ApplicationError(_("This is not an item of the redaction checklist."), code="item")
    if state not in (RedactionItem.State.DONE, RedactionItem.State.NOT_APPLICABLE):
        raise ApplicationError(_("Mark the item done or not applicable."), code="state")
    with transaction.atomic():
        current = _locked(request, version)
        if current.status not in workflow.REDACTION_OPEN:
            raise ApplicationError(
                _("The redaction checklist can be changed only once the footage is found, and before a decision."),
                code="transition",
            )
        row, _created = RedactionItem.objects.select_for_update().get_or_create(request=current, item=item)
        row.state, row.reviewer, row.decided_at = state, actor, timezone.now()
        row.save(update_fields=["state", "reviewer", "decided_at"])
        withdrawn = current.approved_by_id is not None
        current.approved_by = None
        current = _saved(current, ["approved_by"])
        audit_record(
            actor=actor, action="footage.redaction_checked", obj=current, reference=current.reference,
            data={"item": item, "state": state, "approval_withdrawn": withdrawn},
        )  # fmt: skip
    return current


def footage_requester_reveal(*, request: FootageRequest, actor, reason: str) -> dict[str, str]:
    """The requester's name, email and postal address, for a reason that goes into the audit log."""
    if not policy.allowed(actor, policy.PII_REVEAL):
        raise ApplicationError(_("You cannot see personal details."), code="permission")
    reason = reveal_reason_clean(reason, missing=_("Say in a few words why you need to see the requester's details."))
    audit_record(
        actor=actor, action="footage.requester_revealed", obj=request, reference=request.reference, reason=reason
    )
    return {"name": request.requester_name, "email": request.requester_email, "address": request.requester_address}


def footage_letter_rendered(*, request: FootageRequest, kind: str, actor, reason: str) -> None:
    """A letter to the requester is about to be shown (it names them, as a reveal does): refused
    when there is nothing to tell yet or no reason is given, audited with the reason otherwise."""
    if not policy.allowed(actor, policy.PII_REVEAL):
        raise ApplicationError(_("You cannot see personal details."), code="permission")
    if kind not in LETTER_KINDS:
        raise ApplicationError(_("There is no such letter."), code="kind")
    if kind == "decision" and request.status not in workflow.DECIDED:
        raise ApplicationError(_("There is no decision to write about yet."), code="undecided")
    reason = reveal_reason_clean(reason, missing=_("Say in a few words why you need this letter."))
    audit_record(
        actor=actor, action="footage.letter_rendered", obj=request, reference=request.reference, reason=reason,
        data={"kind": kind, "language": request.language},
    )  # fmt: skip


# --- reminders ---

logger = logging.getLogger(__name__)


def reminders_send(*, now: datetime | None = None) -> int:
    """Each staff member who works on cases gets one email a day (after REMINDER_HOUR local time)
    listing overdue acknowledgements, footage deadlines and holds about to lapse; nothing to
    remind, no email. Returns how many were sent.

    The day's ReminderSent row is written in the same transaction as the send: a second beat
    run waits on its unique key and then skips, and a send that fails rolls it back so that
    the next hourly run tries again."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.REMINDER_HOUR:
        return 0
    due = reminders_due(now=now)
    if due.is_empty():
        return 0
    sent = 0
    for user in reminder_recipients():
        reminders = due.for_user(sees_all=policy.allowed(user, policy.CASE_ASSIGN), user_id=user.pk)
        key = f"digest:{user.pk}:{local.date().isoformat()}"
        if reminders.is_empty() or ReminderSent.objects.filter(key=key).exists():
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(key=key, sent_at=now)
                _reminder_email(user, reminders, today=local.date()).send()
        except IntegrityError:
            continue  # another run sent it meanwhile
        except Exception:
            logger.exception("reminder to user %s not sent; the next run tries again", user.pk)
            continue
        sent += 1
    return sent


def _reminder_email(user, reminders: Reminders, *, today: date) -> EmailMultiAlternatives:
    def rows(items, url_name: str) -> list[dict]:
        base = settings.PUBLIC_BASE_URL
        return [
            {"item": item, "overdue": item.days_left < 0, "url": base + reverse(url_name, args=[item.reference])}
            for item in items
        ]

    with translation.override(user.preferred_language):
        context = {
            "user": user,
            "today": today,
            "acknowledgements": rows(reminders.acknowledgements, "staff:complaint"),
            "footage_due": rows(reminders.footage_due, "staff:footage"),
            "expedited_due": rows(reminders.expedited_due, "staff:footage"),
            "holds": rows(reminders.holds, "staff:footage"),
            "deadlines_url": settings.PUBLIC_BASE_URL + reverse("staff:deadlines"),
        }
        subject = _("Voces: your casework reminders for %(day)s") % {"day": formats.date_format(today)}
        text = render_to_string("cases/email/reminder.txt", context)
        html = render_to_string("cases/email/reminder.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


# --- Retention ---


def contact_attempts_purge(*, seconds: float = 240) -> int:
    """Blank staff's notes of their attempts to reach a filer ("left a message at 713…") once the
    complaint's contact details are erased (intake.services.complaints_purge_contact), with an
    audit event per complaint; how and with what result they tried stays. Notes written after the
    erasure (the complaint was reopened) are that new casework's, and stay. Returns how many
    complaints."""
    import time

    from django.db.models import CharField
    from django.db.models.functions import Cast

    began = time.monotonic()
    # The note is encrypted, so it cannot be compared as such; its stored text can ("" is kept
    # unencrypted), and nothing is decrypted.
    noted = (
        ContactAttempt.objects.annotate(stored=Cast("note", CharField()))
        .exclude(stored="")
        .filter(created_at__lte=F("complaint__contact_purged_at"))  # not the notes of a reopened one
    )
    due = Complaint.objects.filter(contact_purged_at__isnull=False, pk__in=noted.values("complaint")).order_by("pk")
    done, after = 0, 0
    while time.monotonic() - began < seconds:
        batch = list(due.filter(pk__gt=after).values_list("pk", "reference")[:200])
        if not batch:
            break
        for complaint_id, reference in batch:
            after = complaint_id
            try:
                with transaction.atomic():
                    complaint = (
                        Complaint.objects.select_for_update(skip_locked=True)
                        .filter(pk=complaint_id)
                        .only("pk", "reference")
                        .first()
                    )
                    if complaint is None:
                        continue
                    blanked = noted.filter(complaint=complaint).update(note="")
                    if blanked:
                        audit_record(
                            action="complaint.contact_notes_purged", obj=complaint, reference=complaint.reference,
                            data={"attempts": blanked, "retention_days": settings.RETENTION_CONTACT_DAYS},
                        )  # fmt: skip
                        done += 1
            except Exception:
                logger.exception("contact attempt notes of complaint %s not purged; the others go on", reference)
            if time.monotonic() - began >= seconds:
                break
    return done
