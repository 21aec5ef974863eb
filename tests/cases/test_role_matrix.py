"""Every staff URL × every role → the answer the policy promises, from one table.

The table is written out here rather than read from the views, so that a view whose decorator
names the wrong action fails. Anonymous visitors are sent to sign in; staff who gave only a
password are sent to the second factor; a role the policy does not name gets 403. An auditor's
pages never carry a filer's name, phone, email or words."""

from datetime import date

import pytest
from django.urls import get_resolver, reverse

from accounts import policy, roles
from cases.models import Referral
from cases.services import footage_request_create, incident_create_from, referral_create
from intake.services import ContactInput, attachment_store, complaint_submit
from privacy.attachments import check_upload
from tests import files
from tests.factories import UserFactory
from tests.intake.test_services import complaint_input

pytestmark = pytest.mark.django_db

NAME = "Quillon Abernathy-Ruiz"
PHONE = "+17135550177"
EMAIL = "quillon.ar@example.org"
NARRATIVE = "They pushed the door in at dawn MATRIX-NARRATIVE"
REQUESTER = "Henrietta Vasquez-Oduya"
FILER_DATA = [NAME, PHONE, "7135550177", EMAIL, NARRATIVE, "MATRIX-NARRATIVE", REQUESTER]

GET, POST = "get", "post"
# url name, the kwargs it takes (from the objects below), method, the action the policy names.
URLS = [
    ("staff:queue", (), GET, policy.STAFF_VIEW),
    ("staff:queue_assign", (), POST, policy.CASE_ASSIGN),
    ("staff:complaint", ("complaint",), GET, policy.STAFF_VIEW),
    ("staff:complaint_move", ("complaint",), POST, policy.CASE_EDIT),
    ("staff:complaint_assign", ("complaint",), POST, policy.CASE_ASSIGN_SELF),
    ("staff:complaint_reveal", ("complaint",), POST, policy.PII_REVEAL),
    ("staff:complaint_note", ("complaint",), POST, policy.CASE_EDIT),
    ("staff:complaint_contact_attempt", ("complaint",), POST, policy.CASE_EDIT),
    ("staff:complaint_referral_add", ("complaint",), POST, policy.CASE_EDIT),
    ("staff:complaint_referral_update", ("complaint", "referral"), POST, policy.CASE_EDIT),
    ("staff:complaint_merge", ("complaint",), POST, policy.CASE_EDIT),
    ("staff:complaint_attachment", ("complaint", "attachment"), GET, policy.CASE_READ_WORDS),
    ("staff:complaint_incident", ("complaint",), POST, policy.CASE_EDIT),
    ("staff:complaint_transcript_add", ("complaint",), POST, policy.CASE_EDIT),
    ("staff:incidents", (), GET, policy.STAFF_VIEW),
    ("staff:incident", ("incident",), GET, policy.STAFF_VIEW),
    ("staff:incident_edit", ("incident",), POST, policy.CASE_EDIT),
    ("staff:incident_merge", ("incident",), POST, policy.CASE_EDIT),
    ("staff:incident_responses", ("incident",), POST, policy.CASE_EDIT),
    ("staff:footage_list", (), GET, policy.STAFF_VIEW),
    ("staff:footage_new", (), GET, policy.FOOTAGE_EDIT),
    ("staff:footage", ("footage",), GET, policy.STAFF_VIEW),
    ("staff:footage_move", ("footage",), POST, policy.FOOTAGE_EDIT),
    ("staff:footage_clock", ("footage",), POST, policy.FOOTAGE_EDIT),
    ("staff:footage_redaction", ("footage",), POST, policy.FOOTAGE_EDIT),
    ("staff:footage_approve", ("footage",), POST, policy.FOOTAGE_APPROVE),
    ("staff:footage_letter", ("footage",), POST, policy.PII_REVEAL),
    ("staff:footage_reveal", ("footage",), POST, policy.PII_REVEAL),
    ("staff:deadlines", (), GET, policy.STAFF_VIEW),
    ("staff:audit_log", (), GET, policy.AUDIT_READ),
    ("staff:audit_export", (), GET, policy.AUDIT_EXPORT),
    ("staff:recovery_codes", (), GET, policy.STAFF_VIEW),
]
# The sign-in pages are open by design: they are how one gets in.
OPEN = {"staff:sign_in", "staff:verify", "staff:two_factor", "staff:sign_out"}
ROLES = ["anonymous", roles.ADVOCATE, roles.LIAISON, roles.SUPERVISOR, roles.AUDITOR, roles.ADMIN]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def objects(organization):
    preparer = UserFactory(username="prep", role=roles.LIAISON)
    contact = ContactInput(name=NAME, phone=PHONE, email=EMAIL, preferred_method="sms", safe_to_message=True)
    data = complaint_input(narrative=NARRATIVE, city="Miami", contact=contact, wants=["footage"])
    complaint = complaint_submit(data=data, channel="web", submission_key="matrix", notify_filer=False).complaint
    attachment = attachment_store(checked=check_upload(files.png()), original_name="s.png", complaint=complaint)
    referral = referral_create(complaint=complaint, actor=preparer, body=Referral.Body.DHS_CRCL)
    incident = incident_create_from(complaint=complaint, actor=preparer)
    footage = footage_request_create(
        requester_type="subject",
        received_on=date(2026, 11, 2),
        actor=preparer,
        complaint=complaint,
        requester_name=REQUESTER,
        requester_email="henrietta@example.org",
    )
    return {
        "complaint": complaint.reference,
        "attachment": attachment.pk,
        "referral": referral.pk,
        "incident": incident.reference,
        "footage": footage.reference,
    }


def user_for(role, organization):
    if role == "anonymous":
        return None
    return UserFactory(username=f"m-{role}", role=role, organization=organization if role == roles.ADVOCATE else None)


def test_the_table_covers_every_staff_url():
    staff = get_resolver().url_patterns
    names = set()
    for pattern in staff:
        for inner in getattr(pattern, "url_patterns", []):
            if getattr(inner, "namespace", None) == "staff":
                names |= {f"staff:{p.name}" for p in inner.url_patterns}
    assert names == {name for name, *_ in URLS} | OPEN


@pytest.mark.parametrize("role", ROLES)
def test_role_by_url(role, objects, client, organization):
    from tests.conftest import staff_login

    user = user_for(role, organization)
    if user is not None and role != roles.ADVOCATE:
        staff_login(client, user)
    elif user is not None:
        client.force_login(user)
    sign_in = reverse("staff:sign_in")
    wrong = []
    for name, args, method, action in URLS:
        url = reverse(name, args=[objects[a] for a in args])
        response = getattr(client, method)(url)
        if role == "anonymous":
            ok = response.status_code == 302 and response["Location"].startswith(sign_in)
            expected = "302 to sign-in"
        elif role in policy.POLICY[action]:
            location = response.get("Location", "")
            ok = response.status_code in (200, 302, 400) and "sign-in" not in location and "verify" not in location
            expected = "allowed"
        else:
            ok = response.status_code == 403
            expected = "403"
        if not ok:
            wrong.append((name, method, expected, response.status_code))
        if role == roles.AUDITOR and response.status_code == 200:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            leaked = [secret for secret in FILER_DATA if secret in text]
            assert not leaked, (name, leaked)
    assert wrong == []


@pytest.mark.parametrize("role", [roles.LIAISON, roles.SUPERVISOR, roles.AUDITOR, roles.ADMIN])
def test_a_password_alone_opens_no_staff_page(role, objects, client, organization):
    client.force_login(user_for(role, organization))
    verify = reverse("staff:verify")
    for name, args, method, _action in URLS:
        response = getattr(client, method)(reverse(name, args=[objects[a] for a in args]))
        assert response.status_code == 302 and response["Location"].startswith(verify), name


def test_the_auditor_is_refused_the_filers_words_everywhere(objects, auditor, staff_client):
    client = staff_client(auditor)
    page = client.get(reverse("staff:complaint", args=[objects["complaint"]]))
    assert page.status_code == 200
    assert objects["complaint"] in page.content.decode()
    for secret in FILER_DATA:
        assert secret not in page.content.decode()
