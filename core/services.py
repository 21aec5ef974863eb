from django.db import connection, transaction

from core.models import ReferenceCounter


def reference_next(*, prefix: str) -> str:
    """Hand out the next human reference for a prefix: C-000123, IN-000045, FR-000017.

    One UPDATE ... RETURNING: the counter row stays locked until the caller's transaction ends,
    so two concurrent submissions never share a number, and a rolled-back transaction gives its
    number back. The row is created the first time a prefix is used.
    """
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(
                f"UPDATE {table} SET last_value = last_value + 1 WHERE prefix = %s RETURNING last_value",  # noqa: S608
                [prefix],
            )
            row = cursor.fetchone()
            if row is not None:
                return f"{prefix}-{row[0]:06d}"
            ReferenceCounter.objects.bulk_create([ReferenceCounter(prefix=prefix)], ignore_conflicts=True)
    raise RuntimeError(f"could not allocate a reference for {prefix}")
