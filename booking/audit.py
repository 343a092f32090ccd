"""The staff audit trail: who looked at or exported which booking, and when.

Changes (booked, cancelled, moved, attendance, erased) are recorded by booking.services in the
same transaction as the change; this module records reading. Event details never carry
personal data: ids, statuses and times only.
"""

from collections.abc import Iterable
from datetime import datetime

from booking.models import BookingEvent


def record_staff_access(*, booking_ids: Iterable[int], action: str, user, now: datetime, detail: str = "") -> int:
    events = [
        BookingEvent(
            booking_id=booking_id,
            at=now,
            actor_user=user,
            actor_kind=BookingEvent.ActorKind.STAFF,
            action=action,
            detail=detail,
        )
        for booking_id in booking_ids
    ]
    BookingEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)
