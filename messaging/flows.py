"""Conversation flows: other apps register them at start-up (intake the complaint flow, surveys
the survey flow), so messaging never imports them.

A flow is a pure state machine, `step(state, text, ...) -> Turn`, easy to test without the web;
what it cannot do purely (file a complaint, look up a receipt) it asks for as the turn's
`action`, which messaging hands back to the flow's `act` inside the same transaction.

A flow may also be started by a message (a survey's keyword): `flow_register(..., starts=...)`.
Messaging asks every such flow before the conversation's own, and a message that starts one
begins a new conversation in it, unless that would drop what the person is in the middle of
writing (see `flow_takes_over`). Such a conversation ends when its flow finishes (the next
message goes to the channel's own flow) or when the person opts out.
"""

from collections.abc import Callable, Iterable
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
    # With finished: the message goes on, read afresh, to the channel's own flow (settings.
    # MESSAGING_FLOWS), as a STATUS sent during a survey goes to the complaint flow.
    hand_back: bool = False


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
    """A flow may also define `holds_work(state) -> bool`: whether leaving this state for another
    flow would lose something the person wrote. Without it, any state holds work."""

    def step(self, state: dict | None, text: str, context: Context) -> Turn: ...

    def act(self, turn: Turn, context: Context) -> list[Reply]: ...


_FLOWS: dict[str, Flow] = {}
_STARTERS: dict[str, tuple[Callable[[str], bool], frozenset[str] | None]] = {}
# After this long without a message, a conversation left half-way gives way to a flow a message
# starts: its words would be purged soon anyway, and the person clearly means the new one.
TAKEOVER_IDLE = timedelta(hours=24)


def flow_register(
    name: str, flow: Flow, *, starts: Callable[[str], bool] | None = None, channels: Iterable[str] | None = None
) -> None:
    """`starts(text)`: whether a whole message begins this flow (on `channels` only, if given)."""
    _FLOWS[name] = flow
    if starts is None:
        _STARTERS.pop(name, None)
    else:
        _STARTERS[name] = (starts, frozenset(channels) if channels is not None else None)


def flow_starting(text: str, *, channel: str) -> str | None:
    """The registered flow this message starts, if any."""
    for name, (starts, channels) in _STARTERS.items():
        if (channels is None or channel in channels) and starts(text):
            return name
    return None


def flow_takes_over(current: str, state: dict | None, idle: timedelta | None) -> bool:
    """Whether a flow a message starts may replace the conversation's current one: when nothing
    is under way, when the current flow says its state holds nothing the person wrote, or when
    the conversation has been left for TAKEOVER_IDLE. A complaint half-written stays."""
    if not state or (idle is not None and idle >= TAKEOVER_IDLE):
        return True
    flow = _FLOWS.get(current)
    holds_work = getattr(flow, "holds_work", None)
    return flow is None or (holds_work is not None and not holds_work(state))


def flow_get(name: str) -> Flow:
    try:
        return _FLOWS[name]
    except KeyError:
        raise LookupError(f"no conversation flow {name!r} registered (apps: {sorted(_FLOWS)})") from None
