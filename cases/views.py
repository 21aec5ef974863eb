"""The staff area (/staff/): thin views that parse, call one service or selector, and render.
Every view names its action in accounts.policy; `render_staff` adds the navigation."""

import io
import json
import logging
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from accounts.staff import render_staff
from cases import selectors, services, workflow
from cases.forms import (
    ALLEGATION_SHORT,
    EXEMPTION_LABELS,
    AuditFilterForm,
    FootageClockForm,
    FootageFilterForm,
    FootageMoveForm,
    FootageNewForm,
    FootageRedactionForm,
    IncidentEditForm,
    IncidentFilterForm,
    LetterForm,
    QueueFilterForm,
    RevealForm,
    VersionForm,
    cursor_decode,
    cursor_encode,
)
from cases.models import ContactAttempt, FootageRequest, Incident, RedactionItem, Referral, Transcript
from core.errors import ApplicationError
from intake import choices as intake_choices
from intake import workflow as intake_workflow
from intake.models import Attachment, Complaint, FieldOffice
from intake.services import complaint_change_status
from privacy import selectors as privacy_selectors
from privacy.attachments import BY_EXTENSION, sniff_content_type
from privacy.crypto import DecryptionError
from privacy.services import audit_export_record
from surveys.results_export import csv_lines

# --- queue (and bulk assignment) ---


@policy.staff_required(policy.STAFF_VIEW)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    assignees = selectors.complaint_assignees()
    offices = FieldOffice.objects.only("id", "name").order_by("name")
    form = QueueFilterForm(request.GET, offices=offices, assignees=assignees)
    after = None
    if request.GET.get("after") and form.is_valid():
        try:
            after = cursor_decode(request.GET["after"])
        except ValueError:
            messages.warning(request, _("That page link was not valid: here is the first page."))
    page = None
    if form.is_valid():
        page = selectors.queue_page(form.filters(), user=request.user, after=after, size=form.page_size())
        # Worked out once here rather than per row in the template (a page is up to 200 rows).
        url = reverse("staff:complaint", args=["C-0"]).removesuffix("C-0/")
        for row in page.rows:
            row.allegation_labels = ", ".join(str(ALLEGATION_SHORT.get(a.kind, a.kind)) for a in row.allegations.all())
            row.url = f"{url}{row.reference}/"
            row.age = ngettext("%(days)d day", "%(days)d days", row.age_days) % {"days": row.age_days}
    params = request.GET.copy()
    params.pop("after", None)
    next_url = ""
    if page and page.next_key:
        params["after"] = cursor_encode(page.next_key)
        next_url = f"?{params.urlencode()}"
        params.pop("after")
    context = {
        "form": form,
        "page": page,
        "next_url": next_url,
        "first_url": f"?{params.urlencode()}" if after else "",
        "assignees": assignees,
        "here": request.get_full_path(),
    }
    return render_staff(request, "cases/queue.html", context, current="staff:queue", status=200 if page else 400)


def _queue_assignee(request: HttpRequest, value: str):
    """The staff member a form names: "" nobody, "me" the one signed in, or a user's id.
    LookupError when it names no one."""
    if value == "":
        return None
    if value == "me":
        return request.user
    if not (value.isascii() and value.isdigit() and len(value) < 19):  # a bigint, or no one
        raise LookupError(value)
    user = get_user_model().objects.filter(pk=int(value), is_active=True).first()
    if user is None:
        raise LookupError(value)
    return user


def _queue_back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(target)
    return redirect(fallback)


@policy.staff_required(policy.CASE_ASSIGN)
@require_POST
def queue_assign(request: HttpRequest) -> HttpResponse:
    try:
        assignee = _queue_assignee(request, request.POST.get("assignee", ""))
        count = services.complaints_assign_bulk(
            references=request.POST.getlist("complaint"), assignee=assignee, actor=request.user
        )
    except LookupError:
        messages.error(request, _("Choose a staff member from the list."))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        done = ngettext("%(count)d complaint assigned.", "%(count)d complaints assigned.", count)
        messages.success(request, done % {"count": count})
    return _queue_back(request, reverse("staff:queue"))


# --- one complaint ---


COMPLAINT_MOVE_ERRORS = {
    # intake's workflow service speaks to filers' channels; staff get these words instead.
    "stale": _("Someone else changed this complaint. Please look at it again before you change it."),
    "transition": _("This step is not possible from where the complaint is now."),
    "outcome": _("Choose an outcome to close the complaint."),
}
_ATTACHMENT_EXTENSIONS = {mime: ext for ext, mime in reversed(BY_EXTENSION.items())}


def _complaint_or_404(reference: str) -> Complaint:
    if not services.COMPLAINT_REFERENCE.fullmatch(reference):
        raise Http404
    found = Complaint.objects.filter(reference=reference).first()
    if found is None:
        raise Http404
    return found


def _complaint_int(request: HttpRequest, name: str) -> int:
    """A posted whole number; 0 (never a valid version or id) when missing or forged."""
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        return 0


def _complaint_date(request: HttpRequest, name: str) -> date | None:
    value = request.POST.get(name, "").strip()
    try:
        parsed = parse_date(value) if value else None
    except ValueError:
        parsed = None
    if value and parsed is None:
        raise ApplicationError(_("Give the date as year-month-day, for example 2026-10-03."), code="date")
    return parsed


def _complaint_back(request: HttpRequest, complaint: Complaint, error: ApplicationError | None = None, errors=None):
    if error is not None:
        messages.error(request, str((errors or {}).get(error.code, error.message)))
    return redirect("staff:complaint", reference=complaint.reference)


def _choice_labels(choices, codes) -> list[str]:
    known = dict(choices)
    return [str(known[code]) for code in codes if code in known]


def _complaint_page(
    request: HttpRequest, reference: str, *, revealed: dict | None = None, transcript: dict | None = None
) -> HttpResponse:
    user = request.user
    words = policy.allowed(user, policy.CASE_READ_WORDS)
    found = None
    if services.COMPLAINT_REFERENCE.fullmatch(reference):
        found = selectors.complaint_for_page(reference, words=words)
    if found is None:
        raise Http404
    context = {
        "complaint": found,
        "words": words,
        "allegations": _choice_labels(intake_choices.Allegation.choices, [a.kind for a in found.allegations.all()]),
        "urgent_flags": _choice_labels(intake_choices.UrgentFlag.choices, found.urgent_flags),
        "wants": _choice_labels(intake_choices.Want.choices, found.wants),
        "overdue": selectors.complaint_is_overdue(found),
        "contact": selectors.contact_for_page(
            selectors.complaint_contact(found), detailed=words or policy.allowed(user, policy.PII_REVEAL)
        ),
        "revealed": revealed,
        "timeline": selectors.complaint_timeline(found),
        "duplicates": list(found.duplicates.all()),
        "next_statuses": [
            (code, label)
            for code, label in intake_choices.Status.choices
            if intake_workflow.can_move(found.status, code)
        ],
        "outcomes": intake_choices.Outcome.choices,
        "contact_methods": ContactAttempt.Method.choices,
        "contact_results": ContactAttempt.Result.choices,
        "referral_bodies": Referral.Body.choices,
        "referral_statuses": Referral.Status.choices,
        "assignees": selectors.complaint_assignees() if policy.allowed(user, policy.CASE_ASSIGN) else [],
        "incidents": list(found.incidents.all()),
        "incident_candidates": selectors.incident_candidates(found),
        "footage_requests": found.footage_requests.all(),
        "today": timezone.localdate(),
        "voice": selectors.complaint_voice(found, words=words),
        "transcript_kinds": Transcript.Kind.choices,
        "transcript_methods": Transcript.Method.choices,
        "languages": settings.LANGUAGES,
        # What was posted, when a transcript was refused: a long text is not lost.
        "transcript": transcript or {},
    }
    status = 400 if transcript else 200
    response = render_staff(request, "cases/complaint.html", context, current="staff:queue", status=status)
    add_never_cache_headers(response)
    return response


@policy.staff_required(policy.STAFF_VIEW)
@require_GET
def complaint(request: HttpRequest, reference: str) -> HttpResponse:
    return _complaint_page(request, reference)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def complaint_move(request: HttpRequest, reference: str) -> HttpResponse:
    found = _complaint_or_404(reference)
    try:
        complaint_change_status(
            complaint=found,
            status=request.POST.get("status", ""),
            outcome=request.POST.get("outcome", ""),
            actor=request.user,
            version=_complaint_int(request, "version"),
        )
    except ApplicationError as error:
        return _complaint_back(request, found, error, COMPLAINT_MOVE_ERRORS)
    messages.success(request, _("The complaint's status was changed."))
    return _complaint_back(request, found)


@policy.staff_required(policy.CASE_ASSIGN_SELF)
@require_POST
def complaint_assign(request: HttpRequest, reference: str) -> HttpResponse:
    if not services.COMPLAINT_REFERENCE.fullmatch(reference):
        raise Http404
    complaint = get_object_or_404(Complaint.objects.only("id", "reference"), reference=reference)
    try:
        assignee = _queue_assignee(request, request.POST.get("assignee", ""))
        version = int(request.POST.get("version", ""))
        services.complaint_assign(complaint=complaint, assignee=assignee, actor=request.user, version=version)
    except LookupError:
        messages.error(request, _("Choose a staff member from the list."))
    except ValueError:
        messages.error(request, _("This page is out of date. Please reload it and try again."))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Assignment saved."))
    return _queue_back(request, reverse("staff:complaint", args=[complaint.reference]))


@policy.staff_required(policy.PII_REVEAL)
@require_POST
def complaint_reveal(request: HttpRequest, reference: str) -> HttpResponse:
    """The contact details in clear, in this response only: never kept in the session."""
    found = _complaint_or_404(reference)
    try:
        revealed = services.complaint_reveal(complaint=found, actor=request.user, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        return _complaint_back(request, found, error)
    return _complaint_page(request, reference, revealed=revealed)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def complaint_note(request: HttpRequest, reference: str) -> HttpResponse:
    found = _complaint_or_404(reference)
    try:
        services.complaint_note_add(complaint=found, actor=request.user, text=request.POST.get("text", ""))
    except ApplicationError as error:
        return _complaint_back(request, found, error)
    messages.success(request, _("Note added."))
    return _complaint_back(request, found)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def complaint_contact_attempt(request: HttpRequest, reference: str) -> HttpResponse:
    found = _complaint_or_404(reference)
    try:
        services.complaint_contact_attempt_record(
            complaint=found,
            actor=request.user,
            method=request.POST.get("method", ""),
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as error:
        return _complaint_back(request, found, error)
    messages.success(request, _("Contact attempt recorded."))
    return _complaint_back(request, found)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def complaint_referral_add(request: HttpRequest, reference: str) -> HttpResponse:
    found = _complaint_or_404(reference)
    try:
        services.referral_create(
            complaint=found,
            actor=request.user,
            body=request.POST.get("body", ""),
            body_other=request.POST.get("body_other", ""),
            external_reference=request.POST.get("external_reference", ""),
            status=request.POST.get("status", Referral.Status.PREPARING),
            sent_on=_complaint_date(request, "sent_on"),
        )
    except ApplicationError as error:
        return _complaint_back(request, found, error)
    messages.success(request, _("Referral added."))
    return _complaint_back(request, found)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def complaint_referral_update(request: HttpRequest, reference: str, referral_id: int) -> HttpResponse:
    found = _complaint_or_404(reference)
    referral = Referral.objects.filter(pk=referral_id, complaint=found).first()
    if referral is None:
        raise Http404
    try:
        services.referral_update(
            referral=referral,
            actor=request.user,
            version=_complaint_int(request, "version"),
            status=request.POST.get("status", ""),
            external_reference=request.POST.get("external_reference", ""),
        )
    except ApplicationError as error:
        return _complaint_back(request, found, error)
    messages.success(request, _("Referral updated."))
    return _complaint_back(request, found)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def complaint_merge(request: HttpRequest, reference: str) -> HttpResponse:
    found = _complaint_or_404(reference)
    try:
        merged = services.complaint_merge(
            complaint=found,
            into_reference=request.POST.get("into", ""),
            actor=request.user,
            version=_complaint_int(request, "version"),
        )
    except ApplicationError as error:
        return _complaint_back(request, found, error, COMPLAINT_MOVE_ERRORS)
    messages.success(request, _("Merged into %(reference)s.") % {"reference": merged.merged_into.reference})
    return _complaint_back(request, found)


@policy.staff_required(policy.CASE_READ_WORDS)
@require_GET
def complaint_attachment(request: HttpRequest, reference: str, attachment_id: int) -> HttpResponse:
    found = _complaint_or_404(reference)
    attachment = Attachment.objects.filter(pk=attachment_id, complaint=found).select_related("complaint").first()
    if attachment is None:
        raise Http404
    try:
        data, copy = services.complaint_attachment_read(
            attachment=attachment, actor=request.user, original=request.GET.get("original") == "1"
        )
    except (OSError, DecryptionError):
        logging.getLogger(__name__).exception("attachment %s of %s cannot be read", attachment.pk, found.reference)
        messages.error(request, _("This file cannot be opened. Tell an administrator."))
        return _complaint_back(request, found)
    content_type = sniff_content_type(data[:8192]) or "application/octet-stream"
    suffix = "-original" if copy == "original" else ""
    filename = f"{found.reference}-{attachment.pk}{suffix}{_ATTACHMENT_EXTENSIONS.get(content_type, '.bin')}"
    # Sound may be played in the page's <audio>; anything else is only ever downloaded.
    inline = request.GET.get("inline") == "1" and content_type.startswith("audio/")
    response = FileResponse(io.BytesIO(data), content_type=content_type, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def complaint_transcript_add(request: HttpRequest, reference: str) -> HttpResponse:
    found = _complaint_or_404(reference)
    posted = {
        name: request.POST.get(name, "")
        for name in ("attachment", "kind", "language", "language_other", "text", "method", "machine_name")
    }
    try:
        services.transcript_add(
            complaint=found,
            actor=request.user,
            attachment_id=_complaint_int(request, "attachment") if posted["attachment"].strip() else None,
            **{name: value for name, value in posted.items() if name != "attachment"},
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return _complaint_page(request, reference, transcript=posted)
    if posted["kind"] == Transcript.Kind.TRANSLATION:
        messages.success(request, _("Translation added."))
    else:
        messages.success(request, _("Transcript added."))
    return _complaint_back(request, found)


# --- incidents ---


def _posted_int(value) -> int | None:
    """A number from a form, or None for anything else (garbage, negative, too large)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def _by_reference(model, reference: str):
    """The object of a URL's reference; one that cannot be a reference is not found either."""
    if not (reference.isascii() and reference.isprintable() and len(reference) <= 16):
        raise Http404
    return get_object_or_404(model, reference=reference)


def _incident_page(request: HttpRequest, incident, *, edit_form=None, status: int = 200) -> HttpResponse:
    may_read = policy.allowed(request.user, policy.CASE_READ_WORDS)
    may_edit = policy.allowed(request.user, policy.CASE_EDIT) and incident.merged_into_id is None
    context = {
        "incident": incident,
        "show_summary": may_read,
        "complaints": selectors.incident_complaints(incident),
        "responses": selectors.incident_linked_responses(incident),
        "footage_requests": selectors.incident_footage(incident),
        "merged_incidents": list(incident.merged_incidents.only("reference", "merged_into").order_by("pk")),
        "may_edit": may_edit,
    }
    if may_edit:
        context["edit_form"] = edit_form or IncidentEditForm.for_incident(incident, with_summary=may_read)
        context["response_candidates"] = selectors.incident_response_candidates(incident)
    return render_staff(request, "cases/incident.html", context, current="staff:incidents", status=status)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def complaint_incident(request: HttpRequest, reference: str) -> HttpResponse:
    """From the complaint page: link the complaint to an incident (a candidate or a typed
    reference), or start a new incident from it."""
    complaint = _by_reference(Complaint, reference)
    action = request.POST.get("action", "")
    try:
        if action == "create":
            linked = _posted_int(request.POST.get("linked"))
            incident = services.incident_create_from(
                complaint=complaint, actor=request.user, linked=-1 if linked is None else linked
            )
            messages.success(request, _("Incident %(reference)s was created.") % {"reference": incident.reference})
        elif action == "link":
            typed = request.POST.get("reference", "").strip() or request.POST.get("incident", "").strip()
            if not typed:
                raise ApplicationError(_("Choose an incident or type its reference."), code="missing")
            incident = selectors.incident_by_reference(typed)
            if incident is None:
                raise ApplicationError(_("There is no incident %(reference)s.") % {"reference": typed[:20]})
            incident = services.incident_link(incident=incident, complaint=complaint, actor=request.user)
            messages.success(
                request, _("The complaint is linked to incident %(reference)s.") % {"reference": incident.reference}
            )
        else:
            raise ApplicationError(_("Choose what to do."), code="action")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("staff:complaint", reference=complaint.reference)


@policy.staff_required(policy.STAFF_VIEW)
@require_GET
def incidents(request: HttpRequest) -> HttpResponse:
    form = IncidentFilterForm(request.GET)
    page = selectors.incidents_page(number=request.GET.get("page"), **form.filters())
    return render_staff(request, "cases/incidents.html", {"form": form, "page": page}, current="staff:incidents")


@policy.staff_required(policy.STAFF_VIEW)
@require_GET
def incident(request: HttpRequest, reference: str) -> HttpResponse:
    with_summary = policy.allowed(request.user, policy.CASE_READ_WORDS)
    return _incident_page(request, selectors.incident_for_page(reference, with_summary=with_summary))


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def incident_edit(request: HttpRequest, reference: str) -> HttpResponse:
    may_read = policy.allowed(request.user, policy.CASE_READ_WORDS)
    found = selectors.incident_for_page(reference, with_summary=may_read)
    form = IncidentEditForm(request.POST)
    if not form.is_valid():
        return _incident_page(request, found, edit_form=form, status=400)
    data = form.cleaned_data
    try:
        services.incident_update(
            incident=found,
            actor=request.user,
            version=data["version"],
            summary=data["summary"] if may_read else None,
            tags=services.tags_normalise(data["tags"]),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            city=data["city"],
            state=data["state"],
            field_office=data["field_office"],
            agency=data["agency"],
        )
        messages.success(request, _("The incident was saved."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("staff:incident", reference=found.reference)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def incident_merge(request: HttpRequest, reference: str) -> HttpResponse:
    """Merge this incident into another one, named by its reference."""
    found = _by_reference(Incident, reference)
    typed = request.POST.get("into", "").strip()
    try:
        target = selectors.incident_by_reference(typed) if typed else None
        if target is None:
            raise ApplicationError(
                _("There is no incident %(reference)s.") % {"reference": typed[:20]}
                if typed
                else _("Type the reference of the incident to merge into."),
                code="unknown",
            )
        version = _posted_int(request.POST.get("version"))
        target = services.incident_merge_into(
            incident=found, target=target, actor=request.user, version=-1 if version is None else version
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("staff:incident", reference=found.reference)
    messages.success(
        request,
        _("%(incident)s was merged into %(target)s.") % {"incident": found.reference, "target": target.reference},
    )
    return redirect("staff:incident", reference=target.reference)


@policy.staff_required(policy.CASE_EDIT)
@require_POST
def incident_responses(request: HttpRequest, reference: str) -> HttpResponse:
    """Link survey responses (ticked candidates and a typed number) or unlink one."""
    found = _by_reference(Incident, reference)
    try:
        if "unlink" in request.POST:
            ids = [_posted_int(value) for value in request.POST.getlist("unlink")]
            if None in ids:
                raise ApplicationError(_("Choose a survey response."), code="missing")
            count = services.incident_responses_unlink(incident=found, response_ids=ids, actor=request.user)
            messages.success(request, _("Survey responses unlinked: %(count)d.") % {"count": count})
        else:
            values = [*request.POST.getlist("link"), request.POST.get("response_id", "")]
            values = [value.strip().lstrip("#") for value in values if value.strip()]
            if not values:
                raise ApplicationError(_("Choose a survey response or type its number."), code="missing")
            ids = [_posted_int(value) for value in values]
            if None in ids:
                shown = ", ".join(value[:20] for value, pk in zip(values, ids, strict=True) if pk is None)
                raise ApplicationError(
                    _("There is no survey response with the number %(numbers)s.") % {"numbers": shown},
                    code="unknown_response",
                )
            count = services.incident_responses_link(incident=found, response_ids=ids, actor=request.user)
            messages.success(request, _("Survey responses linked: %(count)d.") % {"count": count})
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("staff:incident", reference=found.reference)


# --- footage requests and deadlines ---


FOOTAGE_PAGE_SIZE = 50
APPEAL_DAYS = 90  # FOIA: an appeal within 90 days of the decision letter


def _footage_or_404(reference: str) -> FootageRequest:
    if not selectors.FOOTAGE_REFERENCE.fullmatch(reference):
        raise Http404
    found = FootageRequest.objects.defer(*selectors.REQUESTER_FIELDS).filter(reference=reference).first()
    if found is None:
        raise Http404
    return found


def _footage_back(request: HttpRequest, found: FootageRequest, error: ApplicationError | None = None):
    if error is not None:
        messages.error(request, error.message)
    return redirect("staff:footage", reference=found.reference)


def _form_refused(request: HttpRequest, found: FootageRequest, form) -> HttpResponse:
    """A forged or incomplete post: its first problem as the message, nothing changed."""
    problems = [str(error) for errors in form.errors.values() for error in errors]
    messages.error(request, problems[0] if problems else _("Please check the form."))
    return _footage_back(request, found)


@policy.staff_required(policy.STAFF_VIEW)
@require_GET
def footage_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = FootageFilterForm(request.GET)
    found = selectors.footage_requests(**form.filters(), today=today)
    page = Paginator(found, FOOTAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": selectors.footage_with_clock(page.object_list, today=today),
    }
    return render_staff(request, "cases/footage_list.html", context, current="staff:footage_list")


@policy.staff_required(policy.FOOTAGE_EDIT)
def footage_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = FootageNewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.footage_request_create(actor=request.user, **data)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Footage request %(reference)s was opened.") % {"reference": created.reference}
                )
                return redirect("staff:footage", reference=created.reference)
        return render_staff(
            request,
            "cases/footage_new.html",
            {"form": form, "complaint": form.cleaned_data.get("complaint")},
            current="staff:footage_list",
            status=400,
        )
    complaint, initial = None, {"received_on": timezone.localdate()}
    wanted = request.GET.get("complaint", "").strip().upper()
    if wanted:
        complaint = None
        if services.COMPLAINT_REFERENCE.fullmatch(wanted):
            complaint = Complaint.objects.filter(reference=wanted).prefetch_related("incidents").first()
        if complaint is None:
            messages.error(request, _("There is no complaint with this reference."))
        elif intake_choices.Want.FOOTAGE not in complaint.wants:
            messages.error(request, _("The filer of this complaint did not ask for the footage."))
            complaint = None
        else:
            incident = next(iter(complaint.incidents.all()), None)
            initial |= {
                "complaint": complaint.reference,
                "requester_type": FootageRequest.Requester.SUBJECT,
                "language": complaint.language,
                "incident": incident.reference if incident else "",
            }
    context = {"form": FootageNewForm(initial=initial), "complaint": complaint}
    return render_staff(request, "cases/footage_new.html", context, current="staff:footage_list")


def _footage_page(request: HttpRequest, reference: str, *, revealed: dict | None = None) -> HttpResponse:
    found = selectors.footage_detail(reference)
    if found is None:
        raise Http404
    user, today = request.user, timezone.localdate()
    selectors.footage_with_clock([found], today=today)
    edit = policy.allowed(user, policy.FOOTAGE_EDIT)
    running = found.status in workflow.CLOCK_RUNNING
    open_pause = next((p for p in found.pauses.all() if p.ended_on is None), None)
    moves = [
        (code, label) for code, label in FootageRequest.Status.choices if workflow.footage_can_move(found.status, code)
    ]
    move_codes = {code for code, _label in moves}
    checklist_done = all(row.state != RedactionItem.State.PENDING for row in found.checklist)
    context = {
        "footage": found,
        "today": today,
        "revealed": revealed,
        "moves": moves if edit else [],
        "needs_reason": workflow.NO_FOOTAGE in move_codes,
        "needs_exemptions": bool(move_codes & {workflow.DENIED, workflow.RELEASED_PARTIAL}),
        "no_footage_reasons": FootageRequest.NoFootage.choices,
        "exemption_choices": list(EXEMPTION_LABELS.items()),
        "exemptions": [EXEMPTION_LABELS[code] for code in found.exemptions if code in EXEMPTION_LABELS],
        "open_pause": open_pause,
        "clock": {
            "perfect": edit and running and found.perfected_on is None,
            "pause": edit and running and open_pause is None,
            "resume": edit and open_pause is not None,
            "extend": edit and running and found.extended_on is None,
            "expedite": edit and found.expedited_requested and found.expedited_granted is None,
        },
        "hold_warning": found.status in workflow.HOLD_NEEDED and found.hold_days_left <= settings.REMINDER_HOLD_DAYS,
        "checklist_open": edit and found.status in workflow.REDACTION_OPEN,
        "checklist_done": checklist_done,
        "redaction_states": [(s, s.label) for s in (RedactionItem.State.DONE, RedactionItem.State.NOT_APPLICABLE)],
        "can_approve": (
            policy.allowed(user, policy.FOOTAGE_APPROVE)
            and found.status == workflow.REDACTION_REVIEW
            and found.approved_by_id is None
            and found.prepared_by_id != user.pk
            and not any(row.reviewer_id == user.pk for row in found.checklist)
            and checklist_done
        ),
        "letters": policy.allowed(user, policy.PII_REVEAL),
        "letter_kinds": [("acknowledgement", _("Acknowledgement"))]
        + ([("decision", _("Decision"))] if found.status in workflow.DECIDED else []),
    }
    response = render_staff(request, "cases/footage.html", context, current="staff:footage_list")
    add_never_cache_headers(response)
    return response


@policy.staff_required(policy.STAFF_VIEW)
@require_GET
def footage(request: HttpRequest, reference: str) -> HttpResponse:
    return _footage_page(request, reference)


@policy.staff_required(policy.FOOTAGE_EDIT)
@require_POST
def footage_move(request: HttpRequest, reference: str) -> HttpResponse:
    found = _footage_or_404(reference)
    form = FootageMoveForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, found, form)
    data = form.cleaned_data
    try:
        moved = services.footage_move(
            request=found,
            to=data["to"],
            actor=request.user,
            version=data["version"],
            no_footage_reason=data["no_footage_reason"],
            exemptions=tuple(data["exemptions"]),
        )
    except ApplicationError as error:
        return _footage_back(request, found, error)
    messages.success(request, _("The request is now: %(status)s.") % {"status": moved.get_status_display()})
    return _footage_back(request, found)


@policy.staff_required(policy.FOOTAGE_EDIT)
@require_POST
def footage_clock(request: HttpRequest, reference: str) -> HttpResponse:
    found = _footage_or_404(reference)
    form = FootageClockForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, found, form)
    action, on, version = form.cleaned_data["action"], form.cleaned_data["on"], form.cleaned_data["version"]
    common = {"request": found, "actor": request.user, "version": version}
    dated = {
        FootageClockForm.PERFECT: services.footage_perfect,
        FootageClockForm.PAUSE: services.footage_pause,
        FootageClockForm.RESUME: services.footage_resume,
        FootageClockForm.EXTEND: services.footage_extend,
    }
    try:
        if action in dated:
            dated[action](on=on, **common)
        else:
            services.footage_expedited_decide(granted=action == FootageClockForm.EXPEDITE_YES, **common)
    except ApplicationError as error:
        return _footage_back(request, found, error)
    messages.success(request, _("The clock was updated."))
    return _footage_back(request, found)


@policy.staff_required(policy.FOOTAGE_EDIT)
@require_POST
def footage_redaction(request: HttpRequest, reference: str) -> HttpResponse:
    found = _footage_or_404(reference)
    form = FootageRedactionForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, found, form)
    data = form.cleaned_data
    try:
        services.footage_redaction_set(
            request=found, item=data["item"], state=data["state"], actor=request.user, version=data["version"]
        )
    except ApplicationError as error:
        return _footage_back(request, found, error)
    messages.success(request, _("The redaction checklist was updated."))
    return _footage_back(request, found)


@policy.staff_required(policy.FOOTAGE_APPROVE)
@require_POST
def footage_approve(request: HttpRequest, reference: str) -> HttpResponse:
    found = _footage_or_404(reference)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, found, form)
    try:
        services.footage_approve_release(request=found, approver=request.user, version=form.cleaned_data["version"])
    except ApplicationError as error:
        return _footage_back(request, found, error)
    messages.success(request, _("You approved the release."))
    return _footage_back(request, found)


@policy.staff_required(policy.PII_REVEAL)
@require_POST
def footage_reveal(request: HttpRequest, reference: str) -> HttpResponse:
    found = None
    if selectors.FOOTAGE_REFERENCE.fullmatch(reference):
        found = FootageRequest.objects.filter(reference=reference).first()  # the requester's details too
    if found is None:
        raise Http404
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, found, form)
    try:
        revealed = services.footage_requester_reveal(
            request=found, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        return _footage_back(request, found, error)
    # Shown in this response only: reloading the page masks them again.
    return _footage_page(request, reference, revealed=revealed)


@policy.staff_required(policy.PII_REVEAL)
@require_POST
def footage_letter(request: HttpRequest, reference: str) -> HttpResponse:
    """A letter names the requester: asked for with a reason, like a reveal, and audited."""
    found = selectors.footage_detail(reference)
    if found is None:
        raise Http404
    form = LetterForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, found, form)
    kind = form.cleaned_data["kind"]
    try:
        services.footage_letter_rendered(
            request=found, kind=kind, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        return _footage_back(request, found, error)
    today = timezone.localdate()
    selectors.footage_with_clock([found], today=today)
    context = {
        "footage": found,
        "today": today,
        "appeal_by": today + timedelta(days=APPEAL_DAYS),
        "appeal_days": APPEAL_DAYS,
        "exemptions": [EXEMPTION_LABELS[code] for code in found.exemptions if code in EXEMPTION_LABELS],
    }
    # In the requester's language, whatever the staff member reads.
    with translation.override(found.language):
        html = render_to_string(f"cases/letters/{kind}.html", context)
    response = HttpResponse(html)
    add_never_cache_headers(response)
    return response


@policy.staff_required(policy.STAFF_VIEW)
@require_GET
def deadlines(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {"today": today, "hold_days": settings.REMINDER_HOLD_DAYS, **selectors.footage_deadlines(today=today)}
    return render_staff(request, "cases/deadlines.html", context, current="staff:deadlines")


# --- audit log ---


AUDIT_PAGE_SIZE = 50


@policy.staff_required(policy.AUDIT_READ)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "events": [], "next_url": "", "export_url": ""}
        return render_staff(request, "cases/audit_log.html", context, current="staff:audit_log", status=400)
    after = None
    if request.GET.get("after"):
        after = privacy_selectors.audit_cursor_parse(request.GET["after"])
        if after is None:
            messages.warning(request, _("That page link was not valid: here is the first page."))
    events, next_position = privacy_selectors.audit_page(form.filters(), after=after, size=AUDIT_PAGE_SIZE)
    for event in events:  # a key named like a dict method ("items") would fool the template
        event.data_pairs = sorted(event.data.items()) if isinstance(event.data, dict) else [("", event.data)]
    query = request.GET.copy()
    query.pop("after", None)
    export_url = f"{reverse('staff:audit_export')}?{query.urlencode()}"
    first_url = f"?{query.urlencode()}" if after is not None else ""
    next_url = ""
    if next_position is not None:
        query["after"] = privacy_selectors.audit_cursor(next_position)
        next_url = f"?{query.urlencode()}"
    context = {"form": form, "events": events, "next_url": next_url, "first_url": first_url, "export_url": export_url}
    return render_staff(request, "cases/audit_log.html", context, current="staff:audit_log")


AUDIT_EXPORT_HEADER = ["created_at", "actor", "action", "object_type", "object_id", "object_ref", "reason", "data"]


@policy.staff_required(policy.AUDIT_EXPORT)
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Check the filters before exporting."))
        return redirect(f"{reverse('staff:audit_log')}?{request.GET.urlencode()}")
    filters = form.filters()
    events, count = privacy_selectors.audit_export_rows(filters)
    audit_export_record(actor=request.user, filters=filters.as_data(), rows=count)
    rows = (
        [
            timezone.localtime(event.created_at).isoformat(),
            event.actor.username if event.actor else "",
            event.action,
            event.object_type,
            event.object_id,
            event.object_ref,
            event.reason,
            json.dumps(event.data, ensure_ascii=False, sort_keys=True),
        ]
        for event in events.iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(csv_lines(AUDIT_EXPORT_HEADER, rows), content_type="text/csv; charset=utf-8")
    filename = f"voces-audit-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
