from celery import shared_task

from intake.services import drafts_file_pending, drafts_purge_expired


@shared_task
def drafts_file_pending_task() -> int:
    return drafts_file_pending()


@shared_task
def drafts_purge_expired_task() -> int:
    return drafts_purge_expired()
