from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.selectors import health_state


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


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
