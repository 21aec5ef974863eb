import pytest
from django.core.cache import caches
from django.test import RequestFactory

from privacy.ratelimit import Limit, over_limit, parse_rate


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def lookup(address="10.0.0.1"):
    return RequestFactory().post("/es/status/", REMOTE_ADDR=address)


@pytest.mark.parametrize(
    "rate,expected", [("30/h", (30, 3600)), ("5/10m", (5, 600)), ("1/s", (1, 1)), ("2/d", (2, 86400))]
)
def test_rates_are_read_as_count_and_window(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["30", "h/30", "30/x", "-1/h", "", "5/0m"])
def test_a_malformed_rate_is_refused(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_limits_count_per_client_and_per_value_together(backend, request):
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    per_client, per_value = Limit("t-client", "3/h"), Limit("t-value", "2/h", value="4821553019682207")
    assert not over_limit(lookup(), per_client, per_value)
    assert not over_limit(lookup(), per_client, per_value)
    # The value's limit is reached first, whichever client asks.
    assert over_limit(lookup("10.0.0.2"), per_client, per_value)
    assert not over_limit(lookup("10.0.0.3"), per_client)
    assert not over_limit(lookup(), per_client, Limit("t-value", "2/h", value="another"))  # third for 10.0.0.1
    assert over_limit(lookup(), per_client)


def test_counters_expire_with_their_window_on_redis(redis_cache):
    over_limit(lookup(), Limit("t-ttl", "5/m"))
    client = redis_cache._cache.get_client()
    keys = client.keys("*rl:t-ttl:*")
    assert len(keys) == 1
    assert 0 < client.ttl(keys[0]) <= 60
    assert "10.0.0.1" not in keys[0].decode()  # only a keyed hash of the address


def test_a_cache_outage_lets_the_person_through(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    assert not over_limit(lookup(), Limit("t-down", "1/h"))
    assert not over_limit(lookup(), Limit("t-down", "1/h"))


def test_a_rate_setting_that_cannot_be_read_stops_the_start(settings):
    from privacy.apps import check_rates

    assert check_rates(None) == []
    settings.UPLOAD_RATE_PER_CLIENT = "5/0m"
    assert [error.id for error in check_rates(None)] == ["privacy.E001"]
