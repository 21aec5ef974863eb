"""The surveys API: open surveys and their definitions in a language, responses entered by an
organisation's member (one, or a batch stored whole or not at all), and a closed survey's public
numbers with small counts hidden as on the web."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts import roles
from surveys import selectors
from surveys.forms import PLEASE_ANSWER, bounds_message
from surveys.models import Answer, Response, Survey
from surveys.seed import seed_definition
from surveys.services import response_submit, survey_define, survey_version_publish
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/surveys/"
DETAIL = "/api/v1/surveys/{}/"
RESPONSES = "/api/v1/surveys/{}/responses/"
BATCH = "/api/v1/surveys/{}/responses/batch/"
RESULTS = "/api/v1/surveys/{}/results/"
ANSWERS = {"contact": "no", "safe_reporting": "3"}


def one(**extra) -> dict:
    return {"language": "es", "answers": dict(ANSWERS), "respondent_consented": True, **extra}


def item(**extra) -> dict:
    return {"language": "es", "answers": dict(ANSWERS), **extra}


def batch(items: list[dict], **extra) -> dict:
    return {"respondent_consented": True, "responses": items, **extra}


def small_survey(slug: str, *, status: str = Survey.Status.OPEN, audience: str = Survey.Audience.PUBLIC) -> Survey:
    survey = survey_define(
        slug=slug,
        definition={
            "title": {"en": f"Survey {slug}", "es": f"Encuesta {slug}"},
            "questions": [
                {"name": "ok", "kind": "yes_no", "required": True, "label": {"en": "OK?", "es": "¿Bien?"}},
            ],
        },
    )
    survey_version_publish(version=survey.versions.get())
    Survey.objects.filter(pk=survey.pk).update(status=status, audience=audience)
    survey.refresh_from_db()
    return survey


@pytest.fixture
def member(advocate, api_as):
    return api_as(advocate)


# --- The list and a definition ---------------------------------------------------------------


def test_it_lists_the_open_surveys_with_titles_in_the_asked_language(api, body_cameras):
    small_survey("draft-one", status=Survey.Status.DRAFT)
    small_survey("closed-one", status=Survey.Status.CLOSED)
    small_survey("for-groups", audience=Survey.Audience.INVITED)

    spanish = api.get(LIST, {"language": "es"})
    french = api.get(LIST, HTTP_ACCEPT_LANGUAGE="fr")

    assert spanish.status_code == 200
    assert [s["slug"] for s in spanish.json()["results"]] == ["body-cameras"]
    listed = spanish.json()["results"][0]
    assert listed["title"] == "Las cámaras corporales y su comunidad"
    assert listed["version"] == 1
    assert {"en", "es", "ht", "zh-hans"} <= set(listed["languages"])
    assert listed["opens_at"] is None and listed["closes_at"] is None
    assert french.json()["language"] == "fr"
    assert french.json()["results"][0]["title"] == seed_definition()["title"]["fr"]


def test_it_lists_3_or_30_surveys_in_the_same_number_of_queries(api, body_cameras):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(LIST).status_code == 200
        return len(captured)

    for n in range(2):
        small_survey(f"few-{n}")
    few = queries()
    for n in range(27):
        small_survey(f"many-{n}")
    assert len(api.get(LIST).json()["results"]) == 30
    assert queries() == few


def test_it_gives_a_definition_in_two_languages(api, body_cameras):
    english = api.get(DETAIL.format("body-cameras"), {"language": "en"}).json()
    spanish = api.get(DETAIL.format("body-cameras"), HTTP_ACCEPT_LANGUAGE="es").json()

    assert english["version"] == spanish["version"] == 1
    assert (english["language"], spanish["language"]) == ("en", "es")
    assert spanish["title"] == "Las cámaras corporales y su comunidad"
    names = [q["name"] for q in english["questions"]]
    assert names == [q["name"] for q in seed_definition()["questions"]]
    contact_en, contact_es = english["questions"][0], spanish["questions"][0]
    assert contact_en["kind"] == "yes_no" and contact_en["required"] is True
    assert contact_es["text"].startswith("En los últimos 12 meses")
    assert contact_en["text"] != contact_es["text"] and contact_es["help"]
    assert [c["value"] for c in contact_en["choices"]] == ["yes", "no"]
    place = next(q for q in spanish["questions"] if q["name"] == "contact_place")
    assert place["show_if"] == {"question": "contact", "value": "yes"}
    assert {"value": "home", "label": "En casa"} in place["choices"]
    age = next(q for q in english["questions"] if q["name"] == "age")
    assert (age["min"], age["max"], age["choices"], age["show_if"]) == (14, 110, [], None)
    scale = next(q for q in english["questions"] if q["name"] == "safe_reporting")
    assert [c["value"] for c in scale["choices"]] == ["1", "2", "3", "4", "5"]
    assert [s["number"] for s in spanish["sections"]] == [1, 2, 3, 4, 5]
    assert spanish["sections"][1]["title"] == "Sentirse a salvo"


def test_it_falls_back_to_english_for_a_language_the_survey_lacks(api, body_cameras):
    small_survey("two-languages")

    answer = api.get(DETAIL.format("two-languages"), {"language": "vi"}).json()

    assert (answer["language"], answer["languages"]) == ("vi", ["en", "es"])
    assert answer["title"] == "Survey two-languages"
    assert answer["questions"][0]["text"] == "OK?"
    assert answer["questions"][0]["choices"][0]["label"] != "Yes"  # Django's own words are in Vietnamese


def test_it_answers_404_for_a_draft_an_unknown_or_an_invited_survey(api, body_cameras):
    small_survey("draft-one", status=Survey.Status.DRAFT)
    small_survey("for-groups", audience=Survey.Audience.INVITED)

    for slug in ("draft-one", "no-such-survey", "for-groups"):
        answer = api.get(DETAIL.format(slug))
        assert answer.status_code == 404, slug
        assert answer.json()["error"]["code"] == "not_found"
    assert api.get(DETAIL.format("body-cameras"), {"version": 2}).status_code == 404


def test_it_shows_an_invited_survey_to_a_member_of_an_invited_organization(member, organization, api_as):
    survey = small_survey("for-groups", audience=Survey.Audience.INVITED)
    survey.organizations.add(organization)
    outsider = UserFactory(role=roles.ADVOCATE, organization=OrganizationFactory())

    assert member.get(DETAIL.format("for-groups")).status_code == 200
    assert api_as(outsider).get(DETAIL.format("for-groups")).status_code == 404


@pytest.mark.parametrize("query", [{"language": "xx"}, {"version": "abc"}, {"version": "9" * 40}, {"version": "0"}])
def test_it_refuses_a_query_it_cannot_read(api, body_cameras, query):
    answer = api.get(DETAIL.format("body-cameras"), query)
    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == set(query)


# --- One response ----------------------------------------------------------------------------


def test_it_stores_a_response_for_the_members_organization(member, advocate, organization, body_cameras):
    answers = {"contact": "yes", "contact_place": "work", "safe_reporting": "4", "age": 33, "trust_more": "Nada."}

    answer = member.post(
        RESPONSES.format("body-cameras"), one(answers=answers, field_office="hou", language="ht"), format="json"
    )

    assert answer.status_code == 201, answer.json()
    assert answer.json()["created"] is True
    response = Response.objects.get(pk=answer.json()["id"])
    assert (response.channel, response.language, response.field_office) == ("api", "ht", "HOU")
    assert response.organization == organization and response.collected_by == advocate
    assert response.respondent_consent_at is not None
    assert response.version == body_cameras.current_version
    stored = {a.question.name: a for a in Answer.objects.filter(response=response).select_related("question")}
    assert stored["contact_place"].choice == "work" and stored["age"].number == 33
    assert stored["trust_more"].text == "Nada."


def test_it_stores_nothing_without_the_persons_consent(member, body_cameras):
    answer = member.post(RESPONSES.format("body-cameras"), one(respondent_consented=False), format="json")

    assert answer.status_code == 400
    assert "respondent_consented" in answer.json()["error"]["fields"]
    assert not Response.objects.exists()


def test_it_names_each_wrong_answer_by_its_question_in_the_callers_language(member, body_cameras):
    answers = {"safe_reporting": "7", "age": 9, "favourite_colour": "blue", "trust_more": ["a", "list"]}

    answer = member.post(
        RESPONSES.format("body-cameras"), one(answers=answers), format="json", HTTP_ACCEPT_LANGUAGE="es"
    )

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    problems = error["fields"]["answers"]
    assert set(problems) == {"contact", "safe_reporting", "age", "favourite_colour", "trust_more"}
    age = next(q for q in body_cameras.current_version.questions.all() if q.name == "age")
    with translation.override("es"):
        assert problems["contact"] == [str(PLEASE_ANSWER)]
        assert problems["age"] == [str(bounds_message(age))]
    assert problems["contact"] != ["Please answer this question."]
    assert not Response.objects.exists()


def test_it_gives_the_same_response_for_the_same_external_id(member, advocate, body_cameras, api_as):
    first = member.post(RESPONSES.format("body-cameras"), one(external_id="case-17"), format="json")
    again = member.post(RESPONSES.format("body-cameras"), one(external_id="case-17"), format="json")
    other = api_as(UserFactory(role=roles.ADVOCATE, organization=OrganizationFactory())).post(
        RESPONSES.format("body-cameras"), one(external_id="case-17"), format="json"
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 201)
    assert again.json() == {"id": first.json()["id"], "created": False}
    assert other.json()["created"] is True and other.json()["id"] != first.json()["id"]
    assert Response.objects.count() == 2


def test_it_stores_once_for_the_same_idempotency_key(member, body_cameras):
    headers = {"HTTP_IDEMPOTENCY_KEY": "2b1e7c52-5a53-4c35-9f7b-0c2f7a6b1d11"}

    first = member.post(RESPONSES.format("body-cameras"), one(), format="json", **headers)
    again = member.post(RESPONSES.format("body-cameras"), one(), format="json", **headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Response.objects.count() == 1


def test_it_takes_an_older_published_version_when_asked(member, body_cameras):
    from surveys.services import question_add, survey_draft_version

    draft = survey_draft_version(survey=body_cameras)
    question_add(version=draft, name="new_one", kind="yes_no", label={"en": "New?"})
    survey_version_publish(version=draft)

    old = member.post(RESPONSES.format("body-cameras"), one(version=1), format="json")
    missing = member.post(RESPONSES.format("body-cameras"), one(version=7), format="json")

    assert old.status_code == 201
    assert Response.objects.get().version.number == 1
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]


def test_it_asks_a_member_of_two_organizations_which_one(body_cameras, api_as, organization):
    second = OrganizationFactory(slug="second-group")
    user = UserFactory(role=roles.ADVOCATE, organization=organization)
    user.memberships.create(organization=second)
    client = api_as(user)

    unsaid = client.post(RESPONSES.format("body-cameras"), one(), format="json")
    foreign = client.post(RESPONSES.format("body-cameras"), one(organization="someone-else"), format="json")
    said = client.post(RESPONSES.format("body-cameras"), one(organization="second-group"), format="json")

    assert unsaid.status_code == foreign.status_code == 400
    assert "second-group" in unsaid.json()["error"]["fields"]["organization"][0]
    assert said.status_code == 201
    assert Response.objects.get().organization == second


def test_it_refuses_a_survey_that_is_not_open(member, body_cameras):
    Survey.objects.filter(pk=body_cameras.pk).update(status=Survey.Status.CLOSED)

    answer = member.post(RESPONSES.format("body-cameras"), one(), format="json")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "closed"
    assert not Response.objects.exists()


def test_it_refuses_an_invited_survey_to_another_organization(member, body_cameras):
    small_survey("for-groups", audience=Survey.Audience.INVITED)

    answer = member.post(RESPONSES.format("for-groups"), {**one(), "answers": {"ok": "yes"}}, format="json")

    assert answer.status_code == 404


def test_it_wants_a_token(api, body_cameras):
    answer = api.post(RESPONSES.format("body-cameras"), one(), format="json")
    assert answer.status_code == 401
    assert api.post(BATCH.format("body-cameras"), batch([item()]), format="json").status_code == 401


def test_it_refuses_staff_and_members_of_no_organization(body_cameras, api_as, liaison):
    loner = UserFactory(role=roles.ADVOCATE)

    staff = api_as(liaison).post(RESPONSES.format("body-cameras"), one(), format="json")
    alone = api_as(loner).post(RESPONSES.format("body-cameras"), one(), format="json")

    assert staff.status_code == alone.status_code == 403
    assert alone.json()["error"]["code"] == "no_organization"
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "text",
        {**one(), "answers": ["contact", "no"]},
        {**one(), "answers": {"contact": {"deep": True}, "safe_reporting": True}},
        {**one(), "answers": {"contact": "no", "safe_reporting": "3", "age": "1e999999"}},
        {**one(), "version": 10**30},
        {**one(), "language": 5},
        {**one(), "external_id": "x" * 101},
        {**one(), "field_office": "ZZZZ"},
        {**one(), "organization": "Not a slug!"},
        {"answers": {}},
    ],
)
def test_it_answers_400_to_a_body_it_cannot_take(member, body_cameras, body):
    answer = member.post(RESPONSES.format("body-cameras"), body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] in ("invalid", "parse_error")
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"language": "es", "respondent_consented": true, "answers": {"contact": "no", "safe_reporting": "3", '
        '"trust_more": "\\ud800"}}',
        '{"language": "es", "respondent_consented": true, "answers": {"\\ud800": "x"}}',
        '{"language": "es", "respondent_consented": true, "answers": {"contact": "no", "safe_reporting": "3", '
        '"trust_more": "a\\u0000b"}}',
    ],
)
def test_it_refuses_characters_no_answer_can_hold(member, body_cameras, raw):
    answer = member.post(RESPONSES.format("body-cameras"), raw, content_type="application/json")
    assert answer.status_code == 400
    error = answer.json()["error"]
    # A lone surrogate is refused with the body (no text holds it), a NUL by the answer's check.
    assert error["code"] == "parse_error" if "ud800" in raw else "answers" in error["fields"]
    assert not Response.objects.exists()


def test_it_answers_400_to_a_body_that_is_not_json(member, body_cameras):
    answer = member.post(RESPONSES.format("body-cameras"), "{not json", content_type="application/json")
    assert answer.status_code == 400
    assert "error" in answer.json()


# --- Batches ---------------------------------------------------------------------------------


def test_it_stores_a_batch_of_100_in_one_go(member, organization, body_cameras):
    items = [item(answers={"contact": "no", "safe_reporting": str(n % 5 + 1), "age": 20 + n % 80}) for n in range(100)]

    answer = member.post(BATCH.format("body-cameras"), batch(items), format="json")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["count"], body["created"]) == (100, 100)
    assert [r["index"] for r in body["responses"]] == list(range(100))
    assert Response.objects.filter(channel="api", organization=organization).count() == 100
    ages = dict(Answer.objects.filter(question__name="age").values_list("response_id", "number"))
    assert [ages[r["id"]] for r in body["responses"]] == [20 + n % 80 for n in range(100)]


def test_it_stores_10_or_100_responses_in_the_same_number_of_queries(member, body_cameras):
    def queries(n: int, start: int) -> int:
        items = [item(external_id=f"q-{start + i}", answers={**ANSWERS, "age": 30}) for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            assert member.post(BATCH.format("body-cameras"), batch(items), format="json").status_code == 201
        return len(captured)

    queries(1, 0)  # the first request of a process reads a few things once
    few, many = queries(10, 1000), queries(100, 2000)
    if connection.vendor == "postgresql":
        assert many == few
    else:  # SQLite takes 999 parameters a query: Django splits the two bulk inserts
        assert many <= few + 3
    assert Response.objects.count() == 111


def test_it_stores_nothing_of_a_batch_with_one_bad_item(member, body_cameras):
    items = [item() for _ in range(5)]
    items[3] = item(answers={"contact": "maybe", "safe_reporting": "3"}, field_office="H1")

    answer = member.post(BATCH.format("body-cameras"), batch(items), format="json")

    assert answer.status_code == 400
    fields = answer.json()["error"]["fields"]
    assert set(fields["responses"]) == {"3"}
    assert set(fields["responses"]["3"]) == {"answers", "field_office"}
    assert list(fields["responses"]["3"]["answers"]) == ["contact"]
    assert not Response.objects.exists()


def test_it_names_the_items_that_fail_the_serializer_by_index(member, body_cameras):
    items = [item(), item(language="xx"), item()]

    answer = member.post(BATCH.format("body-cameras"), batch(items), format="json")

    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]["responses"]) == {"1"}
    assert not Response.objects.exists()


def test_it_refuses_a_batch_over_the_maximum_or_empty(member, body_cameras):
    over = member.post(BATCH.format("body-cameras"), batch([item()] * (settings.API_BATCH_MAX + 1)), format="json")
    empty = member.post(BATCH.format("body-cameras"), batch([]), format="json")

    assert over.status_code == empty.status_code == 400
    assert "responses" in over.json()["error"]["fields"]
    assert not Response.objects.exists()


def test_it_refuses_an_external_id_twice_in_one_batch(member, body_cameras):
    items = [item(external_id="a"), item(external_id="b"), item(external_id="a")]

    answer = member.post(BATCH.format("body-cameras"), batch(items), format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["responses"] == {
        "2": {"external_id": ["Another response in this request has the same external_id."]}
    }
    assert not Response.objects.exists()


def test_it_gives_stored_responses_again_in_a_later_batch(member, body_cameras):
    first = member.post(BATCH.format("body-cameras"), batch([item(external_id="a")]), format="json").json()

    again = member.post(
        BATCH.format("body-cameras"), batch([item(external_id="b"), item(external_id="a")]), format="json"
    ).json()

    assert (again["count"], again["created"]) == (2, 1)
    assert again["responses"][1] == {"index": 1, "id": first["responses"][0]["id"], "created": False}
    assert Response.objects.count() == 2


def test_it_stores_a_batch_once_for_the_same_idempotency_key(member, body_cameras):
    headers = {"HTTP_IDEMPOTENCY_KEY": "batch-2026-05-01"}
    body = batch([item(), item()])

    first = member.post(BATCH.format("body-cameras"), body, format="json", **headers)
    again = member.post(BATCH.format("body-cameras"), body, format="json", **headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Response.objects.count() == 2


# --- Results -----------------------------------------------------------------------------------


def submit(survey, n: int, answers: dict, start: int = 0) -> None:
    for i in range(start, start + n):
        response_submit(
            version=survey.current_version, answers=answers, channel="web", language="en", submission_key=f"r:{i}"
        )


def test_it_hides_a_small_count_in_the_results_of_a_closed_survey(api, body_cameras):
    submit(body_cameras, 3, {"contact": "yes", "safe_reporting": "3", "age": 30})
    submit(body_cameras, 15, {"contact": "no", "safe_reporting": "3", "age": 40}, start=3)
    submit(body_cameras, 12, {"contact": "no", "safe_reporting": "3"}, start=18)
    Survey.objects.filter(pk=body_cameras.pk).update(status=Survey.Status.CLOSED, closes_at=timezone.now())

    answer = api.get(RESULTS.format("body-cameras"), {"language": "es"})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["withheld"], body["total"], body["language"]) == (False, 30, "es")
    by_name = {q["name"]: q for q in body["questions"]}
    contact = {c["value"]: c for c in by_name["contact"]["choices"]}
    assert contact["yes"]["count"] is None and contact["yes"]["percent"] is None
    assert contact["no"]["count"] is None  # else 30 - 27 would give the 3 away
    scale = {c["value"]: c["count"] for c in by_name["safe_reporting"]["choices"]}
    assert scale == {"1": 0, "2": 0, "3": 30, "4": 0, "5": 0}
    assert by_name["safe_reporting"]["total"] == 30 and by_name["safe_reporting"]["answered"] == 30
    assert (by_name["age"]["answered"], by_name["age"]["no_answer"]) == (18, 12)
    assert by_name["age"]["kind"] == "number" and by_name["age"]["choices"] == []
    assert "trust_more" not in by_name  # free text is never public
    shown = [c["count"] for q in body["questions"] for c in q["choices"]]
    shown += [q["answered"] for q in body["questions"]] + [q["no_answer"] for q in body["questions"]]
    assert not [n for n in shown if n is not None and 1 <= n <= 10]
    # The same numbers as the public page.
    web = selectors.public_results_compute(body_cameras)
    for entry in web["questions"]:
        for row in entry.get("rows", []):
            assert {c["value"]: c["count"] for c in by_name[entry["question"].name]["choices"]}[row["value"]] == row[
                "count"
            ]
    assert by_name["contact"]["text"].startswith("En los últimos 12 meses")


def test_it_withholds_results_when_ten_or_fewer_answered(api, body_cameras):
    submit(body_cameras, 9, ANSWERS)
    Survey.objects.filter(pk=body_cameras.pk).update(status=Survey.Status.CLOSED)

    body = api.get(RESULTS.format("body-cameras")).json()

    assert body["withheld"] is True and body["total"] is None and body["questions"] == []


def test_it_gives_no_results_for_an_open_unknown_or_invited_survey(api, body_cameras):
    submit(body_cameras, 30, ANSWERS)
    small_survey("for-groups", status=Survey.Status.CLOSED, audience=Survey.Audience.INVITED)

    for slug in ("body-cameras", "no-such-survey", "for-groups"):
        assert api.get(RESULTS.format(slug)).status_code == 404, slug
