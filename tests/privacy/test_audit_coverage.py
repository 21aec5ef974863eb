"""Every reveal of personal details, every export and every release, done through its own view
(or the command and beat task that are a release's only ways in), writes exactly one audit event
naming who, which record and why; and an auditor, who reads everything a case has but the
person, meets none of the person's details anywhere they can go.

The auditor's side is also held by: tests/cases/test_complaint_page.py
(test_the_auditor_sees_the_facts_and_no_personal_data, test_the_auditor_cannot_open_attachments,
test_the_auditor_learns_only_that_there_are_contact_details), tests/cases/test_role_matrix.py
(test_the_auditor_is_refused_the_filers_words_everywhere), tests/cases/test_queue.py
(test_an_auditor_sees_the_queue_but_no_personal_data), tests/cases/test_footage_pages.py
(test_an_auditor_sees_the_pages_without_the_requester), tests/cases/test_voice_casework.py
(test_the_auditor_can_neither_play_nor_read_but_sees_an_interpreter_is_needed),
tests/cases/test_incident_pages.py (test_an_auditor_sees_no_summary_and_cannot_change_anything),
tests/api/test_staff_complaints.py (test_the_auditor_never_sees_the_filers_words_or_contact),
tests/api/test_casework_api.py (test_it_never_gives_an_auditor_staffs_summary_nor_even_loads_it,
test_an_auditor_may_not_reveal_a_requester) and tests/surveys/test_results.py
(test_an_auditor_exports_counts_without_free_text)."""

import io
import json
from contextlib import contextmanager
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cases import workflow as w
from cases.models import FootageRequest, RedactionItem
from cases.services import footage_move, footage_redaction_set, footage_request_create
from intake.models import Complaint
from intake.services import ContactInput, attachment_store, complaint_submit
from privacy.attachments import check_upload
from privacy.models import AuditEvent
from surveys.services import response_submit
from tests import files
from tests.api.conftest import token_for
from tests.conftest import sign_in, staff_login
from tests.factories import UserFactory
from tests.intake.test_services import complaint_input
from transparency.models import Release

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "Ottoline Vasquez-Brummel", "+17135550311", "ottoline.vb@example.org"
NARRATIVE, WITNESSES = "ZX-AUDIT they broke the gate with a ram", "Neighbour Casimir Dellaporta"
FILE_NAME = "Ottoline id card.png"
REQUESTER, REQUESTER_EMAIL, REQUESTER_ADDRESS = "Philippa Ngata-Lowe", "p.ngata@example.org", "77 Quillfeather Lane"
SURVEY_TEXT = "ZX-SURVEY-TEXT que no lo vea la policía"
SECRETS = [
    NAME, "Ottoline", PHONE, "7135550311", "0311", EMAIL, NARRATIVE, WITNESSES, FILE_NAME,
    REQUESTER, REQUESTER_EMAIL, REQUESTER_ADDRESS, SURVEY_TEXT,
]  # fmt: skip
REASON = "Calling back about the detention"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def complaint() -> Complaint:
    contact = ContactInput(name=NAME, phone=PHONE, email=EMAIL, preferred_method="sms", safe_to_message=True)
    data = complaint_input(
        narrative=NARRATIVE, witnesses=WITNESSES, contact=contact, consent_statistics=True, wants=["footage"]
    )
    made = complaint_submit(data=data, channel="web", submission_key="web:audit", notify_filer=False).complaint
    attachment_store(checked=check_upload(files.png()), original_name=FILE_NAME, complaint=made)
    return made


@pytest.fixture
def footage(liaison, complaint) -> FootageRequest:
    return footage_request_create(
        actor=liaison,
        complaint=complaint,
        requester_type=FootageRequest.Requester.ATTORNEY,
        received_on=date(2026, 11, 20),
        perfected_on=date(2026, 11, 23),
        language="es",
        requester_name=REQUESTER,
        requester_email=REQUESTER_EMAIL,
        requester_address=REQUESTER_ADDRESS,
    )


@pytest.fixture
def answered(body_cameras):
    """Responses to the seeded survey, one with free text."""
    for n in range(3):
        answers = {"contact": "no", "safe_reporting": "3", **({"trust_more": SURVEY_TEXT} if n == 0 else {})}
        response_submit(
            version=body_cameras.current_version,
            answers=answers,
            submission_key=f"audit:{n}",
            language="es",
            channel="web",
        )
    return body_cameras


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    return client


@contextmanager
def audited():
    """The events written inside the block, oldest first."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    written: list[AuditEvent] = []
    yield written
    written.extend(AuditEvent.objects.filter(id__gt=last).order_by("id").select_related("actor"))


def only(events, action, *, actor, obj, reason="") -> AuditEvent:
    """Exactly one event, this one: who, what, which record, why; and no person's details in it."""
    found = [(e.action, e.actor, e.object_type, e.object_id, e.reason) for e in events]
    record = (obj._meta.label_lower, str(obj.pk)) if obj is not None else ("", "")
    assert found == [(action, actor, *record, reason)]
    written = json.dumps(events[0].data, ensure_ascii=False) + events[0].reason + events[0].object_ref
    for secret in SECRETS:
        assert secret not in written, secret
    return events[0]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Reveals -------------------------------------------------------------------------------------


def test_a_contact_reveal_on_the_staff_page(liaison, complaint):
    client = staff_login(Client(), liaison)
    with audited() as events:
        response = client.post(reverse("staff:complaint_reveal", args=[complaint.reference]), {"reason": REASON})
    assert response.status_code == 200 and NAME in response.content.decode()
    event = only(events, "complaint.pii_revealed", actor=liaison, obj=complaint, reason=REASON)
    assert event.object_ref == complaint.reference


def test_a_contact_reveal_through_the_api(liaison, complaint):
    client = api(liaison)
    with audited() as events:
        response = client.post(
            f"/api/v1/staff/complaints/{complaint.reference}/reveal/", {"reason": REASON}, format="json"
        )
    assert response.status_code == 200 and response.json()["phone"] == PHONE
    only(events, "complaint.pii_revealed", actor=liaison, obj=complaint, reason=REASON)


@pytest.mark.parametrize("original", [False, True])
def test_opening_an_attachment(liaison, complaint, original):
    attachment = complaint.attachments.get()
    client = staff_login(Client(), liaison)
    address = reverse("staff:complaint_attachment", args=[complaint.reference, attachment.pk])
    with audited() as events:
        response = client.get(address + ("?original=1" if original else ""))
    assert response.status_code == 200 and body(response).startswith(b"\x89PNG")
    event = only(events, "complaint.attachment_viewed", actor=liaison, obj=complaint)
    assert event.data == {"attachment": attachment.pk, "copy": "original" if original else "clean"}


def test_a_requester_reveal_on_the_page_and_through_the_api(liaison, footage):
    client = staff_login(Client(), liaison)
    with audited() as events:
        response = client.post(reverse("staff:footage_reveal", args=[footage.reference]), {"reason": REASON})
    assert response.status_code == 200 and REQUESTER in response.content.decode()
    only(events, "footage.requester_revealed", actor=liaison, obj=footage, reason=REASON)

    client = api(liaison)
    with audited() as events:
        response = client.post(
            f"/api/v1/staff/footage-requests/{footage.reference}/reveal/", {"reason": REASON}, format="json"
        )
    assert response.status_code == 200 and response.json()["email"] == REQUESTER_EMAIL
    only(events, "footage.requester_revealed", actor=liaison, obj=footage, reason=REASON)


def test_a_letter_naming_the_requester(liaison, footage):
    client = staff_login(Client(), liaison)
    with audited() as events:
        response = client.post(
            reverse("staff:footage_letter", args=[footage.reference]), {"kind": "acknowledgement", "reason": REASON}
        )
    assert response.status_code == 200 and REQUESTER in response.content.decode()
    event = only(events, "footage.letter_rendered", actor=liaison, obj=footage, reason=REASON)
    assert event.data == {"kind": "acknowledgement", "language": "es"}


# --- Exports -------------------------------------------------------------------------------------


def test_the_audit_log_export(auditor, liaison, complaint):
    complaint_reveal_by(liaison, complaint)
    client = staff_login(Client(), auditor)
    with audited() as events:
        response = client.get(reverse("staff:audit_export"), {"action": "complaint."})
        exported = body(response).decode("utf-8-sig")
    assert response.status_code == 200 and "complaint.pii_revealed" in exported
    event = only(events, "audit.exported", actor=auditor, obj=None)
    assert event.data["rows"] == exported.count("complaint.") and event.data["filters"]["action"] == "complaint."


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_survey_results_export_in_each_format(liaison, answered, fmt):
    client = sign_in(Client(), liaison)
    with audited() as events:
        response = client.get(reverse("surveys:results_export", args=[answered.slug, fmt]))
        exported = body(response)
    assert response.status_code == 200 and len(exported) > 100
    event = only(events, "survey.exported", actor=liaison, obj=answered)
    assert event.data == {"format": fmt, "filters": {}, "rows": 3, "free_text": True}


def test_an_xlsform_export_on_the_work_pages_and_in_the_admin(liaison, supervisor, body_cameras):
    client = sign_in(Client(), liaison)
    with audited() as events:
        response = client.get(reverse("surveys:xlsform_export", args=[body_cameras.slug]))
    assert response.status_code == 200 and response.content.startswith(b"PK")
    event = only(events, "survey.xlsform_exported", actor=liaison, obj=body_cameras)
    assert event.data == {"version": body_cameras.current_version.number}

    client = staff_login(Client(), supervisor)
    with audited() as events:
        response = client.get(f"/admin/surveys/survey/{body_cameras.pk}/export-xlsform/")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    only(events, "survey.xlsform_exported", actor=supervisor, obj=body_cameras)


# --- Releases ------------------------------------------------------------------------------------


def test_a_footage_release_approval_and_the_release(liaison, supervisor, footage):
    footage = move(footage, supervisor, w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED, w.REDACTION_REVIEW)
    for item in RedactionItem.Item:
        footage = footage_redaction_set(
            request=footage, item=item, state="done", actor=liaison, version=footage.version
        )
    approver = UserFactory(username="sam", role="supervisor")
    with audited() as events:
        response = staff_login(Client(), approver).post(
            reverse("staff:footage_approve", args=[footage.reference]), {"version": footage.version}
        )
    assert response.status_code == 302 and FootageRequest.objects.get(pk=footage.pk).approved_by == approver
    only(events, "footage.release_approved", actor=approver, obj=footage)

    footage = FootageRequest.objects.get(pk=footage.pk)
    with audited() as events:
        response = staff_login(Client(), supervisor).post(
            reverse("staff:footage_move", args=[footage.reference]), {"to": w.RELEASED_FULL, "version": footage.version}
        )
    assert response.status_code == 302 and FootageRequest.objects.get(pk=footage.pk).status == w.RELEASED_FULL
    only(events, "footage.released_full", actor=supervisor, obj=footage)


def test_a_public_statistics_release_by_the_command_and_by_the_beat_task(complaint):
    from transparency.tasks import release_build_task

    with audited() as events:
        call_command("stats_release", stdout=io.StringIO())
    release = Release.objects.get()
    event = only(events, "statistics.released", actor=None, obj=release)
    assert event.object_ref == release.version and event.data["as_of"] == release.as_of.isoformat()

    with audited() as events:
        release_build_task.apply().get()
    only(events, "statistics.released", actor=None, obj=Release.objects.get())  # the day's, replaced


# --- The auditor ---------------------------------------------------------------------------------


def test_an_auditor_never_meets_the_persons_details(auditor, liaison, complaint, footage, answered):
    complaint_reveal_by(liaison, complaint)
    staff_login(Client(), liaison).post(reverse("staff:footage_reveal", args=[footage.reference]), {"reason": REASON})
    client, token = staff_login(Client(), auditor), api(auditor)
    ref, request_ref = complaint.reference, footage.reference
    # Each place an auditor may go, and something it must show (so that an empty page cannot pass).
    pages = {
        reverse("staff:queue"): ref,
        reverse("staff:complaint", args=[ref]): "Miami",
        reverse("staff:footage", args=[request_ref]): request_ref,
        reverse("staff:footage_list"): request_ref,
        reverse("staff:audit_log"): "complaint.pii_revealed",
        reverse("staff:audit_export"): "footage.requester_revealed",
        reverse("surveys:results", args=[answered.slug]): "safe_reporting",
        reverse("surveys:results_export", args=[answered.slug, "csv"]): "safe_reporting",
        f"/api/v1/staff/complaints/{ref}/": ref,
        "/api/v1/staff/complaints/": ref,
        f"/api/v1/staff/footage-requests/{request_ref}/": request_ref,
        "/api/v1/staff/audit-events/": "complaint.pii_revealed",
    }
    for address, shown in pages.items():
        response = (token if address.startswith("/api/") else client).get(address)
        assert response.status_code == 200, address
        text = body(response).decode("utf-8-sig")
        assert shown in text, address
        for secret in SECRETS:
            assert secret not in text, (address, secret)
    # What would show them is refused, and writes nothing.
    with audited() as events:
        refused = [
            client.post(reverse("staff:complaint_reveal", args=[complaint.reference]), {"reason": REASON}),
            client.post(reverse("staff:footage_reveal", args=[footage.reference]), {"reason": REASON}),
            client.get(
                reverse("staff:complaint_attachment", args=[complaint.reference, complaint.attachments.get().pk])
            ),
            token.post(f"/api/v1/staff/complaints/{complaint.reference}/reveal/", {"reason": REASON}, format="json"),
            token.post(
                f"/api/v1/staff/footage-requests/{footage.reference}/reveal/", {"reason": REASON}, format="json"
            ),
        ]
    assert [response.status_code for response in refused] == [403] * 5
    assert events == []


def complaint_reveal_by(user, complaint) -> None:
    response = staff_login(Client(), user).post(
        reverse("staff:complaint_reveal", args=[complaint.reference]), {"reason": REASON}
    )
    assert response.status_code == 200


def move(footage, actor, *steps) -> FootageRequest:
    for to in steps:
        footage = FootageRequest.objects.get(pk=footage.pk)
        footage = footage_move(request=footage, to=to, actor=actor, version=footage.version)
    return footage
