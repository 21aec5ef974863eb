"""The staff API for complaints (/api/v1/staff/complaints/): the web's roles, masking and audit,
the queue's filters and order in keyset pages, and status and assignment changes that refuse a
stale version."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts import roles
from cases.models import CaseNote, ContactAttempt, Referral
from cases.services import footage_request_create, incident_create_from
from intake.models import Complaint, ComplaintEvent
from intake.services import ContactInput, complaint_add_information, complaint_change_status, complaint_submit
from privacy.models import AuditEvent
from tests.factories import UserFactory
from tests.intake.test_services import complaint_input

pytestmark = pytest.mark.django_db

LIST = "/api/v1/staff/complaints/"
NAME = "Ysolde Barrientos-Okafor"
PHONE = "+17135554321"
EMAIL = "ysolde.bo@example.org"
SECRETS = {
    "name": NAME,
    "phone": PHONE,
    "phone digits": "7135554321",
    "email": EMAIL,
    "best times": "Mornings QK-TIMES",
    "alternate": "Aunt Perpetua QK-ALT",
    "narrative": "They kicked the red door QK-NARRATIVE",
    "witnesses": "Neighbour Anselmo QK-WITNESS",
    "officer names": "Bartholomew QK-OFFICER",
    "badges": "QK-BADGE-5521",
    "plates": "QK-PLATE-9087",
    "markings": "QK-MARKINGS white van",
    "injuries": "Sprained ankle QK-INJURY",
    "filer note": "QK-FILERNOTE more words",
    "case note": "QK-CASENOTE staff words",
    "attempt note": "QK-ATTEMPTNOTE voicemail",
    "fernet token": "gAAAAA",
}
REASON = "Calling back about the footage request"


def url(reference: str, action: str = "") -> str:
    return f"{LIST}{reference}/{action + '/' if action else ''}"


def file(key: str, *, urgent=False, office="MIA", language="ht", channel="web", allegations=None, days_ago=None):
    """An anonymous complaint, filed `days_ago` days ago."""
    data = complaint_input(
        urgent_flags=["detained"] if urgent else [],
        field_office_code=office,
        language=language,
        allegations=allegations or ["excessive_force"],
        is_anonymous=True,
        contact=None,
    )
    complaint = complaint_submit(data=data, channel=channel, submission_key=key, notify_filer=False).complaint
    if days_ago is not None:
        Complaint.objects.filter(pk=complaint.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return Complaint.objects.get(pk=complaint.pk)


@pytest.fixture
def full(liaison):
    """A complaint with contact details, words, a filer's later note, a staff note, a contact
    attempt, a referral, an incident and a footage request."""
    contact = ContactInput(
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        preferred_method="sms",
        safe_to_message=True,
        best_times=SECRETS["best times"],
        alternate_contact=SECRETS["alternate"],
    )
    data = complaint_input(
        narrative=SECRETS["narrative"],
        witnesses=SECRETS["witnesses"],
        officer_names=SECRETS["officer names"],
        badge_numbers=SECRETS["badges"],
        vehicle_plates=SECRETS["plates"],
        markings=SECRETS["markings"],
        injuries="yes",
        injuries_description=SECRETS["injuries"],
        city="Miami",
        officer_count=4,
        contact=contact,
        wants=["footage"],
    )
    complaint = complaint_submit(data=data, channel="web", submission_key="full", notify_filer=False).complaint
    complaint_add_information(complaint=complaint, text=SECRETS["filer note"])
    CaseNote.objects.create(complaint=complaint, author=liaison, text=SECRETS["case note"])
    ContactAttempt.objects.create(
        complaint=complaint, actor=liaison, method="call", result="no_answer", note=SECRETS["attempt note"]
    )
    Referral.objects.create(complaint=complaint, body="dhs_crcl", created_by=liaison)
    complaint_change_status(complaint=complaint, status="acknowledged", actor=liaison)
    incident_create_from(complaint=complaint, actor=liaison)
    footage_request_create(
        requester_type="subject", received_on=timezone.localdate(), actor=liaison, complaint=complaint
    )
    return Complaint.objects.get(pk=complaint.pk)


def references(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [row["reference"] for row in response.json()["results"]]


def error_code(response) -> str:
    return response.json()["error"]["code"]


# Roles -------------------------------------------------------------------------------------------

ROLES = ["anonymous", roles.ADVOCATE, roles.LIAISON, roles.SUPERVISOR, roles.AUDITOR, roles.ADMIN]
WORKERS = {roles.LIAISON, roles.SUPERVISOR, roles.ADMIN}
# endpoint, method, the roles allowed
ENDPOINTS = [
    ("", "get", WORKERS | {roles.AUDITOR}),
    ("detail", "get", WORKERS | {roles.AUDITOR}),
    ("reveal", "post", WORKERS),
    ("status", "post", WORKERS),
    ("assign", "post", WORKERS),
]


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_each_role_as_the_policy_says(role, full, api, api_as, organization):
    client = api
    if role != "anonymous":
        user = UserFactory(username=f"r-{role}", role=role, organization=organization if role == "advocate" else None)
        client = api_as(user)
    wrong = []
    for action, method, allowed in ENDPOINTS:
        target = LIST if action == "" else url(full.reference, "" if action == "detail" else action)
        response = getattr(client, method)(target, {}, format="json") if method == "post" else client.get(target)
        if role == "anonymous":
            expected = 401
        elif role in allowed:
            expected = 400 if method == "post" else 200  # an empty body: allowed, and refused as invalid
        else:
            expected = 403
        if response.status_code != expected:
            wrong.append((action, expected, response.status_code))
        if response.status_code in (401, 403):
            assert error_code(response) in ("not_authenticated", "permission_denied", "authentication_failed")
    assert wrong == []


def test_the_auditor_never_sees_the_filers_words_or_contact(full, auditor, api_as):
    client = api_as(auditor)
    detail = client.get(url(full.reference))
    listed = client.get(LIST)
    assert detail.status_code == 200 and listed.status_code == 200
    body = detail.json()
    assert body["words"] is None
    assert body["contact"] == {"on_file": True}
    notes = [row for row in body["timeline"] if row["kind"] in ("note", "contact_attempt")]
    assert notes and all(row["text"] is None for row in notes)
    text = detail.content.decode() + listed.content.decode()
    leaked = [name for name, secret in SECRETS.items() if secret in text]
    assert leaked == []
    with CaptureQueriesContext(connection) as queries:
        client.get(url(full.reference))
    read = " ".join(query["sql"] for query in queries.captured_queries)
    for column in ('"narrative"', '"witnesses"', '"cases_casenote"."text"', '"intake_complaintcontact"."phone"'):
        assert column not in read  # not even loaded, nor decrypted


def test_it_masks_the_contact_like_the_staff_page_for_those_who_work_on_cases(full, liaison, api_as):
    response = api_as(liaison).get(url(full.reference))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["contact"] == {
        "on_file": True,
        "name": True,
        "phone": "•••• 21",
        "email": True,
        "best_times": True,
        "alternate_contact": True,
        "preferred_method": "sms",
        "safe_to_message": True,
    }
    text = response.content.decode()
    for name in ("name", "phone", "phone digits", "email", "best times", "alternate", "fernet token"):
        assert SECRETS[name] not in text, name


def test_it_gives_the_words_to_those_who_work_on_cases(full, liaison, api_as):
    body = api_as(liaison).get(url(full.reference)).json()
    words = body["words"]
    assert words["narrative"] == SECRETS["narrative"]
    assert words["witnesses"] == SECRETS["witnesses"]
    assert words["badge_numbers"] == SECRETS["badges"]
    assert [note["text"] for note in words["filer_notes"]] == [SECRETS["filer note"]]
    texts = {row["kind"]: row["text"] for row in body["timeline"] if row["kind"] in ("note", "contact_attempt")}
    assert texts == {"note": SECRETS["case note"], "contact_attempt": SECRETS["attempt note"]}


def test_the_detail_has_the_facts_timeline_and_linked_records(full, liaison, api_as):
    body = api_as(liaison).get(url(full.reference)).json()
    assert body["reference"] == full.reference
    assert body["status"] == "acknowledged" and body["outcome"] is None
    assert body["version"] == full.version
    assert body["field_office"] == "MIA" and body["city"] == "Miami" and body["officer_count"] == 4
    assert body["allegations"] == ["excessive_force", "verbal_abuse"]
    assert body["urgent_flags"] == ["detained"] and body["is_urgent"] is True
    assert body["wants"] == ["footage"]
    assert body["incidents"] == [full.incidents.get().reference]
    assert body["footage_requests"] == [full.footage_requests.get().reference]
    assert [(r["body"], r["status"], r["created_by"]) for r in body["referrals"]] == [("dhs_crcl", "preparing", "luis")]
    kinds = [row["kind"] for row in body["timeline"]]
    assert sorted(kinds) == sorted(["status", "status", "info_added", "note", "contact_attempt", "referral"])
    moved = next(row for row in body["timeline"] if row["kind"] == "status" and row["actor"] == "luis")
    assert moved["status"] == "acknowledged"
    times = [row["at"] for row in body["timeline"]]
    assert times == sorted(times, reverse=True)


def test_the_detail_runs_a_fixed_number_of_queries(full, liaison, api_as):
    def counted() -> int:
        client = api_as(liaison)  # a fresh token each time: its first use is recorded alike
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(full.reference)).status_code == 200
        return len(queries.captured_queries)

    before = counted()
    for n in range(10):
        CaseNote.objects.create(complaint=full, author=liaison, text=f"note {n}")
        ContactAttempt.objects.create(complaint=full, actor=liaison, method="text", result="texted")
        Referral.objects.create(complaint=full, body="dhs_oig", created_by=liaison)
        complaint_add_information(complaint=full, text=f"more {n}")
    assert counted() == before <= 16


@pytest.mark.parametrize("reference", ["C-999999", "c-000001", "nonsense", "C-1%00", "C-" + "9" * 40])
def test_an_unknown_or_malformed_reference_is_not_found(reference, liaison, api_as):
    file("one")
    client = api_as(liaison)
    for action, method in (("", "get"), ("reveal", "post"), ("status", "post"), ("assign", "post")):
        response = getattr(client, method)(url(reference, action), {}, format="json")
        assert response.status_code == 404, (action, response.status_code)
        assert error_code(response) == "not_found"


# The queue ---------------------------------------------------------------------------------------


def test_it_lists_the_queue_urgent_first_then_oldest_without_closed(liaison, api_as):
    old = file("old", days_ago=9)
    new = file("new", days_ago=1)
    urgent_new = file("urgent-new", urgent=True, days_ago=2)
    urgent_old = file("urgent-old", urgent=True, days_ago=5)
    closed = file("closed", urgent=True, days_ago=30)
    Complaint.objects.filter(pk=closed.pk).update(status="closed", outcome="resolved")
    client = api_as(liaison)
    expected = [urgent_old.reference, urgent_new.reference, old.reference, new.reference]
    assert references(client.get(LIST)) == expected
    assert references(client.get(LIST, {"status": "any"})) == [closed.reference, *expected]
    row = client.get(LIST, {"status": "closed"}).json()["results"][0]
    assert row["reference"] == closed.reference and row["outcome"] == "resolved"


def test_a_row_has_the_queue_facts(liaison, supervisor, api_as, organization):
    complaint = file("row", urgent=True, allegations=["coercion", "lawyer_access"], channel="sms", days_ago=1)
    Complaint.objects.filter(pk=complaint.pk).update(
        assignee=supervisor, organization=organization, ack_due_at=timezone.now() - timedelta(hours=1)
    )
    row = api_as(liaison).get(LIST).json()["results"][0]
    assert row == {
        "reference": complaint.reference,
        "status": "received",
        "outcome": None,
        "version": 1,
        "is_urgent": True,
        "urgent_flags": ["detained"],
        "needs_interpreter": False,
        "allegations": ["coercion", "lawyer_access"],
        "language": "ht",
        "channel": "sms",
        "filer_role": "person_affected",
        "field_office": "MIA",
        "organization": "gulf-coast",
        "assignee": "sara",
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "ack_due_at": row["ack_due_at"],
        "acknowledged_at": None,
        "overdue": True,
    }


def test_each_filter_keeps_only_what_it_names(liaison, supervisor, api_as):
    plain = file("plain", days_ago=3)
    urgent = file("urgent", urgent=True, days_ago=3)
    coercion = file("coercion", allegations=["coercion"], days_ago=3)
    houston = file("houston", office="HOU", days_ago=3)
    spanish = file("spanish", language="es", days_ago=3)
    sms = file("sms", channel="sms", days_ago=3)
    old = file("old", days_ago=40)
    mine = file("mine", days_ago=3)
    theirs = file("theirs", days_ago=3)
    overdue = file("overdue", days_ago=3)
    fresh = file("fresh")
    Complaint.objects.filter(pk=mine.pk).update(assignee=liaison)
    Complaint.objects.filter(pk=theirs.pk).update(assignee=supervisor)
    Complaint.objects.exclude(pk=overdue.pk).update(acknowledged_at=timezone.now())
    Complaint.objects.filter(pk=overdue.pk).update(ack_due_at=timezone.now() - timedelta(hours=1))
    Complaint.objects.filter(pk=fresh.pk).update(updated_at=timezone.now() + timedelta(minutes=5))
    everyone = {
        c.reference for c in [plain, urgent, coercion, houston, spanish, sms, old, mine, theirs, overdue, fresh]
    }
    client = api_as(liaison)
    week_ago = (timezone.now() - timedelta(days=7)).isoformat()
    cases = [
        ({}, everyone),
        ({"urgent": "true"}, {urgent.reference}),
        ({"urgent": "false"}, everyone - {urgent.reference}),
        ({"allegation": "coercion"}, {coercion.reference}),
        ({"field_office": "hou"}, {houston.reference}),
        ({"field_office": "ZZZ"}, set()),
        ({"language": "es"}, {spanish.reference}),
        ({"channel": "sms"}, {sms.reference}),
        ({"assignee": "me"}, {mine.reference}),
        ({"assignee": str(supervisor.pk)}, {theirs.reference}),
        ({"assignee": "sara"}, {theirs.reference}),
        ({"assignee": "nobody-by-that-name"}, set()),
        ({"assignee": "none"}, everyone - {mine.reference, theirs.reference}),
        ({"overdue": "true"}, {overdue.reference}),
        ({"overdue": "false"}, everyone - {overdue.reference}),
        ({"created_before": week_ago}, {old.reference}),
        ({"created_after": week_ago}, everyone - {old.reference}),
        ({"updated_after": (timezone.now() + timedelta(minutes=1)).isoformat()}, {fresh.reference}),
    ]
    for query, expected in cases:
        assert set(references(client.get(LIST, query))) == expected, query


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"allegation": "nope"},
        {"language": "xx"},
        {"channel": "fax"},
        {"created_after": "yesterday"},
        {"created_after": "1999-12-31T00:00:00Z"},
        {"created_before": "9999-12-31T23:59:59-12:00"},
        {"updated_after": "0001-01-01T00:00:00+14:00"},
        {"field_office": "TOO-LONG-CODE"},
        {"assignee": "x" * 151},
        {"caller_language": "Mam\x00"},
    ],
)
def test_a_bad_filter_value_is_refused_with_the_error_shape(query, liaison, api_as):
    response = api_as(liaison).get(LIST, query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == set(query)


def test_odd_but_harmless_values_do_not_fail(liaison, api_as):
    file("one")
    client = api_as(liaison)
    assert client.get(LIST, {"urgent": "maybe"}).status_code == 400  # the schema says boolean
    for query in (
        {"page_size": "0"},
        {"page_size": "99999999999999999999"},
        {"assignee": "9" * 30},
    ):
        assert client.get(LIST, query).status_code == 200, query


def test_pages_walk_the_whole_queue_forward_and_back_without_repeats_or_gaps(liaison, api_as):
    complaints = [file(f"k{n}", urgent=n % 4 == 0, days_ago=n % 7) for n in range(23)]
    # Several share a creation time: the id breaks the tie.
    Complaint.objects.filter(pk__in=[c.pk for c in complaints[:6]]).update(created_at=timezone.now())
    expected = list(Complaint.objects.order_by("queue_rank", "created_at", "id").values_list("reference", flat=True))
    client = api_as(liaison)
    seen, pages, link = [], [], f"{LIST}?page_size=5"
    while link:
        body = client.get(link).json()
        pages.append([row["reference"] for row in body["results"]])
        seen += pages[-1]
        assert (body["previous"] is None) == (len(pages) == 1)
        link = body["next"]
    assert seen == expected and len(pages) == 5
    back, link = [], body["previous"]
    while link:
        body = client.get(link).json()
        back.insert(0, [row["reference"] for row in body["results"]])
        link = body["previous"]
    assert back == pages[:-1]
    assert body["next"] is not None


def test_a_complaint_filed_between_pages_is_neither_repeated_nor_skipped(liaison, api_as):
    for n in range(4):
        file(f"p{n}", days_ago=10 - n)
    client = api_as(liaison)
    first = client.get(LIST, {"page_size": 2}).json()
    urgent = file("late-urgent", urgent=True)  # sorts before this page: not shown on the next
    newest = file("late-new")  # sorts after everything: shown at the end
    rest = []
    link = first["next"]
    while link:
        body = client.get(link).json()
        rest += [row["reference"] for row in body["results"]]
        link = body["next"]
    shown = [row["reference"] for row in first["results"]] + rest
    assert len(shown) == len(set(shown)) == 5
    assert urgent.reference not in shown and shown[-1] == newest.reference


@pytest.mark.parametrize("cursor", ["garbage", "bi4xLDIsMw", "WyJuIiwwLCIyMDI2IiwxXQ:1abc:sig"])
def test_an_edited_cursor_is_refused_not_a_failure(cursor, liaison, api_as):
    file("one")
    response = api_as(liaison).get(LIST, {"cursor": cursor})
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_the_list_runs_the_same_queries_for_3_and_30_rows_and_reads_no_encrypted_column(liaison, supervisor, api_as):
    def listed(count: int) -> list[str]:
        for n in range(count - Complaint.objects.count()):
            complaint = file(f"q{count}-{n}", urgent=n % 3 == 0)
            Complaint.objects.filter(pk=complaint.pk).update(assignee=supervisor if n % 2 else liaison)
        client = api_as(liaison)  # a fresh token each time: its first use is recorded alike
        with CaptureQueriesContext(connection) as queries:
            assert len(references(client.get(LIST, {"page_size": 50}))) == count
        return [query["sql"] for query in queries.captured_queries]

    three, thirty = listed(3), listed(30)
    assert len(three) == len(thirty)
    rows = next(sql for sql in thirty if 'FROM "intake_complaint"' in sql)
    for column in ("narrative", "witnesses", "officer_names", "intake_complaintcontact", "password"):
        assert column not in rows


# Reveal ------------------------------------------------------------------------------------------


def test_a_reveal_with_a_reason_answers_the_contact_in_clear_and_is_audited(full, liaison, api_as):
    response = api_as(liaison).post(url(full.reference, "reveal"), {"reason": REASON}, format="json")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "name": NAME,
        "phone": PHONE,
        "email": EMAIL,
        "best_times": SECRETS["best times"],
        "alternate_contact": SECRETS["alternate"],
    }
    event = AuditEvent.objects.get(action="complaint.pii_revealed")
    assert (event.actor, event.object_ref, event.reason) == (liaison, full.reference, REASON)


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "because"}, {"reason": "x" * 501}, {"reason": 12}])
def test_a_reveal_without_a_real_reason_is_refused_and_not_audited(body, full, liaison, api_as):
    response = api_as(liaison).post(url(full.reference, "reveal"), body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    assert PHONE not in response.content.decode()
    assert not AuditEvent.objects.filter(action="complaint.pii_revealed").exists()


def test_an_anonymous_complaint_has_nothing_to_reveal(liaison, api_as):
    complaint = file("anon")
    response = api_as(liaison).post(url(complaint.reference, "reveal"), {"reason": REASON}, format="json")
    assert response.status_code == 409 and error_code(response) == "no_contact"
    assert api_as(liaison).get(url(complaint.reference)).json()["contact"] is None


def test_the_reason_message_is_in_the_callers_language(full, liaison, api_as):
    response = api_as(liaison).post(
        url(full.reference, "reveal"), {"reason": "no"}, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    with translation.override("es"):
        expected = gettext("Say in a few words why you need to see the contact details.")
    assert expected != "Say in a few words why you need to see the contact details."
    assert response.json()["error"]["message"] == expected


# Status ------------------------------------------------------------------------------------------


def test_a_status_change_answers_the_new_version_and_is_recorded(full, liaison, api_as):
    response = api_as(liaison).post(
        url(full.reference, "status"), {"status": "in_review", "version": full.version}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "reference": full.reference,
        "status": "in_review",
        "outcome": None,
        "version": full.version + 1,
    }
    assert ComplaintEvent.objects.filter(complaint=full, status="in_review", actor=liaison).exists()
    assert AuditEvent.objects.filter(action="complaint.status_changed", object_ref=full.reference).exists()


def test_closing_needs_a_known_outcome(full, liaison, api_as):
    client = api_as(liaison)
    target = url(full.reference, "status")
    missing = client.post(target, {"status": "closed", "version": full.version}, format="json")
    assert missing.status_code == 400 and error_code(missing) == "outcome"
    assert "outcome" in missing.json()["error"]["fields"]
    bad = client.post(target, {"status": "closed", "outcome": "won", "version": full.version}, format="json")
    assert bad.status_code == 400 and "outcome" in bad.json()["error"]["fields"]
    closed = client.post(target, {"status": "closed", "outcome": "resolved", "version": full.version}, format="json")
    assert closed.status_code == 200 and closed.json()["outcome"] == "resolved"
    assert Complaint.objects.get(pk=full.pk).status == "closed"


def test_a_stale_version_is_a_conflict_and_changes_nothing(full, liaison, api_as):
    response = api_as(liaison).post(
        url(full.reference, "status"), {"status": "in_review", "version": full.version - 1}, format="json"
    )
    assert response.status_code == 409 and error_code(response) == "stale"
    with translation.override("en"):
        assert response.json()["error"]["message"] == gettext(
            "Someone else changed this complaint. Please look at it again before you change it."
        )
    assert Complaint.objects.get(pk=full.pk).status == "acknowledged"


def test_a_move_the_workflow_forbids_is_a_conflict(full, liaison, api_as):
    response = api_as(liaison).post(
        url(full.reference, "status"), {"status": "received", "version": full.version}, format="json"
    )
    assert response.status_code == 409 and error_code(response) == "transition"
    assert Complaint.objects.get(pk=full.pk).version == full.version


@pytest.mark.parametrize(
    "body",
    [
        {"status": "in_review"},
        {"status": "in_review", "version": "one"},
        {"status": "in_review", "version": 10**30},
        {"status": ["in_review"], "version": 1},
        {"status": None, "version": 1},
    ],
)
def test_a_malformed_status_change_is_refused(body, full, liaison, api_as):
    response = api_as(liaison).post(url(full.reference, "status"), body, format="json")
    assert response.status_code == 400 and error_code(response) == "invalid"


def test_a_non_json_body_is_refused_not_a_failure(full, liaison, api_as):
    client = api_as(liaison)
    for body, content_type in (
        ("{not json", "application/json"),
        ("status=closed", "application/x-www-form-urlencoded"),
    ):
        response = client.post(url(full.reference, "status"), body, content_type=content_type)
        assert response.status_code in (400, 415), content_type


def test_a_status_change_repeated_with_its_idempotency_key_happens_once(full, liaison, api_as):
    client = api_as(liaison)
    body = {"status": "in_review", "version": full.version}
    first = client.post(url(full.reference, "status"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(url(full.reference, "status"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert ComplaintEvent.objects.filter(complaint=full, status="in_review").count() == 1


# Assignment --------------------------------------------------------------------------------------


def assign(client, complaint, assignee, version=None):
    body = {"assignee": assignee, "version": version or Complaint.objects.get(pk=complaint.pk).version}
    return client.post(url(complaint.reference, "assign"), body, format="json")


def test_a_liaison_takes_a_complaint_and_gives_it_back(full, liaison, api_as):
    client = api_as(liaison)
    taken = assign(client, full, "me")
    assert taken.status_code == 200
    assert taken.json() == {"reference": full.reference, "assignee": "luis", "version": full.version + 1}
    back = assign(client, full, None)
    assert back.status_code == 200 and back.json()["assignee"] is None
    assert Complaint.objects.get(pk=full.pk).assignee is None
    assert AuditEvent.objects.filter(action="complaint.assigned", object_ref=full.reference).count() == 2


def test_a_liaison_may_not_assign_to_someone_else_nor_take_anothers(full, liaison, supervisor, api_as):
    client = api_as(liaison)
    refused = assign(client, full, "sara")
    assert refused.status_code == 403 and error_code(refused) == "permission"
    assert assign(api_as(supervisor), full, "sara").status_code == 200
    taken = assign(client, full, "me")
    assert taken.status_code == 403 and error_code(taken) == "permission"
    assert Complaint.objects.get(pk=full.pk).assignee == supervisor


def test_a_supervisor_assigns_anyone_by_username_or_id(full, liaison, supervisor, api_as):
    client = api_as(supervisor)
    assert assign(client, full, "luis").json()["assignee"] == "luis"
    assert assign(client, full, str(supervisor.pk)).json()["assignee"] == "sara"
    assert Complaint.objects.get(pk=full.pk).assignee == supervisor


@pytest.mark.parametrize("assignee", ["nobody-here", "99999999", "9" * 40])
def test_an_unknown_assignee_is_refused(assignee, full, supervisor, api_as):
    response = assign(api_as(supervisor), full, assignee)
    assert response.status_code == 400 and error_code(response) == "assignee"
    assert "assignee" in response.json()["error"]["fields"]


def test_only_case_workers_can_be_assigned(full, supervisor, auditor, api_as):
    response = assign(api_as(supervisor), full, auditor.username)
    assert response.status_code == 400 and error_code(response) == "assignee"


def test_an_assignment_on_a_stale_version_is_a_conflict(full, liaison, api_as):
    response = assign(api_as(liaison), full, "me", version=full.version + 5)
    assert response.status_code == 409 and error_code(response) == "stale"
    assert Complaint.objects.get(pk=full.pk).assignee is None


# The staff web session ---------------------------------------------------------------------------


def test_the_staff_session_after_the_second_factor_reads_the_api(full, liaison, staff_client):
    response = staff_client(liaison).get(LIST)
    assert response.status_code == 200
    assert references(response) == [full.reference]


def test_a_staff_session_without_the_second_factor_is_not_an_api_login(full, liaison, client):
    client.force_login(liaison)
    response = client.get(LIST)
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
    assert error_code(response) in ("not_authenticated", "permission_denied")


def test_a_staff_session_post_needs_the_csrf_token(full, liaison):
    from tests.conftest import staff_login

    client = staff_login(Client(enforce_csrf_checks=True), liaison)
    body = {"status": "in_review", "version": full.version}
    response = client.post(url(full.reference, "status"), body, content_type="application/json")
    assert response.status_code == 403
    assert Complaint.objects.get(pk=full.pk).status == "acknowledged"


def test_the_urls_are_named_in_the_api_namespace():
    assert reverse("api:staff_complaint_list") == LIST
    assert reverse("api:staff_complaint_detail", args=["C-000001"]) == url("C-000001")
