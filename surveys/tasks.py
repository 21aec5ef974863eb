from celery import shared_task

from core.errors import ApplicationError
from surveys.models import Batch
from surveys.services import batch_check, batch_import, batches_resume_stuck, response_drafts_purge

# Beat's sweeps are acknowledged on receipt: one lost with its worker runs again at the next tick.
SWEEP = {"acks_late": False, "time_limit": 10 * 60}


@shared_task(**SWEEP)
def response_drafts_purge_task() -> int:
    return response_drafts_purge()


# Paper batches. A check or an import runs in one transaction holding the batch's row: a task
# delivered twice finds it held or done and returns. Large files take longer than the default time
# limit, and than the broker's visibility timeout: acknowledged late, such a task would be handed
# to another worker again and again. So it is acknowledged on receipt; one whose worker died is
# rolled back by the database and handed out again by beat's batches_resume.
BATCH_TASK_SECONDS = 30 * 60


@shared_task(acks_late=False, time_limit=BATCH_TASK_SECONDS)
def batch_check_task(batch_id: str) -> None:
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is not None:
        batch_check(batch=batch)


@shared_task(acks_late=False, time_limit=BATCH_TASK_SECONDS)
def batch_import_task(batch_id: str, only_valid: bool) -> None:
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        return
    try:
        batch_import(batch=batch, only_valid=only_valid)
    except ApplicationError:
        pass  # refused (imported already, discarded, changed): the batch's page says where it stands


@shared_task(**SWEEP)
def batches_resume() -> int:
    return batches_resume_stuck()
