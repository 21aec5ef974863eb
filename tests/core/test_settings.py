import os
import subprocess
import sys

from cryptography.fernet import Fernet

from tests.conftest import REPO

PRODUCTION_SECRETS = {
    "SECRET_KEY": "x9!kQv2#Lr7@pWm4$Zt8^Yc1&Hn6*Bd3(Fs5)Gj0-Ke9+Ua2=Io7_Xe4",
    "ALLOWED_HOSTS": "voces.example.org",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "BLIND_INDEX_KEY": "f3c1d9a87b6e5f4c3b2a1908f7e6d5c4b3a29180",
    "EMAIL_BACKEND": "anymail.backends.test.EmailBackend",
    "ALLOW_CONSOLE_TRANSPORTS": "1",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_SECRETS and k != "DEBUG"}
    base = {
        k: v
        for k, v in base.items()
        if not k.startswith("TWILIO_")
        and k not in {"ALLOWED_HOSTS", "SMS_TRANSPORT", "BEHIND_TLS_PROXY", "PUBLIC_BASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secrets_refuses_to_start_with_a_clear_message():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "refuses to start with DEBUG off" in result.stderr
    for name in ["SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"]:
        assert name in result.stderr


def test_production_refuses_the_development_keys():
    secrets = {**PRODUCTION_SECRETS, "FIELD_ENCRYPTION_KEYS": "TVUcWgDsGOCCaUHiiV6raxWvpzV9weCsu4X7uqrbzl4="}
    result = manage("check", DEBUG="0", **secrets)
    assert result.returncode != 0
    assert "development keys" in result.stderr


def test_production_with_its_secrets_passes_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0", **PRODUCTION_SECRETS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_secrets_can_be_read_from_files(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(PRODUCTION_SECRETS["SECRET_KEY"] + "\n")
    secrets = {k: v for k, v in PRODUCTION_SECRETS.items() if k != "SECRET_KEY"}
    result = manage("check", DEBUG="0", SECRET_KEY_FILE=str(key_file), **secrets)
    assert result.returncode == 0, result.stderr


def test_a_malformed_value_is_refused_loudly():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_database_connections_are_health_checked():
    from django.conf import settings

    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_production_refuses_transports_that_write_messages_to_the_log():
    secrets = {k: v for k, v in PRODUCTION_SECRETS.items() if k != "ALLOW_CONSOLE_TRANSPORTS"}
    result = manage("check", DEBUG="0", **secrets)
    assert result.returncode != 0
    assert "SMS_TRANSPORT and EMAIL_BACKEND" in result.stderr


def test_debug_is_refused_on_a_public_host_name():
    result = manage("check", ALLOWED_HOSTS="voces.example.org")
    assert result.returncode != 0
    assert "DEBUG is on" in result.stderr


def test_behind_a_proxy_the_client_address_header_must_be_named():
    result = manage("check", DEBUG="0", BEHIND_TLS_PROXY="1", **PRODUCTION_SECRETS)
    assert result.returncode != 0
    assert "CLIENT_ADDRESS_HEADER" in result.stderr


def test_production_twilio_needs_its_credentials_and_an_https_base_url():
    twilio = {**PRODUCTION_SECRETS, "SMS_TRANSPORT": "messaging.transports.TwilioTransport"}
    refused = manage("check", DEBUG="0", **twilio)
    assert refused.returncode != 0
    assert "TWILIO_ACCOUNT_SID" in refused.stderr
    accepted = manage(
        "check",
        DEBUG="0",
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_AUTH_TOKEN="secret",
        TWILIO_SMS_FROM="+15550009999",
        PUBLIC_BASE_URL="https://voces.example.org",
        **twilio,
    )
    assert accepted.returncode == 0, accepted.stderr


def test_an_email_provider_without_a_webhook_secret_is_refused():
    provider = {**PRODUCTION_SECRETS, "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend"}
    refused = manage("check", DEBUG="0", **provider)
    assert refused.returncode != 0 and "ANYMAIL_WEBHOOK_SECRET" in refused.stderr
    accepted = manage("check", DEBUG="0", ANYMAIL_WEBHOOK_SECRET="voces:s3cret", **provider)
    assert accepted.returncode == 0, accepted.stderr
