"""Webhooks out: signing, events on a complaint's status changes, delivery with retries, the
address checks (at registration and at every try), replay, and the /work/webhooks/ pages."""

import hashlib
import hmac
import json
import time
from datetime import date, timedelta

import pytest
import requests
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts import roles
from core.errors import ApplicationError
from intake.services import ComplaintInput, ContactInput, complaint_change_status, complaint_submit
from messaging import webhooks
from messaging.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from messaging.services import (
    webhook_deliveries_due,
    webhook_delivery_replay,
    webhook_delivery_send,
    webhook_endpoint_create,
    webhook_endpoint_deactivate,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_test,
    webhook_retry_delay,
)
from messaging.tasks import webhook_delivery_send_task
from messaging.webhooks import webhook_signature, webhook_signature_verify
from privacy.models import AuditEvent
from tests.factories import OrganizationFactory, UserFactory
from tests.messaging.webhook_receiver import Receiver, self_signed_certificate

pytestmark = pytest.mark.django_db

NAME, PHONE, NARRATIVE = "Ysolde Brannavik", "+15550107733", "Plomvit tarred the gate twice."
PUBLIC = "93.184.215.14"
# What the tests' DNS answers; a name it does not know fails to resolve (.invalid never does).
FAKE_DNS = {
    "hooks.voces-test.invalid": [PUBLIC],
    "internal.voces-test.invalid": ["10.0.0.5"],
    "mixed.voces-test.invalid": [PUBLIC, "127.0.0.1"],
    "metadata.voces-test.invalid": ["169.254.169.254"],
    "six.voces-test.invalid": ["::1"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    """`fake_dns["host"] = [addresses]` changes the answer; literal addresses resolve as
    themselves."""
    answers = {host: list(addresses) for host, addresses in FAKE_DNS.items()}

    def resolve(host, port):
        if host in answers:
            return answers[host]
        try:
            import ipaddress

            return [str(ipaddress.ip_address(host))]
        except ValueError:
            raise webhooks.WebhookUrlError("dns") from None

    monkeypatch.setattr(webhooks, "resolve", resolve)
    return answers


@pytest.fixture
def local(settings):
    settings.WEBHOOK_ALLOW_LOCAL = True
    return settings


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Desert Rights Collective", slug="desert-rights")


def file_for(organization, n: int = 0):
    data = ComplaintInput(
        filer_role="advocate",
        language="es",
        on_behalf_consent=True,
        on_behalf_organization=organization.name if organization else "",
        allegations=["excessive_force"],
        incident_date=date(2026, 10, 3),
        city="Houston",
        state="TX",
        narrative=NARRATIVE,
        is_anonymous=False,
        contact=ContactInput(name=NAME, phone=PHONE, email="ysolde@example.org", safe_to_message=False),
        consent_contact=True,
    )
    result = complaint_submit(data=data, channel="api", submission_key=f"hook-{n}", organization=organization)
    return result.complaint, result.receipt


def endpoint_for(organization, url="https://hooks.voces-test.invalid/voces", actor=None):
    return webhook_endpoint_create(organization=organization, url=url, description="our CRM", actor=actor)


def hmac_hex(secret: str, timestamp: str, body: bytes) -> str:
    """The documented algorithm, written out again on its own."""
    return hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verified_independently(request: dict, secret: str) -> bool:
    parts = dict(part.split("=", 1) for part in request["headers"]["Voces-Signature"].split(","))
    fresh = abs(time.time() - int(parts["t"])) <= 300
    return fresh and hmac.compare_digest(parts["v1"], hmac_hex(secret, parts["t"], request["body"]))


def send_due(delivery) -> WebhookDelivery:
    """The next try of a waiting delivery, as if its time had come."""
    WebhookDelivery.objects.filter(pk=delivery.pk, status="pending").update(next_attempt_at=timezone.now())
    webhook_delivery_send_task(delivery.pk)
    delivery.refresh_from_db()
    return delivery


# --- signing ---


def test_it_signs_with_the_documented_algorithm():
    secret, body = "whsec_test-secret", b'{"id":"1","type":"webhook.test"}'
    header = webhook_signature(secret, body, timestamp=1_800_000_000)
    assert header == f"t=1800000000,v1={hmac_hex(secret, '1800000000', body)}"
    assert webhook_signature_verify(secret, header, body, now=1_800_000_100)


@pytest.mark.parametrize(
    "case",
    ["changed body", "old timestamp", "future timestamp", "wrong secret", "no v1", "no t", "garbage"],
)
def test_it_refuses_a_signature_that_does_not_match(case):
    secret, body, now = "whsec_test-secret", b'{"a":1}', 1_800_000_000
    header = webhook_signature(secret, body, timestamp=now)
    checks = {
        "changed body": (secret, header, b'{"a":2}'),
        "old timestamp": (secret, webhook_signature(secret, body, timestamp=now - 301), body),
        "future timestamp": (secret, webhook_signature(secret, body, timestamp=now + 301), body),
        "wrong secret": ("whsec_other", header, body),
        "no v1": (secret, f"t={now}", body),
        "no t": (secret, header.split(",", 1)[1], body),
        "garbage": (secret, "v1=,t=x,,==", body),
    }
    assert not webhook_signature_verify(*checks[case], now=now)


def test_a_secret_is_long_prefixed_and_stored_encrypted(organization):
    endpoint, secret = endpoint_for(organization)
    assert secret.startswith("whsec_") and len(secret) >= 6 + 43
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM messaging_webhookendpoint WHERE id = %s", [endpoint.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret


# --- events ---


def test_a_status_change_creates_one_delivery_per_active_endpoint(organization, other_organization):
    first, _ = endpoint_for(organization)
    second, _ = endpoint_for(organization, "https://hooks.voces-test.invalid/second")
    off, _ = endpoint_for(organization, "https://hooks.voces-test.invalid/off")
    webhook_endpoint_deactivate(endpoint=off, actor=None)
    endpoint_for(other_organization)
    complaint, _receipt = file_for(organization)
    assert not WebhookDelivery.objects.exists()  # filing is not a change of status

    complaint_change_status(complaint=complaint, status="acknowledged")

    deliveries = list(WebhookDelivery.objects.order_by("endpoint_id"))
    assert [d.endpoint_id for d in deliveries] == [first.pk, second.pk]
    assert len({d.event_id for d in deliveries}) == 1
    payload = deliveries[0].payload
    assert payload["id"] == str(deliveries[0].event_id) and payload["type"] == "complaint.status_changed"
    assert payload["data"] == {
        "reference": complaint.reference,
        "status": "acknowledged",
        "previous_status": "received",
        "outcome": None,
        "changed_at": payload["data"]["changed_at"],
    }
    assert payload["data"]["changed_at"].endswith("Z")


def test_a_complaint_of_no_organization_creates_no_delivery(organization):
    endpoint_for(organization)
    complaint, _ = file_for(None)
    complaint_change_status(complaint=complaint, status="acknowledged")
    assert not WebhookDelivery.objects.exists()


def test_the_payload_holds_references_codes_and_dates_only(organization):
    endpoint_for(organization)
    complaint, receipt = file_for(organization)
    complaint_change_status(complaint=complaint, status="in_review")
    complaint_change_status(complaint=complaint, status="closed", outcome="resolved")
    closed = WebhookDelivery.objects.order_by("-id").first()
    text = json.dumps([d.payload for d in WebhookDelivery.objects.all()])
    for secret in (NAME, "Ysolde", PHONE, "5550107733", "ysolde@example.org", NARRATIVE, "Plomvit", receipt):
        assert secret not in text
    assert "excessive_force" not in text and "Houston" not in text
    assert set(closed.payload) == {"id", "type", "created_at", "data"}
    assert closed.payload["data"]["outcome"] == "resolved" and closed.payload["data"]["status"] == "closed"


def test_a_withdrawal_and_a_merge_are_status_changes_too(organization, supervisor):
    from cases.services import complaint_merge
    from intake.services import complaint_withdraw

    endpoint_for(organization)
    withdrawn, _ = file_for(organization, 1)
    complaint_withdraw(complaint=withdrawn)
    merged, _ = file_for(organization, 2)
    kept, _ = file_for(organization, 3)
    complaint_merge(complaint=merged, into_reference=kept.reference, actor=supervisor, version=merged.version)
    outcomes = {d.payload["data"]["reference"]: d.payload["data"]["outcome"] for d in WebhookDelivery.objects.all()}
    assert outcomes == {withdrawn.reference: "withdrawn", merged.reference: "duplicate"}


def test_a_status_change_that_is_rolled_back_sends_nothing(organization, django_capture_on_commit_callbacks):
    endpoint_for(organization)
    complaint, _ = file_for(organization)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ApplicationError):
        complaint_change_status(complaint=complaint, status="closed")  # no outcome: refused
    assert not callbacks and not WebhookDelivery.objects.exists()


# --- delivery ---


def test_a_local_receiver_gets_the_post_with_a_valid_signature(
    local, organization, receiver, django_capture_on_commit_callbacks
):
    endpoint, secret = endpoint_for(organization, receiver.url())
    complaint, _ = file_for(organization)
    with django_capture_on_commit_callbacks(execute=True):
        complaint_change_status(complaint=complaint, status="acknowledged")

    [request] = receiver.requests
    delivery = WebhookDelivery.objects.get()
    headers = request["headers"]
    assert request["path"] == "/hooks/voces"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Voces-Webhooks/1"
    assert headers["Voces-Event"] == "complaint.status_changed"
    assert headers["Voces-Event-Id"] == str(delivery.event_id)
    assert webhook_signature_verify(secret, headers["Voces-Signature"], request["body"])
    assert verified_independently(request, secret)
    assert json.loads(request["body"]) == delivery.payload
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.delivered_at is not None
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.error == ""


def test_a_receiver_answering_500_then_200_gets_a_retry_and_the_log_shows_both(
    local, organization, django_capture_on_commit_callbacks
):
    with Receiver([500, 200]) as receiver:
        endpoint, secret = endpoint_for(organization, receiver.url())
        complaint, _ = file_for(organization)
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            complaint_change_status(complaint=complaint, status="acknowledged")
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code == 500
        assert before + timedelta(seconds=30) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=33)
        assert webhook_delivery_send(delivery_id=delivery.pk) is None  # not due yet: nothing sent
        assert len(receiver.requests) == 1

        delivery = send_due(delivery)

    assert delivery.status == "delivered" and delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    first, second = receiver.requests
    assert first["headers"]["Voces-Event-Id"] == second["headers"]["Voces-Event-Id"] == str(delivery.event_id)
    assert verified_independently(second, secret)


def test_it_gives_up_after_the_last_attempt(local, settings, organization):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with Receiver([500, 503, 502, 200]) as receiver:
        endpoint, _ = endpoint_for(organization, receiver.url())
        delivery = webhook_endpoint_test(endpoint=endpoint, actor=None)
        for _ in range(4):
            delivery = send_due(delivery)
    assert delivery.status == "failed" and delivery.attempts == 3 and delivery.next_attempt_at is None
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 502]
    assert len(receiver.requests) == 3


def test_a_redirect_is_not_followed(local, organization):
    with Receiver([302]) as receiver:
        endpoint, _ = endpoint_for(organization, receiver.url())
        delivery = send_due(webhook_endpoint_test(endpoint=endpoint, actor=None))
    assert [r["path"] for r in receiver.requests] == ["/hooks/voces"]
    assert delivery.status == "pending" and delivery.last_status_code == 302


def test_a_receiver_that_is_down_is_retried(local, organization):
    with Receiver() as receiver:
        url = receiver.url()
    endpoint, _ = endpoint_for(organization, url)  # nothing listens there any more
    delivery = send_due(webhook_endpoint_test(endpoint=endpoint, actor=None))
    assert delivery.status == "pending" and delivery.last_error == "connection"
    assert delivery.attempt_log.get().status_code is None


def test_retries_wait_longer_each_time_with_a_little_jitter(settings):
    settings.WEBHOOK_RETRY_SECONDS = [30, 120, 600]
    waits = [webhook_retry_delay(n).total_seconds() for n in (1, 2, 3, 9)]
    for wait, base in zip(waits, [30, 120, 600, 600], strict=True):
        assert base <= wait <= base * 1.1


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(local, organization, receiver):
    from messaging.services import _webhook_claim

    endpoint, _ = endpoint_for(organization, receiver.url())
    delivery = webhook_endpoint_test(endpoint=endpoint, actor=None)
    claimed, mine = _webhook_claim(delivery.pk, timezone.now())
    assert mine and claimed.attempts == 1
    assert webhook_delivery_send(delivery_id=delivery.pk) is None  # held by the first worker
    assert receiver.requests == []


def test_the_sweep_sends_again_what_is_overdue(local, organization, receiver):
    endpoint, _ = endpoint_for(organization, receiver.url())
    waiting = webhook_endpoint_test(endpoint=endpoint, actor=None)  # its task was "lost"
    fresh = webhook_endpoint_test(endpoint=endpoint, actor=None)
    WebhookDelivery.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=2))
    assert webhook_deliveries_due() == 1
    waiting.refresh_from_db()
    fresh.refresh_from_db()
    assert waiting.status == "delivered" and fresh.status == "pending"


def test_a_delivery_to_an_endpoint_turned_off_is_not_sent(local, organization, receiver):
    endpoint, _ = endpoint_for(organization, receiver.url())
    waiting = webhook_endpoint_test(endpoint=endpoint, actor=None)
    racing = webhook_endpoint_test(endpoint=endpoint, actor=None)
    webhook_endpoint_deactivate(endpoint=endpoint, actor=None)
    waiting.refresh_from_db()
    assert waiting.status == "failed" and waiting.last_error == "endpoint_off"
    # One turned off between the check and the claim (the race the claim guards):
    WebhookDelivery.objects.filter(pk=racing.pk).update(status="pending", last_error="")
    racing = send_due(racing)
    assert racing.status == "failed" and racing.last_error == "endpoint_off" and racing.attempts == 0
    assert receiver.requests == []
    with pytest.raises(ApplicationError):
        webhook_endpoint_test(endpoint=endpoint, actor=None)


# --- where a webhook may go ---


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.voces-test.invalid/x", "https://"),
        ("https://10.0.0.5/x", "private"),
        ("https://127.0.0.1:8443/x", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://[::1]/x", "private"),
        ("https://[::ffff:127.0.0.1]/x", "private"),
        ("https://0.0.0.0/x", "private"),
        ("https://224.0.0.1/x", "private"),
        ("https://internal.voces-test.invalid/x", "private"),
        ("https://mixed.voces-test.invalid/x", "private"),
        ("https://metadata.voces-test.invalid/x", "private"),
        ("https://six.voces-test.invalid/x", "private"),
        ("https://nowhere.voces-test.invalid/x", "could not find"),
        ("https://user:pw@hooks.voces-test.invalid/x", "password"),
    ],
)
def test_it_refuses_to_register_an_address_that_is_not_public_https(organization, url, reason):
    with pytest.raises(ApplicationError) as refused:
        endpoint_for(organization, url)
    assert refused.value.code == "url_not_allowed" and reason in refused.value.message
    assert refused.value.extra["fields"]["url"] == [refused.value.message]
    assert not WebhookEndpoint.objects.exists()


def test_local_addresses_are_allowed_only_with_the_setting(local, organization):
    endpoint, _ = endpoint_for(organization, "http://127.0.0.1:9/x")
    assert endpoint.url == "http://127.0.0.1:9/x"


def test_an_address_that_now_resolves_inside_is_refused_at_delivery(local, organization, fake_dns, receiver):
    local.WEBHOOK_ALLOW_LOCAL = False
    endpoint, _ = endpoint_for(organization, f"https://hooks.voces-test.invalid:{receiver.port}/x")
    fake_dns["hooks.voces-test.invalid"] = ["127.0.0.1"]  # DNS changed after registration
    delivery = send_due(webhook_endpoint_test(endpoint=endpoint, actor=None))
    assert delivery.status == "pending" and delivery.last_error == "url_address"
    assert receiver.requests == []


def test_a_local_address_registered_while_allowed_is_refused_once_it_is_not(local, organization, receiver):
    endpoint, _ = endpoint_for(organization, receiver.url())
    local.WEBHOOK_ALLOW_LOCAL = False
    delivery = send_due(webhook_endpoint_test(endpoint=endpoint, actor=None))
    assert delivery.last_error == "url_scheme" and receiver.requests == []


def test_it_connects_to_the_address_it_checked_not_a_second_lookup(local, organization, receiver, fake_dns):
    # The check's lookup says this machine, where the receiver listens. The real DNS cannot
    # resolve a .invalid name: had the connection looked the name up again, it would fail.
    fake_dns["hooks.voces-test.invalid"] = ["127.0.0.1"]
    endpoint, _ = endpoint_for(organization, receiver.url(host="hooks.voces-test.invalid"))
    delivery = send_due(webhook_endpoint_test(endpoint=endpoint, actor=None))
    assert delivery.status == "delivered"
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.voces-test.invalid:{receiver.port}"


def test_https_to_the_checked_address_still_verifies_the_certificate_of_the_name(tmp_path, fake_dns):
    host = "hooks.voces-test.invalid"
    fake_dns[host] = ["127.0.0.1"]
    context, ca = self_signed_certificate(tmp_path, host)
    with Receiver(tls=context) as receiver:
        code = webhooks.webhook_post(receiver.url(host=host), b"{}", {}, timeout=5, allow_local=True, verify=ca)
        assert code == 200 and receiver.requests[0]["headers"]["Host"] == f"{host}:{receiver.port}"
    (tmp_path / "other").mkdir()
    other, other_ca = self_signed_certificate(tmp_path / "other", "other.voces-test.invalid")
    with Receiver(tls=other) as impostor, pytest.raises(requests.exceptions.SSLError):
        webhooks.webhook_post(impostor.url(host=host), b"{}", {}, timeout=5, allow_local=True, verify=other_ca)
    assert impostor.requests == []


# --- test events, replay, secrets, audit ---


def test_replay_sends_the_same_event_again_newly_signed(local, organization, receiver):
    endpoint, secret = endpoint_for(organization, receiver.url())
    complaint, _ = file_for(organization)
    complaint_change_status(complaint=complaint, status="acknowledged")
    original = send_due(WebhookDelivery.objects.get())

    replay = send_due(webhook_delivery_replay(delivery=original, actor=None))

    assert replay.pk != original.pk and replay.replay_of == original
    assert replay.event_id == original.event_id and replay.payload == original.payload
    assert replay.status == "delivered"
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert second["headers"]["Voces-Event-Id"] == str(original.event_id)
    assert verified_independently(second, secret)


def test_a_test_event_goes_to_one_endpoint(local, organization, receiver):
    endpoint, secret = endpoint_for(organization, receiver.url())
    endpoint_for(organization, "https://hooks.voces-test.invalid/other")
    delivery = send_due(webhook_endpoint_test(endpoint=endpoint, actor=None))
    assert WebhookDelivery.objects.count() == 1 and delivery.status == "delivered"
    assert receiver.requests[0]["headers"]["Voces-Event"] == "webhook.test"
    assert json.loads(receiver.requests[0]["body"])["type"] == "webhook.test"


def test_a_new_secret_signs_from_then_on(local, organization, receiver):
    endpoint, old = endpoint_for(organization, receiver.url())
    endpoint, new = webhook_endpoint_rotate_secret(endpoint=endpoint, actor=None)
    assert new != old and new.startswith("whsec_")
    send_due(webhook_endpoint_test(endpoint=endpoint, actor=None))
    assert verified_independently(receiver.requests[0], new)
    assert not verified_independently(receiver.requests[0], old)


def test_changes_to_an_endpoint_are_audited(organization, advocate):
    endpoint, _ = endpoint_for(organization, actor=advocate)
    webhook_endpoint_rotate_secret(endpoint=endpoint, actor=advocate)
    webhook_delivery_replay(delivery=webhook_endpoint_test(endpoint=endpoint, actor=advocate), actor=advocate)
    webhook_endpoint_deactivate(endpoint=endpoint, actor=advocate)
    webhook_endpoint_deactivate(endpoint=endpoint, actor=advocate)  # twice is once
    actions = list(
        AuditEvent.objects.filter(action__startswith="webhook.").order_by("id").values_list("action", "actor")
    )
    assert actions == [
        ("webhook.created", advocate.pk),
        ("webhook.secret_rotated", advocate.pk),
        ("webhook.test_sent", advocate.pk),
        ("webhook.replayed", advocate.pk),
        ("webhook.deactivated", advocate.pk),
    ]
    assert all(endpoint.url not in json.dumps(e.data) for e in AuditEvent.objects.filter(action="webhook.created"))


# --- the pages under /work/webhooks/ ---

LIST = "/en/work/webhooks/"


def detail(endpoint) -> str:
    return f"/en/work/webhooks/{endpoint.pk}/"


def test_a_member_adds_a_webhook_and_sees_its_secret_once(client, advocate, organization):
    client.force_login(advocate)
    page = client.get(LIST)
    assert page.status_code == 200 and "Add a webhook" in page.content.decode()
    response = client.post(LIST, {"url": "https://hooks.voces-test.invalid/in", "description": "CRM"})
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(endpoint)
    first = client.get(detail(endpoint)).content.decode()
    assert endpoint.secret in first and "will not be shown again" in first
    again = client.get(detail(endpoint)).content.decode()
    assert endpoint.secret not in again
    assert endpoint.secret not in client.get(LIST).content.decode()
    assert endpoint.organization == organization and endpoint.created_by == advocate


def test_the_form_says_why_an_address_is_refused(client, advocate):
    client.force_login(advocate)
    response = client.post(LIST, {"url": "https://10.0.0.5/in"})
    assert response.status_code == 400
    assert "private or local network" in response.content.decode()
    response = client.post(LIST, {"url": "not a url"})
    assert response.status_code == 400 and not WebhookEndpoint.objects.exists()


def test_the_buttons_send_a_test_make_a_new_secret_and_turn_off(local, client, advocate, organization, receiver):
    endpoint, old = endpoint_for(organization, receiver.url())
    client.force_login(advocate)
    response = client.post(f"{detail(endpoint)}test/")
    assert response.status_code == 302 and response["Location"] == detail(endpoint)
    assert WebhookDelivery.objects.get().event == "webhook.test"
    assert "A test event is on its way" in client.get(detail(endpoint)).content.decode()

    response = client.post(f"{detail(endpoint)}new-secret/")
    endpoint.refresh_from_db()
    assert response.status_code == 302 and endpoint.secret != old
    assert endpoint.secret in client.get(detail(endpoint)).content.decode()

    delivery = WebhookDelivery.objects.get()
    response = client.post(f"/en/work/webhooks/deliveries/{delivery.pk}/send-again/")
    assert response.status_code == 302 and WebhookDelivery.objects.filter(replay_of=delivery).exists()

    response = client.post(f"{detail(endpoint)}off/")
    endpoint.refresh_from_db()
    assert response.status_code == 302 and not endpoint.is_active
    page = client.get(detail(endpoint)).content.decode()
    assert "Turn off" not in page and "Send again" not in page


def test_the_log_shows_each_try_with_its_answer_and_the_next_try(local, client, advocate, organization):
    with Receiver([500]) as receiver:
        endpoint, _ = endpoint_for(organization, receiver.url())
        send_due(webhook_endpoint_test(endpoint=endpoint, actor=None))
    client.force_login(advocate)
    page = client.get(detail(endpoint)).content.decode()
    assert "webhook.test" in page and "HTTP 500" in page and "Waiting" in page and "Send again" in page


def test_the_log_page_costs_the_same_queries_for_3_or_30_deliveries(
    client, advocate, organization, django_assert_max_num_queries
):
    endpoint, _ = endpoint_for(organization)
    client.force_login(advocate)
    counts = []
    for total in (3, 30):
        while WebhookDelivery.objects.count() < total:
            delivery = webhook_endpoint_test(endpoint=endpoint, actor=None)
            WebhookAttempt.objects.create(delivery=delivery, started_at=timezone.now(), status_code=500)
        with django_assert_max_num_queries(50) as captured:
            assert client.get(detail(endpoint)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_another_organizations_webhooks_look_like_none_at_all(client, advocate, other_organization):
    theirs, secret = endpoint_for(other_organization)
    delivery = webhook_endpoint_test(endpoint=theirs, actor=None)
    client.force_login(advocate)
    assert theirs.url not in client.get(LIST).content.decode()
    for path in (detail(theirs), "/en/work/webhooks/999999/", "/en/work/webhooks/99999999999999999999999/"):
        assert client.get(path).status_code == 404
    for action in ("test/", "new-secret/", "off/"):
        assert client.post(f"{detail(theirs)}{action}").status_code == 404
    assert client.post(f"/en/work/webhooks/deliveries/{delivery.pk}/send-again/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.secret == secret and WebhookDelivery.objects.count() == 1


def test_the_pages_are_for_organization_members_only(client, liaison, staff_client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/sign-in" in response["Location"]
    assert staff_client(liaison).get(LIST).status_code == 403


def test_the_buttons_need_the_csrf_token(advocate, organization):
    endpoint, _ = endpoint_for(organization)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(advocate)
    assert browser.post(f"{detail(endpoint)}off/").status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_a_member_of_several_organizations_chooses_one(client, organization, other_organization):
    from accounts.models import Membership

    member = UserFactory(username="bea", role=roles.ADVOCATE, organization=organization)
    Membership.objects.create(user=member, organization=other_organization)
    client.force_login(member)
    response = client.post(LIST, {"url": "https://hooks.voces-test.invalid/in"})
    assert response.status_code == 400
    client.post(LIST, {"url": "https://hooks.voces-test.invalid/in", "organization": other_organization.pk})
    assert WebhookEndpoint.objects.get().organization == other_organization
