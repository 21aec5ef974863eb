from celery import shared_task
from django.conf import settings
from django.utils import timezone

from messaging.models import WebhookDelivery
from messaging.services import (
    conversations_purge_idle,
    inbound_process,
    inbound_process_stale,
    outbound_resend_pending,
    outbound_send,
    outbound_sender_wait,
    webhook_deliveries_due,
    webhook_delivery_send,
)
from messaging.transports import TransportError, media_delete

# Beat's sweeps are acknowledged on receipt: one lost with its worker runs again at the next tick,
# and one that outlasts the broker's visibility timeout is not handed to a second worker meanwhile.
SWEEP = {"acks_late": False, "time_limit": 10 * 60}


@shared_task(bind=True, max_retries=30)  # then beat's resend takes over
def outbound_send_task(self, message_id: int) -> None:
    wait = outbound_sender_wait(message_id=message_id)
    if wait:
        raise self.retry(countdown=wait)
    outbound_send(message_id=message_id)


@shared_task(**SWEEP)
def outbound_resend_pending_task() -> int:
    return outbound_resend_pending()


# A sender's messages are handled in one transaction (a long email with its files may take minutes):
# acknowledged on receipt, so the time limit never kills it mid-way again and again; one lost with
# its worker is handed on again by beat's inbound_process_stale.
@shared_task(**SWEEP)
def inbound_process_task(channel: str, from_index: str) -> int:
    return inbound_process(channel=channel, from_index=from_index)


@shared_task(**SWEEP)
def inbound_process_stale_task() -> int:
    return inbound_process_stale()


@shared_task(**SWEEP)
def conversations_purge_idle_task() -> int:
    return conversations_purge_idle()


# Tried every few seconds for an hour: a wait held by the broker stays well inside its visibility
# timeout (config/settings.py).
@shared_task(
    autoretry_for=(TransportError,), retry_backoff=5, retry_backoff_max=10, retry_jitter=False, max_retries=360
)
def media_delete_task(url: str) -> None:
    media_delete(url)


# Each read has WEBHOOK_TIMEOUT_SECONDS; the whole try has twice that, within the delivery's lease,
# so a receiver that answers a byte at a time cannot hold a worker (prefork pool).
@shared_task(soft_time_limit=2 * settings.WEBHOOK_TIMEOUT_SECONDS)
def webhook_delivery_send_task(delivery_id: int) -> None:
    """One try of a delivery; a failed one comes back here after its wait, when that wait is
    short enough for the broker to hold it (beat's sweep takes the longer ones)."""
    delivery = webhook_delivery_send(delivery_id=delivery_id)
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING or delivery.next_attempt_at is None:
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # no broker to wait in: the sweep sends it when it is due
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    # A task held longer than the visibility timeout would be handed to a second worker.
    if wait <= settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600) / 2:
        webhook_delivery_send_task.apply_async(args=[delivery_id], countdown=max(0.0, wait))


@shared_task(**SWEEP)
def webhook_deliveries_due_task() -> int:
    return webhook_deliveries_due()
