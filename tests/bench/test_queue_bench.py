"""A smoke run of the queue benchmark (bench/staff_queue.py --smoke), so that it cannot rot: seeding,
the verified staff session, the four views and its section of RESULTS.md, which keeps the rest."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, TEST_REDIS_URL, redis_available


@pytest.mark.postgres
@pytest.mark.redis
def test_the_queue_benchmark_runs_end_to_end(tmp_path):
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
    command = [sys.executable, "bench/staff_queue.py", "--smoke", "--sizes", "300,600", "--workers", "1"]
    command += ["--results", str(results), "--database", "voces_bench_queue_smoke"]
    command += ["--redis-db", TEST_REDIS_URL.rsplit("/", 1)[1]]
    run = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    table = results.read_text()
    assert "## Page weight\n\nkept\n" in table
    assert "## Staff queue" in table
    for view in ["| first |", "| deep |", "| office |", "| overdue |"]:
        assert view in table
    assert "errors 0 []" in run.stdout and "errors 1" not in run.stdout
