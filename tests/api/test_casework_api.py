"""The staff API's incidents and footage requests (/api/v1/staff/incidents/, /footage-requests/):
who may read them, what they show (never a requester's details, never staff's summary to an
auditor), their filters and cursor pages, the legal clock, and the requester's details revealed
only with a reason that the audit log keeps."""

import base64
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import IdempotencyRecord
from cases import workflow as w
from cases.models import FootageRequest, Incident
from cases.selectors import footage_due
from cases.services import (
    footage_extend,
    footage_move,
    footage_pause,
    footage_redaction_set,
    footage_request_create,
    incident_create_from,
    incident_merge_into,
    incident_update,
)
from intake.services import complaint_submit
from privacy.models import AuditEvent
from tests.intake.test_services import complaint_input

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/staff/incidents/"
FOOTAGE = "/api/v1/staff/footage-requests/"
TODAY = date(2027, 2, 1)  # a Monday, after every date these tests give
NAME, EMAIL, ADDRESS = "Rosa Quintanilla Ybarra", "rosa.quintanilla@example.org", "4417 Almeda Road, Houston TX"
SUMMARY = "Neighbour Rosa saw the van"
REASON = "mailing the decision letter"
STAFF_ROLES = ["liaison", "supervisor", "auditor", "admin_user"]


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Today is TODAY (or whatever a test sets `today["day"]` to)."""
    now = {"day": TODAY}
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, tz=None: now["day"] if value is None else real(value))
    return now


def complaint(key: str, *, day=date(2026, 10, 3), city="Miami", state="FL", office="MIA"):
    data = complaint_input(incident_date=day, city=city, state=state, field_office_code=office, wants=["footage"])
    return complaint_submit(data=data, channel="web", submission_key=key, notify_filer=False).complaint


def incident(actor, key: str, **where) -> Incident:
    return incident_create_from(complaint=complaint(key, **where), actor=actor)


def edit(found: Incident, actor, **changes) -> Incident:
    found.refresh_from_db()
    values = {
        "summary": found.summary,
        "tags": found.tags,
        "starts_on": found.starts_on,
        "ends_on": found.ends_on,
        "city": found.city,
        "state": found.state,
        "field_office": found.field_office,
        "agency": found.agency,
        **changes,
    }
    return incident_update(incident=found, actor=actor, version=found.version, **values)


def footage(actor, **changes) -> FootageRequest:
    values = {
        "requester_type": FootageRequest.Requester.ATTORNEY,
        "received_on": date(2026, 11, 20),
        "perfected_on": date(2026, 11, 23),
        "language": "es",
        "requester_name": NAME,
        "requester_email": EMAIL,
        "requester_address": ADDRESS,
        **changes,
    }
    return footage_request_create(actor=actor, **values)


def move(request: FootageRequest, actor, *steps, **options) -> FootageRequest:
    for to in steps:
        request.refresh_from_db()
        request = footage_move(request=request, to=to, actor=actor, version=request.version, **options)
    return request


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def walk(client, url: str) -> list[str]:
    """Every reference of every page, following `next`."""
    seen = []
    while url:
        body = client.get(url).json()
        seen += [row["reference"] for row in body["results"]]
        url = body["next"]
    return seen


def forged_cursor(position: str) -> str:
    return base64.b64encode(f"p={position}".encode()).decode()


# --- who may read ---


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_it_lets_every_staff_role_read_incidents_and_footage_requests(request, api_as, liaison, role):
    found = incident(liaison, "web:1")
    asked = footage(liaison, incident=found)
    client = api_as(request.getfixturevalue(role))
    assert references(client.get(INCIDENTS)) == [found.reference]
    assert client.get(f"{INCIDENTS}{found.reference}/").json()["reference"] == found.reference
    assert references(client.get(FOOTAGE)) == [asked.reference]
    assert client.get(f"{FOOTAGE}{asked.reference}/").json()["reference"] == asked.reference


def test_it_refuses_an_organisations_member_and_asks_a_stranger_for_a_token(api, api_as, advocate, liaison):
    found = incident(liaison, "web:1")
    asked = footage(liaison, incident=found)
    urls = [INCIDENTS, f"{INCIDENTS}{found.reference}/", FOOTAGE, f"{FOOTAGE}{asked.reference}/"]
    reveal = f"{FOOTAGE}{asked.reference}/reveal/"
    member = api_as(advocate)
    for url in urls:
        assert member.get(url).status_code == 403
        answer = api.get(url)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "not_authenticated"
    assert member.post(reveal, {"reason": REASON}, format="json").status_code == 403
    assert api.post(reveal, {"reason": REASON}, format="json").status_code == 401
    assert not AuditEvent.objects.filter(action="footage.requester_revealed").exists()


def test_it_answers_a_staff_members_web_session_after_the_second_factor(staff_client, liaison):
    found = incident(liaison, "web:1")
    answer = staff_client(liaison).get(INCIDENTS)
    assert answer.status_code == 200
    assert [row["reference"] for row in answer.json()["results"]] == [found.reference]


# --- incidents ---


def test_it_gives_an_incidents_facts_with_its_complaints_and_footage_requests(api_as, liaison):
    found = incident(liaison, "web:1")
    second = complaint("web:2")
    found.complaints.add(second)
    asked = footage(liaison, incident=found)
    found = edit(found, liaison, summary=SUMMARY, tags=["raid", "niños"], agency="ice_ero")
    row = api_as(liaison).get(f"{INCIDENTS}{found.reference}/").json()
    assert row == {
        "reference": found.reference,
        "starts_on": "2026-10-03",
        "ends_on": "2026-10-03",
        "city": "Miami",
        "state": "FL",
        "field_office": "MIA",
        "agency": "ice_ero",
        "summary": SUMMARY,
        "tags": ["raid", "niños"],
        "complaints": sorted([found.complaints.earliest("pk").reference, second.reference]),
        "footage_requests": [asked.reference],
        "merged_into": None,
        "version": found.version,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    updated = AuditEvent.objects.filter(action="incident.updated").get()
    assert row["updated_at"] == timezone.localtime(updated.created_at).isoformat()


def test_it_never_gives_an_auditor_staffs_summary_nor_even_loads_it(api_as, auditor, liaison):
    edit(incident(liaison, "web:1"), liaison, summary=SUMMARY)
    client = api_as(auditor)
    with CaptureQueriesContext(connection) as queries:
        listed = client.get(INCIDENTS)
        one = client.get(f"{INCIDENTS}{listed.json()['results'][0]['reference']}/")
    assert listed.json()["results"][0]["summary"] is None
    assert one.json()["summary"] is None
    assert SUMMARY not in listed.content.decode() + one.content.decode()
    assert not any('"summary"' in query["sql"] for query in queries.captured_queries)
    assert api_as(liaison).get(INCIDENTS).json()["results"][0]["summary"] == SUMMARY


def test_it_filters_incidents_by_office_place_dates_and_tag(api_as, liaison):
    miami = incident(liaison, "web:1", day=date(2026, 10, 3))
    houston = incident(liaison, "web:2", day=date(2026, 9, 1), city="Houston", state="TX", office="HOU")
    later = incident(liaison, "web:3", day=date(2026, 11, 2), city="Hialeah")
    edit(later, liaison, tags=["raid", "niños"])
    client = api_as(liaison)
    assert references(client.get(INCIDENTS, {"field_office": "hou"})) == [houston.reference]
    assert references(client.get(INCIDENTS, {"state": "tx"})) == [houston.reference]
    assert references(client.get(INCIDENTS, {"city": "hialeah"})) == [later.reference]
    assert references(client.get(INCIDENTS, {"date_from": "2026-10-01", "date_to": "2026-10-31"})) == [miami.reference]
    assert references(client.get(INCIDENTS, {"tag": "Niños"})) == [later.reference]
    assert references(client.get(INCIDENTS, {"tag": "school"})) == []
    assert references(client.get(INCIDENTS, {"field_office": "ZZZ"})) == []


def test_it_lists_a_merged_incident_only_when_asked_and_points_at_the_one_kept(api_as, liaison):
    gone = incident(liaison, "web:1")
    kept = incident(liaison, "web:2")
    incident_merge_into(incident=gone, target=kept, actor=liaison, version=gone.version)
    client = api_as(liaison)
    assert references(client.get(INCIDENTS)) == [kept.reference]
    listed = client.get(INCIDENTS, {"include_merged": "true"}).json()["results"]
    assert {row["reference"]: row["merged_into"] for row in listed} == {
        kept.reference: None,
        gone.reference: kept.reference,
    }
    assert client.get(f"{INCIDENTS}{gone.reference}/").json()["merged_into"] == kept.reference
    # The merge changed the incident kept (its complaints, its window): its updated_at says so.
    merged = AuditEvent.objects.get(action="incident.merged")
    kept_row = client.get(f"{INCIDENTS}{kept.reference}/").json()
    assert kept_row["updated_at"] == timezone.localtime(merged.created_at).isoformat()
    assert len(kept_row["complaints"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "yesterday"},
        {"date_to": "2026-02-30"},
        {"date_from": "99999-01-01"},
        {"include_merged": "maybe"},
        {"field_office": "MI\x00A"},
        {"tag": "x" * 41},
        {"state": "Texas"},
    ],
)
def test_it_refuses_a_bad_incident_filter_with_the_error_shape(api_as, liaison, query):
    answer = api_as(liaison).get(INCIDENTS, query)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == set(query)


@pytest.mark.parametrize("reference", ["IN-999999", "IN-1", "in-000001", "45", "IN-000001\x00", "I" * 300])
def test_it_answers_an_unknown_incident_with_404(api_as, liaison, reference):
    incident(liaison, "web:1")
    answer = api_as(liaison).get(f"{INCIDENTS}{reference}/")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_the_incident_list_takes_as_many_queries_for_30_rows_as_for_3(api_as, liaison):
    client = api_as(liaison)

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            found = incident(liaison, f"web:{n}")
            footage(liaison, incident=found)
            edit(found, liaison, summary=SUMMARY, tags=["raid"])

    add(3, 0)
    client.get(INCIDENTS)  # a token's first use is recorded once
    with CaptureQueriesContext(connection) as three:
        assert len(references(client.get(INCIDENTS, {"page_size": 100}))) == 3
    add(27, 3)
    with CaptureQueriesContext(connection) as thirty:
        assert len(references(client.get(INCIDENTS, {"page_size": 100}))) == 30
    assert len(thirty) == len(three)


def test_it_pages_incidents_newest_first_by_cursor(api_as, liaison):
    made = [incident(liaison, f"web:{n}").reference for n in range(7)]
    client = api_as(liaison)
    assert walk(client, f"{INCIDENTS}?page_size=3") == made[::-1]
    first = client.get(INCIDENTS, {"page_size": 3}).json()
    assert first["previous"] is None
    back = client.get(client.get(first["next"]).json()["previous"]).json()
    assert [row["reference"] for row in back["results"]] == made[::-1][:3]


@pytest.mark.parametrize("cursor", ["nonsense", forged_cursor("garbage"), forged_cursor("2026-99-01 00:00")])
def test_it_answers_a_bad_cursor_with_404_not_an_error(api_as, liaison, cursor):
    footage(liaison, incident=incident(liaison, "web:1"))
    client = api_as(liaison)
    for url in (INCIDENTS, FOOTAGE):
        answer = client.get(url, {"cursor": cursor})
        assert answer.status_code == 404, (url, answer.content)
        assert answer.json()["error"]["code"] == "invalid_cursor"


# --- footage requests ---


def test_it_gives_a_footage_request_without_the_requesters_details(api_as, liaison):
    found = incident(liaison, "web:1")
    asked = footage(liaison, incident=found, complaint=found.complaints.get())
    client = api_as(liaison)
    listed = client.get(FOOTAGE)
    one = client.get(f"{FOOTAGE}{asked.reference}/")
    for text in (listed.content.decode(), one.content.decode()):
        assert NAME not in text and EMAIL not in text and "Almeda" not in text
    row = listed.json()["results"][0]
    due = footage_due(asked)
    assert {key: row[key] for key in row if key not in ("created_at", "updated_at", "checklist")} == {
        "reference": asked.reference,
        "status": "received",
        "requester_type": "attorney",
        "legal_basis": "foia",
        "language": "es",
        "incident": found.reference,
        "complaint": found.complaints.get().reference,
        "received_on": "2026-11-20",
        "perfected_on": "2026-11-23",
        "due_on": due.isoformat(),
        "decided_at": None,
        "clock": {
            "running": True,
            "days_left": row["clock"]["days_left"],
            "overdue": True,
            "paused": False,
            "extended": False,
            "extended_on": None,
        },
        "expedited": {"requested": False, "ground": None, "granted": None, "decision_due_on": None},
        "hold": {"issued_on": "2026-11-20", "until": row["hold"]["until"], "days_left": row["hold"]["days_left"]},
        "no_footage_reason": None,
        "exemptions": [],
        "version": asked.version,
    }
    assert due < TODAY and row["clock"]["days_left"] < 0
    assert [item["state"] for item in row["checklist"]] == ["pending"] * 8
    assert row["checklist"][0] == {"item": "bystander_faces", "state": "pending", "reviewer": None, "decided_at": None}


def test_it_shows_the_clock_paused_extended_and_expedited(api_as, liaison):
    paused = footage(liaison)
    footage_pause(request=paused, on=date(2026, 12, 1), actor=liaison, version=paused.version)
    extended = footage(liaison, perfected_on=date(2027, 1, 25))
    footage_extend(request=extended, on=date(2027, 1, 26), actor=liaison, version=extended.version)
    fast = footage(liaison, perfected_on=None, expedited_requested=True, expedited_ground="due_process")
    rows = {row["reference"]: row for row in api_as(liaison).get(FOOTAGE).json()["results"]}
    assert rows[paused.reference]["due_on"] is None
    assert rows[paused.reference]["clock"] == {
        "running": True,
        "days_left": None,
        "overdue": False,
        "paused": True,
        "extended": False,
        "extended_on": None,
    }
    assert rows[extended.reference]["clock"]["extended"] is True
    assert rows[extended.reference]["clock"]["extended_on"] == "2027-01-26"
    assert rows[extended.reference]["due_on"] == footage_due(FootageRequest.objects.get(pk=extended.pk)).isoformat()
    assert rows[fast.reference]["expedited"] == {
        "requested": True,
        "ground": "due_process",
        "granted": None,
        "decision_due_on": "2026-11-30",
    }
    assert rows[fast.reference]["due_on"] is None


def test_it_gives_a_requests_checklist_history_pauses_and_decision(api_as, liaison, supervisor):
    asked = move(footage(liaison), liaison, w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED)
    footage_redaction_set(request=asked, item="minors", state="done", actor=supervisor, version=asked.version)
    none = move(footage(liaison), liaison, w.ACKNOWLEDGED, w.SEARCHING)
    none = move(none, supervisor, w.NO_FOOTAGE, no_footage_reason="not_activated")
    client = api_as(liaison)
    row = client.get(f"{FOOTAGE}{asked.reference}/").json()
    assert [event["status"] for event in row["history"]] == ["received", "acknowledged", "searching", "footage_located"]
    assert {event["actor"] for event in row["history"]} == {"luis"}
    minors = next(item for item in row["checklist"] if item["item"] == "minors")
    assert minors["state"] == "done" and minors["reviewer"] == "sara" and minors["decided_at"]
    assert len(row["checklist"]) == 8
    assert row["pauses"] == [] and row["prepared_by"] is None and row["approved_by"] is None
    decided = client.get(f"{FOOTAGE}{none.reference}/").json()
    assert decided["status"] == "no_footage" and decided["no_footage_reason"] == "not_activated"
    assert decided["decided_at"] is not None
    assert decided["clock"] == {
        "running": False,
        "days_left": None,
        "overdue": False,
        "paused": False,
        "extended": False,
        "extended_on": None,
    }
    assert decided["history"][-1] == {"status": "no_footage", "at": decided["decided_at"], "actor": "sara"}


def test_it_filters_footage_requests(api_as, liaison):
    miami = incident(liaison, "web:1")
    houston_complaint = complaint("web:2", city="Houston", state="TX", office="HOU")
    late = footage(liaison, incident=miami)  # perfected 2026-11-23: overdue by TODAY
    soon = footage(liaison, perfected_on=date(2027, 1, 25), complaint=houston_complaint)
    unperfected = footage(liaison, perfected_on=None, expedited_requested=True, expedited_ground="other")
    decided = move(footage(liaison, requester_type="journalist"), liaison, w.ACKNOWLEDGED, w.SEARCHING)
    decided = move(decided, liaison, w.NO_FOOTAGE, no_footage_reason="deleted")
    client = api_as(liaison)

    def found(**query) -> set[str]:
        return set(references(client.get(FOOTAGE, query)))

    assert found() == {late.reference, soon.reference, unperfected.reference, decided.reference}
    assert found(status="no_footage") == {decided.reference}
    assert found(requester_type="journalist") == {decided.reference}
    assert found(expedited="true") == {unperfected.reference}
    assert found(expedited="false") == {late.reference, soon.reference, decided.reference}
    assert found(overdue="true") == {late.reference}
    assert found(overdue="false") == {soon.reference, unperfected.reference, decided.reference}
    assert found(due_before="2027-03-31") == {late.reference, soon.reference}
    assert found(due_before=footage_due(soon).isoformat()) == {late.reference}
    assert found(due_before="2027-03-31", overdue="false") == {soon.reference}
    assert found(field_office="MIA") == {late.reference}
    assert found(field_office="hou") == {soon.reference}
    assert found(incident=miami.reference) == {late.reference}
    assert found(complaint=houston_complaint.reference) == {soon.reference}
    assert found(due_before="0001-01-01") == set()
    assert found(due_before="9999-12-31") == {late.reference, soon.reference}


def test_a_request_perfected_on_a_sunday_is_overdue_from_its_27th_day(api_as, liaison, today):
    # 20 working days from a Sunday end on the fourth Friday after it: 26 calendar days.
    today["day"] = date(2027, 4, 3)  # a Saturday
    sunday = footage(liaison, received_on=date(2027, 3, 7), perfected_on=date(2027, 3, 7))
    assert footage_due(sunday) == date(2027, 4, 2)
    row = api_as(liaison).get(FOOTAGE, {"overdue": "true"}).json()["results"]
    assert [r["reference"] for r in row] == [sunday.reference]
    assert row[0]["clock"]["days_left"] == -1
    # The staff web's deadlines list agrees.
    from cases.selectors import footage_requests

    assert [r.reference for r in footage_requests(overdue=True, today=date(2027, 4, 3))] == [sunday.reference]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "lost"},
        {"requester_type": "police"},
        {"expedited": "2"},
        {"overdue": "maybe"},
        {"due_before": "2027-02-30"},
        {"due_before": "tomorrow"},
        {"field_office": "\x00"},
        {"incident": "IN-" + "9" * 40},
    ],
)
def test_it_refuses_a_bad_footage_filter_with_the_error_shape(api_as, liaison, query):
    answer = api_as(liaison).get(FOOTAGE, query)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == set(query)


@pytest.mark.parametrize("reference", ["FR-999999", "fr-000001", "17", "FR-000001\x00", "F" * 300])
def test_it_answers_an_unknown_footage_request_with_404(api_as, liaison, reference):
    footage(liaison)
    client = api_as(liaison)
    assert client.get(f"{FOOTAGE}{reference}/").status_code == 404
    assert client.post(f"{FOOTAGE}{reference}/reveal/", {"reason": REASON}, format="json").status_code == 404


def test_the_footage_list_takes_as_many_queries_for_30_rows_as_for_3(api_as, liaison, supervisor):
    client = api_as(liaison)

    def add(count: int) -> None:
        for _n in range(count):
            asked = move(footage(liaison), liaison, w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED)
            footage_redaction_set(request=asked, item="plates", state="done", actor=supervisor, version=asked.version)
            footage_pause(request=asked, on=date(2026, 12, 1), actor=liaison, version=asked.version + 1)

    add(3)
    client.get(FOOTAGE)  # a token's first use is recorded once
    with CaptureQueriesContext(connection) as three:
        assert len(references(client.get(FOOTAGE, {"page_size": 100, "overdue": "false"}))) == 3
    add(27)
    with CaptureQueriesContext(connection) as thirty:
        assert len(references(client.get(FOOTAGE, {"page_size": 100, "overdue": "false"}))) == 30
    assert len(thirty) == len(three)


def test_it_pages_footage_requests_newest_first_by_cursor(api_as, liaison):
    made = [footage(liaison).reference for _n in range(5)]
    assert walk(api_as(liaison), f"{FOOTAGE}?page_size=2") == made[::-1]


# --- revealing the requester ---


def test_it_reveals_the_requester_for_a_reason_and_audits_it(api_as, liaison):
    asked = footage(liaison)
    before = api_as(liaison).get(f"{FOOTAGE}{asked.reference}/").json()["updated_at"]
    client = api_as(liaison)
    answer = client.post(f"{FOOTAGE}{asked.reference}/reveal/", {"reason": REASON}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"reference": asked.reference, "name": NAME, "email": EMAIL, "address": ADDRESS}
    event = AuditEvent.objects.get(action="footage.requester_revealed")
    assert (event.actor, event.object_ref, event.reason) == (liaison, asked.reference, REASON)
    # Reading is not a change: the request's updated_at stays.
    assert client.get(f"{FOOTAGE}{asked.reference}/").json()["updated_at"] == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "because"}, {"reason": 7}, []])
def test_it_refuses_a_reveal_without_a_real_reason(api_as, liaison, body):
    asked = footage(liaison)
    answer = api_as(liaison).post(f"{FOOTAGE}{asked.reference}/reveal/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"]
    assert NAME not in answer.content.decode()
    assert not AuditEvent.objects.filter(action="footage.requester_revealed").exists()


def test_it_refuses_a_reveal_whose_body_is_not_json(api_as, liaison):
    asked = footage(liaison)
    answer = api_as(liaison).post(
        f"{FOOTAGE}{asked.reference}/reveal/", "reason=because", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 415
    answer = api_as(liaison).post(f"{FOOTAGE}{asked.reference}/reveal/", "{not json", content_type="application/json")
    assert answer.status_code == 400


def test_an_auditor_may_not_reveal_a_requester(api_as, auditor, liaison):
    asked = footage(liaison)
    answer = api_as(auditor).post(f"{FOOTAGE}{asked.reference}/reveal/", {"reason": REASON}, format="json")
    assert answer.status_code == 403
    assert not AuditEvent.objects.filter(action="footage.requester_revealed").exists()


def test_every_reveal_is_audited_even_when_repeated_with_its_idempotency_key(api_as, liaison):
    asked = footage(liaison)
    client = api_as(liaison)
    url, headers = f"{FOOTAGE}{asked.reference}/reveal/", {"Idempotency-Key": "3f1c9e0a-reveal"}
    first = client.post(url, {"reason": REASON}, format="json", headers=headers)
    again = client.post(url, {"reason": REASON}, format="json", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in again
    assert AuditEvent.objects.filter(action="footage.requester_revealed").count() == 2
    assert not IdempotencyRecord.objects.exists()  # the names in clear are never kept
