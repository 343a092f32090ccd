"""Who did what to a booking: the ``Actor`` of a change, and the events that record it.

Every booking service takes an ``Actor`` and records its change here, in the same transaction
as the change; the admin records reading (views, exports) the same way. Event details never
carry personal data: ids, statuses and times only.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User

from booking.models import Booking, BookingEvent


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the patient (the booking form, their private link), a staff user
    (the admin), or the system (jobs such as retention, and demo data).

    The patient follows every online rule (consent, minimum notice, horizon, the change
    cut-off); staff and the system act for the clinic and may book at short notice and change a
    booking after the cut-off, but never break the rules every booking follows.
    """

    kind: str  # a BookingEvent.ActorKind
    user: User | None = None

    @classmethod
    def patient(cls) -> "Actor":
        return cls(BookingEvent.ActorKind.PATIENT)

    @classmethod
    def staff(cls, user: User) -> "Actor":
        return cls(BookingEvent.ActorKind.STAFF, user)

    @classmethod
    def system(cls) -> "Actor":
        return cls(BookingEvent.ActorKind.SYSTEM)

    @property
    def is_patient(self) -> bool:
        return self.kind == BookingEvent.ActorKind.PATIENT


PATIENT = Actor.patient()
SYSTEM = Actor.system()


def record(booking: Booking, *, action: str, actor: Actor, now: datetime, detail: str = "") -> BookingEvent:
    """``actor`` did ``action`` to ``booking`` at ``now``."""
    return BookingEvent.objects.create(
        booking=booking, at=now, actor_kind=actor.kind, actor_user=actor.user, action=action, detail=detail
    )


def record_many(*, booking_ids: Iterable[int], action: str, actor: Actor, now: datetime, detail: str = "") -> int:
    """``record`` for many bookings at once; returns how many events were written."""
    events = [
        BookingEvent(
            booking_id=booking_id, at=now, actor_kind=actor.kind, actor_user=actor.user, action=action, detail=detail
        )
        for booking_id in booking_ids
    ]
    BookingEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def record_staff_access(*, booking_ids: Iterable[int], action: str, user, now: datetime, detail: str = "") -> int:
    """A staff user looked at or exported these bookings."""
    return record_many(booking_ids=booking_ids, action=action, actor=Actor.staff(user), now=now, detail=detail)
