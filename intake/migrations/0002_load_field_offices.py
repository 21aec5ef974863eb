import csv
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "ice_field_offices.csv"


def load(apps, schema_editor):
    FieldOffice = apps.get_model("intake", "FieldOffice")
    with CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            shares = row["shares_state_with_others"].strip()
            note = shares[shares.find("(") + 1 : shares.rfind(")")] if "(" in shares else ""
            FieldOffice.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "states": row["states"].split(";"), "note": note},
            )


def unload(apps, schema_editor):
    apps.get_model("intake", "FieldOffice").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
