"""Retry storms on PostgreSQL: a provider or a client sends the same thing five times at the same
moment (an email's Message-ID to the anymail webhook, a Twilio MessageSid, an API Idempotency-Key)
and one record is made, one complaint filed, one reply sent.

Each delivery runs in a thread of its own, with its own database connection, released together by
a barrier. The first one to insert is held inside its transaction, after its INSERT, until the
other four are seen in pg_stat_activity waiting on its row's lock: the test proves they really
overlapped (each had passed its own "stored already?" check) rather than ran one after another.

The same race, held the same way, is in tests/integration/test_idempotency_pg.py (five POSTs with
one Idempotency-Key to a test endpoint); tests/integration/test_conversation_worker.py
(test_twilios_duplicate_deliveries_at_the_same_moment_make_one_message) sends four MessageSids
through a barrier to a real worker, without proving they overlapped: the SMS storm here does.
"""

import base64
import json
import threading
import time
from contextlib import contextmanager

import pytest
from anymail.signals import inbound
from django.core import mail
from django.db import connections
from django.db.models.signals import post_save
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import IdempotencyRecord
from intake.models import Attachment, Complaint
from messaging.models import Conversation, InboundMessage, OutboundMessage
from tests.api.conftest import token_for
from tests.api.test_complaints_org import payload
from tests.integration.test_conversation_worker import BASE, TOKEN, signed
from tests.integration.test_idempotency_pg import waiting_on_locks
from tests.messaging.test_email import photo_with_location

pytestmark = [pytest.mark.django_db(transaction=True)]

DELIVERIES = 5
SECRET = "voces:s3cret"


@pytest.fixture(autouse=True)
def providers(settings, postgres, tmp_path):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": [SECRET]}
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE
    settings.MEDIA_ROOT = tmp_path / "media"
    mail.outbox = []


@contextmanager
def first_insert_held(model):
    """The first new `model` row's transaction waits after its INSERT until `release` is set."""
    release = threading.Event()
    held = []
    lock = threading.Lock()

    def hold(sender, instance, created, **kwargs):
        if not created:
            return
        with lock:
            first = not held
            held.append(instance.pk)
        if first:
            assert release.wait(timeout=30), "the other deliveries never queued behind the first"

    post_save.connect(hold, sender=model, weak=False)
    try:
        yield release, held
    finally:
        post_save.disconnect(hold, sender=model)
        release.set()


def storm(deliver, model) -> tuple[list, int, list]:
    """Run `deliver()` in DELIVERIES threads at once; returns their results, how many were seen
    waiting on the first one's lock, and the ids of the rows created."""
    start = threading.Barrier(DELIVERIES)
    results: list = [None] * DELIVERIES

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = deliver()
        except Exception as exc:  # reported by the assertions below, not lost in the thread
            results[index] = exc
        finally:
            connections.close_all()

    with first_insert_held(model) as (release, held):
        threads = [threading.Thread(target=run, args=(n,)) for n in range(DELIVERIES)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while waiting_on_locks() < DELIVERIES - 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        queued = waiting_on_locks()
        release.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, queued, held


def test_one_email_delivered_five_times_at_once_is_one_complaint_and_one_reply(settings):
    photo = base64.b64encode(photo_with_location()).decode()
    email = {
        "FromFull": {"Email": "maria@example.org", "Name": ""}, "To": "quejas@voces.example.org",
        "ToFull": [{"Email": "quejas@voces.example.org", "Name": ""}], "Subject": "Ayuda",
        "TextBody": "Hola. Ayer entraron a mi casa sin permiso.",
        "Headers": [{"Name": "Message-ID", "Value": "<storm-1@example.org>"}],
        "Attachments": [{"Name": "foto.jpg", "Content": photo, "ContentType": "image/jpeg"}],
    }  # fmt: skip
    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    signals = []
    inbound.connect(lambda **kwargs: signals.append(1), weak=False, dispatch_uid="storm-count")

    def deliver() -> int:
        response = Client().post(
            "/anymail/postmark/inbound/", json.dumps(email), content_type="application/json", HTTP_AUTHORIZATION=auth
        )
        return response.status_code

    try:
        codes, queued, held = storm(deliver, InboundMessage)
    finally:
        inbound.disconnect(dispatch_uid="storm-count")

    assert codes == [200] * DELIVERIES  # every retry is answered, so the provider stops
    assert len(signals) == DELIVERIES  # each delivery reached the service
    assert queued == DELIVERIES - 1  # the four others waited on the first one's row: a real race
    assert len(held) == 1 and InboundMessage.objects.count() == 1
    complaint = Complaint.objects.get()
    assert complaint.channel == "email" and complaint.language == "es"
    assert Attachment.objects.filter(complaint=complaint).count() == 1  # the photo, once
    [reply] = mail.outbox
    assert reply.to == ["maria@example.org"]
    assert OutboundMessage.objects.count() == 1
    # The four copies of the photo stored by the losing deliveries, and the winner's once filed,
    # are gone: nothing of the email is left unencrypted or unowned on disk.
    inbound_folder = settings.MEDIA_ROOT / "private" / "inbound"
    assert not [path for path in inbound_folder.rglob("*") if path.is_file()]


def test_one_twilio_message_delivered_five_times_at_once_is_one_message_and_one_answer():
    data, signature = signed("Hola", "SMstorm00000000000000000000000001", "+17135550190")

    def deliver() -> tuple[int, str]:
        response = Client().post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature)
        return response.status_code, response.content.decode()

    answers, queued, held = storm(deliver, InboundMessage)

    assert [code for code, _body in answers] == [200] * DELIVERIES
    assert all("<Response></Response>" in body for _code, body in answers)
    assert queued == DELIVERIES - 1
    assert len(held) == 1
    assert InboundMessage.objects.filter(provider_id="SMstorm00000000000000000000000001").count() == 1
    assert Conversation.objects.count() == 1
    # The first step answered once: the privacy notice and the first question, not five of each.
    assert OutboundMessage.objects.filter(channel="sms").count() == 2


def test_one_api_filing_posted_five_times_at_once_with_one_key_is_one_complaint(advocate):
    token = token_for(advocate)
    body = json.dumps(payload())

    def deliver() -> tuple[int, dict, str]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.post(
            "/api/v1/complaints/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="storm-case-0042"
        )
        return response.status_code, response.json(), response.get("Idempotent-Replayed") or ""

    answers, queued, held = storm(deliver, IdempotencyRecord)

    assert queued == DELIVERIES - 1
    assert len(held) == 1
    assert {code for code, _body, _replayed in answers} == {201}
    assert len({json.dumps(answer, sort_keys=True) for _code, answer, _replayed in answers}) == 1
    assert sorted(replayed for _code, _body, replayed in answers) == ["", "true", "true", "true", "true"]
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().reference == answers[0][1]["reference"]
