from celery import shared_task

from cases.services import contact_attempts_purge, reminders_send


# Beat's hourly sweep, acknowledged on receipt: a lost one runs at the next hour (ReminderSent
# keeps it to one digest a day), and a long one is not handed to a second worker meanwhile.
@shared_task(acks_late=False, time_limit=10 * 60)
def reminders_send_task() -> int:
    return reminders_send()


# Beat's daily retention sweep, acknowledged on receipt like the intake purge it follows.
@shared_task(acks_late=False, time_limit=10 * 60)
def contact_attempts_purge_task() -> int:
    return contact_attempts_purge()
