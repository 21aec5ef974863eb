"""The organisations' complaints API: filing on behalf of a person with their consent, and reading
the organisation's own complaints (status and facts, never the person's words or contact)."""

import base64
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.utils import timezone

from accounts import roles
from accounts.models import IdempotencyRecord, Membership
from intake.models import Complaint
from intake.services import ComplaintInput, ContactInput, complaint_change_status, complaint_submit
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/complaints/"
STATUS = "/api/v1/status/"
NAME, PHONE, NARRATIVE = "Ysolde Brannavik", "+15550107733", "Plomvit tarred the gate twice."
SECRETS = (NAME, "Ysolde", PHONE, "0107733", "ysolde@example.org", NARRATIVE, "Plomvit", "Officer Quarrel", "4471")


def payload(**changes) -> dict:
    body = {
        "consent": {
            "given": True,
            "method": "verbal",
            "obtained_at": (timezone.now() - timedelta(hours=2)).isoformat(),
            "obtained_by": "Ana Advocate",
        },
        "language": "es",
        "allegations": ["unlawful_entry", "excessive_force"],
        "urgent_flags": ["detained"],
        "incident_date": "2026-10-03",
        "time_of_day": "morning",
        "city": "Houston",
        "state": "TX",
        "field_office": "hou",
        "place_type": "home",
        "agency": "ice_ero",
        "officer_count": 4,
        "officer_names": "Officer Quarrel",
        "badge_numbers": "4471",
        "body_camera_seen": "no",
        "body_camera_recording": "unknown",
        "adults_count": 2,
        "children_count": 1,
        "injuries": "yes",
        "medical_care": "denied",
        "narrative": NARRATIVE,
        "wants": ["footage", "investigation"],
        "contact": {"name": NAME, "phone": "(555) 010-7733", "safe_to_message": False, "preferred_method": "call"},
        "consent_contact": True,
        "consent_statistics": True,
        "age_range": "25_34",
        "race_ethnicity": ["hispanic"],
    }
    body.update(changes)
    return body


def file_for(organization, filer, n: int, *, urgent: bool = False, **changes) -> Complaint:
    """A complaint filed for `organization` through the service, as the API would."""
    data = ComplaintInput(
        filer_role="advocate",
        language="es",
        on_behalf_consent=True,
        on_behalf_organization=organization.name if organization else "",
        allegations=["unlawful_entry"],
        urgent_flags=["detained"] if urgent else [],
        incident_date=date(2026, 10, 3),
        city="Houston",
        state="TX",
        field_office_code="HOU",
        place_type="home",
        body_camera_seen="no",
        narrative=NARRATIVE,
        is_anonymous=False,
        contact=ContactInput(name=NAME, phone=PHONE, email="ysolde@example.org", safe_to_message=False),
        consent_contact=True,
        wants=["footage"],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return complaint_submit(
        data=data, channel="api", submission_key=f"test-{n}", organization=organization, filed_by=filer
    ).complaint


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Desert Rights Collective", slug="desert-rights")


@pytest.fixture
def rival(other_organization):
    return UserFactory(username="rafa", role=roles.ADVOCATE, organization=other_organization)


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["reference"] for item in response.json()["results"]]


# --- filing ---


def test_it_files_a_complaint_on_behalf_with_its_consent_record(api_as, advocate, organization):
    body = payload()
    response = api_as(advocate).post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"reference", "receipt", "status", "created_at"}
    assert answer["status"] == "received" and answer["reference"].startswith("C-")
    assert len(answer["receipt"]) == 16 and answer["receipt"].isdigit()
    assert "no-store" in response["Cache-Control"]

    complaint = Complaint.objects.get(reference=answer["reference"])
    assert complaint.organization == organization and complaint.filed_by == advocate
    assert (complaint.channel, complaint.filer_role) == ("api", "advocate")
    assert complaint.on_behalf_organization == organization.name
    assert complaint.on_behalf_consent_at.isoformat() == body["consent"]["obtained_at"]
    assert complaint.on_behalf_consent_method == "verbal"
    assert complaint.on_behalf_consent_by == "Ana Advocate"
    assert complaint.field_office.code == "HOU" and complaint.is_urgent
    assert sorted(complaint.allegations.values_list("kind", flat=True)) == ["excessive_force", "unlawful_entry"]
    assert complaint.contact.phone == PHONE  # read like the web form reads it: E.164
    assert not complaint.is_anonymous and complaint.consent_contact

    lookup = api_as(advocate).post(STATUS, {"receipt": answer["receipt"]}, format="json")
    assert lookup.status_code == 200
    assert lookup.json()["status"] == "received"


def test_it_files_an_anonymous_complaint_without_contact(api_as, advocate):
    response = api_as(advocate).post(LIST, payload(contact=None, consent_contact=True), format="json")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get()
    assert complaint.is_anonymous and not complaint.consent_contact
    assert not hasattr(complaint, "contact") or complaint.contact is None


def test_it_implies_the_field_office_of_a_state_with_one(api_as, advocate):
    response = api_as(advocate).post(LIST, payload(state="GA", field_office=""), format="json")
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().field_office.code == "ATL"


def consent_with(**changes) -> dict:
    consent = payload()["consent"]
    consent.update(changes)
    return consent


@pytest.mark.parametrize(
    "changes",
    [
        {"consent": None},
        {"consent": consent_with(given=False)},
        {"consent": consent_with(obtained_at=(timezone.now() + timedelta(days=1)).isoformat())},
        {"consent": consent_with(obtained_at="1999-12-30T10:00:00Z")},
        {"consent": consent_with(obtained_at="0001-01-01T00:00:00+14:00")},
        {"consent": consent_with(obtained_at="9999-12-31T23:59:59-12:00")},
        {"consent": consent_with(obtained_at="last tuesday")},
        {"consent": consent_with(method="telepathy")},
        {"consent": consent_with(obtained_by="")},
        {"consent": "yes"},
    ],
    ids=[
        "missing",
        "not_given",
        "in_the_future",
        "too_old",
        "year_1",
        "year_9999",
        "not_a_time",
        "bad_method",
        "nobody",
        "not_an_object",
    ],
)
def test_it_refuses_a_filing_without_a_valid_consent_record(api_as, advocate, changes):
    body = payload(**changes)
    if body["consent"] is None:
        del body["consent"]
    response = api_as(advocate).post(LIST, body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and "consent" in error["fields"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"allegations": ["unlawful_entry", "kicked_the_door"]}, "allegations"),
        ({"allegations": []}, "allegations"),
        ({"state": "ZZ"}, "state"),
        ({"field_office": "MIA"}, "field_office"),  # Miami does not cover Texas
        ({"place_type": "moon"}, "place_type"),
        ({"language": "xx"}, "language"),
        ({"incident_date": "2999-01-01"}, "incident_date"),
        ({"incident_date": "03/10/2026"}, "incident_date"),
        ({"officer_count": 10**30}, "officer_count"),
        ({"officer_count": -1}, "officer_count"),
        ({"officer_count": "four"}, "officer_count"),
        ({"wants": "footage"}, "wants"),
        ({"narrative": ""}, "narrative"),
        ({"city": "Hou\x00ston"}, "city"),
        ({"narrative": "x" * 20001}, "narrative"),
        ({"organization": "not a slug!"}, "organization"),
    ],
)
def test_it_names_the_field_of_a_bad_answer(api_as, advocate, changes, field):
    response = api_as(advocate).post(LIST, payload(**changes), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"phone": "12", "safe_to_message": True}, "phone"),
        ({"name": "Only a name", "safe_to_message": True}, "phone"),  # nobody to reach
        ({"phone": PHONE}, "safe_to_message"),
        ({"email": "not-an-email", "safe_to_message": True}, "email"),
        ({"phone": PHONE, "safe_to_message": True, "preferred_method": "pigeon"}, "preferred_method"),
    ],
)
def test_it_checks_the_contact_like_the_web_form(api_as, advocate, contact, field):
    response = api_as(advocate).post(LIST, payload(contact=contact), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]["contact"]


def test_it_answers_in_the_language_of_the_request(api_as, advocate):
    client = api_as(advocate)
    response = client.post(LIST, payload(allegations=[]), format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()["error"]["fields"]["allegations"] == ["Elija por lo menos una cosa que pasó."]
    response = client.post(LIST, payload(incident_date="2999-01-01"), format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()["error"]["fields"]["incident_date"] == ["Esa fecha es en el futuro. Por favor, revísela."]
    response = client.post(LIST, payload(state="ZZ"), format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert "no es una opción válida" in response.json()["error"]["fields"]["state"][0]  # DRF's, in our words


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"a string"', b"null", b"{}"],
    ids=["broken", "a_list", "a_string", "null", "empty"],
)
def test_a_body_of_the_wrong_shape_is_a_400(api_as, advocate, body):
    response = api_as(advocate).post(LIST, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"invalid", "parse_error"}


def test_unknown_fields_are_ignored(api_as, advocate):
    response = api_as(advocate).post(LIST, payload(favourite_colour="green", filer_role="witness"), format="json")
    assert response.status_code == 201
    assert Complaint.objects.get().filer_role == "advocate"


def test_the_same_idempotency_key_files_once_and_answers_the_same(api_as, advocate):
    client = api_as(advocate)
    body = payload()
    first = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="filing-7f3a")
    again = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="filing-7f3a")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1

    # A day later the first answer is forgotten, but the key still names the same filing: the
    # complaint is not filed twice, and its receipt is not shown again.
    IdempotencyRecord.objects.all().delete()
    late = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="filing-7f3a")
    assert late.status_code == 200
    assert late.json()["reference"] == first.json()["reference"] and late.json()["receipt"] is None
    assert Complaint.objects.count() == 1

    other = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="filing-8b2c")
    assert other.status_code == 201 and Complaint.objects.count() == 2


def test_the_same_idempotency_key_with_another_body_is_refused(api_as, advocate):
    client = api_as(advocate)
    client.post(LIST, payload(), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = client.post(LIST, payload(city="Austin"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert Complaint.objects.count() == 1


def test_without_a_key_each_filing_is_new(api_as, advocate):
    client = api_as(advocate)
    client.post(LIST, payload(), format="json")
    client.post(LIST, payload(), format="json")
    assert Complaint.objects.count() == 2


def test_a_member_of_several_organizations_names_the_one(api_as, organization, other_organization):
    member = UserFactory(username="bea", role=roles.ADVOCATE, organization=organization)
    Membership.objects.create(user=member, organization=other_organization)
    client = api_as(member)

    unnamed = client.post(LIST, payload(), format="json")
    assert unnamed.status_code == 400 and "organization" in unnamed.json()["error"]["fields"]
    stranger = OrganizationFactory(slug="stranger-things")
    for slug in (stranger.slug, "no-such-group"):
        response = client.post(LIST, payload(organization=slug), format="json")
        assert response.status_code == 400 and "organization" in response.json()["error"]["fields"]
    assert not Complaint.objects.exists()

    named = client.post(LIST, payload(organization="desert-rights"), format="json")
    assert named.status_code == 201
    assert Complaint.objects.get().organization == other_organization


def test_a_member_of_one_organization_may_name_it(api_as, advocate, organization):
    response = api_as(advocate).post(LIST, payload(organization=organization.slug), format="json")
    assert response.status_code == 201


def test_an_advocate_without_an_organization_cannot_file(api_as, db):
    loner = UserFactory(username="lone", role=roles.ADVOCATE)
    response = api_as(loner).post(LIST, payload(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_organization"


# --- who may call ---


def test_staff_are_refused_here(api_as, liaison, supervisor, auditor, admin_user, organization, advocate):
    complaint = file_for(organization, advocate, 1)
    for user in (liaison, supervisor, auditor, admin_user):
        client = api_as(user)
        assert client.get(LIST).status_code == 403
        assert client.get(f"{LIST}{complaint.reference}/").status_code == 403
        assert client.post(LIST, payload(), format="json").status_code == 403
    assert Complaint.objects.count() == 1


def test_anonymous_callers_are_unauthenticated(api, organization, advocate):
    complaint = file_for(organization, advocate, 1)
    for response in (api.get(LIST), api.get(f"{LIST}{complaint.reference}/"), api.post(LIST, payload(), format="json")):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


# --- reading ---


def test_a_member_lists_only_their_organizations_complaints(api_as, advocate, organization, other_organization):
    ours = [file_for(organization, advocate, n, urgent=n == 0) for n in range(3)]
    theirs = file_for(other_organization, None, 9)
    unaffiliated = file_for(None, None, 10)
    listed = references(api_as(advocate).get(LIST))
    assert listed == [c.reference for c in reversed(ours)]  # newest first
    assert theirs.reference not in listed and unaffiliated.reference not in listed


def test_the_list_gives_status_and_facts_as_codes_never_words_or_contact(api_as, advocate, organization):
    complaint = file_for(organization, advocate, 1, officer_names="Officer Quarrel", badge_numbers="4471")
    response = api_as(advocate).get(LIST)
    item = response.json()["results"][0]
    assert item["reference"] == complaint.reference and item["organization"] == "gulf-coast"
    assert item["status"] == "received" and item["outcome"] == ""
    assert item["allegations"] == ["unlawful_entry"] and item["field_office"] == "HOU"
    assert item["place_type"] == "home" and item["body_camera_seen"] == "no" and item["wants"] == ["footage"]
    assert item["channel"] == "api" and item["filer_role"] == "advocate" and item["incident_date"] == "2026-10-03"
    for forbidden in ("narrative", "contact", "witnesses", "officer_names", "attachments", "receipt", "name"):
        assert forbidden not in item
    for secret in SECRETS:
        assert secret not in response.content.decode()


def test_the_detail_has_the_timeline_and_no_words(api_as, advocate, organization, supervisor):
    complaint = file_for(organization, advocate, 1)
    complaint_change_status(complaint=complaint, status="acknowledged", actor=supervisor)
    complaint_change_status(complaint=complaint, status="closed", outcome="resolved", actor=supervisor)
    response = api_as(advocate).get(f"{LIST}{complaint.reference}/")
    assert response.status_code == 200
    detail = response.json()
    assert detail["status"] == "closed" and detail["outcome"] == "resolved"
    assert [(row["kind"], row["status"], row["outcome"]) for row in detail["timeline"]] == [
        ("status", "received", ""),
        ("status", "acknowledged", ""),
        ("status", "closed", "resolved"),
    ]
    for secret in SECRETS:
        assert secret not in response.content.decode()


def test_a_reference_is_found_however_it_is_cased(api_as, advocate, organization):
    complaint = file_for(organization, advocate, 1)
    client = api_as(advocate)
    for written in (complaint.reference.lower(), complaint.reference, f"c-{complaint.reference[2:]}"):
        assert client.get(f"{LIST}{written}/").json()["reference"] == complaint.reference


@pytest.mark.parametrize("tail", ["C-1%00/", "%00/", "C-1%20OR%201=1/", "x" * 300 + "/", "%F0%9F%92%A5/", "C-/"])
def test_a_reference_of_any_shape_is_not_found_never_an_error(api_as, advocate, organization, tail):
    file_for(organization, advocate, 1)
    response = api_as(advocate).get(f"{LIST}{tail}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_organizations_complaint_looks_missing(api_as, advocate, rival, organization):
    ours = file_for(organization, advocate, 1)
    rivals_view = api_as(rival)
    assert ours.reference not in references(rivals_view.get(LIST))
    theirs = rivals_view.get(f"{LIST}{ours.reference}/")
    missing = rivals_view.get(f"{LIST}C-999999/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert rivals_view.post(STATUS, {"receipt": "1234567812345678"}, format="json").status_code == 404


# --- filters, order and pages ---


@pytest.fixture
def assorted(advocate, organization, supervisor):
    """Three complaints of the organisation that differ in every filtered fact."""
    urgent = file_for(organization, advocate, 1, urgent=True, allegations=["excessive_force"])
    ordinary = file_for(organization, advocate, 2, language="ht", state="FL", field_office_code="MIA")
    closed = file_for(organization, advocate, 3)
    complaint_change_status(complaint=closed, status="closed", outcome="withdrawn", actor=supervisor)
    Complaint.objects.filter(pk=ordinary.pk).update(channel="web")
    return {"urgent": urgent, "ordinary": ordinary, "closed": closed}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "closed"}, ["closed"]),
        ({"status": "received"}, ["ordinary", "urgent"]),
        ({"outcome": "withdrawn"}, ["closed"]),
        ({"urgent": "true"}, ["urgent"]),
        ({"urgent": "false"}, ["closed", "ordinary"]),
        ({"allegation": "excessive_force"}, ["urgent"]),
        ({"allegation": "unlawful_entry"}, ["closed", "ordinary"]),
        ({"channel": "web"}, ["ordinary"]),
        ({"language": "ht"}, ["ordinary"]),
        ({"field_office": "mia"}, ["ordinary"]),
        ({"field_office": "HOU", "status": "received"}, ["urgent"]),
    ],
)
def test_the_list_filters(api_as, advocate, assorted, query, expected):
    listed = references(api_as(advocate).get(LIST, query))
    assert listed == [assorted[name].reference for name in expected]


def test_the_list_filters_by_time_created_and_changed(api_as, advocate, assorted):
    client = api_as(advocate)
    now = timezone.now()
    week_ago, yesterday = now - timedelta(days=7), now - timedelta(days=1)
    Complaint.objects.filter(pk=assorted["urgent"].pk).update(created_at=week_ago, updated_at=week_ago)
    Complaint.objects.filter(pk=assorted["ordinary"].pk).update(updated_at=yesterday)

    def listed(**query):
        return sorted(references(client.get(LIST, {k: v.isoformat() for k, v in query.items()})))

    recent = sorted([assorted["ordinary"].reference, assorted["closed"].reference])
    assert listed(created_after=now - timedelta(days=2)) == recent
    assert listed(created_before=now - timedelta(days=2)) == [assorted["urgent"].reference]
    assert listed(updated_after=now - timedelta(hours=1)) == [assorted["closed"].reference]


def test_a_partner_syncs_by_last_change(api_as, advocate, organization, supervisor):
    complaints = [file_for(organization, advocate, n) for n in range(5)]
    complaint_change_status(complaint=complaints[0], status="acknowledged", actor=supervisor)
    client = api_as(advocate)
    seen, url, query = [], LIST, {"ordering": "updated_at", "page_size": 2}
    while url:
        page = client.get(url, query).json()
        seen += [item["reference"] for item in page["results"]]
        url, query = page["next"], None
    assert seen == [c.reference for c in complaints[1:]] + [complaints[0].reference]  # least recently changed first


def test_cursor_pages_walk_every_complaint_once_newest_first(api_as, advocate, organization):
    complaints = [file_for(organization, advocate, n) for n in range(7)]
    client = api_as(advocate)
    first = client.get(LIST, {"page_size": 3}).json()
    assert first["previous"] is None
    seen, page = [], first
    while True:
        seen += [item["reference"] for item in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert seen == [c.reference for c in reversed(complaints)]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"outcome": "maybe"},
        {"urgent": "maybe"},
        {"allegation": "kicked"},
        {"channel": "pigeon"},
        {"language": "klingon"},
        {"field_office": "H\x00U"},
        {"field_office": "HOUSTON-TX"},
        {"created_after": "yesterday"},
        {"created_after": "2026-13-45T00:00:00Z"},
        {"created_before": "9999-12-31T23:59:59-12:00"},
        {"updated_after": "0001-01-01T00:00:00+14:00"},
        {"updated_after": "2026-01-01T00:00:00+99:00"},
        {"ordering": "id"},
        {"ordering": "-updated_at"},
    ],
)
def test_a_bad_filter_value_is_a_400_naming_it(api_as, advocate, organization, query):
    file_for(organization, advocate, 1)
    response = api_as(advocate).get(LIST, query)
    assert response.status_code == 400, response.content
    assert set(query) <= set(response.json()["error"]["fields"])


def cursor(position, *, reverse: bool = False) -> str:
    parts = {"p": position, **({"r": "1"} if reverse else {})}
    return base64.b64encode(urlencode(parts).encode()).decode()


@pytest.mark.parametrize(
    "value",
    [
        "not-base64-at-all!",
        cursor("abc"),
        cursor("2026-11-28 16:12:00"),  # naive
        cursor("0001-01-01 00:00:00+14:00"),
        cursor("9999-12-31 23:59:59-12:00"),
        cursor("2026-11-28 16:12:00+00:00\x00"),
        cursor("2026-02-30 10:00:00+00:00"),
        base64.b64encode(b"o=99999999999999999999999&p=x").decode(),
        base64.b64encode(b"r=maybe").decode(),
    ],
)
def test_a_bad_cursor_is_not_found_never_an_error(api_as, advocate, organization, value):
    file_for(organization, advocate, 1)
    client = api_as(advocate)
    for ordering in ("-created_at", "updated_at"):
        response = client.get(LIST, {"cursor": value, "ordering": ordering})
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] in {"not_found", "invalid_cursor"}


def test_a_good_cursor_from_the_answer_still_works(api_as, advocate, organization):
    for n in range(3):
        file_for(organization, advocate, n)
    client = api_as(advocate)
    following = client.get(LIST, {"page_size": 1}).json()["next"]
    token = parse_qs(urlparse(following).query)["cursor"][0]
    assert client.get(LIST, {"cursor": token, "page_size": 1}).status_code == 200


def test_a_page_size_is_a_number_or_a_400(api_as, advocate, organization):
    file_for(organization, advocate, 1)
    client = api_as(advocate)
    for size in ("0", "-5", "9" * 25, "1"):
        assert client.get(LIST, {"page_size": size}).status_code == 200
    for size in ("abc", "1e9", "", "null", "10" * 40):
        response = client.get(LIST, {"page_size": size})
        assert response.status_code == 400
        assert "page_size" in response.json()["error"]["fields"]


def test_the_list_costs_the_same_queries_for_few_or_many(api_as, advocate, organization, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as(advocate)
    client.get(LIST)  # the token's first use is written once

    def queries(total: int) -> int:
        for n in range(Complaint.objects.count(), total):
            file_for(organization, advocate, 100 + n, urgent=n % 4 == 0)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, {"page_size": 50})
        assert len(response.json()["results"]) == total
        return len(captured)

    few = queries(3)
    assert queries(30) == few
    with django_assert_max_num_queries(few):
        client.get(LIST, {"page_size": 50, "allegation": "unlawful_entry", "ordering": "updated_at"})
