"""A short run of the soak (bench/soak.py --smoke, 25 s of mixed load on gunicorn and a
Celery worker over PostgreSQL and Redis): no request failed, nothing the requests accepted was
lost or doubled (double clicks, Twilio's and API clients' retries included), no process restarted
or logged an error, the memory of the web and worker processes stayed within the bound, and its
section of RESULTS.md is written with the rest of the file kept."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, TEST_REDIS_URL, redis_available


@pytest.mark.postgres
@pytest.mark.redis
def test_a_short_soak_loses_nothing_fails_nothing_and_keeps_memory_stable(tmp_path):
    postgres = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    try:
        import psycopg2

        psycopg2.connect(f"{postgres}/postgres", connect_timeout=2).close()
    except psycopg2.OperationalError:
        pytest.skip(f"needs PostgreSQL at {postgres} (set BENCH_POSTGRES)")
    if not redis_available():
        pytest.skip(f"needs Redis at {TEST_REDIS_URL}")
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Page weight\n\nkept\n")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    command = [sys.executable, "bench/soak.py", "--smoke", "--results", str(results)]
    command += ["--database", "voces_bench_soak_smoke", "--redis-db", TEST_REDIS_URL.rsplit("/", 1)[1]]
    run = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])

    assert report["problems"] == []
    assert all(figures["errors"] == 0 and figures["requests"] > 0 for figures in report["requests"].values())
    accepted, counted = report["accepted"], report["counted"]
    assert accepted["web"] > 0 and counted["drafts_filed"] == counted["web_complaints"] == accepted["web"]
    assert accepted["api"] > 0 and counted["api_complaints"] == accepted["api"]
    assert accepted["sms"] > 0 and counted["sms_stored"] == accepted["sms"] and counted["sms_unprocessed"] == 0
    assert counted["replies"] > 0 and counted["replies_pending"] == 0
    for group in ("master", "web", "worker"):
        memory = report["memory"][group]
        assert memory["processes"] >= 1 and memory["samples"] >= 10
        assert memory["met"] and memory["restarted"] == []
    assert report["memory"]["web"]["processes"] == 2  # --smoke: two gunicorn workers, each sampled

    table = results.read_text()
    assert "## Page weight\n\nkept\n" in table
    assert "## Soak" in table and "Result: **passed**" in table
