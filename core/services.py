from django.db import transaction

from core.models import ReferenceCounter


def reference_next(*, prefix: str) -> str:
    """Hand out the next human reference for a prefix: C-000123, IN-000045, FR-000017.

    The counter row stays locked until the caller's transaction ends, so two concurrent
    submissions never share a number, and a rolled-back transaction gives its number back.
    """
    with transaction.atomic():
        ReferenceCounter.objects.bulk_create([ReferenceCounter(prefix=prefix)], ignore_conflicts=True)
        counter = ReferenceCounter.objects.select_for_update().get(pk=prefix)
        counter.last_value += 1
        counter.save(update_fields=["last_value"])
    return f"{prefix}-{counter.last_value:06d}"
