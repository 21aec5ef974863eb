"""The public statistics at scale: the daily aggregation's time and the p95 of the statistics
pages with 10,000 and with 1,000,000 complaints, and their ratio (target: 1M ≤ 1.5 × 10k).

    python bench/stats.py                            # 10,000 and 1,000,000 (seeding ~2 minutes)
    python bench/stats.py --sizes 1000,5000 --smoke  # seconds

For each size it recreates a database of its own (voces_bench_stats_<size>), migrates it and
seeds realistic complaints, allegations and footage requests straight into PostgreSQL
(bench/stats_seed.py: a few INSERT … SELECT generate_series). It then times the aggregation
(`manage.py stats_release` in a fresh process: count, suppress, write a release) and keeps the
release's figures (cells, hidden cells, rounds and solves of the suppression). Then it starts
gunicorn on each database (no Celery worker: the pages need none) and measures three views from a
second process (bench/load.py), each size in turn, twice, averaged: the statistics page in English,
one year and one field office in Spanish, and one table's CSV download. The pages read only the
release's summary tables, so their time must not grow with the number of complaints. Writes its
own section of RESULTS.md and leaves the rest of the file as it is.
"""

import argparse
import ast
import copy
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import PY, commit, memory_gib, merge, recreate_database  # noqa: E402
from bench.staff_queue import QueueStack  # noqa: E402
from bench.stats_seed import seed as stats_seed  # noqa: E402

SECTION = "## Statistics pages"
TARGET_RATIO = 1.5
OFFICE = "HOU"
VIEWS = [
    ("index", "the statistics page, all years and offices (en)"),
    ("slice", f"one year and one field office ({OFFICE}, es)"),
    ("csv", "a table's CSV download (complaints by channel)"),
]


def paths(year: str) -> dict[str, str]:
    return {
        "index": "/en/stats/",
        "slice": f"/es/stats/?year={year}&office={OFFICE}",
        "csv": "/en/stats/data/complaints_by_channel.csv",
    }


def seed(args, size: int) -> dict:
    connection = psycopg2.connect(f"{args.postgres}/{args.database}")
    try:
        figures = stats_seed(connection, size, seed=args.seed)
        connection.commit()
    finally:
        connection.close()
    connection = psycopg2.connect(f"{args.postgres}/{args.database}")
    connection.autocommit = True
    with connection.cursor() as cursor:
        for table in ("intake_complaint", "intake_allegation", "cases_footagerequest", "cases_footageevent"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    connection.close()
    return figures


def aggregate(stack: QueueStack) -> dict:
    """`manage.py stats_release` in a fresh process, as the beat job runs it: wall seconds and the
    release's own figures."""
    began = time.monotonic()
    output = stack.manage("stats_release")
    seconds = time.monotonic() - began
    line = output.strip().splitlines()[-1]
    figures = ast.literal_eval(line.split(": ", 1)[1])
    return {"wall_seconds": round(seconds, 1), **figures}


def release_years(args) -> list[str]:
    connection = psycopg2.connect(f"{args.postgres}/{args.database}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT years FROM transparency_release WHERE status = 'published' ORDER BY as_of DESC LIMIT 1")
        row = cursor.fetchone()
    connection.close()
    return list(row[0]) if row else []


def prepare_size(args, size: int, workdir: Path) -> dict:
    """A database of its own for this size, migrated, seeded and aggregated, with its stack (not
    started)."""
    args = copy.copy(args)
    args.database = f"{args.database_name}_{size}"
    stack = QueueStack(args, workdir)
    print(f"{size:,} complaints: recreating {args.database}, migrating …", flush=True)
    recreate_database(args.postgres, args.database)
    stack.manage("migrate", "--noinput", "-v0")
    seeded = seed(args, size)
    print(f"  seeded in {seeded['seconds']:.1f} s: {seeded}", flush=True)
    release = aggregate(stack)
    print(f"  aggregated in {release['wall_seconds']:.1f} s: {release}", flush=True)
    years = release_years(args)
    year = years[len(years) // 2] if years else "2025"
    return {"size": size, "stack": stack, "seed": seeded, "release": release, "paths": paths(year)}


def check_page(stack: QueueStack, path: str) -> int:
    """The page's status: measured only when it answers 200 (the pages may not exist yet)."""
    try:
        with urllib.request.urlopen(f"{stack.base}{path}", timeout=60) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def measure(stack: QueueStack, args, path: str) -> dict:
    command = [PY, str(ROOT / "bench" / "load.py"), "--base", stack.base, "--scenario", "get", "--path", path]
    command += ["--duration", str(args.duration), "--warmup", str(args.warmup)]
    command += ["--concurrency", str(args.concurrency)]
    output = subprocess.run(command, capture_output=True, text=True, check=False, timeout=args.duration * 5 + 120)
    if output.returncode != 0:
        raise SystemExit(f"load generator failed for {path}:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def run(args, sizes: list[int], workdir: Path) -> list[dict]:
    """Every size is seeded and aggregated first, side by side (the large seed while the small
    aggregation runs); then each view is measured at each size in turn, twice, and the two runs
    averaged: a shared machine's speed drifts, and the ratio must not catch it."""
    with ThreadPoolExecutor(max_workers=len(sizes)) as pool:
        results = list(pool.map(lambda size: prepare_size(args, size, workdir), sizes))
    results[0]["stack"].manage("collectstatic", "--noinput", "-v0")  # once: the stacks share it
    try:
        for result in results:
            result["stack"].start()
        for name, _label in VIEWS:
            statuses = {check_page(result["stack"], result["paths"][name]) for result in results}
            if statuses != {200}:
                print(f"  {name:<6} not measured: HTTP {sorted(statuses)}", flush=True)
                for result in results:
                    result[name] = {"missing": sorted(statuses)}
                continue
            for _round in range(2):
                for result in results:
                    figures = measure(result["stack"], args, result["paths"][name])
                    result[name] = merge(result[name], figures) if name in result else figures
                    print(
                        f"  {result['size']:>9,} {name:<6} {figures['rps']:>6.0f} req/s  p50 {figures['p50_ms']:.1f} ms"
                        f"  p95 {figures['p95_ms']:.1f} ms  errors {figures['errors']} {figures['error_kinds']}",
                        flush=True,
                    )
    finally:
        for result in results:
            result["stack"].stop()
    return results


def _suppression(release: dict, subject: str) -> str:
    figures = release.get(subject, {})
    return (
        f"{figures.get('cells', 0):,} cells, {figures.get('hidden', 0):,} hidden, {figures.get('rounds', 0)} rounds,"
        f" {figures.get('solves', 0):,} solves, {figures.get('seconds', 0):g} s"
    )


def section(results: list[dict], args) -> str:
    small, large = results[0], results[-1]
    lines = [
        f"{SECTION} (`bench/stats.py`: /stats/ and its downloads at {small['size']:,} and {large['size']:,} complaints)",
        "",
        f"Made by `python bench/stats.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit"
        f" `{commit()}`, {os.cpu_count()} cores, {memory_gib()} GiB. Complaints seeded straight into PostgreSQL"
        " (`bench/stats_seed.py`, seed"
        f" {args.seed}): January 2024 to today, more each year; 25 field offices of very uneven sizes (Buffalo,"
        " Salt Lake City and Saint Paul with a handful a year) and 3 % with none; Spanish about 60 %; older ones"
        " mostly closed, with outcomes; race or ethnic group empty for 40 %; 85 % agree to be counted; 1–3"
        " allegations; a footage request for 5 %, with its events and pauses. *Aggregation* is"
        " `manage.py stats_release` in a fresh process (count, suppress, write the release); the suppression"
        " figures are the release's own (the sizes are seeded and aggregated side by side). Pages: gunicorn"
        f" {args.workers} sync workers, DEBUG off; {args.concurrency} client threads in a second process; each"
        f" view {args.warmup:g} s warm-up then {args.duration:g} s measured, at each size in turn, twice, averaged.",
        "",
    ]
    for result in results:
        seeded, release = result["seed"], result["release"]
        lines.append(
            f"- {result['size']:,} complaints ({seeded['allegations']:,} allegations, {seeded['footage_requests']:,}"
            f" footage requests): seeded in {seeded['seconds']:g} s; aggregation {release['wall_seconds']:g} s"
            f" (the build {release.get('seconds', 0):g} s). Complaints: {_suppression(release, 'complaints')};"
            f" footage requests: {_suppression(release, 'footage_requests')}"
        )
    lines += [
        "",
        f"| view | what | {small['size']:,}: req/s | p50 ms | p95 ms | {large['size']:,}: req/s | p50 ms | p95 ms"
        " | errors | p95 ratio | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, label in VIEWS:
        a, b = small[name], large[name]
        if "missing" in a:
            lines.append(
                f"| {name} | {label} | – | – | – | – | – | – | – | – | not measured: HTTP {a['missing']} | **no** |"
            )
            continue
        ratio = b["p95_ms"] / a["p95_ms"] if a["p95_ms"] else float("inf")
        errors = a["errors"] + b["errors"]
        met = "yes" if ratio <= TARGET_RATIO and errors == 0 else "**no**"
        lines.append(
            f"| {name} | {label} (`{a.get('path', '')}`) | {a['rps']:.0f} | {a['p50_ms']:.1f} | {a['p95_ms']:.1f} "
            f"| {b['rps']:.0f} | {b['p50_ms']:.1f} | {b['p95_ms']:.1f} | {errors} "
            f"| {ratio:.2f} | ≤ {TARGET_RATIO} × {small['size']:,}, 0 errors | {met} |"
        )
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    """Replace this benchmark's section of RESULTS.md (or add it), keeping everything else."""
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    start = current.find(SECTION)
    if start == -1:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        following = current.find("\n## ", start + len(SECTION))
        rest = current[following + 1 :] if following != -1 else ""
        updated = current[:start] + text + ("\n" + rest if rest else "")
    path.write_text(updated)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, default=max(1, 2 * (os.cpu_count() or 1) - 1))
    parser.add_argument("--concurrency", type=int, default=0, help="client threads (default 2 × workers)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379"))
    parser.add_argument("--redis-db", type=int, default=8, help="the cache's Redis database number")
    parser.add_argument("--database", dest="database_name", default="voces_bench_stats", help="prefix: one per size")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--smoke", action="store_true", help="small sizes, a second per view")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.smoke:
        args.duration, args.warmup = 1, 0.3
        if args.sizes == parser.get_default("sizes"):
            sizes = [1000, 5000]
    args.concurrency = args.concurrency or 2 * args.workers
    workdir = ROOT / "bench" / "var"
    workdir.mkdir(parents=True, exist_ok=True)
    results = run(args, sizes, workdir)
    for result in results:
        for name, _label in VIEWS:
            result[name]["path"] = result["paths"][name]
    write_section(args.results, section(results, args))
    print(f"Written {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
