"""Rate limits that never keep an address: the client is known only by a keyed hash of it, held
in the cache for the length of the window."""

import logging

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from privacy.crypto import blind_index

logger = logging.getLogger(__name__)


def client_key(group: str, request) -> str:
    address = request.META.get(settings.CLIENT_ADDRESS_HEADER, "") or request.META.get("REMOTE_ADDR", "")
    # A forwarded list is "client, proxy, ...": the client can write anything at the front, so the
    # entry our own proxy appended (the last) is the one to trust.
    return blind_index(address.split(",")[-1].strip(), purpose="ratelimit-client")


def over_limit(request, *, group: str, rate: str, value: str | None = None) -> bool:
    """Count this request against a limit; True when it is over. Without `value` it is per client."""
    if value is None:
        key = client_key
    else:
        hashed = blind_index(value, purpose=f"ratelimit-{group}")

        def key(_group, _request):
            return hashed

    try:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    except Exception:
        # The cache is down: serve the person rather than fail; the limit resumes with the cache.
        logger.warning("rate limit %s not counted: cache unavailable", group)
        return False
