"""Working days: weekdays that are not US federal holidays (observed days included), from the
`holidays` library. The footage clock and the complaint service levels count in them."""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year))


_CALENDAR = holidays.country_holidays("US")
# The years the library knows holidays for: asking about any other costs time and finds none.
HOLIDAY_YEARS = range(_CALENDAR.start_year, _CALENDAR.end_year + 1)


def federal_holidays(year: int) -> frozenset[date]:
    """The year's US federal holidays, observed days included."""
    return _federal_holidays(year) if year in HOLIDAY_YEARS else frozenset()


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def nth_working_day_after(start: date, count: int) -> date:
    day, counted = start, 0
    while counted < count:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day
