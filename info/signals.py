"""Cached information pages go stale when a page is saved or deleted."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clinic.caching import bump_generation
from info.models import Page


@receiver(post_save, sender=Page)
@receiver(post_delete, sender=Page)
def _page_changed(sender, **kwargs):
    # Once committed (see booking.services.slots.schedule_changed).
    transaction.on_commit(lambda: bump_generation("info"), robust=True)
