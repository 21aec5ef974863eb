"""A phone call over signed webhooks whose recording is fetched by a real Celery worker from the
fake Twilio server, stored encrypted, then deleted from "Twilio"."""

import io
import time
import wave

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from intake.models import Complaint, VoiceRecording
from privacy.files import encrypted_file_read
from tests.integration.conftest import running_worker
from tests.messaging.fake_twilio import FakeTwilio

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ACCOUNT = "AC" + "7" * 32
TOKEN = "test-auth-token"
BASE = "https://voces.example.org"
CALL = "CA" + "7" * 32
RECORDING = f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'7' * 32}"


@pytest.fixture(scope="module")
def fake_twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def voice_worker(redis_url, tmp_path_factory, django_db_setup, django_db_blocker, fake_twilio, var_dir):
    env = {
        "VAR_DIR": str(var_dir),  # the worker's files where this test reads them
        "TWILIO_API_BASE": fake_twilio.url,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": BASE,
    }
    with running_worker(redis_url, tmp_path_factory, django_db_blocker, env) as worker:
        yield worker


@pytest.fixture(autouse=True)
def webhook_settings(settings, postgres, fake_twilio, var_dir):
    settings.MEDIA_ROOT = var_dir / "media"
    settings.TWILIO_API_BASE = fake_twilio.url
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE


def post(path: str, data: dict) -> int:
    data = {"CallSid": CALL, "From": "+17135550188", **data}
    signature = RequestValidator(TOKEN).compute_signature(BASE + path, data)
    return Client().post(path, data, HTTP_X_TWILIO_SIGNATURE=signature).status_code


def wait_for(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_calls_recording_is_fetched_by_the_worker_encrypted_and_deleted_at_twilio(voice_worker, fake_twilio):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x05\x00" * 4000)
    fake_twilio.media[RECORDING] = audio = buffer.getvalue()
    recording = {"RecordingSid": f"RE{'7' * 32}", "RecordingUrl": fake_twilio.url + RECORDING}
    assert post("/twilio/voice/", {}) == 200
    assert post("/twilio/voice/menu/?t=0", {"Digits": "1"}) == 200
    assert post("/twilio/voice/story/?t=1", {**recording, "Digits": "#"}) == 200
    assert post("/twilio/voice/recording/?kind=story", {**recording, "RecordingStatus": "completed"}) == 200
    for turn, digits in [(2, "2"), (3, "2"), (4, "1")]:
        step = {2: "danger", 3: "contact", 4: "camera"}[turn]
        assert post(f"/twilio/voice/{step}/?t={turn}", {"Digits": digits}) == 200
    complaint = Complaint.objects.get()
    assert wait_for(lambda: complaint.attachments.exists()), voice_worker["log"].read_text()[-3000:]
    attachment = complaint.attachments.get()
    assert encrypted_file_read(attachment.original_file) == audio
    # The attachment is written first, then the recording marked: wait for the second write too.
    assert wait_for(lambda: VoiceRecording.objects.get().status == "attached")
    assert wait_for(lambda: ("DELETE", RECORDING) in [(m, p) for m, p, _a in list(fake_twilio.media_requests)])
