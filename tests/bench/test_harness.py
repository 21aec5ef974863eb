"""A smoke run of the benchmark harness (bench/run.py --smoke), so that it cannot rot. The
figures are not judged here: benchmarks measure speed, tests measure behaviour."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, redis_available


@pytest.mark.postgres
@pytest.mark.redis
def test_the_benchmark_harness_runs_end_to_end(tmp_path):
    postgres = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    try:
        import psycopg2

        psycopg2.connect(f"{postgres}/postgres", connect_timeout=2).close()
    except psycopg2.OperationalError:
        pytest.skip(f"needs PostgreSQL at {postgres} (set BENCH_POSTGRES)")
    if not redis_available("redis://127.0.0.1:6379/0"):
        pytest.skip("needs Redis at 127.0.0.1:6379")
    results = tmp_path / "RESULTS.md"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    run = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--results", str(results), "--database", "voces_bench_smoke"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    table = results.read_text()
    for scenario in ["| a0 |", "| a1 |", "| b |", "| c |", "| d |"]:
        assert scenario in table
    rows = [line for line in table.splitlines() if line.startswith("| c |")]
    requests_per_second = float(rows[0].split("|")[3])
    assert requests_per_second > 0
    assert "errors 0" in run.stdout
