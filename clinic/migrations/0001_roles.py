"""Staff roles as Django groups, each with the least permissions its job needs.

Re-running the migration (or a later one calling ``set_roles``) resets each group to exactly
these permissions. Users are put in groups in the admin, by someone with the auth permissions
(a superuser): the clinic manager runs the clinic, not the roles.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    # Answers the phone: finds, books, moves and cancels bookings, blocks slots, marks attendance,
    # resends emails, exports lists (day sheets, call lists; the export leaves out the reason).
    # Sees the date of birth to identify callers, never the reason for the visit.
    "Reception": [
        "booking.export_bookings",
        "booking.view_booking",
        "booking.add_booking",
        "booking.change_booking",
        "booking.view_all_bookings",
        "booking.mark_attendance",
        "booking.view_slot",
        "booking.change_slot",
        "booking.view_clinician",
        "booking.view_appointmenttype",
        "booking.view_weeklyhours",
        "booking.view_closure",
        "booking.view_notification",
        "booking.change_notification",
    ],
    # Sees the schedule and their own bookings (with the reason), marks attendance.
    "Clinician": [
        "booking.view_booking",
        "booking.view_booking_reason",
        "booking.mark_attendance",
        "booking.view_slot",
        "booking.view_clinician",
        "booking.view_appointmenttype",
    ],
    # Everything in booking (hours, closures, types, slot generation, export, erasure, audit),
    # the information pages, and unlocking locked-out logins; never users or groups.
    "Clinic manager": [
        "booking.*",
        "info.*",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    ],
    "Content editor": [
        "info.view_page",
        "info.add_page",
        "info.change_page",
        "info.delete_page",
    ],
}

# Permissions that exist but that no role uses: the admin refuses these operations to everyone.
NEVER = {
    "booking.delete_booking",
    "booking.add_bookingevent",
    "booking.change_bookingevent",
    "booking.delete_bookingevent",
    "booking.add_notification",
    "booking.delete_notification",
}


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
    for name, wanted in ROLES.items():
        ids = set()
        for entry in wanted:
            if entry.endswith(".*"):
                prefix = entry[:-1]
                ids.update(pk for key, pk in every.items() if key.startswith(prefix) and key not in NEVER)
            else:
                ids.add(every[entry])
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(ids)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("booking", "0005_booking_staff_permissions_anonymised_at"),
        ("info", "0002_first_content"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(set_roles, remove_roles)]
