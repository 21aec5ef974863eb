"""The API's one error shape, `{"error": {"code", "message", "fields"}}`, for every refusal: DRF's
(401, 403, 405, 415, 400 for bad JSON or bad fields), Django's (an unknown path, a 500), a
tampered cursor; in the request's language (Accept-Language), with the project's catalog before
DRF's; and the schema that documents them.

Messages are compared with the catalogs rather than written out, so that the tests hold before
and after the lead translates a new message: `translated(language, msgid)` is what the project's
catalog says, else what DRF's says, else the English."""

import base64
import json
import logging
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import polib
import pytest
import rest_framework
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.api import IdempotencyKeyParameter, allows, idempotent
from accounts.models import ApiToken
from accounts.services import api_token_create
from config import urls as project_urls
from tests.conftest import REPO

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.test_errors")]

ME = "/api/v1/me/"
ECHO = "/api/v1/test-echo/"
AUDIT_ONLY = "/api/v1/test-audit-only/"
BROKEN = "/api/v1/test-broken/"
TOKENS = "/api/v1/test-tokens/"
LANGUAGES = ["en", "es", "ht"]


class EchoIn(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1, max_value=10)
    kind = serializers.ChoiceField(choices=["a", "b"])
    tags = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    day = serializers.DateField()
    flag = serializers.BooleanField()


class EchoView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=EchoIn, responses={201: EchoIn}, parameters=[IdempotencyKeyParameter])
    @idempotent
    def post(self, request):
        data = EchoIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(data.data, status=201)


class AuditOnlyView(APIView):
    permission_classes = [allows(policy.AUDIT_READ)]

    @extend_schema(responses={200: None})
    def get(self, request):
        return Response({})


class BrokenView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: None})
    def get(self, request):
        raise RuntimeError("a bug")


class TokenOut(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["name", "prefix", "created_at"]


class TokenListView(generics.ListAPIView):
    serializer_class = TokenOut

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)


class TokenDetailView(APIView):
    @extend_schema(responses={200: TokenOut}, parameters=[OpenApiParameter("prefix", str, OpenApiParameter.PATH)])
    def get(self, request, prefix):
        return Response(TokenOut(generics.get_object_or_404(ApiToken, user=request.user, prefix=prefix)).data)


TEST_PATTERNS = [
    path(ECHO.lstrip("/"), EchoView.as_view()),
    path(AUDIT_ONLY.lstrip("/"), AuditOnlyView.as_view()),
    path(BROKEN.lstrip("/"), BrokenView.as_view()),
    path(TOKENS.lstrip("/"), TokenListView.as_view()),
    path(f"{TOKENS.lstrip('/')}<str:prefix>/", TokenDetailView.as_view()),
]
urlpatterns = [*TEST_PATTERNS, *project_urls.urlpatterns]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

VALID = {"name": "ana", "count": 3, "kind": "a", "tags": ["x"], "day": "2026-03-15", "flag": True}


@cache
def _catalog(language: str, drf: bool) -> dict[str, str]:
    folder = language.replace("-hans", "_Hans")
    if drf:
        mo = Path(rest_framework.__file__).parent / "locale" / folder / "LC_MESSAGES" / "django.mo"
        return {e.msgid: e.msgstr for e in polib.mofile(str(mo))} if mo.exists() else {}
    po = REPO / "locale" / folder / "LC_MESSAGES" / "django.po"
    return {e.msgid: e.msgstr for e in polib.pofile(str(po)).translated_entries()} if po.exists() else {}


def translated(language: str, msgid: str) -> str:
    if language == "en":
        return msgid
    return _catalog(language, drf=False).get(msgid) or _catalog(language, drf=True).get(msgid) or msgid


def error_of(response, status: int, code: str, language: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Content-Language"] == language
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    return body["error"]


@pytest.fixture
def member(api_as, advocate):
    return api_as(advocate)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("url", ["/api/v1/nope/", "/api/v1/nope", "/api/", "/api/v2/me/"])
def test_an_unknown_path_under_api_is_a_json_404(api, url, language):
    for method in ("get", "post", "delete"):
        response = getattr(api, method)(url, HTTP_ACCEPT_LANGUAGE=language)
        error = error_of(response, 404, "not_found", language)
        assert error["message"] == translated(language, "Not found.") and error["fields"] == {}


def test_an_unknown_path_needs_no_csrf_token_to_say_so():
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/v1/nope/", {}, format="json")
    assert error_of(response, 404, "not_found", "en")


def test_outside_api_a_404_is_still_the_web_page(client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_credentials_is_a_401(api, language):
    error = error_of(api.get(ME, HTTP_ACCEPT_LANGUAGE=language), 401, "not_authenticated", language)
    assert error["message"] == translated(language, "Authentication credentials were not provided.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_role_the_action_does_not_allow_is_a_403(member, language):
    error = error_of(member.get(AUDIT_ONLY, HTTP_ACCEPT_LANGUAGE=language), 403, "permission_denied", language)
    assert error["message"] == translated(language, "Your account may not do this.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_method_the_endpoint_does_not_take_is_a_405(member, language):
    response = member.put(ME, {}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    error = error_of(response, 405, "method_not_allowed", language)
    assert error["message"] == translated(language, 'Method "{method}" not allowed.').format(method="PUT")
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_body_is_a_415(member, language):
    response = member.post(ECHO, urlencode(VALID), content_type="application/x-www-form-urlencoded",
                           HTTP_ACCEPT_LANGUAGE=language)  # fmt: skip
    error = error_of(response, 415, "unsupported_media_type", language)
    expected = translated(language, 'Unsupported media type "{media_type}" in request.')
    assert error["message"] == expected.format(media_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("body", ['{"name": ', "[1, 2", "\xff\xfe", "null x"])
def test_a_body_that_is_not_json_is_a_400(member, language, body):
    response = member.post(ECHO, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
    error = error_of(response, 400, "parse_error", language)
    assert error["message"] == translated(language, "The body is not valid JSON.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_field_errors_name_each_field_in_the_requests_language(member, language):
    body = {"name": "far too long", "count": 11, "kind": "c", "tags": [], "day": "15/03/2026"}
    response = member.post(ECHO, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    error = error_of(response, 400, "invalid", language)

    def said(msgid: str, **values) -> list[str]:
        return [translated(language, msgid).format(**values)]

    assert error["fields"] == {
        "name": said("Ensure this field has no more than {max_length} characters.", max_length=5),
        "count": said("Ensure this value is less than or equal to {max_value}.", max_value=10),
        "kind": said('"{input}" is not a valid choice.', input="c"),
        "tags": said("This list may not be empty."),
        "day": said("Date has wrong format. Use one of these formats instead: {format}.", format="YYYY-MM-DD"),
        "flag": said("This field is required."),
    }
    assert error["message"] == error["fields"]["name"][0]


def test_the_projects_catalog_wins_over_drfs(member):
    missing = member.post(ECHO, {k: v for k, v in VALID.items() if k != "name"}, format="json",
                          HTTP_ACCEPT_LANGUAGE="es")  # fmt: skip
    message = missing.json()["error"]["fields"]["name"][0]
    # The project's plainer Spanish, not DRF's "Este campo es requerido."
    assert message == _catalog("es", drf=False)["This field is required."]
    assert message != _catalog("es", drf=True)["This field is required."]


@pytest.mark.parametrize("language", ["es", "fr", "pt", "ar", "ru", "zh-hans"])
def test_where_the_project_has_no_translation_yet_drfs_is_used_not_english(api, language):
    response = api.get(ME, HTTP_ACCEPT_LANGUAGE=language)
    message = response.json()["error"]["message"]
    assert message == translated(language, "Authentication credentials were not provided.")
    assert message != "Authentication credentials were not provided."


@pytest.mark.parametrize(
    "body",
    [
        [VALID],
        "a string",
        42,
        {**VALID, "count": "9" * 5000},
        {**VALID, "count": 10**400},
        {**VALID, "count": 1.5},
        {**VALID, "tags": "x"},
        {**VALID, "tags": {"a": 1}},
        {**VALID, "name": "a\x00b"},
        {**VALID, "name": "\ud800"},
        {**VALID, "day": "2026-02-30"},
        {**VALID, "flag": "maybe"},
    ],
)
def test_wrong_types_and_huge_values_are_400s(member, body):
    response = member.post(ECHO, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid", "parse_error"}


def test_unknown_fields_are_ignored(member):
    response = member.post(ECHO, {**VALID, "surprise": 1}, format="json")
    assert response.status_code == 201 and "surprise" not in response.json()


def test_a_failure_is_a_json_500_and_is_logged(api, caplog):
    api.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = api.get(BROKEN, HTTP_ACCEPT_LANGUAGE="es")
    error = error_of(response, 500, "server_error", "es")
    assert error["message"] == translated("es", "A server error occurred.")
    assert any("a bug" in str(record.exc_info) for record in caplog.records if record.name == "django.request")


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.b64encode(b"p=not-a-date").decode(),
        base64.b64encode(b"p=2026-13-45T99:00:00").decode(),
        base64.b64encode(b"o=-5&p=x").decode(),
        base64.b64encode(b"r=x").decode(),
        base64.b64encode(b"p=\x00").decode(),
    ],
)
def test_a_tampered_cursor_is_a_404_never_a_500(member, cursor):
    response = member.get(TOKENS, {"cursor": cursor})
    error = error_of(response, 404, "invalid_cursor", "en")
    assert error["message"] == "Invalid cursor"


@pytest.mark.parametrize("size", ["-1", "0", str(10**30)])
def test_a_strange_page_size_is_ignored_or_capped(member, size):
    response = member.get(TOKENS, {"page_size": size})
    assert response.status_code == 200 and len(response.json()["results"]) == 1


@pytest.mark.parametrize("size", ["abc", "1e3", "", "null"])
def test_a_page_size_that_is_not_a_number_is_refused(member, size):
    response = member.get(TOKENS, {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()["error"]["fields"]


def test_cursor_pages_follow_each_other(api_as, advocate):
    client = api_as(advocate)
    for n in range(4):
        api_token_create(user=advocate, name=f"t{n}")
    first = client.get(TOKENS, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    names = [t["name"] for t in first["results"] + second["results"]]
    assert names == ["t3", "t2", "t1", "t0"]


# --- the schema ---


def test_the_schema_documents_every_error_an_operation_can_give():
    schema = SchemaGenerator(patterns=TEST_PATTERNS).get_schema(request=None, public=True)
    codes = {
        (url, method): set(operation["responses"])
        for url, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    assert codes[(ECHO, "post")] == {"201", "400", "401", "403", "409", "415", "422", "429"}
    assert codes[(AUDIT_ONLY, "get")] == {"200", "401", "403", "429"}
    assert codes[(TOKENS, "get")] == {"200", "400", "401", "403", "404", "429"}
    assert codes[(TOKENS + "{prefix}/", "get")] == {"200", "401", "403", "404", "429"}
    error = schema["paths"][ECHO]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
