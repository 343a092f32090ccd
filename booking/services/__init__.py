"""The booking services: every write that must be race-safe or that changes what patients can
book. Views, the admin, commands and jobs call these, never the ORM directly for such writes.

- ``bookings``: book, cancel, move, correct contact details, mark attendance.
- ``slots``: staff add, change, block and delete slots; ``schedule_changed``.
- ``generation``: slots from weekly hours minus closures.
- ``retention``: erase personal data, on request and by age.

Locking rules (after pretix): lock what becomes scarcer, lock late, lock once per transaction,
and never lock only to free capacity.

- Taking a seat (``book_slot``, the new slot of ``reschedule_booking``) locks the slot row with
  ``select_for_update`` and checks every rule under the lock. The partial unique constraint on
  (slot, seat) of active bookings, and the check that ``booked_count`` stays within capacity,
  are the last line of defence if the lock is ever bypassed.
- Changing a booking locks the booking row first, so two changes of one booking queue up.
  ``reschedule_booking`` then locks its old and new slot together, in id order, so that two
  reschedules in opposite directions cannot deadlock.
- Freeing a seat is a plain ``F()`` update of the slot row: no extra lock is taken for it.
- On PostgreSQL every connection has a short ``lock_timeout`` (``DB_LOCK_TIMEOUT`` in settings);
  on SQLite transactions queue on the writer lock and open with BEGIN IMMEDIATE (see
  ``clinic/sqlite3``). Lock time-outs and constraint violations become domain errors
  (``booking/exceptions.py``), never a 500.

Every function takes ``now`` (tests pass the time, nothing reads the clock here) and, where
someone makes a change, the ``booking.audit.Actor`` who makes it. Each service that changes
free times says so once, through ``schedule_changed``.
"""

from booking.audit import Actor
from booking.services.bookings import (
    ContactDetails,
    PatientDetails,
    book_slot,
    cancel_booking,
    mark_attendance,
    nearest_free_slots,
    reschedule_booking,
    update_contact_details,
)
from booking.services.generation import GenerationResult, generate_slots
from booking.services.retention import AnonymiseResult, anonymise_bookings, purge_personal_data
from booking.services.slots import delete_slots, save_slot, schedule_changed, set_slots_blocked

__all__ = [
    "Actor",
    "AnonymiseResult",
    "ContactDetails",
    "GenerationResult",
    "PatientDetails",
    "anonymise_bookings",
    "book_slot",
    "cancel_booking",
    "delete_slots",
    "generate_slots",
    "mark_attendance",
    "nearest_free_slots",
    "purge_personal_data",
    "reschedule_booking",
    "save_slot",
    "schedule_changed",
    "set_slots_blocked",
    "update_contact_details",
]
