"""Which status a footage request may move to from which (ARCHITECTURE.md's FootageRequest).
Enforced by the services, tested as a table. A release also needs a second reviewer, which the
service checks; this table only says which moves exist."""

RECEIVED = "received"
ACKNOWLEDGED = "acknowledged"
SEARCHING = "searching"
FOOTAGE_LOCATED = "footage_located"
NO_FOOTAGE = "no_footage"  # with its reason: a key measure of the body-camera programme
REDACTION_REVIEW = "redaction_review"
RELEASED_FULL = "released_full"
RELEASED_PARTIAL = "released_partial"
DENIED = "denied"  # with its exemptions (b5, b6, b7A, b7C, b7E, b7F)
WITHDRAWN = "withdrawn"
REFERRED = "referred"
APPEALED = "appealed"
APPEAL_DECIDED = "appeal_decided"

NO_FOOTAGE_REASONS = ("camera_not_worn", "not_activated", "malfunction", "deleted", "activity_not_covered")
EXEMPTIONS = ("b5", "b6", "b7A", "b7C", "b7E", "b7F")

# A requester may withdraw, and staff may refer, until there is a decision.
_OPEN_EXITS = {WITHDRAWN, REFERRED}

FOOTAGE_TRANSITIONS: dict[str, set[str]] = {
    RECEIVED: {ACKNOWLEDGED, *_OPEN_EXITS},
    ACKNOWLEDGED: {SEARCHING, *_OPEN_EXITS},
    SEARCHING: {FOOTAGE_LOCATED, NO_FOOTAGE, *_OPEN_EXITS},
    FOOTAGE_LOCATED: {REDACTION_REVIEW, DENIED, *_OPEN_EXITS},
    REDACTION_REVIEW: {RELEASED_FULL, RELEASED_PARTIAL, DENIED, WITHDRAWN},
    # Decisions the requester may appeal.
    NO_FOOTAGE: {APPEALED},
    DENIED: {APPEALED},
    RELEASED_PARTIAL: {APPEALED},
    APPEALED: {APPEAL_DECIDED},
    # Ends.
    RELEASED_FULL: set(),
    WITHDRAWN: set(),
    REFERRED: set(),
    APPEAL_DECIDED: set(),
}

RELEASES = {RELEASED_FULL, RELEASED_PARTIAL}
# Before a decision the legal clock runs (it may be paused or extended); after one it stops.
CLOCK_RUNNING = (RECEIVED, ACKNOWLEDGED, SEARCHING, FOOTAGE_LOCATED, REDACTION_REVIEW)
# The footage must still be kept while a decision or an appeal may come.
HOLD_NEEDED = tuple(status for status, moves in FOOTAGE_TRANSITIONS.items() if moves)
# The redaction checklist is worked on once the footage is found, until the release.
REDACTION_OPEN = (FOOTAGE_LOCATED, REDACTION_REVIEW)
# The decisions a decision letter tells the requester about.
DECIDED = (RELEASED_FULL, RELEASED_PARTIAL, NO_FOOTAGE, DENIED, WITHDRAWN)


def footage_can_move(current: str, new: str) -> bool:
    return new in FOOTAGE_TRANSITIONS.get(current, set())
