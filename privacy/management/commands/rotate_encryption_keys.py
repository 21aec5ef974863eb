from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from privacy.crypto import rotate
from privacy.fields import EncryptedFileRefField, EncryptedTextField
from privacy.files import encrypted_file_delete, encrypted_file_rotated_copy

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
                    count = self._rotate_files(model, field.name)
                    if count:
                        self.stdout.write(f"{model._meta.label}.{field.name}: {count} file(s) re-encrypted")
                    total += count
        self.stdout.write(self.style.SUCCESS(f"Done: {total} value(s) re-encrypted with the first key."))

    def _rotate_files(self, model, field: str) -> int:
        count = 0
        rows = model._default_manager.exclude(**{field: ""}).values_list("pk", field)
        for pk, name in rows.iterator():
            copy = encrypted_file_rotated_copy(name)
            if copy is None:
                continue
            # Only if the row still points at the file read: a concurrent change wins.
            if model._default_manager.filter(pk=pk, **{field: name}).update(**{field: copy}):
                encrypted_file_delete(name)
                count += 1
            else:
                encrypted_file_delete(copy)
        return count

    def _rotate_column(self, table: str, pk: str, column: str) -> int:
        # Raw SQL on purpose: rotation must see the stored tokens, not decrypted values, and must
        # not touch auto_now timestamps. Identifiers come from model metadata, quoted.
        qn = connection.ops.quote_name
        select = (
            f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} "  # noqa: S608
            f"WHERE {qn(pk)} > %s AND {qn(column)} IS NOT NULL AND {qn(column)} <> '' "
            f"ORDER BY {qn(pk)} LIMIT {BATCH}"
        )
        # Compare-and-set: a value written since it was read is left alone (and is already new).
        update = f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s AND {qn(column)} = %s"  # noqa: S608
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
                changes = [(new, row_pk, token) for row_pk, token in rows if (new := rotate(token)) is not None]
                if changes:
                    cursor.executemany(update, changes)
                count += len(changes)
                last = rows[-1][0]
