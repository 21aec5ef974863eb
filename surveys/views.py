import csv
import io
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import Organization
from core.errors import ApplicationError
from core.fields import LazyI18nString
from privacy.ratelimit import Limit, over_limit
from surveys import batch_files, selectors, services
from surveys.forms import BatchUploadForm, InterviewForm, InvitationForm, ResultsFilterForm, SectionForm, visible_names
from surveys.models import Batch
from surveys.results_export import csv_lines, xlsx_file

# --- The public: answering --------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "surveys/index.html",
        {"surveys": selectors.surveys_open_public(), "closed": selectors.surveys_closed_public()},
    )


def _public_survey(slug: str):
    """A survey the public may see by its address: not a draft, and not one for invited groups."""
    survey = selectors.survey_by_slug(slug)
    if survey is None or survey.audience != survey.Audience.PUBLIC:
        raise Http404("survey")
    return survey


def _start_draft(request: HttpRequest, survey, *, invitation=None) -> HttpResponse | None:
    """Start a response and go to its first page; None when the person must wait."""
    if over_limit(request, Limit("survey-start", settings.SURVEY_START_RATE_PER_CLIENT)):
        return None
    version = selectors.version_current(survey)
    _draft, token = services.response_draft_start(version=version, language=get_language(), invitation=invitation)
    questions = selectors.version_questions(version)
    return redirect("surveys:section", token=token, section=_first_section(questions, {}))


def _intro(request: HttpRequest, survey, *, invitation=None) -> HttpResponse:
    context = {
        "survey": survey,
        "invitation": invitation,
        "is_open": selectors.survey_is_open(survey) and selectors.version_current(survey) is not None,
        "sms_number": settings.VOCES_SMS_NUMBER,
        # What to text: the keyword, the invitation's code, and the page's language (so the
        # survey over SMS starts in it without asking).
        "sms_text": " ".join(
            part
            for part in (survey.keyword, getattr(invitation, "code", ""), get_language().split("-")[0].upper())
            if part
        )
        if survey.keyword
        else "",
    }
    if context["is_open"]:
        questions = selectors.version_questions(selectors.version_current(survey))
        context["question_count"] = sum(1 for q in questions if q.kind != q.Kind.NOTE)
        context["minutes"] = max(2, round(context["question_count"] * 0.4))
    if request.method == "POST" and context["is_open"]:
        response = _start_draft(request, survey, invitation=invitation)
        if response is not None:
            return response
        context["error"] = _("Too many tries. Please wait one hour and try again.")
        return render(request, "surveys/start.html", context, status=429)
    return render(request, "surveys/start.html", context, status=200 if context["is_open"] else 410)


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    return _intro(request, _public_survey(slug))


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.invitation_by_code(code)
    if found is None:
        return render(request, "surveys/invitation_unknown.html", status=404)
    return _intro(request, found.survey, invitation=found)


def document(request: HttpRequest, slug: str) -> HttpResponse:
    return _document(request, _public_survey(slug))


def invitation_document(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.invitation_by_code(code)
    if found is None:
        return render(request, "surveys/invitation_unknown.html", status=404)
    return _document(request, found.survey, invitation=found)


def _document(request: HttpRequest, survey, invitation=None) -> HttpResponse:
    if not str(survey.document or ""):
        raise Http404("document")
    return render(request, "surveys/document.html", {"survey": survey, "invitation": invitation})


def with_response_draft(view):
    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
        draft = selectors.response_draft_by_token(token)
        if draft is None:
            context = {"draft_hours": settings.SURVEY_DRAFT_TTL_HOURS}
            return render(request, "surveys/expired.html", context, status=404)
        return view(request, token, draft, *args, **kwargs)

    return wrapper


def _sections(questions) -> list[int]:
    return sorted({q.section for q in questions})


def _shown_in(questions, section: int, answers: dict) -> list:
    visible = visible_names(questions, answers)
    return [q for q in questions if q.section == section and q.name in visible]


def _first_section(questions, answers: dict, after: int = 0) -> int | None:
    """The next section after `after` with something to ask, given the answers so far."""
    return next((n for n in _sections(questions) if n > after and _shown_in(questions, n, answers)), None)


def _previous_section(questions, answers: dict, before: int) -> int | None:
    earlier = [n for n in _sections(questions) if n < before and _shown_in(questions, n, answers)]
    return earlier[-1] if earlier else None


@never_cache
@require_http_methods(["GET", "POST"])
@with_response_draft
def section(request: HttpRequest, token: str, draft, section: int) -> HttpResponse:
    if draft.response_id:
        return redirect("surveys:done", token=token)
    survey = draft.version.survey
    if not selectors.survey_is_open(survey):
        return render(request, "surveys/start.html", {"survey": survey, "is_open": False}, status=410)
    questions = selectors.version_questions(draft.version)
    sections = _sections(questions)
    if section not in sections:
        raise Http404("section")
    answers = services.response_draft_answers(draft)
    shown = _shown_in(questions, section, answers)
    if not shown:
        # Nothing to ask here given the answers: move on, but only a POST ever sends the answers.
        following = _first_section(questions, answers, after=section)
        if following is not None:
            return redirect("surveys:section", token=token, section=following)
        if request.method == "POST":
            return _finish(request, token, draft)
        previous = _previous_section(questions, answers, before=section)
        if previous is None:
            raise Http404("section")
        return redirect("surveys:section", token=token, section=previous)

    new_questions = []
    if request.method == "POST":
        posted = SectionForm(request.POST, questions=shown).answers()
        answers.update(posted)
        services.response_draft_save(draft=draft, answers=posted)
        # A follow-up the posted answers hide again is neither asked nor checked.
        visible = visible_names(questions, answers)
        form = SectionForm(request.POST, questions=[q for q in shown if q.name in visible])
        valid = form.is_valid()
        if request.POST.get("nav") == "back":
            previous = _previous_section(questions, answers, before=section)
            if previous is not None:
                return redirect("surveys:section", token=token, section=previous)
            if draft.collected_by_id is not None:
                return redirect("surveys:interview", slug=survey.slug)
            if draft.invitation is not None:
                return redirect("surveys:invitation", code=draft.invitation.code)
            return redirect("surveys:start", slug=survey.slug)
        if valid:
            now_shown = _shown_in(questions, section, answers)
            new_questions = [q for q in now_shown if q not in shown]
            if not new_questions:
                following = _first_section(questions, answers, after=section)
                if following is None:
                    return _finish(request, token, draft)
                return redirect("surveys:section", token=token, section=following)
            # An answer on this page opened follow-up questions: ask them on the same page.
            shown = now_shown
            form = SectionForm(initial=answers, questions=shown)
    elif request.GET.get("check"):
        form = SectionForm(_as_data(answers, shown), questions=shown)
        form.is_valid()
    else:
        form = SectionForm(initial=answers, questions=shown)

    titles = (draft.version.sections or {}).get(str(section))
    return render(
        request,
        "surveys/section.html",
        {
            "survey": survey,
            "form": form,
            "token": token,
            "section_title": LazyI18nString(titles) if titles else "",
            "step_number": sections.index(section) + 1,
            "total_steps": len(sections),
            "is_last": _first_section(questions, answers, after=section) is None,
            "new_questions": {q.name for q in new_questions},
            "is_interview": draft.collected_by_id is not None,
        },
    )


def _as_data(answers: dict, questions) -> QueryDict:
    data = QueryDict(mutable=True)
    for question in questions:
        value = answers.get(question.name)
        if isinstance(value, list):
            data.setlist(question.name, value)
        elif value not in (None, ""):
            data[question.name] = value
    return data


def _finish(request: HttpRequest, token: str, draft) -> HttpResponse:
    try:
        services.response_draft_submit(draft=draft, language=get_language())
    except services.ResponseInvalid as invalid:
        # Something an earlier page needs (a page saved before a required question was added):
        # send the person back there, with the question marked.
        questions = selectors.version_questions(draft.version)
        names = {problem.question for problem in invalid.problems}
        first = next(q for q in questions if q.name in names)
        return redirect(reverse("surveys:section", args=[token, first.section]) + "?check=1")
    return redirect("surveys:done", token=token)


@never_cache
@with_response_draft
def done(request: HttpRequest, token: str, draft) -> HttpResponse:
    if not draft.response_id:
        return redirect(
            "surveys:section", token=token, section=_sections(selectors.version_questions(draft.version))[0]
        )
    return render(
        request,
        "surveys/done.html",
        {"survey": draft.version.survey, "is_interview": draft.collected_by_id is not None},
    )


# --- Public results (closed surveys, small counts suppressed) ------------------------------------


@require_http_methods(["GET", "HEAD"])
def public_results(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _public_survey(slug)
    if survey.status != survey.Status.CLOSED:
        return render(request, "surveys/public_results.html", {"survey": survey, "pending": True}, status=404)
    return render(
        request,
        "surveys/public_results.html",
        {"survey": survey, "results": selectors.public_results_compute(survey), "threshold": 10},
    )


# --- Organisations and staff ------------------------------------------------------------------


def runner_required(view):
    """Signed in, and allowed to run this survey (staff, or a member of an organisation that may
    collect for it); the view gets the survey."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        survey = next((s for s in selectors.surveys_for_runner(request.user) if s.slug == slug), None)
        if survey is None:
            raise Http404("survey")
        return view(request, survey, *args, **kwargs)

    return wrapper


@login_required
def work(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "surveys/work.html",
        {
            "surveys": selectors.surveys_for_runner(request.user),
            "is_staff": selectors.user_is_survey_staff(request.user),
            "organizations": selectors.user_organizations(request.user),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@runner_required
def interview(request: HttpRequest, survey) -> HttpResponse:
    organizations = selectors.organizations_for_runner(request.user, survey)
    version = selectors.version_current(survey)
    if not organizations or version is None or not selectors.survey_is_open(survey):
        return render(request, "surveys/interview.html", {"survey": survey, "closed": True}, status=403)
    queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
    if request.method == "POST":
        form = InterviewForm(request.POST, organizations=queryset)
        if form.is_valid():
            _draft, token = services.response_draft_start(
                version=version,
                language=form.cleaned_data["language"],
                organization=form.cleaned_data["organization"],
                collected_by=request.user,
                respondent_consented=form.cleaned_data["consent"],
                field_office=form.cleaned_data["field_office"] or "",
            )
            first = _first_section(selectors.version_questions(version), {})
            # The questions show in the language of the person interviewed.
            with translation.override(form.cleaned_data["language"]):
                return redirect(reverse("surveys:section", args=[token, first]))
    else:
        form = InterviewForm(
            organizations=queryset, initial={"organization": organizations[0].pk, "language": get_language()}
        )
    return render(request, "surveys/interview.html", {"survey": survey, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@runner_required
def invitations(request: HttpRequest, survey) -> HttpResponse:
    organizations = selectors.organizations_for_runner(request.user, survey)
    queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
    form = InvitationForm(request.POST or None, organizations=queryset)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                services.invitation_create(
                    survey=survey, organization=form.cleaned_data["organization"], created_by=request.user
                )
            except ApplicationError:
                error = _("Only an open survey can be sent out.")
            else:
                return redirect("surveys:invitations", slug=survey.slug)
    found = selectors.invitations_for(survey, organizations)
    return render(
        request,
        "surveys/invitations.html",
        {
            "survey": survey,
            "form": form if organizations else None,
            "error": error,
            "invitations": [
                {
                    "invitation": item,
                    "url": request.build_absolute_uri(reverse("surveys:invitation", args=[item.code])),
                    "sms_text": f"{survey.keyword} {item.code}".strip(),
                }
                for item in found
            ],
            "sms_number": settings.VOCES_SMS_NUMBER,
        },
    )


# --- Paper batches (CSV / XLSX uploads) ---------------------------------------------------------

BATCH_PROBLEMS_PER_PAGE = 200
BATCHES_PER_PAGE = 50


@never_cache
@require_http_methods(["GET", "POST"])
@runner_required
def batches(request: HttpRequest, survey) -> HttpResponse:
    organizations = selectors.organizations_for_runner(request.user, survey)
    if not organizations and not selectors.user_is_survey_staff(request.user):
        raise Http404("organization")
    form = BatchUploadForm(organizations=organizations)
    errors: list[str] = []
    earlier = None
    if request.method == "POST":
        if getattr(request, "oversize_uploads", None):
            errors.append(
                _("The file is too large. It can be %(size)s MB at most: split it into smaller files.")
                % {"size": settings.SURVEY_BATCH_MAX_BYTES // (1024 * 1024)}
            )
        else:
            form = BatchUploadForm(request.POST, request.FILES, organizations=organizations)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    batch = services.batch_upload(
                        survey=survey,
                        organization=form.chosen_organization(),
                        uploaded_by=request.user,
                        file_name=upload.name or "",
                        data=upload.read(settings.SURVEY_BATCH_MAX_BYTES + 1),
                        respondents_consented=form.cleaned_data["consent"],
                    )
                except ApplicationError as error:
                    errors.append(error.message)
                    earlier = error.extra.get("batch_id")
                else:
                    return redirect("surveys:batch_detail", batch_id=batch.pk)
    version = survey.current_version
    questions = list(version.questions.prefetch_related("choices")) if version else []
    page = Paginator(selectors.batches_visible_to(request.user, survey), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "surveys/batches.html",
        {
            "survey": survey,
            "form": form,
            "errors": errors,
            "earlier": earlier,
            "columns": [
                (q.name, q.label, batch_files.column_hint(q), q.required) for q in questions if q.kind != q.Kind.NOTE
            ],
            "language_codes": ", ".join(code for code, _name in settings.LANGUAGES),
            "max_mb": settings.SURVEY_BATCH_MAX_BYTES // (1024 * 1024),
            "page": page,
        },
        status=400 if errors or form.errors else 200,
    )


@never_cache
@runner_required
def batch_template(request: HttpRequest, survey) -> HttpResponse:
    version = survey.current_version
    if version is None:
        raise Http404("version")
    rows = batch_files.template_rows(list(version.questions.prefetch_related("choices")), language=get_language())
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    # With its byte-order mark, Excel reads the file as UTF-8 (accents and all scripts).
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}-paper-answers.csv"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def batch_detail(request: HttpRequest, batch_id) -> HttpResponse:
    batch = selectors.batch_visible_to(request.user, batch_id)
    if batch is None:
        raise Http404("batch")
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("import", "import_valid"):
                services.batch_import_start(batch=batch, only_valid=action == "import_valid")
            elif action == "discard":
                services.batch_discard(batch=batch)
            else:
                raise ApplicationError(_("Please use one of the buttons."), code="action")
        except ApplicationError as refused:
            error = refused.message
            batch.refresh_from_db()
        else:
            return redirect("surveys:batch_detail", batch_id=batch.pk)
    page = Paginator(batch.problems or [], BATCH_PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    questions = {q.name: q for q in batch.version.questions.prefetch_related("choices")} if page.object_list else {}
    problems = [
        {
            "row": row,
            "column": column,
            "text": capfirst(
                batch_files.problem_text(code, questions.get(column), max_rows=settings.SURVEY_BATCH_MAX_ROWS)
            ),
        }
        for row, column, code in page.object_list
    ]
    return render(
        request,
        "surveys/batch_detail.html",
        {
            "batch": batch,
            "error": error,
            "page": page,
            "problems": problems,
            "working": batch.status in (Batch.Status.CHECKING, Batch.Status.IMPORTING),
            "rows_with_problems": batch.rows_total - batch.rows_valid,
            "problems_capped": len(batch.problems or []) >= services.BATCH_MAX_PROBLEMS,
        },
        status=400 if error else 200,
    )


# --- Results for staff and organisations ----------------------------------------------------------


def results_reader_required(view):
    """runner_required, and auditors as well: they read the counts of every survey (never free
    text); the view gets the survey."""
    for_runners = runner_required(view)

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        survey = selectors.survey_for_results_auditor(request.user, slug)
        if survey is not None:
            return view(request, survey, *args, **kwargs)
        return for_runners(request, slug, *args, **kwargs)

    return wrapper


def _results_form(request: HttpRequest, responses, questions) -> ResultsFilterForm:
    choices = selectors.results_filter_choices(responses)
    return ResultsFilterForm(
        request.GET or None,
        organizations=choices["organizations"],
        field_offices=choices["field_offices"],
        questions=[q for q in questions if q.kind in selectors.CHOICE_KINDS],
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
@results_reader_required
def results(request: HttpRequest, survey) -> HttpResponse:
    responses = selectors.responses_for_results(request.user, survey)
    questions = selectors.results_questions(survey)
    form = _results_form(request, responses, questions)
    valid = form.is_bound and form.is_valid()
    with_text = selectors.results_show_text(request.user)
    data = selectors.results_compute(
        survey,
        selectors.responses_filtered(responses, form.filters() if valid else {}),
        with_text=with_text,
        crosstab=form.crosstab() if valid else None,
        questions=questions,
    )
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "form": form,
            "filtered": valid and bool(form.filters()),
            "data": data,
            "with_text": with_text,
            "query": request.GET.urlencode() if valid else "",
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
@results_reader_required
def results_export(request: HttpRequest, survey, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("format")
    responses = selectors.responses_for_results(request.user, survey)
    form = _results_form(request, responses, selectors.results_questions(survey))
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse('surveys:results', args=[survey.slug])}?{request.GET.urlencode()}")
    filters = form.filters() if form.is_bound else {}
    responses = selectors.responses_filtered(responses, filters)
    with_text = selectors.results_show_text(request.user)
    columns = selectors.results_export_columns(survey, with_text=with_text)
    services.survey_results_export_record(
        actor=request.user,
        survey=survey,
        fmt=fmt,
        filters=form.audit_filters() if form.is_bound else {},
        rows=responses.count(),
        free_text=with_text,
    )
    header = ["response_id", "submitted_at", "channel", "language", "organization", "field_office"]
    header += [column.name for column in columns]
    rows = selectors.results_export_rows(responses, columns, with_text=with_text)
    name = f"{survey.slug}-responses.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return FileResponse(
        xlsx_file(header, rows),
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- XLSForm ----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
@runner_required
def xlsform_export(request: HttpRequest, survey) -> HttpResponse:
    """A published version's questions as an XLSForm: ?version=N, else the current one."""
    from surveys.xlsform import XLSX_TYPE, write_xlsform

    number = request.GET.get("version", "")
    if number and not (number.isascii() and number.isdigit() and len(number) <= 9):
        raise Http404("version")
    version = selectors.version_published(survey, int(number) if number else None)
    if version is None:
        raise Http404("version")
    services.survey_xlsform_export_record(actor=request.user, survey=survey, version=version.number)
    response = HttpResponse(write_xlsform(version), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}.xlsx"'
    return response
