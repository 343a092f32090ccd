"""The retention job: anonymise the personal data of bookings whose appointment is older than
--older-than days. Idempotent; run it daily from cron or a systemd timer.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from booking.services import purge_personal_data
from clinic.db import checkpoint_erased_data


class Command(BaseCommand):
    help = "Anonymise bookings whose appointment started more than DAYS days ago."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", dest="days", type=int, required=True, metavar="DAYS")

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError("--older-than must be at least 1 day.")
        result = purge_personal_data(older_than=timedelta(days=days), now=timezone.now())
        checkpoint_erased_data()
        self.stdout.write(f"Anonymised {result.anonymised} booking(s); {result.already} were anonymised before.")
