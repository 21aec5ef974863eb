import dataclasses
import hashlib
import json
import logging
import random
import time
import uuid
from datetime import UTC, timedelta

import requests
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Organization
from core.errors import ApplicationError
from core.tasks import enqueue_on_commit
from messaging.addresses import address_index
from messaging.flows import Context, flow_get, flow_starting, flow_takes_over
from messaging.keywords import keyword_of, normalise
from messaging.models import (
    Conversation,
    InboundMessage,
    OptOut,
    OutboundMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from messaging.transports import OPTED_OUT, WHATSAPP_OUTSIDE_WINDOW, TransportError, get_transport
from messaging.webhooks import (
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    WebhookUrlError,
    webhook_body,
    webhook_post,
    webhook_secret_new,
    webhook_signature,
    webhook_url_check,
)
from privacy.files import encrypted_file_delete, encrypted_file_store
from privacy.ratelimit import window_count
from privacy.services import audit_record

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
WHATSAPP_WINDOW = timedelta(hours=24)


def opt_out_record(*, channel: str, address: str, keyword: str = "") -> OptOut:
    """Remember that this address asked to stop; recording it twice keeps the first."""
    index = address_index(channel, address)
    opt_out, _created = OptOut.objects.get_or_create(
        channel=channel, address_index=index, defaults={"address": address.strip(), "keyword": keyword[:32]}
    )
    return opt_out


def opt_out_remove(*, channel: str, address: str) -> int:
    deleted, _ = OptOut.objects.filter(channel=channel, address_index=address_index(channel, address)).delete()
    return deleted


def outbound_queue(
    *,
    channel: str,
    to: str,
    body: str,
    purpose: str,
    subject: str = "",
    language: str = "",
    object_ref: str = "",
    sensitive: bool = False,
) -> OutboundMessage:
    """Write a message to the outbox and send it once the caller's transaction commits."""
    from messaging.tasks import outbound_send_task

    message = OutboundMessage(
        channel=channel,
        to=to.strip(),
        to_index=address_index(channel, to),
        subject=subject,
        body=body,
        language=language,
        purpose=purpose,
        object_ref=object_ref,
        sensitive=sensitive,
        next_attempt_at=timezone.now(),
    )
    message.full_clean()
    message.save()
    enqueue_on_commit(outbound_send_task, message.pk)
    return message


# How long a worker's claim on a message or a delivery lasts: its task cannot outlive the time limit
# (the kill may lag a second), and the broker hands a dead worker's task out again only after the
# visibility timeout, by when the claim has run out.
CLAIM = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5)


def outbound_send(*, message_id: int) -> OutboundMessage | None:
    """Send one pending message: claim it, call the provider outside any transaction, record.

    Sends are at-least-once: a worker that dies between the provider's answer and the record
    leaves the message "sending" until its claim runs out, and then the task the broker hands out
    again (or outbound_resend_pending) sends it again. A duplicate discreet message is better than
    a lost receipt.
    """
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update(skip_locked=True).filter(_due(message_id, now)).first()
        if message is None:
            return None
        if OptOut.objects.filter(channel=message.channel, address_index=message.to_index).exists():
            message.status = OutboundMessage.Status.SKIPPED
            message.body = ""
            message.save(update_fields=["status", "body"])
            return message
        if message.attempts >= MAX_ATTEMPTS:  # every try cut off (its worker killed each time): no more copies
            message.status = OutboundMessage.Status.FAILED
            message.last_error = "no answer from the provider"
            message.body = "" if message.sensitive else message.body
            message.save(update_fields=["status", "last_error", "body"])
            logger.error("message %s failed: every try was cut off", message.pk)
            return message
        template = ""
        if message.channel == "whatsapp" and not _whatsapp_window_open(message, now):
            if not settings.TWILIO_WHATSAPP_TEMPLATE_SID:
                return _send_by_sms_instead(message)
            template = settings.TWILIO_WHATSAPP_TEMPLATE_SID
        message.attempts += 1
        message.status = OutboundMessage.Status.SENDING
        # The claim: a live worker has answered or been stopped by its task's time limit by then.
        message.next_attempt_at = now + CLAIM
        message.save(update_fields=["attempts", "status", "next_attempt_at"])
    try:
        provider_id = _deliver(message, template=template)
    except TransportError as exc:
        with transaction.atomic():
            _record_refusal(message, exc)
        return message
    except Exception as exc:
        logger.warning("outbound %s attempt %s failed: %s", message.pk, message.attempts, type(exc).__name__)
        with transaction.atomic():
            # The class only: provider messages quote the address.
            _record_refusal(message, TransportError(type(exc).__name__))
        return message
    fields = {"provider_id": provider_id, "sent_at": timezone.now()}
    if message.sensitive:
        fields["body"] = ""
    OutboundMessage.objects.filter(pk=message.pk).update(**fields)
    # A delivery callback may already have moved it further: only "sending" becomes "sent".
    OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.SENDING).update(
        status=OutboundMessage.Status.SENT
    )
    message.refresh_from_db()
    return message


def outbound_sender_wait(*, message_id: int) -> float:
    """Seconds to wait before sending this message so that its sending number keeps to
    TWILIO_SENDS_PER_SECOND (0: send now). Only real Twilio sends from a worker are paced."""
    rate = settings.TWILIO_SENDS_PER_SECOND
    if not rate or settings.CELERY_TASK_ALWAYS_EAGER or not settings.SMS_TRANSPORT.endswith("TwilioTransport"):
        return 0
    # A message sent already, or not due: outbound_send will leave it, no need to wait.
    channel = OutboundMessage.objects.filter(_due(message_id, timezone.now())).values_list("channel", flat=True).first()
    sender = {"sms": settings.TWILIO_SMS_FROM, "whatsapp": settings.TWILIO_WHATSAPP_FROM}.get(channel)
    if not sender:
        return 0
    try:
        sent_this_second = window_count(f"sends:{sender}", 1)
    except Exception:
        return 0  # the cache is down: Twilio queues what comes too fast (error 21611 is retried)
    return 0 if sent_this_second <= rate else 1 + random.random()  # noqa: S311 (jitter, not a secret)


def _due(message_id: int, now) -> Q:
    """A message to send now: pending and due, or claimed by a worker whose claim has run out."""
    sendable = [OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING]
    return Q(pk=message_id, status__in=sendable, next_attempt_at__lte=now)


def _whatsapp_window_open(message: OutboundMessage, now) -> bool:
    """WhatsApp takes free-form messages only within 24 hours of the person's last message."""
    return InboundMessage.objects.filter(
        channel="whatsapp", from_index=message.to_index, received_at__gte=now - WHATSAPP_WINDOW
    ).exists()


def _send_by_sms_instead(message: OutboundMessage) -> OutboundMessage:
    """Outside WhatsApp's 24 hours and without a template: the same words by SMS to the same
    phone (its own opt-out is checked when it is sent). Never a receipt: the person chose
    WhatsApp, perhaps because others read their texts; the web page showed them the number."""
    if message.body and not message.sensitive:
        outbound_queue(
            channel="sms",
            to=message.to.removeprefix("whatsapp:"),
            body=message.body,
            language=message.language,
            purpose=message.purpose,
            object_ref=message.object_ref,
            sensitive=message.sensitive,
        )
    message.status = OutboundMessage.Status.FAILED
    message.error_code = WHATSAPP_OUTSIDE_WINDOW
    by_sms = message.body and not message.sensitive
    message.last_error = "outside WhatsApp's 24 hours: sent by SMS" if by_sms else "outside WhatsApp's 24 hours"
    message.body = ""
    message.save(update_fields=["status", "error_code", "last_error", "body"])
    return message


def _record_refusal(message: OutboundMessage, exc: TransportError) -> None:
    """The send failed: opted out and permanent errors end here, others retry with backoff."""
    if exc.code == WHATSAPP_OUTSIDE_WINDOW and message.channel == "whatsapp":
        _send_by_sms_instead(message)
        return
    message.error_code = exc.code
    message.last_error = str(exc)[:200]
    message.status = OutboundMessage.Status.PENDING
    fields = ["attempts", "error_code", "last_error", "status", "next_attempt_at"]
    if exc.opted_out:
        opt_out_record(channel=message.channel, address=message.to, keyword="provider-21610")
    if exc.permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = OutboundMessage.Status.SKIPPED if exc.opted_out else OutboundMessage.Status.FAILED
        if message.sensitive:
            message.body = ""
            fields.append("body")
    else:
        message.next_attempt_at = timezone.now() + timedelta(minutes=2**message.attempts)
    message.save(update_fields=fields)


# How far along a message is: a delivery callback only ever moves it forward.
STATUS_RANK = {"pending": 0, "sending": 1, "sent": 1, "delivered": 2, "failed": 2, "skipped": 3}
PROVIDER_STATUS = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
    # email, as django-anymail names its tracking events
    "bounced": "failed",
    "rejected": "failed",
    "opened": "delivered",
    "clicked": "delivered",
}
EMAIL_OPT_OUT_EVENTS = {"complained", "unsubscribed"}


def outbound_status_update(
    *, provider_id: str, provider_status: str, error_code: str = "", message_id: int | None = None
) -> OutboundMessage | None:
    """Apply a delivery callback. Unknown messages and statuses are ignored; callbacks arriving out
    of order never move a message back. `message_id` (from the callback URL) finds a message whose
    provider id is not recorded yet: Twilio can call back before the send is written down."""
    new = PROVIDER_STATUS.get(provider_status.lower())
    if not provider_id or new is None:
        return None
    with transaction.atomic():
        found = OutboundMessage.objects.select_for_update()
        message = found.filter(pk=message_id).first() if message_id else None
        if message is None or (message.provider_id and message.provider_id != provider_id):
            message = found.filter(provider_id=provider_id).first()
        if message is None or STATUS_RANK[new] <= STATUS_RANK[message.status]:
            return message
        message.status = new
        fields = ["status"]
        if new == "delivered":
            message.delivered_at = timezone.now()
            fields.append("delivered_at")
        if error_code.isdecimal():
            message.error_code = int(error_code)
            fields.append("error_code")
            if message.error_code == OPTED_OUT and message.to:  # blank: erased by retention since
                opt_out_record(channel=message.channel, address=message.to, keyword="provider-21610")
        message.save(update_fields=fields)
        if new == "failed" and message.error_code == WHATSAPP_OUTSIDE_WINDOW and message.channel == "whatsapp":
            _send_by_sms_instead(message)  # a discreet (non-sensitive) body still held is sent by SMS
        return message


MAX_INBOUND_BODY = 5000
MAX_EMAIL_BODY = 20000  # an email is a whole story at once
MAX_EMAIL_ATTACHMENTS = 10


def inbound_receive(
    *, channel: str, provider_id: str, from_address: str, body: str, media: list[dict] | None = None
) -> tuple[InboundMessage, bool]:
    """Store a message someone sent, once (the provider retries with the same id), and apply the
    opt-out and opt-in words. Returns the message and whether this call stored it."""
    keyword = keyword_of(body)
    index = address_index(channel, from_address)
    if keyword == "opt_in" and not OptOut.objects.filter(channel=channel, address_index=index).exists():
        keyword = ""  # "yes" and "start" from someone who never said stop are answers
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                channel=channel,
                provider_id=provider_id,
                from_index=index,
                from_address=from_address.strip(),
                body=body[: MAX_EMAIL_BODY if channel == "email" else MAX_INBOUND_BODY],
                media=json.dumps(media or []),
                keyword=keyword,
                processed_at=timezone.now() if keyword else None,
            )
            if keyword == "opt_out":
                opt_out_record(channel=channel, address=from_address, keyword=normalise(body)[:32])
                # A flow a message started (a survey) ends here, so that after START nothing of
                # it is left; a complaint being written stays for the days conversations are kept.
                Conversation.objects.filter(channel=channel, address_index=index).exclude(
                    flow=settings.MESSAGING_FLOWS[channel]
                ).delete()
            elif keyword == "opt_in":
                opt_out_remove(channel=channel, address=from_address)
    except IntegrityError:
        return InboundMessage.objects.get(provider_id=provider_id), False
    if not keyword:
        from messaging.tasks import inbound_process_task

        enqueue_on_commit(inbound_process_task, channel, message.from_index)
    return message, True


def _conversation_locked(channel: str, index: str, address: str) -> Conversation:
    """The sender's conversation, locked until the transaction ends, started if there is none."""
    try:
        with transaction.atomic():
            Conversation.objects.get_or_create(
                channel=channel,
                address_index=index,
                defaults={
                    "address": address,
                    "flow": settings.MESSAGING_FLOWS[channel],
                    "last_activity_at": timezone.now(),
                },
            )
    except IntegrityError:
        pass  # started by a concurrent task a moment ago
    return Conversation.objects.select_for_update().filter(channel=channel, address_index=index).first()


@transaction.atomic
def inbound_process(*, channel: str, from_index: str) -> int:
    """Hand a sender's unprocessed messages to their conversation's flow, oldest first, and queue
    its replies. One sender at a time (the conversation row is locked), so twice is once."""
    first = InboundMessage.objects.filter(channel=channel, from_index=from_index, processed_at__isnull=True).first()
    if first is None:
        return 0
    conversation = None
    while conversation is None:  # one that finished and went while we waited for its lock: anew
        conversation = _conversation_locked(channel, from_index, first.from_address)
    pending = InboundMessage.objects.filter(channel=channel, from_index=from_index, processed_at__isnull=True).order_by(
        "id"
    )
    count = 0
    for message in pending:
        try:
            with transaction.atomic():
                _converse(conversation, message)
        except Exception:
            # A message the flow cannot take (a bug, a state from an older version) must not stop
            # the ones after it: it is set aside, and the conversation starts afresh.
            logger.exception("inbound message %s not handled; its conversation starts again", message.pk)
            InboundMessage.objects.filter(pk=message.pk).update(processed_at=timezone.now(), keyword="error")
            conversation.refresh_from_db()
            conversation.state = "{}"
            conversation.flow = settings.MESSAGING_FLOWS[channel]
        count += 1
    if conversation.state == "{}":
        conversation.delete()  # finished: nothing of it is kept
    else:
        conversation.save()
    return count


def _converse(conversation: Conversation, message: InboundMessage) -> None:
    state = json.loads(conversation.state or "{}") or None
    idle = message.received_at - conversation.last_activity_at if state else None
    starting = flow_starting(message.body, channel=conversation.channel)
    if starting and flow_takes_over(conversation.flow, state, idle):
        # A message that begins another flow (a survey's keyword): a new conversation in it.
        conversation.flow, state, idle = starting, None, None
    flow = flow_get(conversation.flow)
    context = Context(
        today=timezone.localdate(message.received_at),
        idle=idle,
        channel=conversation.channel,
        address=message.from_address,
        conversation_id=conversation.pk,
        message_id=message.pk,
        media=tuple(json.loads(message.media or "[]")),
    )
    turn = flow.step(state, message.body, context)
    turns = [(conversation.flow, turn, [*turn.replies, *(flow.act(turn, context) if turn.action else [])])]
    if turn.finished:
        # Whatever comes next (even in this batch) goes to the channel's own flow.
        default = settings.MESSAGING_FLOWS[conversation.channel]
        if turn.hand_back and conversation.flow != default:
            # The flow gives this message on (a STATUS sent during a survey): read afresh.
            flow, context = flow_get(default), dataclasses.replace(context, idle=None)
            turn = flow.step(None, message.body, context)
            turns.append((default, turn, [*turn.replies, *(flow.act(turn, context) if turn.action else [])]))
        conversation.flow = default
    if _flooding(conversation, message, [reply for _name, _turn, replies in turns for reply in replies]):
        # Every message is still read and kept, but answering each would flood the phone (and
        # cost) in return, or, for email, send our replies to whoever a forged sender names.
        logger.info("conversation %s: a flood from one sender, replies held back", conversation.pk)
        turns = []
    for name, answered, replies in turns:
        for reply in replies:
            outbound_queue(
                channel=conversation.channel,
                to=message.from_address,
                body=reply.text,
                language=answered.language,
                purpose=f"conversation.{name}",
                sensitive=reply.sensitive,
                subject=reply.subject,
            )
    conversation.state = "{}" if turn.finished else json.dumps(turn.state)
    conversation.language = turn.language
    conversation.last_activity_at = message.received_at
    message.processed_at = timezone.now()
    if turn.action and turn.action[0] == "status":
        message.body = ""  # a receipt is never kept next to the phone that asked
    message.save(update_fields=["processed_at", "body"])


def _flooding(conversation: Conversation, message: InboundMessage, replies: list) -> bool:
    """More than anyone writes: 20 texts a minute (a receipt is still sent), or 5 emails an hour
    from one address (nothing more is sent to it that hour, receipts included)."""
    window, most = (timedelta(hours=1), 5) if conversation.channel == "email" else (timedelta(minutes=1), 20)
    if conversation.channel != "email" and any(reply.sensitive for reply in replies):
        return False
    recent = InboundMessage.objects.filter(
        channel=conversation.channel,
        from_index=message.from_index,
        received_at__gte=message.received_at - window,
        received_at__lte=message.received_at,
    ).count()
    return recent > most


def inbound_process_stale(*, older_than_seconds: int = 60) -> int:
    """Messages stored and not handled a minute later: their task was lost (broker down). Each
    sender's go to a task of their own again, so that every worker shares an outage's backlog.
    Returns how many senders."""
    from messaging.tasks import inbound_process_task

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    senders = (
        InboundMessage.objects.filter(processed_at__isnull=True, received_at__lte=cutoff)
        .values_list("channel", "from_index")
        .distinct()[:200]
    )
    handed = 0
    for channel, index in senders:
        try:
            inbound_process_task.delay(channel, index)
            handed += 1
        except Exception:
            logger.exception("messages of one sender not handed on; the others go on")
    return handed


def conversations_purge_idle(*, now=None) -> int:
    """Unfinished conversations, and the messages received, are forgotten after days without a
    message (a finished conversation's words live on in its complaint)."""
    from messaging.tasks import media_delete_task

    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_CONVERSATION_DAYS)
    deleted, _rows = Conversation.objects.filter(last_activity_at__lt=cutoff).delete()
    old = InboundMessage.objects.filter(received_at__lt=cutoff, processed_at__isnull=False)
    for media in old.values_list("media", flat=True).iterator():
        # Files of a conversation left unfinished are still at Twilio: they go too (a file already
        # fetched and deleted answers 404, which is fine); an email's files kept here go as well.
        for item in json.loads(media or "[]"):
            if item.get("url"):
                enqueue_on_commit(media_delete_task, item["url"])
            if item.get("file"):
                encrypted_file_delete(item["file"])
    old.delete()
    return deleted


def _deliver(message: OutboundMessage, *, template: str = "") -> str:
    if message.channel == "email":
        email = EmailMessage(subject=message.subject, body=message.body, to=[message.to])
        email.send()
        provider_id = getattr(getattr(email, "anymail_status", None), "message_id", None)
        return "" if provider_id is None else str(provider_id)[:64]
    extra = {"template": template} if template else {}
    result = get_transport().send(
        to=message.to, body=message.body, channel=message.channel, message_id=message.pk, **extra
    )
    return result.provider_id


def outbound_resend_pending(*, older_than: timedelta = timedelta(minutes=3)) -> int:
    """Re-enqueue messages still pending (their first task was lost, or they wait for a retry),
    and put back those a dead worker left "sending"."""
    from messaging.tasks import outbound_send_task

    now = timezone.now()
    OutboundMessage.objects.filter(status=OutboundMessage.Status.SENDING, next_attempt_at__lte=now).update(
        status=OutboundMessage.Status.PENDING
    )
    ids = list(
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.PENDING, next_attempt_at__lte=now, created_at__lte=now - older_than
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for message_id in ids:
        outbound_send_task.delay(message_id)
    return len(ids)


def email_inbound_receive(
    *, message_id: str, from_address: str, subject: str, text: str, attachments: list[tuple[str, str, bytes]]
) -> tuple[InboundMessage, bool]:
    """Store an email once (providers retry: it is known by its Message-ID, else by its content)
    with its attachments encrypted until the flow has checked them, and hand it to the flow."""
    key = message_id.strip() or f"{from_address}\n{subject}\n{text}"
    provider_id = "email:" + hashlib.sha256(key.encode()).hexdigest()[:56]
    if InboundMessage.objects.filter(provider_id=provider_id).exists():
        return InboundMessage.objects.get(provider_id=provider_id), False
    media = [
        {
            "file": encrypted_file_store(data, folder="inbound"),
            "content_type": content_type[:100],
            "filename": name[:255],
        }
        for name, content_type, data in attachments[:MAX_EMAIL_ATTACHMENTS]
    ]
    body = f"{subject.strip()}\n\n{text.strip()}".strip()
    try:
        message, created = inbound_receive(
            channel="email", provider_id=provider_id, from_address=from_address, body=body, media=media
        )
    except Exception:
        # Not stored (the database went away): the provider sends it again, so no row will ever
        # own these files.
        for item in media:
            encrypted_file_delete(item["file"])
        raise
    if not created or message.keyword:  # a repeat, or a one-word STOP: no flow will read the files
        for item in media:
            encrypted_file_delete(item["file"])
    return message, created


def email_tracking_apply(*, event_type: str, message_id: str, recipient: str) -> OutboundMessage | None:
    """An email provider's delivery event: moves the outbox row forward; a complaint or an
    unsubscribe is an opt-out."""
    if event_type in EMAIL_OPT_OUT_EVENTS and recipient:
        opt_out_record(channel="email", address=recipient, keyword=f"email-{event_type}")
    return outbound_status_update(provider_id=message_id[:64], provider_status=event_type)


# --- webhooks out ---

WEBHOOK_URL_MESSAGES = {
    "scheme": gettext_lazy("The address must start with https://."),
    "credentials": gettext_lazy("The address must not contain a user name or password."),
    "host": gettext_lazy("This is not a web address we can send to."),
    "dns": gettext_lazy("We could not find this address. Check it and try again."),
    "address": gettext_lazy("This address leads to a private or local network. Use a public address."),
}


def _webhook_url_clean(url: str) -> str:
    url = (url or "").strip()
    try:
        webhook_url_check(url, allow_local=settings.WEBHOOK_ALLOW_LOCAL)
    except WebhookUrlError as exc:
        raise ApplicationError(
            str(WEBHOOK_URL_MESSAGES[exc.code]),
            code="url_not_allowed",
            extra={"fields": {"url": [str(WEBHOOK_URL_MESSAGES[exc.code])]}},
        ) from None
    return url


def _webhook_full_clean(endpoint: WebhookEndpoint) -> None:
    try:
        endpoint.full_clean(exclude=["organization", "created_by"])
    except ValidationError as exc:
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        first = next(iter(fields.values()))[0]
        raise ApplicationError(first, code="invalid", extra={"fields": fields}) from None


@transaction.atomic
def webhook_endpoint_create(
    *, organization: Organization, url: str, description: str = "", actor
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of `organization` and its secret, which is shown this once."""
    secret = webhook_secret_new()
    endpoint = WebhookEndpoint(
        organization=organization,
        url=(url or "").strip(),
        description=(description or "").strip(),
        secret=secret,
        created_by=actor,
    )
    _webhook_full_clean(endpoint)  # length and form first: the address is looked up only after
    endpoint.url = _webhook_url_clean(endpoint.url)
    endpoint.save()
    audit_record(actor=actor, action="webhook.created", obj=endpoint, data={"organization": organization.slug})
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor) -> tuple[WebhookEndpoint, str]:
    """A new secret for the endpoint, shown this once; the old one stops signing at once."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not endpoint.is_active:
        raise ApplicationError(gettext("This webhook is turned off."), code="inactive")
    secret = webhook_secret_new()
    endpoint.secret = secret
    endpoint.save(update_fields=["secret"])
    audit_record(actor=actor, action="webhook.secret_rotated", obj=endpoint)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint, actor) -> WebhookEndpoint:
    """Turn the endpoint off: nothing more is sent to it, waiting deliveries give up. Twice is the
    same as once."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not endpoint.is_active:
        return endpoint
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])
    endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error="endpoint_off"
    )
    audit_record(actor=actor, action="webhook.deactivated", obj=endpoint)
    return endpoint


def _webhook_delivery_queue(*, endpoint_id: int, event_id, event: str, payload: dict, replay_of=None):
    from messaging.tasks import webhook_delivery_send_task

    delivery = WebhookDelivery.objects.create(
        endpoint_id=endpoint_id,
        event_id=event_id,
        event=event,
        payload=payload,
        next_attempt_at=timezone.now(),
        replay_of=replay_of,
    )
    enqueue_on_commit(webhook_delivery_send_task, delivery.pk)
    return delivery


def webhook_event_emit(*, organization_id: int | None, event: str, data: dict) -> list[WebhookDelivery]:
    """One delivery of the event per active endpoint of the organisation, written in the caller's
    transaction and sent after it commits. `data` holds codes, references and dates only."""
    if organization_id is None:
        return []
    endpoints = list(
        WebhookEndpoint.objects.filter(
            organization_id=organization_id, is_active=True, organization__is_active=True
        ).values_list("pk", flat=True)
    )
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    payload = {"id": str(event_id), "type": event, "created_at": _iso(timezone.now()), "data": data}
    return [
        _webhook_delivery_queue(endpoint_id=pk, event_id=event_id, event=event, payload=payload) for pk in endpoints
    ]


def _iso(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def webhook_complaint_status_changed(
    *,
    organization_id: int | None,
    reference: str,
    status: str,
    previous_status: str,
    outcome: str,
    changed_at,
) -> list[WebhookDelivery]:
    """`complaint.status_changed` to the endpoints of the organisation the complaint was filed
    for. Never a name, a narrative, a contact, a receipt or an allegation."""
    data = {
        "reference": reference,
        "status": status,
        "previous_status": previous_status or None,
        "outcome": outcome or None,
        "changed_at": _iso(changed_at),
    }
    return webhook_event_emit(organization_id=organization_id, event="complaint.status_changed", data=data)


@transaction.atomic
def webhook_endpoint_test(*, endpoint: WebhookEndpoint, actor) -> WebhookDelivery:
    """A `webhook.test` event to this endpoint only, sent now."""
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).exists():
        raise ApplicationError(gettext("This webhook is turned off."), code="inactive")
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": "webhook.test",
        "created_at": _iso(timezone.now()),
        "data": {"endpoint": endpoint.pk},
    }
    delivery = _webhook_delivery_queue(
        endpoint_id=endpoint.pk, event_id=event_id, event="webhook.test", payload=payload
    )
    audit_record(actor=actor, action="webhook.test_sent", obj=endpoint, data={"delivery": delivery.pk})
    return delivery


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send an event again: a new delivery with the same event id and payload, signed anew."""
    if not WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, is_active=True).exists():
        raise ApplicationError(gettext("This webhook is turned off."), code="inactive")
    replay = _webhook_delivery_queue(
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event=delivery.event,
        payload=delivery.payload,
        replay_of=delivery,
    )
    audit_record(
        actor=actor,
        action="webhook.replayed",
        obj=delivery.endpoint,
        data={"delivery": delivery.pk, "replay": replay.pk, "event": delivery.event},
    )
    return replay


def webhook_retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: the configured step (the last one repeats)
    plus up to a tenth more, so that failed deliveries spread out."""
    steps = settings.WEBHOOK_RETRY_SECONDS
    base = steps[min(attempts, len(steps)) - 1] if attempts > 0 else steps[0]
    return timedelta(seconds=base + random.uniform(0, base / 10))  # noqa: S311 (jitter, not a secret)


def _webhook_claim(delivery_id: int, now) -> tuple[WebhookDelivery | None, bool]:
    """Take a due delivery for this worker: (delivery, True) to send it, (delivery, False) when it
    was given up here, (None, False) when it is not due, not pending or another worker has it."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None, False
        if not delivery.endpoint.is_active or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            # Turned off, or every try used (the last one's worker died before it could say so).
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "endpoint_off" if not delivery.endpoint.is_active else delivery.last_error
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return delivery, False
        delivery.attempts += 1
        # Held while this worker sends (its task cannot outlive the time limit); another finds it not
        # due, and the task the broker hands out again after a worker died finds it due.
        delivery.next_attempt_at = now + CLAIM
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery, True


def _webhook_post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """(status code, error code) of one try."""
    body = webhook_body(delivery.payload)
    headers = {
        SIGNATURE_HEADER: webhook_signature(delivery.endpoint.secret, body),
        EVENT_HEADER: delivery.event,
        EVENT_ID_HEADER: str(delivery.event_id),
    }
    try:
        code = webhook_post(
            delivery.endpoint.url,
            body,
            headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_local=settings.WEBHOOK_ALLOW_LOCAL,
        )
    except WebhookUrlError as exc:
        return None, f"url_{exc.code}"
    except (requests.Timeout, SoftTimeLimitExceeded):  # a receiver answering a byte at a time
        return None, "timeout"
    except requests.exceptions.SSLError:
        return None, "tls"
    except requests.ConnectionError:
        return None, "connection"
    except Exception as exc:
        logger.warning("webhook delivery %s failed: %s", delivery.pk, type(exc).__name__)
        return None, "error"
    return code, ""


def webhook_delivery_send(*, delivery_id: int) -> WebhookDelivery | None:
    """Try one due delivery: claim it, POST outside any transaction, record the try. A 2xx
    delivers it; anything else waits WEBHOOK_RETRY_SECONDS, and after WEBHOOK_MAX_ATTEMPTS tries
    it is given up. None when it was not this worker's to send."""
    delivery, claimed = _webhook_claim(delivery_id, timezone.now())
    if not claimed:
        return delivery
    started, clock = timezone.now(), time.monotonic()
    status_code, error = _webhook_post(delivery)
    duration_ms = int((time.monotonic() - clock) * 1000)
    now = timezone.now()
    fields: dict = {"last_status_code": status_code, "last_error": error}
    if status_code is not None and 200 <= status_code < 300:
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    else:
        fields.update(next_attempt_at=now + webhook_retry_delay(delivery.attempts))
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, started_at=started, status_code=status_code, error=error, duration_ms=duration_ms
        )
        # Only while it is still this worker's try (a turned-off endpoint may have given it up).
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
        ).update(**fields)
    delivery.refresh_from_db()
    return delivery


def webhook_deliveries_due(*, late_by: timedelta = timedelta(minutes=1)) -> int:
    """Re-enqueue deliveries due for a while: a lost task, a wait too long for a countdown, or a
    worker that died while sending (its hold runs out)."""
    from messaging.tasks import webhook_delivery_send_task

    ids = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now() - late_by
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for delivery_id in ids:
        webhook_delivery_send_task.delay(delivery_id)
    return len(ids)
