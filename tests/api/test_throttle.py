"""The API's throttle (privacy.ratelimit.ApiThrottle): per token, per staff session, per hashed
client for anonymous calls; the error shape with Retry-After; no address in any key; and the
API keeps answering when the cache is down."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.urls import path
from django.utils import translation
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from config import urls as project_urls
from privacy.ratelimit import parse_rate
from tests.conftest import staff_login

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.test_throttle")]

ME = "/api/v1/me/"
OPEN = "/api/v1/test-open/"
ADDRESS = "203.0.113.77"


class OpenView(APIView):
    """An endpoint anyone may call, as a public one would be."""

    permission_classes = [permissions.AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path(OPEN.lstrip("/"), OpenView.as_view()), *project_urls.urlpatterns]


def statuses(client, url: str, times: int, **extra) -> list[int]:
    return [client.get(url, **extra).status_code for _ in range(times)]


def cache_keys() -> list[str]:
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return [key.decode() for key in cache._cache.get_client().keys("*")]
    return list(cache._cache.keys())


def test_a_token_over_its_rate_gets_429_with_retry_after_in_the_error_shape(api_as, advocate, settings):
    settings.API_RATE_PER_TOKEN = "3/h"
    client = api_as(advocate)
    assert statuses(client, ME, 3) == [200, 200, 200]
    response = client.get(ME)
    assert response.status_code == 429
    assert response.json() == {
        "error": {"code": "throttled", "message": "Too many requests. Wait a little and try again.", "fields": {}}
    }
    assert 1 <= int(response["Retry-After"]) <= parse_rate("3/h")[1]


def test_the_throttled_message_is_in_the_requests_language(api_as, advocate, settings):
    settings.API_RATE_PER_TOKEN = "1/h"
    client = api_as(advocate)
    client.get(ME)
    response = client.get(ME, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 429 and response["Content-Language"] == "es"
    with translation.override("es"):
        assert response.json()["error"]["message"] == translation.gettext(
            "Too many requests. Wait a little and try again."
        )


def test_each_token_has_its_own_allowance(api_as, advocate, settings):
    settings.API_RATE_PER_TOKEN = "2/h"
    laptop, server = api_as(advocate, name="laptop"), api_as(advocate, name="server")
    assert statuses(laptop, ME, 3) == [200, 200, 429]
    assert statuses(server, ME, 2) == [200, 200]


def test_a_staff_session_is_limited_per_person(client, liaison, settings):
    settings.API_RATE_PER_TOKEN = "2/h"
    staff_login(client, liaison)
    assert statuses(client, ME, 3) == [200, 200, 429]


def test_anonymous_calls_are_limited_per_client(api, settings):
    settings.API_RATE_ANONYMOUS = "2/h"
    assert statuses(api, OPEN, 3, REMOTE_ADDR=ADDRESS) == [200, 200, 429]
    assert statuses(api, OPEN, 1, REMOTE_ADDR="198.51.100.9") == [200]


def test_no_address_is_in_any_cache_key(api, api_as, advocate, settings):
    settings.API_RATE_ANONYMOUS = "5/h"
    statuses(api, OPEN, 2, REMOTE_ADDR=ADDRESS)
    api.credentials(HTTP_AUTHORIZATION="Bearer vcs_00000000_" + "a" * 43)
    statuses(api, ME, 1, REMOTE_ADDR=ADDRESS)
    statuses(api_as(advocate), ME, 1, REMOTE_ADDR=ADDRESS)
    keys = cache_keys()
    assert any("api-anon:" in key for key in keys) and any("api-token:" in key for key in keys)
    assert not [key for key in keys if ADDRESS in key or ADDRESS.replace(".", "") in key or "127.0.0.1" in key]


def test_with_the_cache_down_requests_are_still_served(api, api_as, advocate, settings):
    settings.API_RATE_PER_TOKEN = "1/h"
    settings.API_RATE_ANONYMOUS = "1/h"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    assert statuses(api_as(advocate), ME, 3) == [200, 200, 200]
    assert statuses(api, OPEN, 3) == [200, 200, 200]


def test_the_limit_can_be_turned_off(api_as, advocate, settings):
    settings.API_RATE_PER_TOKEN = "1/h"
    settings.RATELIMIT_ENABLE = False
    assert statuses(api_as(advocate), ME, 3) == [200, 200, 200]
