"""Answering a survey by SMS or WhatsApp: the flow on its own with a survey held in memory (every
kind of question, wrong answers, skips, show-if rules, languages, message length), then whole
conversations through signed Twilio webhooks with the seeded survey "body-cameras"."""

import itertools
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import TestCase
from django.utils import translation
from twilio.request_validator import RequestValidator

from messaging.flows import Context, Reply
from messaging.segments import segments
from surveys import conversation as sms
from surveys.conversation import Item, Script, Start, SurveyFlow

TODAY = date(2026, 11, 28)  # a Saturday
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def choices(*values):
    return tuple((value, {"en": value.replace("_", " ").capitalize(), "es": f"es-{value}"}) for value in values)


SCRIPT = Script(
    survey_id=7,
    version_id=70,
    languages=("en", "es"),
    items=(
        Item("welcome", "note", {"en": "Thanks for helping.", "es": "Gracias por ayudar."}),
        Item("contact", "yes_no", {"en": "Did you meet agents?", "es": "¿Vio agentes?"}, required=True),
        Item("place", "single", {"en": "Where?", "es": "¿Dónde?"}, show_if={"question": "contact", "value": "yes"},
             choices=(("home", {"en": "At home", "es": "En casa"}), ("work", {"en": "At work", "es": "En el trabajo"}),
                      ("street", {"en": "On the street", "es": "En la calle"}))),
        Item("worries", "multiple", {"en": "What worries you?"}, choices=choices("who_sees", "children", "home")),
        Item("kids_word", "short_text", {"en": "What would you tell your children?"},
             show_if={"question": "worries", "value": "children"}),
        Item("kids", "number", {"en": "How many children live with you?"}, min_value=Decimal(0),
             max_value=Decimal(20)),
        Item("safe", "scale", {"en": "How safe is reporting?"}, hint={"en": "1 not safe, 5 very safe"},
             required=True),
        Item("when", "date", {"en": "When was the last time?"}),
        Item("age", "number", {"en": "How old are you?"}, min_value=Decimal(14), max_value=Decimal("110.00")),
        Item("story", "long_text", {"en": "Anything else?"}, hint={"en": "Do not write your name."}),
    ),
)  # fmt: skip
ONE_LANGUAGE = Script(survey_id=8, version_id=80, languages=("en",), items=SCRIPT.items[1:3])


def find(text):
    return {
        "CAMERAS": Start(script=SCRIPT, keyword="CAMERAS"),
        "CAMERAS ES": Start(script=SCRIPT, language="es", keyword="CAMERAS"),
        "CAMERAS EN": Start(script=SCRIPT, language="en", keyword="CAMERAS"),
        "CAMERAS AB12CD": Start(script=SCRIPT, invitation_id=3, keyword="CAMERAS"),
        "SHORT": Start(script=ONE_LANGUAGE, keyword="SHORT"),
        "CLOSED": Start(problem="closed", keyword="CLOSED"),
        "CAMERAS ZZZZ99": Start(problem="code", keyword="CAMERAS"),
        "INVITED": Start(problem="needs_code", keyword="INVITED"),
    }.get(text)


SAVED_STATES = []


def submit(state, context):
    SAVED_STATES.append(state)
    return [Reply("saved")]


def flow():
    return SurveyFlow(find=find, load={70: SCRIPT, 80: ONE_LANGUAGE}.get, submit=submit)


def context(message_id=1):
    return Context(
        today=TODAY, idle=None, channel="sms", address="+17135550101", conversation_id=5, message_id=message_id
    )


def walk(*replies, first="CAMERAS ES"):
    turn = flow().step(None, first, context())
    for n, reply in enumerate(replies, start=2):
        turn = flow().step(turn.state, reply, context(n))
    return turn


def texts(turn):
    return [reply.text for reply in turn.replies]


# The pure flow --------------------------------------------------------------------------------


def es(text) -> str:
    with translation.override("es"):
        return str(text)


def test_it_starts_with_the_discreet_notice_the_count_and_the_first_question():
    turn = walk("1", first="CAMERAS")  # English, from the menu
    notice, intro, note, question = texts(turn)
    assert (
        notice
        == "Voces is not the government. What you send stays private. Delete these texts if someone checks your phone."
    )
    assert intro == "Up to 9 questions about immigration agents. You can skip some. Send STOP at any time to stop."
    assert note == "Thanks for helping."  # a note is sent as text
    assert question == "1/9 Did you meet agents?\n1 Yes\n2 No\nReply with one number."  # needed: no skip
    assert turn.state["at"] == "contact" and turn.language == "en" and not turn.finished


def test_everything_is_in_the_language_chosen():
    notice, _intro, note, question = texts(walk())
    assert notice == es(sms.PRIVACY)
    assert note == "Gracias por ayudar."
    assert question.startswith(f"1/9 ¿Vio agentes?\n1 {es(sms.YES)}\n2 {es(sms.NO)}\n")


def test_without_a_language_in_the_message_it_asks_with_a_numbered_menu():
    turn = flow().step(None, "CAMERAS", context())
    assert texts(turn) == ["Voces\n1 English\n2 Español"]
    again = flow().step(turn.state, "7", context(2))
    assert texts(again) == texts(turn) and again.state["step"] == "language"
    chosen = flow().step(turn.state, "2", context(2))
    assert chosen.state["language"] == "es" and chosen.language == "es"
    assert texts(chosen)[-1].startswith("1/9 ¿Vio agentes?")
    assert flow().step(turn.state, "Español", context(2)).state["language"] == "es"


def test_a_survey_in_one_language_asks_no_language():
    turn = flow().step(None, "SHORT", context())
    assert turn.state["language"] == "en"
    assert texts(turn)[-1].startswith("1/2 Did you meet agents?")


def test_yes_and_no_are_numbers_or_words_in_the_language():
    assert walk("1").state["answers"] == {"contact": "yes"}
    assert walk("sí").state["answers"] == {"contact": "yes"}
    assert walk("No").state["answers"] == {"contact": "no"}


def test_a_single_choice_is_a_number_or_its_label():
    assert walk("1", "2").state["answers"]["place"] == "work"
    assert walk("1", "en casa").state["answers"]["place"] == "home"


def test_show_if_rules_skip_questions_whose_condition_is_not_met():
    turn = walk("2")  # no contact: "where" is not asked
    assert turn.state["at"] == "worries"
    assert texts(turn)[0].startswith("3/9 What worries you?")
    turn = walk("1", "1", "2 1")  # children worry: the follow-up is asked
    assert turn.state["answers"]["worries"] == ["who_sees", "children"]
    assert turn.state["at"] == "kids_word"
    assert walk("1", "1", "1 3").state["at"] == "kids"


def test_multiple_choice_takes_several_numbers():
    turn = walk("2", "1, 3")
    assert turn.state["answers"]["worries"] == ["who_sees", "home"]
    assert walk("2", "1 y 3").state["answers"]["worries"] == ["who_sees", "home"]


@pytest.mark.parametrize(
    "answers,wrong,correction",
    [
        ([], "maybe", "Please reply with one of the numbers."),
        ([], "3", "Please reply with one of the numbers."),
        (["1"], "4", "Please reply with one of the numbers."),
        (["2"], "1-3", "Please send the numbers from the list, like: 1 3"),
        (["2", "0"], "two or three", "Please send just one number."),
        (["2", "0"], "21", "That number is too small or too large."),
        (["2", "0", "0"], "6", "Please reply with one of the numbers."),
        (["2", "0", "0", "3"], "mañana", "We could not read that date. Please try again."),
        (["2", "0", "0", "3", "0"], "13", "That number is too small or too large."),
        (["2", "0", "0", "3", "0"], "34 or 35", "Please send just one number."),
        (["2", "0", "0", "3", "0", "0"], "x" * 20001, "That is too long. Please make it shorter."),
    ],
)
def test_a_wrong_answer_gets_a_short_correction_and_the_same_question(answers, wrong, correction):
    before = walk(*answers, first="CAMERAS EN")
    turn = flow().step(before.state, wrong, context(99))
    assert texts(turn)[0] == correction
    assert texts(turn)[1] == texts(before)[-1]  # the same question, again
    assert turn.state == before.state


def test_an_answer_needed_cannot_be_skipped_but_others_can():
    turn = walk("0")
    assert texts(turn)[0] == es(sms.NEEDED) and turn.state["at"] == "contact"
    turn = walk("2", "0")
    assert "worries" not in turn.state["answers"] and turn.state["at"] == "kids"
    assert es(sms.SKIP_WITH_0) in texts(walk("2"))[0]


def test_zero_is_an_answer_where_zero_is_allowed_and_skip_words_skip():
    turn = walk("2", "0", "0")
    assert turn.state["answers"]["kids"] == "0" and turn.state["at"] == "safe"
    assert es(sms.SKIP_WITH_WORD) in texts(walk("2", "0"))[0]
    turn = walk("2", "0", "saltar")
    assert "kids" not in turn.state["answers"] and turn.state["at"] == "safe"


def test_numbers_are_read_in_any_script_and_within_bounds():
    assert walk("2", "0", "٣").state["answers"]["kids"] == "3"
    assert walk("2", "0", "0", "3", "0", "34 años").state["answers"]["age"] == "34"
    assert es(sms.NUMBER_BETWEEN) % {"low": "14", "high": "110"} in texts(walk("2", "0", "0", "3", "0"))[0]


def test_the_scale_takes_1_to_5_and_shows_its_hint():
    turn = walk("2", "0", "0")
    assert "1 not safe, 5 very safe" in texts(turn)[0]
    assert es(sms.NUMBER_BETWEEN) % {"low": "1", "high": "5"} in texts(turn)[0]
    assert walk("2", "0", "0", "4").state["answers"]["safe"] == "4"


def test_dates_are_read_in_the_language_and_a_two_way_date_is_asked_again():
    turn = walk("2", "0", "0", "3", "ayer")
    assert turn.state["answers"]["when"] == "2026-11-27"
    turn = walk("2", "0", "0", "3", "3/10/2026")
    assert turn.state["step"] == "which_date" and "1 " in texts(turn)[0] and "2 " in texts(turn)[0]
    assert flow().step(turn.state, "9", context(9)).state["step"] == "which_date"
    turn = flow().step(turn.state, "2", context(9))
    assert turn.state["answers"]["when"] == "2026-03-10" and turn.state["at"] == "age"


def test_the_last_answer_asks_for_the_response_to_be_stored_with_every_answer():
    turn = walk("1", "3", "1 2", "Que hablen conmigo.", "2", "5", "hoy", "0", "Que no lo vea la policía.")
    assert turn.finished and turn.action == ("submit", "")
    assert turn.state["answers"] == {
        "contact": "yes", "place": "street", "worries": ["who_sees", "children"],
        "kids_word": "Que hablen conmigo.", "kids": "2", "safe": "5", "when": "2026-11-28",
        "story": "Que no lo vea la policía.",
    }  # fmt: skip
    assert turn.state["started"] == 1  # the message that started it: one key for one response
    SAVED_STATES.clear()
    assert flow().act(turn, context(10)) == [Reply("saved")]
    assert SAVED_STATES == [turn.state]


def test_a_new_keyword_may_restart_only_until_the_first_answer():
    assert not SurveyFlow().holds_work(walk().state)
    assert SurveyFlow().holds_work(walk("1").state)


@pytest.mark.parametrize(
    "first,expected",
    [
        ("CLOSED", "This survey is closed now. Thank you."),
        ("CAMERAS ZZZZ99", "We could not find that code. Please check it and send it again."),
        ("INVITED", "This survey needs the code your group gave you. Please send INVITED and the code."),
    ],
)
def test_a_closed_survey_or_a_wrong_code_gets_one_polite_answer(first, expected):
    turn = flow().step(None, first, context())
    assert texts(turn) == [expected] and turn.finished and turn.action is None


def test_a_state_whose_version_is_gone_ends_politely():
    turn = flow().step({"version": 999, "language": "es", "answers": {"a": "b"}}, "1", context())
    assert turn.finished and len(turn.replies) == 1 and turn.action is None


def test_a_photo_alone_gets_the_question_again():
    before = walk()
    turn = flow().step(before.state, "", context(3))
    assert texts(turn) == [texts(before)[-1]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_from_the_catalog_fits_in_two_text_messages(language):
    menu = sms.language_menu(LANGUAGES)
    with translation.override(language):
        found = [
            str(sms.PRIVACY), sms.intro_text(SCRIPT), str(sms.SKIP_WITH_0), str(sms.SKIP_WITH_WORD),
            *(str(text) for text in sms.ASK.values()), *(str(text) for text in sms.CORRECTIONS.values()),
            sms.number_rule(SCRIPT.item("age")), sms.number_rule(SCRIPT.item("safe")),
            str(sms.NUMBER_FROM) % {"low": "14"}, str(sms.NUMBER_UP_TO) % {"high": "110"}, str(sms.NUMBER_ANY),
            sms.which_day_text({"date_options": ["2026-09-10", "2026-10-09"]}),
            str(sms.SAVED), str(sms.SAVED_BEFORE), str(sms.NOT_SAVED), str(sms.CLOSED), str(sms.UNKNOWN_CODE),
            str(sms.NEEDS_CODE) % {"keyword": "CAMERAS"}, menu,
        ]  # fmt: skip
    for text in found:
        encoding, count = segments(text)
        assert count <= 2, (language, encoding, count, len(text), text)


# The seeded survey through signed webhooks ------------------------------------------------------

TOKEN = "test-auth-token"
URL = "https://voces.example.org/twilio/sms/"
SENT: list[dict] = []
SIDS = itertools.count(1)


class RecordingTransport:
    def send(self, *, to, body, channel="sms", message_id=None):
        from messaging.transports import SendResult

        SENT.append({"to": to, "body": body, "channel": channel})
        return SendResult(provider_id=f"SMsurvey{len(SENT)}", status="sent")


@pytest.fixture
def twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://voces.example.org"
    settings.SMS_TRANSPORT = "tests.surveys.test_sms.RecordingTransport"
    SENT.clear()


def text(client, body, sender="+17135550101", sid=None):
    """One message from a phone, signed as Twilio signs it; the tasks it causes run (eager)."""
    data = {"MessageSid": sid or f"SM{next(SIDS):032d}", "From": sender, "To": "+15550009999", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    SENT.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    return [sent["body"] for sent in SENT]


# contact, place, camera seen, camera on, safe, reported before (skipped), worries, would request,
# barrier, trust helps, in their own words, age
SPANISH = ["sí", "1", "1", "3", "2", "0", "1 4", "2", "1", "1 2 3", "Que no lo vea la policía.", "34 años"]
STORED = {
    "contact": ("choice", "yes"), "contact_place": ("choice", "home"), "camera_seen": ("choice", "yes"),
    "camera_on": ("choice", "unsure"), "safe_reporting": ("choice", "2"),
    "footage_worries": ("choices", ["used_against", "who_sees"]), "would_request": ("choice", "no"),
    "request_barrier": ("choice", "afraid"), "trust_helps": ("choices", ["anonymous", "language", "phone"]),
    "trust_more": ("text", "Que no lo vea la policía."), "age": ("number", Decimal("34")),
}  # fmt: skip


def stored_answers(response):
    found = {}
    for answer in response.answers.select_related("question"):
        kind = answer.question.kind
        field = {"multiple": "choices", "number": "number", "date": "date", "long_text": "text",
                 "short_text": "text"}.get(kind, "choice")  # fmt: skip
        found[answer.question.name] = (field, getattr(answer, field))
    return found


@pytest.mark.django_db
def test_a_whole_survey_in_spanish_is_stored_exactly_as_sent(client, twilio):
    from messaging.models import Conversation, OutboundMessage
    from surveys.models import Response

    replies = text(client, "CAMERAS ES")
    assert len(replies) == 3 and replies[2].startswith("1/12 ")
    for answer in SPANISH[:-1]:
        assert text(client, answer)
    with connection.cursor() as cursor:  # the answers so far are encrypted in the conversation
        cursor.execute("SELECT state FROM messaging_conversation")
        assert "lo vea" not in str(cursor.fetchall())
    assert json.loads(Conversation.objects.get().state)["answers"]["trust_more"] == "Que no lo vea la policía."
    assert text(client, SPANISH[-1]) == [es(sms.SAVED)]
    response = Response.objects.get()
    assert (response.survey.slug, response.channel, response.language) == ("body-cameras", "sms", "es")
    assert response.version == response.survey.current_version
    assert response.organization is None and response.invitation is None
    assert stored_answers(response) == STORED
    assert not Conversation.objects.exists()  # finished: nothing of it is kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM surveys_answer")
        assert "lo vea" not in str(cursor.fetchall())
    assert not any("lo vea" in message.body for message in OutboundMessage.objects.all())


@pytest.mark.django_db
def test_twilios_retry_of_the_last_message_stores_one_response(client, twilio):
    from surveys.models import Response

    for answer in ["CAMERAS ES", *SPANISH[:-1]]:
        text(client, answer)
    assert text(client, SPANISH[-1], sid="SMlast") == [es(sms.SAVED)]
    assert text(client, SPANISH[-1], sid="SMlast") == []
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_the_same_conversation_stored_twice_gives_the_first_response(client, twilio):
    from surveys.models import Response, Survey

    version = Survey.objects.get(slug="body-cameras").current_version
    state = {
        "version": version.pk,
        "language": "es",
        "started": 41,
        "answers": {"contact": "no", "safe_reporting": "3"},
    }
    first = sms.conversation_submit(state, context(41))
    again = sms.conversation_submit(state, context(42))  # a later message of the same conversation
    assert [reply.text for reply in first] == [str(sms.SAVED)]
    assert [reply.text for reply in again] == [str(sms.SAVED_BEFORE)]
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_an_invitation_code_counts_the_answers_as_the_organisations(client, twilio, organization):
    from surveys.models import Response, Survey
    from surveys.services import invitation_create

    invitation = invitation_create(
        survey=Survey.objects.get(slug="body-cameras"), organization=organization, created_by=None
    )
    replies = text(client, f"CAMERAS {invitation.code.lower()}", sender="whatsapp:+17135550102")
    assert replies == [sms.language_menu(LANGUAGES)]
    text(client, "2", sender="whatsapp:+17135550102")
    for answer in ["no", "5", "0", "0", "0", "0", "0", "0"]:
        replies = text(client, answer, sender="whatsapp:+17135550102")
    assert replies == [es(sms.SAVED)]
    response = Response.objects.get()
    assert response.organization == organization and response.invitation == invitation
    assert response.channel == "sms" and response.language == "es"
    assert stored_answers(response) == {"contact": ("choice", "no"), "safe_reporting": ("choice", "5")}


@pytest.mark.django_db
def test_the_invitation_pages_words_keyword_and_code_and_the_code_alone_all_start(client, twilio, organization):
    from messaging.models import Conversation
    from surveys.models import Survey
    from surveys.services import invitation_create

    invitation = invitation_create(
        survey=Survey.objects.get(slug="body-cameras"), organization=organization, created_by=None
    )
    assert text(client, f"CAMERAS {invitation.code}")[0].startswith("Voces\n1 English")
    # with the page's language the menu is skipped
    assert text(client, f"CAMERAS {invitation.code} ES", sender="+17135550108")[2].startswith("1/12 ")
    assert text(client, f"{invitation.code} español", sender="+17135550109")[2].startswith("1/12 ")
    states = [json.loads(conversation.state) for conversation in Conversation.objects.all()]
    assert {state["invitation"] for state in states} == {invitation.pk}
    assert sorted(str(state["language"]) for state in states) == ["None", "es", "es"]


@pytest.mark.django_db
def test_a_closed_survey_answers_politely_and_keeps_nothing(client, twilio):
    from messaging.models import Conversation
    from surveys.models import Response, Survey

    Survey.objects.filter(slug="body-cameras").update(status=Survey.Status.CLOSED)
    assert text(client, "cameras") == ["This survey is closed now. Thank you."]
    assert not Conversation.objects.exists() and not Response.objects.exists()


@pytest.mark.django_db
def test_a_survey_closed_while_answering_stores_nothing(client, twilio):
    from surveys.models import Response, Survey

    for answer in ["CAMERAS ES", *SPANISH[:-1]]:
        text(client, answer)
    Survey.objects.filter(slug="body-cameras").update(status=Survey.Status.CLOSED)
    assert text(client, SPANISH[-1]) == [es(sms.CLOSED)]
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_an_unknown_code_after_the_keyword_answers_politely(client, twilio):
    assert text(client, "CAMERAS ZZZZ99") == [str(sms.UNKNOWN_CODE)]


@pytest.mark.django_db
def test_the_keyword_after_a_greeting_starts_the_survey_but_not_during_a_complaint(client, twilio):
    from messaging.models import Conversation

    text(client, "Hola")  # the complaint flow: notice and first question, nothing answered yet
    assert text(client, "CAMERAS ES")[2].startswith("1/12 ")
    assert Conversation.objects.get().flow == "survey"
    text(client, "Hola", sender="+17135550103")
    text(client, "1", sender="+17135550103")
    text(client, "Entraron a mi casa.", sender="+17135550103")
    text(client, "CAMERAS", sender="+17135550103")  # within the story: the complaint stays
    assert Conversation.objects.get(flow="complaint")


@pytest.mark.django_db
def test_after_stop_the_survey_sends_nothing(client, twilio):
    text(client, "CAMERAS ES")
    assert text(client, "STOP") == []
    assert text(client, "sí") == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_question_of_the_seeded_survey_fits_in_ten_text_messages(language):
    """Twilio's advice: at most 10 segments. The survey's own words (a list of six choices in a
    language written outside GSM-7) take most of them; what the flow adds is tested above."""
    from surveys.models import Survey

    script = sms.script_load(Survey.objects.get(slug="body-cameras").current_version.pk)
    with translation.override(language):
        for item in script.questions:
            encoding, count = segments(sms.question_text(script, item, language))
            assert count <= 10, (language, item.name, encoding, count)


@pytest.mark.django_db
def test_only_short_messages_naming_a_survey_or_code_start_one():
    assert sms.starts("CAMERAS") and sms.starts(" cameras. ") and sms.starts("CAMERAS español")
    assert not sms.starts("cameras everywhere in my street")
    assert not sms.starts("Hola") and not sms.starts("1") and not sms.starts("")
    assert not sms.starts("CAMERAS " + "x" * 80)


def test_the_flow_is_registered_with_messaging():
    from messaging.flows import _STARTERS, flow_get

    assert isinstance(flow_get("survey"), SurveyFlow)
    assert _STARTERS["survey"][1] == frozenset({"sms", "whatsapp"})


def test_the_idle_takeover_matches_the_complaint_flows_welcome_back():
    from intake.conversation import IDLE_RESUME
    from messaging.flows import TAKEOVER_IDLE

    assert TAKEOVER_IDLE == IDLE_RESUME == timedelta(hours=24)
