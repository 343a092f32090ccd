"""Cached public booking pages (appointment types, week views) go stale when the schedule changes."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from booking.models import AppointmentType, Booking, Clinician, Closure, Slot
from clinic.caching import bump_generation

SCHEDULE_MODELS = (AppointmentType, Booking, Clinician, Closure, Slot)


def schedule_changed() -> None:
    """Make cached schedule pages stale once the change is committed (at once outside a transaction).

    Bumping before the commit would not help: until then other requests still read the old
    data, and may cache it again under the new generation.
    """
    transaction.on_commit(lambda: bump_generation("slots"), robust=True)


@receiver(post_save)
@receiver(post_delete)
def _schedule_model_changed(sender, **kwargs):
    if sender in SCHEDULE_MODELS:
        schedule_changed()
