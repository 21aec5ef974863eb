"""The public web survey: one section per page, follow-up questions asked on the server, answers
kept when going back, in the person's language; interviews by an organisation's members with
consent; invitations that credit the organisation."""

import re

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts import roles
from surveys.models import Invitation, Response, ResponseDraft, Survey
from surveys.services import invitation_create, response_draft_start
from tests.conftest import staff_login
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ANSWERS = [
    {"contact": "yes"},
    {"contact": "yes", "contact_place": "street", "camera_seen": "yes"},
    {"contact": "yes", "contact_place": "street", "camera_seen": "yes", "camera_on": "unsure"},
    {"safe_reporting": "2", "reported_before": "no"},
    {"footage_worries": ["children", "used_against"], "would_request": "no"},
    {"footage_worries": ["children", "used_against"], "would_request": "no", "request_barrier": "afraid"},
    {"trust_helps": ["language", "group"], "trust_more": "Que hablen mi idioma"},
    {"age": "37"},
]


def field_names(response) -> set[str]:
    return set(re.findall(r'<(?:input|textarea)[^>]*name="([a-z_]+)"', response.content.decode())) - {
        "csrfmiddlewaretoken"
    }


def answer_whole_survey(client, language: str) -> Response:
    started = client.post(f"/{language}/surveys/body-cameras/")
    assert started.status_code == 302
    page = started.headers["Location"]
    for answers in ANSWERS:
        reply = client.post(page, {**answers, "nav": "next"})
        if reply.status_code == 200:  # follow-up questions opened on the same page
            assert "is-new" in reply.content.decode()
            continue
        assert reply.status_code == 302, reply.content.decode()[:2000]
        page = reply.headers["Location"]
    assert page.endswith("/done/")
    assert client.get(page).status_code == 200
    return Response.objects.order_by("-pk").first()


def stored(response: Response) -> dict:
    found = {}
    for answer in response.answers.select_related("question"):
        value = answer.choice or sorted(answer.choices) or answer.text
        found[answer.question.name] = value if value not in ("", []) else str(int(answer.number))
    return found


@pytest.mark.parametrize("language", ["es", "ht", "ar"])
def test_the_seeded_survey_answered_on_the_web_stores_exactly_what_was_picked(client, body_cameras, language):
    page = client.get(f"/{language}/surveys/body-cameras/")
    assert page.status_code == 200
    assert str(body_cameras.title.localize(language)) in page.content.decode()

    response = answer_whole_survey(client, language)

    assert response.language == language
    assert response.channel == Response.Channel.WEB
    assert response.collected_by is None and response.organization is None
    expected = {}
    for answers in ANSWERS:
        expected.update({k: sorted(v) if isinstance(v, list) else v for k, v in answers.items()})
    assert stored(response) == expected


def test_follow_up_questions_appear_only_after_the_answer_that_opens_them(client, body_cameras):
    page = client.post("/en/surveys/body-cameras/").headers["Location"]
    first = client.get(page)
    assert field_names(first) == {"contact"}
    assert "Part 1 of 5" in first.content.decode() or "1 of 5" in first.content.decode()

    opened = client.post(page, {"contact": "yes", "nav": "next"})
    assert opened.status_code == 200
    assert field_names(opened) == {"contact", "contact_place", "camera_seen"}

    # "No" asks nothing more here: on to the next page.
    moved = client.post(page, {"contact": "no", "nav": "next"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/2/")


def test_going_back_keeps_the_answers_of_both_pages(client, body_cameras):
    page1 = client.post("/en/surveys/body-cameras/").headers["Location"]
    page2 = client.post(page1, {"contact": "no", "nav": "next"}).headers["Location"]
    back = client.post(page2, {"safe_reporting": "4", "nav": "back"})
    assert back.headers["Location"] == page1
    assert re.search(r'value="no"[^>]*checked', client.get(page1).content.decode())
    assert re.search(r'value="4"[^>]*checked', client.get(page2).content.decode())


def test_a_missing_required_answer_is_explained_in_the_persons_language_and_nothing_moves(client, body_cameras):
    page = client.post("/es/surveys/body-cameras/").headers["Location"]
    reply = client.post(page, {"nav": "next"})
    assert reply.status_code == 200
    body = reply.content.decode()
    assert "Por favor, conteste esta pregunta." in body
    assert 'class="error-summary"' in body
    assert not Response.objects.exists()


def test_a_number_out_of_bounds_says_the_bounds(client, body_cameras):
    page = client.post("/en/surveys/body-cameras/").headers["Location"]
    for answers in [{"contact": "no"}, {"safe_reporting": "3"}, {}, {}]:
        page = client.post(page, {**answers, "nav": "next"}).headers["Location"]
    reply = client.post(page, {"age": "300", "nav": "next"})
    assert reply.status_code == 200
    assert "between 14 and 110" in reply.content.decode()
    reply = client.post(page, {"age": "many", "nav": "next"})
    assert "Write a number" in reply.content.decode()
    assert not Response.objects.exists()


def test_a_double_send_stores_one_response(client, body_cameras):
    version = body_cameras.current_version
    draft, token = response_draft_start(version=version, language="en")
    draft.answers = '{"contact": "no", "safe_reporting": "5"}'
    draft.save()
    last = f"/en/surveys/r/{token}/5/"
    assert client.post(last, {"nav": "next"}).headers["Location"].endswith("/done/")
    assert client.post(last, {"nav": "next"}).headers["Location"].endswith("/done/")
    assert Response.objects.count() == 1
    # Once sent, the draft no longer holds the answers.
    assert ResponseDraft.objects.get(pk=draft.pk).answers == "{}"


def test_an_unknown_or_expired_link_says_so_without_an_error(client, body_cameras):
    assert client.get("/en/surveys/r/not-a-token/1/").status_code == 404
    draft, token = response_draft_start(version=body_cameras.current_version, language="en")
    ResponseDraft.objects.filter(pk=draft.pk).update(expires_at=timezone.now())
    reply = client.get(f"/en/surveys/r/{token}/1/")
    assert reply.status_code == 404
    assert "This page has closed" in reply.content.decode()
    assert client.get(f"/en/surveys/r/{token}/99/").status_code == 404


def test_a_closed_survey_takes_no_more_answers(client, body_cameras):
    page = client.post("/en/surveys/body-cameras/").headers["Location"]
    Survey.objects.filter(pk=body_cameras.pk).update(status=Survey.Status.CLOSED)
    assert client.get("/en/surveys/body-cameras/").status_code == 410
    assert client.post("/en/surveys/body-cameras/").status_code == 410
    assert client.post(page, {"contact": "no", "nav": "next"}).status_code == 410
    assert not Response.objects.exists()


def test_surveys_for_invited_groups_and_drafts_are_not_public(client, body_cameras):
    Survey.objects.create(slug="members-only", title={"en": "Members"}, status="open", audience="invited")
    Survey.objects.create(slug="not-yet", title={"en": "Draft"})
    assert client.get("/en/surveys/members-only/").status_code == 404
    assert client.get("/en/surveys/not-yet/").status_code == 404
    listing = client.get("/en/surveys/").content.decode()
    assert "/en/surveys/body-cameras/" in listing and "members-only" not in listing


def test_an_invitation_credits_the_organisation_and_shows_the_text_message_code(client, body_cameras, organization):
    invitation = invitation_create(survey=body_cameras, organization=organization, created_by=None)
    with override_settings(VOCES_SMS_NUMBER="+1 555 010 0100"):
        page = client.get(f"/es/surveys/i/{invitation.code.lower()}/")
    body = page.content.decode()
    assert organization.name in body
    assert f"CAMERAS {invitation.code} ES" in body
    start = client.post(f"/es/surveys/i/{invitation.code}/").headers["Location"]
    reply = client.post(start, {"contact": "no", "nav": "next"})
    page2 = reply.headers["Location"]
    client.post(page2, {"safe_reporting": "1", "nav": "next"})
    draft = ResponseDraft.objects.get(invitation=invitation)
    for section in (3, 4, 5):
        client.post(f"/es/surveys/r/{page2.split('/')[4]}/{section}/", {"nav": "next"})
    draft.refresh_from_db()
    response = draft.response
    assert response.invitation == invitation and response.organization == organization
    assert client.get("/en/surveys/i/NOPE99/").status_code == 404


def test_an_invitation_code_is_unambiguous_and_unique(body_cameras, organization):
    codes = {invitation_create(survey=body_cameras, organization=organization, created_by=None).code for _ in range(30)}
    assert len(codes) == 30
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code) for code in codes)


def test_starting_a_survey_is_rate_limited(client, body_cameras):
    with override_settings(SURVEY_START_RATE_PER_CLIENT="2/h"):
        assert client.post("/en/surveys/body-cameras/").status_code == 302
        assert client.post("/en/surveys/body-cameras/").status_code == 302
        refused = client.post("/en/surveys/body-cameras/")
    assert refused.status_code == 429
    assert ResponseDraft.objects.count() == 2


# --- Organisations ---------------------------------------------------------------------------


def sign_in(client, user):
    reply = client.post("/en/account/sign-in/", {"username": user.username, "password": "correct horse battery staple"})
    assert reply.status_code == 302


def test_an_interview_needs_consent_and_is_credited_to_the_member_and_organisation(client, body_cameras, advocate):
    sign_in(client, advocate)
    organization = advocate.memberships.get().organization
    refused = client.post(
        "/en/work/surveys/body-cameras/interview/",
        {"organization": organization.pk, "language": "es"},
    )
    assert refused.status_code == 200
    assert "only enter answers when the person agrees" in refused.content.decode()
    assert not ResponseDraft.objects.exists()

    started = client.post(
        "/en/work/surveys/body-cameras/interview/",
        {"organization": organization.pk, "language": "es", "consent": "on", "field_office": "hou"},
    )
    page = started.headers["Location"]
    assert page.startswith("/es/surveys/r/")  # the questions in the language of the person
    page2 = client.post(page, {"contact": "no", "nav": "next"}).headers["Location"]
    client.post(page2, {"safe_reporting": "3", "nav": "next"})
    token = page.split("/")[4]
    for section in (3, 4):
        client.post(f"/es/surveys/r/{token}/{section}/", {"nav": "next"})
    done = client.post(f"/es/surveys/r/{token}/5/", {"nav": "next"})
    assert done.headers["Location"].endswith("/done/")
    response = Response.objects.get()
    assert response.collected_by == advocate
    assert response.organization == organization
    assert response.respondent_consent_at is not None
    assert response.field_office == "HOU"
    assert response.language == "es"
    assert "Enter another interview" in client.get(done.headers["Location"].replace("/es/", "/en/")).content.decode()


def test_work_pages_need_a_signed_in_member(client, body_cameras, advocate):
    reply = client.get("/en/work/surveys/")
    assert reply.status_code == 302 and "/account/sign-in/" in reply.headers["Location"]
    outsider = UserFactory(username="someone", role=roles.AUDITOR)
    staff_login(client, outsider)
    assert client.get("/en/work/surveys/body-cameras/interview/").status_code == 404


def test_a_member_makes_invitations_only_for_their_own_organisation(client, body_cameras, advocate):
    sign_in(client, advocate)
    other = OrganizationFactory(name="Other group", slug="other")
    refused = client.post("/en/work/surveys/body-cameras/invitations/", {"organization": other.pk})
    assert refused.status_code == 200 and not Invitation.objects.exists()
    own = advocate.memberships.get().organization
    made = client.post("/en/work/surveys/body-cameras/invitations/", {"organization": own.pk})
    assert made.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.organization == own
    listing = client.get("/en/work/surveys/body-cameras/invitations/").content.decode()
    assert f"/en/surveys/i/{invitation.code}/" in listing


def test_sign_in_refuses_wrong_passwords_and_too_many_tries(client, advocate):
    wrong = client.post("/en/account/sign-in/", {"username": advocate.username, "password": "nope"})
    assert wrong.status_code == 200 and 'class="error-summary"' in wrong.content.decode()
    with override_settings(SIGN_IN_RATE_PER_CLIENT="1/h"):
        client.post("/en/account/sign-in/", {"username": advocate.username, "password": "nope"})
        limited = client.post(
            "/en/account/sign-in/", {"username": advocate.username, "password": "correct horse battery staple"}
        )
    assert limited.status_code == 429
    # A next= to another site is ignored.
    reply = client.post(
        "/en/account/sign-in/?next=https://evil.example/",
        {"username": advocate.username, "password": "correct horse battery staple"},
    )
    assert reply.headers["Location"] == "/en/work/surveys/"


def test_demo_answers_load_once(settings, body_cameras):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("load_demo_surveys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    count = Response.objects.count()
    call_command("load_demo_surveys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert count == 300 and Response.objects.count() == count
    assert Survey.objects.get(slug="footage-rules-demo").status == Survey.Status.CLOSED


# --- Found in review ---------------------------------------------------------------------------


def test_a_follow_up_hidden_again_by_the_posted_answer_is_not_required(client, body_cameras):
    from surveys.models import Question

    Question.objects.filter(version__survey=body_cameras, name="contact_place").update(required=True)
    page = client.post("/en/surveys/body-cameras/").headers["Location"]
    assert client.post(page, {"contact": "yes", "nav": "next"}).status_code == 200  # follow-ups open
    moved = client.post(page, {"contact": "no", "nav": "next"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/2/")


def test_a_huge_number_is_refused_not_stored(client, body_cameras):
    from surveys.models import Question

    Question.objects.filter(version__survey=body_cameras, name="age").update(max_value=None)
    draft, token = response_draft_start(version=body_cameras.current_version, language="en")
    draft.answers = '{"contact": "no", "safe_reporting": "5"}'
    draft.save()
    for value in ("99999999999", "1e20"):
        reply = client.post(f"/en/surveys/r/{token}/5/", {"age": value, "nav": "next"})
        assert reply.status_code == 200 and "Write a number" in reply.content.decode()
    assert client.post(f"/en/surveys/r/{token}/5/", {"age": "33.456", "nav": "next"}).status_code == 302
    assert str(Response.objects.get().answers.get(question__name="age").number) == "33.46"


def test_a_get_never_sends_the_answers(client, body_cameras):
    draft, token = response_draft_start(version=body_cameras.current_version, language="en")
    draft.answers = '{"contact": "no", "safe_reporting": "5"}'
    draft.save()
    from surveys.models import Question

    # The last page has nothing to ask (its only question hidden): a GET goes back, it does not send.
    Question.objects.filter(version__survey=body_cameras, name="age").update(
        show_if={"question": "contact", "value": "yes"}
    )
    reply = client.get(f"/en/surveys/r/{token}/5/")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/4/")
    assert not Response.objects.exists()
    assert client.post(f"/en/surveys/r/{token}/4/", {"nav": "next"}).headers["Location"].endswith("/done/")
    assert Response.objects.count() == 1


def test_back_from_the_first_page_of_an_interview_returns_to_the_interview(client, body_cameras, advocate):
    organization = advocate.memberships.get().organization
    _draft, token = response_draft_start(
        version=body_cameras.current_version,
        language="en",
        organization=organization,
        collected_by=advocate,
        respondent_consented=True,
    )
    reply = client.post(f"/en/surveys/r/{token}/1/", {"nav": "back"})
    assert reply.headers["Location"] == "/en/work/surveys/body-cameras/interview/"


def test_an_invited_surveys_document_opens_from_its_invitation(client, body_cameras, organization):
    survey = Survey.objects.create(
        slug="protocol",
        title={"en": "Protocol"},
        document={"en": "Rule 1. Blur faces."},
        status="open",
        audience="invited",
    )
    invitation = Invitation.objects.create(survey=survey, organization=organization, code="ABCDEF")
    assert client.get("/en/surveys/protocol/document/").status_code == 404
    page = client.get("/en/surveys/i/ABCDEF/document/")
    assert page.status_code == 200 and "Rule 1. Blur faces." in page.content.decode()
    assert client.get("/en/surveys/i/ZZZZZZ/document/").status_code == 404
    assert invitation.code in page.content.decode()


def test_survey_draft_tokens_never_reach_the_logs():
    import logging

    from core.logging import RedactSecrets

    token = "GfZvA-abcdefghijklmnopqrstuvwxyz"
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: %s", (f"/en/surveys/r/{token}/99/",), None
    )
    RedactSecrets().filter(record)
    assert token not in record.getMessage()
