"""Send every due pending notification: new ones the task queue missed, and retries after
back-off. Safe to run every few minutes from cron or a systemd timer, and in several places at
once: each notification is claimed before it is sent.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from booking import notifications


class Command(BaseCommand):
    help = "Send every due pending notification (retries with back-off)."

    def handle(self, *args, **options):
        sent = notifications.send_due_notifications(now=timezone.now())
        self.stdout.write(f"{sent} email(s) sent.")
