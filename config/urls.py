from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from core.views import healthz


def anymail_urls(esp: str) -> list:
    """django-anymail's webhook URLs, only the configured provider's when there is one."""
    from anymail.urls import urlpatterns

    return [p for p in urlpatterns if not esp or str(p.pattern).startswith(f"{esp}/")]


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
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
    prefix_default_language=True,
)

if "bench.baseline" in settings.INSTALLED_APPS:
    urlpatterns += i18n_patterns(path("bench/", include("bench.baseline.urls")), prefix_default_language=True)
