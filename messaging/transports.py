"""Outbound SMS and WhatsApp transports, chosen by settings.SMS_TRANSPORT."""

import json
import logging
import re
import urllib.parse
import uuid
from dataclasses import dataclass

import requests
import urllib3
from django.conf import settings
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

logger = logging.getLogger(__name__)

# Twilio errors after which sending again can never work.
OPTED_OUT = 21610
WHATSAPP_OUTSIDE_WINDOW = 63016
PERMANENT_ERRORS = {
    21211,  # invalid 'To' number
    21212,  # invalid 'From' number
    21408,  # region not enabled
    21612,  # cannot route to this number
    21614,  # not a mobile number
    21617,  # body too long
    WHATSAPP_OUTSIDE_WINDOW,  # WhatsApp: outside the 24-hour window without a template
    OPTED_OUT,
}


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str


class TransportError(Exception):
    """A send that failed. `permanent` ones are never retried; `opted_out` records an opt-out."""

    def __init__(self, message: str, *, code: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent
        self.opted_out = code == OPTED_OUT


class ConsoleSmsTransport:
    """Development transport: writes the message to the log instead of sending it. The number is
    masked, and the text (it may carry a receipt) is shown only with DEBUG on."""

    def send(
        self, *, to: str, body: str, channel: str = "sms", message_id: int | None = None, template: str = ""
    ) -> SendResult:
        provider_id = f"console-{uuid.uuid4().hex}"
        masked = f"…{to[-2:]}" if len(to) > 2 else "…"
        text = body if settings.DEBUG else f"({len(body)} characters)"
        logger.info("%s to %s (%s):\n%s", channel.upper(), masked, provider_id, text)
        return SendResult(provider_id=provider_id, status="sent")


class RedirectingHttpClient(TwilioHttpClient):
    """Sends the library's requests to TWILIO_API_BASE instead of Twilio's hosts (tests and
    staging only): scheme and host change, path and query stay."""

    def __init__(self, base: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base = urllib.parse.urlsplit(base)

    def request(self, method, url, *args, **kwargs):
        parts = urllib.parse.urlsplit(url)
        url = urllib.parse.urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


class TwilioTransport:
    """SMS and WhatsApp through Twilio's REST API, with a delivery callback to /twilio/status/."""

    def __init__(self) -> None:
        # Always a timeout: the library's default waits for ever.
        if settings.TWILIO_API_BASE:
            http_client = RedirectingHttpClient(settings.TWILIO_API_BASE, timeout=10)
        else:
            http_client = TwilioHttpClient(timeout=10)
        # Explicit credentials always: an empty environment would fall back to os.environ.
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)

    def send(
        self, *, to: str, body: str, channel: str = "sms", message_id: int | None = None, template: str = ""
    ) -> SendResult:
        """`template`: a WhatsApp template's ContentSid, the body going in as its variable 1 (how a
        message may reach someone who has not written in the last 24 hours)."""
        if channel == "whatsapp":
            sender = settings.TWILIO_WHATSAPP_FROM
            to = to if to.startswith("whatsapp:") else f"whatsapp:{to}"
        else:
            sender = settings.TWILIO_SMS_FROM
        content = (
            {"content_sid": template, "content_variables": json.dumps({"1": body})} if template else {"body": body}
        )
        try:
            message = self.client.messages.create(
                to=to,
                from_=sender,
                status_callback=f"{settings.PUBLIC_BASE_URL}/twilio/status/?m={message_id or ''}",
                **content,
            )
        except TwilioRestException as exc:
            # Only the known permanent errors: queue overflow (21611), 429 and 5xx are retried.
            raise TransportError(
                f"Twilio error {exc.code}", code=exc.code, permanent=exc.code in PERMANENT_ERRORS
            ) from None
        return SendResult(provider_id=message.sid, status=message.status or "queued")


MEDIA_PATH = re.compile(
    r"/2010-04-01/Accounts/(AC[0-9A-Za-z]{32})/"
    r"(?:Messages/(?:MM|SM)[0-9A-Za-z]{32}/Media/ME[0-9A-Za-z]{32}|Recordings/RE[0-9A-Za-z]{32})"
)


def media_url_allowed(url: str) -> bool:
    """A MediaUrl or RecordingUrl we will fetch: Twilio's API host (TWILIO_API_BASE's in tests),
    our own account, a media or recording path. Anything else (another host, another account) is
    never requested."""
    api = urllib.parse.urlsplit(settings.TWILIO_API_BASE or "https://api.twilio.com")
    parts = urllib.parse.urlsplit(url)
    match = MEDIA_PATH.fullmatch(parts.path)
    return bool(
        parts.scheme == api.scheme
        and parts.netloc == api.netloc
        and not parts.query
        and match
        and match.group(1) == settings.TWILIO_ACCOUNT_SID
    )


def media_fetch(url: str) -> bytes:
    """The file behind a MediaUrl, with the account's credentials; Twilio answers with a redirect
    to its media host, followed only to TWILIO_MEDIA_HOSTS, once, without credentials."""
    if not media_url_allowed(url):
        raise TransportError("media URL not on Twilio's host for this account", permanent=True)
    auth = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    try:
        response = requests.get(url, auth=auth, timeout=10, allow_redirects=False, stream=True)
        if response.is_redirect:
            location = urllib.parse.urljoin(url, response.headers.get("Location", ""))
            target = urllib.parse.urlsplit(location)
            if target.scheme != "https" or target.hostname not in settings.TWILIO_MEDIA_HOSTS:
                raise TransportError(f"media redirect to {target.hostname!r} refused", permanent=True)
            response = requests.get(location, timeout=10, allow_redirects=False, stream=True)
        if response.status_code == 404:
            raise TransportError("media gone", permanent=True)
        if response.status_code != 200:
            raise TransportError(f"media fetch answered {response.status_code}")
        data = response.raw.read(settings.ATTACHMENT_MAX_FILE_BYTES + 1, decode_content=True)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:  # the body's read is urllib3's
        raise TransportError(f"media fetch failed: {type(exc).__name__}") from None
    if len(data) > settings.ATTACHMENT_MAX_FILE_BYTES:
        raise TransportError("media too large", permanent=True)
    return data


def media_delete(url: str) -> None:
    """Remove the file from Twilio once we hold it (or refused it)."""
    if not media_url_allowed(url):
        return
    try:
        response = requests.delete(
            f"{url}.json", auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN), timeout=10
        )
    except requests.RequestException as exc:
        raise TransportError(f"media delete failed: {type(exc).__name__}") from None
    if response.status_code not in (204, 404):
        raise TransportError(f"media delete answered {response.status_code}")


def get_transport():
    return import_string(settings.SMS_TRANSPORT)()
