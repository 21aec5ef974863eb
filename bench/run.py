"""`make bench`: the production stack on this machine under load, side by side with the
framework's own ceiling measured in the same run. See bench/README.md.

    python bench/run.py                 # 10,000 complaints, 10 s per scenario, writes RESULTS.md
    python bench/run.py --size 1000000  # the big table
    python bench/run.py --smoke         # a few seconds of everything (the test suite runs this)
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# name, what it measures, baseline it is compared with, minimum ratio to that baseline
SCENARIOS = [
    ("a0", "baseline: GET of a tiny template", None, None),
    ("a1", "baseline: CSRF form POST, two fields, one insert", None, None),
    ("b", "home page (es)", "a0", 0.8),
    ("c", "complaint form final submission (PostgreSQL)", "a1", 0.6),
    ("d", "status lookup by receipt", "a0", 0.6),
    ("e", "signed inbound SMS webhook (Twilio)", "a0", None),
]


BENCH_TWILIO_TOKEN = secrets.token_hex(16)
BENCH_PUBLIC_BASE = "https://voces.bench.invalid"
RUN_ORDER = ["a0", "b", "d", "e", "a0", "a1", "c", "a1"]


def merge(first: dict, second: dict) -> dict:
    """Two runs of one scenario as one: summed counts, mean rate and latencies."""
    merged = dict(first)
    for key in ("requests", "errors"):
        merged[key] = first[key] + second[key]
    for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "mean_ms"):
        merged[key] = round((first[key] + second[key]) / 2, 2)
    merged["error_kinds"] = sorted(set(first["error_kinds"]) | set(second["error_kinds"]))
    return merged


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def commit() -> str:
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def recreate_database(url_base: str, name: str) -> None:
    connection = psycopg2.connect(f"{url_base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


class Stack:
    """gunicorn, a Celery worker, and the commands around them, with one environment."""

    def __init__(self, args, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "BLIND_INDEX_KEY": secrets.token_hex(32),
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": f"{args.postgres}/{args.database}",
            "REDIS_URL": f"{args.redis}/12",
            "CELERY_BROKER_URL": f"{args.redis}/11",
            "VOCES_BENCH": "1",
            "ALLOW_CONSOLE_TRANSPORTS": "1",
            "VAR_DIR": str(workdir / "var"),
            "LOG_LEVEL": "WARNING",
            # The limiter still runs (a Redis increment per lookup) but never refuses.
            "STATUS_LOOKUP_RATE_PER_CLIENT": "100000000/h",
            "STATUS_LOOKUP_RATE_PER_RECEIPT": "100000000/h",
            # Twilio's webhooks are signed with this token over this address (scenario e).
            "TWILIO_AUTH_TOKEN": BENCH_TWILIO_TOKEN,
            "PUBLIC_BASE_URL": BENCH_PUBLIC_BASE,
        }

    def manage(self, *command: str) -> str:
        result = subprocess.run(
            [PY, "manage.py", *command], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        log = (self.workdir / "gunicorn.log").open("w")
        self.processes.append(
            subprocess.Popen(
                [PY, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}"]
                + ["--workers", str(self.args.workers), "--worker-class", "sync", "--timeout", "60"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        worker_log = (self.workdir / "celery.log").open("w")
        self.processes.append(
            subprocess.Popen(
                # Below the web workers in CPU priority: a burst is taken first and filed right after.
                ["nice", "-n", "10", PY, "-m", "celery", "-A", "config", "worker", "--concurrency", "1"]
                + ["--beat", "--schedule", str(self.workdir / "beat-schedule"), "--loglevel", "WARNING"]
                + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT,
                env=self.env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz within 60 s; see " + str(self.workdir / "gunicorn.log"))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def load(stack: Stack, scenario: str, args, data: Path | None) -> dict:
    command = [PY, str(ROOT / "bench" / "load.py"), "--base", stack.base, "--scenario", scenario]
    command += ["--duration", str(args.duration), "--warmup", str(args.warmup), "--concurrency", str(args.concurrency)]
    if data:
        command += ["--data", str(data)]
    if scenario == "e":
        command += ["--twilio-token", BENCH_TWILIO_TOKEN, "--public-base", BENCH_PUBLIC_BASE]
    output = subprocess.run(command, capture_output=True, text=True, check=False, timeout=args.duration * 5 + 120)
    if output.returncode != 0:
        raise SystemExit(f"load generator failed for {scenario}:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


FILING_BACKLOG = "SELECT count(*) FROM intake_draft WHERE submitted_at IS NOT NULL AND complaint_id IS NULL"
ANSWERING_BACKLOG = (
    "SELECT (SELECT count(*) FROM messaging_inboundmessage WHERE processed_at IS NULL)"
    " + (SELECT count(*) FROM messaging_outboundmessage WHERE status IN ('pending', 'sending'))"
)


def wait_until_done(args, query: str, timeout: float = 600) -> dict:
    """After a burst: how long the worker took to finish what the requests accepted (filing
    submissions, answering messages), so that the next scenario starts on a quiet machine."""
    connection = psycopg2.connect(f"{args.postgres}/{args.database}")
    connection.autocommit = True
    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(query)
        backlog = cursor.fetchone()[0]
        waiting = backlog
        while waiting and time.monotonic() - began < timeout:
            time.sleep(0.5)
            cursor.execute(query)
            waiting = cursor.fetchone()[0]
    connection.close()
    seconds = round(time.monotonic() - began, 1)
    return {"backlog": backlog, "left": waiting, "seconds": seconds}


def evaluate(results: dict) -> list[dict]:
    rows = []
    for name, label, baseline, minimum in SCENARIOS:
        figures = results[name]
        ratio = round(figures["rps"] / results[baseline]["rps"], 2) if baseline and results[baseline]["rps"] else None
        tail_ok = figures["p99_ms"] <= 5 * figures["p50_ms"] if figures["p50_ms"] else False
        meets = figures["errors"] == 0 and tail_ok and (minimum is None or ratio >= minimum)
        rows.append({"name": name, "label": label, "baseline": baseline, "minimum": minimum, "ratio": ratio,
                     "tail_ok": tail_ok, "meets": meets, **figures})  # fmt: skip
    return rows


def batch_import_bench(stack: Stack, args) -> list[dict]:
    """The paper batch benchmark (bench/batch_import.py) on the same database, once the stack is
    stopped: a CSV of paper answers checked and imported through the services."""
    sizes = "500,2000" if args.smoke else "10000,100000"
    command = [PY, str(ROOT / "bench" / "batch_import.py"), "--in-place", "--sizes", sizes]
    output = subprocess.run(command, cwd=ROOT, env=stack.env, capture_output=True, text=True, check=False, timeout=3600)
    if output.returncode != 0:
        raise SystemExit(f"batch import benchmark failed:\n{output.stdout}\n{output.stderr}")
    lines = output.stdout.strip().splitlines()
    print("\n".join(lines[:-1]), flush=True)
    return json.loads(lines[-1])


# Sections that other benchmarks write into the same file (bench/staff_queue.py, bench/stats.py): kept as
# they are.
KEPT_SECTIONS = ("## Staff queue", "## Statistics pages", "## Soak")


def kept_sections(path: Path) -> str:
    text = path.read_text() if path.exists() else ""
    kept = ""
    for heading in KEPT_SECTIONS:
        start = text.find(heading)
        if start != -1:
            end = text.find("\n## ", start + len(heading))
            kept += "\n" + (text[start : end + 1] if end != -1 else text[start:]).rstrip("\n") + "\n"
    return kept


def write_results(
    path: Path,
    rows: list[dict],
    weights: list[dict],
    args,
    seed_output: str,
    drains: dict,
    batches: list[dict] | None = None,
) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        "Made by `make bench` (`python bench/run.py`); regenerate rather than edit. Ratios compare each",
        "scenario with its baseline measured in the same run on the same machine; absolute figures on",
        "a shared machine drift, ratios much less.",
        "",
        f"- Date: {now}; commit `{commit()}`",
        f"- Machine: {os.cpu_count()} cores, {memory_gib()} GiB, {platform.platform()}, Python {platform.python_version()}",
        f"- Stack: gunicorn {args.workers} sync workers, PostgreSQL, Redis cache and broker, one Celery worker"
        f" (nice 10) with beat; DEBUG off; load from {args.concurrency} client threads in a second process on 127.0.0.1",
        f"- Data: {args.size:,} complaints seeded ({seed_output.strip().splitlines()[-1]})",
        f"- Each scenario: {args.warmup:g} s warm-up, then {args.duration:g} s measured; baselines twice"
        " (before and after the scenarios compared with them) and averaged",
        "",
        "| scenario | what | req/s | p50 ms | p95 ms | p99 ms | errors | ratio | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        if row["minimum"]:
            target = f"≥ {row['minimum']} × {row['baseline']}"
        else:
            target = f"measured against {row['baseline']}" if row["baseline"] else "baseline"
        target += ", 0 errors, p99 < 5 × p50"
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "1"
        met = "yes" if row["meets"] else "**no**"
        lines.append(
            f"| {row['name']} | {row['label']} | {row['rps']:.0f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} "
            f"| {row['p99_ms']:.1f} | {row['errors']} | {ratio} | {target} | {met} |"
        )
    c, e = drains.get("c", {}), drains.get("e", {})
    lines += [
        "",
        "Scenario c measures sending the form from its review page: the request accepts the input the"
        " review page checked and gives the receipt (one UPDATE); beat's sweep, every few seconds, has the"
        " worker file it as a complaint. After the burst,"
        f" {c.get('backlog', 0):,} accepted submissions were waiting and the worker had filed them all"
        f" {c.get('seconds', 0):g} s later ({c.get('left', 0)} left unfiled).",
        "",
        "Scenario e measures Twilio's webhook: checked, stored once, answered with TwiML; the worker then"
        " runs each conversation's first step and sends its replies (console transport). After the burst,"
        f" {e.get('backlog', 0):,} messages and replies were waiting; all were done {e.get('seconds', 0):g} s"
        f" later ({e.get('left', 0)} left).",
    ]
    lines += [
        "",
        "## Page weight (compressed bytes over the wire; budget 30 KB home, 50 KB others)",
        "",
        "| page | HTML | CSS | JS | other | total | budget | other hosts | ok |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for weight in weights:
        lines.append(
            f"| `{weight['path']}` | {weight['html']} | {weight['css']} | {weight['js']} | {weight['other']} "
            f"| {weight['total']} | {weight['budget']} | {len(weight['foreign'])} | {'yes' if weight['ok'] else '**no**'} |"
        )
    if batches:
        lines += [
            "",
            "## Paper batch import (`bench/batch_import.py`: a CSV of paper answers to the seeded survey)",
            "",
            "Checked and imported through the services on PostgreSQL, as the worker does, after the load scenarios"
            " (stack stopped), each size in a fresh process. Rows are realistic: show-if rules followed, yes/no and"
            " places as people write them, a third with free text (encrypted), some with a form number, a few"
            " identical forms. Memory is the process's resident-set high-water mark: *while reading rows* is the"
            " peak above the memory held once the stored file is decrypted, while rows are read, checked and"
            " written (what would grow if rows were kept in memory); *whole* is the step's peak over the process's"
            " size before it, decrypting the file included (Fernet decrypts a file in one piece: a few times its"
            " size, bounded by SURVEY_BATCH_MAX_MB).",
            "",
            "| rows | file MiB | check rows/s | import rows/s | check s | import s | while reading rows: check / import MiB"
            " | whole: check / import MiB | imported |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for batch in batches:
            lines.append(
                f"| {batch['rows']:,} | {batch['file_bytes'] / 2**20:.1f} | {batch['check_rows_per_s']:,} "
                f"| {batch['import_rows_per_s']:,} | {batch['check_seconds']:g} | {batch['import_seconds']:g} "
                f"| {batch['check_rows_peak_mib']:g} / {batch['import_rows_peak_mib']:g} "
                f"| {batch['check_peak_mib']:g} / {batch['import_peak_mib']:g} | {batch['rows_imported']:,} |"
            )
    path.write_text("\n".join(lines) + "\n" + kept_sections(path))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, default=max(1, 2 * (os.cpu_count() or 1) - 1))
    parser.add_argument("--concurrency", type=int, default=0, help="client threads (default 2 × workers)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379"))
    parser.add_argument("--database", default="voces_bench")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and a second per scenario")
    args = parser.parse_args()
    if args.smoke:
        args.size, args.duration, args.warmup, args.workers = 200, 1, 0.3, 1
    args.concurrency = args.concurrency or 2 * args.workers
    drafts = 2_000 if args.smoke else 12_000  # more than a second of the fastest machine: not used up in the warm-up

    workdir = ROOT / "bench" / "var"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    stack = Stack(args, workdir)
    print(f"Database {args.database}: recreating, migrating, seeding {args.size:,} complaints …", flush=True)
    recreate_database(args.postgres, args.database)
    stack.manage("migrate", "--noinput", "-v0")
    stack.manage("collectstatic", "--noinput", "-v0")
    seed_output = stack.manage(
        "bench_seed",
        f"--complaints={args.size}",
        f"--drafts={drafts}",
        f"--receipts-out={workdir / 'receipts.txt'}",
        f"--drafts-out={workdir / 'drafts.txt'}",
    )
    print(seed_output.strip().splitlines()[-1], flush=True)
    try:
        stack.start()
        weights = [] if args.smoke else json.loads(
            subprocess.run([PY, str(ROOT / "bench" / "page_weight.py"), "--base", stack.base],
                           capture_output=True, text=True, check=False).stdout or "[]"
        )  # fmt: skip
        results: dict[str, dict] = {}
        drains: dict[str, dict] = {}
        labels = {name: label for name, label, _b, _m in SCENARIOS}
        # Each baseline is measured before and after the scenarios compared with it, and the two
        # runs averaged: the machine's speed drifts during a run, and a ratio must not catch it.
        for name in RUN_ORDER:
            label = labels[name]
            data = {"c": workdir / "drafts.txt", "d": workdir / "receipts.txt"}.get(name)
            figures = load(stack, name, args, data)
            results[name] = merge(results[name], figures) if name in results else figures
            if name in ("c", "e"):
                drains[name] = done = wait_until_done(args, FILING_BACKLOG if name == "c" else ANSWERING_BACKLOG)
                print(
                    f"    {name} backlog {done['backlog']} done in {done['seconds']} s, {done['left']} left", flush=True
                )
            print(
                f"{name:>3} {label:<50} {figures['rps']:>7.0f} req/s  p50 {figures['p50_ms']:.1f} ms  "
                f"p99 {figures['p99_ms']:.1f} ms  errors {figures['errors']} {figures['error_kinds']}",
                flush=True,
            )
    finally:
        stack.stop()
    batches = batch_import_bench(stack, args)
    rows = evaluate(results)
    write_results(args.results, rows, weights, args, seed_output, drains, batches)
    print(f"Written {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
