"""The legal clock of a footage request (FOIA), as pure functions of dates.

- A response is due 20 working days after the request is perfected (received complete): the day
  it is perfected is day 0, and weekends and US federal holidays (observed days included, from
  the `holidays` library) do not count.
- "Unusual circumstances" add 10 working days, with written notice (`extended`).
- The clock stops while the agency waits on the requester (information, fees): a pause that
  starts on day S and ends when the requester answers on day E removes the working days after S
  up to and including E; counting resumes the day after E. While a pause is open, no due date.
- Expedited processing must be decided within 10 calendar days of receipt.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from core.workdays import federal_holidays, is_working_day

RESPONSE_WORKING_DAYS = 20
EXTENSION_WORKING_DAYS = 10
EXPEDITED_DECISION_DAYS = 10


@dataclass(frozen=True)
class Pause:
    start: date  # the day the agency asked the requester (it still counts)
    end: date | None = None  # the day the requester answered; None while still waiting

    def covers(self, day: date) -> bool:
        return self.start < day and (self.end is None or day <= self.end)


def working_days_after(start: date, count: int, *, pauses: Iterable[Pause] = ()) -> date | None:
    """The day on which `count` working days have passed after `start`, not counting paused
    days; None past the end of the calendar (a date mistyped as year 9999 must not break a page)."""
    pauses = tuple(pauses)
    day, counted = start, 0
    try:
        while counted < count:
            day += timedelta(days=1)
            pause = next((pause for pause in pauses if pause.covers(day)), None)
            if pause is not None:
                if pause.end is None:
                    return None  # still waiting: no day is due
                day = pause.end  # the paused days at once, however many
            elif is_working_day(day):
                counted += 1
    except OverflowError:
        return None
    return day


def response_due(*, perfected_on: date, extended: bool = False, pauses: Iterable[Pause] = ()) -> date | None:
    """When the response is due; None while the clock is paused (waiting on the requester)."""
    pauses = tuple(pauses)
    if any(pause.end is None for pause in pauses):
        return None
    days = RESPONSE_WORKING_DAYS + (EXTENSION_WORKING_DAYS if extended else 0)
    return working_days_after(perfected_on, days, pauses=pauses)


def expedited_decision_due(received_on: date) -> date | None:
    try:
        return received_on + timedelta(days=EXPEDITED_DECISION_DAYS)
    except OverflowError:
        return None


def working_days_left(due: date, today: date) -> int:
    """Working days from today to the due date: negative once overdue, 0 on the day itself.
    Counted by arithmetic rather than day by day, so a far-off date costs no more than a near one."""
    if due >= today:
        return _working_days_between(today.toordinal(), due.toordinal())
    return -_working_days_between(due.toordinal() - 1, today.toordinal() - 1)


def _weekdays_through(ordinal: int) -> int:
    # Day 1 (1 January of year 1) is a Monday: every week from there has 5 weekdays.
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _working_days_between(first: int, last: int) -> int:
    """Working days after day `first` up to and including day `last` (as ordinals)."""
    holidays = sum(
        1
        for year in range(date.fromordinal(max(first, 1)).year, date.fromordinal(last).year + 1)
        for day in federal_holidays(year)
        if first < day.toordinal() <= last and day.weekday() < 5
    )
    return _weekdays_through(last) - _weekdays_through(first) - holidays
