"""The triage queue (/staff/): filters, order, keyset pages, service levels, assignment."""

from datetime import datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.forms import cursor_decode, cursor_encode
from cases.services import complaint_assign, complaints_assign_bulk
from core.errors import ApplicationError
from intake.models import Complaint, ComplaintEvent, FieldOffice
from intake.services import complaint_submit
from intake.sla import acknowledge_by
from privacy.models import AuditEvent
from tests.intake.test_services import CONTACT, complaint_input

pytestmark = pytest.mark.django_db

QUEUE = "/en/staff/"
CHICAGO = ZoneInfo("America/Chicago")


def file(key: str, *, urgent=False, office="MIA", language="ht", channel="web", allegations=None, days_ago=None):
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


def shown(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [row.reference for row in response.context["page"].rows]


def test_the_queue_is_urgent_first_then_oldest_and_hides_closed(staff_client, liaison):
    old = file("old", days_ago=9)
    new = file("new", days_ago=1)
    urgent_new = file("urgent-new", urgent=True, days_ago=2)
    urgent_old = file("urgent-old", urgent=True, days_ago=5)
    closed = file("closed", urgent=True, days_ago=30)
    Complaint.objects.filter(pk=closed.pk).update(status="closed")
    client = staff_client(liaison)
    expected = [urgent_old.reference, urgent_new.reference, old.reference, new.reference]
    assert shown(client.get(QUEUE)) == expected
    assert shown(client.get(QUEUE, {"status": "any"})) == [closed.reference, *expected]
    assert shown(client.get(QUEUE, {"status": "closed"})) == [closed.reference]


def test_each_filter_keeps_only_what_it_names(staff_client, liaison, supervisor):
    plain = file("plain", days_ago=1)
    urgent = file("urgent", urgent=True, days_ago=1)
    force = file("force", allegations=["coercion", "lawyer_access"], days_ago=1)
    houston = file("houston", office="HOU", days_ago=1)
    spanish = file("spanish", language="es", days_ago=1)
    sms = file("sms", channel="sms", days_ago=1)
    old = file("old", days_ago=40)
    mine = file("mine", days_ago=1)
    theirs = file("theirs", days_ago=1)
    overdue = file("overdue", days_ago=1)
    Complaint.objects.filter(pk=mine.pk).update(assignee=liaison)
    Complaint.objects.filter(pk=theirs.pk).update(assignee=supervisor)
    Complaint.objects.exclude(pk=overdue.pk).update(acknowledged_at=timezone.now())
    Complaint.objects.filter(pk=overdue.pk).update(ack_due_at=timezone.now() - timedelta(hours=1))
    client = staff_client(liaison)
    everyone = {c.reference for c in [plain, urgent, force, houston, spanish, sms, old, mine, theirs, overdue]}
    cases = [
        ({}, everyone),
        ({"urgent": "on"}, {urgent.reference}),
        ({"allegation": "coercion"}, {force.reference}),
        ({"field_office": FieldOffice.objects.get(code="HOU").pk}, {houston.reference}),
        ({"language": "es"}, {spanish.reference}),
        ({"channel": "sms"}, {sms.reference}),
        ({"older_than": 30}, {old.reference}),
        ({"assignee": "me"}, {mine.reference}),
        ({"assignee": supervisor.pk}, {theirs.reference}),
        ({"assignee": "none"}, everyone - {mine.reference, theirs.reference}),
        ({"overdue": "on"}, {overdue.reference}),
        ({"language": "es", "channel": "sms"}, set()),
    ]
    for params, expected in cases:
        assert set(shown(client.get(QUEUE, params))) == expected, params


def test_bad_filter_values_are_form_errors_never_500(staff_client, liaison):
    file("one")
    client = staff_client(liaison)
    for params in [
        {"status": "nonsense"},
        {"size": "5"},
        {"size": "9999"},
        {"field_office": "abc"},
        {"field_office": "999999"},
        {"assignee": "424242"},
        {"older_than": "-3"},
        {"allegation": "<script>"},
    ]:
        response = client.get(QUEUE, params)
        assert response.status_code == 400, params
        assert response.context["page"] is None
        assert b"error-summary" in response.content


def walk(client, params: dict) -> list[str]:
    references, url = [], QUEUE + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    for _page in range(50):
        response = client.get(url)
        references += shown(response)
        if not response.context["next_url"]:
            return references
        assert "size=10" in response.context["next_url"]  # the filters stay in the link
        url = QUEUE + response.context["next_url"]
    raise AssertionError("too many pages")


def test_keyset_pages_with_equal_times_have_no_duplicates_and_no_gaps(staff_client, liaison):
    complaints = [file(f"c{n}", urgent=n % 4 == 0) for n in range(27)]
    same = timezone.now() - timedelta(days=3)
    Complaint.objects.update(created_at=same)  # every complaint at the same instant: only the id tells
    Complaint.objects.filter(pk=complaints[5].pk).update(created_at=same - timedelta(seconds=1))
    references = walk(staff_client(liaison), {"size": 10})
    assert len(references) == len(set(references)) == 27
    ordered = sorted(complaints, key=lambda c: (not c.is_urgent, c.pk != complaints[5].pk, c.pk))
    assert references == [c.reference for c in ordered]


def test_a_tampered_or_made_up_cursor_gives_the_first_page_with_a_message(staff_client, liaison):
    for n in range(12):
        file(f"c{n}")
    client = staff_client(liaison)
    first = client.get(QUEUE, {"size": 10})
    token = unquote(first.context["next_url"].split("after=")[1])
    second = client.get(QUEUE, {"size": 10, "after": token})
    assert shown(second) != shown(first)
    forged = cursor_encode((1, timezone.now(), 1)).replace(":", ":x", 1)
    for bad in [token[:-2] + "zz", "abc", forged, "", "W1sxXQ:1:2"]:
        response = client.get(QUEUE, {"size": 10, "after": bad})
        assert shown(response) == shown(first), bad
        if bad:
            assert b"That page link was not valid" in response.content
    with pytest.raises(ValueError):
        cursor_decode("not-a-cursor")


def test_the_queue_runs_the_same_number_of_queries_at_any_page_size(
    staff_client, supervisor, liaison, django_assert_num_queries
):
    for n in range(110):
        complaint = file(f"c{n}", urgent=n % 10 == 0, allegations=["excessive_force", "property"])
        if n % 3 == 0:
            Complaint.objects.filter(pk=complaint.pk).update(assignee=liaison)
    client = staff_client(supervisor)
    client.get(QUEUE)  # the first request of a session records when it was seen
    # session, user, roles, OTP device; assignees, field offices, complaints, allegations
    for size in (10, 100):
        with django_assert_num_queries(8):
            response = client.get(QUEUE, {"size": size})
        assert len(shown(response)) == size


def test_overdue_counts_working_days_around_a_federal_holiday():
    # Filed the day before Thanksgiving 2026: two working days later is Monday, not Friday.
    filed = datetime(2026, 11, 25, 10, 0, tzinfo=CHICAGO)
    complaint = file("thanksgiving")
    Complaint.objects.filter(pk=complaint.pk).update(created_at=filed, ack_due_at=acknowledge_by(filed, urgent=False))
    urgent = file("urgent", urgent=True)
    Complaint.objects.filter(pk=urgent.pk).update(created_at=filed, ack_due_at=acknowledge_by(filed, urgent=True))

    def state(now, overdue_only=False):
        page = selectors.queue_page(selectors.QueueFilters(overdue=overdue_only), user=None, now=now)
        return {row.reference: (row.is_overdue, row.is_due_today) for row in page.rows}

    friday = datetime(2026, 11, 27, 12, 0, tzinfo=CHICAGO)
    assert state(friday)[complaint.reference] == (False, False)
    assert state(friday)[urgent.reference] == (True, False)  # urgent: the same day
    assert state(datetime(2026, 11, 30, 12, 0, tzinfo=CHICAGO))[complaint.reference] == (False, True)
    tuesday = datetime(2026, 12, 1, 9, 0, tzinfo=CHICAGO)
    assert state(tuesday)[complaint.reference] == (True, False)
    assert complaint.reference not in state(friday, overdue_only=True)
    assert complaint.reference in state(tuesday, overdue_only=True)
    Complaint.objects.filter(pk=complaint.pk).update(acknowledged_at=friday)
    assert state(tuesday)[complaint.reference] == (False, False)
    assert complaint.reference not in state(tuesday, overdue_only=True)


def test_overdue_rows_stand_out(staff_client, liaison):
    late = file("late")
    Complaint.objects.filter(pk=late.pk).update(ack_due_at=timezone.now() - timedelta(days=1))
    content = staff_client(liaison).get(QUEUE).content.decode()
    assert 'class="is-overdue"' in content and "badge-overdue" in content


def test_an_auditor_sees_the_queue_but_no_personal_data(staff_client, auditor, monkeypatch):
    data = complaint_input(is_anonymous=False, contact=CONTACT, consent_contact=True)
    complaint = complaint_submit(data=data, channel="sms", submission_key="pii", notify_filer=False).complaint

    def no_decrypting(value):
        raise AssertionError("the queue decrypted a field")

    monkeypatch.setattr("privacy.fields.decrypt", no_decrypting)
    response = staff_client(auditor).get(QUEUE)
    content = response.content.decode()
    assert complaint.reference in content
    for secret in ["Marie-Claire", "Joseph", "5550142", "mcj@example.org", "5è nan maten", "Pastor Jean"]:
        assert secret not in content
    assert 'name="complaint"' not in content and "staff:complaint_assign" not in content
    assert "/assign/" not in content


def test_a_liaison_takes_an_unassigned_complaint_and_gives_it_back(staff_client, liaison):
    complaint = file("one")
    client = staff_client(liaison)
    url = reverse("staff:complaint_assign", args=[complaint.reference])
    response = client.post(url, {"assignee": "me", "version": complaint.version, "next": QUEUE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    complaint.refresh_from_db()
    assert complaint.assignee == liaison and complaint.version == 2
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="assigned", actor=liaison).count() == 1
    event = AuditEvent.objects.get(action="complaint.assigned")
    assert event.data == {"assignee": liaison.pk, "previous": None} and event.object_ref == complaint.reference
    client.post(url, {"assignee": "", "version": 2})
    complaint.refresh_from_db()
    assert complaint.assignee is None and complaint.version == 3


def test_a_liaison_cannot_assign_someone_else_nor_in_bulk(staff_client, liaison, supervisor):
    complaint = file("one")
    other = file("two")
    Complaint.objects.filter(pk=other.pk).update(assignee=supervisor)
    client = staff_client(liaison)
    response = client.post(
        reverse("staff:complaint_assign", args=[complaint.reference]),
        {"assignee": supervisor.pk, "version": 1},
        follow=True,
    )
    assert "You can only assign complaints to yourself." in response.content.decode()
    response = client.post(
        reverse("staff:complaint_assign", args=[other.reference]), {"assignee": "me", "version": 1}, follow=True
    )
    assert "assigned to someone else" in response.content.decode()
    response = client.post(reverse("staff:queue_assign"), {"complaint": [complaint.reference], "assignee": "me"})
    assert response.status_code == 403
    with pytest.raises(ApplicationError) as refused:
        complaints_assign_bulk(references=[complaint.reference], assignee=liaison, actor=liaison)
    assert refused.value.code == "permission"
    assert Complaint.objects.get(pk=complaint.pk).assignee is None
    assert Complaint.objects.get(pk=other.pk).assignee == supervisor
    assert not ComplaintEvent.objects.filter(kind="assigned").exists()


def test_a_stale_version_is_refused(staff_client, supervisor, liaison):
    complaint = file("one")
    complaint_assign(complaint=complaint, assignee=liaison, actor=supervisor, version=1)
    with pytest.raises(ApplicationError) as refused:
        complaint_assign(complaint=complaint, assignee=supervisor, actor=supervisor, version=1)
    assert refused.value.code == "stale"
    response = staff_client(supervisor).post(
        reverse("staff:complaint_assign", args=[complaint.reference]),
        {"assignee": supervisor.pk, "version": 1, "next": QUEUE},
        follow=True,
    )
    assert "Someone else changed this complaint" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.assignee == liaison and complaint.version == 2


def test_only_case_workers_can_be_assignees(supervisor, auditor):
    complaint = file("one")
    with pytest.raises(ApplicationError) as refused:
        complaint_assign(complaint=complaint, assignee=auditor, actor=supervisor, version=1)
    assert refused.value.code == "assignee"
    with pytest.raises(ApplicationError):
        complaint_assign(complaint=complaint, assignee=None, actor=auditor, version=1)


def test_a_supervisor_assigns_in_bulk(staff_client, supervisor, liaison):
    first, second, third = file("a"), file("b"), file("c")
    Complaint.objects.filter(pk=third.pk).update(assignee=liaison)
    response = staff_client(supervisor).post(
        reverse("staff:queue_assign"),
        {"complaint": [first.reference, second.reference, third.reference], "assignee": liaison.pk},
        follow=True,
    )
    assert "2 complaints assigned." in response.content.decode()
    assert set(Complaint.objects.filter(assignee=liaison).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
        third.pk,
    }
    assert Complaint.objects.get(pk=first.pk).version == 2 and Complaint.objects.get(pk=third.pk).version == 1
    assert AuditEvent.objects.filter(action="complaint.assigned").count() == 2


def test_one_unknown_reference_in_bulk_refuses_them_all(staff_client, supervisor, liaison):
    first, second = file("a"), file("b")
    response = staff_client(supervisor).post(
        reverse("staff:queue_assign"),
        {"complaint": [first.reference, "C-999999", second.reference], "assignee": liaison.pk, "next": QUEUE},
        follow=True,
    )
    assert response.status_code == 200
    assert "C-999999" in response.content.decode() and "nothing was assigned" in response.content.decode()
    assert not Complaint.objects.filter(assignee__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="complaint.assigned").exists()


def test_the_assign_views_refuse_bad_input_without_500(staff_client, supervisor):
    complaint = file("one")
    client = staff_client(supervisor)
    url = reverse("staff:complaint_assign", args=[complaint.reference])
    bad = [{"assignee": "x"}, {"assignee": "424242"}, {"assignee": "9" * 30}, {"assignee": "²"}, {"assignee": "me"}]
    for data in [{**b, "version": 1} for b in bad[:-1]] + [bad[-1], {"assignee": "me", "version": "x"}]:
        assert client.post(url, data).status_code == 302
    assert client.post(reverse("staff:complaint_assign", args=["C-404404"]), {"assignee": "me"}).status_code == 404
    assert client.post(reverse("staff:queue_assign"), {"assignee": "me"}).status_code == 302
    response = client.post(reverse("staff:queue_assign"), {"complaint": ["x"], "next": "https://evil.example/"})
    assert response["Location"] == reverse("staff:queue")
    assert Complaint.objects.get(pk=complaint.pk).assignee is None


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/en/staff/complaints/C-1%00/"),
        ("post", "/en/staff/complaints/C-1%00/assign/"),
        ("get", "/en/staff/complaints/C-%00/"),
    ],
)
def test_a_complaint_reference_with_a_nul_is_not_found(postgres, staff_client, supervisor, method, path):
    file("one")
    response = getattr(staff_client(supervisor), method)(path, {"assignee": "me", "version": "1"})
    assert response.status_code == 404
    assert not Complaint.objects.filter(assignee__isnull=False).exists()


def test_a_bulk_reference_with_a_nul_is_a_message(postgres, staff_client, supervisor, liaison):
    complaint = file("one")
    response = staff_client(supervisor).post(
        reverse("staff:queue_assign"),
        {"complaint": [complaint.reference, "C-1\x00"], "assignee": liaison.pk, "next": QUEUE},
    )
    said = [str(m) for m in response.wsgi_request._messages]
    assert response.status_code == 302 and "not a complaint reference" in said[-1]
    assert Complaint.objects.get(pk=complaint.pk).assignee is None


def test_the_bulk_service_checks_the_shape_of_every_reference(supervisor, liaison):
    complaint = file("one")
    with pytest.raises(ApplicationError) as refused:
        complaints_assign_bulk(references=[complaint.reference, "C-1\x00"], assignee=liaison, actor=supervisor)
    assert refused.value.code == "unknown"
    assert Complaint.objects.get(pk=complaint.pk).assignee is None
