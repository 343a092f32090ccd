"""Create slots from the clinicians' weekly hours, minus closures. The same service as the
admin's Generate slots page; re-running it creates nothing new.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from booking.admin_views import generation_range_problem, generation_summary, local_today
from booking.availability import day_label
from booking.models import Clinician
from booking.services import generate_slots


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Dates are YYYY-MM-DD; got {value!r}.") from None


class Command(BaseCommand):
    help = "Create slots from weekly hours for the days from --from to --to (both included)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=iso_date, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, type=iso_date, help="Last day, YYYY-MM-DD.")
        parser.add_argument(
            "--clinician",
            action="append",
            dest="clinicians",
            metavar="SLUG",
            help="Only this clinician (repeat for several). Default: every active clinician.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would be created; create nothing.")

    def handle(self, *args, start, end, clinicians, dry_run, **options):
        problem = generation_range_problem(start, end, today=local_today())
        if problem:
            field, message = problem
            raise CommandError(f"{'--from' if field == 'start_date' else '--to'}: {message}")
        chosen = None
        if clinicians:
            chosen = list(Clinician.objects.filter(slug__in=clinicians))
            unknown = sorted(set(clinicians) - {c.slug for c in chosen})
            if unknown:
                raise CommandError(f"No clinician with slug {', '.join(unknown)}.")
        result = generate_slots(start_date=start, end_date=end, now=timezone.now(), clinicians=chosen, dry_run=dry_run)
        self.stdout.write(generation_summary(result, created=not dry_run))
        for clinician, day in result.closed_days:
            self.stdout.write(f"Closed: {day_label(day)}, {clinician}")
