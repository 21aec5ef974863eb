"""A whole SMS conversation through signed webhooks, a real Celery worker on Redis and the fake
Twilio server: what the worker sends reaches "Twilio"; Twilio's duplicate deliveries, even at
the same moment, are handled once; after STOP nothing more goes out."""

import threading
import time

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from intake.models import Complaint
from messaging.models import InboundMessage, OutboundMessage
from tests.integration.conftest import running_worker
from tests.messaging.fake_twilio import FakeTwilio

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

SID = "AC" + "2" * 32
TOKEN = "test-auth-token"
BASE = "https://voces.example.org"
PHONE = "+17135550177"


@pytest.fixture(scope="module")
def fake_twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def twilio_worker(redis_url, tmp_path_factory, django_db_setup, django_db_blocker, fake_twilio):
    env = {
        "SMS_TRANSPORT": "messaging.transports.TwilioTransport",
        "TWILIO_API_BASE": fake_twilio.url,
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_SMS_FROM": "+15550009999",
        "PUBLIC_BASE_URL": BASE,
    }
    with running_worker(redis_url, tmp_path_factory, django_db_blocker, env) as worker:
        yield worker


@pytest.fixture(autouse=True)
def webhook_settings(settings, postgres, fake_twilio):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE
    fake_twilio.requests.clear()


def signed(body: str, sid: str, sender: str = PHONE) -> tuple[dict, str]:
    data = {"MessageSid": sid, "From": sender, "To": "+15550009999", "Body": body}
    return data, RequestValidator(TOKEN).compute_signature(f"{BASE}/twilio/sms/", data)


def post(body: str, sid: str, sender: str = PHONE) -> int:
    data, signature = signed(body, sid, sender)
    return Client().post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code


def sent_to(fake, phone: str = PHONE) -> list[str]:
    return [request["form"]["Body"] for request in list(fake.requests) if request["form"].get("To") == phone]


def wait_for(condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_conversation_through_the_worker_files_a_complaint(twilio_worker, fake_twilio):
    script = ["Hola", "1", "Entraron a mi casa sin permiso.", "listo", "ayer", "Houston, TX", "3", "no", "0", "1", "1"]
    for n, body in enumerate(script):
        before = len(sent_to(fake_twilio))
        assert post(body, f"SMconv{n:030d}") == 200
        assert wait_for(lambda before=before: len(sent_to(fake_twilio)) > before), (body, sent_to(fake_twilio))
    assert wait_for(Complaint.objects.exists), sent_to(fake_twilio)
    complaint = Complaint.objects.get()
    assert complaint.channel == "sms" and complaint.language == "es"
    assert complaint.narrative == "Entraron a mi casa sin permiso."
    assert wait_for(lambda: "STATUS" in sent_to(fake_twilio)[-1] or "ESTADO" in sent_to(fake_twilio)[-1])
    receipt_text = sent_to(fake_twilio)[-1]
    digits = "".join(ch for ch in receipt_text if ch.isdigit())
    assert len(digits) >= 16
    # The receipt went out, and the outbox no longer holds it.
    assert wait_for(lambda: not OutboundMessage.objects.filter(sensitive=True, status="pending").exists())
    assert all(not message.body for message in OutboundMessage.objects.filter(sensitive=True))


def test_twilios_duplicate_deliveries_at_the_same_moment_make_one_message(twilio_worker, fake_twilio):
    data, signature = signed("Hola", "SMdupe000000000000000000000000001", "+17135550178")
    start = threading.Barrier(4)
    codes = []

    def deliver():
        start.wait()
        codes.append(Client().post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 4
    assert InboundMessage.objects.filter(provider_id="SMdupe000000000000000000000000001").count() == 1
    assert wait_for(lambda: len(sent_to(fake_twilio, "+17135550178")) >= 2)
    time.sleep(1)  # anything more would have arrived by now
    assert len(sent_to(fake_twilio, "+17135550178")) == 2  # the privacy notice and the first question


def test_after_stop_nothing_more_is_sent(twilio_worker, fake_twilio):
    phone = "+17135550179"
    assert post("Hola", "SMstop000000000000000000000000001", phone) == 200
    assert wait_for(lambda: len(sent_to(fake_twilio, phone)) == 2)
    assert post("STOP", "SMstop000000000000000000000000002", phone) == 200
    assert post("1", "SMstop000000000000000000000000003", phone) == 200
    assert post("Me golpearon", "SMstop000000000000000000000000004", phone) == 200
    assert wait_for(lambda: OutboundMessage.objects.filter(status="skipped").count() >= 2)
    time.sleep(1)
    assert len(sent_to(fake_twilio, phone)) == 2
