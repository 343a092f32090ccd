"""Erasing patients' personal data: on request (staff) and by age (the retention job)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction

from booking import audit
from booking.audit import SYSTEM, Actor
from booking.models import Booking, BookingEvent, Notification
from clinic.db import checkpoint_erased_data

ANONYMISED_NAME = "Anonymised"
# date_of_birth is required; an erased one holds this placeholder.
ANONYMISED_DATE_OF_BIRTH = date(1900, 1, 1)
ANONYMISE_BATCH = 500


@dataclass
class AnonymiseResult:
    anonymised: int = 0
    already: int = 0
    # Upcoming confirmed bookings are never erased: the clinic would lose the patient's contact.
    refused_upcoming: int = 0


def anonymise_bookings(
    *, booking_ids: list[int], now: datetime, actor: Actor, detail: str = "on request"
) -> AnonymiseResult:
    """Erase the personal data of these bookings (a patient's request): name, contact details,
    date of birth, reason, access needs and cancellation reason. Times, statuses, references and
    events stay. Idempotent: an anonymised booking is counted as ``already``. An upcoming
    confirmed booking is refused (cancel it first). Pending notifications become skipped.

    Transaction: one ``atomic()`` per batch of ``ANONYMISE_BATCH``; locks the batch's booking
    rows, so a concurrent cancel or reschedule of one of them queues behind it. Free times do
    not change: an erased booking keeps its seat, or had none. Afterwards no copy of the erased
    values is left in SQLite's files (``clinic.db.checkpoint_erased_data``).
    """
    result = AnonymiseResult()
    ids = sorted(set(booking_ids))
    for index in range(0, len(ids), ANONYMISE_BATCH):
        _anonymise_batch(ids[index : index + ANONYMISE_BATCH], now=now, actor=actor, detail=detail, result=result)
    checkpoint_erased_data()
    return result


def purge_personal_data(*, older_than: timedelta, now: datetime) -> AnonymiseResult:
    """Anonymise every booking whose appointment started more than ``older_than`` before ``now``
    (the retention job, acting as the system). Idempotent: re-running anonymises nothing new.
    Same transactions as ``anonymise_bookings``; ``already`` counts the old bookings anonymised
    before.
    """
    old = Booking.objects.filter(slot__start__lt=now - older_than)
    result = AnonymiseResult(already=old.filter(anonymised_at__isnull=False).count())
    ids = list(old.filter(anonymised_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    for index in range(0, len(ids), ANONYMISE_BATCH):
        batch = ids[index : index + ANONYMISE_BATCH]
        _anonymise_batch(batch, now=now, actor=SYSTEM, detail="retention", result=result)
    checkpoint_erased_data()
    return result


def _anonymise_batch(ids: list[int], *, now: datetime, actor: Actor, detail: str, result: AnonymiseResult) -> None:
    with transaction.atomic():
        bookings = list(
            Booking.objects.select_for_update(of=("self",)).select_related("slot").filter(pk__in=ids).order_by("pk")
        )
        erase = []
        for booking in bookings:
            if booking.anonymised_at is not None:
                result.already += 1
            elif booking.status == Booking.Status.CONFIRMED and booking.slot.start > now:
                result.refused_upcoming += 1
            else:
                erase.append(booking.pk)
        if not erase:
            return
        Booking.objects.filter(pk__in=erase).update(
            patient_name=ANONYMISED_NAME,
            email="",
            phone="",
            date_of_birth=ANONYMISED_DATE_OF_BIRTH,
            reason="",
            accessibility_needs="",
            cancellation_reason="",
            anonymised_at=now,
        )
        Notification.objects.filter(booking_id__in=erase, status=Notification.Status.PENDING).update(
            status=Notification.Status.SKIPPED
        )
        audit.record_many(
            booking_ids=erase, action=BookingEvent.Action.ANONYMISED, actor=actor, now=now, detail=detail
        )
        result.anonymised += len(erase)
