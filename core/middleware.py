import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language_from_path, get_language_from_request, override
from django.utils.translation import gettext as _

from core.api import error_body, is_api_request
from core.context_processors import site

logger = logging.getLogger(__name__)


class LanguageCookieMiddleware:
    """Remember the language a person chose by following a prefixed link (/es/...).

    The switcher is plain links so it works without JavaScript; this keeps the choice for the
    next visit to an unprefixed address, after which the Accept-Language header decides.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = get_language_from_path(request.path_info)
        if language and response.status_code < 400 and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=True,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class ApiNoStoreMiddleware:
    """Nothing the API answers is kept by a browser or a proxy: lists of complaints, revealed
    contact details and secrets shown once would otherwise stay on a shared office computer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            response["Cache-Control"] = "no-store, private"
        return response


# SQLSTATE of an unreachable server: connection exceptions (08…), shut down or starting (57P01-03).
# A deadlock, a lock or statement timeout is also an OperationalError, but a bug to see, not an outage.
OUTAGE_STATES = ("08", "57P01", "57P02", "57P03")


def is_database_outage(exception: BaseException | None) -> bool:
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    state = getattr(exception.__cause__, "pgcode", None)
    return state is None or state.startswith(OUTAGE_STATES)  # no code: the client lost the server


RETRY_AFTER_SECONDS = 5
# Their callers retry a 5xx by themselves (Twilio, then its fallback URL; the email provider).
WEBHOOK_PREFIXES = ("/twilio/", "/anymail/")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def database_unavailable(request) -> HttpResponse:
    """The answer while the database cannot be reached (a restart, a failover): 503 and
    Retry-After, built without it, so no session, no user and no context processor but the
    site's. The language is worked out again from the request, because this may answer before
    LocaleMiddleware has run for it."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path_info.startswith(WEBHOOK_PREFIXES):
        return HttpResponse(status=503, headers=headers)
    language = get_language_from_request(request, check_path=True)
    with override(language):
        message = _("We could not do this just now. Please try again in a moment.")
        if is_api_request(request):
            response = JsonResponse(error_body("unavailable", message), status=503, headers=headers)
        else:
            context = {**site(request), "was_sending": request.method not in SAFE_METHODS}
            response = HttpResponse(render_to_string("503.html", context), status=503, headers=headers)
    response["Content-Language"] = language
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """A database error in a view (at connection time too: connecting is lazy) answers "try
    again in a moment" instead of a 500. Each middleware's own exceptions are turned into a
    response where they are raised, so none reaches this one from the session or user middleware:
    those go to handler500, which answers the same (core.views.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        first_line = str(exception).strip().splitlines()[:1]
        logger.warning("database unavailable: %s: %s", type(exception).__name__, "".join(first_line))
        return database_unavailable(request)
