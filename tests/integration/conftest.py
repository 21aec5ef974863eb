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
