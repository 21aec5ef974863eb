"""The footage pages of the staff area: requests opened from a complaint or on their own, every
form refusing bad input without changing anything, the two-person release, letters in the
requester's language, the deadlines page across a federal holiday, and the requester's details
kept from auditors."""

import re
from datetime import date

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts import policy
from cases import workflow as w
from cases.forms import EXEMPTION_LABELS
from cases.models import FootageRequest, RedactionItem
from cases.selectors import footage_due
from cases.services import footage_move, footage_pause, footage_request_create, incident_create_from
from intake.services import complaint_submit
from privacy.models import AuditEvent
from tests.conftest import staff_login
from tests.intake.test_services import complaint_input

pytestmark = pytest.mark.django_db

NAME, EMAIL, ADDRESS = "Rosa Quintanilla Ybarra", "rosa.quintanilla@example.org", "4417 Almeda Road\nHouston TX"
NARRATIVE = "They broke the kitchen window at dawn."


def signed_in(user) -> Client:
    """A client of its own per person, so two staff members can take turns."""
    return staff_login(Client(), user)


def url(name: str, footage: FootageRequest | None = None) -> str:
    return reverse(f"staff:{name}", args=[footage.reference] if footage else [])


def make_complaint(key="web:1", wants=("footage",)):
    data = complaint_input(wants=list(wants), narrative=NARRATIVE, language="es")
    return complaint_submit(data=data, channel="web", submission_key=key, notify_filer=False).complaint


def make_request(actor, **changes) -> FootageRequest:
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


@pytest.fixture
def later(monkeypatch):
    """Today is after every date these tests give: no date may be in the future."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2027, 2, 1))


REASON = "mailing the letter to the requester"


def letter(client, footage, kind, reason=REASON):
    return client.post(url("footage_letter", footage), {"kind": kind, "reason": reason})


def fresh(footage: FootageRequest) -> FootageRequest:
    return FootageRequest.objects.get(pk=footage.pk)


def advance(footage, actor, *steps):
    for to in steps:
        footage = fresh(footage)
        footage = footage_move(request=footage, to=to, actor=actor, version=footage.version)
    return footage


NEW_FORM = {
    "requester_type": "journalist",
    "legal_basis": "foia",
    "language": "ar",
    "received_on": "2026-11-20",
    "perfected_on": "",
    "expedited_ground": "",
    "requester_name": NAME,
    "requester_email": EMAIL,
    "requester_address": ADDRESS,
    "incident": "",
    "complaint": "",
}


# --- opening a request ---


def test_a_request_opened_from_a_complaint_is_linked_held_and_has_its_checklist(liaison):
    complaint = make_complaint()
    client = signed_in(liaison)
    form_page = client.get(url("footage_new") + f"?complaint={complaint.reference}")
    assert form_page.status_code == 200
    html = form_page.content.decode()
    assert f'value="{complaint.reference}"' in html and NARRATIVE not in html
    assert form_page.context["form"].initial["language"] == "es"

    response = client.post(url("footage_new"), {**NEW_FORM, "complaint": complaint.reference, "language": "es"})
    footage = FootageRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("footage", footage)
    assert footage.complaint == complaint and footage.language == "es"
    assert footage.hold_issued_on == date(2026, 11, 20) and footage.hold_until > date(2027, 11, 1)
    assert sorted(footage.redaction_items.values_list("item", flat=True)) == sorted(RedactionItem.Item.values)
    assert set(footage.redaction_items.values_list("state", flat=True)) == {RedactionItem.State.PENDING}
    with connection.cursor() as cursor:
        cursor.execute("SELECT requester_name, requester_email FROM cases_footagerequest")
        stored = " ".join(cursor.fetchone())
    assert NAME not in stored and EMAIL not in stored  # encrypted at rest
    assert footage.requester_name == NAME
    created = AuditEvent.objects.get(action="footage.created")
    assert created.data == {"complaint": complaint.reference, "incident": ""}


def test_the_complaint_page_partial_lists_requests_and_offers_a_new_one_to_editors(liaison):
    complaint = make_complaint()
    footage = make_request(liaison, complaint=complaint)
    context = {"complaint": complaint, "footage_requests": complaint.footage_requests.all()}
    editor = render_to_string(
        "cases/partials/complaint_footage.html", {**context, "policy": policy.allowed_map(liaison)}
    )
    assert footage.reference in editor and "2026-12-22" in editor  # due: 20 working days, Thanksgiving skipped
    assert f"?complaint={complaint.reference}" in editor
    reader = render_to_string("cases/partials/complaint_footage.html", {**context, "policy": {"footage_edit": False}})
    assert footage.reference in reader and "?complaint=" not in reader


def test_a_complaint_whose_filer_did_not_ask_for_footage_is_not_linked(liaison):
    complaint = make_complaint(wants=("investigation",))
    client = signed_in(liaison)
    form_page = client.get(url("footage_new") + f"?complaint={complaint.reference}")
    assert form_page.status_code == 200 and form_page.context["complaint"] is None
    assert "did not ask for the footage" in form_page.content.decode()
    forged = client.post(url("footage_new"), {**NEW_FORM, "complaint": complaint.reference})
    assert forged.status_code == 400 and "did not ask for the footage" in forged.content.decode()
    unknown = client.get(url("footage_new") + "?complaint=C-999999")
    assert unknown.status_code == 200 and "There is no complaint with this reference." in unknown.content.decode()
    assert not FootageRequest.objects.exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"incident": "IN-999999"}, "There is no incident with this reference."),
        ({"complaint": "C-999999"}, "There is no complaint with this reference."),
        ({"perfected_on": "2026-11-19"}, "cannot be complete before it was received"),
        ({"expedited_requested": "on"}, "Say why the requester asks for fast processing."),
        ({"expedited_requested": "on", "expedited_ground": "be_quick"}, "Select a valid choice"),
        ({"language": "xx"}, "Select a valid choice"),
        ({"requester_type": "spy"}, "Select a valid choice"),
        ({"received_on": "yesterday"}, "Enter a valid date."),
        ({"requester_name": ""}, "This field is required."),
        ({"requester_email": "not-an-address"}, "Enter a valid email address."),
    ],
)
def test_a_standalone_request_with_bad_input_is_refused(liaison, changes, message):
    response = signed_in(liaison).post(url("footage_new"), {**NEW_FORM, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FootageRequest.objects.exists()


def test_a_standalone_request_may_name_its_incident(liaison):
    incident = incident_create_from(complaint=make_complaint(), actor=liaison)
    posted = {**NEW_FORM, "incident": incident.reference.lower(), "expedited_requested": "on"}
    response = signed_in(liaison).post(url("footage_new"), {**posted, "expedited_ground": "urgency_to_inform"})
    assert response.status_code == 302
    footage = FootageRequest.objects.get()
    assert footage.incident == incident and footage.complaint is None
    assert footage.expedited_requested and footage.expedited_ground == "urgency_to_inform"


# --- the list ---


def test_the_list_filters_and_its_query_count_does_not_grow(liaison, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 12, 30))
    late = make_request(liaison)  # due 22 December: overdue on the 30th
    make_request(liaison, perfected_on=None, requester_type=FootageRequest.Requester.JOURNALIST)
    fast = make_request(liaison, perfected_on=None, expedited_requested=True, expedited_ground="life_or_safety")
    client = signed_in(liaison)

    def listed(query=""):
        response = client.get(url("footage_list") + query)
        assert response.status_code == 200
        return {row.reference for row in response.context["rows"]}, response.content.decode()

    everything, html = listed()
    assert len(everything) == 3 and "Overdue by 5 working days" in html  # 23, 24, 28, 29, 30 Dec
    assert listed("?overdue=on")[0] == {late.reference}
    assert listed("?expedited=yes")[0] == {fast.reference}
    assert listed("?requester_type=journalist&status=received")[0] == everything - {late.reference, fast.reference}
    assert listed("?status=made_up")[0] == everything  # an unknown filter filters nothing

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("footage_list")).status_code == 200
        return len(captured)

    queries()  # the first request of a session reads a little more
    few = queries()
    for n in range(12):
        footage = make_request(liaison)
        if n % 2:
            footage = fresh(footage)
            footage_pause(request=footage, on=date(2026, 11, 24), actor=liaison, version=footage.version)
    assert queries() == few <= 8  # signed-in session and roles, then the page's own


# --- moves, the checklist, the two-person release ---


def post(client, name, footage, data):
    return client.post(url(name, footage), {"version": fresh(footage).version, **data})


def last_message(response) -> str:
    return [str(m) for m in response.wsgi_request._messages][-1]


@pytest.mark.parametrize(
    "steps, data, message",
    [
        ((), {"to": w.RELEASED_FULL}, "This step is not possible from where the request is now."),
        ((), {"to": "vanished"}, "Select a valid choice"),
        ((w.ACKNOWLEDGED, w.SEARCHING), {"to": w.NO_FOOTAGE}, "Say why there is no footage."),
        ((w.ACKNOWLEDGED, w.SEARCHING), {"to": w.NO_FOOTAGE, "no_footage_reason": "dog_ate_it"}, "Select a valid"),
        ((w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED), {"to": w.DENIED}, "Choose the exemptions that apply."),
        (
            (w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED),
            {"to": w.DENIED, "exemptions": ["b6", "b99"]},
            "Select a valid choice",
        ),
        (
            (w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED, w.REDACTION_REVIEW),
            {"to": w.RELEASED_FULL},
            "Every item of the redaction checklist must be done",
        ),
    ],
)
def test_a_move_that_is_not_allowed_changes_nothing(liaison, steps, data, message):
    footage = advance(make_request(liaison), liaison, *steps)
    before = fresh(footage)
    response = post(signed_in(liaison), "footage_move", footage, data)
    assert response.status_code == 302 and response["Location"] == url("footage", footage)
    assert message in last_message(response)
    after = fresh(footage)
    assert (after.status, after.version, after.exemptions) == (before.status, before.version, before.exemptions)


def test_a_stale_page_changes_nothing(liaison, later):
    footage = make_request(liaison)
    client = signed_in(liaison)
    old_version = footage.version
    assert post(client, "footage_move", footage, {"to": w.ACKNOWLEDGED}).status_code == 302
    for name, data in [
        ("footage_move", {"to": w.SEARCHING}),
        ("footage_clock", {"action": "extend", "on": "2026-11-30"}),
        ("footage_redaction", {"item": "minors", "state": "done"}),
    ]:
        response = client.post(url(name, footage), {**data, "version": old_version})
        assert "Someone else changed this request" in last_message(response), name
    after = fresh(footage)
    assert after.status == w.ACKNOWLEDGED and after.extended_on is None and after.version == old_version + 1


def test_the_checklist_is_worked_through_the_page_with_the_reviewer_recorded(liaison):
    footage = make_request(liaison)
    client = signed_in(liaison)
    too_early = post(client, "footage_redaction", footage, {"item": "minors", "state": "done"})
    assert "can be changed only once the footage is found" in last_message(too_early)
    footage = advance(footage, liaison, w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED)
    for data, message in [
        ({"item": "pets", "state": "done"}, "Select a valid choice"),
        ({"item": "minors", "state": "pending"}, "Select a valid choice"),
        ({"item": "minors", "version": "x"}, "Enter a whole number."),
    ]:
        assert message in last_message(post(client, "footage_redaction", footage, data))
    assert post(client, "footage_redaction", footage, {"item": "minors", "state": "not_applicable"}).status_code == 302
    row = footage.redaction_items.get(item="minors")
    assert (row.state, row.reviewer, row.decided_at is not None) == ("not_applicable", liaison, True)
    event = AuditEvent.objects.get(action="footage.redaction_checked")
    assert event.data == {"item": "minors", "state": "not_applicable", "approval_withdrawn": False}
    html = client.get(url("footage", footage)).content.decode()
    assert "Not applicable" in html and liaison.get_username() in html


def test_a_release_needs_the_checklist_and_a_second_reviewer_who_did_not_prepare_it(liaison, supervisor, auditor):
    from tests.factories import UserFactory

    footage = advance(make_request(liaison), supervisor, w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED)
    preparer = signed_in(supervisor)
    assert post(preparer, "footage_move", footage, {"to": w.REDACTION_REVIEW}).status_code == 302
    assert fresh(footage).prepared_by == supervisor
    second = UserFactory(username="sam", role="supervisor")
    reviewer = signed_in(second)
    # Approval before the checklist is complete is refused.
    assert "Every item of the redaction checklist" in last_message(post(reviewer, "footage_approve", footage, {}))
    for item in RedactionItem.Item:
        post(signed_in(liaison), "footage_redaction", footage, {"item": item, "state": "done"})
    # The preparer, although a supervisor, cannot approve their own release, and is not offered to.
    page = preparer.get(url("footage", footage))
    assert page.context["can_approve"] is False
    refused = post(preparer, "footage_approve", footage, {})
    assert "The person who prepared the release cannot approve it." in last_message(refused)
    assert fresh(footage).approved_by is None
    # A liaison may not approve at all; an auditor may not post anything.
    assert post(signed_in(liaison), "footage_approve", footage, {}).status_code == 403
    assert reviewer.get(url("footage", footage)).context["can_approve"] is True
    assert post(reviewer, "footage_approve", footage, {}).status_code == 302
    assert fresh(footage).approved_by == second
    # A checklist change after the approval withdraws it.
    post(signed_in(liaison), "footage_redaction", footage, {"item": "plates", "state": "not_applicable"})
    assert fresh(footage).approved_by is None
    assert post(reviewer, "footage_approve", footage, {}).status_code == 302
    # The approver cannot release alone; the preparer (or a third person) releases.
    alone = post(reviewer, "footage_move", footage, {"to": w.RELEASED_PARTIAL, "exemptions": ["b6"]})
    assert "second staff member" in last_message(alone)
    released = post(preparer, "footage_move", footage, {"to": w.RELEASED_PARTIAL, "exemptions": ["b6", "b7C"]})
    assert released.status_code == 302
    footage = fresh(footage)
    assert footage.status == w.RELEASED_PARTIAL and footage.exemptions == ["b6", "b7C"]
    assert AuditEvent.objects.filter(action="footage.release_approved").count() == 2
    assert AuditEvent.objects.filter(action="footage.released_partial").count() == 1


def test_an_auditor_posting_anything_is_refused(liaison, auditor):
    footage = make_request(liaison)
    client = signed_in(auditor)
    for name, data in [
        ("footage_move", {"to": w.ACKNOWLEDGED}),
        ("footage_clock", {"action": "extend", "on": "2026-11-30"}),
        ("footage_redaction", {"item": "minors", "state": "done"}),
        ("footage_approve", {}),
        ("footage_reveal", {"reason": "curious"}),
    ]:
        assert post(client, name, footage, data).status_code == 403, name
    assert client.post(url("footage_new"), NEW_FORM).status_code == 403
    assert client.get(url("footage_new")).status_code == 403
    assert letter(client, footage, "acknowledgement").status_code == 403
    assert fresh(footage).version == footage.version
    assert FootageRequest.objects.count() == 1


def test_the_posting_views_refuse_get(liaison):
    footage = make_request(liaison)
    client = signed_in(liaison)
    for name in ("footage_move", "footage_clock", "footage_redaction", "footage_reveal", "footage_letter"):
        assert client.get(url(name, footage)).status_code == 405, name


# --- the clock ---


def test_the_clock_is_changed_from_the_page(liaison, later):
    footage = make_request(liaison, perfected_on=None, expedited_requested=True, expedited_ground="due_process")
    client = signed_in(liaison)
    page = client.get(url("footage", footage)).context
    assert page["clock"] == {"perfect": True, "pause": True, "resume": False, "extend": True, "expedite": True}
    assert "before the request was received" in last_message(
        post(client, "footage_clock", footage, {"action": "perfect", "on": "2026-11-19"})
    )
    assert "Give the date." in last_message(post(client, "footage_clock", footage, {"action": "perfect"}))
    assert "Please use one of the buttons." in last_message(
        post(client, "footage_clock", footage, {"action": "rewind", "on": "2026-11-23"})
    )
    post(client, "footage_clock", footage, {"action": "perfect", "on": "2026-11-23"})
    post(client, "footage_clock", footage, {"action": "expedite_no"})
    post(client, "footage_clock", footage, {"action": "pause", "on": "2026-11-30"})
    post(client, "footage_clock", footage, {"action": "resume", "on": "2026-12-04"})
    post(client, "footage_clock", footage, {"action": "extend", "on": "2026-12-10"})
    again = post(client, "footage_clock", footage, {"action": "extend", "on": "2026-12-11"})
    assert "extended already" in last_message(again)
    decided_twice = post(client, "footage_clock", footage, {"action": "expedite_yes"})
    assert "decided already" in last_message(decided_twice)
    footage = fresh(footage)
    assert footage.perfected_on == date(2026, 11, 23) and footage.expedited_granted is False
    assert footage_due(footage) == date(2027, 1, 13)
    html = client.get(url("footage", footage)).content.decode()
    assert "2027-01-13" in html and "2026-11-30 – 2026-12-04" in html
    actions = set(AuditEvent.objects.filter(object_ref=footage.reference).values_list("action", flat=True))
    assert {"footage.perfected", "footage.expedited_decided", "footage.paused", "footage.resumed"} <= actions


# --- the requester's details ---


def test_the_requester_is_masked_until_revealed_with_a_reason_and_the_reveal_is_audited(liaison):
    footage = make_request(liaison)
    client = signed_in(liaison)
    html = client.get(url("footage", footage)).content.decode()
    assert NAME not in html and EMAIL not in html and "4417 Almeda" not in html and "Hidden" in html
    no_reason = post(client, "footage_reveal", footage, {"reason": "   "})
    assert no_reason.status_code == 302 and not AuditEvent.objects.filter(action="footage.requester_revealed").exists()
    revealed = post(client, "footage_reveal", footage, {"reason": "mailing the acknowledgement"})
    html = revealed.content.decode()
    assert revealed.status_code == 200 and NAME in html and EMAIL in html and "4417 Almeda Road" in html
    assert "no-store" in revealed["Cache-Control"]
    event = AuditEvent.objects.get(action="footage.requester_revealed")
    assert (event.actor, event.object_ref, event.reason) == (liaison, footage.reference, "mailing the acknowledgement")
    assert NAME not in str(event.data)
    assert NAME not in client.get(url("footage", footage)).content.decode()  # that response only


def test_an_auditor_sees_the_pages_without_the_requester(liaison, auditor, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 12, 21))
    complaint = make_complaint()
    footage = make_request(liaison, complaint=complaint)
    client = signed_in(auditor)
    for address in (url("footage", footage), url("footage_list"), url("deadlines")):
        response = client.get(address)
        html = response.content.decode()
        assert response.status_code == 200, address
        assert footage.reference in html
        for secret in (NAME, "Quintanilla", EMAIL, "Almeda", NARRATIVE):
            assert secret not in html, (address, secret)
    page = client.get(url("footage", footage))
    assert page.context["moves"] == [] and b"/reveal/" not in page.content
    assert b'name="reason"' not in page.content and b"/letter/" not in page.content


# --- letters ---


def test_the_acknowledgement_letter_is_in_the_requesters_language_and_audited(liaison):
    footage = make_request(liaison, language="es")
    client = signed_in(liaison)
    response = letter(client, footage, "acknowledgement")
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert re.search(r'<html lang="es" dir="ltr">', html)
    assert NAME in html and "4417 Almeda Road" in html and footage.reference in html
    assert "noviembre de 2026" in html  # dates in Spanish (Django's own catalog): rendered in Spanish
    assert "css/letter.css" in html and "style=" not in html and "<style" not in html
    event = AuditEvent.objects.get(action="footage.letter_rendered")
    assert event.data == {"kind": "acknowledgement", "language": "es"} and NAME not in str(event.data)
    assert event.reason == REASON
    # The staff member's own pages stay in their language.
    assert 'lang="en"' in client.get(url("footage", footage)).content.decode()


@pytest.mark.parametrize(
    "steps, extra, expected",
    [
        ((w.ACKNOWLEDGED, w.SEARCHING), {"no_footage_reason": "not_activated"}, [w.NO_FOOTAGE]),
        ((w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED), {"exemptions": ("b7A", "b6")}, [w.DENIED]),
        ((w.ACKNOWLEDGED,), {}, [w.WITHDRAWN]),
    ],
)
def test_the_decision_letter_says_the_decision_in_arabic_layout(liaison, steps, extra, expected):
    complaint = make_complaint()
    footage = advance(make_request(liaison, language="ar", complaint=complaint), liaison, *steps)
    footage = footage_move(
        request=fresh(footage), to=expected[0], actor=liaison, version=fresh(footage).version, **extra
    )
    response = letter(signed_in(liaison), footage, "decision")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert NAME in html and NARRATIVE not in html
    assert "2026" in html  # received on, complete on
    with translation.override("ar"):  # the words as the requester reads them, once translated
        if footage.status == w.DENIED:
            assert str(EXEMPTION_LABELS["b6"]) in html and str(EXEMPTION_LABELS["b7A"]) in html
            assert str(EXEMPTION_LABELS["b5"]) not in html
        if footage.status == w.NO_FOOTAGE:
            assert str(FootageRequest.NoFootage.NOT_ACTIVATED.label) in html
    assert ('id="appeal"' in html) == (footage.status != w.WITHDRAWN)
    assert "ogis@nara.gov" in html


def test_a_decision_letter_before_a_decision_or_of_an_unknown_kind_is_refused(liaison):
    footage = make_request(liaison)
    client = signed_in(liaison)
    early = letter(client, footage, "decision")
    assert early.status_code == 302 and "no decision" in last_message(early)
    unknown = letter(client, footage, "../../base")
    assert unknown.status_code == 302 and "no such letter" in last_message(unknown)
    assert not AuditEvent.objects.filter(action="footage.letter_rendered").exists()
    missing = client.post(reverse("staff:footage_letter", args=["FR-999999"]), {"kind": "decision", "reason": REASON})
    assert missing.status_code == 404


# --- deadlines ---


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    following = html.find('<h2 id="', start + 1)
    return html[start : following if following != -1 else len(html)]


def test_the_deadlines_page_counts_working_days_across_thanksgiving(liaison, monkeypatch):
    today = date(2026, 11, 23)  # a Monday; Thursday the 26th is Thanksgiving
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    # Due Tuesday 1 December: 24, 25, 27, 30 November and 1 December are 5 working days away,
    # 6 weekdays if Thanksgiving were counted.
    this_week = make_request(liaison, received_on=date(2026, 10, 30), perfected_on=date(2026, 10, 30))
    assert footage_due(this_week) == date(2026, 12, 1)
    next_week = make_request(liaison, received_on=date(2026, 11, 2), perfected_on=date(2026, 11, 2))
    assert footage_due(next_week) == date(2026, 12, 2)
    late = make_request(liaison, received_on=date(2026, 10, 1), perfected_on=date(2026, 10, 1))
    decided_late = advance(
        make_request(liaison, received_on=date(2026, 10, 1), perfected_on=date(2026, 10, 1)), liaison, w.WITHDRAWN
    )
    fast = make_request(liaison, received_on=date(2026, 11, 20), expedited_requested=True, expedited_ground="other")
    lapsing = make_request(liaison, received_on=date(2025, 12, 10), perfected_on=None)
    released = advance(make_request(liaison, received_on=date(2025, 12, 10), perfected_on=None), liaison, w.WITHDRAWN)

    response = signed_in(liaison).get(url("deadlines"))
    assert response.status_code == 200
    html = response.content.decode()
    due_soon, overdue = section(html, "due-soon"), section(html, "overdue")
    assert this_week.reference in due_soon and "5 working days left" in due_soon
    assert next_week.reference not in due_soon and next_week.reference not in overdue
    assert late.reference in overdue and decided_late.reference not in html
    assert fast.reference in section(html, "expedited") and "2026-11-30" in section(html, "expedited")
    holds = section(html, "holds")
    assert lapsing.reference in holds and "in 17 days" in holds  # held until 10 December
    assert released.reference not in holds
    assert url("footage", this_week) in due_soon


def test_the_deadlines_page_runs_a_fixed_number_of_queries(liaison, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 23))
    client = signed_in(liaison)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("deadlines")).status_code == 200
        return len(captured)

    make_request(liaison, received_on=date(2026, 10, 30), perfected_on=date(2026, 10, 30))
    make_request(liaison, received_on=date(2025, 12, 10), expedited_requested=True, expedited_ground="other")
    queries()  # the first request of a session reads a little more
    few = queries()
    for _ in range(10):
        make_request(liaison, received_on=date(2026, 10, 30), perfected_on=date(2026, 10, 30))
        make_request(liaison, received_on=date(2025, 12, 10), expedited_requested=True, expedited_ground="other")
    assert queries() == few <= 8  # signed-in session and roles, then the page's own


# --- dates out of range, references of the wrong shape ---


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"received_on": "9999-12-31"}, "A date cannot be in the future."),
        ({"received_on": "2026-11-29"}, "A date cannot be in the future."),  # tomorrow
        ({"received_on": "1999-12-31"}, "Check the year: dates before 2000 are not accepted."),
        ({"perfected_on": "2200-01-01"}, "A date cannot be in the future."),
    ],
)
def test_a_request_dated_out_of_range_is_refused(liaison, monkeypatch, changes, message):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 28))
    response = signed_in(liaison).post(url("footage_new"), {**NEW_FORM, **changes})
    assert response.status_code == 400 and message in response.content.decode()
    assert not FootageRequest.objects.exists()


@pytest.mark.parametrize(
    "action, on, message",
    [
        ("perfect", "9999-12-20", "A date cannot be in the future."),
        ("perfect", "2200-01-05", "A date cannot be in the future."),
        ("pause", "9999-12-31", "A date cannot be in the future."),
        ("extend", "1999-01-04", "Check the year"),
    ],
)
def test_a_clock_date_out_of_range_changes_nothing(liaison, action, on, message):
    footage = make_request(liaison, perfected_on=None)
    response = post(signed_in(liaison), "footage_clock", footage, {"action": action, "on": on})
    assert response.status_code == 302 and message in last_message(response)
    after = fresh(footage)
    assert (after.perfected_on, after.extended_on, after.version) == (None, None, footage.version)
    assert not after.pauses.exists()


def test_a_resume_out_of_range_changes_nothing(liaison):
    footage = make_request(liaison)
    footage_pause(request=footage, on=date(2026, 11, 24), actor=liaison, version=footage.version)
    response = post(signed_in(liaison), "footage_clock", footage, {"action": "resume", "on": "9999-12-31"})
    assert "A date cannot be in the future." in last_message(response)
    assert fresh(footage).pauses.get().ended_on is None


def test_dates_stored_at_the_end_of_the_calendar_break_no_page(liaison, monkeypatch):
    """Rows saved before the dates were checked: no due date, rather than an error page."""
    from cases.selectors import reminders_due

    perfected = make_request(liaison)
    resumed = make_request(liaison)
    footage_pause(request=resumed, on=date(2026, 11, 24), actor=liaison, version=resumed.version)
    fast = make_request(liaison, perfected_on=None, expedited_requested=True, expedited_ground="other")
    FootageRequest.objects.filter(pk=perfected.pk).update(perfected_on=date(9999, 12, 20))
    resumed.pauses.update(ended_on=date(9999, 12, 31))
    FootageRequest.objects.filter(pk=fast.pk).update(received_on=date(9999, 12, 28))
    client = signed_in(liaison)
    for address in (url("footage", perfected), url("footage", resumed), url("footage", fast)):
        assert client.get(address).status_code == 200, address
    for address in (url("footage_list"), url("footage_list") + "?overdue=on", url("deadlines")):
        assert client.get(address).status_code == 200, address
    assert footage_due(fresh(perfected)) is None and footage_due(fresh(resumed)) is None
    reminders_due(now=timezone.now())  # the reminder job's read


def test_a_checklist_reviewer_may_not_approve_the_release(liaison, supervisor):
    from tests.factories import UserFactory

    footage = advance(make_request(liaison), liaison, w.ACKNOWLEDGED, w.SEARCHING, w.FOOTAGE_LOCATED)
    assert post(signed_in(liaison), "footage_move", footage, {"to": w.REDACTION_REVIEW}).status_code == 302
    checker = signed_in(supervisor)
    post(checker, "footage_redaction", footage, {"item": "minors", "state": "done"})
    for item in RedactionItem.Item:
        if item != "minors":
            post(signed_in(liaison), "footage_redaction", footage, {"item": item, "state": "done"})
    assert checker.get(url("footage", footage)).context["can_approve"] is False
    refused = post(checker, "footage_approve", footage, {})
    assert "You checked items of the redaction checklist" in last_message(refused)
    assert fresh(footage).approved_by is None
    other = signed_in(UserFactory(username="sam", role="supervisor"))
    assert other.get(url("footage", footage)).context["can_approve"] is True


def test_a_letter_is_opened_by_post_with_a_reason_of_a_few_words(liaison):
    footage = make_request(liaison)
    client = signed_in(liaison)
    assert client.get(url("footage_letter", footage) + "?kind=acknowledgement").status_code == 405
    for reason in ("", "x", "because"):
        refused = letter(client, footage, "acknowledgement", reason)
        assert refused.status_code == 302 and NAME not in refused.content.decode()
    assert not AuditEvent.objects.filter(action="footage.letter_rendered").exists()
    page = client.get(url("footage", footage)).content.decode()
    assert 'name="kind" value="acknowledgement"' in page and 'value="decision"' not in page
    assert "?kind=" not in page


@pytest.mark.parametrize("reason", ["x", "because", "   "])
def test_a_requester_reveal_needs_a_reason_of_a_few_words(liaison, reason):
    footage = make_request(liaison)
    response = post(signed_in(liaison), "footage_reveal", footage, {"reason": reason})
    assert response.status_code == 302 and NAME not in response.content.decode()
    assert not AuditEvent.objects.filter(action="footage.requester_revealed").exists()


def test_a_request_cannot_name_a_merged_incident(liaison):
    from cases.services import incident_merge_into

    gone = incident_create_from(complaint=make_complaint("web:1"), actor=liaison)
    kept = incident_create_from(complaint=make_complaint("web:2"), actor=liaison)
    incident_merge_into(incident=gone, target=kept, actor=liaison, version=gone.version)
    response = signed_in(liaison).post(url("footage_new"), {**NEW_FORM, "incident": gone.reference})
    assert response.status_code == 400 and "There is no incident with this reference." in response.content.decode()
    assert not FootageRequest.objects.exists()


def test_the_service_refuses_an_incident_merged_meanwhile(liaison):
    from cases.services import incident_merge_into
    from core.errors import ApplicationError

    gone = incident_create_from(complaint=make_complaint("web:1"), actor=liaison)
    kept = incident_create_from(complaint=make_complaint("web:2"), actor=liaison)
    incident_merge_into(incident=gone, target=kept, actor=liaison, version=gone.version)
    with pytest.raises(ApplicationError) as refused:
        make_request(liaison, incident=gone)  # the object as the form saw it, before the merge
    assert refused.value.code == "merged" and kept.reference in refused.value.message
    assert not FootageRequest.objects.exists()


@pytest.mark.parametrize(
    "method, tail",
    [
        ("get", ""),
        ("post", "move/"),
        ("post", "clock/"),
        ("post", "redaction/"),
        ("post", "approve/"),
        ("post", "reveal/"),
        ("post", "letter/"),
    ],
)
def test_a_footage_reference_with_a_nul_is_not_found(postgres, supervisor, method, tail):
    footage = make_request(supervisor)
    data = {"version": "1", "reason": REASON, "kind": "acknowledgement", "to": w.ACKNOWLEDGED}
    response = getattr(signed_in(supervisor), method)(f"/en/staff/footage/{footage.reference}%00/{tail}", data)
    assert response.status_code == 404
    assert fresh(footage).version == footage.version


@pytest.mark.parametrize("query", ["?complaint=C-%00", "?complaint=C-1%00"])
def test_a_complaint_reference_with_a_nul_on_the_new_request_form_is_a_message(postgres, liaison, query):
    response = signed_in(liaison).get(url("footage_new") + query)
    assert response.status_code == 200
    assert "There is no complaint with this reference." in response.content.decode()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"complaint": "C-1\x00"}, "There is no complaint with this reference."),
        ({"incident": "IN-1\x00"}, "There is no incident with this reference."),
    ],
)
def test_a_posted_reference_with_a_nul_is_a_message(postgres, liaison, changes, message):
    response = signed_in(liaison).post(url("footage_new"), {**NEW_FORM, **changes})
    assert response.status_code == 400 and message in response.content.decode()
    assert not FootageRequest.objects.exists()
