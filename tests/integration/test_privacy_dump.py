"""After complaints filed over every channel (the web form, an SMS conversation, a phone call with
its recording and a staff transcript, an email, the organisations' API), each with its own names,
phone numbers, email addresses, words and public client address, neither a dump of the whole
PostgreSQL database (plain SQL, data included), nor any log line of any logger at DEBUG, nor the
cache, the sessions or the files on disk hold any of them.

Only Twilio's servers (tests.messaging.fake_twilio) and the email provider (django-anymail's test
backend; inbound through the Postmark webhook) are stand-ins; tasks run in this process, after
each commit, as a worker would run them."""

import base64
import io
import json
import logging
import os
import re
import subprocess
import wave
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from cases.models import Transcript
from intake.models import Complaint
from intake.receipts import receipt_display
from tests import files
from tests.api.conftest import token_for
from tests.api.test_complaints_org import payload
from tests.conftest import staff_login
from tests.intake.helpers import STEPS, VALID
from tests.messaging.fake_twilio import FakeTwilio

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT = "AC" + "5" * 32
TOKEN = "privacy-dump-auth-token"
BASE = "https://voces.example.org"
TWILIO_NUMBER = "+15550009999"
RECORDING = f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'5' * 32}"
USER_AGENT = "Mozilla/5.0 (Linux; Android 13; ZXUA-Probe-4471) AppleWebKit/537.36 Chrome/120 Mobile"

# One person per channel: what they are called, how to reach them, their words.
WEB = {
    "name": "Wenceslao Tzul-Barrientos",
    "phone": "(713) 555-0142",
    "email": "W.Tzul.Barrientos@Example.org",
    "narrative": "ZXWEB-NARRATIVE they broke the door of apartment 4B at dawn",
    "witness": "Eudoxia Pantaleon-Quirarte",
    "alternate": "Primo Anacleto Huarachi, (713) 555-0143",
    "best_times": "ZXWEB-TIMES after the night shift",
    "later_words": "ZXWEB-ADDED my neighbour Crisostomo Yupanqui saw the van",
    "file_name": "Wenceslao-Tzul-ID.pdf",
    "file_words": "ZXPDF-CONTENT-Tzul",
    "address": "198.51.100.23",
    "forwarded": "203.0.113.66",
}
SMS = {
    "phone": "+1 305 555 0166",
    "narrative": "ZXSMS-NARRATIVE me llamo Gumersinda Achachi y se llevaron a mi primo",
    "name": "Gumersinda Achachi",
}
VOICE = {
    "phone": "+1 202 555 0177",
    "transcript": "ZXVOICE-TRANSCRIPT my name is Teodomira Huanca, they took my husband",
    "name": "Teodomira Huanca",
}
EMAIL = {
    "email": "Leocadia.Oyelaran@Example.net",
    "name": "Leocadia Oyelaran-Fairweather",
    "subject": "ZXMAIL-SUBJECT ayuda por favor",
    "narrative": "ZXMAIL-NARRATIVE entraron a mi casa, llamen al 832-555-0188",
    "phone": "832-555-0188",
}
API = {
    "name": "Ysidora Quenallata",
    "phone": "(956) 555-0121",
    "email": "Ysidora.Quenallata@Example.com",
    "narrative": "ZXAPI-NARRATIVE the officers pushed Ysidora against the truck",
    "witness": "Baltasar Chuquimia-Rojas",
    "advocate": "Rosalba Nina-Copa",
    "address": "198.51.100.24",
    "forwarded": "203.0.113.67",
}
PHONES = [WEB["phone"], "(713) 555-0143", SMS["phone"], VOICE["phone"], EMAIL["phone"], API["phone"]]


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def e164(phone: str) -> str:
    number = digits(phone)
    return "+" + (number if len(number) == 11 else "1" + number)


def markers(receipts: list[str]) -> list[str]:
    """Every marker in every form it might be kept in: as typed, and for phones digits only,
    national and E.164 (the search is case-insensitive, so emails count lowercased too)."""
    found = {WEB["address"], WEB["forwarded"], API["address"], API["forwarded"], "ZXUA-Probe-4471", USER_AGENT}
    for person in (WEB, SMS, VOICE, EMAIL, API):
        found |= {value for key, value in person.items() if key not in ("address", "forwarded", "file_name")}
    found.add(WEB["file_name"].removesuffix(".pdf"))
    for phone in PHONES:
        found |= {phone, digits(phone)[-10:], e164(phone), e164(phone)[1:]}
    found |= {form for receipt in receipts for form in (receipt, receipt_display(receipt))}
    return sorted(found)


def leaked(text: str, every: list[str]) -> list[str]:
    lowered = text.lower()
    return [marker for marker in every if marker.lower() in lowered]


# --- Capturing every log record ------------------------------------------------------------------


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + " " + repr(getattr(record, "args", "")))


@pytest.fixture
def every_log_line(monkeypatch):
    """Every record of every logger, whatever its handlers or `propagate`, with the root at DEBUG
    (LOG_LEVEL=DEBUG: the most an operator can turn on; loggers the settings hold higher because
    they log what they send, such as twilio's, stay there, and this test keeps them honest)."""
    handler = Everything()
    forward = logging.Logger.callHandlers

    def call_handlers(self, record):
        handler.handle(record)
        forward(self, record)

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    monkeypatch.setattr(logging.Logger, "callHandlers", call_handlers)
    try:
        yield handler.lines
    finally:
        root.setLevel(level)


# --- The services Twilio and the email provider stand in for --------------------------------------


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def channels(settings, postgres, fake_twilio, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = BASE
    settings.SMS_TRANSPORT = "messaging.transports.TwilioTransport"
    settings.TWILIO_API_BASE = fake_twilio.url
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_SMS_FROM = TWILIO_NUMBER
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ["voces:s3cret"]}
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"  # behind a proxy, as in production
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x05\x00" * 4000)
    fake_twilio.media[RECORDING] = buffer.getvalue()
    return settings


def public_client(person: dict) -> dict:
    """What a filer's browser or script sends with every request, behind a proxy."""
    return {
        "REMOTE_ADDR": person["address"],
        "HTTP_X_FORWARDED_FOR": f"{person['forwarded']}, {person['address']}",
        "HTTP_USER_AGENT": USER_AGENT,
    }


def signed_post(path: str, data: dict) -> int:
    signature = RequestValidator(TOKEN).compute_signature(BASE + path, data)
    return Client().post(path, data, HTTP_X_TWILIO_SIGNATURE=signature).status_code


# --- The channels --------------------------------------------------------------------------------


def file_on_the_web() -> str:
    client = Client(**public_client(WEB))
    started = client.post("/es/complaint/")
    token = re.match(r"/es/complaint/([^/]+)/about/", started["Location"]).group(1)
    overrides = {
        "people": {"witnesses": WEB["witness"]},
        "story": {"narrative": WEB["narrative"]},
        "contact": {
            "contact_choice": "contact",
            "name": WEB["name"],
            "phone": WEB["phone"],
            "email": WEB["email"],
            "preferred_method": "sms",
            "safe_to_message": "yes",
            "best_times": WEB["best_times"],
            "alternate_contact": WEB["alternate"],
            "contact_language": "es",
            "consent_contact": "on",
            "consent_statistics": "on",
        },
    }
    for step in STEPS:
        data = {**VALID[step], **overrides.get(step, {})}
        if step == "story":
            pdf = files.pdf_bytes(comment=WEB["file_words"].encode())
            data["files"] = [SimpleUploadedFile(WEB["file_name"], pdf, content_type="application/pdf")]
        response = client.post(f"/es/complaint/{token}/{step}/", data)
        assert response.status_code == 302, (step, response.content.decode()[:2000])
    assert client.post(f"/es/complaint/{token}/review/").status_code == 302
    page = client.get(f"/es/complaint/{token}/receipt/").content.decode()
    receipt = re.search(r'class="receipt"[^>]*>([\d ]+)<', page).group(1).replace(" ", "")
    assert client.post("/es/status/", {"receipt": receipt}).status_code == 200
    assert client.post("/es/status/add/", {"receipt": receipt, "text": WEB["later_words"]}).status_code == 200
    return receipt


def text_by_sms() -> None:
    script = ["Hola", "1", SMS["narrative"], "listo", "ayer", "Houston, TX", "3", "no", "0", "1", "1"]
    for n, body in enumerate(script):
        data = {"MessageSid": f"SMdump{n:028d}", "From": e164(SMS["phone"]), "To": TWILIO_NUMBER, "Body": body}
        assert signed_post("/twilio/sms/", data) == 200


def call_the_line(twilio_url: str) -> None:
    call = {"CallSid": "CA" + "5" * 32, "From": e164(VOICE["phone"])}
    recording = {"RecordingSid": f"RE{'5' * 32}", "RecordingUrl": twilio_url + RECORDING}
    assert signed_post("/twilio/voice/", call) == 200
    assert signed_post("/twilio/voice/menu/?t=0", {**call, "Digits": "1"}) == 200
    assert signed_post("/twilio/voice/story/?t=1", {**call, **recording, "Digits": "#"}) == 200
    recorded = {**call, **recording, "RecordingStatus": "completed", "RecordingDuration": "9"}
    assert signed_post("/twilio/voice/recording/?kind=story", recorded) == 200
    for step, turn, pressed in [("danger", 2, "2"), ("contact", 3, "1"), ("camera", 4, "1")]:
        assert signed_post(f"/twilio/voice/{step}/?t={turn}", {**call, "Digits": pressed}) == 200
    assert signed_post("/twilio/voice/status/", {**call, "CallStatus": "completed"}) == 200


def send_an_email() -> None:
    message = {
        "FromFull": {"Email": EMAIL["email"], "Name": EMAIL["name"]},
        "FromName": EMAIL["name"],
        "From": EMAIL["email"],
        "To": "quejas@voces.example.org",
        "ToFull": [{"Email": "quejas@voces.example.org", "Name": ""}],
        "Subject": EMAIL["subject"],
        "TextBody": f"Hola, soy {EMAIL['name']}. {EMAIL['narrative']}",
        "Headers": [{"Name": "Message-ID", "Value": "<zx-dump-1@example.net>"}],
        "Attachments": [],
    }
    auth = "Basic " + base64.b64encode(b"voces:s3cret").decode()
    response = Client().post(
        "/anymail/postmark/inbound/", json.dumps(message), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code == 200


def file_through_the_api(advocate) -> str:
    client = APIClient(**public_client(API))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(advocate)}")
    body = payload(
        narrative=API["narrative"],
        witnesses=API["witness"],
        contact={
            "name": API["name"],
            "phone": API["phone"],
            "email": API["email"],
            "safe_to_message": True,
            "preferred_method": "email",
        },
    )
    body["consent"]["obtained_by"] = API["advocate"]
    response = client.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="dump-filing-1")
    assert response.status_code == 201, response.content
    receipt = response.json()["receipt"]
    lookup = APIClient(**public_client(API)).post("/api/v1/status/", {"receipt": receipt}, format="json")
    assert lookup.status_code == 200
    return receipt


def staff_work(liaison) -> None:
    """A transcript of the call's recording, and a reveal of the web filer's contact."""
    client = staff_login(Client(), liaison)
    voice = Complaint.objects.get(channel="voice")
    recording = voice.attachments.get()
    added = client.post(
        reverse("staff:complaint_transcript_add", args=[voice.reference]),
        {
            "attachment": recording.pk,
            "kind": "transcript",
            "language": "es",
            "text": VOICE["transcript"],
            "method": "person",
        },
    )
    assert added.status_code == 302
    web = Complaint.objects.get(channel="web")
    revealed = client.post(reverse("staff:complaint_reveal", args=[web.reference]), {"reason": "Calling back about it"})
    assert WEB["name"] in revealed.content.decode()


# --- The test ------------------------------------------------------------------------------------


def database_dump() -> str:
    database = connection.settings_dict
    command = ["pg_dump", "--format=plain", "--no-owner", "--no-privileges", "--dbname", database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            command += [option, str(database[key])]
    env = {**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")}
    return subprocess.run(command, capture_output=True, check=True, env=env, timeout=60).stdout.decode()  # noqa: S603


def cache_contents() -> str:
    store = caches["default"]
    if not isinstance(store, RedisCache):  # locmem (no REDIS_URL): in this process only
        return repr(list(store._cache.items()))
    redis = store._cache.get_client()
    kept = []
    for key in redis.scan_iter(count=1000):
        kept.append(key)
        if redis.type(key) == b"string":
            kept.append(redis.get(key))
    return b"\n".join(kept).decode("utf-8", "replace")


def test_nothing_a_filer_told_is_in_the_database_dump_or_any_log_line(
    channels, fake_twilio, every_log_line, advocate, liaison
):
    receipts = [file_on_the_web()]
    text_by_sms()
    call_the_line(fake_twilio.url)
    send_an_email()
    receipts.append(file_through_the_api(advocate))
    staff_work(liaison)

    # Everything was filed, and the words were kept (encrypted): their absence below is not for
    # want of having been stored.
    filed = {complaint.channel: complaint for complaint in Complaint.objects.select_related("contact")}
    assert sorted(filed) == ["api", "email", "sms", "voice", "web"]
    assert filed["web"].contact.name == WEB["name"] and filed["web"].witnesses == WEB["witness"]
    assert filed["web"].filer_notes.get().text == WEB["later_words"]
    assert filed["web"].attachments.get().original_name == WEB["file_name"]
    assert filed["sms"].narrative == SMS["narrative"] and filed["sms"].contact.phone == e164(SMS["phone"])
    assert filed["voice"].contact.phone == e164(VOICE["phone"]) and filed["voice"].attachments.count() == 1
    assert Transcript.objects.get().text == VOICE["transcript"]
    assert EMAIL["narrative"] in filed["email"].narrative and filed["email"].contact.email == EMAIL["email"]
    assert filed["api"].contact.email == API["email"] and filed["api"].on_behalf_consent_by == API["advocate"]
    sent_to = {request["form"].get("To") for request in fake_twilio.requests}
    assert {e164(WEB["phone"]), e164(SMS["phone"]), e164(VOICE["phone"])} <= sent_to  # receipts went out
    assert ("DELETE", RECORDING) in [(method, path) for method, path, _auth in fake_twilio.media_requests]
    assert {message.to[0].lower() for message in mail.outbox} >= {EMAIL["email"].lower(), API["email"].lower()}

    # Every receipt anyone was given: on the web page, in the API's answer, by text and by email.
    given = [request["form"].get("Body", "") for request in fake_twilio.requests] + [m.body for m in mail.outbox]
    receipts += [re.sub(r"\D", "", found) for found in re.findall(r"\d{4} \d{4} \d{4} \d{4}", "\n".join(given))]
    assert len(set(receipts)) == 5, receipts  # web (also texted), API, SMS, call (texted), email
    every = markers(receipts)
    dump = database_dump()
    assert "COPY public.intake_complaint " in dump and filed["web"].reference in dump
    assert leaked(dump, every) == []

    log = "\n".join(every_log_line)
    assert len(every_log_line) > 20, log  # the capture saw the run
    assert [line for line in every_log_line if leaked(line, every)] == []

    sessions = json.dumps([session.get_decoded() for session in Session.objects.all()], default=str)
    assert leaked(sessions, every) == []
    assert leaked(cache_contents(), every) == []
    media = Path(channels.MEDIA_ROOT)
    stored = [path.read_bytes().decode("latin-1") for path in media.rglob("*") if path.is_file()]
    assert len(stored) >= 2  # the PDF and the recording, encrypted
    assert leaked("\n".join(stored), [WEB["file_words"], *every]) == []
