"""Writes for casework: footage requests move only along cases/workflow.py, a release needs a
second staff member's approval (never the preparer's own), and a page that is out of date
changes nothing."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cases import workflow
from cases.models import FootageEvent, FootagePause, FootageRequest, Incident
from core.errors import ApplicationError
from core.services import reference_next
from privacy.services import audit_record


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
) -> FootageRequest:
    """A footage request, with a preservation hold from the day it is received: footage that is
    not asked to be kept may be deleted on the agency's schedule."""
    with transaction.atomic():
        request = FootageRequest(
            reference=reference_next(prefix="FR"),
            complaint=complaint,
            requester_type=requester_type,
            legal_basis=legal_basis,
            language=language,
            received_on=received_on,
            perfected_on=perfected_on,
            expedited_requested=expedited_requested,
            hold_issued_on=received_on,
            hold_until=received_on + timedelta(days=settings.FOOTAGE_HOLD_DAYS),
        )
        request.full_clean(exclude=["complaint"])
        request.save()
        FootageEvent.objects.create(request=request, status=request.status, actor=actor)
        audit_record(actor=actor, action="footage.created", obj=request, reference=request.reference)
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
        current.approved_by = approver
        current = _saved(current, ["approved_by"])
        audit_record(actor=approver, action="footage.release_approved", obj=current, reference=current.reference)
    return current


def footage_pause(*, request: FootageRequest, on: date, actor, version: int) -> FootageRequest:
    """Stop the clock while waiting on the requester."""
    with transaction.atomic():
        current = _locked(request, version)
        if current.pauses.filter(ended_on__isnull=True).exists():
            raise ApplicationError(_("The clock is already stopped."), code="paused")
        FootagePause.objects.create(request=current, started_on=on)
        current = _saved(current, [])
        audit_record(actor=actor, action="footage.paused", obj=current, reference=current.reference)
    return current


def footage_resume(*, request: FootageRequest, on: date, actor, version: int) -> FootageRequest:
    """The requester answered: the clock runs again from the next working day."""
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
        if current.extended_on is not None:
            raise ApplicationError(_("This request was extended already."), code="extended")
        current.extended_on = on
        current = _saved(current, ["extended_on"])
        audit_record(actor=actor, action="footage.extended", obj=current, reference=current.reference)
    return current


def incident_create_from(*, complaint, actor) -> Incident:
    """A new incident from a complaint's facts (its date, place, office and agency), linked to it."""
    day = complaint.incident_date or complaint.created_at.date()
    with transaction.atomic():
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
    the complaint's date."""
    with transaction.atomic():
        current = Incident.objects.select_for_update().get(pk=incident.pk)
        if current.complaints.filter(pk=complaint.pk).exists():
            return current
        current.complaints.add(complaint)
        if complaint.incident_date:
            current.starts_on = min(current.starts_on, complaint.incident_date)
            current.ends_on = max(current.ends_on, complaint.incident_date)
            current.save(update_fields=["starts_on", "ends_on"])
        audit_record(
            actor=actor, action="incident.complaint_linked", obj=current, reference=current.reference,
            data={"complaint": complaint.reference},
        )  # fmt: skip
    return current


# --- complaints: assignment, notes, contact attempts, referrals, merges, reveals ---


# --- incidents: merge, tags, survey responses ---


# --- footage requests: redaction checklist, decision letters ---


# --- reminders ---
