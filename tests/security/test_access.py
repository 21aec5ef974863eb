"""Access control from the outside: every URL of config.urls is in the role × URL matrix
(tests/cases/test_role_matrix.py) or listed here with who may use it and why, and each listed
URL answers an anonymous visitor as its class says; a form posted without its CSRF token is
refused everywhere and changes nothing; the CSRF-exempt URLs are exactly those that check a
signature or a token, and refuse an unsigned post; guessing receipts and staff passwords is
stopped; staff and filer sessions end."""

import hashlib
import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone, translation
from twilio.request_validator import RequestValidator

from accounts.middleware import LAST_SEEN_KEY
from accounts.models import ApiToken, User
from accounts.services import api_token_create
from cases.models import CaseNote
from intake.models import Complaint, Draft, VoiceCall
from messaging.models import InboundMessage
from privacy.models import AuditEvent
from tests.cases.test_role_matrix import OPEN, PHONE, URLS
from tests.cases.test_role_matrix import media as media  # noqa: F401 - fixtures used below
from tests.cases.test_role_matrix import objects as objects  # noqa: F401
from tests.conftest import staff_login
from tests.factories import OrganizationFactory, UserFactory
from tests.intake.helpers import submit, walk

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # anyone; what a page shows is decided by what the visitor brings (a receipt, a token)
MEMBER = "member"  # an organisation's member signed in (organisation portal, surveys, tokens, webhooks)
TWILIO = "twilio webhook"  # Twilio's X-Twilio-Signature, no session
EMAIL = "email webhook"  # django-anymail's basic-auth secret, no session
API_TOKEN = "api, signed in"  # a token (or a session with its CSRF token): 401 without
API_OPEN = "api, open"  # anyone, rate-limited per client
ADMIN = "admin"  # Django's admin: the admin role, after the staff sign-in and second factor

LISTED = {
    "healthz": (PUBLIC, "load balancers: the state of database, cache and broker, nothing else"),
    "core:home": (PUBLIC, "the public site"),
    "core:privacy": (PUBLIC, "the public site"),
    "intake:start": (PUBLIC, "anyone may file; starting is rate-limited per client"),
    "intake:step": (PUBLIC, "a draft is reached only by the secret token in its URL"),
    "intake:review": (PUBLIC, "a draft is reached only by the secret token in its URL"),
    "intake:receipt": (PUBLIC, "a draft is reached only by the secret token in its URL"),
    "intake:status": (PUBLIC, "a filer's receipt is the key; lookups are rate-limited"),
    "intake:status_add": (PUBLIC, "a filer's receipt is the key; lookups are rate-limited"),
    "intake:status_withdraw": (PUBLIC, "a filer's receipt is the key; lookups are rate-limited"),
    "intake:work_complaints": (MEMBER, "an organisation's own filings"),
    "intake:work_complaint": (MEMBER, "an organisation's own filings"),
    "surveys:index": (PUBLIC, "open surveys"),
    "surveys:start": (PUBLIC, "open surveys"),
    "surveys:document": (PUBLIC, "a survey's printable questions"),
    "surveys:public_results": (PUBLIC, "closed surveys' results, small counts hidden"),
    "surveys:invitation": (PUBLIC, "an invitation's code is the key"),
    "surveys:invitation_document": (PUBLIC, "an invitation's code is the key"),
    "surveys:section": (PUBLIC, "a response is reached only by the secret token in its URL"),
    "surveys:done": (PUBLIC, "a response is reached only by the secret token in its URL"),
    "surveys:work": (MEMBER, "surveys an organisation runs"),
    "surveys:batch_detail": (MEMBER, "an organisation's paper batches"),
    "surveys:interview": (MEMBER, "surveys an organisation runs"),
    "surveys:invitations": (MEMBER, "surveys an organisation runs"),
    "surveys:batches": (MEMBER, "surveys an organisation runs"),
    "surveys:batch_template": (MEMBER, "surveys an organisation runs"),
    "surveys:results": (MEMBER, "results with free text: runners and staff"),
    "surveys:results_export": (MEMBER, "results with free text: runners and staff"),
    "surveys:xlsform_export": (MEMBER, "surveys an organisation runs"),
    "accounts:sign_in": (PUBLIC, "how members get in; rate-limited per client"),
    "accounts:sign_out": (PUBLIC, "a POST that ends one's own session"),
    "accounts:tokens": (MEMBER, "one's own API tokens"),
    "accounts:token_revoke": (MEMBER, "one's own API tokens"),
    "webhooks:list": (MEMBER, "an organisation's webhook receivers"),
    "webhooks:detail": (MEMBER, "an organisation's webhook receivers"),
    "webhooks:test": (MEMBER, "an organisation's webhook receivers"),
    "webhooks:rotate": (MEMBER, "an organisation's webhook receivers"),
    "webhooks:deactivate": (MEMBER, "an organisation's webhook receivers"),
    "webhooks:replay": (MEMBER, "an organisation's webhook receivers"),
    "transparency:index": (PUBLIC, "public statistics, suppressed"),
    "transparency:methodology": (PUBLIC, "public statistics, suppressed"),
    "transparency:data": (PUBLIC, "open data, suppressed"),
    "transparency:dictionary": (PUBLIC, "open data, suppressed"),
    "transparency:download": (PUBLIC, "open data, suppressed"),
    "voice:start": (TWILIO, "Twilio's voice webhook"),
    "voice:status": (TWILIO, "Twilio's call status callback"),
    "voice:recording": (TWILIO, "Twilio's recording callback"),
    "voice:step": (TWILIO, "Twilio's voice webhook"),
    "voice:prompt": (PUBLIC, "staff's recorded prompts for Twilio's <Play>: the same words for every caller"),
    "messaging:twilio_sms": (TWILIO, "Twilio's SMS and WhatsApp webhook"),
    "messaging:twilio_status": (TWILIO, "Twilio's delivery callback"),
    "api:me": (API_TOKEN, "the caller's own account"),
    "api:complaint_list": (API_TOKEN, "an organisation's own filings"),
    "api:complaint_detail": (API_TOKEN, "an organisation's own filings"),
    "api:status_lookup": (API_OPEN, "a filer's receipt is the key; rate-limited like the web page"),
    "api:survey_list": (API_OPEN, "open surveys"),
    "api:survey_detail": (API_OPEN, "open surveys"),
    "api:survey_response_create": (API_TOKEN, "answers entered by an organisation"),
    "api:survey_response_batch": (API_TOKEN, "answers entered by an organisation"),
    "api:survey_results": (API_OPEN, "closed surveys' results, small counts hidden"),
    "api:staff_complaint_list": (API_TOKEN, "staff, by role"),
    "api:staff_complaint_detail": (API_TOKEN, "staff, by role"),
    "api:staff_complaint_reveal": (API_TOKEN, "staff, by role, audited"),
    "api:staff_complaint_status": (API_TOKEN, "staff, by role"),
    "api:staff_complaint_assign": (API_TOKEN, "staff, by role"),
    "api:staff_incident_list": (API_TOKEN, "staff, by role"),
    "api:staff_incident_detail": (API_TOKEN, "staff, by role"),
    "api:staff_footage_request_list": (API_TOKEN, "staff, by role"),
    "api:staff_footage_request_detail": (API_TOKEN, "staff, by role"),
    "api:staff_footage_request_reveal": (API_TOKEN, "staff, by role, audited"),
    "api:staff_audit_event_list": (API_TOKEN, "auditors, supervisors, admin"),
    "api:webhook_list": (API_TOKEN, "an organisation's webhook receivers"),
    "api:webhook_detail": (API_TOKEN, "an organisation's webhook receivers"),
    "api:webhook_rotate_secret": (API_TOKEN, "an organisation's webhook receivers"),
    "api:webhook_test": (API_TOKEN, "an organisation's webhook receivers"),
    "api:webhook_deliveries": (API_TOKEN, "an organisation's webhook receivers"),
    "api:webhook_delivery_replay": (API_TOKEN, "an organisation's webhook receivers"),
    "api:stats_overview": (API_OPEN, "public statistics, suppressed"),
    "api:stats_complaints": (API_OPEN, "public statistics, suppressed"),
    "api:stats_table": (API_OPEN, "public statistics, suppressed"),
    "api_schema": (API_OPEN, "the OpenAPI schema: no data"),
    "api_docs": (API_OPEN, "the schema's pages: no data"),
    "^api/": (API_OPEN, "any other path under /api/: a JSON 404"),
}


def family(key: str) -> tuple[str, str] | None:
    """The URLs that libraries generate, one class for the whole family."""
    if key.startswith(("admin:", "admin/")):
        return ADMIN, "Django's admin: the admin role, behind the staff sign-in and its second factor"
    if key.endswith("_webhook"):
        return EMAIL, "django-anymail's inbound and tracking webhooks, behind ANYMAIL_WEBHOOK_SECRET"
    return None


# Paths to request for the patterns written as regular expressions.
REGEX_SAMPLES = {
    "admin/^(?P<app_label>auth|otp_totp|otp_static|accounts|privacy|intake|surveys|cases)/$": "admin/accounts/",
    "admin/(?P<url>.*)$": "admin/no-such-page/",
    "anymail/^mailgun/inbound(_mime)?/$": "anymail/mailgun/inbound/",
    "^api/": "api/no-such-endpoint/",
}
SAMPLE_VALUES = {"int": "999999", "str": "X-999999", "slug": "no-such-thing", "path": "999999"}
CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the pattern itself when it has no name
    route: str
    path: str  # a path that reaches the view, with values that name nothing
    callback: object


def _sample(match: re.Match) -> str:
    kind = match.group(1) or "str"
    return str(uuid.UUID(int=1)) if kind == "uuid" else SAMPLE_VALUES[kind]


def routes() -> list[Route]:
    """Every URL pattern of config.urls, by walking its resolver (the language prefix is the
    active language's)."""
    found = []

    def walk(patterns, prefix: str, namespace: str, regex: bool) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            is_regex = regex or isinstance(pattern.pattern, RegexPattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
                walk(pattern.url_patterns, route, inner or namespace, is_regex)
                continue
            assert isinstance(pattern, URLPattern)
            key = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or route)
            if is_regex:
                path = REGEX_SAMPLES.get(route, "")
            else:
                path = CONVERTER.sub(_sample, route)
            found.append(Route(key, route, "/" + path if path else "", pattern.callback))

    walk(get_resolver().url_patterns, "", "", False)
    return found


STAFF_MATRIX = {name for name, *_rest in URLS} | OPEN


def class_of(key: str) -> str | None:
    if key in STAFF_MATRIX:
        return "staff"
    if key in LISTED:
        return LISTED[key][0]
    found = family(key)
    return found[0] if found else None


def test_every_url_is_in_the_role_matrix_or_listed_with_its_reason():
    everything = routes()
    assert len(everything) > 150  # the walk went into every include
    unlisted = [r.key for r in everything if class_of(r.key) is None]
    assert unlisted == [], f"add these to the role matrix or to LISTED, with who may use them and why: {unlisted}"
    no_sample = [r.route for r in everything if not r.path]
    assert no_sample == [], f"add a path for these patterns to REGEX_SAMPLES: {no_sample}"
    keys = {r.key for r in everything}
    assert set(LISTED) - keys == set(), "LISTED names URLs that are gone"
    assert all(reason for _cls, reason in LISTED.values())


def _signed_in_to(location: str, name: str) -> bool:
    return location.split("?")[0] == reverse(name)


@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailDeprecationWarning")
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_each_listed_url_answers_an_anonymous_visitor_as_its_class(settings):
    """Anonymous, with no CSRF check (a script): members' pages send to the sign-in, the API
    asks for credentials, webhooks refuse an unsigned post, the admin sends to the staff
    sign-in; public URLs are never refused for want of an account."""
    settings.ANYMAIL = {"WEBHOOK_SECRET": ["voces:s3cret"]}
    client = Client(raise_request_exception=False)
    wrong = []
    for route in routes():
        kind = class_of(route.key)
        if kind == "staff":
            continue  # tests/cases/test_role_matrix.py: every role, anonymous included
        if kind in (TWILIO, EMAIL):
            response = client.post(route.path, {"From": PHONE, "Body": "hola", "MessageSid": "SM" + "1" * 32})
        else:
            response = client.get(route.path)
            if response.status_code == 405:
                response = client.post(route.path, {})
        status, location = response.status_code, response.get("Location", "")
        if kind == PUBLIC or kind == API_OPEN:
            ok = status not in (401, 403) and "sign-in" not in location and status < 500
        elif kind == MEMBER:
            ok = status == 302 and _signed_in_to(location, "accounts:sign_in")
        elif kind == API_TOKEN:
            ok = status == 401 and response.json()["error"]["code"] == "not_authenticated"
        elif kind == TWILIO:
            ok = status == 403
        elif kind == EMAIL:
            # 400: the secret is missing. Only the configured provider's are mounted in production
            # (test_headers); in development all are, and one whose own settings are missing is a 500.
            ok = status in (400, 500)
        else:  # the admin
            target = location.split("?")[0]
            ok = (status == 302 and target in ("/admin/", "/admin/login/", reverse("staff:sign_in"))) or status == 404
        if not ok:
            wrong.append((route.key, kind, status, location))
    assert wrong == []
    assert not InboundMessage.objects.exists() and not VoiceCall.objects.exists()
    assert not Complaint.objects.exists()


def _filled(route: Route, values: dict) -> str:
    """The route's path with each parameter taken from `values` by its name, where it is there."""

    def value(match: re.Match) -> str:
        name = match.group(0).strip("<>").split(":")[-1]
        return str(values[name]) if name in values else _sample(match)

    return "/" + CONVERTER.sub(value, route.route)


def test_a_member_finds_nothing_of_another_organisation_on_any_page_or_endpoint(
    settings, organization, advocate, liaison, body_cameras
):
    """Organisation A's member, with a session and with a token, asks every page and endpoint
    open to members or the public, naming B's objects wherever a URL takes one (and B in the
    query): not one of B's complaints, footage requests, survey answers, invitations, webhooks,
    deliveries or tokens shows, while A's own do."""
    from datetime import date

    from cases.services import footage_request_create
    from messaging.services import webhook_endpoint_create, webhook_endpoint_test
    from surveys.services import invitation_create, response_submit
    from tests.api.conftest import token_for
    from tests.api.test_complaints_org import file_for

    settings.WEBHOOK_ALLOW_LOCAL = True
    settings.API_RATE_PER_TOKEN = "100000/h"
    other = OrganizationFactory(name="Valley Aid", slug="valley-aid")
    rival = UserFactory(username="vera", role="advocate", organization=other)
    mine, theirs = file_for(organization, advocate, 1), file_for(other, rival, 2)
    my_hook, _ = webhook_endpoint_create(organization=organization, url="http://127.0.0.1:9/gulf-hook", actor=advocate)
    their_hook, _ = webhook_endpoint_create(organization=other, url="http://127.0.0.1:9/valley-hook", actor=rival)
    their_delivery = webhook_endpoint_test(endpoint=their_hook, actor=rival)
    their_token = api_token_create(user=rival, name="valley-script", days=None)[0]
    their_invitation = invitation_create(survey=body_cameras, organization=other, created_by=rival)
    secret_answer = "Valley-secret-answer about the raid on Elm Street"
    response_submit(
        version=body_cameras.current_version,
        answers={"contact": "no", "safe_reporting": "3", "trust_more": secret_answer},
        channel="web",
        language="es",
        submission_key="valley-1",
        organization=other,
    )
    footage = footage_request_create(
        requester_type="family", received_on=date(2026, 11, 2), actor=liaison, complaint=theirs,
        requester_name="Valley Requester Oduya",
    )  # fmt: skip
    theirs_marks = [
        theirs.reference, footage.reference, "Valley Requester Oduya", "valley-hook", secret_answer,
        their_invitation.code, "valley-script", their_token.prefix,
    ]  # fmt: skip
    values = {
        "reference": theirs.reference, "endpoint_id": their_hook.pk, "delivery_id": their_delivery.pk,
        "token_id": their_token.pk, "code": their_invitation.code, "slug": body_cameras.slug,
        "fmt": "csv", "table": "totals", "section": 1,
    }  # fmt: skip
    web = Client()
    web.force_login(advocate)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(advocate)}")
    seen, asked = [], 0
    for route in routes():
        kind = class_of(route.key)
        if kind not in (MEMBER, PUBLIC, API_TOKEN, API_OPEN) or route.key.startswith(("voice:", "healthz")):
            continue
        client = api if kind in (API_TOKEN, API_OPEN) else web
        path = _filled(route, values)
        response = client.get(path, {"organization": other.pk, "page_size": 200})
        asked += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        # What the URL itself names may come back in its links (the language switcher); nothing else.
        seen += [(route.key, response.status_code, mark) for mark in theirs_marks if mark in text and mark not in path]
    assert asked > 60
    assert seen == []
    own = web.get(reverse("intake:work_complaints")).content.decode() + api.get("/api/v1/webhooks/").content.decode()
    assert mine.reference in own and "gulf-hook" in own  # the control: one's own is shown


# --- CSRF ---------------------------------------------------------------------------------------


def test_only_the_urls_that_check_a_signature_or_token_are_exempt_from_csrf():
    exempt_classes = {TWILIO, EMAIL, API_TOKEN, API_OPEN}
    wrong = [
        (r.key, class_of(r.key))
        for r in routes()
        if bool(getattr(r.callback, "csrf_exempt", False)) != (class_of(r.key) in exempt_classes)
    ]
    assert wrong == []


def _snapshot() -> dict[str, str]:
    """A digest of every row of every table but the sessions: any write shows."""
    digests = {}
    for model in apps.get_models():
        if model is Session or not model._meta.managed:
            continue
        rows = model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields])
        digests[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digests


def _csrf_client(user=None, *, staff=False) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None and staff:
        staff_login(client, user)
        page = reverse("staff:queue")
    elif user is not None:
        client.force_login(user)
        page = reverse("accounts:tokens")
    else:
        page = reverse("intake:status")
    assert b"csrfmiddlewaretoken" in client.get(page).content  # a page with a form sets the cookie
    assert client.cookies.get("csrftoken"), "the client holds a CSRF cookie, as a victim's browser would"
    return client


FORM = {"text": "Planted by another site", "reason": "x", "confirm": "1", "status": "closed", "name": "x"}


def test_a_post_without_its_csrf_token_is_refused_on_every_url_and_changes_nothing(
    objects, supervisor, advocate, admin_user, organization
):
    """Each browser URL, posted to by someone who may use it (a victim's browser brings their
    cookies, not the token another site cannot read): 403, and not one row changes. The same
    posts with the token do change things, so the bodies were able to."""
    clients = {
        "staff": _csrf_client(supervisor, staff=True),
        ADMIN: _csrf_client(admin_user, staff=True),
        MEMBER: _csrf_client(advocate),
        PUBLIC: _csrf_client(),
    }
    staff_paths = {name: reverse(name, args=[objects[a] for a in args]) for name, args, *_ in URLS}
    token = api_token_create(user=advocate, name="planted", days=None)[0]
    paths = {"accounts:token_revoke": reverse("accounts:token_revoke", args=[token.pk])}
    before = _snapshot()
    refused, posted = [], 0
    for route in routes():
        kind = class_of(route.key)
        if kind not in clients or route.key in ("staff:sign_in", "accounts:sign_in"):
            continue
        path = staff_paths.get(route.key) or paths.get(route.key) or route.path
        response = clients[kind].post(path, FORM)
        posted += 1
        if response.status_code != 403 or "403_csrf.html" not in [t.name for t in response.templates]:
            refused.append((route.key, response.status_code))
    assert posted > 150
    assert refused == [], "these accepted a post without the CSRF token"
    assert _snapshot() == before
    assert clients["staff"].session.get(SESSION_KEY) == str(supervisor.pk)  # the sign-out was refused too
    assert clients[MEMBER].session.get(SESSION_KEY) == str(advocate.pk)

    # Controls: the same posts, with the token, do what they say.
    def with_token(client, path, data):
        return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert with_token(clients["staff"], staff_paths["staff:complaint_note"], FORM).status_code == 302
    assert CaseNote.objects.filter(complaint__reference=objects["complaint"]).count() == 1
    assert with_token(clients[MEMBER], paths["accounts:token_revoke"], {}).status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert with_token(clients[PUBLIC], reverse("intake:start"), {}).status_code == 302
    assert Draft.objects.count() == 1
    assert with_token(clients["staff"], reverse("staff:sign_out"), {}).status_code == 302
    assert SESSION_KEY not in clients["staff"].session


def test_the_api_refuses_a_browsers_session_post_without_the_csrf_token(objects, supervisor, advocate):
    """The API is exempt from Django's check because a token is no cookie; a session is, and
    the API checks its CSRF token itself on every method that writes."""
    staff = _csrf_client(supervisor, staff=True)
    member = _csrf_client(advocate)
    before = _snapshot()
    writes = [
        (staff, f"/api/v1/staff/complaints/{objects['complaint']}/reveal/", {"reason": "curious"}),
        (staff, f"/api/v1/staff/complaints/{objects['complaint']}/status/", {"status": "closed"}),
        (staff, f"/api/v1/staff/footage-requests/{objects['footage']}/reveal/", {"reason": "curious"}),
        (member, "/api/v1/webhooks/", {"url": "https://hooks.example.org/x"}),
        (member, "/api/v1/complaints/", {"narrative": "planted"}),
    ]
    for client, path, body in writes:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 403, (path, response.status_code)
        assert "CSRF" in response.json()["error"]["message"]
    assert _snapshot() == before
    assert not AuditEvent.objects.filter(action="complaint.pii_revealed").exists()


def _twilio_signature(token: str, path: str, data: dict) -> str:
    return RequestValidator(token).compute_signature("https://voces.example.org" + path, data)


@pytest.mark.parametrize(
    "path",
    ["/twilio/sms/", "/twilio/status/", "/twilio/voice/", "/twilio/voice/status/", "/twilio/voice/recording/"]
    + ["/twilio/voice/menu/"],
)
def test_twilio_webhooks_refuse_a_post_unsigned_or_signed_with_another_key(client, settings, path):
    settings.TWILIO_AUTH_TOKEN = "the-real-token"
    settings.PUBLIC_BASE_URL = "https://voces.example.org"
    data = {"MessageSid": "SM" + "1" * 32, "CallSid": "CA" + "1" * 32, "From": PHONE, "Body": "hola", "To": "+1555"}
    unsigned = client.post(path, data)
    forged = client.post(path, data, HTTP_X_TWILIO_SIGNATURE=_twilio_signature("another-token", path, data))
    replayed_elsewhere = client.post(
        path, data, HTTP_X_TWILIO_SIGNATURE=_twilio_signature("the-real-token", "/twilio/other/", data)
    )
    assert unsigned.status_code == forged.status_code == replayed_elsewhere.status_code == 403
    assert not InboundMessage.objects.exists() and not VoiceCall.objects.exists()
    signed = client.post(path, data, HTTP_X_TWILIO_SIGNATURE=_twilio_signature("the-real-token", path, data))
    assert signed.status_code == 200  # the control: the same post, signed, is taken


def test_the_email_webhook_refuses_a_post_without_the_secret(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ["voces:s3cret"]}
    email = {
        "FromFull": {"Email": "ana@example.org", "Name": "Ana"},
        "ToFull": [{"Email": "quejas@voces.example.org"}],
        "Subject": "Queja",
        "TextBody": "Entraron a mi casa sin orden.",
        "MessageID": "0001",
        "Headers": [],
    }
    for auth in ({}, {"HTTP_AUTHORIZATION": "Basic " + "dm9jZXM6d3Jvbmc="}):  # none, then voces:wrong
        refused = client.post("/anymail/postmark/inbound/", email, content_type="application/json", **auth)
        assert refused.status_code == 400
    assert not Complaint.objects.exists() and not InboundMessage.objects.exists()
    accepted = client.post(
        "/anymail/postmark/inbound/",
        email,
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic dm9jZXM6czNjcmV0",
    )
    assert accepted.status_code == 200  # the control: with the secret it is taken


# --- brute force ---------------------------------------------------------------------------------

TOO_MANY_ES = "Demasiados intentos. Por favor, espere una hora y vuelva a intentarlo."


@pytest.fixture
def receipt(client):
    token = walk(client)
    number = submit(client, token)
    client.post(f"/es/complaint/{token}/receipt/", {"saved": "1"})
    return number


def _guess(n: int) -> str:
    return f"{4000_0000_0000_0000 + n * 7919:016d}"


def test_guessing_receipts_on_the_web_and_the_api_is_stopped_in_the_guessers_language(receipt, settings):
    """One client tries wrong receipts, as the configured limit allows, half on the status page
    and half through the API; then even the right number is refused to it, in Spanish, on the
    page, the API and the page's actions, which add nothing."""
    from rest_framework.test import APIClient

    limit = int(settings.STATUS_LOOKUP_RATE_PER_CLIENT.split("/")[0])
    web, api = Client(REMOTE_ADDR="203.0.113.9"), APIClient(REMOTE_ADDR="203.0.113.9")
    for n in range(limit):
        if n % 2:
            answer = web.post("/es/status/", {"receipt": _guess(n)})
            assert answer.status_code == 400
        else:
            answer = api.post("/api/v1/status/", {"receipt": _guess(n)}, format="json", HTTP_ACCEPT_LANGUAGE="es")
            assert answer.status_code == 404
    page = web.post("/es/status/", {"receipt": receipt})
    assert page.status_code == 429 and TOO_MANY_ES in page.content.decode()
    assert "Recibida" not in page.content.decode()  # no status shown
    by_api = api.post("/api/v1/status/", {"receipt": receipt}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert by_api.status_code == 429 and by_api.json()["error"]["message"] == TOO_MANY_ES
    assert by_api["Retry-After"]
    added = web.post("/es/status/add/", {"receipt": receipt, "text": "planted"})
    withdrawn = web.post("/es/status/withdraw/", {"receipt": receipt, "confirm": "1"})
    assert added.status_code == withdrawn.status_code == 429
    complaint = Complaint.objects.get()
    assert complaint.status == "received" and not complaint.events.exclude(status="received").exists()
    assert Client(REMOTE_ADDR="198.51.100.20").post("/es/status/", {"receipt": receipt}).status_code == 200


PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def test_wrong_passwords_from_many_addresses_still_lock_the_staff_account(liaison, settings):
    """The per-client limit is dodged by changing address each time; the account's own count
    is not. Once locked, the right password is refused too, in the page's language."""
    for n in range(settings.STAFF_LOCKOUT_FAILURES):
        attacker = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        refused = attacker.post("/es/staff/sign-in/", {"username": liaison.username, "password": f"guess-{n}"})
        assert refused.status_code in (400, 403)
    owner = Client(REMOTE_ADDR="198.51.100.7")
    locked = owner.post("/es/staff/sign-in/", {"username": liaison.username, "password": PASSWORD})
    assert locked.status_code == 403 and SESSION_KEY not in owner.session
    messages = {}
    for language in ("en", "es"):
        with translation.override(language):
            messages[language] = translation.ngettext(
                "This account is locked after too many failed attempts. Try again in %(minutes)d minute.",
                "This account is locked after too many failed attempts. Try again in %(minutes)d minutes.",
                settings.STAFF_LOCKOUT_MINUTES,
            ) % {"minutes": settings.STAFF_LOCKOUT_MINUTES}
    assert messages["es"] != messages["en"] and messages["es"] in locked.content.decode()
    assert User.objects.get(pk=liaison.pk).locked_until > timezone.now()


@pytest.mark.parametrize("path", ["/es/staff/sign-in/", "/es/account/sign-in/"])
def test_trying_many_accounts_from_one_client_is_stopped_at_the_per_client_rate(settings, path):
    """Password spraying: one guess for each of many accounts, so no account reaches its lock;
    the client is stopped after SIGN_IN_RATE_PER_CLIENT tries, the right password included."""
    limit = int(settings.SIGN_IN_RATE_PER_CLIENT.split("/")[0])
    staff = "/staff/" in path
    role = "liaison" if staff else "advocate"
    organization = None if staff else OrganizationFactory()
    users = [UserFactory(username=f"spray{n}", role=role, organization=organization) for n in range(limit + 1)]
    attacker = Client(REMOTE_ADDR="203.0.113.50")
    for user in users[:limit]:
        assert attacker.post(path, {"username": user.username, "password": "Summer2026!"}).status_code in (200, 400)
    stopped = attacker.post(path, {"username": users[-1].username, "password": PASSWORD})
    assert stopped.status_code == 429 and TOO_MANY_ES in stopped.content.decode()
    assert SESSION_KEY not in attacker.session
    assert not User.objects.filter(username__startswith="spray", locked_until__isnull=False).exists()


# --- sessions end ----------------------------------------------------------------------------------


def test_an_idle_staff_session_reveals_nothing_and_changes_nothing(objects, supervisor, settings):
    """A staff member left a shared computer signed in; after STAFF_IDLE_MINUTES the next person
    cannot use the session, on the web or the API."""
    client = staff_login(Client(), supervisor)
    assert client.get(reverse("staff:complaint", args=[objects["complaint"]])).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - (settings.STAFF_IDLE_MINUTES * 60 + 1)
    session.save()
    before = _snapshot()
    revealed = client.post(reverse("staff:complaint_reveal", args=[objects["complaint"]]), {"reason": "curious"})
    assert revealed.status_code == 302 and revealed["Location"].startswith(reverse("staff:sign_in"))
    assert PHONE not in client.get(revealed["Location"]).content.decode()
    by_api = client.post(f"/api/v1/staff/complaints/{objects['complaint']}/reveal/", {"reason": "curious"})
    assert by_api.status_code in (401, 403)
    assert SESSION_KEY not in client.session
    assert _snapshot() == before
    assert not AuditEvent.objects.filter(action="complaint.pii_revealed").exists()


def test_a_staff_session_just_under_the_idle_limit_still_works(objects, supervisor, settings):
    client = staff_login(Client(), supervisor)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - (settings.STAFF_IDLE_MINUTES * 60 - 30)
    session.save()
    assert client.get(reverse("staff:queue")).status_code == 200


def test_a_filers_draft_and_receipt_pages_end_with_their_time(client, settings):
    """The draft's token opens its pages for DRAFT_TTL_HOURS; once sent, the receipt page for
    RECEIPT_SHOWN_MINUTES; after that, nothing behind the token, and the purge removes the rest."""
    from intake.services import drafts_purge_expired

    token = walk(client)
    later = timezone.now() + timedelta(hours=settings.DRAFT_TTL_HOURS, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        for page in ["about", "story", "review"]:
            suffix = "review/" if page == "review" else f"{page}/"
            assert client.get(f"/es/complaint/{token}/{suffix}").status_code == 404
        assert client.post(f"/es/complaint/{token}/review/").status_code == 404
        assert drafts_purge_expired() == 1
    assert not Complaint.objects.exists() and not Draft.objects.exists()

    token = walk(client)
    number = submit(client, token)
    shown = client.get(f"/es/complaint/{token}/receipt/")
    assert shown.status_code == 200 and number[:4] in shown.content.decode()
    later = timezone.now() + timedelta(minutes=settings.RECEIPT_SHOWN_MINUTES, seconds=30)
    with mock.patch("django.utils.timezone.now", return_value=later):
        gone = client.get(f"/es/complaint/{token}/receipt/")
        assert gone.status_code == 404 and number[:4] not in gone.content.decode()
        drafts_purge_expired()
    assert not Draft.objects.exists()
    assert Complaint.objects.count() == 1  # the complaint itself stays
