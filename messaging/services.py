import dataclasses
import hashlib
import json
import logging
import random
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.tasks import enqueue_on_commit
from messaging.addresses import address_index
from messaging.flows import Context, flow_get, flow_starting, flow_takes_over
from messaging.keywords import keyword_of, normalise
from messaging.models import Conversation, InboundMessage, OptOut, OutboundMessage
from messaging.transports import OPTED_OUT, WHATSAPP_OUTSIDE_WINDOW, TransportError, get_transport
from privacy.files import encrypted_file_delete, encrypted_file_store
from privacy.ratelimit import window_count

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
SENDING_STALE = timedelta(minutes=10)
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


def outbound_send(*, message_id: int) -> OutboundMessage | None:
    """Send one pending message: claim it, call the provider outside any transaction, record.

    Sends are at-least-once: a worker that dies between the provider's answer and the record
    leaves the message "sending", and outbound_resend_pending sends it again after
    SENDING_STALE. A duplicate discreet message is better than a lost receipt.
    """
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboundMessage.Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return None
        if OptOut.objects.filter(channel=message.channel, address_index=message.to_index).exists():
            message.status = OutboundMessage.Status.SKIPPED
            message.body = ""
            message.save(update_fields=["status", "body"])
            return message
        template = ""
        if message.channel == "whatsapp" and not _whatsapp_window_open(message, now):
            if not settings.TWILIO_WHATSAPP_TEMPLATE_SID:
                return _send_by_sms_instead(message)
            template = settings.TWILIO_WHATSAPP_TEMPLATE_SID
        message.attempts += 1
        message.status = OutboundMessage.Status.SENDING
        message.next_attempt_at = now + SENDING_STALE
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
    channel = (
        OutboundMessage.objects.filter(
            pk=message_id, status=OutboundMessage.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .values_list("channel", flat=True)
        .first()
    )  # a message sent already, or not due: outbound_send will leave it, no need to wait
    sender = {"sms": settings.TWILIO_SMS_FROM, "whatsapp": settings.TWILIO_WHATSAPP_FROM}.get(channel)
    if not sender:
        return 0
    try:
        sent_this_second = window_count(f"sends:{sender}", 1)
    except Exception:
        return 0  # the cache is down: Twilio queues what comes too fast (error 21611 is retried)
    return 0 if sent_this_second <= rate else 1 + random.random()  # noqa: S311 (jitter, not a secret)


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
            if message.error_code == OPTED_OUT:
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
    """Messages stored and not handled a minute later: their task was lost (broker down)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    senders = (
        InboundMessage.objects.filter(processed_at__isnull=True, received_at__lte=cutoff)
        .values_list("channel", "from_index")
        .distinct()[:200]
    )
    handled = 0
    for channel, index in senders:
        try:
            handled += inbound_process(channel=channel, from_index=index)
        except Exception:
            logger.exception("messages of one sender not handled; the others go on")
    return handled


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
    message, created = inbound_receive(
        channel="email", provider_id=provider_id, from_address=from_address, body=body, media=media
    )
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
