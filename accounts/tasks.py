from celery import shared_task

from accounts import services


@shared_task(acks_late=False, time_limit=10 * 60)  # a sweep: the next hour's run takes up a lost one
def idempotency_purge_task() -> int:
    return services.idempotency_purge()
