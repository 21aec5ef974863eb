from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import roles
from intake.models import Complaint
from intake.services import ComplaintInput, ContactInput, complaint_change_status, complaint_submit
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/en/work/complaints/"
NAME, PHONE, NARRATIVE = "Ysolde Brannavik", "+15550107733", "Plomvit tarred the gate twice."


def file_for(organization, advocate, n: int, *, urgent: bool = False) -> Complaint:
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
    return complaint_submit(
        data=data, channel="api", submission_key=f"portal-{n}", organization=organization, filed_by=advocate
    ).complaint


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Desert Rights Collective", slug="desert-rights")


def test_a_member_sees_only_their_organizations_complaints(client, advocate, organization, other_organization):
    ours = [file_for(organization, advocate, n, urgent=n == 0) for n in range(3)]
    theirs = file_for(other_organization, None, 9)
    unaffiliated = file_for(None, None, 10)
    client.force_login(advocate)
    page = client.get(LIST).content.decode()
    assert all(c.reference in page for c in ours)
    assert theirs.reference not in page and unaffiliated.reference not in page
    assert page.index(ours[2].reference) < page.index(ours[0].reference)  # newest first
    assert page.count("<strong>Urgent</strong>") == 1
    assert "Received" in page


def test_the_detail_shows_the_timeline_and_facts_but_no_contact_or_words(client, advocate, organization, supervisor):
    complaint = file_for(organization, advocate, 1)
    complaint_change_status(complaint=complaint, status="acknowledged", actor=supervisor)
    client.force_login(advocate)
    response = client.get(f"/en/work/complaints/{complaint.reference}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Read by our team" in page  # the timeline, in words
    assert "Houston, TX" in page and "Body camera seen" in page
    assert "They came into a home or searched without permission" in page
    for secret in (NAME, "Ysolde", PHONE, "0107733", "ysolde@example.org", NARRATIVE, "Plomvit"):
        assert secret not in page
    list_page = client.get(LIST).content.decode()
    for secret in (NAME, PHONE, NARRATIVE):
        assert secret not in list_page


def test_another_organizations_complaint_is_not_found_never_forbidden(client, advocate, other_organization):
    theirs = file_for(other_organization, None, 1)
    client.force_login(advocate)
    assert client.get(f"/en/work/complaints/{theirs.reference}/").status_code == 404
    assert client.get("/en/work/complaints/C-999999/").status_code == 404


def test_a_member_of_two_organizations_sees_both(client, organization, other_organization):
    from accounts.models import Membership

    member = UserFactory(username="bea", role=roles.ADVOCATE, organization=organization)
    Membership.objects.create(user=member, organization=other_organization)
    first, second = file_for(organization, member, 1), file_for(other_organization, None, 2)
    client.force_login(member)
    page = client.get(LIST).content.decode()
    assert first.reference in page and second.reference in page
    assert client.get(f"/en/work/complaints/{second.reference.lower()}/").status_code == 200


def test_staff_are_refused(client, liaison, organization, advocate):
    from tests.conftest import staff_login

    complaint = file_for(organization, advocate, 1)
    staff_login(client, liaison)
    assert client.get(LIST).status_code == 403
    assert client.get(f"/en/work/complaints/{complaint.reference}/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, organization, advocate):
    complaint = file_for(organization, advocate, 1)
    for url in (LIST, f"/en/work/complaints/{complaint.reference}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/en/account/sign-in/?next=")


def test_the_list_costs_the_same_queries_for_few_or_many(client, advocate, organization):
    client.force_login(advocate)
    client.get(LIST)

    def queries(total: int) -> int:
        for n in range(Complaint.objects.count(), total):
            file_for(organization, advocate, n, urgent=n % 4 == 0)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(LIST).content.decode()
        assert page.count("/en/work/complaints/C-") == min(total, 25)
        return len(captured)

    assert queries(3) == queries(30)


def test_a_bad_page_number_is_not_an_error(client, advocate, organization):
    file_for(organization, advocate, 1)
    client.force_login(advocate)
    assert client.get(LIST, {"page": "x'; drop"}).status_code == 200
    assert client.get(LIST, {"page": "999"}).status_code == 200


def test_the_surveys_page_links_to_the_portal(client, advocate):
    client.force_login(advocate)
    assert "/en/work/complaints/" in client.get("/en/work/surveys/").content.decode()


@pytest.mark.parametrize("tail", ["C-1%00/", "C-%00/", "%00/"])
def test_a_reference_with_a_nul_is_not_found(postgres, client, advocate, organization, tail):
    file_for(organization, advocate, 1)
    client.force_login(advocate)
    assert client.get(f"{LIST}{tail}").status_code == 404


def test_a_reference_of_the_wrong_shape_is_not_even_looked_up(client, advocate, organization):
    from intake.selectors import organization_complaint

    complaint = file_for(organization, advocate, 1)
    with CaptureQueriesContext(connection) as captured:
        assert organization_complaint(advocate, f"{complaint.reference}\x00") is None
        assert organization_complaint(advocate, "C-1 OR 1=1") is None
    assert len(captured) == 0
    assert organization_complaint(advocate, f" {complaint.reference.lower()} ") == complaint
