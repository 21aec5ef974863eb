from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import accounts.api
import cases.api
import intake.api
import messaging.api
import privacy.api
import surveys.api
import transparency.api
from core.views import api_not_found, healthz

# Django's error pages; under /api/ they answer in the API's error shape (JSON).
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"


def anymail_urls(esp: str) -> list:
    """django-anymail's webhook URLs, only the configured provider's when there is one."""
    from anymail.urls import urlpatterns

    return [p for p in urlpatterns if not esp or str(p.pattern).startswith(f"{esp}/")]


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The API: each app's endpoints live in its api.py.
    path(
        "api/v1/",
        include(
            (
                accounts.api.urlpatterns
                + intake.api.urlpatterns
                + surveys.api.urlpatterns
                + cases.api.urlpatterns
                + privacy.api.urlpatterns
                + messaging.api.urlpatterns
                + transparency.api.urlpatterns,
                "api",
            )
        ),
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    re_path(r"^api/", api_not_found),  # any other path under /api/: 404 in the API's error shape
    path("twilio/voice/", include("intake.voice_urls")),
    path("twilio/", include("messaging.urls")),
    # Email in and delivery events, behind ANYMAIL's secret.
    path("anymail/", include(anymail_urls(settings.ANYMAIL_ESP))),
]

urlpatterns += i18n_patterns(
    path("", include("core.urls")),
    path("", include("intake.urls")),
    path("", include("surveys.urls")),
    path("", include("accounts.urls")),
    path("staff/", include("cases.urls")),
    path("", include("messaging.work_urls")),
    path("", include("transparency.urls")),
    prefix_default_language=True,
)

if "bench.baseline" in settings.INSTALLED_APPS:
    urlpatterns += i18n_patterns(path("bench/", include("bench.baseline.urls")), prefix_default_language=True)
