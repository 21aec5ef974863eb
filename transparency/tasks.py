from celery import shared_task
from django.core.cache import cache

from transparency import services

LOCK = "transparency:release-build"
HOUR = 3600


# Acknowledged on receipt (not late, as other tasks are): a build runs for minutes and must not be
# handed to a second worker after the broker's visibility timeout; a lost one is simply done
# the next day. The lock keeps two builds (beat and the command) from overlapping.
@shared_task(acks_late=False, time_limit=2 * HOUR, soft_time_limit=2 * HOUR - 60)
def release_build_task() -> str | None:
    if not cache.add(LOCK, "1", timeout=2 * HOUR):
        return None
    try:
        return services.release_build().version
    finally:
        cache.delete(LOCK)
