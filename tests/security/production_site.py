"""Run in a subprocess with DEBUG off (tests/security/test_headers.py): the production settings
answer a few requests of every kind over HTTPS through Django's test client, and the deploy
check runs; the headers, cookies and check output are printed as JSON for the test to judge.

The database is SQLite in memory with the models' tables made directly (no migrations: only the
session and user tables are used), and the static files are those collectstatic wrote to VAR_DIR.
"""

import io
import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

HOST = "voces.example.org"
PASSWORD = "correct horse battery staple"


def schema() -> None:
    with connection.schema_editor() as editor:
        for model in apps.get_models(include_auto_created=False):
            if model._meta.managed and not model._meta.proxy:
                editor.create_model(model)


def answer(response) -> dict:
    return {
        "status": response.status_code,
        "headers": dict(response.headers.items()),
        "cookies": {
            name: {key: morsel[key] for key in ("secure", "httponly", "samesite", "max-age", "path")}
            for name, morsel in response.cookies.items()
        },
    }


def main() -> None:
    setup_test_environment()  # responses keep their templates and cookies for the client
    schema()
    from accounts.services import user_create

    Group.objects.create(name="liaison")
    user_create(username="luis", email="luis@example.org", password=PASSWORD, role="liaison")

    client = Client(HTTP_HOST=HOST)
    result = {
        "public page": client.get("/es/", secure=True),
        "sign-in page": client.get("/en/staff/sign-in/", secure=True),
        "staff page": client.get("/en/staff/", secure=True),
        "api": client.get("/api/v1/me/", secure=True),
        "api 404": client.get("/api/v1/nothing/", secure=True),
        "404": client.get("/en/nothing-here/", secure=True),
        "static svg": client.get("/static/favicon.svg", secure=True),
        "static css": client.get("/static/css/voces.css", secure=True),
        "webhook": client.post("/twilio/sms/", {"MessageSid": "SM1"}, secure=True),
        "email webhook, unsigned": client.post("/anymail/postmark/inbound/", {}, secure=True),
        "email webhook, another provider": client.post("/anymail/mailgun/inbound/", {}, secure=True),
        "plain http": client.get("/en/", secure=False),
    }
    result["sign-in"] = client.post("/en/staff/sign-in/", {"username": "luis", "password": PASSWORD}, secure=True)
    output = {name: answer(response) for name, response in result.items()}
    report = io.StringIO()
    try:
        call_command("check", deploy=True, fail_level="WARNING", stdout=report, stderr=report)
        output["deploy check"] = {"ok": True, "output": report.getvalue()}
    except Exception as problem:  # noqa: BLE001 - the message is what the test shows
        output["deploy check"] = {"ok": False, "output": report.getvalue() + str(problem)}
    print(json.dumps(output))


if __name__ == "__main__":
    main()
