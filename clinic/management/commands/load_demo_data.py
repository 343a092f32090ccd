import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Load the demo data used by `make run` (idempotent): the staff account 'admin' and the "
        "booking demo schedule. The admin password comes from DEMO_ADMIN_PASSWORD, or is "
        "generated and printed once, when the account is created."
    )

    def handle(self, *args, **options):
        self.ensure_admin()
        from booking.demo import load_demo_schedule

        summary = load_demo_schedule()
        self.stdout.write(f"Demo schedule: {summary}")

    @transaction.atomic
    def ensure_admin(self):
        User = get_user_model()
        wanted_password = os.environ.get("DEMO_ADMIN_PASSWORD", "")
        user = User.objects.filter(username="admin").first()
        if user is not None:
            if wanted_password and not user.check_password(wanted_password):
                user.set_password(wanted_password)
                user.save(update_fields=["password"])
                self.stdout.write("Staff account 'admin': password set from DEMO_ADMIN_PASSWORD.")
            else:
                self.stdout.write("Staff account 'admin' already exists (password unchanged).")
            return
        password = wanted_password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username="admin", email="admin@example.org", password=password)
        if wanted_password:
            self.stdout.write(self.style.SUCCESS("Created staff account 'admin' (password from DEMO_ADMIN_PASSWORD)."))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Created staff account 'admin' with password: {password}\n")
                + "This password is shown only once. Set DEMO_ADMIN_PASSWORD to choose your own."
            )
