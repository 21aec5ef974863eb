"""The command words during an SMS survey: HELP repeats the question with a word on what can be
sent, BACK goes to the question asked before, RESTART or EXIT leave the survey (nothing is kept
and the next message starts a complaint as usual), STATUS leaves it and is answered by the
complaint flow, and an opt-out ends the survey so that START later begins afresh."""

import pytest
from django.conf import settings
from django.utils import translation

from messaging.segments import segments
from surveys import conversation as sms
from tests.surveys.test_sms import (
    ONE_LANGUAGE,
    SAVED_STATES,
    SCRIPT,
    context,
    flow,
    text,
    texts,
    twilio,  # noqa: F401  (a fixture)
    walk,
)

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def en(message) -> str:
    with translation.override("en"):
        return str(message)


def es(message) -> str:
    with translation.override("es"):
        return str(message)


# The pure flow --------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["HELP", "ayuda", "Ayuda?", "aide"])
def test_help_tells_what_can_be_sent_and_repeats_the_question(word):
    before = walk("2")  # at "What worries you?"
    turn = flow().step(before.state, word, context(9))
    assert texts(turn) == [es(sms.HELP), texts(before)[-1]]
    assert turn.state == before.state and not turn.finished


def test_help_at_the_language_menu_repeats_the_menu():
    before = flow().step(None, "CAMERAS", context())
    turn = flow().step(before.state, "help", context(2))
    with translation.override("en"):
        menu = sms.language_menu(SCRIPT.languages)
    assert texts(turn) == [en(sms.HELP), menu]
    assert turn.state == before.state


def test_back_goes_to_the_question_asked_before_skipping_those_not_shown():
    turn = walk("2")  # no contact: "where" was never asked
    back = flow().step(turn.state, "atrás", context(9))
    assert back.state["at"] == "contact" and texts(back)[0].startswith("1/9 ¿Vio agentes?")
    turn = walk("1", "2")  # contact: "where" was asked
    back = flow().step(turn.state, "BACK", context(9))
    assert back.state["at"] == "place" and texts(back) == [texts(walk("1"))[-1]]
    # answered again, the new answer counts and the survey goes on from there
    again = flow().step(back.state, "3", context(10))
    assert again.state["answers"]["place"] == "street" and again.state["at"] == "worries"


def test_back_after_a_changed_answer_follows_the_new_show_if_rules():
    turn = walk("1", "2")
    turn = flow().step(turn.state, "back", context(9))
    turn = flow().step(turn.state, "back", context(10))
    assert turn.state["at"] == "contact"
    turn = flow().step(turn.state, "no", context(11))
    assert turn.state["at"] == "worries" and "place" not in turn.state["answers"]
    assert flow().step(turn.state, "back", context(12)).state["at"] == "contact"


def test_back_at_the_first_question_offers_the_languages_or_asks_it_again():
    first = walk()
    back = flow().step(first.state, "volver", context(2))
    assert texts(back) == [sms.language_menu(SCRIPT.languages)] and back.state["step"] == "language"
    assert flow().step(back.state, "1", context(3)).state["language"] == "en"
    only = flow().step(None, "SHORT", context())
    again = flow().step(only.state, "back", context(2))
    assert texts(again) == [texts(only)[-1]] and again.state["at"] == "contact"


def test_back_while_choosing_the_day_asks_the_date_question_again():
    turn = walk("2", "0", "0", "3", "3/10/2026")
    assert turn.state["step"] == "which_date"
    back = flow().step(turn.state, "back", context(9))
    assert back.state["step"] == "ask" and back.state["at"] == "when" and "date_options" not in back.state
    assert texts(back)[0].startswith("7/9 When was the last time?")


@pytest.mark.parametrize("word", ["RESTART", "reiniciar", "EXIT", "salir", "Sortir", "退出"])
def test_restart_or_exit_leaves_the_survey_keeping_nothing(word):
    SAVED_STATES.clear()
    before = walk("1", "2", "1 3")
    turn = flow().step(before.state, word, context(9))
    assert texts(turn) == [es(sms.LEFT)]
    assert turn.finished and turn.action is None and not turn.hand_back
    assert turn.state == {} and SAVED_STATES == []


def test_leaving_from_the_language_menu():
    before = flow().step(None, "CAMERAS", context())
    turn = flow().step(before.state, "exit", context(2))
    assert turn.finished and texts(turn) == [en(sms.LEFT)] and turn.state == {}


@pytest.mark.parametrize("word", ["STATUS 4821 5530 1968 2207", "estado 4821553019682207", "status"])
def test_status_leaves_the_survey_and_hands_the_message_on(word):
    before = walk("1", "1", "2")  # at a text question: the receipt must not become its answer
    assert before.state["at"] == "kids_word"
    turn = flow().step(before.state, word, context(9))
    assert turn.finished and turn.hand_back and turn.action is None and turn.state == {}
    assert texts(turn) == [es(sms.LEFT)]
    assert "4821" not in str(turn.replies)


def test_words_that_are_not_commands_are_still_answers():
    before = walk("1", "1", "2")
    assert flow().step(before.state, "Que me ayuden", context(9)).state["answers"]["kids_word"] == "Que me ayuden"
    assert walk("2", "0", "0", "3", "ayer").state["answers"]["when"] == "2026-11-27"


def test_a_one_language_survey_still_reads_commands():
    turn = flow().step(None, "SHORT", context())
    assert flow().step(turn.state, "help", context(2)).replies[0].text == en(sms.HELP)
    assert ONE_LANGUAGE.languages == ("en",)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_messages_fit_in_two_text_messages(language):
    with translation.override(language):
        found = [str(sms.HELP), str(sms.LEFT)]
    for message in found:
        encoding, count = segments(message)
        assert count <= 2, (language, encoding, count, len(message), message)


# Whole conversations through the webhook ------------------------------------------------------


@pytest.mark.django_db
def test_after_leaving_a_survey_the_next_message_starts_a_complaint(client, twilio):  # noqa: F811
    from messaging.models import Conversation
    from surveys.models import Response

    text(client, "CAMERAS ES")
    text(client, "sí")
    assert text(client, "ayuda")[0] == es(sms.HELP)
    assert text(client, "salir") == [es(sms.LEFT)]
    assert not Conversation.objects.exists() and not Response.objects.exists()
    replies = text(client, "Hola, quiero denunciar a los agentes")
    assert replies[0] == es(sms.PRIVACY) and len(replies) == 2  # the complaint flow's notice and first question
    assert Conversation.objects.get().flow == "complaint"


@pytest.mark.django_db
def test_status_during_a_survey_is_answered_by_the_complaint_flow(client, twilio):  # noqa: F811
    from messaging.models import Conversation, InboundMessage
    from surveys.models import Response

    for answer in ["CAMERAS ES", "sí", "1", "1", "3", "2"]:
        text(client, answer)
    replies = text(client, "ESTADO 4821 5530 1968 2207")
    assert replies[0] == es(sms.LEFT)
    with translation.override("es"):
        from django.utils.translation import gettext

        assert replies[1] == gettext("We could not find a complaint with this number. Check the digits and try again.")
    assert not Conversation.objects.exists() and not Response.objects.exists()
    assert not any("4821" in message.body for message in InboundMessage.objects.all())  # the receipt is not kept
    assert text(client, "Hola")[0] == es(sms.PRIVACY)
    assert Conversation.objects.get().flow == "complaint"


@pytest.mark.django_db
def test_stop_ends_the_survey_so_that_start_begins_afresh(client, twilio):  # noqa: F811
    from messaging.models import Conversation

    text(client, "CAMERAS ES")
    text(client, "sí")
    assert text(client, "STOP") == []
    assert not Conversation.objects.exists()
    text(client, "START")
    replies = text(client, "I want to report agents")
    assert replies and not any(reply.startswith("2/12") for reply in replies)
    assert Conversation.objects.get().flow == "complaint"


@pytest.mark.django_db
def test_a_message_right_after_a_finished_survey_goes_to_the_complaint_flow(twilio):  # noqa: F811
    """Two messages processed together: the survey ends with the first, the second is a complaint's."""
    from django.test import TestCase

    from messaging.models import Conversation, InboundMessage
    from messaging.services import inbound_process, inbound_receive
    from tests.surveys.test_sms import SENT

    with TestCase.captureOnCommitCallbacks(execute=False):  # the processing task does not run yet
        inbound_receive(channel="sms", provider_id="SMbatch1", from_address="+17135550140", body="CAMERAS ZZZZ99")
        inbound_receive(channel="sms", provider_id="SMbatch2", from_address="+17135550140", body="hola")
    first = InboundMessage.objects.get(provider_id="SMbatch1")
    SENT.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert inbound_process(channel="sms", from_index=first.from_index) == 2
    bodies = [sent["body"] for sent in SENT]
    assert bodies[0] == str(sms.UNKNOWN_CODE)
    assert bodies[1] == es(sms.PRIVACY)  # "hola": a complaint in Spanish begins, not "This survey is closed"
    assert str(sms.CLOSED) not in bodies
    assert Conversation.objects.get().flow == "complaint"


def test_help_while_choosing_the_day_repeats_the_days():
    turn = walk("2", "0", "0", "3", "3/10/2026")
    helped = flow().step(turn.state, "help", context(9))
    assert texts(helped) == [es(sms.HELP), texts(turn)[-1]] and helped.state == turn.state
