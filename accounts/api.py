"""What API callers may do, POSTs that are safe to repeat, and who is calling (`/api/v1/me/`).
Who they are is accounts.authentication.

- `allows(*actions)`: a permission class from the roles × actions table (accounts.policy).
- `idempotent`: on a POST method, the `Idempotency-Key` header makes a repeat return the first
  answer (accounts.services.idempotency_*).
"""

import hashlib
import json
from functools import wraps

from django.db import transaction
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy, services
from accounts.roles import user_roles
from core.api import IDEMPOTENCY_HEADER, ApiError, error_responses

# --- permissions ---


def allows(*actions: str):
    """A permission class: signed in (401 otherwise) with a role that the policy allows for any of
    `actions` (403 otherwise)."""
    for action in actions:
        if action not in policy.POLICY:
            raise ValueError(f"unknown action {action!r}")

    class Allowed(permissions.BasePermission):
        message = gettext_lazy("Your account may not do this.")

        def has_permission(self, request, view):
            if not request.user or not request.user.is_authenticated:
                return False
            return any(policy.allowed(request.user, action) for action in actions)

    Allowed.__name__ = "Allowed_" + "_".join(a.replace(".", "_") for a in actions)
    return Allowed


# --- idempotency ---

IdempotencyKeyParameter = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string up to 255 printable characters (a UUID is good). The same key with the "
        "same body within 24 hours returns the first answer and does nothing again; the same key "
        "with another body is refused with 422."
    ),
)


def request_fingerprint(request) -> str:
    """The method, path with its query, and the parsed body (so a client may re-encode the same
    JSON with other spacing or key order). Parsing here refuses a body that is not JSON (400/415)
    as the view would."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    digest.update(body.encode())
    return digest.hexdigest()


def submission_key_of(request) -> str:
    """For a service's own once-only key (a complaint's, a survey response's): the caller, the
    Idempotency-Key and the body together, so that the same request is stored once even after
    its idempotency record has expired, while the same key reused later for another body is a
    new submission, never dropped. "" without a key."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if not key:
        return ""
    digest = hashlib.sha256(f"{request.user.pk}\n{key}\n{request_fingerprint(request)}".encode())
    return digest.hexdigest()


def _replayed(record) -> Response:
    data = json.loads(record.response_body) if record.response_body else None
    response = Response(data, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(method):
    """For a POST handler: with an `Idempotency-Key`, the handler runs at most once per key and
    body for a day, whoever repeats it and however many times at once."""

    @wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None or not request.user.is_authenticated:
            return method(self, request, *args, **kwargs)
        if not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
            raise ApiError(
                400, "idempotency_key", _("The Idempotency-Key must be 1 to 255 plain characters, like a UUID.")
            )
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            record, earlier = services.idempotency_begin(user=request.user, key=key, fingerprint=fingerprint)
            if earlier is not None:
                if earlier.fingerprint != fingerprint:
                    raise ApiError(
                        422,
                        "idempotency_mismatch",
                        _("This Idempotency-Key was already used for another request. Use a new key."),
                    )
                return _replayed(earlier)
            response = method(self, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            data = getattr(response, "data", None)
            body = JSONRenderer().render(data).decode() if data is not None else ""
            services.idempotency_finish(record=record, status=response.status_code, body=body)
        return response

    return wrapper


# --- who am I ---


class MeOut(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField()
    organization = inline_serializer(
        name="MeOrganization",
        fields={"slug": serializers.CharField(), "name": serializers.CharField()},
        allow_null=True,
    )
    token = inline_serializer(
        name="MeToken",
        fields={
            "name": serializers.CharField(),
            "prefix": serializers.CharField(),
            "expires_at": serializers.DateTimeField(),
        },
        allow_null=True,
    )


class MeView(APIView):
    """The account and token that are calling."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="me", responses={200: MeOut, **error_responses()})
    def get(self, request):
        membership = request.user.memberships.select_related("organization").first()
        token = request.auth if hasattr(request.auth, "prefix") else None
        return Response(
            {
                "username": request.user.username,
                "roles": sorted(user_roles(request.user)),
                "language": request.user.preferred_language,
                "organization": (
                    {"slug": membership.organization.slug, "name": membership.organization.name} if membership else None
                ),
                "token": {"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at}
                if token
                else None,
            }
        )


urlpatterns = [path("me/", MeView.as_view(), name="me")]
