from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("twilio/", include("messaging.urls")),
    path("anymail/", include("anymail.urls")),  # email in and delivery events, behind ANYMAIL's secret
]

urlpatterns += i18n_patterns(
    path("", include("core.urls")),
    path("", include("intake.urls")),
    prefix_default_language=True,
)

if "bench.baseline" in settings.INSTALLED_APPS:
    urlpatterns += i18n_patterns(path("bench/", include("bench.baseline.urls")), prefix_default_language=True)
