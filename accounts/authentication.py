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


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token, problem = services.api_token_check(raw=raw, now=timezone.now())
        if problem == "expired":
            raise exceptions.AuthenticationFailed(_("This token has expired. Make a new one on the website."))
        if problem == "revoked":
            raise exceptions.AuthenticationFailed(_("This token was revoked. Make a new one on the website."))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class StaffSessionAuthentication(authentication.SessionAuthentication):
    """The staff web's session (with its CSRF check); a staff member who has not given the second
    factor in this session is not signed in as far as the API knows."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        if policy.is_staff_member(result[0]) and not policy.is_verified(request._request):
            return None
        return result


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
