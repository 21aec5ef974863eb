import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import pytest
from django.db import connection
from kombu import pools

from config.celery import app
from core.tasks import ping
from tests.conftest import REPO


def forget_connections() -> None:
    """The app keeps the broker pool and result backend it first built (the in-memory broker and a
    disabled backend, in the eager tests before): drop them so the new configuration is used."""
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide producer pools, keyed by connection


@pytest.fixture(scope="module")
def celery_worker(redis_url, tmp_path_factory, django_db_setup, django_db_blocker):
    """A real Celery worker process on Redis, consuming a queue of its own."""
    with running_worker(redis_url, tmp_path_factory, django_db_blocker) as worker:
        yield worker


@contextmanager
def running_worker(redis_url, tmp_path_factory, django_db_blocker, extra_env: dict | None = None):
    """Start a worker (with extra_env) and switch the test process from eager mode to the same
    broker and a Redis result backend for as long as the worker lives."""
    queue = f"voces-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # what the worker's own tasks send comes back to it
        **(extra_env or {}),
    }
    with django_db_blocker.unblock():
        database = connection.settings_dict
        if connection.vendor == "postgresql":  # the worker works in the tests' database
            env["DATABASE_URL"] = (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
            )
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1"]
    command += ["--queues", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
    with log.open("w") as output:
        worker = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    # The app may have built its (disabled) result backend already, in an eager test.
    forget_connections()
    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
        task_default_queue=queue,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert ping.apply_async(args=["ready"], queue=queue).get(timeout=5) == "pong:ready"
                break
            except Exception as exc:
                if worker.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the Celery worker did not answer ({exc!r}):\n{log.read_text()}")
        yield {"queue": queue, "log": log, "broker_url": redis_url}
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        app.conf.update(saved)
        app.conf.task_default_queue = "celery"
        forget_connections()


# --- Fault tests (test_broker_faults.py, test_worker_kill.py): a Redis of their own that they may
# stop, prefork workers they may kill, and an email provider a worker process can be read from.


class PrivateRedis:
    """A redis-server of the test's own on `port` (never the shared one), stopped and started at
    will. It keeps nothing on disk: stopping it loses every queued task and cached counter, as a
    crashed or replaced Redis does."""

    def __init__(self, port: int, directory) -> None:
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "PrivateRedis":
        import shutil

        import redis

        if shutil.which("redis-server") is None:
            pytest.skip("needs redis-server (apt-get install redis-server)")
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.directory), "--logfile", ""]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {self.port} (in use?)")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def worker_environment(django_db_blocker, **extra: str) -> dict:
    """The environment of a worker process that works in the tests' database."""
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0", **extra}
    with django_db_blocker.unblock():
        database = connection.settings_dict
        if connection.vendor == "postgresql":
            env["DATABASE_URL"] = (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
            )
    return env


def worker_start(env: dict, queue: str, log, *, concurrency: int = 2) -> subprocess.Popen:
    """A prefork worker, as in production, in a process group of its own (so that the test can
    kill it with its children), consuming `queue`; returns once it says it is ready."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"]
    command += [f"--concurrency={concurrency}", "--queues", queue, "--without-gossip", "--without-mingle"]
    command += ["--without-heartbeat", "--loglevel=INFO"]
    env = {**env, "CELERY_TASK_DEFAULT_QUEUE": queue}
    with open(log, "a") as output:
        worker = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker_kill(worker)
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-5000:]}")
        time.sleep(0.1)
    return worker


def worker_kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool's children at once: no chance to acknowledge, requeue or
    say goodbye, as when a machine is lost or the kernel's OOM killer strikes."""
    import signal

    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.wait(timeout=20)


def worker_stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker_kill(worker)


@contextmanager
def tasks_sent_to(broker_url: str, queue: str):
    """The test process sends its tasks to `broker_url`'s `queue` (enqueued on commit, as in
    production) instead of running them eagerly."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    forget_connections()
    app.conf.update(broker_url=broker_url, task_always_eager=False, task_default_queue=queue)
    try:
        yield
    finally:
        app.conf.update(saved)
        forget_connections()


class DirectoryEmailBackend:
    """The email provider of a worker process in these tests: each message one file in
    $TEST_EMAIL_DIR, where the test reads them (Django's locmem outbox would stay in the worker)."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages) -> int:
        from pathlib import Path

        for message in messages:
            (Path(os.environ["TEST_EMAIL_DIR"]) / f"{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(messages)
