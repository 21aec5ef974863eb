from celery import shared_task

from cases.services import reminders_send


@shared_task
def reminders_send_task() -> int:
    return reminders_send()
