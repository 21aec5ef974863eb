"""A worker killed with SIGKILL (with its pool's children) in the middle of sending a receipt and of
fetching a photo from Twilio: with the production settings, a new worker sends the message and
attaches the photo within a minute, nothing is lost, and the only duplicate is the one the outbox
policy allows (README, "Decisions": sends are at-least-once). Also the rules that keep the broker's
visibility timeout, the tasks' time limits and their countdowns consistent."""

import hashlib
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.tasks import enqueue_on_commit
from intake.models import Complaint
from intake.services import ComplaintInput, ContactInput, complaint_submit
from intake.tasks import complaint_media_attach_task
from messaging.models import OutboundMessage
from tests.files import jpeg_with_gps
from tests.integration.conftest import (
    PrivateRedis,
    tasks_sent_to,
    worker_environment,
    worker_kill,
    worker_start,
    worker_stop,
)
from tests.messaging.fake_twilio import FakeTwilio

REDIS_PORT = 63811
ACCOUNT = "AC" + "5" * 32
TOKEN = "test-auth-token"
BASE = "https://voces.example.org"
PHONE = "+17135550166"
MEDIA = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{'5' * 32}/Media/ME{'5' * 32}"


class HoldingTwilio(FakeTwilio):
    """The fake Twilio, except that the first message send and the first media download are taken
    (the send recorded: Twilio has accepted it and the phone will get it) and never answered: the
    worker is in the middle of both when it dies."""

    def __init__(self) -> None:
        super().__init__()
        self.held = {"POST": threading.Event(), "GET": threading.Event()}
        self.release = threading.Event()
        answer = self.server.RequestHandlerClass
        fake = self
        lock = threading.Lock()

        def first(method: str) -> bool:
            with lock:
                if fake.held[method].is_set():
                    return False
                fake.held[method].set()
                return True

        class Holding(answer):
            def do_POST(self):
                if not first("POST"):
                    return super().do_POST()
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qs(self.rfile.read(length).decode(), keep_blank_values=True))
                fake.requests.append({"path": self.path, "form": {k: v[0] for k, v in form.items()}, "auth": ""})
                fake.release.wait(120)

            def do_GET(self):
                if not first("GET"):
                    return super().do_GET()
                fake.media_requests.append(("GET", self.path.split("?")[0], self._credentials()))
                self.send_response(200)
                self.send_header("Content-Length", str(len(fake.media[self.path])))
                self.end_headers()
                self.wfile.write(fake.media[self.path][:100])  # the download has begun
                self.wfile.flush()
                fake.release.wait(120)

        self.server.RequestHandlerClass = Holding

    def __exit__(self, *exc):
        self.release.set()
        super().__exit__(*exc)


@pytest.fixture
def holding_twilio():
    with HoldingTwilio() as fake:
        yield fake


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(REDIS_PORT, tmp_path).start()
    yield server
    server.stop()


def sends_of(fake, message_id: int) -> list[str]:
    return [
        request["form"]["Body"]
        for request in list(fake.requests)
        if parse_qs(urlsplit(request["form"].get("StatusCallback", "")).query).get("m") == [str(message_id)]
    ]


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_and_fetching_loses_nothing_and_is_taken_over_within_a_minute(
    postgres, holding_twilio, redis_server, tmp_path, django_db_blocker, settings
):
    photo = jpeg_with_gps().read()
    holding_twilio.media[MEDIA] = photo
    settings.MEDIA_ROOT = tmp_path / "var" / "media"  # where the worker stores (VAR_DIR below)
    queue = f"voces-kill-{uuid.uuid4().hex[:8]}"
    env = worker_environment(
        django_db_blocker,
        CELERY_BROKER_URL=redis_server.url(0),
        REDIS_URL=redis_server.url(1),
        VAR_DIR=str(tmp_path / "var"),
        SMS_TRANSPORT="messaging.transports.TwilioTransport",
        TWILIO_API_BASE=holding_twilio.url,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_SMS_FROM="+15550009999",
        PUBLIC_BASE_URL=BASE,
    )
    # The production values, not the test's own: nothing in the environment changes them.
    assert not {"CELERY_VISIBILITY_TIMEOUT", "CELERY_TASK_TIME_LIMIT"} & set(env)
    first = worker_start(env, queue, tmp_path / "first.log")
    try:
        with tasks_sent_to(redis_server.url(0), queue), transaction.atomic():
            # What an MMS conversation files: a complaint whose receipt goes by text, and its photo.
            complaint = complaint_submit(
                data=ComplaintInput(
                    filer_role="person_affected",
                    language="es",
                    allegations=["excessive_force"],
                    narrative="Me empujaron.",
                    is_anonymous=False,
                    contact=ContactInput(phone=PHONE, preferred_method="sms", safe_to_message=True),
                    consent_contact=True,
                ),
                channel="sms",
                submission_key=f"sms:{uuid.uuid4().hex}",
            ).complaint
            Complaint.objects.filter(pk=complaint.pk).update(media_pending=[holding_twilio.url + MEDIA])
            enqueue_on_commit(complaint_media_attach_task, complaint.pk, holding_twilio.url + MEDIA)
        message = OutboundMessage.objects.get(purpose="complaint.receipt")
        held = holding_twilio.held["POST"].wait(30) and holding_twilio.held["GET"].wait(30)
        assert held, (tmp_path / "first.log").read_text()
        worker_kill(first)
    except BaseException:
        worker_stop(first)
        raise
    assert OutboundMessage.objects.get(pk=message.pk).status == "sending"
    assert not Complaint.objects.get(pk=complaint.pk).attachments.exists()

    started = time.monotonic()
    log = tmp_path / "second.log"
    second = worker_start(env, queue, log)
    try:

        def taken_over() -> bool:
            deletes = [path for method, path, _ in holding_twilio.media_requests if method == "DELETE"]
            return (
                OutboundMessage.objects.get(pk=message.pk).status == "sent"
                and complaint.attachments.exists()
                and deletes == [MEDIA]
            )

        assert wait_for(taken_over, timeout=60 - (time.monotonic() - started)), log.read_text().split("[tasks]")[-1]
        # Nothing more to come: every task given to the broker has run and been acknowledged.
        broker = redis.Redis.from_url(redis_server.url(0))
        assert wait_for(lambda: not broker.llen(queue) and not broker.hlen("unacked"), timeout=10)
    finally:
        worker_stop(second)
    # Twilio had accepted the first try: the receipt reached the phone twice, and only twice.
    bodies = sends_of(holding_twilio, message.pk)
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    assert len(holding_twilio.requests) == 2
    message.refresh_from_db()
    assert (message.status, message.body) == ("sent", "")  # a receipt is not kept once sent
    (attachment,) = complaint.attachments.all()
    assert attachment.sha256 == hashlib.sha256(photo).hexdigest()
    fetched = [path for method, path, _ in holding_twilio.media_requests if method == "GET"]
    assert fetched == [MEDIA, MEDIA]


def test_no_task_outlives_the_visibility_timeout_nor_waits_in_the_broker_long():
    """A task held unacknowledged longer than the visibility timeout is handed to a second worker:
    every acks_late task has a hard time limit below it, and every retry's countdown (which a
    worker holds unacknowledged) is under half of it. Long work is acknowledged on receipt."""
    from config.celery import app

    app.loader.import_default_modules()
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility <= 45  # back within a minute, with the sweep below
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] <= 60 - visibility
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] == 1
    tasks = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert len(tasks) > 20
    for name, task in tasks.items():
        limit = task.time_limit or app.conf.task_time_limit
        late = task.acks_late if task.acks_late is not None else app.conf.task_acks_late
        if late:
            assert limit and limit < visibility, name
        if task.soft_time_limit:
            assert task.soft_time_limit < limit, name
        if getattr(task, "autoretry_for", None) and task.retry_backoff:
            assert task.retry_backoff_max < visibility / 2, name
            assert not late or task.retry_backoff_max + limit < visibility, name
    # A webhook's next try is held in the broker only when its wait is this short (messaging.tasks);
    # a try lasts twice the receiver's timeout at most (soft limit).
    assert 2 * settings.WEBHOOK_TIMEOUT_SECONDS + visibility / 2 < visibility


@pytest.mark.django_db
def test_a_send_waiting_for_its_numbers_pace_waits_seconds_in_the_broker(settings, monkeypatch):
    from messaging import services

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SMS_TRANSPORT = "messaging.transports.TwilioTransport"
    settings.TWILIO_SMS_FROM = "+15550009999"
    message = OutboundMessage.objects.create(
        channel="sms", to=PHONE, to_index="x", body="hola", purpose="test", next_attempt_at=timezone.now()
    )
    monkeypatch.setattr(services, "window_count", lambda key, seconds: 1000)  # far over the pace
    waits = [services.outbound_sender_wait(message_id=message.pk) for _ in range(50)]
    assert min(waits) >= 1
    assert max(waits) < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] / 2
