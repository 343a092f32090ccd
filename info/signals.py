"""Cached information pages go stale when a page is saved or deleted."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clinic.caching import bump_generation
from info.models import Page


@receiver(post_save, sender=Page)
@receiver(post_delete, sender=Page)
def _page_changed(sender, **kwargs):
    # Now, and again after commit (see booking.signals.schedule_changed).
    bump_generation("info")
    transaction.on_commit(lambda: bump_generation("info"), robust=True)
