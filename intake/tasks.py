from celery import shared_task

from intake.services import (
    complaint_media_attach,
    drafts_file_pending,
    drafts_purge_expired,
    voice_calls_sweep,
    voice_recording_attach,
)
from messaging.transports import TransportError


@shared_task
def drafts_file_pending_task() -> int:
    return drafts_file_pending()


@shared_task
def drafts_purge_expired_task() -> int:
    return drafts_purge_expired()


@shared_task(autoretry_for=(TransportError,), retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def complaint_media_attach_task(complaint_id: int, url: str) -> None:
    complaint_media_attach(complaint_id=complaint_id, url=url)


@shared_task(autoretry_for=(TransportError,), retry_backoff=30, retry_backoff_max=1800, max_retries=8)
def voice_recording_attach_task(recording_id: int) -> None:
    voice_recording_attach(recording_id=recording_id)


@shared_task
def voice_calls_sweep_task() -> int:
    return voice_calls_sweep()
