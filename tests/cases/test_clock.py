"""The footage clock against dates worked out by hand on a calendar (US federal holidays of 2026
and 2027: Thanksgiving 26 Nov, Christmas 25 Dec, New Year 1 Jan 2027, MLK 18 Jan 2027, Juneteenth
19 Jun 2026, Independence Day observed Fri 3 Jul 2026)."""

from datetime import date

import pytest

from cases.clock import Pause, expedited_decision_due, is_working_day, response_due, working_days_left

D = date

DUE = [
    # perfected on, extended, pauses, due
    (D(2026, 3, 2), False, (), D(2026, 3, 30)),  # no holiday: four weeks
    (D(2026, 11, 23), False, (), D(2026, 12, 22)),  # Thanksgiving skipped
    (D(2026, 11, 23), True, (), D(2027, 1, 7)),  # + 10: Christmas and New Year skipped
    (D(2026, 7, 1), False, (), D(2026, 7, 30)),  # Independence Day observed on Friday 3 July
    (D(2026, 6, 15), False, (), D(2026, 7, 15)),  # Juneteenth and 3 July
    (D(2026, 12, 26), False, (), D(2027, 1, 26)),  # perfected on a Saturday; New Year, MLK day
    (D(2026, 3, 2), False, (Pause(D(2026, 3, 6), D(2026, 3, 18)),), D(2026, 4, 9)),  # waited 8 days
    (D(2026, 3, 2), False, (Pause(D(2026, 3, 6), D(2026, 3, 6)),), D(2026, 3, 30)),  # answered same day
    (  # paused twice (information, then fees), then extended
        D(2026, 3, 2),
        True,
        (Pause(D(2026, 3, 3), D(2026, 3, 5)), Pause(D(2026, 3, 20), D(2026, 3, 24))),
        D(2026, 4, 17),  # 3 Mar counts, 4–5 Mar do not; 20 Mar counts, 23–24 Mar do not
    ),
]


@pytest.mark.parametrize(("perfected", "extended", "pauses", "due"), DUE)
def test_the_response_is_due_after_twenty_working_days(perfected, extended, pauses, due):
    assert response_due(perfected_on=perfected, extended=extended, pauses=pauses) == due


def test_no_due_date_while_waiting_on_the_requester():
    assert response_due(perfected_on=D(2026, 3, 2), pauses=[Pause(D(2026, 3, 6))]) is None


@pytest.mark.parametrize(
    ("received", "due"),
    [(D(2026, 12, 20), D(2026, 12, 30)), (D(2026, 12, 24), D(2027, 1, 3)), (D(2026, 2, 25), D(2026, 3, 7))],
)
def test_an_expedited_request_is_decided_within_ten_calendar_days(received, due):
    assert expedited_decision_due(received) == due


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 11, 26), False),  # Thanksgiving
        (D(2026, 11, 27), True),  # the day after is a working day for the federal government
        (D(2026, 7, 3), False),  # observed
        (D(2027, 6, 18), False),  # Juneteenth 2027 observed on Friday
        (D(2027, 12, 31), False),  # New Year 2028 observed on Friday
        (D(2026, 11, 28), False),  # Saturday
        (D(2026, 11, 30), True),
    ],
)
def test_working_days_skip_weekends_and_federal_holidays(day, working):
    assert is_working_day(day) is working


def test_working_days_left_counts_down_and_below_zero():
    due = D(2026, 12, 22)
    assert working_days_left(due, D(2026, 12, 22)) == 0
    assert working_days_left(due, D(2026, 12, 18)) == 2
    assert working_days_left(due, D(2026, 12, 24)) == -2
    assert working_days_left(due, D(2026, 11, 25)) == 18  # Thanksgiving not counted


def test_dates_at_the_end_of_the_calendar_give_no_due_date_rather_than_an_error():
    assert response_due(perfected_on=D(9999, 12, 20)) is None
    assert response_due(perfected_on=D(2026, 3, 2), pauses=[Pause(D(2026, 3, 6), D(9999, 12, 31))]) is None
    assert expedited_decision_due(D(9999, 12, 25)) is None


def test_working_days_left_is_exact_and_quick_however_far_the_due_date():
    import time
    from datetime import timedelta

    today = D(2026, 11, 23)
    for offset in range(-400, 400):  # against counting one day at a time, across many holidays
        due = today + timedelta(days=offset)
        step = 1 if offset > 0 else -1
        days = [today + timedelta(days=n * step) for n in range(1, abs(offset) + 1)]
        counted = step * sum(1 for day in days if is_working_day(day))
        assert working_days_left(due, today) == counted, due
    started = time.monotonic()
    assert working_days_left(D(9999, 12, 31), today) > 2_000_000
    assert working_days_left(D(1, 1, 1), today) < -500_000
    assert time.monotonic() - started < 1
