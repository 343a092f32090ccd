"""Cached information pages go stale when what they show changes.

The information pages, the home page, Our team and Visiting us belong to the "info" generation.
Visiting us also shows the opening hours (weekly hours) and the closures.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from booking.models import Closure, WeeklyHours
from clinic.caching import bump_generation
from info.models import Page, VisitInfo


@receiver(post_save, sender=Page)
@receiver(post_delete, sender=Page)
@receiver(post_save, sender=VisitInfo)
@receiver(post_save, sender=WeeklyHours)
@receiver(post_delete, sender=WeeklyHours)
@receiver(post_save, sender=Closure)
@receiver(post_delete, sender=Closure)
def _page_changed(sender, **kwargs):
    # Once committed (see booking.signals.schedule_changed).
    transaction.on_commit(lambda: bump_generation("info"), robust=True)
