"""The staff triage queue at scale: p95 of GET /en/staff/ with 10,000 and with 1,000,000
complaints, seeded in bulk straight into PostgreSQL, and their ratio (target: 1M ≤ 1.5 × 10k).

    python bench/staff_queue.py                          # 10,000 and 1,000,000 (seeding ~2 minutes)
    python bench/staff_queue.py --sizes 2000,20000 --smoke

For each size it recreates a database of its own (voces_bench_queue_<size>), migrates it,
creates staff and a signed-in session whose second factor is verified (a TOTP device's
persistent id in the session, as the sign-in leaves it) and seeds complaints with one
INSERT … SELECT generate_series. Then it starts gunicorn on each (no Celery worker: the queue
needs none) and measures four views from a second process (bench/load.py), each size in turn,
twice, averaged: the first page, a page halfway down the open complaints through its cursor, one
field office, and the overdue ones. Each view's query also runs under EXPLAIN ANALYZE; the plans
are kept in bench/var/queue-explain-<size>.txt. Writes its own section of RESULTS.md and leaves
the rest of the file as it is.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import PY, Stack, commit, memory_gib, merge, recreate_database  # noqa: E402

SECTION = "## Staff queue"
TARGET_RATIO = 1.5
VIEWS = [
    ("first", "first page (open complaints, urgent first then oldest)"),
    ("deep", "a page halfway down, through its cursor"),
    ("office", "one field office (Houston)"),
    ("overdue", "overdue acknowledgements"),
]
ALLEGATIONS = [
    "excessive_force", "discrimination", "verbal_abuse", "medical_neglect", "unlawful_entry", "property",
    "children_family", "language_access", "coercion", "lawyer_access", "sexual_misconduct", "retaliation",
    "body_camera", "no_identification", "privacy", "other",
]  # fmt: skip

# Complaints over three years: 5 % urgent; recent ones mostly open, older ones mostly closed;
# web and SMS first, Spanish first; 25 field offices; most worked ones assigned. Acknowledgement
# due by the end of the day for urgent ones, two working days (weekends skipped) for the others.
# The draw is seeded, so that every run (and the smoke test's small one) seeds the same complaints.
SEED_SQL = """
INSERT INTO intake_complaint (
    created_at, updated_at, reference, receipt_index, submission_key, channel, language, filer_role,
    on_behalf_organization, on_behalf_consent_method, on_behalf_consent_by, urgent_flags, is_urgent, status, outcome, incident_date, date_is_approximate,
    time_of_day, city, state, place_type, field_office_id, agency, officer_count, officer_names, badge_numbers,
    vehicle_plates, markings, officers_masked, body_camera_seen, body_camera_recording, adults_count,
    children_count, injuries, injuries_description, medical_care, taken_into_custody, witnesses, narrative,
    wants, is_anonymous, consent_contact, consent_share_oversight, consent_statistics, age_range, gender,
    race_ethnicity, assignee_id, ack_due_at, acknowledged_at, version, needs_interpreter
)
SELECT
    created, created, 'C-' || lpad(g::text, 7, '0'), md5('receipt' || g), 'bench:' || g,
    CASE WHEN r2 < .45 THEN 'web' WHEN r2 < .75 THEN 'sms' WHEN r2 < .87 THEN 'whatsapp'
         WHEN r2 < .92 THEN 'voice' WHEN r2 < .95 THEN 'email' ELSE 'api' END,
    CASE WHEN r3 < .60 THEN 'es' WHEN r3 < .72 THEN 'en' WHEN r3 < .80 THEN 'ht' WHEN r3 < .86 THEN 'pt'
         WHEN r3 < .90 THEN 'zh-hans' WHEN r3 < .94 THEN 'vi' WHEN r3 < .97 THEN 'ar' ELSE 'ru' END,
    'person_affected', '', '', '', CASE WHEN urgent THEN '["detained"]' ELSE '[]' END::jsonb, urgent, status,
    CASE WHEN status = 'closed' THEN 'not_substantiated' ELSE '' END,
    (created - (r4 * 10)::int * interval '1 day')::date, false, 'morning', '', 'TX', 'home',
    (%(offices)s::bigint[])[1 + floor(r4 * array_length(%(offices)s::bigint[], 1))::int], 'ice_ero', 3,
    '', '', '', '', 'some', 'no', 'unknown', 2, 1, 'no', '', 'unknown', 'no', '', %(narrative)s,
    '["investigation"]'::jsonb, true, false, false, true, '', '', '[]'::jsonb,
    CASE WHEN status <> 'received' AND r5 < CASE WHEN status = 'closed' THEN .9 ELSE .6 END
         THEN (%(assignees)s::bigint[])[1 + floor(r5 * 10 * array_length(%(assignees)s::bigint[], 1))::int
               %% array_length(%(assignees)s::bigint[], 1)] END,
    date_trunc('day', created) + interval '23:59:59' + CASE WHEN urgent THEN interval '0'
         ELSE (CASE extract(isodow FROM created) WHEN 4 THEN 4 WHEN 5 THEN 4 WHEN 6 THEN 3 ELSE 2 END)
              * interval '1 day' END,
    CASE WHEN status <> 'received' THEN created + r5 * interval '40 hours' END,
    1, r2 >= .87 AND r2 < .92 AND r5 < .3
FROM (
    SELECT g, created, urgent, r2, r3, r4, r5,
        CASE WHEN age < 14 THEN CASE WHEN r6 < .35 THEN 'received' WHEN r6 < .60 THEN 'acknowledged'
                                     WHEN r6 < .85 THEN 'in_review' WHEN r6 < .95 THEN 'needs_info' ELSE 'closed' END
             WHEN age < 180 THEN CASE WHEN r6 < .03 THEN 'received' WHEN r6 < .10 THEN 'acknowledged'
                                      WHEN r6 < .35 THEN 'in_review' WHEN r6 < .40 THEN 'needs_info'
                                      WHEN r6 < .60 THEN 'referred' ELSE 'closed' END
             ELSE CASE WHEN r6 < .01 THEN 'received' WHEN r6 < .04 THEN 'in_review' WHEN r6 < .05 THEN 'needs_info'
                       WHEN r6 < .10 THEN 'referred' ELSE 'closed' END
        END AS status
    FROM (
        SELECT g, now() - r1 * interval '1095 days' AS created, r1 * 1095 AS age, random() < .05 AS urgent,
               random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6
        FROM (SELECT g, random() AS r1 FROM generate_series(1, %(size)s) AS g) AS numbers
    ) AS drawn
) AS complaints
"""
ALLEGATIONS_SQL = """
INSERT INTO intake_allegation (complaint_id, kind)
SELECT id, (%(kinds)s::text[])[1 + id %% 16] FROM intake_complaint
UNION ALL
SELECT id, (%(kinds)s::text[])[1 + (id / 16 + 5) %% 16] FROM intake_complaint WHERE id %% 3 <> 0
ON CONFLICT DO NOTHING
"""


def seed(args, size: int, prepared: dict) -> float:
    began = time.monotonic()
    connection = psycopg2.connect(f"{args.postgres}/{args.database}")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            SEED_SQL,
            {"size": size, "offices": prepared["offices"], "assignees": prepared["assignees"],
             "narrative": prepared["narrative"]},
        )  # fmt: skip
        cursor.execute(ALLEGATIONS_SQL, {"kinds": ALLEGATIONS})
        cursor.execute("VACUUM ANALYZE intake_complaint")
        cursor.execute("VACUUM ANALYZE intake_allegation")
        cursor.execute("SELECT status, count(*) FROM intake_complaint GROUP BY status ORDER BY status")
        prepared["statuses"] = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM intake_complaint WHERE acknowledged_at IS NULL AND ack_due_at < now()")
        prepared["overdue"] = cursor.fetchone()[0]
    connection.close()
    return time.monotonic() - began


class QueueStack(Stack):
    """gunicorn alone: the queue needs no worker."""

    def __init__(self, args, workdir: Path) -> None:
        super().__init__(args, workdir)
        self.env["REDIS_URL"] = f"{args.redis}/{args.redis_db}"

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
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz within 60 s; see " + str(self.workdir / "gunicorn.log"))


def check_page(stack: QueueStack, path: str, cookie: str) -> None:
    """The page answers 200 with rows for the signed-in session, not a redirect to sign in."""
    request = urllib.request.Request(f"{stack.base}{path}", headers={"Cookie": cookie})  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(request, timeout=30) as response:
        body = response.read().decode()
    if response.status != 200 or "/en/staff/complaints/C-" not in body:
        raise SystemExit(f"{path} did not show the queue (HTTP {response.status})")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def measure(stack: QueueStack, args, path: str, cookie: str) -> dict:
    command = [PY, str(ROOT / "bench" / "load.py"), "--base", stack.base, "--scenario", "get", "--path", path]
    command += ["--cookie", cookie, "--duration", str(args.duration), "--warmup", str(args.warmup)]
    command += ["--concurrency", str(args.concurrency)]
    output = subprocess.run(command, capture_output=True, text=True, check=False, timeout=args.duration * 5 + 120)
    if output.returncode != 0:
        raise SystemExit(f"load generator failed for {path}:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def prepare_size(args, size: int, workdir: Path) -> dict:
    """A database of its own for this size, migrated and seeded, with its stack (not started)."""
    args.database = f"{args.database_name}_{size}"
    stack = QueueStack(args, workdir)
    print(f"{size:,} complaints: recreating {args.database}, migrating …", flush=True)
    recreate_database(args.postgres, args.database)
    stack.manage("migrate", "--noinput", "-v0")
    stack.manage("collectstatic", "--noinput", "-v0")
    prepared = json.loads(stack.manage("bench_queue", "prepare").strip().splitlines()[-1])
    seconds = seed(args, size, prepared)
    print(f"  seeded in {seconds:.1f} s: {prepared['statuses']}, {prepared['overdue']:,} overdue", flush=True)
    probe = json.loads(stack.manage("bench_queue", "probe").strip().splitlines()[-1])
    (workdir / f"queue-explain-{size}.txt").write_text(
        "\n\n".join(f"-- {name}\n{plan}" for name, plan in probe["plans"].items()) + "\n"
    )
    for name, plan in probe["plans"].items():
        match = re.search(r"Execution Time: ([\d.]+) ms", plan)
        print(f"  {name:<8} query {match.group(1) if match else '?'} ms (EXPLAIN ANALYZE)", flush=True)
    return {
        "size": size,
        "stack": stack,
        "seed_seconds": round(seconds, 1),
        "open": probe["open"],
        "overdue_count": prepared["overdue"],
        "plans": probe["plans"],
        "cookie": f"sessionid={prepared['session']}",
        "paths": {
            "first": "/en/staff/",
            "deep": "/en/staff/?" + urllib.parse.urlencode({"after": probe["deep_cursor"]}),
            "office": f"/en/staff/?field_office={prepared['office']}",
            "overdue": "/en/staff/?overdue=on",
        },
    }


def run(args, sizes: list[int], workdir: Path) -> list[dict]:
    """Every size is seeded first; then each view is measured at each size in turn, twice, and
    the two runs averaged: a shared machine's speed drifts, and the ratio must not catch it."""
    results = [prepare_size(args, size, workdir) for size in sizes]
    try:
        for result in results:
            result["stack"].start()
        for name, _label in VIEWS:
            for result in results:
                check_page(result["stack"], result["paths"][name], result["cookie"])
            for _round in range(2):
                for result in results:
                    figures = measure(result["stack"], args, result["paths"][name], result["cookie"])
                    result[name] = merge(result[name], figures) if name in result else figures
                    print(
                        f"  {result['size']:>9,} {name:<8} {figures['rps']:>6.0f} req/s  p50 {figures['p50_ms']:.1f} ms"
                        f"  p95 {figures['p95_ms']:.1f} ms  errors {figures['errors']} {figures['error_kinds']}",
                        flush=True,
                    )
            for result in results:
                match = re.search(r"Execution Time: ([\d.]+) ms", result["plans"][name])
                result[name]["query_ms"] = float(match.group(1)) if match else None
    finally:
        for result in results:
            result["stack"].stop()
    return results


def section(results: list[dict], args) -> str:
    small, large = results[0], results[-1]
    lines = [
        f"{SECTION} (`bench/staff_queue.py`: GET /en/staff/ at {small['size']:,} and {large['size']:,} complaints)",
        "",
        f"Made by `python bench/staff_queue.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit"
        f" `{commit()}`, {os.cpu_count()} cores, {memory_gib()} GiB. Complaints seeded straight into PostgreSQL"
        " (one INSERT … SELECT generate_series): three years, 5 % urgent, recent ones mostly open and older ones"
        " mostly closed, 25 field offices, 8 languages, 6 channels, 1–2 allegations, most worked ones assigned;"
        " every row carries an encrypted narrative that the queue never loads. A supervisor's session with its"
        f" second factor verified; gunicorn {args.workers} sync workers, DEBUG off; {args.concurrency} client"
        f" threads in a second process; each view {args.warmup:g} s warm-up then {args.duration:g} s measured,"
        " at each size in turn, twice, averaged."
        " *Query* is the page query's execution time under EXPLAIN ANALYZE (plans in"
        " `bench/var/queue-explain-<size>.txt`).",
        "",
        f"- {small['size']:,} complaints: {small['open']:,} open, {small['overdue_count']:,} overdue, seeded in"
        f" {small['seed_seconds']:g} s",
        f"- {large['size']:,} complaints: {large['open']:,} open, {large['overdue_count']:,} overdue, seeded in"
        f" {large['seed_seconds']:g} s",
        "",
        f"| view | what | {small['size']:,}: req/s | p50 ms | p95 ms | query ms | {large['size']:,}: req/s | p50 ms"
        " | p95 ms | query ms | errors | p95 ratio | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, label in VIEWS:
        a, b = small[name], large[name]
        ratio = b["p95_ms"] / a["p95_ms"] if a["p95_ms"] else float("inf")
        errors = a["errors"] + b["errors"]
        met = "yes" if ratio <= TARGET_RATIO and errors == 0 else "**no**"
        lines.append(
            f"| {name} | {label} | {a['rps']:.0f} | {a['p50_ms']:.1f} | {a['p95_ms']:.1f} | {a['query_ms']} "
            f"| {b['rps']:.0f} | {b['p50_ms']:.1f} | {b['p95_ms']:.1f} | {b['query_ms']} | {errors} "
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
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--workers", type=int, default=max(1, 2 * (os.cpu_count() or 1) - 1))
    parser.add_argument("--concurrency", type=int, default=0, help="client threads (default 2 × workers)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379"))
    parser.add_argument("--redis-db", type=int, default=12, help="the cache's Redis database number")
    parser.add_argument("--database", dest="database_name", default="voces_bench_queue", help="prefix: one per size")
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
    write_section(args.results, section(results, args))
    print(f"Written {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
