import logging
import time
import uuid

import pytest
from celery.result import AsyncResult
from django.db import transaction

from config.celery import app
from core.tasks import enqueue_on_commit, ping
from tests.integration.conftest import forget_connections

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def result(task_id: str) -> AsyncResult:
    return AsyncResult(task_id, app=app)


def test_a_task_enqueued_in_a_committed_transaction_runs_on_the_worker(celery_worker):
    task_id = uuid.uuid4().hex
    with transaction.atomic():
        enqueue_on_commit(ping, "committed", task_id=task_id)
        assert result(task_id).state == "PENDING"
    assert result(task_id).get(timeout=30) == "pong:committed"


def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(celery_worker):
    rolled_back, committed = uuid.uuid4().hex, uuid.uuid4().hex
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(ping, "rolled back", task_id=rolled_back)
        raise RuntimeError("the submission failed")
    with transaction.atomic():
        enqueue_on_commit(ping, "committed", task_id=committed)
    # One solo worker takes its queue in order: had the first been sent, it would have run first.
    assert result(committed).get(timeout=30) == "pong:committed"
    assert result(rolled_back).state == "PENDING"


def test_a_broker_outage_after_commit_is_logged_not_raised(celery_worker, caplog):
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    forget_connections()
    try:
        with caplog.at_level(logging.ERROR), transaction.atomic():
            enqueue_on_commit(ping, "lost broker")
        assert any("on_commit" in record.getMessage() for record in caplog.records)
    finally:
        app.conf.broker_url = celery_worker["broker_url"]
        forget_connections()


def test_a_web_submission_is_filed_by_the_worker(celery_worker, postgres, client, settings):
    from intake.models import Complaint, Draft
    from intake.tasks import drafts_file_pending_task
    from tests.intake.helpers import submit, walk

    settings.INTAKE_FILE_ON_COMMIT = False  # as in production: the request only accepts
    receipt = submit(client, walk(client), filed=False)
    assert not Complaint.objects.exists()
    drafts_file_pending_task.delay()  # what beat sends every few seconds
    deadline = time.monotonic() + 30
    while not Complaint.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    complaint = Complaint.objects.get()
    assert Draft.objects.get().complaint == complaint
    assert client.post("/es/status/", {"receipt": receipt}).context["complaint"] == complaint
