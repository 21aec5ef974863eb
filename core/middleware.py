from django.conf import settings
from django.utils.translation import get_language_from_path


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
