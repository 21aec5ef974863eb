"""Webhooks out through a real Celery worker on Redis: a complaint's status change reaches the
organisation's receiver, signed, after one retry of a failed try; a delivery whose task was lost
in a broker outage is sent by beat's sweep."""

import hashlib
import hmac
import json
import time
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.celery import app
from intake.services import ComplaintInput, complaint_change_status, complaint_submit
from messaging.models import WebhookDelivery
from messaging.services import webhook_endpoint_create
from messaging.tasks import webhook_deliveries_due_task
from tests.factories import OrganizationFactory
from tests.integration.conftest import forget_connections, running_worker
from tests.messaging.webhook_receiver import Receiver

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def webhook_worker(redis_url, tmp_path_factory, django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":  # the worker must share the tests' database
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/voces")
    env = {"WEBHOOK_ALLOW_LOCAL": "1", "WEBHOOK_RETRY_SECONDS": "1"}
    with running_worker(redis_url, tmp_path_factory, django_db_blocker, env) as worker:
        yield worker


@pytest.fixture(autouse=True)
def local_receivers(settings, postgres):
    settings.WEBHOOK_ALLOW_LOCAL = True
    settings.WEBHOOK_RETRY_SECONDS = [1]


def filed(organization, key: str):
    data = ComplaintInput(
        filer_role="advocate",
        language="es",
        on_behalf_consent=True,
        on_behalf_organization=organization.name,
        allegations=["excessive_force"],
        incident_date=date(2026, 10, 3),
        city="Houston",
        state="TX",
        is_anonymous=True,
    )
    return complaint_submit(data=data, channel="api", submission_key=key, organization=organization).complaint


def signature_valid(request: dict, secret: str) -> bool:
    parts = dict(part.split("=", 1) for part in request["headers"]["Voces-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(parts["v1"], expected) and abs(time.time() - int(parts["t"])) <= 300


def settled(delivery_id: int, timeout: float = 30) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status != WebhookDelivery.Status.PENDING:
            return delivery
        time.sleep(0.1)
    return WebhookDelivery.objects.get(pk=delivery_id)


def test_a_status_change_reaches_the_receiver_after_one_retry(webhook_worker):
    organization = OrganizationFactory(slug="gulf-coast-worker")
    with Receiver([500, 200]) as receiver:
        _endpoint, secret = webhook_endpoint_create(organization=organization, url=receiver.url(), actor=None)
        complaint = filed(organization, "worker-1")
        complaint_change_status(complaint=complaint, status="acknowledged")  # commits: the task goes out
        delivery = settled(WebhookDelivery.objects.get().pk)
        requests = receiver.requests

    assert delivery.status == "delivered" and delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    assert len(requests) == 2
    assert {r["headers"]["Voces-Event-Id"] for r in requests} == {str(delivery.event_id)}
    assert all(signature_valid(r, secret) for r in requests)
    body = json.loads(requests[1]["body"])
    assert body["type"] == "complaint.status_changed"
    assert body["data"]["reference"] == complaint.reference and body["data"]["status"] == "acknowledged"


def test_a_delivery_lost_in_a_broker_outage_is_sent_by_the_sweep(webhook_worker, caplog):
    organization = OrganizationFactory(slug="desert-rights-worker")
    with Receiver() as receiver:
        _endpoint, secret = webhook_endpoint_create(organization=organization, url=receiver.url(), actor=None)
        complaint = filed(organization, "worker-2")
        app.conf.broker_url = "redis://127.0.0.1:1/0"
        forget_connections()
        try:
            with transaction.atomic():
                complaint_change_status(complaint=complaint, status="acknowledged")
        finally:
            app.conf.broker_url = webhook_worker["broker_url"]
            forget_connections()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending" and receiver.requests == []  # saved, its task lost

        # Beat's next sweep, once the delivery is overdue:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=2))
        webhook_deliveries_due_task.delay()
        delivery = settled(delivery.pk)
        requests = receiver.requests

    assert delivery.status == "delivered" and len(requests) == 1 and signature_valid(requests[0], secret)
