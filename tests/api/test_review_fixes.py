"""Bugs a review found in the API, each pinned by a test: a lone surrogate in a code field, a
boolean filter given "null", an Idempotency-Key reused later for another complaint, a webhook
page posted by a member of no active organisation, a host name in another script."""

import pytest

from intake.models import Complaint
from tests.api.test_complaints_org import payload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [b'{"language": "\\ud800"}', b'{"allegations": ["\\udfff"]}'])
def test_a_lone_surrogate_is_a_400_not_a_500(api_as, advocate, body):
    answer = api_as(advocate).post("/api/v1/complaints/", body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize("query", [{"overdue": ""}, {"overdue": "null"}, {"expedited": "NULL"}])
def test_a_footage_boolean_filter_must_be_true_or_false(api_as, liaison, query):
    assert api_as(liaison).get("/api/v1/staff/footage-requests/", query).status_code == 400


def test_a_key_reused_for_another_complaint_files_it_too(api_as, advocate):
    from accounts.models import IdempotencyRecord

    client, body = api_as(advocate), payload()
    first = client.post("/api/v1/complaints/", body, format="json", headers={"Idempotency-Key": "case-1"})
    assert first.status_code == 201
    IdempotencyRecord.objects.all().delete()  # a day later, the record is gone
    same = client.post("/api/v1/complaints/", body, format="json", headers={"Idempotency-Key": "case-1"})
    assert same.json()["reference"] == first.json()["reference"]
    IdempotencyRecord.objects.all().delete()
    other = client.post(
        "/api/v1/complaints/", {**body, "city": "Dallas"}, format="json", headers={"Idempotency-Key": "case-1"}
    )
    assert other.status_code == 201 and other.json()["reference"] != first.json()["reference"]
    assert Complaint.objects.count() == 2


def test_the_status_lookups_limit_says_when_to_come_back(api, settings):
    settings.STATUS_LOOKUP_RATE_PER_CLIENT = "1/h"
    api.post("/api/v1/status/", {"receipt": "5550 1234 5678 9012"}, format="json")
    answer = api.post("/api/v1/status/", {"receipt": "5550 1234 5678 9013"}, format="json")
    assert answer.status_code == 429 and answer["Retry-After"] == "3600"


def test_every_api_answer_is_no_store(api_as, advocate):
    assert api_as(advocate).get("/api/v1/me/")["Cache-Control"] == "no-store, private"


def test_a_member_of_no_active_organization_cannot_post_a_webhook_form(client, advocate, organization):
    organization.is_active = False
    organization.save(update_fields=["is_active"])
    client.force_login(advocate)
    answer = client.post("/en/work/webhooks/", {"url": "https://example.org/hook"})
    assert answer.status_code in (403, 404)


def test_a_host_name_in_another_script_is_refused(settings):
    from messaging.webhooks import WebhookUrlError, webhook_url_check

    with pytest.raises(WebhookUrlError):
        webhook_url_check("https://bücher.example/hook", allow_local=True)
