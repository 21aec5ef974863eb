import logging
import re
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils.html import strip_tags
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.services import email_inbound_receive, email_tracking_apply, inbound_receive, outbound_status_update
from messaging.twilio import twilio_signature_valid

logger = logging.getLogger(__name__)


def twilio_webhook(view):
    """A POST from Twilio: no CSRF token, but a valid X-Twilio-Signature, or 403."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not twilio_signature_valid(request):
            return HttpResponseForbidden("invalid signature")
        return view(request, *args, **kwargs)

    return wrapper


@twilio_webhook
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Delivery callbacks. Always 200 once signed, even for an unknown message, so Twilio stops."""
    sid = request.POST.get("MessageSid", "")
    message_id = request.GET.get("m", "")
    if SID.fullmatch(sid):
        outbound_status_update(
            provider_id=sid,
            provider_status=request.POST.get("MessageStatus", "")[:32],
            error_code=request.POST.get("ErrorCode", "")[:8],
            message_id=int(message_id)
            if message_id.isascii() and message_id.isdecimal() and len(message_id) < 19
            else None,
        )
    return HttpResponse(status=200)


SID = re.compile(r"[A-Za-z0-9]{2,64}")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_MEDIA = 10


@twilio_webhook
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """SMS and WhatsApp messages. Stored once per MessageSid; answered at once with TwiML."""
    sid = request.POST.get("MessageSid", "")
    sender = request.POST.get("From", "")
    if not SID.fullmatch(sid) or not sender or len(sender) > 320 or "\x00" in sender:
        return HttpResponseBadRequest("MessageSid and From are required")
    try:
        count = min(int(request.POST.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = [
        {
            "url": request.POST.get(f"MediaUrl{n}", "")[:500],
            "content_type": request.POST.get(f"MediaContentType{n}", "")[:100],
        }
        for n in range(count)
    ]
    inbound_receive(
        channel="whatsapp" if sender.startswith("whatsapp:") else "sms",
        # NUL cannot be stored in PostgreSQL text; nothing a person writes needs it.
        provider_id=sid,
        from_address=sender,
        body=request.POST.get("Body", "").replace("\x00", ""),
        media=media,
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


AUTOMATIC_SENDERS = ("mailer-daemon@", "postmaster@", "noreply@", "no-reply@")


def anymail_inbound(sender, event, esp_name, **kwargs) -> None:
    """django-anymail's inbound signal (its view checked the webhook secret). Kept short: an
    exception here is a 500 and the provider sends the email again, which is stored once."""
    message = event.message
    if message is None:
        return
    try:
        address = message.from_email.addr_spec if message.from_email else ""
    except Exception:  # "undisclosed-recipients:;" and other addresses nobody can answer
        address = ""
    automatic = (message.get("Auto-Submitted", "no") or "no").lower() != "no" or (
        message.get("Precedence", "") or ""
    ).lower() in {"bulk", "junk", "list", "auto_reply"}
    if not address or automatic or address.lower().startswith(AUTOMATIC_SENDERS):
        logger.info("inbound email not taken: %s", "automatic" if address else "no sender")
        return
    attachments = [
        (part.get_filename() or "", part.get_content_type(), part.get_content_bytes())
        for part in [*message.attachments, *message.inlines]  # phones send photos inline
    ]
    email_inbound_receive(
        message_id=message.get("Message-ID", "") or "",
        from_address=address[:320],
        subject=_decoded(lambda: message.subject),
        text=_decoded(lambda: message.text) or strip_tags(_decoded(lambda: message.html)),
        attachments=attachments,
    )


def _decoded(read) -> str:
    """A header or body part as text; an unknown charset gives replacement marks, not a 500."""
    try:
        return read() or ""
    except (LookupError, UnicodeError):
        return ""


def anymail_tracking(sender, event, esp_name, **kwargs) -> None:
    email_tracking_apply(
        event_type=event.event_type or "", message_id=event.message_id or "", recipient=event.recipient or ""
    )
