"""While the database cannot be reached, every request gets "try again in a moment" (503 with
Retry-After) instead of a 500: a page in the visitor's language, the API's error shape, an empty
answer to a provider's webhook. The fault is a query that fails as it does when PostgreSQL goes
away (OperationalError from the connection), injected where the test says; nothing the request
was writing is left behind. The same outage on a real restarted PostgreSQL under gunicorn is
tests/integration/test_database_restart.py."""

import base64
import json
import re
from contextlib import contextmanager

import pytest
from django.db import OperationalError, ProgrammingError, connection, transaction
from django.test import Client
from django.utils.translation import gettext, override
from twilio.request_validator import RequestValidator

from accounts.models import IdempotencyRecord
from intake.models import Complaint, ComplaintContact, Draft
from messaging.models import InboundMessage, OutboundMessage
from tests.api.conftest import token_for
from tests.api.test_complaints_org import payload
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

TRY_AGAIN = "We could not do this just now. Please try again in a moment."
NOT_SAVED = "What you sent was not saved yet. Please go back and send it again."
TWILIO_TOKEN = "test-auth-token"
BASE = "https://voces.example.org"
ANYMAIL_SECRET = "voces:s3cret"


@contextmanager
def database_down(table: str | None = None, error=OperationalError):
    """Every query (or, with `table`, the first INSERT into it and every one after) fails as it
    does when the server has gone. Rolling back still works, as it does here on the tests' own
    transaction: what a request wrote before the cut is seen undone, or left. Yields the
    statements that were tried."""
    tried: list[str] = []
    failing = [table is None]

    def fail(execute, sql, params, many, context):
        tried.append(sql)
        failing[0] = failing[0] or f'INSERT INTO "{table}"' in sql
        if failing[0] and not sql.startswith(("SAVEPOINT", "ROLLBACK", "RELEASE")):
            raise error("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield tried


def in_language(language: str, text: str) -> str:
    with override(language):
        translated = gettext(text)
    assert language == "en" or translated != text, f"translate {text!r} in locale/{language}"
    return translated


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_page_in(response, language: str) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    assert in_language(language, TRY_AGAIN) in visible_text(html).replace("&#x27;", "'")
    return html


@pytest.mark.parametrize("language", ["es", "ar"])
def test_a_page_read_during_an_outage_is_a_503_in_the_visitors_language_drawn_without_the_database(client, language):
    with database_down() as tried:
        response = client.get(f"/{language}/surveys/")
    html = assert_page_in(response, language)
    assert in_language(language, NOT_SAVED) not in html  # nothing was being sent
    assert len(tried) == 1  # the view's first query; the page itself asked the database nothing
    assert f'href="/{language}/"' in html  # the site's header and links, in the same language


@pytest.mark.parametrize("language", ["es", "ar"])
def test_a_form_sent_during_an_outage_says_it_was_not_saved_and_nothing_is(client, language):
    # In a block of its own, as a request's statement is in production: the failed INSERT marks
    # the tests' transaction for rollback otherwise.
    with database_down(), transaction.atomic():
        response = client.post(f"/{language}/complaint/")
    html = assert_page_in(response, language)
    assert in_language(language, NOT_SAVED) in visible_text(html).replace("&#x27;", "'")
    assert not Draft.objects.exists()


@pytest.mark.parametrize("language", ["es", "fr"])
def test_an_api_post_cut_mid_write_answers_unavailable_and_leaves_nothing_half_written(advocate, language):
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(advocate)}", HTTP_ACCEPT_LANGUAGE=language)
    body = json.dumps(payload())

    def post():
        return api.post("/api/v1/complaints/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="case-17")

    # The complaint's row is written, then the connection goes before its allegations are.
    with database_down(table="intake_allegation") as tried:
        response = post()
    assert any('INSERT INTO "intake_complaint"' in sql for sql in tried)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "error": {"code": "unavailable", "message": in_language(language, TRY_AGAIN), "fields": {}}
    }
    assert not Complaint.objects.exists()
    assert not ComplaintContact.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert not IdempotencyRecord.objects.exists()  # so the same key, sent again, files it

    again = post()
    assert again.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.reference == again.json()["reference"]
    assert sorted(complaint.allegations.values_list("kind", flat=True)) == ["excessive_force", "unlawful_entry"]
    assert ComplaintContact.objects.filter(complaint=complaint).count() == 1


def test_a_twilio_message_during_an_outage_gets_an_empty_503_and_is_stored_when_sent_again(client, settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.PUBLIC_BASE_URL = BASE
    data = {"MessageSid": "SMoutage1", "From": "+17135550101", "To": "+15550009999", "Body": "Necesito ayuda"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{BASE}/twilio/sms/", data)

    with database_down():
        response = client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 503
    assert response.content == b""  # Twilio retries, then its fallback URL; nothing for anyone to read
    assert response["Retry-After"] == "5"
    assert not InboundMessage.objects.exists()

    assert client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    assert InboundMessage.objects.get().provider_id == "SMoutage1"


def test_an_email_cut_mid_store_gets_an_empty_503_and_leaves_no_file_behind(client, settings, tmp_path):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": [ANYMAIL_SECRET]}
    settings.MEDIA_ROOT = tmp_path / "media"
    email = {
        "FromFull": {"Email": "maria@example.org", "Name": ""}, "To": "quejas@voces.example.org",
        "ToFull": [{"Email": "quejas@voces.example.org", "Name": ""}], "Subject": "Ayuda",
        "TextBody": "Hola. Ayer entraron a mi casa sin permiso.",
        "Headers": [{"Name": "Message-ID", "Value": "<outage-1@example.org>"}],
        "Attachments": [{"Name": "foto.jpg", "Content": base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 64).decode(),
                         "ContentType": "image/jpeg"}],
    }  # fmt: skip
    auth = "Basic " + base64.b64encode(ANYMAIL_SECRET.encode()).decode()

    # The attachment is stored (encrypted), then the database goes before the message's row is.
    with database_down(table="messaging_inboundmessage"):
        response = client.post(
            "/anymail/postmark/inbound/", json.dumps(email), content_type="application/json", HTTP_AUTHORIZATION=auth
        )
    assert response.status_code == 503
    assert response.content == b""
    assert not InboundMessage.objects.exists()
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []  # no file without its row


def test_an_outage_met_first_by_the_session_and_user_middleware_is_the_same_503(client, liaison):
    staff_login(client, liaison)
    client.raise_request_exception = False  # a middleware's exception is answered by handler500
    with database_down() as tried:
        response = client.get("/es/staff/")
    assert any("django_session" in sql for sql in tried)  # raised before any view ran
    assert_page_in(response, "es")


def test_other_database_errors_are_still_a_500(client):
    client.raise_request_exception = False
    with database_down(error=ProgrammingError):
        response = client.get("/es/surveys/")
    assert response.status_code == 500
    assert "Retry-After" not in response
