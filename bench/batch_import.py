"""Paper batch import benchmark: a CSV of N rows of paper answers to the seeded survey, checked and
imported through the services (surveys.services.batch_upload, batch_check, batch_import) on
PostgreSQL, as the worker does. Reports rows per second for the check and for the import, and
memory at two sizes, to show that it does not grow with the number of rows.

    python bench/batch_import.py                       # 10,000 and 100,000 rows, own database
    python bench/batch_import.py --sizes 2000 --smoke  # seconds
    python bench/batch_import.py --tracemalloc         # memory measured again under tracemalloc

Each size runs in a fresh child process. Memory is the resident set's high-water mark (Linux's
VmHWM, reset at the start of each step and again once the stored file is decrypted), reported two
ways: the whole peak of the check and of the import over the process's size before it, which
includes decrypting the stored file (Fernet decrypts a file whole: a few times its size, bounded
by SURVEY_BATCH_MAX_MB), and the peak while the rows are read, checked and written, above the
memory held once the file is decrypted: the part that would grow if rows were kept in memory.
With --tracemalloc each size runs again in a second process, measured the same two ways by
tracemalloc (Python's own allocations only; slower). bench/run.py runs this after the load
scenarios (`make bench`, `--in-place` on its database).
"""

import argparse
import csv
import io
import json
import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

TEXTS = [
    "Que no lo vea la policía, ni inmigración.",
    "Nothing would help. They never listen.",
    'Si alguien de confianza me explica "cómo pedir el video", lo pediría.',
    "Mwen pa konnen kiyès ki ka wè videyo a.",
    "Câmeras sempre ligadas, e que a gente possa pedir as imagens sem medo.",
    "An independent group that checks the videos,\nnot the agency itself.",
    "Que se borren los videos de mis hijos.",
    "I would need it in Spanish and by phone.",
]
PLACES = ["home", "work", "street", "court", "check_in", "detention", "other"]
PLACE_WORDS = {"home": "En casa", "work": "En el trabajo"}  # some forms are typed with the words
WORRIES = ["who_sees", "children", "home", "used_against", "kept_long"]
HELPS = ["anonymous", "language", "phone", "group", "result", "independent"]
OFFICES = ["HOU", "SNA", "DAL", "HLG", "LOS", "NYC", "CHI", "MIA", ""]
LANGUAGES = ["es", "es", "es", "en", "ht", "pt", "", ""]
HEADER = [
    "contact",
    "contact_place",
    "camera_seen",
    "camera_on",
    "safe_reporting",
    "reported_before",
    "footage_worries",
    "would_request",
    "request_barrier",
    "trust_helps",
    "trust_more",
    "age",
    "language",
    "field_office",
    "form_id",
]


def generate(rows: int, seed: int = 2026) -> bytes:
    """Realistic paper answers: the survey's show-if rules followed, yes/no and places written as
    people write them, a third of the rows with a free-text answer, some with the form's own
    number, and now and then two identical forms."""
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    previous: list[str] | None = None
    for number in range(rows):
        if previous is not None and not previous[-1] and rng.random() < 0.02:
            writer.writerow(previous)  # two identical paper forms (with no number of their own): both kept
            continue
        contact = rng.random() < 0.6
        row = {
            "contact": rng.choice(["yes", "sí", "Si"]) if contact else rng.choice(["no", "No"]),
            "safe_reporting": str(rng.randint(1, 5)),
            "reported_before": rng.choice(["yes", "no", ""]),
            "footage_worries": " ".join(rng.sample(WORRIES, rng.randint(0, 3))),
            "would_request": rng.choice(["yes", "no", "unsure", ""]),
            "trust_helps": ", ".join(rng.sample(HELPS, rng.randint(0, 2))),
            "trust_more": rng.choice(TEXTS) if rng.random() < 0.33 else "",
            "age": str(rng.randint(16, 85)) if rng.random() < 0.8 else "",
            "language": rng.choice(LANGUAGES),
            "field_office": rng.choice(OFFICES),
            "form_id": f"P-{number:06d}" if rng.random() < 0.3 else "",
        }
        if contact:
            place = rng.choice(PLACES)
            row["contact_place"] = PLACE_WORDS.get(place, place) if rng.random() < 0.3 else place
            row["camera_seen"] = rng.choice(["yes", "no", "unsure"])
            if row["camera_seen"] == "yes":
                row["camera_on"] = rng.choice(["yes", "no", "unsure"])
        if row["would_request"] == "no":
            row["request_barrier"] = rng.choice(["afraid", "how", "language", "no_use", "other"])
        previous = [row.get(name, "") for name in HEADER]
        writer.writerow(previous)
    return buffer.getvalue().encode("utf-8")


def memory_status() -> dict[str, float]:
    """This process's resident set now and its high-water mark, in MiB (Linux)."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line[:5]] = int(line.split()[1]) / 1024
    return found


def reset_high_water() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM starts again from VmRSS


class Meter:
    """Peak memory of one step, as a whole and from the moment the stored file is decrypted (the
    decrypted bytes stay held until the step ends): by the resident set's high-water mark, or by
    tracemalloc (slower, finer) when traced."""

    def __init__(self, traced: bool) -> None:
        self.traced = traced
        if traced:
            import tracemalloc

            self.tracemalloc = tracemalloc
            tracemalloc.start()

    def _now(self) -> tuple[float, float]:
        if self.traced:
            current, peak = self.tracemalloc.get_traced_memory()
            return current / 2**20, peak / 2**20
        status = memory_status()
        return status["VmRSS"], status["VmHWM"]

    def _reset(self) -> None:
        if self.traced:
            self.tracemalloc.reset_peak()
        else:
            reset_high_water()

    def start(self) -> None:
        self._reset()
        self.base = self._now()[0]
        self.decrypted = None

    def file_decrypted(self) -> None:
        current, peak = self._now()
        self.decrypted = (current, peak)
        self._reset()

    def stop(self) -> tuple[float, float]:
        """(peak over the start, whole; peak while rows were read, above the memory then)."""
        current, peak = self._now()
        if self.decrypted is None:
            return round(peak - self.base, 1), round(peak - self.base, 1)
        held, before = self.decrypted
        return round(max(before, peak) - self.base, 1), round(peak - held, 1)


def child(rows: int, traced: bool) -> dict:
    """One size, in this process: upload, check and import through the services."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()

    from accounts import roles
    from accounts.services import organization_create, user_create
    from surveys import services
    from surveys.models import Batch, Response, Survey

    data = generate(rows)
    tag = secrets.token_hex(4)
    # A new organisation each run: the submission keys are its own, so every row is new.
    organization = organization_create(name=f"Bench group {tag}", slug=f"bench-{tag}", city="Houston", state="TX")
    user = user_create(username=f"bench-{tag}", email=f"bench-{tag}@example.org", password=None,
                       role=roles.ADVOCATE, organization=organization, preferred_language="es")  # fmt: skip
    survey = Survey.objects.get(slug="body-cameras")
    batch = services.batch_upload(survey=survey, organization=organization, uploaded_by=user,
                                  file_name="bench.csv", data=data, respondents_consented=True)  # fmt: skip
    figures: dict = {"rows": rows, "file_bytes": len(data)}
    del data
    meter = Meter(traced)
    reading = services.encrypted_file_read

    def read_then_mark(name: str) -> bytes:
        content = reading(name)
        meter.file_decrypted()
        return content

    services.encrypted_file_read = read_then_mark
    prefix = "traced_" if traced else ""
    for step, run in (
        ("check", lambda: services.batch_check(batch=batch)),
        ("import", lambda: services.batch_import(batch=Batch.objects.get(pk=batch.pk), only_valid=True)),
    ):
        meter.start()
        began = time.perf_counter()
        done = run()
        seconds = time.perf_counter() - began
        whole, reading_rows = meter.stop()
        if not traced:
            figures[f"{step}_seconds"] = round(seconds, 2)
            figures[f"{step}_rows_per_s"] = round(rows / seconds)
        figures[f"{prefix}{step}_peak_mib"] = whole
        figures[f"{prefix}{step}_rows_peak_mib"] = reading_rows
    figures["rows_valid"] = done.rows_valid
    figures["rows_imported"] = done.rows_imported
    figures["problems"] = len(done.problems)
    figures["responses"] = Response.objects.filter(batch=batch).count()
    return figures


def run_child(rows: int, traced: bool, env: dict) -> dict:
    command = [PY, str(Path(__file__).resolve()), "--child", str(rows)] + (["--traced"] if traced else [])
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"batch import benchmark ({rows} rows) failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(sizes: list[int], env: dict, *, traced: bool = False) -> list[dict]:
    """Each size in a fresh process (and, when traced, again in another under tracemalloc)."""
    env = {
        **env,
        # The check is run here, not by a worker: the upload's task goes to an in-memory broker.
        "CELERY_BROKER_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "SURVEY_BATCH_MAX_MB": "25",
        "SURVEY_BATCH_MAX_ROWS": str(max(sizes) + 1),
    }
    results = []
    for rows in sizes:
        figures = run_child(rows, False, env)
        if traced:
            figures.update({k: v for k, v in run_child(rows, True, env).items() if k.startswith("traced_")})
        line = (
            f"batch {rows:>7,} rows ({figures['file_bytes'] / 2**20:.1f} MiB): check {figures['check_rows_per_s']:,}"
            f" rows/s, import {figures['import_rows_per_s']:,} rows/s; RSS peak check {figures['check_peak_mib']} MiB"
            f" (reading rows {figures['check_rows_peak_mib']}), import {figures['import_peak_mib']} MiB"
            f" (reading rows {figures['import_rows_peak_mib']})"
        )
        if traced:
            line += (
                f"; tracemalloc check {figures['traced_check_peak_mib']} ({figures['traced_check_rows_peak_mib']}),"
                f" import {figures['traced_import_peak_mib']} ({figures['traced_import_rows_peak_mib']})"
            )
        print(line, flush=True)
        results.append(figures)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--smoke", action="store_true", help="small sizes")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="voces_bench_batches")
    parser.add_argument(
        "--in-place", action="store_true", help="use the environment's DATABASE_URL (migrated) and keys, as run.py does"
    )
    parser.add_argument("--tracemalloc", action="store_true", help="measure again under tracemalloc (slower)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.traced)))
        return 0
    sizes = [500, 2000] if args.smoke else [int(size) for size in args.sizes.split(",")]
    if args.in_place:
        print(json.dumps(measure(sizes, dict(os.environ), traced=args.tracemalloc)))
        return 0
    sys.path.insert(0, str(ROOT))
    from bench.run import recreate_database

    recreate_database(args.postgres, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_hex(32),
        "VAR_DIR": str(ROOT / "bench" / "var" / "batches"),
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOW_CONSOLE_TRANSPORTS": "1",
    }
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    print(json.dumps(measure(sizes, env, traced=args.tracemalloc)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
