"""Webhooks out: how a request is signed, how a receiver checks it, and the one HTTP POST that is
safe to make to an address an organisation typed in.

Every request carries

    Voces-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body bytes>")>
    Voces-Event: complaint.status_changed
    Voces-Event-Id: <uuid, the same on every retry and replay: receivers dedupe on it>
    Content-Type: application/json
    User-Agent: Voces-Webhooks/1

A receiver recomputes the HMAC over the timestamp, a dot and the body exactly as received (before
any JSON parsing), compares in constant time, and refuses a timestamp more than five minutes
away from its clock (`webhook_signature_verify` does all three).

The POST goes only to a public address: the host is resolved once, every address it resolves to
is checked (no private, loopback, link-local, multicast, reserved or unspecified one), and the
connection is made to the checked address (the TLS certificate is still verified against the
host name), so a DNS answer that changes between the check and the connection cannot point the
request at the inside of our network. Redirects are not followed and the answer's body is never
read.
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
USER_AGENT = "Voces-Webhooks/1"
SIGNATURE_HEADER = "Voces-Signature"
EVENT_HEADER = "Voces-Event"
EVENT_ID_HEADER = "Voces-Event-Id"
DEFAULT_TOLERANCE = 300


def webhook_secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def webhook_body(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _hmac_hex(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def webhook_signature(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The Voces-Signature header for `body`, signed now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_hmac_hex(secret, timestamp, body)}"


def webhook_signature_verify(
    secret: str, header: str, body: bytes, tolerance: int = DEFAULT_TOLERANCE, *, now: float | None = None
) -> bool:
    """True when `header` (a Voces-Signature value) signs `body` with `secret` at a time no more
    than `tolerance` seconds from now. Any v1 value may match (there is one today)."""
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = _hmac_hex(secret, timestamp, body)
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


# --- where a request may go ---


class WebhookUrlError(Exception):
    """An address a webhook may not be sent to. `code`: scheme, credentials, host, dns, address."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the tests replace this)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookUrlError("dns") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 one carries (mapped, 6to4, Teredo, NAT64), which reach that IPv4."""
    found = [address.ipv4_mapped, address.sixtofour]
    if address.teredo:
        found.append(address.teredo[1])
    if address in ipaddress.IPv6Network("64:ff9b::/96"):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [item for item in found if item is not None]


def address_is_public(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address):
        candidates += _embedded_ipv4(address)
    return all(
        item.is_global
        and not (
            item.is_private
            or item.is_loopback
            or item.is_link_local
            or item.is_multicast
            or item.is_reserved
            or item.is_unspecified
            or (isinstance(item, ipaddress.IPv6Address) and item.is_site_local)
        )
        for item in candidates
    )


def webhook_url_check(url: str, *, allow_local: bool) -> tuple[str, int, list[str]]:
    """The host, port and checked addresses of `url`, or WebhookUrlError. https only and public
    addresses only, unless `allow_local` (development and tests)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookUrlError("host") from exc
    if parts.scheme != "https" and not (allow_local and parts.scheme == "http"):
        raise WebhookUrlError("scheme")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlError("credentials")
    host = parts.hostname
    # A host in another script must be given in its ASCII form (xn--…): requests would connect to
    # that form, which the pinned connection would not recognise.
    if not host or not host.isascii():
        raise WebhookUrlError("host")
    addresses = resolve(host, port)
    if not addresses:
        raise WebhookUrlError("dns")
    if not allow_local and not all(address_is_public(address) for address in addresses):
        raise WebhookUrlError("address")
    return host, port, addresses


class PinnedAdapter(HTTPAdapter):
    """Connects to one address chosen beforehand whatever the URL's host resolves to now, while
    the Host header, TLS SNI and certificate check still use the host name."""

    def __init__(self, host: str, address: str):
        self.pinned_host, self.pinned_address = host, address
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if (host_params.get("host") or "").lower() != self.pinned_host.lower():
            raise WebhookUrlError("host")
        host_params["host"] = self.pinned_address
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self.pinned_host
            pool_kwargs["assert_hostname"] = self.pinned_host
        return host_params, pool_kwargs


def webhook_post(url: str, body: bytes, headers: dict, *, timeout: float, allow_local: bool, verify=True) -> int:
    """POST `body` to `url` and return the answer's status code; WebhookUrlError for an address
    that is not allowed, requests' exceptions for a network failure. `verify` is for the tests' own
    certificate authority."""
    host, _port, addresses = webhook_url_check(url, allow_local=allow_local)
    # The connection goes to an address, so the Host header is given: the URL's, as typed.
    headers = {**headers, "Host": urlsplit(url).netloc}
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc from the environment
        adapter = PinnedAdapter(host, addresses[0])
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        response = session.post(
            url,
            data=body,
            headers={**headers, "User-Agent": USER_AGENT, "Content-Type": "application/json"},
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,  # the body is never read
            verify=verify,
        )
        response.close()
        return response.status_code
