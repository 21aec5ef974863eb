"""Which status a complaint may move to from which. Enforced by the services, tested as a table."""

from intake.choices import Status

TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {Status.ACKNOWLEDGED, Status.IN_REVIEW, Status.CLOSED},
    Status.ACKNOWLEDGED: {Status.IN_REVIEW, Status.NEEDS_INFO, Status.REFERRED, Status.CLOSED},
    Status.IN_REVIEW: {Status.NEEDS_INFO, Status.REFERRED, Status.CLOSED},
    Status.NEEDS_INFO: {Status.IN_REVIEW, Status.REFERRED, Status.CLOSED},
    Status.REFERRED: {Status.IN_REVIEW, Status.CLOSED},
    Status.CLOSED: {Status.IN_REVIEW},  # reopened
}


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, set())
