"""Schemathesis against the live schema: a server on 127.0.0.1 over the tests' database
(PostgreSQL in CI), generated requests for every operation as an organisation member, each staff
role and an anonymous client. No answer may be a 500 and every answer must match the schema.

Checks left out, and why:
- positive_data_acceptance: a request can match the schema and still be refused on purpose (a
  consent date in the future, an unknown survey or reference, an answer the survey's own rules
  refuse), and the refusal is a documented 4xx.
- use_after_free / ensure_resource_availability: deleting a webhook endpoint turns it off and
  keeps its delivery log readable, by design.
"""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.services import api_token_create

pytestmark = [pytest.mark.django_db(transaction=True)]

EXCLUDED_CHECKS = "positive_data_acceptance,use_after_free,ensure_resource_availability"
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15")


def _people(settings) -> dict[str, str]:
    """The demo's people and casework (complaints filed for an organisation, incidents, footage
    requests in every state, audit events), so that generated requests meet real rows; a token
    for each role."""
    settings.DEBUG = True  # the demo loaders refuse to run otherwise
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo_cases", complaints=40, stdout=StringIO())
    settings.DEBUG = False
    users = {user.username: user for user in User.objects.filter(username__startswith="demo-")}
    return {
        role: api_token_create(user=users[f"demo-{role}"], name="schemathesis")[1]
        for role in ("advocate", "liaison", "auditor", "supervisor")
    }


def _start(base_url: str, token: str | None, workdir: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/schema/?format=json",
        "--url",
        base_url,
        "--checks",
        "all",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--max-examples",
        MAX_EXAMPLES,
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--seed",
        "20261128",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-junit-path",
        str(workdir / "junit.xml"),
        "-H",
        "Accept-Language: es",
    ]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    workdir.mkdir()
    output = (workdir / "output.txt").open("w")
    return subprocess.Popen(command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT, text=True)  # noqa: S603


@pytest.fixture
def seeded(transactional_db):
    """What the data migrations seeded, again: a transactional test before this one flushed it."""
    import importlib

    from django.apps import apps

    from intake.models import FieldOffice

    if not FieldOffice.objects.exists():
        importlib.import_module("intake.migrations.0002_load_field_offices").load(apps, None)
    importlib.import_module("accounts.migrations.0002_roles").create_roles(apps, None)
    importlib.import_module("accounts.migrations.0003_admin_role").create_admin_role(apps, None)


@pytest.fixture
def quiet_limits(settings):
    settings.RATELIMIT_ENABLE = False  # generated traffic would otherwise meet the throttle
    settings.WEBHOOK_ALLOW_LOCAL = False


ROLES = ("advocate", "liaison", "auditor", "anonymous")


def test_every_generated_request_gets_a_schema_conformant_answer_and_no_500(
    postgres, seeded, live_server, quiet_limits, body_cameras, settings, tmp_path
):
    """One run per caller (an organisation member, two staff roles, no token), side by side
    against the same server."""
    tokens = _people(settings)
    runs = {who: _start(live_server.url, tokens.get(who), tmp_path / who) for who in ROLES}
    failed = {}
    for who, run in runs.items():
        try:
            run.wait(timeout=900)
        finally:
            run.kill()
        output = (tmp_path / who / "output.txt").read_text()
        if run.returncode != 0:
            failed[who] = output[-12000:]
    assert not failed, "\n\n".join(f"=== as {who}\n{output}" for who, output in failed.items())
