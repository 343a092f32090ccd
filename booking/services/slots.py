"""Staff changes to slots (add, change, block, delete), and ``schedule_changed``: the one way
every change to what patients can book says so.
"""

from django.db import IntegrityError, transaction

from booking.exceptions import ChangeNotAllowed
from booking.models import Booking, Slot
from clinic.caching import bump_generation

# What staff set on a slot by hand. Never ``booked_count``: only bookings change it, under the
# slot's row lock.
STAFF_FIELDS = ["clinician", "appointment_type", "start", "end", "capacity", "blocked"]
# What the patients of a booked slot were told.
BOOKED_FIELDS = ["clinician_id", "appointment_type_id", "start", "end"]


def schedule_changed() -> None:
    """Free times changed: cached schedule pages go stale once the change commits (at once
    outside a transaction).

    Every service that changes what patients can book calls this once: booking, cancelling,
    moving, generating, adding, changing, blocking and deleting slots; the admin calls it when
    staff change closures, appointment types or clinicians. Bumping before the commit would not
    help: until then other requests still read the old data, and may cache it again under the
    new generation.
    """
    transaction.on_commit(lambda: bump_generation("slots"), robust=True)


def set_slots_blocked(*, slot_ids: list[int], blocked: bool) -> int:
    """Block (or unblock) slots by hand; return how many changed.

    A blocked slot takes no new booking; bookings it already holds stay. Transaction: one
    UPDATE, which takes the rows' locks, so it waits for a ``book_slot`` holding a slot lock and
    the booking sees the new flag when it checks. Free times go stale if any slot changed.
    """
    with transaction.atomic():
        changed = Slot.objects.filter(pk__in=slot_ids).exclude(blocked=blocked).update(blocked=blocked)
        if changed:
            schedule_changed()
    return changed


def save_slot(*, slot: Slot) -> Slot:
    """Add a slot by hand, or save staff's changes to one (``STAFF_FIELDS`` only).

    Transaction: one ``atomic()``. Changing a slot locks its row first, so a booking in flight
    finishes before; then, under the lock: a slot that holds bookings keeps its time, clinician
    and type (its patients were told them), and its capacity stays at least its bookings. Free
    times go stale after commit.

    Raises ``ChangeNotAllowed`` when the slot was booked or deleted meanwhile, or another slot
    of the clinician starts at the same time.
    """
    try:
        with transaction.atomic():
            if slot.pk is None:
                slot.save()
            else:
                current = Slot.objects.select_for_update().filter(pk=slot.pk).first()
                if current is None:
                    raise ChangeNotAllowed("This slot was deleted meanwhile.")
                if current.booked_count and any(
                    getattr(current, name) != getattr(slot, name) for name in BOOKED_FIELDS
                ):
                    raise ChangeNotAllowed(
                        "This slot was booked meanwhile: its time, clinician and type stay as the patient was told."
                    )
                if slot.capacity < current.booked_count:
                    raise ChangeNotAllowed(f"This slot now holds {current.booked_count} booking(s).")
                slot.booked_count = current.booked_count
                slot.save(update_fields=STAFF_FIELDS)
            schedule_changed()
    except IntegrityError as error:
        # The unique (clinician, start): a slot made meanwhile, e.g. by generation.
        raise ChangeNotAllowed(f"{slot.clinician} already has a slot starting at this time.") from error
    return slot


def delete_slots(*, slot_ids: list[int]) -> int:
    """Delete slots that never held a booking; return how many were deleted.

    A slot with bookings (even cancelled ones) stays: bookings are never deleted, and block
    is the way to stop new ones. Transaction: one ``atomic()``; locks the slot rows first, so a
    booking in flight finishes before the check. Free times go stale after commit.

    Raises ``ChangeNotAllowed`` (and deletes nothing) if any of the slots holds a booking.
    """
    with transaction.atomic():
        ids = list(Slot.objects.select_for_update().filter(pk__in=slot_ids).values_list("pk", flat=True))
        if Booking.objects.filter(slot_id__in=ids).exists():
            raise ChangeNotAllowed("A slot that holds bookings cannot be deleted: block it, or move the bookings.")
        deleted, _ = Slot.objects.filter(pk__in=ids).delete()
        if deleted:
            schedule_changed()
    return deleted
