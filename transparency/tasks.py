from celery import shared_task

from transparency import services


@shared_task
def release_build_task() -> str:
    return services.release_build().version
