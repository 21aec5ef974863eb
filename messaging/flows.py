"""Conversation flows: other apps register them at start-up (intake the complaint flow, surveys
the survey flow), so messaging never imports them.

A flow is a pure state machine, `step(state, text, ...) -> Turn`, easy to test without the web;
what it cannot do purely (file a complaint, look up a receipt) it asks for as the turn's
`action`, which messaging hands back to the flow's `act` inside the same transaction.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol


@dataclass(frozen=True)
class Reply:
    text: str
    sensitive: bool = False  # wiped from the outbox once sent (a receipt number)
    subject: str = ""  # email only


@dataclass
class Turn:
    state: dict
    replies: list[Reply] = field(default_factory=list)
    language: str = "en"
    action: tuple[str, str] | None = None  # (name, value) for Flow.act
    finished: bool = False  # the conversation is over and its state can go


@dataclass(frozen=True)
class Context:
    """What a flow may know of the message besides its text."""

    today: date
    idle: timedelta | None  # since the sender's previous message in this conversation
    channel: str
    address: str
    conversation_id: int
    message_id: int  # the inbound message being answered: one key for one submission
    media: tuple[dict, ...] = ()  # SMS: {url, content_type}; email: {file, content_type, filename}


class Flow(Protocol):
    def step(self, state: dict | None, text: str, context: Context) -> Turn: ...

    def act(self, turn: Turn, context: Context) -> list[Reply]: ...


_FLOWS: dict[str, Flow] = {}


def flow_register(name: str, flow: Flow) -> None:
    _FLOWS[name] = flow


def flow_get(name: str) -> Flow:
    try:
        return _FLOWS[name]
    except KeyError:
        raise LookupError(f"no conversation flow {name!r} registered (apps: {sorted(_FLOWS)})") from None
