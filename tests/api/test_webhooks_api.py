"""/api/v1/webhooks/: an organisation's members register, test, rotate and turn off their
webhooks and read the delivery log; another organisation's look like nothing at all."""

import ipaddress

import pytest
from django.utils import timezone

from accounts import roles
from accounts.models import Membership
from messaging import webhooks
from messaging.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from messaging.services import webhook_endpoint_create, webhook_endpoint_test
from privacy.models import AuditEvent
from tests.factories import OrganizationFactory, UserFactory
from tests.messaging.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

LIST = "/api/v1/webhooks/"
URL = "https://hooks.voces-test.invalid/voces"


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    answers = {"hooks.voces-test.invalid": ["93.184.215.14"], "internal.voces-test.invalid": ["10.1.2.3"]}

    def resolve(host, port):
        if host in answers:
            return answers[host]
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            raise webhooks.WebhookUrlError("dns") from None

    monkeypatch.setattr(webhooks, "resolve", resolve)


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Desert Rights Collective", slug="desert-rights")


@pytest.fixture
def ours(api_as, advocate):
    return api_as(advocate)


def theirs(other_organization):
    endpoint, _ = webhook_endpoint_create(organization=other_organization, url=URL, actor=None)
    return endpoint, webhook_endpoint_test(endpoint=endpoint, actor=None)


def test_a_member_registers_a_webhook_and_sees_the_secret_once(ours, advocate, organization):
    response = ours.post(LIST, {"url": URL, "description": "our CRM"}, format="json")
    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body == {
        "id": endpoint.pk,
        "organization": organization.slug,
        "url": URL,
        "description": "our CRM",
        "is_active": True,
        "created_at": body["created_at"],
        "secret": endpoint.secret,
    }
    assert body["secret"].startswith("whsec_")
    listed = ours.get(LIST).json()
    assert [item["id"] for item in listed["results"]] == [endpoint.pk]
    assert "secret" not in listed["results"][0]
    assert "secret" not in ours.get(f"{LIST}{endpoint.pk}/").json()
    assert AuditEvent.objects.filter(action="webhook.created", actor=advocate).count() == 1


def test_a_repeated_create_with_the_same_idempotency_key_makes_one_webhook(ours):
    first = ours.post(LIST, {"url": URL}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = ours.post(LIST, {"url": URL}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.voces-test.invalid/voces", "url_not_allowed"),
        ("https://internal.voces-test.invalid/voces", "url_not_allowed"),
        ("https://10.0.0.8/voces", "url_not_allowed"),
        ("https://127.0.0.1/voces", "url_not_allowed"),
        ("https://169.254.169.254/latest", "url_not_allowed"),
        ("https://[::1]/voces", "url_not_allowed"),
        ("https://unknown.voces-test.invalid/", "url_not_allowed"),
        ("not a url", "invalid"),
        ("https://" + "a" * 600 + ".org/", "invalid"),
        (12, "invalid"),
        (None, "invalid"),
    ],
)
def test_an_address_that_is_not_public_https_is_refused(ours, url, code):
    response = ours.post(LIST, {"url": url}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and "url" in error["fields"] and error["message"]
    assert not WebhookEndpoint.objects.exists()


def test_refusals_are_in_the_language_of_the_request(ours):
    response = ours.post(LIST, {"url": "https://10.0.0.8/x"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == (
        "This address leads to a private or local network. Use a public address."
    )


def test_bad_bodies_are_400_not_500(ours):
    assert ours.post(LIST, "{not json", content_type="application/json").status_code == 400
    assert ours.post(LIST, [1, 2], format="json").status_code == 400
    response = ours.post(LIST, {"url": URL, "description": "x" * 201}, format="json")
    assert response.status_code == 400 and "description" in response.json()["error"]["fields"]
    response = ours.post(LIST, {"url": URL, "organization": ["x"]}, format="json")
    assert response.status_code == 400


def test_delete_turns_the_webhook_off_and_it_stays_listed(ours, advocate):
    endpoint_id = ours.post(LIST, {"url": URL}, format="json").json()["id"]
    assert ours.delete(f"{LIST}{endpoint_id}/").status_code == 204
    assert ours.delete(f"{LIST}{endpoint_id}/").status_code == 204  # twice is once
    assert ours.get(f"{LIST}{endpoint_id}/").json()["is_active"] is False
    assert AuditEvent.objects.filter(action="webhook.deactivated").count() == 1
    refused = ours.post(f"{LIST}{endpoint_id}/test/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "inactive"
    assert ours.post(f"{LIST}{endpoint_id}/rotate-secret/").status_code == 409


def test_rotate_secret_shows_a_new_secret_once(ours):
    created = ours.post(LIST, {"url": URL}, format="json").json()
    response = ours.post(f"{LIST}{created['id']}/rotate-secret/")
    assert response.status_code == 200
    secret = response.json()["secret"]
    assert secret != created["secret"] and WebhookEndpoint.objects.get().secret == secret
    assert AuditEvent.objects.filter(action="webhook.secret_rotated").count() == 1


def test_a_test_event_is_delivered_and_shows_in_the_log_with_its_tries(
    ours, settings, organization, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_LOCAL = True
    with Receiver([500]) as receiver:
        endpoint_id = ours.post(LIST, {"url": receiver.url()}, format="json").json()["id"]
        with django_capture_on_commit_callbacks(execute=True):
            response = ours.post(f"{LIST}{endpoint_id}/test/")
    assert response.status_code == 202
    assert response.json()["event"] == "webhook.test" and response.json()["status"] == "pending"
    assert len(receiver.requests) == 1
    log = ours.get(f"{LIST}{endpoint_id}/deliveries/").json()
    [delivery] = log["results"]
    assert delivery["status"] == "pending" and delivery["attempts"] == 1 and delivery["last_status_code"] == 500
    assert delivery["next_attempt_at"] is not None and delivery["payload"]["type"] == "webhook.test"
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500]
    assert set(delivery["attempt_log"][0]) == {"started_at", "status_code", "error", "duration_ms"}


def test_replay_makes_a_new_delivery_of_the_same_event(ours, advocate):
    endpoint_id = ours.post(LIST, {"url": URL}, format="json").json()["id"]
    original = ours.post(f"{LIST}{endpoint_id}/test/").json()
    response = ours.post(f"{LIST}deliveries/{original['id']}/replay/")
    assert response.status_code == 202
    replay = response.json()
    assert replay["id"] != original["id"] and replay["replay_of"] == original["id"]
    assert replay["event_id"] == original["event_id"] and replay["payload"] == original["payload"]
    assert AuditEvent.objects.filter(action="webhook.replayed", actor=advocate).count() == 1


def test_the_delivery_log_costs_the_same_queries_for_3_or_30(ours, organization, django_assert_max_num_queries):
    endpoint, _ = webhook_endpoint_create(organization=organization, url=URL, actor=None)
    ours.get(LIST)  # the token's first use is recorded once
    counts = []
    for total in (3, 30):
        while WebhookDelivery.objects.count() < total:
            delivery = webhook_endpoint_test(endpoint=endpoint, actor=None)
            WebhookAttempt.objects.create(delivery=delivery, started_at=timezone.now(), status_code=502)
        with django_assert_max_num_queries(30) as captured:
            response = ours.get(f"{LIST}{endpoint.pk}/deliveries/?page_size=50")
        assert response.status_code == 200 and len(response.json()["results"]) == total
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_delivery_log_pages_with_a_cursor(ours, organization):
    endpoint, _ = webhook_endpoint_create(organization=organization, url=URL, actor=None)
    made = [webhook_endpoint_test(endpoint=endpoint, actor=None).pk for _ in range(5)]
    first = ours.get(f"{LIST}{endpoint.pk}/deliveries/?page_size=3").json()
    second = ours.get(first["next"]).json()
    assert [d["id"] for d in first["results"] + second["results"]] == made[::-1]
    assert ours.get(f"{LIST}{endpoint.pk}/deliveries/?cursor=garbage").status_code == 404
    for size in ("-4", "abc", "9" * 40):
        assert ours.get(f"{LIST}{endpoint.pk}/deliveries/?page_size={size}").status_code < 500


def test_another_organizations_webhooks_answer_404_like_missing_ones(ours, other_organization):
    endpoint, delivery = theirs(other_organization)
    assert ours.get(LIST).json()["results"] == []
    for missing in (endpoint.pk, 987654, 2**63, 10**30):
        base = f"{LIST}{missing}/"
        answers = [
            ours.get(base),
            ours.delete(base),
            ours.post(f"{base}rotate-secret/"),
            ours.post(f"{base}test/"),
            ours.get(f"{base}deliveries/"),
        ]
        assert [a.status_code for a in answers] == [404] * 5
        assert {a.json()["error"]["code"] for a in answers} == {"not_found"}
    for missing in (delivery.pk, 987654, 10**30):
        assert ours.post(f"{LIST}deliveries/{missing}/replay/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.is_active and WebhookDelivery.objects.count() == 1


def test_only_organization_members_may_use_it(api, api_as, liaison):
    assert api.get(LIST).status_code == 401
    assert api.post(LIST, {"url": URL}, format="json").status_code == 401
    staff = api_as(liaison)
    assert staff.get(LIST).status_code == 403
    assert staff.post(LIST, {"url": URL}, format="json").status_code == 403


def test_a_member_of_several_organizations_says_which(api_as, organization, other_organization):
    member = UserFactory(username="bea", role=roles.ADVOCATE, organization=organization)
    Membership.objects.create(user=member, organization=other_organization)
    client = api_as(member)
    response = client.post(LIST, {"url": URL}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "organization"
    stranger = OrganizationFactory(slug="elsewhere")
    assert client.post(LIST, {"url": URL, "organization": stranger.slug}, format="json").status_code == 400
    response = client.post(LIST, {"url": URL, "organization": other_organization.slug}, format="json")
    assert response.status_code == 201 and response.json()["organization"] == other_organization.slug
    assert len(client.get(LIST).json()["results"]) == 1


def test_an_advocate_of_no_organization_cannot_register_one(api_as):
    loner = UserFactory(username="lone", role=roles.ADVOCATE)
    response = api_as(loner).post(LIST, {"url": URL}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "no_organization"
