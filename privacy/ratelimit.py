"""Rate limits that never keep an address: the client is known only by a keyed hash of it, held
in the cache for the length of the window."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from privacy.crypto import blind_index


def client_key(group: str, request) -> str:
    address = request.META.get(settings.CLIENT_ADDRESS_HEADER, "") or request.META.get("REMOTE_ADDR", "")
    # Behind a proxy the header may hold a list; the first entry is the client.
    return blind_index(address.split(",")[0].strip(), purpose="ratelimit-client")


def over_limit(request, *, group: str, rate: str, value: str | None = None) -> bool:
    """Count this request against a limit; True when it is over. Without `value` it is per client."""
    if value is None:
        key = client_key
    else:
        hashed = blind_index(value, purpose=f"ratelimit-{group}")

        def key(_group, _request):
            return hashed

    return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
