import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import views
from privacy.models import AuditEvent
from privacy.selectors import CURSOR_SALT, audit_cursor
from privacy.services import audit_record

pytestmark = pytest.mark.django_db

URL = "/en/staff/audit/"
EXPORT = "/en/staff/audit/export.csv"


def event(at: datetime, action: str = "complaint.pii_revealed", **fields) -> AuditEvent:
    return AuditEvent.objects.create(created_at=at, action=action, **fields)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def test_an_auditor_reads_events_newest_first_with_the_reasons_staff_gave(staff_client, auditor, liaison):
    audit_record(actor=liaison, action="complaint.pii_revealed", reference="C-000001", reason="calling back")
    audit_record(actor=liaison, action="complaint.status_changed", reference="C-000002")
    page = staff_client(auditor).get(URL).content.decode()
    assert "calling back" in page
    assert page.index("C-000002") < page.index("C-000001")
    assert "luis" in page


def test_a_liaison_may_not_read_the_audit_log(staff_client, liaison):
    assert staff_client(liaison).get(URL).status_code == 403
    assert staff_client(liaison).get(EXPORT).status_code == 403


def test_filters_by_actor_action_prefix_and_record(staff_client, auditor, liaison, supervisor):
    now = timezone.now()
    event(now, "footage.created", actor=liaison, object_type="cases.footagerequest", object_ref="FR-000001")
    event(now, "footage.release_approved", actor=supervisor, object_type="cases.footagerequest", object_ref="FR-000002")
    event(now, "complaint.status_changed", actor=liaison, object_type="intake.complaint", object_ref="C-000003")
    client = staff_client(auditor)

    def refs(**query) -> set[str]:
        page = client.get(URL, query).content.decode()
        return set(re.findall(r"\b(?:FR|C)-\d{6}\b", page))

    assert refs(actor="luis") == {"FR-000001", "C-000003"}
    assert refs(action="footage.") == {"FR-000001", "FR-000002"}
    assert refs(action="footage.created") == {"FR-000001"}
    assert refs(action="footage") == set()  # no dot: an exact code, and there is none
    assert refs(object_type="intake.complaint") == {"C-000003"}
    assert refs(object_ref="fr-000002") == {"FR-000002"}
    assert refs(actor="luis", action="complaint.") == {"C-000003"}


def test_the_date_range_is_inclusive_in_local_time(staff_client, auditor, settings):
    settings.TIME_ZONE = "America/Chicago"
    event(local(2026, 3, 9, 23, 50), object_ref="C-000001")  # late on the last day: in
    event(local(2026, 3, 10, 0, 5), object_ref="C-000002")  # just after: out
    event(local(2026, 3, 2, 0, 0), object_ref="C-000003")  # the first moment of the first day: in
    event(local(2026, 3, 1, 23, 59), object_ref="C-000004")  # out
    page = staff_client(auditor).get(URL, {"date_from": "2026-03-02", "date_to": "2026-03-09"}).content.decode()
    assert set(re.findall(r"C-\d{6}", page)) == {"C-000001", "C-000003"}


def test_a_start_after_the_end_is_a_clear_400(staff_client, auditor):
    response = staff_client(auditor).get(URL, {"date_from": "2026-03-09", "date_to": "2026-03-02"})
    assert response.status_code == 400
    assert "The start date is after the end date." in response.content.decode()
    assert staff_client(auditor).get(URL, {"date_from": "yesterday"}).status_code == 400


def test_keyset_pages_cover_every_event_once_even_with_equal_times(staff_client, auditor, monkeypatch):
    monkeypatch.setattr(views, "AUDIT_PAGE_SIZE", 7)
    same = timezone.now() - timedelta(hours=1)
    for n in range(30):
        event(same if n % 3 else same - timedelta(minutes=n), object_ref=f"C-{n:06d}")
    client, url, seen, pages = staff_client(auditor), URL, [], 0
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r"C-\d{6}", page)
        found = re.search(r'href="(\?[^"]*)" rel="next"', page)
        url = URL + found.group(1).replace("&amp;", "&") if found else ""
        pages += 1
    assert pages == 5
    assert sorted(seen) == sorted(f"C-{n:06d}" for n in range(30))


def test_a_forged_or_damaged_cursor_gives_the_first_page_with_a_message(staff_client, auditor):
    top = event(timezone.now(), object_ref="C-000009")
    client = staff_client(auditor)
    forged = signing.dumps([top.created_at.isoformat(), top.pk], salt="another purpose")
    for cursor in ("garbage", forged, audit_cursor((top.created_at, top.pk))[:-2] + "xx"):
        response = client.get(URL, {"after": cursor})
        assert response.status_code == 200
        page = response.content.decode()
        assert "C-000009" in page
        assert "That page link was not valid" in page
    good = signing.dumps([top.created_at.isoformat(), top.pk], salt=CURSOR_SALT)
    assert "C-000009" not in client.get(URL, {"after": good}).content.decode()


def test_the_page_costs_the_same_queries_for_10_or_100_events(staff_client, auditor, liaison, supervisor, monkeypatch):
    monkeypatch.setattr(views, "AUDIT_PAGE_SIZE", 200)
    client = staff_client(auditor)
    client.get(URL)  # the session and the user are loaded once per request either way

    def queries(total: int) -> int:
        AuditEvent.objects.bulk_create(
            AuditEvent(action="complaint.status_changed", actor=(liaison, supervisor)[n % 2], object_ref=f"C-{n:06d}")
            for n in range(total - AuditEvent.objects.count())
        )
        with CaptureQueriesContext(connection) as captured:
            page = client.get(URL).content.decode()
        assert page.count("<code>") == total
        return len(captured)

    assert queries(10) == queries(100)


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_export_is_audited_before_it_streams_and_neutralises_formulas(staff_client, auditor, liaison):
    audit_record(actor=liaison, action="complaint.pii_revealed", reference="C-000001", reason='=HYPERLINK("x")')
    audit_record(actor=liaison, action="footage.created", reference="FR-000001")
    response = staff_client(auditor).get(EXPORT, {"action": "complaint.", "actor": "luis"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    exported = AuditEvent.objects.get(action="audit.exported")  # before a row is read
    assert exported.actor == auditor
    assert exported.data["rows"] == 1
    assert exported.data["filters"]["action"] == "complaint."
    assert exported.data["filters"]["actor"] == "luis"
    rows = read_csv(response)
    assert rows[0][:3] == ["created_at", "actor", "action"]
    assert len(rows) == 2
    assert rows[1][1:3] == ["luis", "complaint.pii_revealed"]
    assert rows[1][6] == '\'=HYPERLINK("x")'


def test_the_export_writes_exactly_the_rows_it_counted(staff_client, auditor):
    for n in range(5):
        event(timezone.now(), object_ref=f"C-{n:06d}")
    response = staff_client(auditor).get(EXPORT, {"date_from": timezone.localdate().isoformat()})
    event(timezone.now(), object_ref="C-000099")  # arrives while the file streams
    rows = read_csv(response)
    assert len(rows) - 1 == AuditEvent.objects.get(action="audit.exported").data["rows"] == 5


def test_an_export_with_bad_filters_changes_nothing(staff_client, auditor):
    response = staff_client(auditor).get(EXPORT, {"date_from": "2026-03-09", "date_to": "2026-03-02"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


@pytest.mark.parametrize(
    "params", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"date_from": "1999-12-31"}]
)
def test_dates_at_the_ends_of_the_calendar_are_a_clear_400_not_an_error(staff_client, auditor, params):
    client = staff_client(auditor)
    response = client.get(URL, params)
    assert response.status_code == 400 and "Check the year" in response.content.decode()
    export = client.get(EXPORT, params)
    assert export.status_code == 302
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_selector_takes_the_calendar_s_first_and_last_days_as_no_bound(settings):
    from datetime import date

    from privacy.selectors import AuditFilters, audit_events

    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14: the first day's midnight is before year 1 in UTC
    event(timezone.now(), object_ref="C-000001")
    for filters in (AuditFilters(date_to=date.max), AuditFilters(date_from=date.min, date_to=date.max)):
        assert [e.object_ref for e in audit_events(filters)] == ["C-000001"]
