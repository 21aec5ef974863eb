"""Object-level isolation, table-driven over every endpoint an organisation member can call: a
member of organisation A can neither read, list, change nor learn the existence of organisation
B's submissions and webhooks. B's objects answer exactly as objects that do not exist."""

import pytest

from accounts import roles
from intake.models import Complaint
from messaging.models import WebhookDelivery, WebhookEndpoint
from messaging.services import webhook_endpoint_create, webhook_endpoint_test
from surveys.models import Response
from tests.api.test_complaints_org import file_for, payload
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

MISSING_REFERENCE = "C-999999"
MISSING_ID = 999999


@pytest.fixture
def world(settings, organization, advocate, body_cameras):
    """Organisation A (the caller's) and B, each with a complaint, a webhook and a delivery."""
    settings.WEBHOOK_ALLOW_LOCAL = True
    other = OrganizationFactory(name="Valley Aid", slug="valley-aid")
    rival = UserFactory(username="vera", role=roles.ADVOCATE, organization=other)
    mine = file_for(organization, advocate, 1)
    theirs = file_for(other, rival, 2)
    my_hook, _secret = webhook_endpoint_create(organization=organization, url="http://127.0.0.1:9/a", actor=advocate)
    their_hook, their_secret = webhook_endpoint_create(organization=other, url="http://127.0.0.1:9/b", actor=rival)
    their_delivery = webhook_endpoint_test(endpoint=their_hook, actor=rival)
    return {
        "mine": mine,
        "theirs": theirs,
        "my_hook": my_hook,
        "their_hook": their_hook,
        "their_secret": their_secret,
        "their_delivery": their_delivery,
        "other": other,
    }


def _snapshot(world) -> tuple:
    hook = WebhookEndpoint.objects.get(pk=world["their_hook"].pk)
    complaint = Complaint.objects.get(pk=world["theirs"].pk)
    return (
        hook.is_active,
        hook.secret,
        hook.url,
        WebhookDelivery.objects.filter(endpoint=hook).count(),
        complaint.status,
        complaint.version,
        Complaint.objects.count(),
        Response.objects.count(),
    )


# (method, path template, body): {ref} is a complaint reference, {hook} an endpoint id,
# {delivery} a delivery id; each is tried with B's object and with one that does not exist.
OBJECT_ENDPOINTS = [
    ("get", "/api/v1/complaints/{ref}/", None),
    ("get", "/api/v1/webhooks/{hook}/", None),
    ("delete", "/api/v1/webhooks/{hook}/", None),
    ("get", "/api/v1/webhooks/{hook}/deliveries/", None),
    ("post", "/api/v1/webhooks/{hook}/rotate-secret/", {}),
    ("post", "/api/v1/webhooks/{hook}/test/", {}),
    ("post", "/api/v1/webhooks/deliveries/{delivery}/replay/", {}),
]


def _call(client, method, path, body):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body, format="json")


@pytest.mark.parametrize(("method", "template", "body"), OBJECT_ENDPOINTS)
def test_another_organizations_object_answers_exactly_like_a_missing_one_and_stays_unchanged(
    api_as, advocate, world, method, template, body
):
    client = api_as(advocate)
    before = _snapshot(world)
    theirs = template.format(
        ref=world["theirs"].reference, hook=world["their_hook"].pk, delivery=world["their_delivery"].pk
    )
    missing = template.format(ref=MISSING_REFERENCE, hook=MISSING_ID, delivery=MISSING_ID)
    answer_theirs = _call(client, method, theirs, body)
    answer_missing = _call(client, method, missing, body)
    assert answer_theirs.status_code == answer_missing.status_code == 404
    assert answer_theirs.json() == answer_missing.json()
    assert _snapshot(world) == before


# List endpoints: B's objects never appear, whatever the filter. (path, key of an item, B's value
# of that key, a text of B's that must appear nowhere in the answer)
LISTS = [
    ("/api/v1/complaints/", "reference", lambda w: w["theirs"].reference, lambda w: w["theirs"].reference),
    (
        "/api/v1/complaints/?status=received",
        "reference",
        lambda w: w["theirs"].reference,
        lambda w: w["theirs"].reference,
    ),
    (
        "/api/v1/complaints/?ordering=updated_at",
        "reference",
        lambda w: w["theirs"].reference,
        lambda w: w["theirs"].reference,
    ),
    ("/api/v1/webhooks/", "id", lambda w: w["their_hook"].pk, lambda w: w["their_hook"].url),
]


@pytest.mark.parametrize(("path", "key", "their_value", "their_text"), LISTS)
def test_lists_hold_only_the_callers_organization(api_as, advocate, world, path, key, their_value, their_text):
    answer = api_as(advocate).get(path)
    assert answer.status_code == 200
    values = [item[key] for item in answer.json()["results"]]
    assert values, "the caller's own objects are listed"
    assert their_value(world) not in values
    assert their_text(world) not in answer.content.decode()


def test_a_member_cannot_file_or_answer_for_an_organization_they_are_not_in(api_as, advocate, world, body_cameras):
    client = api_as(advocate)
    before = _snapshot(world)
    filed = client.post("/api/v1/complaints/", payload(organization="valley-aid"), format="json")
    assert filed.status_code in (400, 403)
    survey = body_cameras.slug
    answered = client.post(
        f"/api/v1/surveys/{survey}/responses/",
        {"answers": {}, "respondent_consented": True, "language": "en", "organization": "valley-aid"},
        format="json",
    )
    assert answered.status_code in (400, 403)
    hook = client.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x", "organization": "valley-aid"}, format="json"
    )
    assert hook.status_code in (201, 400, 403)
    if hook.status_code == 201:  # the field is ignored: the endpoint is the caller's organisation's
        assert WebhookEndpoint.objects.get(pk=hook.json()["id"]).organization.slug == "gulf-coast"
    assert _snapshot(world) == before


@pytest.mark.parametrize(
    "path",
    ["/api/v1/staff/complaints/", "/api/v1/staff/incidents/", "/api/v1/staff/footage-requests/"]
    + ["/api/v1/staff/audit-events/"],
)
def test_staff_lists_are_closed_to_organization_members(api_as, advocate, world, path):
    assert api_as(advocate).get(path).status_code == 403


def test_the_staff_view_of_another_organizations_complaint_is_closed_to_members(api_as, advocate, world):
    answer = api_as(advocate).get(f"/api/v1/staff/complaints/{world['theirs'].reference}/")
    assert answer.status_code == 403


@pytest.mark.parametrize(
    "template", ["/en/work/complaints/{ref}/", "/en/work/webhooks/{hook}/"], ids=["complaint", "webhook"]
)
def test_the_web_pages_give_404_for_another_organizations_objects(client, advocate, world, template):
    client.force_login(advocate)
    theirs = template.format(ref=world["theirs"].reference, hook=world["their_hook"].pk)
    missing = template.format(ref=MISSING_REFERENCE, hook=MISSING_ID)
    assert client.get(theirs).status_code == client.get(missing).status_code == 404
