from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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
