"""The browser-facing headers on every kind of answer, and the production configuration: HSTS,
cookie flags and a clean `check --deploy`, from a subprocess started with DEBUG off."""

import json
import os
import subprocess
import sys

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import REPO, staff_login
from tests.core.test_settings import PRODUCTION_SECRETS, manage

pytestmark = pytest.mark.django_db

# Referrer-Policy is same-origin on purpose, not the no-referrer the issue named: with
# no-referrer Chromium sends "Origin: null" with a page's own form posts, and Django's CSRF check
# then refuses every form over HTTPS (config/settings.py, README "Decisions"). Both send nothing
# to another site, which is what protects a filer who leaves by the quick exit.
REFERRER_POLICY = "same-origin"
POWERFUL_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb"]


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


def header_problems(headers) -> list[str]:
    """What is missing or too loose in one answer's headers."""
    problems = []
    policy = directives(headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    if not scripts:
        problems.append("no script-src or default-src in the CSP")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts):
        problems.append(f"script-src too open: {scripts}")
    if policy.get("object-src") != ["'none'"]:
        problems.append(f"object-src: {policy.get('object-src')}")
    if policy.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors: {policy.get('frame-ancestors')}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if headers.get("Referrer-Policy") != REFERRER_POLICY:
        problems.append(f"Referrer-Policy: {headers.get('Referrer-Policy')}")
    permissions = headers.get("Permissions-Policy", "")
    for feature in POWERFUL_FEATURES:
        if f"{feature}=()" not in permissions:
            problems.append(f"Permissions-Policy allows {feature}")
    if headers.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options: {headers.get('X-Frame-Options')}")
    return problems


def test_header_problems_sees_a_loose_policy():
    assert header_problems({}) != []
    loose = {
        "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer-when-downgrade",
    }
    found = header_problems(loose)
    assert any("unsafe-inline" in problem for problem in found) and any("Referrer" in p for p in found)


def test_every_kind_of_answer_carries_the_security_headers(client, settings, liaison, organization, advocate):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.PUBLIC_BASE_URL = "https://voces.example.org"
    sms = {"MessageSid": "SM" + "1" * 32, "From": "+17135550101", "To": "+15550009999", "Body": "Hola"}
    signature = RequestValidator("test-auth-token").compute_signature("https://voces.example.org/twilio/sms/", sms)
    answers = {
        "public page": client.get("/es/"),
        "form page": client.get("/es/status/"),
        "public 404": client.get("/es/no-such-page/"),
        "open data": client.get("/es/stats/data/dictionary.csv"),
        "api open": client.get("/api/v1/surveys/"),
        "api refused": client.get("/api/v1/me/"),
        "api 404": client.get("/api/v1/no-such-endpoint/"),
        "api docs": client.get("/api/docs/"),
        "webhook unsigned": client.post("/twilio/sms/", sms),
        "webhook signed": client.post("/twilio/sms/", sms, HTTP_X_TWILIO_SIGNATURE=signature),
        "health": client.get("/healthz"),
    }
    client.force_login(advocate)
    answers["member page"] = client.get("/es/work/complaints/")
    staff_login(client, liaison)
    answers["staff page"] = client.get("/es/staff/")
    answers["staff redirect"] = client.post("/es/staff/assign/", {"next": "/es/staff/"})
    assert answers["webhook signed"].status_code == 200 and answers["staff page"].status_code == 200
    problems = {name: header_problems(response) for name, response in answers.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def production(tmp_path) -> dict:
    """The answers of the production settings (tests/security/production_site.py), with the
    site's own static files collected as a deployment does (the admin's and the API docs' are
    left out: none of the pages asked for uses them, and they take seconds to compress)."""
    env = {
        **PRODUCTION_SECRETS,
        "DEBUG": "0",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": "sqlite:///:memory:",
        "ANYMAIL_ESP": "postmark",
        "ANYMAIL_WEBHOOK_SECRET": "voces:s3cret",
    }
    libraries = ["admin", "drf_spectacular_sidecar", "rest_framework", "django_otp", "otp_totp"]
    ignored = [option for name in libraries for option in ("-i", name)]
    collected = manage("collectstatic", "--noinput", "-v0", *ignored, **env)
    assert collected.returncode == 0, collected.stderr
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION_SECRETS
        and not key.startswith(("TWILIO_", "CELERY_", "REDIS_", "DJANGO_"))
        and key not in {"DEBUG", "ALLOWED_HOSTS", "SMS_TRANSPORT", "BEHIND_TLS_PROXY", "PUBLIC_BASE_URL"}
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.security.production_site"],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    return production(tmp_path_factory.mktemp("production"))


def test_production_answers_carry_hsts_and_the_security_headers(live):
    answers = {name: answer for name, answer in live.items() if name not in ("plain http", "deploy check")}
    assert answers["static svg"]["status"] == answers["static css"]["status"] == 200
    assert answers["sign-in"]["status"] == 302 and answers["public page"]["status"] == 200
    problems = {}
    for name, answer in answers.items():
        headers = answer["headers"]
        found = header_problems(headers)
        if headers.get("Strict-Transport-Security") != "max-age=31536000; includeSubDomains; preload":
            found.append(f"HSTS: {headers.get('Strict-Transport-Security')}")
        if found:
            problems[name] = found
    assert problems == {}


def test_production_sends_plain_http_to_https(live):
    answer = live["plain http"]
    assert answer["status"] == 301 and answer["headers"]["Location"] == "https://voces.example.org/en/"
    assert answer["cookies"] == {}  # nothing set over plain http


def test_production_cookies_are_secure_http_only_and_same_site(live):
    cookies = {}
    for answer in live.values():
        cookies.update(answer.get("cookies", {}))
    assert {"sessionid", "csrftoken", "lang"} <= set(cookies), cookies
    for name, flags in cookies.items():
        assert flags["secure"] is True and flags["httponly"] is True, name
        assert flags["samesite"] in ("Lax", "Strict"), name
    assert cookies["lang"]["max-age"] == ""  # gone when the browser closes: a phone may be inspected


def test_production_mounts_only_the_configured_email_webhook_and_it_wants_its_secret(live):
    assert live["email webhook, unsigned"]["status"] == 400
    assert live["email webhook, another provider"]["status"] == 404


def test_production_passes_the_deploy_check_with_no_warning(live):
    assert live["deploy check"]["ok"], live["deploy check"]["output"]
    assert "System check identified no issues" in live["deploy check"]["output"]
    assert "WARNING" not in live["deploy check"]["output"]
