"""Content editors and clinic managers also edit the Visiting us page (info.VisitInfo, new in
info 0003): the roles of 0001_roles with those permissions, set again the same way."""

import importlib

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

FIRST = importlib.import_module("clinic.migrations.0001_roles")
ROLES = {
    **FIRST.ROLES,
    "Content editor": [*FIRST.ROLES["Content editor"], "info.view_visitinfo", "info.change_visitinfo"],
}


def roles_setter(roles: dict[str, list[str]]):
    def set_roles(apps, schema_editor):
        using = schema_editor.connection.alias
        for label in ("auth", "contenttypes", "booking", "info", "axes"):
            create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps, using=using)
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        every = {
            f"{app_label}.{codename}": pk
            for pk, app_label, codename in Permission.objects.using(using).values_list(
                "pk", "content_type__app_label", "codename"
            )
        }
        for name, wanted in roles.items():
            ids = set()
            for entry in wanted:
                if entry.endswith(".*"):
                    prefix = entry[:-1]
                    ids.update(pk for key, pk in every.items() if key.startswith(prefix) and key not in FIRST.NEVER)
                else:
                    ids.add(every[entry])
            group, _ = Group.objects.using(using).get_or_create(name=name)
            group.permissions.set(ids)

    return set_roles


set_roles = roles_setter(ROLES)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_roles"), ("info", "0005_visit_info")]

    operations = [migrations.RunPython(set_roles, FIRST.set_roles)]
