"""Cached information pages go stale when what they show changes.

The information pages and the home page belong to the "info" generation. Our team and Visiting
us show the schedule's settings (clinicians, weekly hours, closures): they belong to the "slots"
generation, which the booking services bump (``booking.services.slots.schedule_changed``).
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clinic.caching import bump_generation
from info.models import Page, VisitInfo


@receiver(post_save, sender=Page)
@receiver(post_delete, sender=Page)
def _page_changed(sender, **kwargs):
    # Once committed (see booking.services.slots.schedule_changed).
    transaction.on_commit(lambda: bump_generation("info"), robust=True)


@receiver(post_save, sender=VisitInfo)
def _visit_info_changed(sender, **kwargs):
    # Visiting us is cached with the schedule (its opening hours), see the module docstring.
    transaction.on_commit(lambda: bump_generation("slots"), robust=True)
