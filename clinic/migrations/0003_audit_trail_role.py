"""The clinic manager, who sees the bookings' audit trail, sees the general staff audit trail too
(audit.AuditEvent: sign-in factors today). Read-only: no role may add, change or delete events."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE = "Clinic manager"
PERMISSION = ("audit", "view_auditevent")


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    create_permissions(global_apps.get_app_config("audit"), verbosity=0, apps=apps, using=using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = PERMISSION
    permission = Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)
    Group.objects.using(using).get(name=ROLE).permissions.add(permission)


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = PERMISSION
    group = Group.objects.using(using).filter(name=ROLE).first()
    if group:
        group.permissions.remove(*Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0002_visit_info_roles"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
