"""What every app's API shares: one error shape, cursor pages, and a service's refusal turned into
an answer. Messages are in the language of the request (Accept-Language, through LocaleMiddleware).

An error is always `{"error": {"code": "...", "message": "...", "fields": {...}}}`: `fields` maps
a field (or a batch item's number, then its field) to its messages, and is empty when the
problem is not with one field.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import ApplicationError

# A service's refusal code → the HTTP status that says it best; anything else is a 400.
APPLICATION_STATUS = {
    "stale": status.HTTP_409_CONFLICT,
    "transition": status.HTTP_409_CONFLICT,
    "closed": status.HTTP_409_CONFLICT,
    "not_found": status.HTTP_404_NOT_FOUND,
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _plain(detail):
    """DRF's ErrorDetail tree as plain lists and dicts of strings."""
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(item) for item in detail]
    return str(detail)


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
        return ""
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


class ApiError(exceptions.APIException):
    """A refusal with our own code, e.g. `ApiError(422, "idempotency_mismatch", _("…"))`."""

    def __init__(self, status_code: int, code: str, message: str, fields: dict | None = None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.fields = fields or {}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        set_rollback()
        code = APPLICATION_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
        return Response(error_body(exc.code, _(exc.message), exc.extra.get("fields")), status=code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real failure: Django's 500
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, ApiError):
        body = error_body(exc.error_code, exc.detail, exc.fields)
    elif isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _plain(detail)
        body = error_body("invalid", _first_message(detail) or _("Check the data you sent."), fields)
    elif isinstance(exc, exceptions.Throttled):
        body = error_body("throttled", _("Too many requests. Wait a little and try again."))
    else:
        codes = exc.get_codes()
        body = error_body(codes if isinstance(codes, str) else "error", _first_message(exc.detail))
    response = Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(max(1, int(exc.wait)))
    return response


class CursorPagination(pagination.CursorPagination):
    """Newest first; `?cursor=` from `next` / `previous`; `?page_size=` up to 200."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200


# For the schema: the error shape, and the answers every endpoint may give.
ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.JSONField()),
            },
        )
    },
)


def error_responses(*codes: int) -> dict:
    """`@extend_schema(responses={201: Out, **error_responses(400, 404)})`; 401, 403 and 429 are
    always added."""
    described = {  # for developers, in English
        400: "The data sent is not valid.",
        401: "No valid token.",
        403: "This token may not do this.",
        404: "Not found.",
        409: "The record changed or cannot move this way.",
        422: "This Idempotency-Key was used with another request.",
        429: "Too many requests.",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=described[code]) for code in {*codes, 401, 403, 429}}
