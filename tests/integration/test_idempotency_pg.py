"""Five clients POST the same Idempotency-Key and body at the same moment, on PostgreSQL: the
work is done once and all five get the same answer. The first request is held inside its
transaction until the other four are seen waiting on its key (pg_stat_activity), so the test
proves they really ran at the same time rather than one after another."""

import json
import threading
import time

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from accounts.models import Organization
from tests.api import test_idempotency as endpoint
from tests.api.conftest import token_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.api.test_idempotency")]

CLIENTS = 5


def waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_five_simultaneous_posts_with_one_key_do_the_work_once(postgres, advocate, monkeypatch):
    release = threading.Event()
    handled = []
    original = endpoint.OrganizationCreateView.post.__wrapped__

    def held(self, request):
        handled.append(threading.get_ident())
        assert release.wait(timeout=30), "the other requests never queued behind this one"
        return original(self, request)

    monkeypatch.setattr(endpoint.OrganizationCreateView, "post", endpoint.idempotent(held))
    token = token_for(advocate)
    start = threading.Barrier(CLIENTS)
    answers: list = [None] * CLIENTS

    def client_post(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        start.wait()
        try:
            response = client.post(
                endpoint.URL,
                json.dumps({"name": "Casa Simultánea"}),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="same-moment",
            )
            answers[index] = (response.status_code, response.json(), response.get("Idempotent-Replayed"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client_post, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while waiting_on_locks() < CLIENTS - 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    queued = waiting_on_locks()
    release.set()
    for thread in threads:
        thread.join(timeout=60)

    assert queued == CLIENTS - 1
    assert len(handled) == 1
    assert Organization.objects.filter(name="Casa Simultánea").count() == 1
    statuses = {answer[0] for answer in answers}
    bodies = {json.dumps(answer[1], sort_keys=True) for answer in answers}
    assert statuses == {201} and len(bodies) == 1
    assert sorted(answer[2] or "" for answer in answers) == ["", "true", "true", "true", "true"]
