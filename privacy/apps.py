from django.apps import AppConfig
from django.conf import settings
from django.core import checks

RATE_SETTINGS = [
    "STATUS_LOOKUP_RATE_PER_CLIENT",
    "STATUS_LOOKUP_RATE_PER_RECEIPT",
    "DRAFT_START_RATE_PER_CLIENT",
    "UPLOAD_RATE_PER_CLIENT",
    "SURVEY_START_RATE_PER_CLIENT",
    "SIGN_IN_RATE_PER_CLIENT",
    "API_RATE_PER_TOKEN",
    "API_RATE_ANONYMOUS",
]


def check_rates(app_configs, **kwargs) -> list[checks.Error]:
    """A rate setting that cannot be read would fail every request it limits: refuse to start."""
    from privacy.ratelimit import parse_rate

    errors = []
    for name in RATE_SETTINGS:
        try:
            parse_rate(getattr(settings, name))
        except ValueError as problem:
            errors.append(checks.Error(f"{name}: {problem}", id="privacy.E001"))
    return errors


class PrivacyConfig(AppConfig):
    name = "privacy"

    def ready(self) -> None:
        checks.register(check_rates)
