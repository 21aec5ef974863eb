from django.contrib.auth.management import create_permissions
from django.db import migrations

# Role -> the permissions (app_label.codename) it holds. Later migrations add the permissions of
# models that later apps bring.
ROLES = {
    "advocate": ["accounts.file_on_behalf", "accounts.run_surveys"],
    "liaison": ["accounts.access_staff_site", "accounts.reveal_pii"],
    "supervisor": [
        "accounts.access_staff_site",
        "accounts.reveal_pii",
        "accounts.assign_cases",
        "accounts.approve_release",
        "accounts.manage_retention",
        "accounts.view_audit_log",
        "privacy.view_auditevent",
    ],
    "auditor": ["accounts.access_staff_site", "accounts.view_audit_log", "privacy.view_auditevent"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("privacy", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
