"""How a conversation in a flow a message started (a survey) ends: once it finishes, the next
message (even one processed in the same batch) goes to the channel's own flow; a flow may hand
its last message on to that flow; and an opt-out ends it, so that after START nothing of it is
left."""

import json

import pytest
from django.test import TestCase

from messaging import flows
from messaging.flows import Reply, Turn, flow_register
from messaging.models import Conversation, InboundMessage, OutboundMessage
from messaging.services import inbound_process, inbound_receive
from tests.messaging.test_flow_starts import SENT, ToyFlow, text, twilio_settings  # noqa: F401  (autouse)

pytestmark = pytest.mark.django_db
PRIVACY = "Voces is not the government. What you send stays private. Delete these texts if someone checks your phone."


class HandingFlow:
    """Starts with HANDWORD, then hands whatever comes next on to the channel's own flow."""

    def step(self, state, text, context):
        if not state:
            return Turn({"step": "ask", "answers": {"a": 1}}, [Reply("hand: what is your answer?")])
        return Turn({}, [Reply("hand: you left")], finished=True, hand_back=True)

    def act(self, turn, context):
        return []

    def holds_work(self, state):
        return bool(state.get("answers"))


@pytest.fixture
def started_flows():
    saved_flows, saved_starters = dict(flows._FLOWS), dict(flows._STARTERS)
    flows._STARTERS.clear()
    flow_register("toy", ToyFlow(), starts=lambda text: text.strip().upper() == "TOYWORD", channels=("sms",))
    flow_register("hand", HandingFlow(), starts=lambda text: text.strip().upper() == "HANDWORD", channels=("sms",))
    yield
    flows._FLOWS.clear()
    flows._FLOWS.update(saved_flows)
    flows._STARTERS.clear()
    flows._STARTERS.update(saved_starters)


def receive_together(*bodies, sender="+17135550150") -> list[str]:
    """Messages stored before any is processed, then processed in one batch."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        for n, body in enumerate(bodies):
            message, _created = inbound_receive(
                channel="sms", provider_id=f"SMtogether{sender[-4:]}{n}", from_address=sender, body=body
            )
    SENT.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert inbound_process(channel="sms", from_index=message.from_index) == len(bodies)
    return [sent["body"] for sent in SENT]


def test_a_message_after_a_finished_flow_in_the_same_batch_goes_to_the_channels_flow(started_flows):
    replies = receive_together("TOYWORD", "blue", "Hello")
    assert replies[:2] == ["toy: what is your answer?", "toy: thanks for 4 letters"]
    assert replies[2] == PRIVACY  # "Hello" begins a complaint, not the toy again
    conversation = Conversation.objects.get()
    assert conversation.flow == "complaint" and json.loads(conversation.state)["language"] == "en"


def test_a_finished_flow_leaves_no_conversation_when_nothing_follows(started_flows):
    receive_together("TOYWORD", "blue")
    assert not Conversation.objects.exists()


def test_a_flow_can_hand_its_last_message_on_to_the_channels_flow(client, started_flows):
    assert text(client, "HANDWORD") == ["hand: what is your answer?"]
    replies = text(client, "Hello")
    assert replies[:2] == ["hand: you left", PRIVACY]  # then the complaint flow's first question
    assert len(replies) == 3
    conversation = Conversation.objects.get()
    assert conversation.flow == "complaint"
    outbox = list(OutboundMessage.objects.order_by("id").values_list("purpose", flat=True))
    assert outbox[-3:] == ["conversation.hand", "conversation.complaint", "conversation.complaint"]


def test_an_opt_out_ends_a_started_flow_but_keeps_a_complaint_being_written(client, started_flows):
    text(client, "TOYWORD")
    assert text(client, "STOP") == []
    assert not Conversation.objects.exists()
    text(client, "START")
    text(client, "Hello", sender="+17135550112")
    text(client, "1", sender="+17135550112")
    text(client, "They came in.", sender="+17135550112")
    text(client, "STOP", sender="+17135550112")
    assert "came in" in Conversation.objects.get().state  # kept for the days a conversation is kept
    assert InboundMessage.objects.filter(keyword="opt_out").count() == 2
