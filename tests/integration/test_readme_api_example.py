"""The README's example script, run as written (bash and curl) against a live server over the
tests' database (PostgreSQL in CI): an advocacy group registers its receiver, files a complaint on
behalf of a client, sends 100 paper survey responses in one batch, and gets a signed webhook when
staff change the complaint's status. A second run of the same script adds nothing."""

import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess

import pytest

from accounts import roles
from accounts.services import api_token_create
from intake.models import Complaint
from messaging.webhooks import webhook_signature_verify
from surveys.models import Response
from tests.api.conftest import with_second_factor
from tests.conftest import REPO
from tests.factories import OrganizationFactory, UserFactory
from tests.messaging.webhook_receiver import Receiver

pytestmark = [pytest.mark.django_db(transaction=True)]

BLOCK = re.compile(r"<!-- api-example -->\s*```sh\n(.*?)```", re.S)
SIGNATURE_CHECK = re.compile(r"```python\n(import hashlib, hmac, time\n.*?)```", re.S)


def readme_script() -> str:
    return BLOCK.search((REPO / "README.md").read_text()).group(1)


@pytest.fixture
def seeded(transactional_db):
    import importlib

    from django.apps import apps

    from intake.models import FieldOffice

    if not FieldOffice.objects.exists():
        importlib.import_module("intake.migrations.0002_load_field_offices").load(apps, None)
    importlib.import_module("accounts.migrations.0002_roles").create_roles(apps, None)


def run_script(live_server, token: str, hook_url: str, workdir) -> subprocess.CompletedProcess:
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the README's example (apt-get install curl)")
    env = {**os.environ, "VOCES": live_server.url, "TOKEN": token, "HOOK_URL": hook_url}
    return subprocess.run(  # noqa: S603
        ["bash", "-c", readme_script()],  # noqa: S607
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_readme_script_files_answers_and_is_told_of_a_status_change(
    postgres, seeded, body_cameras, live_server, settings, tmp_path
):
    settings.WEBHOOK_ALLOW_LOCAL = True  # the receiver is on 127.0.0.1, over http
    organization = OrganizationFactory(name="Gulf Coast Legal Aid", slug="gulf-coast")
    advocate = UserFactory(username="ana", role=roles.ADVOCATE, organization=organization)
    liaison = UserFactory(username="luis", role=roles.LIAISON)
    token = api_token_create(user=advocate, name="case system")[1]
    staff_token = api_token_create(user=with_second_factor(liaison), name="staff tool")[1]

    with Receiver() as receiver:
        first = run_script(live_server, token, receiver.url(), tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        filed = json.loads((tmp_path / "filed.json").read_text())
        assert re.fullmatch(r"C-\d{6}", filed["reference"]) and filed["receipt"]
        assert json.loads((tmp_path / "batch.json").read_text())["created"] == 100
        secret = json.loads((tmp_path / "webhook.json").read_text())["secret"]

        again = run_script(live_server, token, receiver.url(), tmp_path)
        assert again.returncode == 0, again.stdout + again.stderr
        assert Complaint.objects.filter(organization=organization, channel="api").count() == 1
        assert Response.objects.filter(organization=organization, channel="api").count() == 100
        assert organization.webhooks.count() == 1

        # Staff acknowledge the complaint through their own API.
        from rest_framework.test import APIClient

        staff = APIClient()
        staff.credentials(HTTP_AUTHORIZATION=f"Bearer {staff_token}")
        complaint = Complaint.objects.get(reference=filed["reference"])
        moved = staff.post(
            f"/api/v1/staff/complaints/{complaint.reference}/status/",
            {"status": "acknowledged", "version": complaint.version},
            format="json",
        )
        assert moved.status_code == 200, moved.json()

        (request,) = receiver.wait_for(1)
    body, headers = request["body"], request["headers"]
    event = json.loads(body)
    assert event["type"] == "complaint.status_changed" == headers["Voces-Event"]
    assert event["data"]["reference"] == filed["reference"]
    assert (event["data"]["previous_status"], event["data"]["status"]) == ("received", "acknowledged")
    assert headers["Voces-Event-Id"] == event["id"]
    # The signature, checked as the README tells a receiver to check it, and by Voces's own function.
    namespace: dict = {}
    exec(SIGNATURE_CHECK.search((REPO / "README.md").read_text()).group(1), namespace)  # noqa: S102
    assert namespace["voces_signature_ok"](secret, headers["Voces-Signature"], body)
    assert webhook_signature_verify(secret, headers["Voces-Signature"], body)
    timestamp, signature = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["Voces-Signature"]).groups()
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert not namespace["voces_signature_ok"](secret, headers["Voces-Signature"], body.replace(b"ack", b"xck"))
