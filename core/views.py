import sys

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from rest_framework import exceptions

from core.api import error_body, is_api_request
from core.middleware import database_unavailable, is_database_outage
from core.selectors import health_state


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # The same page for everyone in a language (no form, nothing of the visitor's): rendered once
    # a process, for ten minutes, in the "pages" cache.
    if request.META.get("QUERY_STRING"):
        return render(request, "core/home.html")
    html = caches["pages"].get_or_set(
        f"home:{get_language()}", lambda: render_to_string("core/home.html", request=request), 600
    )
    return HttpResponse(html)


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/privacy.html",
        {
            "contact_days": settings.RETENTION_CONTACT_DAYS,
            "conversation_days": settings.RETENTION_CONVERSATION_DAYS,
            "draft_hours": settings.DRAFT_TTL_HOURS,
        },
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    state = health_state()
    return JsonResponse(state, status=200 if state["database"] == "ok" else 503)


# --- Django's own error pages, as JSON in the API's error shape under /api/ ---


def _api_error(code: str, message, status: int) -> JsonResponse:
    return JsonResponse(error_body(code, str(message)), status=status)


@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Every path under /api/ that no endpoint answers, whatever the method (config.urls)."""
    return _api_error("not_found", exceptions.NotFound.default_detail, 404)


def bad_request(request: HttpRequest, exception) -> HttpResponse:
    if is_api_request(request):
        return _api_error("bad_request", exceptions.ParseError.default_detail, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception) -> HttpResponse:
    if is_api_request(request):
        return _api_error("permission_denied", exceptions.PermissionDenied.default_detail, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception) -> HttpResponse:
    if is_api_request(request):
        return _api_error("not_found", exceptions.NotFound.default_detail, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django has logged the failure (django.request) before calling this, inside its except block.
    if is_database_outage(sys.exc_info()[1]):  # raised in a middleware (the session's, the user's)
        return database_unavailable(request)
    if is_api_request(request):
        return _api_error("server_error", exceptions.APIException.default_detail, 500)
    return defaults.server_error(request)
