"""What every app's API shares: one error shape, cursor pages, and a service's refusal turned into
an answer. Messages are in the language of the request (Accept-Language, through LocaleMiddleware).

An error is always `{"error": {"code": "...", "message": "...", "fields": {...}}}`: `fields` maps
a field (or a batch item's number, then its field) to its messages, and is empty when the
problem is not with one field. The same shape answers outside DRF's views too: an unknown path
under /api/, and Django's own 400/403/404/500 there (core.views).
"""

import re

import django_filters
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import ApplicationError

API_PREFIX = "/api/"
IDEMPOTENCY_HEADER = "Idempotency-Key"

# A service's refusal code → the HTTP status that says it best; anything else is a 400.
APPLICATION_STATUS = {
    "stale": status.HTTP_409_CONFLICT,
    "transition": status.HTTP_409_CONFLICT,
    "closed": status.HTTP_409_CONFLICT,
    "not_found": status.HTTP_404_NOT_FOUND,
}


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


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

    def __init__(self, status_code: int, code: str, message: str, fields: dict | None = None, wait: int = 0):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.fields = fields or {}
        self.wait = wait  # seconds, for a 429's Retry-After


def _as_api_exception(exc):
    """Django's and the services' exceptions that are a client's mistake, as DRF's."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return ApiError(400, "too_large", _("The request is too large."))
    if isinstance(exc, exceptions.ParseError):
        # JSONParser's own message is English with Python's words in it ("Expecting value: …").
        return ApiError(400, "parse_error", _("The body is not valid JSON."))
    return exc


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        set_rollback()
        code = APPLICATION_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
        return Response(error_body(exc.code, _(exc.message), exc.extra.get("fields")), status=code)
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real failure: Django's 500, logged, answered by core.views.server_error
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, ApiError):
        body = error_body(exc.error_code, exc.detail, exc.fields)
        if exc.wait:
            headers["Retry-After"] = str(exc.wait)
    elif isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _plain(detail)
        body = error_body("invalid", _first_message(detail) or _("Check the data you sent."), fields)
    elif isinstance(exc, exceptions.Throttled):
        body = error_body("throttled", _("Too many requests. Wait a little and try again."))
        headers["Retry-After"] = str(max(1, int(exc.wait or 1)))
    else:
        codes = exc.get_codes()
        body = error_body(codes if isinstance(codes, str) else "error", _first_message(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


class StrictFilterSet(filters.FilterSet):
    """django-filter reads an empty value (?status=), or "null" for a boolean, as no filter at all;
    the schema allows neither, so they are refused like any other value that is not the schema's."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, field in self.filters.items():
            if name not in self.data:
                continue
            value = str(self.data.get(name, "")).strip()
            if not value:
                self.form.add_error(name, serializers.CharField.default_error_messages["blank"])
                valid = False
            # django-filter reads "null" or "unknown" as no filter too; the schema says boolean.
            elif isinstance(field, django_filters.BooleanFilter) and value.lower() not in ("true", "false"):
                self.form.add_error(name, serializers.BooleanField.default_error_messages["invalid"])
                valid = False
        return valid


# str() of an aware datetime, the position of a cursor over a "…_at" field.
AWARE_POSITION = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}:\d{2}|Z)")


class CursorPagination(pagination.CursorPagination):
    """Newest first; `?cursor=` from `next` / `previous`; `?page_size=` up to 200. A cursor that was
    altered (a position that is not a value of the ordering field) is "not found", never a 500."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        # DRF reads a page size that is not a number as the default one; the schema says integer.
        value = request.query_params.get(self.page_size_query_param)
        if value is not None and not re.fullmatch(r"-?\d{1,40}", value.strip()):  # 0 or less: the default
            raise exceptions.ValidationError(
                {self.page_size_query_param: [serializers.IntegerField.default_error_messages["invalid"]]}
            )
        return super().get_page_size(request)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.NotFound(self.invalid_cursor_message, code="invalid_cursor") from None
        # The position goes to the database as it is: over a time field, one that is not an aware
        # time would be a 500 (or a naive-datetime warning), not the 404 of any other bad cursor.
        ordering = getattr(self, "ordering", None) or ()
        if cursor and cursor.position is not None and ordering and ordering[0].lstrip("-").endswith("_at"):
            moment = parse_datetime(cursor.position) if AWARE_POSITION.fullmatch(cursor.position) else None
            if moment is None or not 1900 <= moment.year <= 9000:
                raise exceptions.NotFound(self.invalid_cursor_message, code="invalid_cursor")
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        if not request.query_params.get(self.cursor_query_param):
            return super().paginate_queryset(queryset, request, view)
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, DataError, ValueError, TypeError, OverflowError):
            raise exceptions.NotFound(self.invalid_cursor_message, code="invalid_cursor") from None


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

DESCRIBED = {  # for developers, in English
    400: "The data sent is not valid.",
    401: "No valid token.",
    403: "This token may not do this.",
    404: "Not found.",
    409: "The record changed or cannot move this way.",
    415: "The body is not JSON.",
    422: "This Idempotency-Key was used with another request.",
    429: "Too many requests (see Retry-After).",
}


def error_responses(*codes: int) -> dict:
    """`@extend_schema(responses={201: Out, **error_responses(400, 404)})`; 401, 403 and 429 are
    always added (and core.schema.AutoSchema adds what a request's shape makes possible)."""
    return {code: OpenApiResponse(ErrorSerializer, description=DESCRIBED[code]) for code in {*codes, 401, 403, 429}}
