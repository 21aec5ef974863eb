"""Survey versions and responses: what was answered never changes, and only valid answers are
kept."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import ApplicationError
from surveys.models import Answer, Question, Response, Survey
from surveys.services import (
    ResponseInvalid,
    question_add,
    response_submit,
    survey_draft_version,
    survey_version_publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    survey = Survey.objects.create(slug="cameras-test", title={"en": "Body cameras", "es": "Cámaras corporales"})
    draft = survey_draft_version(survey=survey)
    question_add(
        version=draft,
        name="contact",
        kind=Question.Kind.YES_NO,
        required=True,
        label={"en": "Did you meet immigration agents this year?", "es": "¿Vio agentes este año?"},
    )
    question_add(
        version=draft,
        name="camera",
        kind=Question.Kind.SINGLE,
        show_if={"question": "contact", "value": "yes"},
        label={"en": "Did they wear a camera?"},
        choices=[("yes", {"en": "Yes"}), ("no", {"en": "No"}), ("unsure", {"en": "Not sure"})],
    )
    question_add(
        version=draft,
        name="worries",
        kind=Question.Kind.MULTIPLE,
        label={"en": "What worries you?"},
        choices=[("children", {"en": "My children on video"}), ("who_sees", {"en": "Who sees it"})],
    )
    question_add(version=draft, name="safe", kind=Question.Kind.SCALE, label={"en": "How safe is reporting?"})
    question_add(
        version=draft, name="age", kind=Question.Kind.NUMBER, min_value=16, max_value=110, label={"en": "Your age"}
    )
    question_add(version=draft, name="when", kind=Question.Kind.DATE, label={"en": "When?"})
    question_add(
        version=draft, name="trust", kind=Question.Kind.LONG_TEXT, label={"en": "What would help you trust it?"}
    )
    survey_version_publish(version=draft)
    return survey
    # fmt: skip


GOOD = {"contact": "yes", "camera": "no", "worries": ["who_sees", "children", "who_sees"], "safe": "2",
        "age": "34", "when": "2026-10-03", "trust": "Que no lo vea la policía."}  # fmt: skip


def submit(survey, answers, key="web:1", **extra):
    return response_submit(
        version=survey.current_version, answers=answers, channel="web", language="es", submission_key=key, **extra
    )


def test_a_valid_response_keeps_each_answer_in_its_own_form(survey):
    response, created = submit(survey, GOOD)
    assert created
    answers = {answer.question.name: answer for answer in response.answers.select_related("question")}
    assert answers["contact"].choice == "yes" and answers["camera"].choice == "no"
    assert answers["worries"].choices == ["children", "who_sees"]
    assert answers["safe"].choice == "2" and answers["age"].number == Decimal("34")
    assert answers["when"].date == date(2026, 10, 3)
    assert answers["trust"].text == "Que no lo vea la policía."
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM surveys_answer")
        assert "policía" not in str(cursor.fetchall())  # people's own words are encrypted


@pytest.mark.parametrize(
    "change,problem",
    [({"contact": ""}, ("contact", "required")), ({"camera": "maybe"}, ("camera", "choice")),
     ({"worries": ["children", "aliens"]}, ("worries", "choice")), ({"safe": "6"}, ("safe", "choice")),
     ({"age": "7"}, ("age", "bounds")), ({"age": "lots"}, ("age", "number")), ({"age": "NaN"}, ("age", "number")),
     ({"when": "3/10/2026"}, ("when", "date")), ({"trust": "x" * 20001}, ("trust", "text"))],
)  # fmt: skip
def test_an_invalid_answer_is_reported_by_question_and_nothing_is_kept(survey, change, problem):
    with pytest.raises(ResponseInvalid) as refused:
        submit(survey, {**GOOD, **change})
    assert [(p.question, p.code) for p in refused.value.problems] == [problem]
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_a_question_hidden_by_its_rule_is_not_kept(survey):
    response, _created = submit(survey, {**GOOD, "contact": "no", "camera": "yes"})
    assert not response.answers.filter(question__name="camera").exists()


def test_the_same_submission_twice_is_one_response(survey):
    first, created = submit(survey, GOOD, key="paper:batch1:row7")
    again, created_again = submit(survey, GOOD, key="paper:batch1:row7")
    assert created and not created_again and first == again
    assert Response.objects.count() == 1


def test_a_change_after_publishing_is_a_new_version_and_old_responses_keep_theirs(survey):
    old, _created = submit(survey, GOOD)
    draft = survey_draft_version(survey=survey)
    assert draft.number == 2 and draft.questions.count() == 7
    with pytest.raises(ApplicationError):
        question_add(
            version=survey.versions.get(number=1), name="late", kind=Question.Kind.SHORT_TEXT, label={"en": "x"}
        )
    question_add(version=draft, name="footage", kind=Question.Kind.YES_NO, label={"en": "Would you ask for footage?"})
    survey_version_publish(version=draft)
    new, _created = submit(survey, {**GOOD, "footage": "yes"}, key="web:2")
    assert old.version.number == 1 and new.version.number == 2
    assert survey.versions.get(number=1).questions.count() == 7


def test_entering_answers_for_someone_needs_their_consent(survey, advocate):
    with pytest.raises(ApplicationError):
        submit(survey, GOOD, collected_by=advocate)
    response, _created = submit(survey, GOOD, collected_by=advocate, respondent_consented=True)
    assert response.respondent_consent_at is not None


def test_a_show_if_rule_naming_no_question_cannot_be_published(survey):
    draft = survey_draft_version(survey=survey)
    question_add(version=draft, name="broken", kind=Question.Kind.SHORT_TEXT, label={"en": "x"},
                 show_if={"question": "nothing", "value": "yes"})  # fmt: skip
    with pytest.raises(ApplicationError):
        survey_version_publish(version=draft)


@pytest.mark.parametrize(
    "rule",
    [
        {"question": "later", "value": "yes"},  # a question after it
        {"question": "open_text", "value": "x"},  # not a choice question
        {"question": "contact", "value": "maybe"},  # not one of its answers
    ],
)
def test_a_version_with_a_broken_show_if_rule_is_not_published(rule):
    survey = Survey.objects.create(slug="rules", title={"en": "Rules"})
    draft = survey_draft_version(survey=survey)
    question_add(version=draft, name="contact", kind=Question.Kind.YES_NO, label={"en": "Met agents?"})
    question_add(version=draft, name="open_text", kind=Question.Kind.SHORT_TEXT, label={"en": "Say"})
    question_add(version=draft, name="follow", kind=Question.Kind.YES_NO, show_if=rule, label={"en": "Then?"})
    question_add(version=draft, name="later", kind=Question.Kind.YES_NO, label={"en": "Later"})
    with pytest.raises(ApplicationError) as refused:
        survey_version_publish(version=draft)
    assert refused.value.code == "show_if"
    assert not draft.is_published


def test_a_choice_question_without_choices_is_not_published():
    survey = Survey.objects.create(slug="no-choices", title={"en": "Choices"})
    draft = survey_draft_version(survey=survey)
    question_add(
        version=draft,
        name="where",
        kind=Question.Kind.SINGLE,
        label={"en": "Where?"},
        choices=[("home", {"en": "Home"})],
    )
    with pytest.raises(ApplicationError) as refused:
        survey_version_publish(version=draft)
    assert refused.value.code == "choices"


def test_a_follow_up_on_a_page_before_its_question_is_not_published():
    survey = Survey.objects.create(slug="pages", title={"en": "Pages"})
    draft = survey_draft_version(survey=survey)
    question_add(version=draft, name="contact", kind=Question.Kind.YES_NO, section=2, label={"en": "Met agents?"})
    question_add(
        version=draft,
        name="follow",
        kind=Question.Kind.YES_NO,
        section=1,
        show_if={"question": "contact", "value": "yes"},
        label={"en": "Then?"},
    )
    with pytest.raises(ApplicationError) as refused:
        survey_version_publish(version=draft)
    assert refused.value.code == "show_if"
