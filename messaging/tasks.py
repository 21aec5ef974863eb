from celery import shared_task

from messaging.services import (
    conversations_purge_idle,
    inbound_process,
    inbound_process_stale,
    outbound_resend_pending,
    outbound_send,
    outbound_sender_wait,
)
from messaging.transports import TransportError, media_delete


@shared_task(bind=True, max_retries=30)  # then beat's resend takes over
def outbound_send_task(self, message_id: int) -> None:
    wait = outbound_sender_wait(message_id=message_id)
    if wait:
        raise self.retry(countdown=wait)
    outbound_send(message_id=message_id)


@shared_task
def outbound_resend_pending_task() -> int:
    return outbound_resend_pending()


@shared_task
def inbound_process_task(channel: str, from_index: str) -> int:
    return inbound_process(channel=channel, from_index=from_index)


@shared_task
def inbound_process_stale_task() -> int:
    return inbound_process_stale()


@shared_task
def conversations_purge_idle_task() -> int:
    return conversations_purge_idle()


@shared_task(autoretry_for=(TransportError,), retry_backoff=60, max_retries=5)
def media_delete_task(url: str) -> None:
    media_delete(url)
