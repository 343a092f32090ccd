"""Taking, moving, freeing and correcting bookings: every change to a booking after the form.

Locks follow the rules in ``booking/services/__init__.py``. Every function takes ``now`` and
the ``Actor`` who makes the change.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F

from booking import audit, notifications
from booking.audit import PATIENT, Actor
from booking.exceptions import (
    BookingError,
    BookingNotFound,
    CallToBook,
    ChangeNotAllowed,
    ConsentRequired,
    PatientKindNotAllowed,
    SlotNotBookable,
    SlotUnavailable,
)
from booking.models import Booking, BookingEvent, Notification, Slot, new_reference
from booking.services.slots import schedule_changed

logger = logging.getLogger(__name__)

REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class PatientDetails:
    name: str
    email: str
    phone: str
    date_of_birth: date
    patient_kind: str
    reason: str = ""
    accessibility_needs: str = ""
    consent: bool = False


@dataclass
class ContactDetails:
    """What staff may correct on a booking: who to reach and how, and access needs."""

    name: str
    email: str
    phone: str
    accessibility_needs: str = ""


# ContactDetails attribute -> Booking field
CONTACT_FIELDS = {
    "name": "patient_name",
    "email": "email",
    "phone": "phone",
    "accessibility_needs": "accessibility_needs",
}


# --- Locks and checks -----------------------------------------------------------------------


def _lock_slot(slot_id: int) -> Slot:
    """The slot, its row locked until commit (PostgreSQL: FOR UPDATE of the slot row only; SQLite:
    the write transaction already excludes every other writer), with what its rules read."""
    try:
        return (
            Slot.objects.select_for_update(of=("self",))
            .select_related("appointment_type", "clinician")
            .get(pk=slot_id)
        )
    except Slot.DoesNotExist:
        raise SlotUnavailable() from None


def _lock_booking(booking_id: int) -> Booking:
    try:
        return Booking.objects.select_for_update(of=("self",)).select_related("slot").get(pk=booking_id)
    except Booking.DoesNotExist:
        raise BookingNotFound() from None


def _check_can_take(slot: Slot, *, now: datetime, actor: Actor, patient_kind: str) -> int:
    """Check that a locked slot can take one more booking; return the lowest free seat.

    The rules come first, so a past or blocked slot says so even when it is also full.
    """
    if actor.is_patient and slot.appointment_type.call_to_book:
        raise CallToBook()  # booked by phone only; staff may book it
    problem = slot.booking_problem(now, staff=not actor.is_patient)
    if problem:
        raise SlotNotBookable(problem)
    if not slot.accepts(patient_kind):
        raise PatientKindNotAllowed()
    if slot.is_full:
        raise SlotUnavailable()
    if slot.booked_count == 0:
        return 1
    taken = set(Booking.objects.active().filter(slot=slot).values_list("seat", flat=True))
    free = [seat for seat in range(1, slot.capacity + 1) if seat not in taken]
    if not free:
        # booked_count disagreed with the bookings: trust the bookings, refuse.
        logger.warning("slot %s has booked_count %s but no free seat", slot.pk, slot.booked_count)
        raise SlotUnavailable()
    return free[0]


def _notify(booking: Booking, *, kind: str, now: datetime) -> None:
    """Write an outbox row in the current transaction; hand it to the sender after commit."""
    notification = Notification.objects.create(
        booking=booking, kind=kind, for_start=booking.slot.start, created_at=now, next_attempt_at=now
    )
    notifications.enqueue_with_transaction(notification.pk)


# --- Booking --------------------------------------------------------------------------------


def book_slot(
    *,
    slot_id: int,
    patient: PatientDetails,
    now: datetime,
    actor: Actor = PATIENT,
    submission_key: str | None = None,
) -> Booking:
    """Book one seat of a slot for a patient.

    The patient booking online follows every rule and must consent. Staff booking for a caller
    (the booking's source is then "staff") may book inside the minimum notice or beyond the
    horizon, but never in the past, in a blocked slot, in a closure, or of an inactive type or
    clinician; the patient-kind rule applies to both.

    ``submission_key`` makes a double submit harmless: the key is unique in the database, and
    a second submit of the same form gets the first booking back instead of a second one (or
    "just taken"), whether it arrives after the first or at the same moment.

    Transaction: one short ``atomic()``. Locks: the slot row only (``select_for_update``),
    taken first and held to commit; every rule is checked under the lock. Writes the booking,
    the slot's ``booked_count`` (``F() + 1``), a "created" event and a pending confirmation
    notification, which is handed to the sender after commit; free times go stale after commit.

    An appointment type that is "call to book" is never booked online (``CallToBook``); staff
    may book it.

    Raises ``SlotUnavailable`` (full, taken meanwhile, gone, lock time-out, constraint),
    ``SlotNotBookable``, ``PatientKindNotAllowed``, ``ConsentRequired``, ``CallToBook``.
    """
    if actor.is_patient and not patient.consent:
        raise ConsentRequired()
    submission_key = submission_key or None
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        reference = new_reference()
        try:
            with transaction.atomic():
                slot = _lock_slot(slot_id)
                try:
                    seat = _check_can_take(slot, now=now, actor=actor, patient_kind=patient.patient_kind)
                except SlotUnavailable:
                    # Full: perhaps by this very form, sent twice. Looked up only here, off the
                    # common path; under the slot lock the first submit has committed by now.
                    earlier = _booking_with_submission_key(submission_key)
                    if earlier is not None:
                        return earlier
                    raise
                booking = Booking.objects.create(
                    slot=slot,
                    seat=seat,
                    reference=reference,
                    patient_name=patient.name,
                    email=patient.email,
                    phone=patient.phone,
                    date_of_birth=patient.date_of_birth,
                    patient_kind=patient.patient_kind,
                    reason=patient.reason,
                    accessibility_needs=patient.accessibility_needs,
                    consent_at=now if patient.consent else None,
                    source=Booking.Source.ONLINE if actor.is_patient else Booking.Source.STAFF,
                    created_at=now,
                    submission_key=submission_key,
                )
                Slot.objects.filter(pk=slot.pk).update(booked_count=F("booked_count") + 1)
                audit.record(booking, action=BookingEvent.Action.CREATED, actor=actor, now=now)
                _notify(booking, kind=Notification.Kind.CONFIRMATION, now=now)
                schedule_changed()
            return booking
        except IntegrityError as error:
            # The same form sent twice into a slot with room for both: the key is unique.
            earlier = _booking_with_submission_key(submission_key)
            if earlier is not None:
                return earlier
            # A reference collision (one in 887 million) is tried again with a new reference;
            # anything else means another transaction won the seat.
            if attempt < REFERENCE_ATTEMPTS and Booking.objects.filter(reference=reference).exists():
                continue
            logger.info("book_slot on slot %s lost: %s", slot_id, type(error).__name__)
            raise SlotUnavailable() from error
        except OperationalError as error:
            # Held too long by another transaction (lock time-out, "database is locked").
            logger.info("book_slot on slot %s lost: %s", slot_id, type(error).__name__)
            raise SlotUnavailable() from error
    raise AssertionError("unreachable")


def _booking_with_submission_key(submission_key: str | None) -> Booking | None:
    if not submission_key:
        return None
    return Booking.objects.filter(submission_key=submission_key).first()


def cancel_booking(
    *,
    booking_id: int,
    now: datetime,
    actor: Actor = PATIENT,
    cancelled_by: str | None = None,
    reason: str = "",
) -> Booking:
    """Cancel a confirmed booking and free its seat at once.

    ``cancelled_by`` is who asked: "patient" or "clinic" (default: the patient when the patient
    acts, else the clinic). The patient acting online must cancel at least the change cut-off
    before the start; staff may cancel a confirmed booking at any time, for the patient (on the
    phone) or for the clinic.

    Transaction: one ``atomic()``. Locks: the booking row. Freeing capacity takes no extra lock:
    the slot's ``booked_count`` is decremented with ``F()``. Bumps ``version`` (old manage links
    die), writes a "cancelled" event and a pending cancellation notification; free times go
    stale after commit.

    Raises ``BookingNotFound``, ``ChangeNotAllowed``, ``BookingError`` (busy, try again).
    """
    if cancelled_by is None:
        cancelled_by = Booking.CancelledBy.PATIENT if actor.is_patient else Booking.CancelledBy.CLINIC
    if actor.is_patient and cancelled_by != Booking.CancelledBy.PATIENT:
        raise ValueError("A patient's own cancellation is cancelled by the patient.")
    try:
        with transaction.atomic():
            booking = _lock_booking(booking_id)
            if booking.status != Booking.Status.CONFIRMED:
                raise ChangeNotAllowed(
                    f"This booking is {booking.get_status_display().lower()} and cannot be cancelled."
                )
            if actor.is_patient and not booking.can_be_changed(now):
                raise ChangeNotAllowed()
            booking.status = Booking.Status.CANCELLED
            booking.cancelled_at = now
            booking.cancelled_by = cancelled_by
            booking.cancelled_by_user = actor.user
            booking.cancellation_reason = reason
            booking.version += 1
            booking.save(
                update_fields=[
                    "status",
                    "cancelled_at",
                    "cancelled_by",
                    "cancelled_by_user",
                    "cancellation_reason",
                    "version",
                ]
            )
            Slot.objects.filter(pk=booking.slot_id).update(booked_count=F("booked_count") - 1)
            audit.record(
                booking, action=BookingEvent.Action.CANCELLED, actor=actor, now=now, detail=f"by {cancelled_by}"
            )
            _notify(booking, kind=Notification.Kind.CANCELLATION, now=now)
            schedule_changed()
    except OperationalError as error:
        logger.info("cancel_booking %s failed: %s", booking_id, type(error).__name__)
        raise BookingError("The booking system is busy. Please try again in a moment.") from error
    return booking


def reschedule_booking(*, booking_id: int, new_slot_id: int, now: datetime, actor: Actor = PATIENT) -> Booking:
    """Move a confirmed booking to another slot: all of it or nothing.

    The patient must move before the change cut-off, to a slot of the same appointment type that
    follows every online rule. Staff may move a booking inside the cut-off and to another type,
    under the staff rules of ``book_slot``.

    Transaction: one ``atomic()``. Locks: the booking row, then the old and new slot rows
    together in id order (never one then the other, so opposite moves cannot deadlock). The new
    slot is checked under its lock exactly as in ``book_slot``; then the booking moves (new
    seat, new slot), ``booked_count`` goes -1 on the old slot and +1 on the new, ``version`` is
    bumped, a "rescheduled" event and a reschedule notification are written, and free times go
    stale after commit.

    Raises ``BookingNotFound``, ``ChangeNotAllowed``, ``SlotUnavailable``, ``SlotNotBookable``,
    ``PatientKindNotAllowed``. On any error nothing has changed.
    """
    try:
        with transaction.atomic():
            booking = _lock_booking(booking_id)
            if booking.status != Booking.Status.CONFIRMED:
                raise ChangeNotAllowed(f"This booking is {booking.get_status_display().lower()} and cannot be moved.")
            if actor.is_patient and not booking.can_be_changed(now):
                raise ChangeNotAllowed()
            old_slot_id = booking.slot_id
            if new_slot_id == old_slot_id:
                raise SlotNotBookable("Your appointment is already at this time.")
            slots = {
                slot.pk: slot
                for slot in Slot.objects.select_for_update(of=("self",))
                .select_related("appointment_type", "clinician")
                .filter(pk__in=[old_slot_id, new_slot_id])
                .order_by("pk")
            }
            new_slot = slots.get(new_slot_id)
            if new_slot is None:
                raise SlotUnavailable()
            old_slot = slots[old_slot_id]
            if actor.is_patient and new_slot.appointment_type_id != old_slot.appointment_type_id:
                raise SlotNotBookable("Please choose a time for the same type of appointment.")
            seat = _check_can_take(new_slot, now=now, actor=actor, patient_kind=booking.patient_kind)
            booking.slot = new_slot
            booking.seat = seat
            booking.version += 1
            booking.save(update_fields=["slot", "seat", "version"])
            Slot.objects.filter(pk=old_slot.pk).update(booked_count=F("booked_count") - 1)
            Slot.objects.filter(pk=new_slot.pk).update(booked_count=F("booked_count") + 1)
            audit.record(
                booking,
                action=BookingEvent.Action.RESCHEDULED,
                actor=actor,
                now=now,
                detail=f"slot {old_slot.pk} -> {new_slot.pk}",
            )
            _notify(booking, kind=Notification.Kind.RESCHEDULE, now=now)
            schedule_changed()
    except (IntegrityError, OperationalError) as error:
        logger.info("reschedule_booking %s to slot %s lost: %s", booking_id, new_slot_id, type(error).__name__)
        raise SlotUnavailable() from error
    return booking


def update_contact_details(
    *, booking_id: int, details: ContactDetails, now: datetime, actor: Actor
) -> tuple[Booking, list[str]]:
    """Correct a booking's name, email, phone or access needs (staff, e.g. after a phone call).

    Transaction: one ``atomic()``. Locks: the booking row. Writes a "details changed" event that
    names the fields changed, never their values. A new email address on a confirmed booking
    still ahead bumps ``version`` (links already sent, perhaps to a wrong address, stop working)
    and queues a confirmation with a fresh link to the new address. Changing nothing writes
    nothing.

    Returns the booking and the model field names changed. Raises ``BookingNotFound``,
    ``ChangeNotAllowed`` for a booking whose personal data was erased, and ``BookingError`` (busy,
    try again).
    """
    try:
        with transaction.atomic():
            booking = _lock_booking(booking_id)
            if booking.anonymised_at is not None:
                raise ChangeNotAllowed("This booking's personal data was erased; there is nothing to correct.")
            changed = [
                column
                for attribute, column in CONTACT_FIELDS.items()
                if getattr(booking, column) != getattr(details, attribute)
            ]
            if not changed:
                return booking, []
            for attribute, column in CONTACT_FIELDS.items():
                setattr(booking, column, getattr(details, attribute))
            update_fields = list(changed)
            new_address = (
                "email" in changed and booking.status == Booking.Status.CONFIRMED and booking.slot.start > now
            )
            if new_address:
                booking.version += 1
                update_fields.append("version")
            booking.save(update_fields=update_fields)
            audit.record(
                booking,
                action=BookingEvent.Action.DETAILS_CHANGED,
                actor=actor,
                now=now,
                detail="changed: " + ", ".join(changed),
            )
            if new_address:
                _notify(booking, kind=Notification.Kind.CONFIRMATION, now=now)
    except OperationalError as error:
        logger.info("update_contact_details %s: %s", booking_id, type(error).__name__)
        raise BookingError("The booking system is busy. Please try again in a moment.") from error
    return booking, changed


def mark_attendance(*, booking_id: int, attended: bool, now: datetime, actor: Actor) -> Booking:
    """Record that the patient came (``attended=True``) or did not (no-show).

    Allowed once the appointment has started, for a confirmed booking or to correct an earlier
    mark. The seat stays taken either way. Transaction: one ``atomic()``; locks the booking row.
    Raises ``BookingNotFound``, ``ChangeNotAllowed``.
    """
    status = Booking.Status.ATTENDED if attended else Booking.Status.NO_SHOW
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        if booking.status == Booking.Status.CANCELLED:
            raise ChangeNotAllowed("A cancelled booking cannot be marked as attended or missed.")
        if booking.slot.start > now:
            raise ChangeNotAllowed("Attendance can be recorded once the appointment has started.")
        if booking.status != status:
            previous = booking.status
            booking.status = status
            booking.save(update_fields=["status"])
            audit.record(
                booking,
                action=BookingEvent.Action.ATTENDED if attended else BookingEvent.Action.NO_SHOW,
                actor=actor,
                now=now,
                detail=f"{previous} -> {status}",
            )
    return booking


def nearest_free_slots(*, slot: Slot, now: datetime, limit: int = 3) -> list[Slot]:
    """The ``limit`` bookable slots of the same type nearest in time to ``slot``, nearest first.

    For "this time has just been taken; how about one of these?". Read only, no locks.
    """
    candidates = (
        Slot.objects.bookable(now)
        .for_type(slot.appointment_type_id)
        .exclude(pk=slot.pk)
        .select_related("clinician", "appointment_type")
    )
    later = list(candidates.filter(start__gte=slot.start).order_by("start", "pk")[:limit])
    earlier = list(candidates.filter(start__lt=slot.start).order_by("-start", "-pk")[:limit])
    nearest = sorted(later + earlier, key=lambda other: (abs(other.start - slot.start), other.start))
    return nearest[:limit]
