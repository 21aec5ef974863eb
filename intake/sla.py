"""Service levels: an urgent complaint is acknowledged the day it arrives, any other within two
working days (weekends and federal holidays do not count), by the end of the day in TIME_ZONE."""

from datetime import datetime, time

from django.utils import timezone

from core.workdays import nth_working_day_after

OTHERS_WORKING_DAYS = 2


def acknowledge_by(received_at: datetime, *, urgent: bool) -> datetime:
    day = timezone.localtime(received_at).date()
    if not urgent:
        day = nth_working_day_after(day, OTHERS_WORKING_DAYS)
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))
