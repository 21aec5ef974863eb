from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from intake.services import (
    complaint_media_attach,
    complaints_purge_contact,
    drafts_file_pending,
    drafts_purge_expired,
    media_pending_sweep,
    voice_calls_sweep,
    voice_recording_attach,
)
from messaging.transports import TransportError

# Beat's sweeps are acknowledged on receipt: one lost with its worker runs again at the next tick,
# and one that outlasts the broker's visibility timeout is not handed to a second worker meanwhile.
SWEEP = {"acks_late": False, "time_limit": 10 * 60}
# A fetch from Twilio is tried again every few seconds for an hour (the file stays at Twilio
# meanwhile): a wait held by the broker must stay well inside its visibility timeout
# (config/settings.py), and a download cut short by the soft limit is tried again too.
FETCH_RETRIES = {
    "autoretry_for": (TransportError, SoftTimeLimitExceeded),
    "retry_backoff": 5,
    "retry_backoff_max": 10,
    "retry_jitter": False,
    "soft_time_limit": 25,
}


@shared_task(**SWEEP)
def drafts_file_pending_task() -> int:
    return drafts_file_pending()


@shared_task(**SWEEP)
def drafts_purge_expired_task() -> int:
    return drafts_purge_expired()


@shared_task(**SWEEP)
def media_pending_sweep_task() -> int:
    return media_pending_sweep()


@shared_task(**FETCH_RETRIES, max_retries=360)
def complaint_media_attach_task(complaint_id: int, url: str) -> None:
    complaint_media_attach(complaint_id=complaint_id, url=url)


# Beat's voice_calls_sweep tries a recording again for two hours after these.
@shared_task(**FETCH_RETRIES, max_retries=30)
def voice_recording_attach_task(recording_id: int) -> None:
    voice_recording_attach(recording_id=recording_id)


@shared_task(**SWEEP)
def voice_calls_sweep_task() -> int:
    return voice_calls_sweep()


@shared_task(**SWEEP)
def complaints_purge_contact_task() -> int:
    return complaints_purge_contact()
