import logging
import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from core.errors import ApplicationError
from messaging import selectors, services
from messaging.forms import WebhookEndpointForm
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


# --- webhooks out: the pages of an organisation's members (/work/webhooks/) ---

WEBHOOK_DELIVERIES_PER_PAGE = 25
REVEAL_ONCE_SESSION_KEY = "webhook_reveal_once"
# A try's error code, in words.
WEBHOOK_ERRORS = {
    "timeout": gettext_lazy("No answer in time"),
    "connection": gettext_lazy("Could not connect"),
    "tls": gettext_lazy("Secure connection failed"),
    "url_scheme": gettext_lazy("The address does not start with https://"),
    "url_credentials": gettext_lazy("The address contains a password"),
    "url_host": gettext_lazy("Not a web address"),
    "url_dns": gettext_lazy("Address not found"),
    "url_address": gettext_lazy("The address leads to a private network"),
    "endpoint_off": gettext_lazy("The webhook was turned off"),
    "error": gettext_lazy("Sending failed"),
}


def webhook_member_required(view):
    """Signed in (else the sign-in page) and a member of an organisation (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.allowed(request.user, policy.ORG_PORTAL):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _endpoint_or_404(request: HttpRequest, endpoint_id: int):
    endpoint = selectors.webhook_endpoint_for(request.user, endpoint_id)
    if endpoint is None:  # another organisation's looks the same as none at all
        raise Http404("webhook")
    return endpoint


def _show_secret_once(request: HttpRequest, endpoint) -> HttpResponse:
    """After a POST that made a secret: the next page of this endpoint shows it, once."""
    request.session[REVEAL_ONCE_SESSION_KEY] = endpoint.pk
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)


@never_cache
@require_http_methods(["GET", "POST"])
@webhook_member_required
def webhooks(request: HttpRequest) -> HttpResponse:
    organizations = selectors.webhook_organizations(request.user)
    form = WebhookEndpointForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and not organizations:
        raise PermissionDenied  # a member of no active organisation has no webhooks to add
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, _secret = services.webhook_endpoint_create(
                organization=form.chosen_organization(),
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except ApplicationError as exc:
            for field, messages in exc.extra.get("fields", {}).items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return _show_secret_once(request, endpoint)
    context = {
        "endpoints": selectors.webhook_endpoints_for(request.user),
        "form": form if organizations else None,
    }
    return render(request, "messaging/webhooks.html", context, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET"])
@webhook_member_required
def webhook_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    secret = ""
    if request.session.get(REVEAL_ONCE_SESSION_KEY) == endpoint.pk:
        del request.session[REVEAL_ONCE_SESSION_KEY]
        endpoint.refresh_from_db(fields=["secret"])
        secret = endpoint.secret
    page = Paginator(selectors.webhook_deliveries_of(endpoint), WEBHOOK_DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for delivery in page.object_list:
        delivery.error_text = WEBHOOK_ERRORS.get(delivery.last_error, delivery.last_error)
        for attempt in delivery.attempt_log.all():
            attempt.error_text = WEBHOOK_ERRORS.get(attempt.error, attempt.error)
    context = {"endpoint": endpoint, "secret": secret, "page": page}
    return render(request, "messaging/webhook.html", context)


DONE = {
    "test": gettext_lazy("A test event is on its way. It appears in the log below."),
    "replay": gettext_lazy("The event is being sent again. It appears in the log below."),
    "off": gettext_lazy("The webhook is turned off. Nothing more will be sent to it."),
    "inactive": gettext_lazy("This webhook is turned off."),
}


def _back(request: HttpRequest, endpoint_id: int, done: str) -> HttpResponse:
    (messages.error if done == "inactive" else messages.success)(request, DONE[done])
    return redirect("webhooks:detail", endpoint_id=endpoint_id)


@require_POST
@webhook_member_required
def webhook_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    try:
        services.webhook_endpoint_test(endpoint=endpoint, actor=request.user)
    except ApplicationError:
        return _back(request, endpoint.pk, "inactive")
    return _back(request, endpoint.pk, "test")


@require_POST
@webhook_member_required
def webhook_rotate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    try:
        endpoint, _secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
    except ApplicationError:
        return _back(request, endpoint.pk, "inactive")
    return _show_secret_once(request, endpoint)


@require_POST
@webhook_member_required
def webhook_deactivate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = services.webhook_endpoint_deactivate(endpoint=_endpoint_or_404(request, endpoint_id), actor=request.user)
    return _back(request, endpoint.pk, "off")


@require_POST
@webhook_member_required
def webhook_replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.webhook_delivery_for(request.user, delivery_id)
    if delivery is None:
        raise Http404("delivery")
    try:
        services.webhook_delivery_replay(delivery=delivery, actor=request.user)
    except ApplicationError:
        return _back(request, delivery.endpoint_id, "inactive")
    return _back(request, delivery.endpoint_id, "replay")
