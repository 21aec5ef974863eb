from celery import shared_task

from accounts import services


@shared_task
def idempotency_purge_task() -> int:
    return services.idempotency_purge()
