from celery import shared_task

from messaging.services import outbound_resend_pending, outbound_send


@shared_task
def outbound_send_task(message_id: int) -> None:
    outbound_send(message_id=message_id)


@shared_task
def outbound_resend_pending_task() -> int:
    return outbound_resend_pending()
