"""PostgreSQL restarted, then stopped for a few seconds, under load, behind gunicorn as in
production (two sync workers, persistent connections with health checks).

A private cluster on port 55432 (never the shared one) holds the migrated schema; threads read
pages, look up a receipt, send the web form, file complaints through the API with a token,
deliver Twilio messages and open a staff page (a session in the database) while the cluster is
restarted with the workers idle, restarted again under load, and then stopped and started. No
request may get a 500; each one that fails is the 503 "try again" answer; once PostgreSQL is back
every request succeeds, from the same gunicorn workers; and nothing is half-written: every
complaint is whole, and whatever was answered 503 was not saved, and is saved once when sent again.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils.translation import gettext, override
from twilio.request_validator import RequestValidator

from tests.conftest import REPO

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 55432
TWILIO_TOKEN = "restart-twilio-token"
PUBLIC_BASE = "https://voces.example.org"
TRY_AGAIN = "We could not do this just now. Please try again in a moment."
NOT_SAVED = "What you sent was not saved yet. Please go back and send it again."
SUCCESS = {"page": 200, "staff": 200, "lookup": 200, "web": 302, "api": 201, "sms": 200}
PAUSE = 0.1  # between one thread's requests
RECOVERED_WITHIN = 1.0  # seconds after PostgreSQL is back
DRAFTS = 200
WEB_ANSWERS = {
    "about": {"filer_role": "witness", "urgent": ["medical"]},
    "contact": {
        "contact_choice": "contact",
        "phone": "713 555 0188",
        "safe_to_message": "yes",
        "consent_contact": "on",
        "contact_language": "es",
    },
}


def seed() -> None:
    """Run in a process of the stack (DATABASE_URL is the private cluster), started while the
    cluster is made: migrate, then an advocate's token, a staff member's session with its second
    factor, and web drafts that passed their review page, ready to be sent. Prints them as JSON."""
    from django.core.management import call_command
    from django.db import OperationalError, connection

    deadline = time.monotonic() + 60
    while True:
        try:
            connection.ensure_connection()
            break
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    call_command("migrate", verbosity=0)

    from django.db.models import F
    from django.test import Client

    from accounts import roles
    from intake.forms import STEP_NAMES, bound_step_form, complaint_input_from_forms
    from intake.models import Draft
    from intake.selectors import draft_by_token
    from intake.services import draft_answers, draft_remember_review, draft_start
    from tests.api.conftest import token_for
    from tests.conftest import staff_login
    from tests.factories import OrganizationFactory, UserFactory
    from tests.intake.helpers import walk

    organization = OrganizationFactory(name="Gulf Coast Legal Aid", slug="gulf-coast")
    advocate = UserFactory(username="ana", role=roles.ADVOCATE, organization=organization, password=None)
    staff = staff_login(Client(), UserFactory(username="luis", role=roles.LIAISON, password=None))
    token = walk(Client(), overrides=WEB_ANSWERS)
    walked = draft_by_token(token)
    # What its review page keeps (the page itself needs the static files, collected meanwhile).
    answers = draft_answers(walked)
    forms = {name: bound_step_form(name, walked, answers) for name in STEP_NAMES}
    assert all(form.is_valid() for form in forms.values())
    draft_remember_review(draft=walked, data=complaint_input_from_forms(forms, draft=walked, answers=answers))
    walked.refresh_from_db()
    drafts = [(token, str(walked.pk))]
    for _ in range(DRAFTS - 1):  # the same answers, as if each had walked the form
        draft, token = draft_start(language="es")
        Draft.objects.filter(pk=draft.pk).update(
            answers=walked.answers, submission=walked.submission, reviewed_version=F("answers_version")
        )
        drafts.append((token, str(draft.pk)))
    print(json.dumps({"token": token_for(advocate), "session": staff.cookies["sessionid"].value, "drafts": drafts}))


# --- the private cluster ---------------------------------------------------------------------


def as_postgres(*command: str, cwd: Path) -> None:
    result = subprocess.run(  # noqa: S603
        ["runuser", "-u", "postgres", "--", *command], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"


@dataclass
class Cluster:
    root: Path

    def pg_ctl(self, *args: str) -> None:
        # The server's options and log again at every start: a restart would log to pg_ctl's own
        # output (never closed, so never finished reading) and a start would take port 5432.
        options = f"-p {PG_PORT} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-w", "-t", "30", "-o", options,
                    "-l", str(self.root / "server.log"), *args, cwd=self.root)  # fmt: skip

    def connect(self, database: str = "voces"):
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname=database)


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def private_cluster():
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.skip(f"needs PostgreSQL 15's binaries in {PG_BIN} and runuser")
    assert not port_in_use(PG_PORT), f"port {PG_PORT} is taken: a cluster of an earlier run is still up?"
    root = Path(tempfile.mkdtemp(prefix="voces-pg-"))
    shutil.chown(root, "postgres")
    cluster = Cluster(root)
    try:
        as_postgres(str(PG_BIN / "initdb"), "-D", str(root / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync", cwd=root)  # fmt: skip
        cluster.pg_ctl("start")
        connection = cluster.connect("postgres")
        connection.autocommit = True
        connection.cursor().execute("CREATE DATABASE voces")
        connection.close()
        yield cluster
    finally:
        if (root / "data" / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603
                ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(root / "data"), "-m",
                 "immediate", "stop"], cwd=root, capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


# --- gunicorn ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stack_env(redis_url: str, var: Path) -> dict:
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_hex(32),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/voces",
        "DB_CONN_MAX_AGE": "60",  # as in production: persistent connections, checked before reuse
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": "",  # tasks run in the request, after commit: the filing hits the outage too
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "ALLOW_CONSOLE_TRANSPORTS": "1",
        "RATELIMIT_ENABLE": "0",
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE,
        "VAR_DIR": str(var),
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def gunicorn_workers(master: int) -> set[int]:
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    children.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return children


# --- load --------------------------------------------------------------------------------------


@dataclass
class Answer:
    kind: str
    key: str
    started: float
    ended: float
    status: int
    headers: dict
    body: bytes


def call(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Accept-Language": "es", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


@dataclass
class Load:
    port: int
    answers: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    go: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0

    def send(self, kind: str, key: str, method: str, path: str, body=None, headers=None) -> Answer:
        started = time.monotonic()
        try:
            status, header_list, content = call(self.port, method, path, body, headers)
        except OSError as exc:  # gunicorn must not drop a connection either
            status, header_list, content = 0, [], repr(exc).encode()
        headers = {k.lower(): v for k, v in header_list}
        return Answer(kind, key, started, time.monotonic(), status, headers, content)

    def loop(self, kind: str, next_request) -> None:
        while not self.stop.is_set():
            with self.lock:
                ready = self.go.is_set()
                self.in_flight += ready
            if not ready:
                self.go.wait(0.05)
                continue
            try:
                request = next_request()
                if request is None:
                    return
                answer = self.send(kind, *request)
            finally:
                with self.lock:
                    self.in_flight -= 1
            with self.lock:
                self.answers.append(answer)
            self.stop.wait(PAUSE)

    def pause(self) -> None:
        with self.lock:
            self.go.clear()
        deadline = time.monotonic() + 30
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not self.in_flight, "requests still unanswered after 30 s"

    def between(self, start: float, end: float) -> list[Answer]:
        """The requests made wholly within the time from start to end."""
        return [a for a in self.answers if start <= a.started and a.ended <= end]


def form(fields: dict, csrf: str) -> tuple[bytes, dict]:
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": csrf}).encode()
    return body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"}


# --- the test ----------------------------------------------------------------------------------


def stop(process: subprocess.Popen, *children: int) -> None:
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.fixture
def stack(redis_url, tmp_path):
    """The private cluster, migrated and seeded, and gunicorn serving it. What can run at the
    same time does: collecting the static files, seeding (it waits for the cluster), and
    gunicorn's start."""
    env = stack_env(redis_url, tmp_path / "var")
    log = tmp_path / "gunicorn.log"

    def start(command: list[str], **options) -> subprocess.Popen:
        return subprocess.Popen(command, cwd=REPO, env=env, text=True, **options)  # noqa: S603

    # Pages are drawn with the fingerprinted static files of production.
    collect = start([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT)  # fmt: skip
    script = f"import django; django.setup(); from {__name__} import seed; seed()"
    seeding = start([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with private_cluster() as cluster:
            assert collect.wait(timeout=120) == 0, collect.stdout.read()
            port = free_port()
            command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--preload"]
            with log.open("w") as output:
                server = start(command + ["--workers", "2", "--worker-class", "sync", "--timeout", "30"],
                               stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
            try:
                out, err = seeding.communicate(timeout=120)
                assert seeding.returncode == 0, out + err
                deadline = time.monotonic() + 40
                while True:
                    try:
                        if call(port, "GET", "/healthz")[0] == 200:
                            break
                    except OSError:
                        pass
                    assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.1)
                data = json.loads(out.splitlines()[-1])
                yield {"cluster": cluster, "port": port, "server": server, "log": log, **data}
            finally:  # before the cluster goes; nothing of the server is needed any more
                stop(server, *gunicorn_workers(server.pid))
    finally:
        stop(collect)
        stop(seeding)


def spanish(text: str) -> str:
    with override("es"):
        translated = gettext(text)
    assert translated != text, f"translate {text!r} in locale/es"
    return translated


def page_text(body: bytes) -> str:
    text = re.sub(r"<[^>]+>", " ", body.decode())
    return re.sub(r"\s+", " ", text).replace("&#x27;", "'").replace("&quot;", '"')


def assert_is_try_again(answer: Answer) -> None:
    where = f"{answer.kind} {answer.key}: {answer.body[:300]!r}"
    assert answer.headers.get("retry-after") == "5", where
    if answer.kind == "sms":
        assert answer.body == b"", where  # Twilio's retry and fallback; nothing for anyone to read
    elif answer.kind == "api":
        assert json.loads(answer.body) == {
            "error": {"code": "unavailable", "message": spanish(TRY_AGAIN), "fields": {}}
        }, where
    else:
        assert '<html lang="es"' in answer.body.decode(), where
        text = page_text(answer.body)
        assert spanish(TRY_AGAIN) in text, where
        assert (spanish(NOT_SAVED) in text) == (answer.kind in {"web", "lookup"}), where


COMPLAINTS = """
SELECT c.submission_key, c.reference, c.channel,
       (SELECT count(*) FROM intake_allegation a WHERE a.complaint_id = c.id),
       (SELECT count(*) FROM intake_complaintcontact k WHERE k.complaint_id = c.id),
       (SELECT count(*) FROM intake_complaintevent e WHERE e.complaint_id = c.id),
       (SELECT count(*) FROM privacy_auditevent x
         WHERE x.object_ref = c.reference AND x.action = 'complaint.submitted'),
       (SELECT coalesce(string_agg(m.purpose, ',' ORDER BY m.purpose), '')
          FROM messaging_outboundmessage m WHERE m.object_ref = c.reference)
FROM intake_complaint c
"""


# What a complaint filed with the database up has (allegations, contact, status events, audit
# event, outbox rows): from the web, with the filer's phone and an urgent flag; through the API,
# for a person who may not be texted, urgent.
WHOLE = {
    "web": (2, 1, 1, 1, "complaint.receipt,complaint.urgent_staff"),
    "api": (2, 1, 1, 1, "complaint.urgent_staff"),
}


def complaints(cluster: Cluster) -> dict[str, str]:
    """The submission key of every complaint by its reference, once each is shown to be whole."""
    with cluster.connect() as connection, connection.cursor() as cursor:
        cursor.execute(COMPLAINTS)
        rows = cursor.fetchall()
    connection.close()
    for key, reference, channel, *shape in rows:
        assert tuple(shape) == WHOLE[channel], (key, reference, shape)
    return {reference: key for key, reference, *_rest in rows}


def stored_messages(cluster: Cluster) -> list[str]:
    with cluster.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT provider_id FROM messaging_inboundmessage")
        sids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM intake_draft WHERE submitted_at IS NOT NULL AND complaint_id IS NULL")
        assert cursor.fetchone()[0] == 0  # every draft sent has been filed
    connection.close()
    return sids


def test_a_postgresql_restart_under_load_costs_no_500_and_no_half_written_complaint(stack):
    from tests.api.test_complaints_org import payload

    cluster, port = stack["cluster"], stack["port"]
    load = Load(port)
    _status, headers, _body = call(port, "GET", "/es/complaint/")
    csrf = re.search(r"csrftoken=(\w+)", " ".join(v for k, v in headers if k.lower() == "set-cookie")).group(1)
    drafts = deque(stack["drafts"])
    last_draft = drafts.pop()  # sent at the end, its filing sweeps up any left waiting
    api_bodies: dict[str, bytes] = {}
    sms_bodies: dict[str, tuple] = {}
    api_headers = {"Authorization": f"Bearer {stack['token']}", "Content-Type": "application/json"}
    first = load.send("api", "first", "POST", "/api/v1/complaints/", json.dumps(payload()).encode(),
                      {**api_headers, "Idempotency-Key": "first"})  # fmt: skip
    assert first.status == 201, first.body
    receipt, first_reference = json.loads(first.body)["receipt"], json.loads(first.body)["reference"]
    counter = iter(range(1, 10**6))

    def page():
        return ("", "GET", "/es/surveys/" if next(counter) % 2 else "/es/stats/")

    def staff():
        return ("", "GET", "/es/staff/", None, {"Cookie": f"sessionid={stack['session']}"})

    def lookup():
        return ("", "POST", "/es/status/", *form({"receipt": receipt}, csrf))

    def web():
        if not drafts:
            return None
        token, draft_id = drafts.popleft()
        return (f"web:{draft_id}", "POST", f"/es/complaint/{token}/review/", *form({}, csrf))

    def api():
        key = f"key-{next(counter)}"
        api_bodies[key] = json.dumps(payload()).encode()
        return (key, "POST", "/api/v1/complaints/", api_bodies[key], {**api_headers, "Idempotency-Key": key})

    def sms():
        n = next(counter)
        sid = f"SMrestart{n:024d}"
        fields = {"MessageSid": sid, "From": f"+1713555{n % 10000:04d}", "To": "+15550009999", "Body": "Hola, ayuda"}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{PUBLIC_BASE}/twilio/sms/", fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        sms_bodies[sid] = (urllib.parse.urlencode(fields).encode(), headers)
        return (sid, "POST", "/twilio/sms/", *sms_bodies[sid])

    kinds = {"page": page, "staff": staff, "lookup": lookup, "web": web, "api": api, "sms": sms}
    threads = [threading.Thread(target=load.loop, args=(kind, make)) for kind, make in kinds.items()]
    threads.append(threading.Thread(target=load.loop, args=("page", page)))
    workers = gunicorn_workers(stack["server"].pid)
    assert len(workers) == 2
    marks = {"start": time.monotonic()}
    load.go.set()
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        # 1. Restarted while the workers sit idle on their persistent connections: each one's
        # next request must find its connection dead and open another (conn_health_checks).
        load.pause()
        marks["idle restart"] = time.monotonic()
        cluster.pg_ctl("-m", "fast", "restart")
        marks["resumed"] = time.monotonic()
        load.go.set()
        time.sleep(1.5)
        # 2. Restarted under load, then 3. stopped for three seconds and started.
        marks["restart"] = time.monotonic()
        cluster.pg_ctl("-m", "fast", "restart")
        marks["restarted"] = time.monotonic()
        time.sleep(2.5)
        marks["stop"] = time.monotonic()
        cluster.pg_ctl("-m", "fast", "stop")
        time.sleep(3.0)
        cluster.pg_ctl("start")
        marks["back"] = time.monotonic()
        time.sleep(3.0)
    finally:
        load.stop.set()
        load.go.set()
        for thread in threads:
            thread.join(timeout=60)
    marks["end"] = time.monotonic()
    log = stack["log"].read_text()

    answers = load.answers
    unexpected = [(a.kind, a.status, a.body[:300]) for a in answers if a.status not in (SUCCESS[a.kind], 503)]
    assert not unexpected, unexpected  # no 500, no dropped connection, at any time
    failed = [a for a in answers if a.status == 503]
    for answer in failed:
        assert_is_try_again(answer)
    # The outage was real, and every kind of request met it.
    assert {a.kind for a in failed} == set(SUCCESS), sorted({a.kind for a in failed})
    windows = {
        "before": (marks["start"], marks["idle restart"]),
        "after the idle restart": (marks["resumed"], marks["restart"]),
        "after the restart under load": (marks["restarted"] + RECOVERED_WITHIN, marks["stop"]),
        "once it is back": (marks["back"] + RECOVERED_WITHIN, marks["end"]),
    }
    for name, (start, end) in windows.items():
        during = load.between(start, end)
        assert {a.kind for a in during} == set(SUCCESS), name
        assert [a for a in during if a.status != SUCCESS[a.kind]] == [], name
    # The site came back by itself: the same two workers, never restarted.
    assert stack["server"].poll() is None
    assert gunicorn_workers(stack["server"].pid) == workers, log[-3000:]

    # Nothing half-written. The last draft's filing sweeps up any accepted while its filing failed.
    token, draft_id = last_draft
    assert load.send("web", "", "POST", f"/es/complaint/{token}/review/", *form({}, csrf)).status == 302
    sent = [a for a in answers if a.kind in {"web", "api", "sms"}]
    assert len({a.key for a in sent}) == len(sent)  # each one sent once
    saved = {a.key: a for a in sent if a.status == SUCCESS[a.kind]}
    refused = {a.key: a for a in sent if a.status == 503}
    filed = complaints(cluster)  # each one whole
    # Every web form and API request answered was filed; none answered 503 was. (An API
    # complaint's submission key is a hash of its request: it is known by the reference answered.)
    web_keys = {key for key in filed.values() if key.startswith("web:")}
    assert web_keys == {key for key in saved if key.startswith("web:")} | {f"web:{draft_id}"}
    answered = {json.loads(a.body)["reference"] for a in saved.values() if a.kind == "api"} | {first_reference}
    assert {reference for reference, key in filed.items() if key not in web_keys} == answered
    assert sorted(stored_messages(cluster)) == sorted(key for key in saved if key.startswith("SM"))

    # Sent again, as the 503 page asks, each refused submission is saved, once.
    tokens = {f"web:{draft}": token for token, draft in stack["drafts"]}

    def send_again(kind: str) -> None:
        for key, answer in refused.items():
            if answer.kind != kind:
                continue
            if kind == "api":
                body, headers = api_bodies[key], {**api_headers, "Idempotency-Key": key}
                again = load.send("api", key, "POST", "/api/v1/complaints/", body, headers)
            elif kind == "sms":
                again = load.send("sms", key, "POST", "/twilio/sms/", *sms_bodies[key])
            else:
                again = load.send("web", key, "POST", f"/es/complaint/{tokens[key]}/review/", *form({}, csrf))
            resent.append(again)

    resent: list[Answer] = []
    threads = [threading.Thread(target=send_again, args=(kind,)) for kind in ("web", "api", "sms")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(a.key for a in resent) == sorted(refused)
    assert [(a.key, a.status, a.body[:300]) for a in resent if a.status != SUCCESS[a.kind]] == []
    answered |= {json.loads(a.body)["reference"] for a in resent if a.kind == "api"}
    web_keys |= {a.key for a in resent if a.kind == "web"}
    filed = complaints(cluster)
    assert {key for key in filed.values() if key.startswith("web:")} == web_keys
    assert {reference for reference, key in filed.items() if not key.startswith("web:")} == answered
    assert len(answered) == 1 + len([a for a in sent if a.kind == "api"])  # one complaint per request
    assert sorted(stored_messages(cluster)) == sorted(a.key for a in sent if a.kind == "sms")
