"""The footage request workflow as a table: every pair of statuses, allowed or not."""

import itertools

import pytest

from cases import workflow as w

ALLOWED = {
    (w.RECEIVED, w.ACKNOWLEDGED), (w.RECEIVED, w.WITHDRAWN), (w.RECEIVED, w.REFERRED),
    (w.ACKNOWLEDGED, w.SEARCHING), (w.ACKNOWLEDGED, w.WITHDRAWN), (w.ACKNOWLEDGED, w.REFERRED),
    (w.SEARCHING, w.FOOTAGE_LOCATED), (w.SEARCHING, w.NO_FOOTAGE), (w.SEARCHING, w.WITHDRAWN),
    (w.SEARCHING, w.REFERRED),
    (w.FOOTAGE_LOCATED, w.REDACTION_REVIEW), (w.FOOTAGE_LOCATED, w.DENIED), (w.FOOTAGE_LOCATED, w.WITHDRAWN),
    (w.FOOTAGE_LOCATED, w.REFERRED),
    (w.REDACTION_REVIEW, w.RELEASED_FULL), (w.REDACTION_REVIEW, w.RELEASED_PARTIAL), (w.REDACTION_REVIEW, w.DENIED),
    (w.REDACTION_REVIEW, w.WITHDRAWN),
    (w.NO_FOOTAGE, w.APPEALED), (w.DENIED, w.APPEALED), (w.RELEASED_PARTIAL, w.APPEALED),
    (w.APPEALED, w.APPEAL_DECIDED),
}  # fmt: skip
STATUSES = sorted(w.FOOTAGE_TRANSITIONS)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(STATUSES, STATUSES)))
def test_every_move_is_allowed_or_refused_as_the_table_says(current, new):
    assert w.footage_can_move(current, new) is ((current, new) in ALLOWED)


def test_footage_is_released_only_after_redaction_review_and_every_status_is_reachable():
    assert {current for current, new in ALLOWED if new in w.RELEASES} == {w.REDACTION_REVIEW}
    reachable, frontier = {w.RECEIVED}, [w.RECEIVED]
    while frontier:
        for new in w.FOOTAGE_TRANSITIONS[frontier.pop()]:
            if new not in reachable:
                reachable.add(new)
                frontier.append(new)
    assert reachable == set(STATUSES)


def test_an_unknown_status_moves_nowhere():
    assert not w.footage_can_move("lost", w.RECEIVED)
    assert not w.footage_can_move(w.RECEIVED, "lost")
