"""The audit log through the API (/api/v1/staff/audit-events/): for auditors, supervisors and
admins as on the web, newest first by (created_at, id) in cursor pages, the viewer's filters, and
reading it is not itself audited (as on the web: only the CSV export is)."""

import base64
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from privacy.models import AuditEvent
from privacy.services import audit_record

pytestmark = pytest.mark.django_db

URL = "/api/v1/staff/audit-events/"


def event(at: datetime, action: str = "complaint.pii_revealed", **fields) -> AuditEvent:
    return AuditEvent.objects.create(created_at=at, action=action, **fields)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def walk(client, url: str) -> list[int]:
    seen = []
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    return seen


@pytest.mark.parametrize("role", ["auditor", "supervisor", "admin_user"])
def test_it_lets_auditors_supervisors_and_admins_read_the_log(request, api_as, liaison, role):
    client = api_as(request.getfixturevalue(role))
    audit_record(actor=liaison, action="complaint.pii_revealed", reference="C-000001", reason="calling back")
    rows = client.get(URL, {"action": "complaint."}).json()["results"]
    assert [row["reason"] for row in rows] == ["calling back"]


@pytest.mark.parametrize("role", ["liaison", "advocate"])
def test_it_refuses_a_liaison_and_an_organisations_member(request, api_as, role):
    answer = api_as(request.getfixturevalue(role)).get(URL)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "permission_denied"


def test_it_asks_a_stranger_for_a_token(api):
    answer = api.get(URL)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Bearer"


def test_it_gives_each_event_with_who_did_what_to_which_record_and_why(api_as, auditor, liaison):
    client = api_as(auditor)  # its token's creation is audited, first
    first = audit_record(actor=liaison, action="complaint.pii_revealed", reference="C-000001", reason="calling back")
    second = audit_record(action="audit.exported", data={"rows": 3, "filters": {"action": "footage."}})
    rows = client.get(URL).json()["results"][:2]
    assert rows == [
        {
            "id": second.pk,
            "created_at": timezone.localtime(second.created_at).isoformat(),
            "actor": None,
            "action": "audit.exported",
            "object_type": "",
            "object_id": "",
            "object_ref": "",
            "reason": "",
            "data": {"rows": 3, "filters": {"action": "footage."}},
        },
        {
            "id": first.pk,
            "created_at": timezone.localtime(first.created_at).isoformat(),
            "actor": "luis",
            "action": "complaint.pii_revealed",
            "object_type": "",
            "object_id": "",
            "object_ref": "C-000001",
            "reason": "calling back",
            "data": {},
        },
    ]


def test_it_filters_by_actor_action_or_its_start_record_and_kind(api_as, auditor, liaison, supervisor):
    now = timezone.now()
    created = event(now, "footage.created", actor=liaison, object_type="cases.footagerequest", object_ref="FR-000001")
    approved = event(
        now, "footage.release_approved", actor=supervisor, object_type="cases.footagerequest", object_ref="FR-000002"
    )
    moved = event(now, "complaint.status_changed", actor=liaison, object_type="intake.complaint", object_ref="C-000003")
    client = api_as(auditor)
    assert set(ids(client.get(URL, {"actor": "luis"}))) == {created.pk, moved.pk}
    assert ids(client.get(URL, {"action": "footage.created"})) == [created.pk]
    assert set(ids(client.get(URL, {"action": "footage."}))) == {created.pk, approved.pk}
    assert ids(client.get(URL, {"action": "footage"})) == []  # a code, or a start ending in a dot
    assert ids(client.get(URL, {"object_ref": "fr-000002"})) == [approved.pk]
    assert ids(client.get(URL, {"object_type": "intake.complaint"})) == [moved.pk]
    assert ids(client.get(URL, {"actor": "nobody"})) == []


def test_it_filters_by_days_in_the_sites_time_zone(api_as, auditor):
    client = api_as(auditor)
    before = event(local(2026, 3, 14, 23, 59))
    first = event(local(2026, 3, 15, 0, 0))
    last = event(local(2026, 3, 16, 23, 59))
    after = event(local(2026, 3, 17, 0, 0))
    assert ids(client.get(URL, {"date_from": "2026-03-15", "date_to": "2026-03-16"})) == [last.pk, first.pk]
    assert ids(client.get(URL, {"date_from": "2026-03-17", "date_to": "2026-03-31"})) == [after.pk]
    assert ids(client.get(URL, {"date_to": "2026-03-14"})) == [before.pk]
    assert ids(client.get(URL, {"date_from": "0001-01-01", "date_to": "2026-12-31", "action": "complaint."})) == [
        after.pk,
        last.pk,
        first.pk,
        before.pk,
    ]
    assert len(ids(client.get(URL, {"date_from": "0001-01-02", "date_to": "9999-12-31"}))) == 5  # and the token's


@pytest.mark.parametrize(
    "query, field",
    [
        ({"date_from": "2026-03-16", "date_to": "2026-03-15"}, "date_to"),
        ({"date_from": "15/03/2026"}, "date_from"),
        ({"date_to": "2026-02-30"}, "date_to"),
        ({"actor": "lu\x00is"}, "actor"),
        ({"action": "x" * 65}, "action"),
        ({"object_ref": "C" * 33}, "object_ref"),
    ],
)
def test_it_refuses_a_bad_filter_with_the_error_shape(api_as, auditor, query, field):
    answer = api_as(auditor).get(URL, query)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]


def test_it_pages_newest_first_by_time_then_id_without_losing_ties(api_as, auditor):
    client = api_as(auditor)
    moment = timezone.now() - timedelta(hours=1)
    made = [event(moment + timedelta(minutes=n // 3)).pk for n in range(10)]  # three at each minute
    expected = sorted(made, key=lambda pk: (AuditEvent.objects.get(pk=pk).created_at, pk), reverse=True)
    assert walk(client, f"{URL}?page_size=2&action=complaint.") == expected
    assert walk(client, f"{URL}?page_size=3&action=complaint.") == expected
    first = client.get(URL, {"page_size": 4, "action": "complaint."}).json()
    back = client.get(client.get(first["next"]).json()["previous"]).json()
    assert [row["id"] for row in back["results"]] == expected[:4]


@pytest.mark.parametrize(
    "cursor", ["nonsense", base64.b64encode(b"o=1&p=garbage").decode(), base64.b64encode(b"p=2026-13-01").decode()]
)
def test_it_answers_a_bad_cursor_with_404_not_an_error(api_as, auditor, cursor):
    event(timezone.now())
    answer = api_as(auditor).get(URL, {"cursor": cursor})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "invalid_cursor"


def test_reading_the_log_is_not_itself_audited(api_as, auditor, liaison):
    client = api_as(auditor)
    audit_record(actor=liaison, action="complaint.pii_revealed", reference="C-000001", reason="calling back")
    count = AuditEvent.objects.count()
    for query in ({}, {"page_size": 1}, {"action": "complaint."}):
        assert client.get(URL, query).status_code == 200
    assert AuditEvent.objects.count() == count


def test_the_list_takes_as_many_queries_for_30_events_as_for_3(api_as, auditor, liaison, supervisor):
    client = api_as(auditor)

    def add(count: int) -> None:
        for n in range(count):
            audit_record(actor=(liaison, supervisor, None)[n % 3], action="complaint.status_changed", reference="C-1")

    add(3)
    client.get(URL)  # a token's first use is recorded once
    with CaptureQueriesContext(connection) as three:
        assert len(ids(client.get(URL, {"page_size": 100, "action": "complaint."}))) == 3
    add(27)
    with CaptureQueriesContext(connection) as thirty:
        assert len(ids(client.get(URL, {"page_size": 100, "action": "complaint."}))) == 30
    assert len(thirty) == len(three)
