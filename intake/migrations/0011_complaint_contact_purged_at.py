from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0010_consent_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="contact_purged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("contact_purged_at", None), ("status", "closed")),
                fields=["id"],
                name="complaint_purge_due_idx",
            ),
        ),
    ]
