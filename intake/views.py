import re
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from core.errors import ApplicationError
from intake import choices, services
from intake.forms import (
    STEP_FORMS,
    STEP_NAMES,
    AddInformationForm,
    ReceiptLookupForm,
    StoryForm,
    bound_step_form,
    complaint_input_from_forms,
    review_sections,
    step_form_kwargs,
    upload_error_message,
)
from intake.models import Draft, VoicePrompt, VoiceRecording
from intake.receipts import receipt_digits, receipt_display
from intake.selectors import (
    complaint_by_receipt,
    draft_by_token,
    organization_complaint,
    organization_complaints,
    receipt_is_pending,
    status_timeline,
    voice_prompts_recorded,
)
from intake.voice import Heard, Speaker, voice_twiml
from messaging.views import twilio_webhook
from privacy.attachments import UploadRejected, check_upload
from privacy.ratelimit import Limit, over_limit

TOTAL_STEPS = len(STEP_NAMES) + 1  # and the review


def with_draft(view):
    """Give the view the live draft of the URL's token, or answer that the form is closed."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        draft = draft_by_token(token)
        if draft is None:
            return render(request, "intake/expired.html", {"draft_hours": settings.DRAFT_TTL_HOURS}, status=404)
        return view(request, token, draft, *args, **kwargs)

    return wrapper


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    context = {"total_steps": TOTAL_STEPS, "draft_hours": settings.DRAFT_TTL_HOURS}
    if request.method == "POST":
        if over_limit(request, Limit("draft-start", settings.DRAFT_START_RATE_PER_CLIENT)):
            context["error"] = _("Too many tries. Please wait one hour and try again.")
            return render(request, "intake/start.html", context, status=429)
        _draft, token = services.draft_start(language=get_language())
        return redirect("intake:step", token=token, step=STEP_NAMES[0])
    return render(request, "intake/start.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@with_draft
def step(request: HttpRequest, token: str, draft: Draft, step: str) -> HttpResponse:
    if step not in STEP_FORMS:
        raise Http404("step")
    if draft.is_submitted:
        return redirect("intake:receipt", token=token)
    answers = services.draft_answers(draft)
    index = STEP_NAMES.index(step)
    from_review = request.GET.get("from") == "review" or request.POST.get("from") == "review"
    kwargs = step_form_kwargs(step, draft, answers)
    form_class = STEP_FORMS[step]
    upload_errors: list[str] = []

    if request.method == "POST":
        kwargs.pop("initial", None)
        data = request.POST
        if form_class is StoryForm:
            upload_errors = _handle_files(request, draft)
            # Files removed above are no longer choices; the list is shown afresh.
            data = request.POST.copy()
            data.setlist("remove_files", [])
            kwargs = step_form_kwargs(step, draft, answers)
        form = form_class(data, **kwargs)
        valid = form.is_valid()
        services.draft_save_step(draft=draft, step=step, answers=form.answers())
        if request.POST.get("nav") == "back" and index > 0:
            if from_review:
                return redirect("intake:review", token=token)
            return redirect("intake:step", token=token, step=STEP_NAMES[index - 1])
        if valid and not upload_errors:
            if from_review or index == len(STEP_NAMES) - 1:
                return redirect("intake:review", token=token)
            return redirect("intake:step", token=token, step=STEP_NAMES[index + 1])
    elif request.GET.get("check"):
        form = bound_step_form(step, draft, answers)
        form.is_valid()
    else:
        form = form_class(**{"initial": answers.get(step, {}), **kwargs})

    return render(
        request,
        "intake/step.html",
        {
            "form": form,
            "step": step,
            "step_number": index + 1,
            "total_steps": TOTAL_STEPS,
            "token": token,
            "from_review": from_review,
            "upload_errors": upload_errors,
            "attachments": getattr(form, "attachments", []),
            "is_upload_step": form_class is StoryForm,
        },
    )


def _check_uploads(request: HttpRequest, uploads) -> tuple[list, list[str]]:
    """The files of a request that Voces will keep, and a message for each one it will not."""
    errors = [upload_error_message("too_large", name) for _f, name in getattr(request, "oversize_uploads", [])]
    checked = []
    for uploaded in uploads:
        try:
            checked.append((check_upload(uploaded), uploaded.name))
        except UploadRejected as rejected:
            errors.append(upload_error_message(rejected.code, uploaded.name))
    return checked, errors


def _handle_files(request: HttpRequest, draft: Draft) -> list[str]:
    uploads = request.FILES.getlist("files")
    if uploads and over_limit(request, Limit("upload", settings.UPLOAD_RATE_PER_CLIENT)):
        return [_("Too many tries. Please wait one hour and try again.")]
    checked, errors = _check_uploads(request, uploads)
    for attachment_id in request.POST.getlist("remove_files"):
        if attachment_id.isascii() and attachment_id.isdecimal() and len(attachment_id) < 19:
            services.draft_remove_attachment(draft=draft, attachment_id=int(attachment_id))
    for file, name in checked:
        try:
            services.draft_add_attachment(draft=draft, checked=file, original_name=name)
        except UploadRejected as rejected:
            errors.append(upload_error_message(rejected.code, name))
    return errors


@never_cache
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, token: str) -> HttpResponse:
    # Sent from the review page just shown: one UPDATE accepts the input it checked and kept.
    if request.method == "POST" and services.draft_submit_reviewed(token=token):
        return redirect("intake:receipt", token=token)
    return _review(request, token)


@with_draft
def _review(request: HttpRequest, token: str, draft: Draft) -> HttpResponse:
    if draft.is_submitted:
        return redirect("intake:receipt", token=token)
    answers = services.draft_answers(draft)
    forms = {name: bound_step_form(name, draft, answers) for name in STEP_NAMES}
    for name, form in forms.items():
        if not form.is_valid():
            return redirect(reverse("intake:step", args=[token, name]) + "?from=review&check=1")
    data = complaint_input_from_forms(forms, draft=draft, answers=answers)
    if request.method == "POST":
        try:
            services.draft_submit(draft=draft, data=data)
        except ApplicationError:
            return redirect(reverse("intake:step", args=[token, STEP_NAMES[0]]) + "?from=review&check=1")
        return redirect("intake:receipt", token=token)
    services.draft_remember_review(draft=draft, data=data)
    return render(
        request,
        "intake/review.html",
        {
            "sections": review_sections(forms),
            "attachments": forms["story"].attachments,
            "token": token,
            "step_number": TOTAL_STEPS,
            "total_steps": TOTAL_STEPS,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@with_draft
def receipt(request: HttpRequest, token: str, draft: Draft) -> HttpResponse:
    if not draft.is_submitted:
        return redirect("intake:review", token=token)
    error = ""
    if request.method == "POST":
        if request.POST.get("saved"):
            services.draft_receipt_saved(draft=draft)
            return render(request, "intake/done.html")
        error = _("Please tick the box to show that you saved your number.")
    return render(
        request,
        "intake/receipt.html",
        {"receipt": receipt_display(draft.receipt), "token": token, "error": error},
    )


LOOKUP_LIMITED = "limited"
LOOKUP_NOT_FOUND = "not_found"
LOOKUP_PENDING = "pending"


def _lookup(request: HttpRequest, form: ReceiptLookupForm):
    """(complaint, None) or (None, problem). A wrong number and a malformed one get the same
    answer, so a guess learns nothing; both count against the limits."""
    if not form.is_valid():
        return None, None
    value = form.cleaned_data["receipt"]
    digits = receipt_digits(value)
    if over_limit(
        request,
        Limit("status-client", settings.STATUS_LOOKUP_RATE_PER_CLIENT),
        Limit("status-receipt", settings.STATUS_LOOKUP_RATE_PER_RECEIPT, value=digits),
    ):
        form.add_error("receipt", _("Too many tries. Please wait one hour and try again."))
        return None, LOOKUP_LIMITED
    complaint = complaint_by_receipt(value)
    if complaint is None and receipt_is_pending(value):
        return None, LOOKUP_PENDING
    if complaint is None:
        form.add_error("receipt", _("We could not find a complaint with this number. Check the digits and try again."))
        return None, LOOKUP_NOT_FOUND
    return complaint, None


def _lookup_failed(request: HttpRequest, form: ReceiptLookupForm, problem: str | None) -> HttpResponse:
    if problem == LOOKUP_PENDING:
        # Received, not filed yet: an action on it (a crafted POST) is refused, and says so.
        code = 200 if request.resolver_match.url_name == "status" else 409
        return render(request, "intake/status.html", {"pending": True, "timeline": []}, status=code)
    code = 429 if problem == LOOKUP_LIMITED else 400
    return render(request, "intake/status_lookup.html", {"form": form}, status=code)


def _status_page(request, complaint, receipt_value, *, add_form=None, message="", status=200) -> HttpResponse:
    return render(
        request,
        "intake/status.html",
        {
            "complaint": complaint,
            "timeline": status_timeline(complaint),
            "receipt": receipt_value,
            "add_form": add_form or AddInformationForm(),
            "message": message,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "intake/status_lookup.html", {"form": ReceiptLookupForm()})
    form = ReceiptLookupForm(request.POST)
    complaint, problem = _lookup(request, form)
    if complaint is None:
        return _lookup_failed(request, form, problem)
    return _status_page(request, complaint, form.cleaned_data["receipt"])


def with_complaint(view):
    """Status-page actions: the complaint of the receipt posted with the form (rate-limited like a
    lookup), or the lookup page with its error."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        lookup = ReceiptLookupForm(request.POST)
        complaint, problem = _lookup(request, lookup)
        if complaint is None:
            return _lookup_failed(request, lookup, problem)
        return view(request, complaint, lookup.cleaned_data["receipt"])

    return wrapper


@never_cache
@require_POST
@with_complaint
def status_add(request: HttpRequest, complaint, receipt_value: str) -> HttpResponse:
    form = AddInformationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _status_page(request, complaint, receipt_value, add_form=form, status=400)
    files, rejected = _check_uploads(request, form.cleaned_data["files"])
    if rejected:
        for message in rejected:
            form.add_error("files", message)
        return _status_page(request, complaint, receipt_value, add_form=form, status=400)
    try:
        services.complaint_add_information(complaint=complaint, text=form.cleaned_data["text"], files=files)
    except UploadRejected as exc:
        form.add_error("files", upload_error_message(exc.code, ""))
        return _status_page(request, complaint, receipt_value, add_form=form, status=400)
    except ApplicationError as problem:
        if problem.code != "closed":
            raise
        form.add_error(None, _("This complaint is closed. You cannot add to it."))
        return _status_page(request, complaint, receipt_value, add_form=form, status=400)
    complaint = complaint_by_receipt(receipt_value)
    return _status_page(request, complaint, receipt_value, message=_("Thank you. We added your information."))


@never_cache
@require_POST
@with_complaint
def status_withdraw(request: HttpRequest, complaint, receipt_value: str) -> HttpResponse:
    if not request.POST.get("confirm"):
        return _status_page(
            request, complaint, receipt_value, message=_("To take back your complaint, tick the box first."), status=400
        )
    services.complaint_withdraw(complaint=complaint)
    complaint = complaint_by_receipt(receipt_value)
    return _status_page(request, complaint, receipt_value, message=_("Your complaint is now closed."))


# --- organisation portal ---

PORTAL_PAGE_SIZE = 25


def org_member_required(view):
    """Signed in (else the sign-in page) and a member of an organisation (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.allowed(request.user, policy.ORG_PORTAL):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
@require_http_methods(["GET"])
@org_member_required
def work_complaints(request: HttpRequest) -> HttpResponse:
    page = Paginator(organization_complaints(request.user), PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "intake/work_complaints.html", {"page": page})


def _labels(choice_class, codes) -> str:
    return ", ".join(str(choice_class(code).label) for code in codes if code in choice_class.values)


def _portal_facts(complaint) -> list[tuple[str, str]]:
    """The structured facts, in words, that have an answer."""
    place = ", ".join(part for part in (complaint.city, complaint.state) if part)
    date_label = _("Date (approximate)") if complaint.date_is_approximate else _("Date")
    facts = [
        (_("Filed through"), complaint.get_channel_display()),
        (_("Language"), complaint.get_language_display()),
        (_("Who filed"), complaint.get_filer_role_display()),
        (_("Urgent"), _labels(choices.UrgentFlag, complaint.urgent_flags)),
        (_("What happened"), _labels(choices.Allegation, complaint.allegation_kinds)),
        (date_label, complaint.incident_date),
        (_("Time of day"), complaint.get_time_of_day_display()),
        (_("Place"), place),
        (_("Kind of place"), complaint.get_place_type_display()),
        (_("ICE field office"), complaint.field_office.name if complaint.field_office else ""),
        (_("Agency"), complaint.get_agency_display()),
        (_("Number of officers"), complaint.officer_count),
        (_("Officers wore masks"), complaint.get_officers_masked_display()),
        (_("Body camera seen"), complaint.get_body_camera_seen_display()),
        (_("Body camera recording"), complaint.get_body_camera_recording_display()),
        (_("Adults affected"), complaint.adults_count),
        (_("Children affected"), complaint.children_count),
        (_("Injuries"), complaint.get_injuries_display()),
        (_("Medical care"), complaint.get_medical_care_display()),
        (_("Taken into custody"), complaint.get_taken_into_custody_display()),
        (_("What the person wants"), _labels(choices.Want, complaint.wants)),
    ]
    return [(label, value) for label, value in facts if value not in (None, "")]


@never_cache
@require_http_methods(["GET"])
@org_member_required
def work_complaint(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = organization_complaint(request.user, reference)
    if complaint is None:  # another organisation's looks the same as none at all
        raise Http404("complaint")
    context = {"complaint": complaint, "timeline": status_timeline(complaint), "facts": _portal_facts(complaint)}
    return render(request, "intake/work_complaint.html", context)


# The complaint line (intake/voice.py): Twilio's voice webhooks ---------------------------------

CALL_SID = re.compile(r"CA[0-9A-Za-z]{32}")


def _voice_twiml(answer: services.VoiceAnswer) -> HttpResponse:
    twiml = voice_twiml(
        answer.state,
        turn=answer.turn,
        notes=answer.notes,
        speaker=Speaker(voice_prompts_recorded()),
        receipt=answer.receipt,
        ended=answer.ended,
    )
    return HttpResponse(twiml, content_type="text/xml")


def _recording_input(request: HttpRequest, kind: str) -> services.RecordingInput | None:
    sid = request.POST.get("RecordingSid", "")
    if not sid:
        return None
    duration = request.POST.get("RecordingDuration", "")
    return services.RecordingInput(
        kind=kind,
        sid=sid[:64],
        url=request.POST.get("RecordingUrl", "")[:300],
        status=request.POST.get("RecordingStatus", "")[:16],
        duration=int(duration) if duration.isascii() and duration.isdecimal() and len(duration) < 7 else None,
    )


@twilio_webhook
def voice_start(request: HttpRequest) -> HttpResponse:
    """A call to the complaint line begins (and Twilio's retry of it): the language menu."""
    sid = request.POST.get("CallSid", "")
    if not CALL_SID.fullmatch(sid):
        return HttpResponseBadRequest("CallSid is required")
    return _voice_twiml(services.voice_call_answer(call_sid=sid, from_number=request.POST.get("From", "")[:64]))


@twilio_webhook
def voice_step(request: HttpRequest, step: str) -> HttpResponse:
    """What the caller pressed or said at a step; ?t= is the call's turn, so a retry moves nothing."""
    sid = request.POST.get("CallSid", "")
    if not CALL_SID.fullmatch(sid):
        return HttpResponseBadRequest("CallSid is required")
    turn = request.GET.get("t", "")
    kind = {"name": VoiceRecording.Kind.LANGUAGE_NAME, "story": VoiceRecording.Kind.STORY}.get(step)
    recording = _recording_input(request, kind) if kind else None
    answer = services.voice_call_answer(
        call_sid=sid,
        from_number=request.POST.get("From", "")[:64],
        step=step,
        turn=int(turn) if turn.isascii() and turn.isdecimal() and len(turn) < 9 else None,
        heard=Heard(digits=request.POST.get("Digits", "")[:8], recorded=recording is not None and bool(recording.url)),
        recording=recording,
    )
    return _voice_twiml(answer)


@twilio_webhook
def voice_recording(request: HttpRequest) -> HttpResponse:
    """Twilio's recording status callback (it comes even when the caller hung up). Always 200."""
    sid = request.POST.get("CallSid", "")
    kind = request.GET.get("kind", "")
    recording = _recording_input(request, kind if kind in VoiceRecording.Kind.values else VoiceRecording.Kind.STORY)
    if CALL_SID.fullmatch(sid) and recording is not None:
        services.voice_recording_received(call_sid=sid, recording=recording)
    return HttpResponse(status=200)


@twilio_webhook
def voice_status(request: HttpRequest) -> HttpResponse:
    """Twilio's call status callback: a call that ended half-way is filed as it is. Always 200."""
    sid = request.POST.get("CallSid", "")
    if CALL_SID.fullmatch(sid):
        services.voice_call_ended(call_sid=sid, call_status=request.POST.get("CallStatus", "")[:16])
    return HttpResponse(status=200)


@require_http_methods(["GET", "HEAD"])
def voice_prompt(request: HttpRequest, pk: int) -> HttpResponse:
    """A recorded prompt, for Twilio's <Play>: public audio that says nothing about any caller."""
    prompt = VoicePrompt.objects.filter(pk=pk).first()
    if prompt is None or not prompt.audio:
        raise Http404
    try:
        audio = prompt.audio.open("rb")
    except OSError:  # the file is gone from storage: Twilio moves on
        raise Http404 from None
    response = FileResponse(audio, content_type=prompt.content_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response
