"""Flows a message starts (a survey's keyword): messaging asks them before the conversation's own
flow, and lets one take over only when that loses nothing the person was writing."""

import itertools
from datetime import timedelta

import pytest
from django.test import TestCase
from twilio.request_validator import RequestValidator

from messaging import flows
from messaging.flows import Reply, Turn, flow_register, flow_starting, flow_takes_over
from messaging.models import Conversation

TOKEN = "test-auth-token"
URL = "https://voces.example.org/twilio/sms/"
SENT: list[dict] = []
SIDS = itertools.count(1)


class RecordingTransport:
    def send(self, *, to, body, channel="sms", message_id=None):
        from messaging.transports import SendResult

        SENT.append({"to": to, "body": body, "channel": channel})
        return SendResult(provider_id=f"SMstart{len(SENT)}", status="sent")


class ToyFlow:
    """Starts with the word TOYWORD, asks one question, and is done."""

    def step(self, state, text, context):
        if not state:
            return Turn({"step": "ask", "answers": {}}, [Reply("toy: what is your answer?")])
        return Turn({}, [Reply(f"toy: thanks for {len(text)} letters")], finished=True)

    def act(self, turn, context):
        return []

    def holds_work(self, state):
        return bool(state.get("answers"))


@pytest.fixture
def toy_flow():
    saved_flows, saved_starters = dict(flows._FLOWS), dict(flows._STARTERS)
    flows._STARTERS.clear()  # the toy alone: other apps' starters (surveys) are tested with them
    flow_register("toy", ToyFlow(), starts=lambda text: text.strip().upper() == "TOYWORD", channels=("sms",))
    yield
    flows._FLOWS.clear()
    flows._FLOWS.update(saved_flows)
    flows._STARTERS.clear()
    flows._STARTERS.update(saved_starters)


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://voces.example.org"
    settings.SMS_TRANSPORT = "tests.messaging.test_flow_starts.RecordingTransport"
    SENT.clear()


def text(client, body, sender="+17135550111"):
    data = {"MessageSid": f"SM{next(SIDS):032d}", "From": sender, "To": "+15550009999", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(URL, data)
    SENT.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post("/twilio/sms/", data, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    return [sent["body"] for sent in SENT]


def test_a_starting_word_names_its_flow_only_on_its_channels(toy_flow):
    assert flow_starting("toyword", channel="sms") == "toy"
    assert flow_starting("toyword", channel="email") is None
    assert flow_starting("a toyword in a sentence", channel="sms") is None


def test_registering_again_without_starts_forgets_the_starter(toy_flow):
    flow_register("toy", ToyFlow())
    assert flow_starting("toyword", channel="sms") is None


class Holding:
    def holds_work(self, state):
        return state.get("answers") == "some"


class Silent:  # says nothing about its state: any state holds work
    pass


@pytest.mark.parametrize(
    "current,state,idle,takes_over",
    [
        ("holding", None, None, True),  # nothing under way
        ("holding", {"answers": ""}, timedelta(minutes=5), True),  # the flow says nothing is lost
        ("holding", {"answers": "some"}, timedelta(minutes=5), False),  # half-written: it stays
        ("holding", {"answers": "some"}, timedelta(hours=24), True),  # left for a day
        ("silent", {"step": 1}, timedelta(minutes=5), False),
        ("a flow that is gone", {"step": 1}, timedelta(minutes=5), True),
    ],
)
def test_a_started_flow_takes_over_only_when_nothing_is_lost(current, state, idle, takes_over):
    saved = dict(flows._FLOWS)
    flows._FLOWS.update({"holding": Holding(), "silent": Silent()})
    try:
        assert flow_takes_over(current, state, idle) is takes_over
    finally:
        flows._FLOWS.clear()
        flows._FLOWS.update(saved)


@pytest.mark.django_db
def test_a_starting_word_begins_its_flow_in_a_new_conversation(client, toy_flow):
    assert text(client, "TOYWORD") == ["toy: what is your answer?"]
    assert Conversation.objects.get().flow == "toy"
    assert text(client, "blue") == ["toy: thanks for 4 letters"]
    assert not Conversation.objects.exists()  # finished: nothing kept


@pytest.mark.django_db
def test_a_starting_word_replaces_a_complaint_not_yet_begun(client, toy_flow):
    assert text(client, "Hola")  # the complaint flow's notice and first question, nothing answered
    assert text(client, "toyword") == ["toy: what is your answer?"]
    assert Conversation.objects.get().flow == "toy"


@pytest.mark.django_db
def test_a_starting_word_does_not_drop_a_complaint_being_written(client, toy_flow):
    text(client, "Hola")
    text(client, "1")
    text(client, "Entraron a mi casa.")
    assert text(client, "TOYWORD") == []  # more of the story, taken in silence
    conversation = Conversation.objects.get()
    assert conversation.flow == "complaint"
    assert "TOYWORD" in conversation.state


@pytest.mark.django_db
def test_a_complaint_left_for_a_day_gives_way(client, toy_flow):
    text(client, "Hola")
    text(client, "1")
    text(client, "Entraron a mi casa.")
    Conversation.objects.update(last_activity_at=Conversation.objects.get().last_activity_at - timedelta(hours=25))
    assert text(client, "TOYWORD") == ["toy: what is your answer?"]
    conversation = Conversation.objects.get()
    assert conversation.flow == "toy" and "casa" not in conversation.state
