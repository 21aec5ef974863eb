"""Who is calling the API (REST_FRAMEWORK's authentication classes; kept apart from accounts.api,
which DRF's settings cannot import while rest_framework.views is loading).

- `TokenAuthentication`: `Authorization: Bearer vcs_…`, a personal token (accounts.ApiToken).
- `StaffSessionAuthentication`: the staff web's own session, and only after its second factor.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts import policy, services
from privacy.ratelimit import api_refused_token_wait


class TokenAuthentication(authentication.BaseAuthentication):
    """A refused token answers 401 with why (expired and revoked are told apart, so a script's
    owner knows to make a new one), and counts against its client's anonymous allowance."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            self._refuse(request, _("Send the token as: Authorization: Bearer <token>."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raw = ""
        token, problem = services.api_token_check(raw=raw, now=timezone.now())
        if problem == "expired":
            self._refuse(request, _("This token has expired. Make a new one on the website."))
        if problem == "revoked":
            self._refuse(request, _("This token was revoked. Make a new one on the website."))
        if problem == "roles":
            self._refuse(request, _("What your account may do has changed since this token was made. Make a new one."))
        if token is None or not token.user.is_active:
            self._refuse(request, _("This token is not valid."))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword

    @staticmethod
    def _refuse(request, message: str):
        wait = api_refused_token_wait(request)
        if wait is not None:
            raise exceptions.Throttled(wait)
        raise exceptions.AuthenticationFailed(message)


class StaffSessionAuthentication(authentication.SessionAuthentication):
    """The staff web's session (with its CSRF check); a staff member who has not given the second
    factor in this session is not signed in as far as the API knows. (Organisation members'
    sessions work too, as on the website: the interactive docs use them.)"""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        if policy.is_staff_member(result[0]) and not policy.is_verified(request._request):
            return None
        return result

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            # DRF's message is English and names Django's reason; ours follows the request's language.
            raise exceptions.PermissionDenied(
                _("A request signed in with the website's session needs its CSRF token. Use an API token instead.")
            ) from None


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal token: vcs_…"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = StaffSessionAuthentication
    name = "staffSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
