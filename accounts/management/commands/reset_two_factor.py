from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts import services


class Command(BaseCommand):
    help = (
        "Reset a staff account's lost second factor (for when no superuser can sign in to do it in the "
        "admin). Recorded in the audit trail as done by the superuser named with --by."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the account whose authenticator app and recovery codes are removed")
        parser.add_argument("--by", required=True, help="the superuser doing it (may be the same account)")

    def handle(self, *args, username, by, **options):
        users = get_user_model().objects
        try:
            user = users.get(username=username)
            superuser = users.get(username=by)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No such account: {error}") from None
        try:
            removed = services.reset_second_factor(user=user, by=superuser, now=timezone.now())
        except PermissionDenied:
            raise CommandError(f"{by} is not an active superuser: only a superuser resets a second factor.") from None
        if removed:
            self.stdout.write(f"Reset: {username} sets up a new authenticator app at the next sign-in.")
        else:
            self.stdout.write(f"{username} had no second factor; nothing changed.")
