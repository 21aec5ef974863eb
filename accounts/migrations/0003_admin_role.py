from django.db import migrations

ADMIN_PERMISSIONS = [
    "accounts.access_staff_site",
    "accounts.reveal_pii",
    "accounts.assign_cases",
    "accounts.approve_release",
    "accounts.manage_retention",
    "accounts.view_audit_log",
    "privacy.view_auditevent",
]


def create_admin_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="admin")
    for code in ADMIN_PERMISSIONS:
        app_label, codename = code.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_admin_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="admin").delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles")]

    operations = [migrations.RunPython(create_admin_role, remove_admin_role)]
