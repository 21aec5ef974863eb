"""The incident pages: link a complaint from its page, the list, one incident, its edit, merge and
survey responses. Writes are for case workers only; bad input changes nothing and never fails."""

from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import FootageRequest, Incident
from cases.services import footage_request_create, incident_create_from, incident_link
from intake.services import complaint_submit
from privacy.models import AuditEvent
from surveys.models import Question, Response, Survey
from surveys.services import question_add, response_submit, survey_draft_version, survey_version_publish
from tests.intake.test_services import complaint_input

pytestmark = pytest.mark.django_db

DAY = date(2026, 10, 3)
NARRATIVE = "Yo kase pòt la a 5è nan maten."
SECRET_SUMMARY = "Neighbour Rosa saw the van"


def complaint(key: str, day: date = DAY, city="Miami", office="MIA"):
    data = complaint_input(incident_date=day, city=city, field_office_code=office, contact=None, is_anonymous=True)
    data.consent_contact = False
    return complaint_submit(data=data, channel="web", submission_key=key, notify_filer=False).complaint


def url(name: str, reference: str) -> str:
    return reverse(f"staff:{name}", args=[reference])


def said(response) -> str:
    """The message the request added (earlier ones wait unread, as no redirect is followed)."""
    return str(list(get_messages(response.wsgi_request))[-1])


@pytest.fixture
def survey():
    survey = Survey.objects.create(slug="raids-test", title={"en": "After the raid"})
    draft = survey_draft_version(survey=survey)
    question_add(version=draft, name="seen", kind=Question.Kind.YES_NO, label={"en": "Did you see it?"})
    question_add(version=draft, name="story", kind=Question.Kind.LONG_TEXT, label={"en": "What happened?"})
    survey_version_publish(version=draft)
    return survey


def answer(survey, key: str, *, office="MIA", on: date = DAY, story="Se llevaron a mi vecino") -> Response:
    response, _created = response_submit(
        version=survey.current_version,
        answers={"seen": "yes", "story": story},
        channel="web",
        language="es",
        submission_key=key,
        field_office=office,
    )
    at = timezone.make_aware(datetime.combine(on, time(12)))
    Response.objects.filter(pk=response.pk).update(created_at=at)
    return response


def reload(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


# --- from the complaint page ---


def test_a_complaint_is_linked_to_a_chosen_candidate(staff_client, liaison):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    later = complaint("b", DAY + timedelta(days=2))
    response = staff_client(liaison).post(
        url("complaint_incident", later.reference), {"action": "link", "incident": incident.reference, "linked": "0"}
    )
    assert response.status_code == 302 and response.url == url("complaint", later.reference)
    incident = reload(incident)
    assert incident.complaints.count() == 2 and incident.complaints.filter(pk=later.pk).exists()
    assert incident.ends_on == DAY + timedelta(days=2) and incident.version == 2  # the window widened
    assert AuditEvent.objects.get(action="incident.complaint_linked").data == {"complaint": later.reference}


def test_a_complaint_is_linked_to_a_typed_reference_in_any_spelling(staff_client, liaison):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    other = complaint("b", city="Orlando")  # not a candidate, but staff know better
    number = int(incident.reference.split("-")[1])
    client = staff_client(liaison)
    response = client.post(
        url("complaint_incident", other.reference), {"action": "link", "reference": f" in-{number} "}
    )
    assert response.status_code == 302 and "is linked to incident" in said(response)
    assert incident.complaints.filter(pk=other.pk).exists()
    # A reference that does not exist: said so, nothing linked.
    lone = complaint("c")
    response = client.post(url("complaint_incident", lone.reference), {"action": "link", "reference": "IN-999999"})
    assert response.status_code == 302 and "There is no incident IN-999999" in said(response)
    assert not lone.incidents.exists()


def test_a_new_incident_is_started_from_a_complaint_once(staff_client, liaison):
    first = complaint("a")
    client = staff_client(liaison)
    response = client.post(url("complaint_incident", first.reference), {"action": "create", "linked": "0"})
    assert response.status_code == 302
    incident = first.incidents.get()
    assert (incident.starts_on, incident.city, incident.field_office.code) == (DAY, "Miami", "MIA")
    assert incident.created_by == liaison
    # The same form sent again (a double click): refused, no second incident.
    response = client.post(url("complaint_incident", first.reference), {"action": "create", "linked": "0"})
    assert "changed meanwhile" in said(response)
    assert Incident.objects.count() == 1


def test_linking_twice_changes_nothing_the_second_time(staff_client, liaison):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    later = complaint("b", DAY + timedelta(days=1))
    client = staff_client(liaison)
    for _ in range(2):
        client.post(url("complaint_incident", later.reference), {"action": "link", "incident": incident.reference})
    assert incident.complaints.filter(pk=later.pk).count() == 1
    assert AuditEvent.objects.filter(action="incident.complaint_linked").count() == 1
    assert reload(incident).version == 2


def test_a_complaint_cannot_be_linked_to_a_merged_incident(staff_client, liaison):
    kept = incident_create_from(complaint=complaint("a"), actor=liaison)
    gone = incident_create_from(complaint=complaint("b"), actor=liaison)
    staff_client(liaison).post(url("incident_merge", gone.reference), {"into": kept.reference, "version": "1"})
    lone = complaint("c")
    response = staff_client(liaison).post(
        url("complaint_incident", lone.reference), {"action": "link", "incident": gone.reference}
    )
    assert f"use {kept.reference} instead" in said(response)
    assert not lone.incidents.exists()


# --- the list ---


def test_the_list_filters_and_hides_merged_incidents(staff_client, liaison):
    raid = incident_create_from(complaint=complaint("a"), actor=liaison)
    Incident.objects.filter(pk=raid.pk).update(tags=["raid", "school"])
    atlanta = incident_create_from(complaint=complaint("b", DAY + timedelta(days=20), "Atlanta", "ATL"), actor=liaison)
    merged = incident_create_from(complaint=complaint("c"), actor=liaison)
    Incident.objects.filter(pk=merged.pk).update(merged_into=raid)
    client = staff_client(liaison)

    def shown(**query) -> set[str]:
        page = client.get(reverse("staff:incidents"), query).context["page"]
        return {incident.reference for incident in page.object_list}

    assert shown() == {raid.reference, atlanta.reference}
    assert shown(show_merged="on") == {raid.reference, atlanta.reference, merged.reference}
    assert shown(field_office="ATL") == {atlanta.reference}
    assert shown(tag="School") == {raid.reference}
    assert shown(tag="schoo") == set()  # a whole tag, not a part of one
    assert shown(city="miami", state="fl") == {raid.reference}
    assert shown(date_from=str(DAY + timedelta(days=1))) == {atlanta.reference}
    assert shown(date_to=str(DAY)) == {raid.reference}
    assert shown(text=raid.reference[-3:]) == {raid.reference}
    assert shown(date_from="garbage", field_office="nowhere") == {raid.reference, atlanta.reference}
    page = client.get(reverse("staff:incidents")).context["page"]
    assert [incident.reference for incident in page.object_list] == [atlanta.reference, raid.reference]  # newest
    counts = {incident.reference: incident.complaints_count for incident in page.object_list}
    assert counts == {raid.reference: 1, atlanta.reference: 1}


def test_the_list_runs_the_same_queries_for_5_or_40_incidents(staff_client, liaison):
    first = complaint("a")
    incidents = [incident_create_from(complaint=first, actor=liaison)]
    client = staff_client(liaison)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("staff:incidents"))
        assert response.status_code == 200
        return len(captured)

    def grow(to: int) -> None:
        while len(incidents) < to:
            incident = incident_create_from(complaint=complaint(f"k{len(incidents)}"), actor=liaison)
            footage_request_create(requester_type="attorney", received_on=DAY, actor=liaison, incident=incident)
            incidents.append(incident)

    queries()  # the first request of a session also writes the session
    grow(5)
    few = queries()
    grow(40)
    many = queries()
    assert few == many <= 10
    response = client.get(reverse("staff:incidents"))
    assert response.context["page"].paginator.count == 40
    assert all(incident.footage_count == 1 for incident in response.context["page"].object_list)


# --- one incident ---


def test_the_page_shows_complaints_responses_and_footage_but_no_one_s_words(staff_client, liaison, survey):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    given = answer(survey, "r1", story="Se llevaron a mi vecino")
    incident.survey_responses.add(given)
    footage = footage_request_create(
        requester_type="attorney", received_on=DAY, actor=liaison, incident=incident, requester_name="Ana Abogada"
    )
    Incident.objects.filter(pk=incident.pk).update(summary=SECRET_SUMMARY)
    page = staff_client(liaison).get(url("incident", incident.reference)).content.decode()
    linked = incident.complaints.get()
    assert linked.reference in page and url("complaint", linked.reference) in page
    assert url("footage", footage.reference) in page and "After the raid" in page
    assert SECRET_SUMMARY in page  # staff who work the case read the summary
    for words in (NARRATIVE, "Se llevaron", "Ana Abogada"):
        assert words not in page


def test_an_auditor_sees_no_summary_and_cannot_change_anything(staff_client, liaison, auditor, survey):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    other = incident_create_from(complaint=complaint("b"), actor=liaison)
    Incident.objects.filter(pk=incident.pk).update(summary=SECRET_SUMMARY)
    given = answer(survey, "r1")
    lone = complaint("c")
    client = staff_client(auditor)
    page = client.get(url("incident", incident.reference))
    assert page.status_code == 200
    assert SECRET_SUMMARY not in page.content.decode() and url("incident_edit", incident.reference) not in (
        page.content.decode()
    )
    assert client.get(reverse("staff:incidents")).status_code == 200
    posts = [
        (url("complaint_incident", lone.reference), {"action": "link", "incident": incident.reference}),
        (url("complaint_incident", lone.reference), {"action": "create", "linked": "0"}),
        (url("incident_edit", incident.reference), {"version": "1", "starts_on": "2026-10-01", "ends_on": "2026-10-03",
                                                     "summary": "", "tags": "x"}),
        (url("incident_merge", incident.reference), {"into": other.reference, "version": "1"}),
        (url("incident_responses", incident.reference), {"link": [str(given.pk)]}),
    ]  # fmt: skip
    for target, data in posts:
        assert client.post(target, data).status_code == 403
    incident = reload(incident)
    assert (incident.version, incident.summary, incident.tags, incident.merged_into) == (1, SECRET_SUMMARY, [], None)
    assert not lone.incidents.exists() and not incident.survey_responses.exists()
    assert Incident.objects.count() == 2


def edit_data(incident: Incident, **changes) -> dict:
    data = {
        "version": str(incident.version),
        "starts_on": str(incident.starts_on),
        "ends_on": str(incident.ends_on),
        "city": incident.city,
        "state": incident.state,
        "field_office": incident.field_office.code if incident.field_office else "",
        "agency": incident.agency,
        "tags": ", ".join(incident.tags),
        "summary": incident.summary,
    }
    return {**data, **changes}


def test_an_edit_saves_facts_and_tags_as_lowercase_slugs(staff_client, liaison):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    response = staff_client(liaison).post(
        url("incident_edit", incident.reference),
        edit_data(incident, tags="Raid, NIÑOS,  raid , school bus,, مدرسة، 学校", summary=SECRET_SUMMARY,
                  ends_on="2026-10-05", state="ga", field_office="ATL", city="Atlanta"),
    )  # fmt: skip
    assert response.status_code == 302
    incident = reload(incident)
    assert incident.tags == ["raid", "niños", "school-bus", "مدرسة", "学校"]
    assert (incident.summary, incident.ends_on, incident.state) == (SECRET_SUMMARY, date(2026, 10, 5), "GA")
    assert (incident.field_office.code, incident.city, incident.version) == ("ATL", "Atlanta", 2)
    event = AuditEvent.objects.get(action="incident.updated")
    assert SECRET_SUMMARY not in str(event.data) and "summary" in event.data["fields"]


def test_a_stale_edit_is_refused(staff_client, liaison):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    client = staff_client(liaison)
    old = edit_data(incident)
    client.post(url("incident_edit", incident.reference), {**old, "tags": "first"})
    response = client.post(url("incident_edit", incident.reference), {**old, "tags": "second", "city": "Tampa"})
    assert response.status_code == 302 and "Someone else changed this incident" in said(response)
    incident = reload(incident)
    assert (incident.tags, incident.city, incident.version) == (["first"], "Miami", 2)


def test_an_invalid_edit_is_shown_again_and_changes_nothing(staff_client, liaison):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    client = staff_client(liaison)
    response = client.post(url("incident_edit", incident.reference), edit_data(incident, starts_on="yesterday"))
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()
    response = client.post(url("incident_edit", incident.reference), edit_data(incident, ends_on="2026-09-01"))
    assert "The last day cannot be before the first day" in said(response)
    response = client.post(url("incident_edit", incident.reference), edit_data(incident, state="T1"))
    assert "two-letter code" in said(response)
    assert reload(incident).version == 1


# --- merging ---


def test_a_merge_moves_everything_and_widens_the_window(staff_client, liaison, survey):
    gone = incident_create_from(complaint=complaint("a", DAY - timedelta(days=2)), actor=liaison)
    kept = incident_create_from(complaint=complaint("b"), actor=liaison)
    Incident.objects.filter(pk=gone.pk).update(tags=["raid"])
    Incident.objects.filter(pk=kept.pk).update(tags=["school"])
    earlier = incident_create_from(complaint=complaint("c"), actor=liaison)
    Incident.objects.filter(pk=earlier.pk).update(merged_into=gone)  # merged into `gone` before
    gone.survey_responses.add(answer(survey, "r1"))
    footage = footage_request_create(requester_type="subject", received_on=DAY, actor=liaison, incident=gone)
    response = staff_client(liaison).post(url("incident_merge", gone.reference), {"into": kept.reference, "version": 1})
    assert response.status_code == 302 and response.url == url("incident", kept.reference)
    kept, gone = reload(kept), reload(gone)
    assert kept.complaints.count() == 2 and not gone.complaints.exists()
    assert kept.survey_responses.count() == 1 and not gone.survey_responses.exists()
    assert FootageRequest.objects.get(pk=footage.pk).incident == kept
    assert (kept.starts_on, kept.ends_on) == (DAY - timedelta(days=2), DAY)
    assert kept.tags == ["school", "raid"]
    assert gone.merged_into == kept and reload(earlier).merged_into == kept
    assert (gone.version, kept.version) == (2, 2)
    event = AuditEvent.objects.get(action="incident.merged")
    assert event.object_ref == gone.reference
    assert event.data == {"into": kept.reference, "complaints": 1, "survey_responses": 1, "footage_requests": 1}
    # The merged incident's page says where everything went.
    page = staff_client(liaison).get(url("incident", gone.reference)).content.decode()
    assert "This incident was merged into" in page and f'href="{url("incident", kept.reference)}"' in page
    assert url("incident_edit", gone.reference) not in page


def test_a_merge_refuses_bad_targets(staff_client, liaison):
    one = incident_create_from(complaint=complaint("a"), actor=liaison)
    two = incident_create_from(complaint=complaint("b"), actor=liaison)
    three = incident_create_from(complaint=complaint("c"), actor=liaison)
    client = staff_client(liaison)

    def merge(source, into, version=1) -> str:
        response = client.post(url("incident_merge", source.reference), {"into": into, "version": version})
        assert response.status_code == 302
        return said(response)

    assert "cannot be merged into itself" in merge(one, one.reference)
    assert "There is no incident IN-999999" in merge(one, "IN-999999")
    assert "Type the reference" in merge(one, "")
    assert "Someone else changed" in merge(one, two.reference, version=7)
    assert "Someone else changed" in merge(one, two.reference, version="x")
    assert AuditEvent.objects.filter(action="incident.merged").count() == 0
    assert "was merged into" in merge(one, two.reference)
    assert "was itself merged" in merge(three, one.reference)  # into a merged incident
    assert "was itself merged" in merge(two, one.reference, version=2)  # a loop: `one` lives on in `two`
    assert f"use {two.reference} instead" in merge(one, three.reference, version=2)  # merged already
    assert [reload(i).merged_into_id for i in (one, two, three)] == [two.pk, None, None]
    assert AuditEvent.objects.filter(action="incident.merged").count() == 1


# --- survey responses ---


def test_survey_responses_are_offered_linked_and_unlinked(staff_client, liaison, survey):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    near = answer(survey, "near", on=DAY + timedelta(days=3))
    far = answer(survey, "far", on=DAY + timedelta(days=4))
    elsewhere = answer(survey, "elsewhere", office="ATL")
    client = staff_client(liaison)
    candidates = client.get(url("incident", incident.reference)).context["response_candidates"]
    assert candidates == [near]
    response = client.post(
        url("incident_responses", incident.reference), {"link": [str(near.pk)], "response_id": f"#{far.pk}"}
    )
    assert "linked: 2" in said(response)
    assert set(incident.survey_responses.all()) == {near, far}
    assert client.get(url("incident", incident.reference)).context["response_candidates"] == []
    # Again, and an unknown number with a good one: nothing changes.
    client.post(url("incident_responses", incident.reference), {"link": [str(near.pk)]})
    response = client.post(
        url("incident_responses", incident.reference), {"link": [str(elsewhere.pk)], "response_id": "999999"}
    )
    assert "There is no survey response with the number 999999" in said(response)
    assert incident.survey_responses.count() == 2
    assert AuditEvent.objects.filter(action="incident.response_linked").count() == 2
    response = client.post(url("incident_responses", incident.reference), {"unlink": str(far.pk)})
    assert "unlinked: 1" in said(response)
    assert list(incident.survey_responses.all()) == [near]
    event = AuditEvent.objects.get(action="incident.response_unlinked")
    assert event.data == {"response": far.pk} and event.object_ref == incident.reference


# --- bad input ---


def test_garbage_posts_never_fail(staff_client, liaison):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    lone = complaint("b")
    incident_link(incident=incident, complaint=complaint("c"), actor=liaison)
    client = staff_client(liaison)
    too_many = ",".join(f"t{i}" for i in range(30))
    garbage = [
        {},
        {"action": "explode"},
        {"action": "link", "incident": "x" * 500, "reference": "\x00"},
        {"action": "link", "reference": "IN-" + "9" * 40},
        {"action": "create", "linked": "-1"},
        {"action": "create", "linked": "9" * 40},
        {"version": "9" * 40, "into": "'; drop table", "starts_on": "2026-02-30", "ends_on": "0000-00-00"},
        {"version": "1", "starts_on": "2026-10-03", "ends_on": "2026-10-03", "agency": "army", "field_office": "ZZZ"},
        {"version": "1", "starts_on": "2026-10-03", "ends_on": "2026-10-03", "tags": too_many},
        {"link": ["1e9", "-3", "9" * 30], "response_id": "abc"},
        {"unlink": ["nope", "9" * 30]},
        {"unlink": "123"},
        {"link": ["9223372036854775806"]},
    ]  # fmt: skip
    targets = [
        url("complaint_incident", lone.reference),
        url("incident_edit", incident.reference),
        url("incident_merge", incident.reference),
        url("incident_responses", incident.reference),
    ]
    for target in targets:
        for data in garbage:
            response = client.post(target, data)
            assert response.status_code in (302, 400), (target, data, response.status_code)
    for name in ("incident", "incident_edit", "incident_merge", "incident_responses"):
        for reference in ("IN-404404", "IN-\x00", "ÍN-1"):
            assert client.post(url(name, reference), {}).status_code in (404, 405)
    assert client.get(url("incident", "IN-\x00")).status_code == 404
    for reference in ("C-404404", "C-\x00"):
        assert client.post(url("complaint_incident", reference), {"action": "create"}).status_code == 404
    assert client.get(url("incident_merge", incident.reference)).status_code == 405
    assert client.get(reverse("staff:incidents"), {"page": "last", "date_to": "1999-99-99"}).status_code == 200
    assert client.get(reverse("staff:incidents"), {"page": "99999999999999999999"}).status_code == 200
    incident = reload(incident)
    assert (incident.version, incident.tags, incident.merged_into) == (1, [], None)
    assert not lone.incidents.exists() and not incident.survey_responses.exists()


def test_the_complaint_page_part_offers_candidates_to_case_workers_only(rf, liaison, auditor):
    from django.template.loader import render_to_string

    from accounts.policy import allowed_map
    from cases.selectors import incident_candidates

    linked = complaint("a")
    incident = incident_create_from(complaint=linked, actor=liaison)
    incident_link(incident=incident, complaint=complaint("b"), actor=liaison)
    later = complaint("c", DAY + timedelta(days=3))

    def part(user, of) -> str:
        request = rf.get("/")
        request.user = user
        context = {
            "complaint": of,
            "incidents": list(of.incidents.all()),
            "incident_candidates": incident_candidates(of),
            "policy": allowed_map(user),
        }
        return render_to_string("cases/partials/complaint_incidents.html", context, request=request)

    html = part(liaison, later)
    assert "not linked to an incident yet" in html
    assert f'name="incident" value="{incident.reference}"' in html and "<td>2</td>" in html  # two complaints
    assert url("complaint_incident", later.reference) in html and 'name="linked" value="0"' in html
    assert url("complaint_incident", later.reference) not in part(auditor, later)
    html = part(liaison, linked)
    assert url("incident", incident.reference) in html and 'name="linked" value="1"' in html


# --- dates out of range ---


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"starts_on": "0001-01-01"}, "Check the year: dates before 2000 are not accepted."),
        ({"ends_on": "9999-12-31"}, "A date cannot be in the future."),
        ({"ends_on": "2200-01-01"}, "A date cannot be in the future."),
    ],
)
def test_an_edit_dated_out_of_range_is_refused(staff_client, liaison, changes, message):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    response = staff_client(liaison).post(url("incident_edit", incident.reference), edit_data(incident, **changes))
    assert response.status_code == 400 and message in response.content.decode()
    incident = reload(incident)
    assert (incident.starts_on, incident.ends_on, incident.version) == (DAY, DAY, 1)


def test_the_service_refuses_dates_out_of_range(liaison):
    from cases.services import incident_update
    from core.errors import ApplicationError

    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    for starts_on, ends_on in [
        (date(1, 1, 1), DAY),
        (DAY, date(9999, 12, 31)),
        (DAY, timezone.localdate() + timedelta(days=1)),
    ]:
        with pytest.raises(ApplicationError) as refused:
            incident_update(
                incident=incident, actor=liaison, version=1, summary=None, tags=[], starts_on=starts_on, ends_on=ends_on
            )
        assert refused.value.code == "dates"
    assert reload(incident).version == 1


@pytest.mark.parametrize("starts_on, ends_on", [(date(1, 1, 1), DAY), (DAY, date(9999, 12, 31))])
def test_an_incident_stored_with_dates_at_the_end_of_the_calendar_still_shows(
    staff_client, liaison, auditor, starts_on, ends_on
):
    incident = incident_create_from(complaint=complaint("a"), actor=liaison)
    Incident.objects.filter(pk=incident.pk).update(starts_on=starts_on, ends_on=ends_on)
    for user in (liaison, auditor):
        assert staff_client(user).get(url("incident", incident.reference)).status_code == 200


def test_merged_incidents_are_not_offered_to_a_complaint(liaison):
    from cases.selectors import incident_candidates
    from cases.services import incident_merge_into

    kept = incident_create_from(complaint=complaint("a"), actor=liaison)
    gone = incident_create_from(complaint=complaint("b"), actor=liaison)
    lone = complaint("c")
    assert {i.pk for i in incident_candidates(lone)} == {kept.pk, gone.pk}
    incident_merge_into(incident=gone, target=kept, actor=liaison, version=gone.version)
    assert [i.pk for i in incident_candidates(lone)] == [kept.pk]
