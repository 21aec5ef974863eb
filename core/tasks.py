from celery import Task, shared_task
from django.db import transaction


def enqueue_on_commit(task: Task, *args, task_id: str | None = None, **kwargs) -> None:
    """Send a task once the current transaction commits; never if it rolls back.

    Celery's own delay_on_commit lets a broker outage raise after the commit, turning a saved
    submission into an error page. Here the failure is logged instead (robust=True): the outbox
    row written in the same transaction is re-sent by the beat job, so nothing is lost.
    """
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs, task_id=task_id), robust=True)


@shared_task(ignore_result=False)
def ping(token: str) -> str:
    """Answered by a live worker; `manage.py check_worker` and the integration tests use it."""
    return f"pong:{token}"
