"""Write reminders for appointments starting within REMINDER_HOURS_BEFORE hours and send them,
with every other notification that is due (retries). Run it every few minutes from cron or a
systemd timer; running it twice, or twice at once, never sends a reminder twice.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from booking import notifications


class Command(BaseCommand):
    help = "Write and send appointment reminders, then send every other due notification."

    def handle(self, *args, **options):
        now = timezone.now()
        created = notifications.create_reminders(now=now)
        sent = notifications.send_due_notifications(now=now)
        self.stdout.write(f"{created} reminder(s) written, {sent} email(s) sent.")
