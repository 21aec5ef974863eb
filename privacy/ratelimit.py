"""Rate limits that never keep an address: the client is known only by a keyed hash of it, held
in the cache for the length of the window.

Fixed windows counted in the cache. On Redis, all the limits of one request are counted in a
single pipelined round trip (SET NX EX to start a window, then INCR; any Redis version);
django-ratelimit, used before, needed three round trips per limit, and the status lookup checks two.
"""

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from privacy.crypto import blind_index

logger = logging.getLogger(__name__)

RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Limit:
    """`rate` like "30/h" or "5/10m"; without `value` the limit is per client."""

    group: str
    rate: str
    value: str | None = None


def parse_rate(rate: str) -> tuple[int, int]:
    """(requests allowed, window in seconds)."""
    match = RATE.match(rate.strip())
    if not match:
        raise ValueError(f"not a rate: {rate!r} (like 30/h or 5/10m)")
    count, multiplier, unit = match.groups()
    if int(multiplier or 1) == 0:
        raise ValueError(f"not a rate: {rate!r} (a window of no time)")
    return int(count), int(multiplier or 1) * UNIT_SECONDS[unit]


def client_key(request) -> str:
    address = request.META.get(settings.CLIENT_ADDRESS_HEADER, "") or request.META.get("REMOTE_ADDR", "")
    # A forwarded list is "client, proxy, ...": the client can write anything at the front, so the
    # entry our own proxy appended (the last) is the one to trust.
    return blind_index(address.split(",")[-1].strip(), purpose="ratelimit-client")


def _redis_client(cache: RedisCache):
    """One client object per cache, over its connection pool: Django's backend builds a new one
    for every call, and building one (its table of reply parsers) cost more than the round trip."""
    client = getattr(cache, "_voces_client", None)
    if client is None:
        client = cache._voces_client = cache._cache.get_client(write=True)
    return client


def _counted(keys: list[tuple[str, int]]) -> list[int]:
    """Add one to each counter and return the new counts; a new counter lives for its window."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        pipe = _redis_client(cache).pipeline(transaction=False)
        for key, seconds in keys:
            pipe.set(cache.make_and_validate_key(key), 0, ex=seconds, nx=True)
            pipe.incr(cache.make_and_validate_key(key))
        return pipe.execute()[1::2]
    counts = []
    for key, seconds in keys:
        cache.add(key, 0, seconds)
        counts.append(cache.incr(key))
    return counts


def window_count(key: str, seconds: int) -> int:
    """Count one more in the current fixed window of `seconds` for a key that is not a person's
    (a sending number's messages per second); raises when the cache is down."""
    return _counted([(f"rl:{key}:{int(time.time()) // seconds}", seconds)])[0]


def over_limit(request, *limits: Limit) -> bool:
    """Count this request against every limit; True when it is over any of them."""
    if not settings.RATELIMIT_ENABLE:
        return False
    now = int(time.time())
    keys, allowed = [], []
    for limit in limits:
        count, seconds = parse_rate(limit.rate)
        subject = client_key(request) if limit.value is None else blind_index(limit.value, purpose=f"rl-{limit.group}")
        keys.append((f"rl:{limit.group}:{subject}:{now // seconds}", seconds))
        allowed.append(count)
    try:
        counts = _counted(keys)
    except Exception:
        # The cache is down: serve the person rather than fail; the limit resumes with the cache.
        logger.warning("rate limits %s not counted: cache unavailable", [limit.group for limit in limits])
        return False
    return any(count > maximum for count, maximum in zip(counts, allowed, strict=True))


def api_rate(request) -> tuple[str, str]:
    """(rate, subject) for the API throttle: a token is limited by its own id (each token of a
    person has its own allowance), a staff web session by its user, anyone else by the keyed hash
    of their address."""
    token = getattr(request, "auth", None)
    if token is not None and getattr(token, "pk", None) is not None:
        return settings.API_RATE_PER_TOKEN, f"api-token:{token.pk}"
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return settings.API_RATE_PER_TOKEN, f"api-user:{request.user.pk}"
    return settings.API_RATE_ANONYMOUS, f"api-anon:{client_key(request)}"


def _api_wait(rate: str, subject: str) -> int | None:
    """Count one request of `subject`; the seconds until its window ends when it is over `rate`,
    None when it may go on (or when the cache is down: the request is served, uncounted)."""
    if not settings.RATELIMIT_ENABLE:
        return None
    count, seconds = parse_rate(rate)
    now = int(time.time())
    try:
        (used,) = _counted([(f"rl:{subject}:{now // seconds}", seconds)])
    except Exception:
        logger.warning("API rate limit not counted: cache unavailable")
        return None
    return seconds - now % seconds if used > count else None


def api_refused_token_wait(request) -> int | None:
    """A request whose token was refused counts as an anonymous one of its client, so that
    guessing tokens is held to API_RATE_ANONYMOUS (DRF checks throttles only after
    authentication). The seconds to wait when over it."""
    return _api_wait(settings.API_RATE_ANONYMOUS, f"api-anon:{client_key(request)}")


class ApiThrottle:
    """DRF's throttle interface over the fixed windows above: per token (or signed-in staff
    session), and per client for anonymous calls. Never keeps an address, and lets the request
    through when the cache is down, like every other limit here."""

    def __init__(self):
        self.retry_after = None

    def allow_request(self, request, view) -> bool:
        self.retry_after = _api_wait(*api_rate(request))
        return self.retry_after is None

    def wait(self):
        return self.retry_after
