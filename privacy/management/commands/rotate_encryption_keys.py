from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from privacy.crypto import rotate
from privacy.fields import EncryptedFileRefField, EncryptedTextField
from privacy.files import encrypted_file_rotate

BATCH = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first of FIELD_ENCRYPTION_KEYS. Put the new key "
        "first, run this, then remove the old keys."
    )

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            for column in columns:
                count = self._rotate_column(model._meta.db_table, model._meta.pk.column, column)
                if count:
                    self.stdout.write(f"{model._meta.label}.{column}: {count} re-encrypted")
                total += count
            for field in model._meta.concrete_fields:
                if isinstance(field, EncryptedFileRefField):
                    names = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                    count = sum(encrypted_file_rotate(name) for name in names.iterator())
                    if count:
                        self.stdout.write(f"{model._meta.label}.{field.name}: {count} file(s) re-encrypted")
                    total += count
        self.stdout.write(self.style.SUCCESS(f"Done: {total} value(s) re-encrypted with the first key."))

    def _rotate_column(self, table: str, pk: str, column: str) -> int:
        # Raw SQL on purpose: rotation must see the stored tokens, not decrypted values, and must
        # not touch auto_now timestamps. Identifiers come from model metadata, quoted.
        qn = connection.ops.quote_name
        select = (
            f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} "  # noqa: S608
            f"WHERE {qn(pk)} > %s AND {qn(column)} IS NOT NULL AND {qn(column)} <> '' "
            f"ORDER BY {qn(pk)} LIMIT {BATCH}"
        )
        update = f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s"  # noqa: S608
        count, last = 0, None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                if last is None:
                    cursor.execute(select.replace(f"{qn(pk)} > %s AND ", "", 1))
                else:
                    cursor.execute(select, [last])
                rows = cursor.fetchall()
                if not rows:
                    return count
                changes = [(new, row_pk) for row_pk, token in rows if (new := rotate(token)) is not None]
                if changes:
                    cursor.executemany(update, changes)
                count += len(changes)
                last = rows[-1][0]
