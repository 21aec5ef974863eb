"""Redis, which is both the broker and the cache (rate-limit counters) in production, fails under
the people filing: stopped while 200 complaints come in on the web and by SMS, or silent
(accepting connections and never answering). Nothing a person sent is lost, each sees a normal
receipt and no request fails; once Redis is back, a real worker and beat's jobs file and send
everything, each message exactly once."""

import email
import re
import socket
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from django.db import connections
from django.db.models import F
from django.test import Client
from twilio.request_validator import RequestValidator

from intake.models import Complaint, Draft
from intake.receipts import receipt_index
from intake.tasks import drafts_file_pending_task
from messaging.models import InboundMessage, OutboundMessage
from messaging.tasks import inbound_process_stale_task, outbound_resend_pending_task
from tests.intake.helpers import walk
from tests.integration.conftest import (
    PrivateRedis,
    tasks_sent_to,
    worker_environment,
    worker_start,
    worker_stop,
)
from tests.messaging.fake_twilio import FakeTwilio

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

REDIS_PORT = 63810
SID = "AC" + "4" * 32
TOKEN = "test-auth-token"
BASE = "https://voces.example.org"
VOCES_NUMBER = "+15550009999"
DUTY = "duty@voces.test"
WEB_FILERS = 100
SMS_FILERS = 100
ALLEGATIONS = ["excessive_force", "verbal_abuse", "unlawful_entry", "property", "body_camera", "coercion"]
RECEIPT = re.compile(r"\b\d{4} \d{4} \d{4} \d{4}\b")  # as messages write it (intake.receipts)
# The SMS menu's numbers (intake.conversation.HARMS) and what they stand for.
SMS_HARMS = {"1": "excessive_force", "2": "verbal_abuse", "3": "unlawful_entry", "4": "property"}


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(REDIS_PORT, tmp_path).start()
    yield server
    server.stop()


# As config/settings.py has them with REDIS_URL (production_like checks it when it can).
CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}


def cache_on(url: str) -> dict:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "voces",
        "OPTIONS": CACHE_OPTIONS,
    }


@pytest.fixture
def production_like(settings):
    """The web process as in production: web complaints only accepted in the request (beat's sweep
    files them), Twilio's signatures checked; the cache is put on the test's Redis by each test."""
    if "OPTIONS" in settings.CACHES["default"]:  # run with REDIS_URL: production's cache
        assert settings.CACHES["default"]["OPTIONS"] == CACHE_OPTIONS
    settings.INTAKE_FILE_ON_COMMIT = False
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = BASE


def web_filer(n: int) -> dict:
    """The n-th web filer: anonymous, by text, by email, or urgent by text; their own words and
    two allegations."""
    kind = n % 4
    phone = f"+1713555{2000 + n:04d}" if kind in (1, 3) else ""
    address = f"filer{n}@example.org" if kind == 2 else ""
    contact = {"contact_choice": "anonymous", "contact_language": "es", "consent_statistics": "on"}
    if phone or address:
        contact = {"contact_choice": "contact", "phone": phone, "email": address, "consent_contact": "on"}
        contact |= {"preferred_method": "email" if address else "sms", "safe_to_message": "yes"}
        contact["contact_language"] = "es"
    allegations = sorted({ALLEGATIONS[n % 6], ALLEGATIONS[(n + 1) % 6]})
    narrative = f"Abrieron la puerta de la casa {n} a empujones."
    return {
        "allegations": allegations,
        "narrative": narrative,
        "phone": phone,
        "email": address,
        "urgent": kind == 3,
        "overrides": {
            "about": {"filer_role": "witness", "urgent": ["medical"] if kind == 3 else []},
            "what": {"allegations": allegations},
            "story": {"narrative": narrative},
            "contact": contact,
        },
    }


def file_on_the_web(n: int, codes: list) -> dict:
    """Walk the form and send it; the receipt as the page shows it."""
    filer = web_filer(n)
    client = Client(REMOTE_ADDR=f"10.20.{n // 200}.{n % 200 + 1}")
    token = walk(client, overrides=filer["overrides"])  # every step answers 302
    sent = client.post(f"/es/complaint/{token}/review/")
    page = client.get(f"/es/complaint/{token}/receipt/")
    codes.extend([sent.status_code, page.status_code])
    assert sent.status_code == 302 and page.status_code == 200, (sent.status_code, page.status_code)
    receipt = re.search(r'class="receipt"[^>]*>([\d ]+)<', page.content.decode()).group(1).replace(" ", "")
    if n % 10 == 0:  # some check on it at once: "received", though not filed yet
        status = client.post("/es/status/", {"receipt": receipt})
        codes.append(status.status_code)
        assert status.status_code == 200 and status.context["pending"]
    return {**filer, "receipt": receipt}


def sms_filer(n: int) -> dict:
    harms = ["1", "2 3", "4", "1 4"][n % 4]
    contact = n % 5 != 0  # one in five says not to text them
    narrative = f"Me empujaron contra la pared, vecino {n}."
    return {
        "phone": f"+1832555{3000 + n:04d}",
        "allegations": sorted(SMS_HARMS[h] for h in harms.split()),
        "narrative": narrative,
        "contact": contact,
        "script": [
            "Hola",
            "1",
            narrative,
            "listo",
            "ayer",
            "Houston, TX",
            harms,
            "no",
            "0",
            "1" if contact else "2",
            "1",
        ],
    }


def text(body: str, sid: str, sender: str) -> int:
    data = {"MessageSid": sid, "From": sender, "To": VOCES_NUMBER, "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(f"{BASE}/twilio/sms/", data)
    response = Client().post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response["Content-Type"].startswith("text/xml")
    return response.status_code


def file_by_sms(n: int, codes: list) -> dict:
    filer = sms_filer(n)
    for turn, body in enumerate(filer["script"]):
        codes.append(text(body, f"SM{n:04d}{turn:028d}", filer["phone"]))
    return filer


def in_thread(function, *args):
    try:
        return function(*args)
    finally:
        connections.close_all()


def sends_by_message(fake) -> Counter:
    """How many times "Twilio" was asked to send each outbox row (its id is in the callback URL)."""
    ids = Counter()
    for request in list(fake.requests):
        callback = request["form"].get("StatusCallback", "")
        ids[int(parse_qs(urlsplit(callback).query)["m"][0])] += 1
    return ids


def emails_sent(directory) -> list[email.message.Message]:
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(directory.glob("*.eml"))]


def receipt_in(body: str) -> str:
    return RECEIPT.search(body).group().replace(" ", "")


def body_of(message) -> str:
    return message.get_payload(decode=True).decode()


def wait_for(condition, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def test_redis_stopped_while_200_people_file_loses_nothing_and_sends_each_message_once(
    production_like, postgres, settings, redis_server, fake_twilio, tmp_path, django_db_blocker
):
    settings.CACHES = {**settings.CACHES, "default": cache_on(redis_server.url(1))}
    queue = f"voces-outage-{uuid.uuid4().hex[:8]}"
    codes: list[int] = []
    with tasks_sent_to(redis_server.url(0), queue):
        redis_server.stop()
        with ThreadPoolExecutor(4) as people:  # several at once, as people come
            filing = [
                (way, people.submit(in_thread, way, n, codes))
                for n in range(max(WEB_FILERS, SMS_FILERS))
                for way, count in ((file_on_the_web, WEB_FILERS), (file_by_sms, SMS_FILERS))
                if n < count
            ]
            web = [done.result() for way, done in filing if way is file_on_the_web]
            sms = [done.result() for way, done in filing if way is file_by_sms]
        assert len(codes) == 2 * WEB_FILERS + len(range(0, WEB_FILERS, 10)) + 11 * SMS_FILERS
        assert max(codes) < 500 and set(codes) == {200, 302}
        # Everything is in the database, nothing went to the broker; no one has been answered.
        assert Draft.objects.filter(submitted_at__isnull=False, complaint__isnull=True).count() == WEB_FILERS
        assert InboundMessage.objects.filter(processed_at__isnull=True).count() == 11 * SMS_FILERS
        assert not fake_twilio.requests

        redis_server.start()  # empty: the tasks the requests tried to send are gone
        # The outage lasted minutes: what was received then is older than beat's sweeps wait for.
        InboundMessage.objects.update(received_at=F("received_at") - timedelta(minutes=5))
        mail = tmp_path / "mail"
        mail.mkdir()
        env = worker_environment(
            django_db_blocker,
            CELERY_BROKER_URL=redis_server.url(0),
            REDIS_URL=redis_server.url(1),
            INTAKE_FILE_ON_COMMIT="0",
            SMS_TRANSPORT="messaging.transports.TwilioTransport",
            TWILIO_API_BASE=fake_twilio.url,
            TWILIO_ACCOUNT_SID=SID,
            TWILIO_AUTH_TOKEN=TOKEN,
            TWILIO_SMS_FROM=VOCES_NUMBER,
            TWILIO_SENDS_PER_SECOND="1000",  # the pace of one US long code would take 20 minutes
            PUBLIC_BASE_URL=BASE,
            EMAIL_BACKEND="tests.integration.conftest.DirectoryEmailBackend",
            TEST_EMAIL_DIR=str(mail),
            STAFF_ONDUTY_EMAIL=DUTY,
        )
        worker = worker_start(env, queue, tmp_path / "worker.log", concurrency=3)
        ticks = []
        try:

            def beat_done() -> bool:
                """One tick of beat, its clock sped up (the five-second job every two seconds,
                the one-minute ones every ten): is anything left to file, hand on or send?"""
                ticks.append(time.monotonic())
                drafts_file_pending_task.apply_async(expires=5)
                if len(ticks) % 5 == 1:
                    inbound_process_stale_task.delay()
                    # Resent while the first tasks still wait in the backlog: each must go once.
                    OutboundMessage.objects.filter(status="pending").update(
                        created_at=F("created_at") - timedelta(minutes=5)
                    )
                    outbound_resend_pending_task.delay()
                return (
                    Complaint.objects.count() == WEB_FILERS + SMS_FILERS
                    and not InboundMessage.objects.filter(processed_at__isnull=True).exists()
                    and not OutboundMessage.objects.exclude(status="sent").exists()
                )

            assert wait_for(beat_done, timeout=240, every=2), (
                Complaint.objects.count(),
                Counter(OutboundMessage.objects.values_list("status", flat=True)),
                (tmp_path / "worker.log").read_text()[-3000:],
            )
            # Every task sent meanwhile has run, the resent copies included.
            broker = redis.Redis.from_url(redis_server.url(0))
            assert wait_for(lambda: not broker.llen(queue) and not broker.hlen("unacked"), timeout=30)
        finally:
            worker_stop(worker)

    # Every complaint, with what its filer gave.
    assert Complaint.objects.filter(channel="web").count() == WEB_FILERS
    assert Complaint.objects.filter(channel="sms").count() == SMS_FILERS
    for filer in web:
        complaint = Complaint.objects.get(receipt_index=receipt_index(filer["receipt"]))
        assert sorted(complaint.allegations.values_list("kind", flat=True)) == filer["allegations"]
        assert (complaint.narrative, complaint.is_urgent) == (filer["narrative"], filer["urgent"])
        contact = getattr(complaint, "contact", None)
        if filer["phone"] or filer["email"]:
            assert (contact.phone, contact.email) == (filer["phone"], filer["email"])
        else:
            assert complaint.is_anonymous and contact is None

    # Each outbox row went to "Twilio" or the email provider once, none twice, none left.
    rows = list(OutboundMessage.objects.all())
    sms_rows = {row.pk: row for row in rows if row.channel == "sms"}
    assert sends_by_message(fake_twilio) == Counter(dict.fromkeys(sms_rows, 1))
    # ... however many copies beat's resend queued while the first tasks waited (how many depends
    # on the machine's speed; each row's task ran at least once).
    tasks = re.findall(r"outbound_send_task\[[^\]]+\] received", (tmp_path / "worker.log").read_text())
    assert len(tasks) >= len(rows)
    emails = emails_sent(mail)
    assert len(emails) == sum(row.channel == "email" for row in rows)

    def texts_to(phone: str) -> list[str]:
        return [r["form"]["Body"] for r in fake_twilio.requests if r["form"]["To"] == phone]

    for filer in web:
        receipts = [receipt_in(body) for body in texts_to(filer["phone"])] if filer["phone"] else []
        receipts += [receipt_in(body_of(m)) for m in emails if m["To"] == filer["email"]] if filer["email"] else []
        assert receipts == ([filer["receipt"]] if filer["phone"] or filer["email"] else [])
    urgent = Complaint.objects.filter(is_urgent=True).values_list("reference", flat=True)
    to_duty = Counter(re.search(r"C-\d+", body_of(m)).group() for m in emails if m["To"] == DUTY)
    assert to_duty == Counter(dict.fromkeys(urgent, 1))
    for filer in sms:
        conversation = texts_to(filer["phone"])
        assert len(conversation) == 13, conversation  # the privacy notice to the receipt, each once
        (receipt,) = [receipt_in(body) for body in conversation if RECEIPT.search(body)]  # once
        complaint = Complaint.objects.get(receipt_index=receipt_index(receipt))
        assert (complaint.channel, complaint.narrative) == ("sms", filer["narrative"])
        assert sorted(complaint.allegations.values_list("kind", flat=True)) == filer["allegations"]
        contact = getattr(complaint, "contact", None)
        assert (contact.phone if contact else None) == (filer["phone"] if filer["contact"] else None)


class SilentServer:
    """Takes TCP connections and never answers: a Redis behind a dead NAT, a hung host, a
    firewall dropping packets."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.listener.close()
        for connection in self.held:
            connection.close()


def test_a_silent_redis_costs_a_filer_one_socket_timeout_not_a_hung_request(production_like, settings):
    """The cache and broker at an address that takes connections and never answers: the web form
    waits once for the cache (the draft's rate limit) and the SMS webhook once for the broker (its
    task), each for its socket timeout, then carries on: accepted, stored, answered normally."""
    cache_timeout = CACHE_OPTIONS["socket_timeout"]
    broker_timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"]
    with SilentServer() as silent:
        settings.CACHES = {**settings.CACHES, "default": cache_on(f"redis://127.0.0.1:{silent.port}/1")}
        with tasks_sent_to(f"redis://127.0.0.1:{silent.port}/0", "voces-silent"):
            began = time.monotonic()
            filer = file_on_the_web(7, [])
            web = time.monotonic() - began
            began = time.monotonic()
            assert text("Hola", "SM" + "7" * 32, "+18325550001") == 200
            sms = time.monotonic() - began
        assert silent.held  # both were waiting on it
    # One wait each, never a hang (slack for a busy machine: nine requests on the web).
    assert cache_timeout <= web < cache_timeout + 8
    assert broker_timeout <= sms < broker_timeout + 6 < 15  # Twilio gives a webhook 15 s
    assert Draft.objects.filter(receipt_index=receipt_index(filer["receipt"]), submitted_at__isnull=False).exists()
    assert InboundMessage.objects.filter(provider_id="SM" + "7" * 32, processed_at__isnull=True).exists()
