from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from surveys import selectors, services


# --- The public: answering --------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    raise Http404("todo")


def invitation(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404("todo")


def start(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")


def document(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")


def section(request: HttpRequest, token: str, section: int) -> HttpResponse:
    raise Http404("todo")


def done(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404("todo")


# --- Public results (closed surveys, small counts suppressed) ------------------------------------


def public_results(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")


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


def work(request: HttpRequest) -> HttpResponse:
    raise Http404("todo")


def interview(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")


def invitations(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")


# --- Paper batches (CSV / XLSX uploads) ---------------------------------------------------------


def batches(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")


def batch_template(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")


def batch_detail(request: HttpRequest, batch_id) -> HttpResponse:
    raise Http404("todo")


# --- Results for staff and organisations ----------------------------------------------------------


def results(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")


def results_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    raise Http404("todo")


# --- XLSForm ----------------------------------------------------------------------------------


def xlsform_export(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("todo")
