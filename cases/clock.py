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

from core.workdays import is_working_day

RESPONSE_WORKING_DAYS = 20
EXTENSION_WORKING_DAYS = 10
EXPEDITED_DECISION_DAYS = 10


@dataclass(frozen=True)
class Pause:
    start: date  # the day the agency asked the requester (it still counts)
    end: date | None = None  # the day the requester answered; None while still waiting

    def covers(self, day: date) -> bool:
        return self.start < day and (self.end is None or day <= self.end)


def working_days_after(start: date, count: int, *, pauses: Iterable[Pause] = ()) -> date:
    """The day on which `count` working days have passed after `start`, not counting paused
    days."""
    pauses = tuple(pauses)
    day, counted = start, 0
    while counted < count:
        day += timedelta(days=1)
        if is_working_day(day) and not any(pause.covers(day) for pause in pauses):
            counted += 1
    return day


def response_due(*, perfected_on: date, extended: bool = False, pauses: Iterable[Pause] = ()) -> date | None:
    """When the response is due; None while the clock is paused (waiting on the requester)."""
    pauses = tuple(pauses)
    if any(pause.end is None for pause in pauses):
        return None
    days = RESPONSE_WORKING_DAYS + (EXTENSION_WORKING_DAYS if extended else 0)
    return working_days_after(perfected_on, days, pauses=pauses)


def expedited_decision_due(received_on: date) -> date:
    return received_on + timedelta(days=EXPEDITED_DECISION_DAYS)


def working_days_left(due: date, today: date) -> int:
    """Working days from today to the due date: negative once overdue, 0 on the day itself."""
    if due == today:
        return 0
    step = 1 if due > today else -1
    day, left = today, 0
    while day != due:
        day += timedelta(days=step)
        if is_working_day(day):
            left += step
    return left
