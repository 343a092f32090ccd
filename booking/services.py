"""Every booking write that must be race-safe.

Locking rules (after pretix): lock what becomes scarcer, lock late, lock once per transaction,
and never lock only to free capacity.

- Taking a seat (``book_slot``, the new slot of ``reschedule_booking``) locks the slot row with
  ``select_for_update`` and re-checks everything under the lock. The partial unique constraint
  on (slot, seat) of active bookings is the last line of defence if the lock is ever bypassed.
- Changing a booking locks the booking row first, so two changes of one booking queue up.
  ``reschedule_booking`` then locks its old and new slot together, in id order, so that two
  reschedules in opposite directions cannot deadlock.
- Freeing a seat is a plain ``F()`` update of the slot row: no extra lock is taken for it.
- On PostgreSQL every connection has a short ``lock_timeout`` (``DB_LOCK_TIMEOUT`` in settings);
  on SQLite the connection opens transactions with BEGIN IMMEDIATE (see settings), which
  serialises writers with a busy timeout.
  Lock time-outs and constraint violations become domain errors, never a 500.

Every function takes ``now``: tests pass the time, nothing reads the clock here.
"""

import bisect
import functools
import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from booking import notifications
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
from booking.models import (
    AppointmentType,
    Booking,
    BookingEvent,
    Clinician,
    Closure,
    Notification,
    Slot,
    WeeklyHours,
    clinic_tz,
    new_reference,
    slot_booking_problem,
)
from booking.signals import schedule_changed

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
class GenerationResult:
    created: int = 0
    existing: int = 0
    skipped_closed: int = 0
    skipped_overlap: int = 0
    # (clinician, date) pairs where the clinician had hours but a closure removed every slot.
    closed_days: list[tuple[Clinician, date]] = field(default_factory=list)


# --- Helpers ------------------------------------------------------------------------------


def _lock_booking(booking_id: int) -> Booking:
    try:
        return Booking.objects.select_for_update(of=("self",)).select_related("slot").get(pk=booking_id)
    except Booking.DoesNotExist:
        raise BookingNotFound() from None


def _check_can_take(slot: "Slot | LockedSlot", *, now: datetime, staff: bool, patient_kind: str) -> int:
    """Check a locked slot can take one more booking; return the lowest free seat."""
    problem = slot.booking_problem(now, staff=staff)
    if problem:
        raise SlotNotBookable(problem)
    if not slot.accepts(patient_kind):
        raise PatientKindNotAllowed()
    if slot.is_full:
        raise SlotUnavailable()
    if slot.booked_count == 0:
        return 1
    taken = set(Booking.objects.active().filter(slot_id=slot.pk).values_list("seat", flat=True))
    free = [seat for seat in range(1, slot.capacity + 1) if seat not in taken]
    if not free:
        # booked_count disagreed with the bookings: trust the bookings, refuse.
        logger.warning("slot %s has booked_count %s but no free seat", slot.pk, slot.booked_count)
        raise SlotUnavailable()
    return free[0]


def _event(booking: Booking, *, action: str, now: datetime, by_staff: bool, user, detail: str = "") -> BookingEvent:
    return BookingEvent(
        booking=booking,
        at=now,
        actor_user=user,
        actor_kind=BookingEvent.ActorKind.STAFF if by_staff else BookingEvent.ActorKind.PATIENT,
        action=action,
        detail=detail,
    )


def _record(booking: Booking, *, action: str, now: datetime, by_staff: bool, user, detail: str = "") -> None:
    _insert_row(_event(booking, action=action, now=now, by_staff=by_staff, user=user, detail=detail))


def _notification(booking: Booking, *, kind: str, now: datetime, for_start: datetime | None = None) -> Notification:
    """An outbox row; ``for_start`` is the appointment's start (default: read from ``booking.slot``)."""
    return Notification(
        booking=booking,
        kind=kind,
        for_start=for_start or booking.slot.start,
        created_at=now,
        next_attempt_at=now,
    )


def _notify(booking: Booking, *, kind: str, now: datetime, for_start: datetime | None = None) -> None:
    """Write an outbox row in the current transaction; hand it to the sender after commit."""
    notification = _notification(booking, kind=kind, now=now, for_start=for_start)
    _insert_row(notification)
    notifications.enqueue_with_transaction(notification.pk)


# --- Plain SQL for the booking path ---------------------------------------------------------
#
# ``book_slot`` runs once per online booking, and there the ORM's query building cost more CPU
# than the database work itself: 3.8 of the 4.8 ms of CPU a booking request took with the ORM.
# So the booking path counts the booking into its slot and reads the slot's facts with one
# hand-written UPDATE, and inserts rows with SQL built once per model from the model's own
# fields; on PostgreSQL the booking, its event and its notification go in one statement. The
# SQL runs on PostgreSQL and SQLite, and the tests run it on both. Everything else uses the ORM.


@functools.cache
def _insert_parts(model: type) -> tuple[str, tuple, tuple[str, ...]]:
    """(quoted table, fields, quoted columns) of an INSERT of every column but the primary key."""
    meta = model._meta
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    return quote(meta.db_table), fields, tuple(quote(field.column) for field in fields)


@functools.cache
def _insert_sql(model: type, *, parent: str | None = None) -> str:
    """INSERT ... RETURNING the primary key, values as parameters. With ``parent`` (the name of a
    CTE that inserted a booking), the foreign key to the booking takes the id that CTE returned."""
    table, fields, columns = _insert_parts(model)
    from_parent = f"(SELECT id FROM {parent})" if parent else None  # noqa: S608  # nosec B608
    values = ", ".join(from_parent if parent and _is_booking_key(field) else "%s" for field in fields)
    pk = connection.ops.quote_name(model._meta.pk.column)
    # Names from the model's metadata, values as parameters: nothing here comes from a request.
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) RETURNING {pk}"  # noqa: S608  # nosec B608


def _is_booking_key(field) -> bool:
    return field.is_relation and field.related_model is Booking


def _values(instance, *, skip_booking: bool = False) -> list:
    """The INSERT parameters of ``instance``, each prepared by its field for this database."""
    _, fields, _ = _insert_parts(type(instance))
    return [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in fields
        if not (skip_booking and _is_booking_key(field))
    ]


def _stored(instance, pk: int) -> None:
    # As Model.save_base does after an insert: the instance now stands for a stored row.
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def _insert_row(instance) -> None:
    """Insert a new model instance as ``instance.save()`` would: every column, the model's
    defaults, each value prepared by its field for this database; then set its primary key.
    Sends no ``pre_save``/``post_save`` signals.
    """
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(type(instance)), _values(instance))
        _stored(instance, cursor.fetchone()[0])


@functools.cache
def _booking_with_rows_sql() -> str:
    """One PostgreSQL statement for a booking and the rows that point at it (an event and a
    notification): data-modifying CTEs, which always run, once, whatever the SELECT reads."""
    booking, event, notification = (
        _insert_sql(Booking),
        _insert_sql(BookingEvent, parent="booking"),
        _insert_sql(Notification, parent="booking"),
    )
    ids = "SELECT (SELECT id FROM booking), (SELECT id FROM event), (SELECT id FROM notification)"
    return f"WITH booking AS ({booking}), event AS ({event}), notification AS ({notification}) {ids}"


def _insert_booking_with_rows(booking: Booking, event: BookingEvent, notification: Notification) -> None:
    """Insert a new booking with its first event and notification, as ``_insert_row`` would
    insert each: in one statement on PostgreSQL (one round trip, not three), else one by one."""
    if connection.vendor != "postgresql":
        _insert_row(booking)
        event.booking_id = notification.booking_id = booking.pk
        _insert_row(event)
        _insert_row(notification)
        return
    values = [*_values(booking), *_values(event, skip_booking=True), *_values(notification, skip_booking=True)]
    with connection.cursor() as cursor:
        cursor.execute(_booking_with_rows_sql(), values)
        booking_id, event_id, notification_id = cursor.fetchone()
    _stored(booking, booking_id)
    event.booking_id = notification.booking_id = booking_id
    _stored(event, event_id)
    _stored(notification, notification_id)


# What the booking rules need to know of a slot (see LockedSlot), as SQL over the slot's row:
# whether its type and clinician are active, which patients its type takes, and whether a closure
# of the whole clinic or of its clinician overlaps it (as Closure.objects.affecting().overlapping()).
# Correlated subqueries rather than joins, because SQLite's RETURNING cannot name joined tables.
SLOT_FACTS_SQL = """
    booking_slot.start, booking_slot.capacity, booking_slot.booked_count, booking_slot.blocked,
    (SELECT t.active FROM booking_appointmenttype t WHERE t.id = booking_slot.appointment_type_id)
        AND (SELECT c.active FROM booking_clinician c WHERE c.id = booking_slot.clinician_id),
    (SELECT t.patient_kind FROM booking_appointmenttype t WHERE t.id = booking_slot.appointment_type_id),
    EXISTS (
        SELECT 1 FROM booking_closure z
        WHERE (z.clinician_id IS NULL OR z.clinician_id = booking_slot.clinician_id)
            AND z.starts_at < booking_slot."end" AND z.ends_at > booking_slot.start
    )
"""
# Count one more booking in the slot if it has room: the statement that takes the row lock on
# the common path. It returns the facts after the update; no row: full, or no such slot.
# (Both statements are made of constants only.)
TAKE_ROOM_SQL = "\n".join(
    (
        "UPDATE booking_slot SET booked_count = booked_count + 1",
        "WHERE booking_slot.id = %s AND booking_slot.booked_count < booking_slot.capacity",
        "RETURNING" + SLOT_FACTS_SQL,
    )
)
LOCK_SLOT_SQL = "\n".join(("SELECT" + SLOT_FACTS_SQL, "FROM booking_slot WHERE booking_slot.id = %s"))


@dataclass(frozen=True)
class LockedSlot:
    """A slot locked for booking, with what its rules need. Same checks as ``Slot``."""

    pk: int
    start: datetime
    capacity: int
    booked_count: int
    blocked: bool
    offered: bool
    patient_kind_rule: str
    closed: bool

    @classmethod
    def from_row(cls, pk: int, row) -> "LockedSlot":
        start, capacity, booked_count, blocked, offered, patient_kind_rule, closed = row
        if isinstance(start, str):  # SQLite gives RETURNING columns untyped
            start = datetime.fromisoformat(start)
        if timezone.is_naive(start):  # SQLite stores UTC without an offset
            start = start.replace(tzinfo=UTC)
        return cls(
            pk=pk,
            start=start,
            capacity=capacity,
            booked_count=booked_count,
            blocked=bool(blocked),
            offered=bool(offered),
            patient_kind_rule=patient_kind_rule,
            closed=bool(closed),
        )

    @property
    def is_full(self) -> bool:
        return self.booked_count >= self.capacity

    def booking_problem(self, now: datetime, *, staff: bool = False) -> str | None:
        return slot_booking_problem(
            start=self.start,
            blocked=self.blocked,
            offered=self.offered,
            closed=lambda: self.closed,
            now=now,
            staff=staff,
        )

    def accepts(self, patient_kind: str) -> bool:
        return AppointmentType.rule_accepts(self.patient_kind_rule, patient_kind)


def _slot_query(sql: str, slot_id: int) -> LockedSlot | None:
    low, high = connection.ops.integer_field_range(Slot._meta.pk.get_internal_type())
    if not low <= slot_id <= high:  # no such row, and too big for the database to be asked
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, [slot_id])
        row = cursor.fetchone()
    return None if row is None else LockedSlot.from_row(slot_id, row)


def _take_room(slot_id: int) -> LockedSlot | None:
    """Add one to the slot's ``booked_count`` if it has room, locking its row until commit, and
    return the slot as it was before; ``None`` if it is full or does not exist. The caller checks
    the rules and rolls back if they refuse."""
    slot = _slot_query(TAKE_ROOM_SQL, slot_id)
    return None if slot is None else replace(slot, booked_count=slot.booked_count - 1)


def _lock_slot(slot_id: int) -> LockedSlot:
    """Lock a slot row until commit (PostgreSQL: FOR UPDATE; SQLite: the write transaction
    already excludes every other writer) and read its facts. Raises ``SlotUnavailable`` if the
    slot does not exist."""
    lock = " FOR UPDATE OF booking_slot" if connection.features.has_select_for_update_of else ""
    slot = _slot_query(LOCK_SLOT_SQL + lock, slot_id)
    if slot is None:
        raise SlotUnavailable()
    return slot


# --- Booking ------------------------------------------------------------------------------


def book_slot(
    *,
    slot_id: int,
    patient: PatientDetails,
    now: datetime,
    source: str = Booking.Source.ONLINE,
    staff_user: AbstractBaseUser | None = None,
    submission_key: str | None = None,
) -> Booking:
    """Book one seat of a slot for a patient.

    ``submission_key`` makes a double submit harmless: the key is unique in the database, and
    a second submit of the same form gets the first booking back instead of a second one (or
    "just taken"), whether it arrives after the first or at the same moment.

    Transaction: one short ``atomic()``. Locks: the slot row only, taken first and held to
    commit: the conditional UPDATE that counts the booking in (``_take_room``), or, when that
    finds no room, ``_lock_slot``. Every rule is checked under the lock, and a refusal rolls
    the count back. Writes the slot's ``booked_count`` (+1), the booking, a "created" event and
    a pending confirmation notification; the notification is handed to the sender after commit.
    Plain SQL (see above): four statements between BEGIN and COMMIT on the common path.

    Online bookings follow every rule. Staff bookings (``source="staff"``) may be inside the
    minimum notice or beyond the horizon, but never in the past, in a blocked slot, in a
    closure, or of an inactive type; the patient-kind rule applies to both.

    An appointment type that is "call to book" is never booked online (``CallToBook``, checked
    before the transaction: the flag is staff configuration, not a race); staff may book it.

    Raises ``SlotUnavailable`` (full, taken meanwhile, gone, lock time-out, constraint),
    ``SlotNotBookable``, ``PatientKindNotAllowed``, ``ConsentRequired``, ``CallToBook``.
    """
    staff = source == Booking.Source.STAFF
    if not staff and not patient.consent:
        raise ConsentRequired()
    if not staff and _is_call_to_book(slot_id):
        raise CallToBook()
    submission_key = submission_key or None
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        reference = new_reference()
        try:
            with transaction.atomic():
                # Common path: one statement counts the booking in and locks the slot; if a rule
                # refuses below, the rollback takes the count back out.
                slot = _take_room(slot_id)
                counted = slot is not None
                if not counted:  # full or gone (or freed since): look under the lock, then count
                    slot = _lock_slot(slot_id)
                try:
                    seat = _check_can_take(slot, now=now, staff=staff, patient_kind=patient.patient_kind)
                except SlotUnavailable:
                    # Full: perhaps by this very form, sent twice. Looked up only here, off the
                    # common path; under the slot lock the first submit has committed by now.
                    earlier = _booking_with_submission_key(submission_key)
                    if earlier is not None:
                        return earlier
                    raise
                if not counted:
                    Slot.objects.filter(pk=slot_id).update(booked_count=F("booked_count") + 1)
                booking = _new_booking(
                    slot_id=slot_id,
                    seat=seat,
                    patient=patient,
                    now=now,
                    source=source,
                    reference=reference,
                    submission_key=submission_key,
                )
                notification = _notification(
                    booking, kind=Notification.Kind.CONFIRMATION, now=now, for_start=slot.start
                )
                _insert_booking_with_rows(
                    booking,
                    _event(booking, action=BookingEvent.Action.CREATED, now=now, by_staff=staff, user=staff_user),
                    notification,
                )
                notifications.enqueue_with_transaction(notification.pk)
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


def _is_call_to_book(slot_id: int) -> bool:
    """Is this slot of an appointment type booked by phone only? (No such slot: no.)"""
    low, high = connection.ops.integer_field_range(Slot._meta.pk.get_internal_type())
    return low <= slot_id <= high and AppointmentType.objects.filter(slots=slot_id, call_to_book=True).exists()


def _booking_with_submission_key(submission_key: str | None) -> Booking | None:
    if not submission_key:
        return None
    return Booking.objects.filter(submission_key=submission_key).first()


def _new_booking(
    *, slot_id: int, seat: int, patient: PatientDetails, now: datetime, source: str, reference: str, submission_key
) -> Booking:
    booking = Booking(
        slot_id=slot_id,
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
        source=source,
        created_at=now,
        submission_key=submission_key,
    )
    return booking


def cancel_booking(
    *,
    booking_id: int,
    now: datetime,
    by: str,
    reason: str = "",
    staff_user: AbstractBaseUser | None = None,
    enforce_cutoff: bool = True,
) -> Booking:
    """Cancel a confirmed booking and free its seat at once.

    ``by`` is "patient" or "clinic". A patient's cancellation must be at least the change
    cut-off before the start, unless ``enforce_cutoff`` is False (staff acting for a patient on
    the phone). The clinic may always cancel a confirmed booking.

    Transaction: one ``atomic()``. Locks: the booking row. Freeing capacity takes no extra lock:
    the slot's ``booked_count`` is decremented with ``F()``. Bumps ``version`` (old manage links
    die), writes a "cancelled" event and a pending cancellation notification.

    Raises ``BookingNotFound``, ``ChangeNotAllowed``, ``BookingError`` (busy, try again).
    """
    try:
        with transaction.atomic():
            booking = _lock_booking(booking_id)
            if booking.status != Booking.Status.CONFIRMED:
                raise ChangeNotAllowed(
                    f"This booking is {booking.get_status_display().lower()} and cannot be cancelled."
                )
            if by == Booking.CancelledBy.PATIENT and enforce_cutoff and not booking.can_be_changed(now):
                raise ChangeNotAllowed()
            booking.status = Booking.Status.CANCELLED
            booking.cancelled_at = now
            booking.cancelled_by = by
            booking.cancelled_by_user = staff_user
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
            _record(
                booking,
                action=BookingEvent.Action.CANCELLED,
                now=now,
                by_staff=staff_user is not None or by == Booking.CancelledBy.CLINIC,
                user=staff_user,
                detail=f"by {by}",
            )
            _notify(booking, kind=Notification.Kind.CANCELLATION, now=now)
    except OperationalError as error:
        logger.info("cancel_booking %s failed: %s", booking_id, type(error).__name__)
        raise BookingError("The booking system is busy. Please try again in a moment.") from error
    return booking


def reschedule_booking(
    *,
    booking_id: int,
    new_slot_id: int,
    now: datetime,
    by: str = "patient",
    staff_user: AbstractBaseUser | None = None,
    enforce_cutoff: bool = True,
) -> Booking:
    """Move a confirmed booking to another slot: all of it or nothing.

    ``by`` is "patient" or "clinic". A patient must move before the change cut-off (unless
    ``enforce_cutoff`` is False) to a slot of the same appointment type that follows every
    online rule; the clinic may move inside the cut-off, to another type, and uses the staff
    rules of ``book_slot``.

    Transaction: one ``atomic()``. Locks: the booking row, then the old and new slot rows
    together in id order (never one then the other, so opposite moves cannot deadlock). The new
    slot is checked under its lock exactly as in ``book_slot``; then the booking moves (new
    seat, new slot), ``booked_count`` goes -1 on the old slot and +1 on the new, ``version`` is
    bumped, and a "rescheduled" event and a reschedule notification are written.

    Raises ``BookingNotFound``, ``ChangeNotAllowed``, ``SlotUnavailable``, ``SlotNotBookable``,
    ``PatientKindNotAllowed``. On any error nothing has changed.
    """
    staff = by == Booking.CancelledBy.CLINIC
    try:
        with transaction.atomic():
            booking = _lock_booking(booking_id)
            if booking.status != Booking.Status.CONFIRMED:
                raise ChangeNotAllowed(f"This booking is {booking.get_status_display().lower()} and cannot be moved.")
            if not staff and enforce_cutoff and not booking.can_be_changed(now):
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
            if not staff and new_slot.appointment_type_id != old_slot.appointment_type_id:
                raise SlotNotBookable("Please choose a time for the same type of appointment.")
            seat = _check_can_take(new_slot, now=now, staff=staff, patient_kind=booking.patient_kind)
            booking.slot = new_slot
            booking.seat = seat
            booking.version += 1
            booking.save(update_fields=["slot", "seat", "version"])
            Slot.objects.filter(pk=old_slot.pk).update(booked_count=F("booked_count") - 1)
            Slot.objects.filter(pk=new_slot.pk).update(booked_count=F("booked_count") + 1)
            _record(
                booking,
                action=BookingEvent.Action.RESCHEDULED,
                now=now,
                by_staff=staff or staff_user is not None,
                user=staff_user,
                detail=f"slot {old_slot.pk} -> {new_slot.pk}",
            )
            _notify(booking, kind=Notification.Kind.RESCHEDULE, now=now)
    except (IntegrityError, OperationalError) as error:
        logger.info("reschedule_booking %s to slot %s lost: %s", booking_id, new_slot_id, type(error).__name__)
        raise SlotUnavailable() from error
    return booking


@dataclass
class ContactDetails:
    """What staff may correct on a booking: who to reach and how, and access needs."""

    name: str
    email: str
    phone: str
    accessibility_needs: str = ""


CONTACT_FIELDS = {
    "name": "patient_name",
    "email": "email",
    "phone": "phone",
    "accessibility_needs": "accessibility_needs",
}


def update_contact_details(
    *, booking_id: int, details: ContactDetails, now: datetime, staff_user: AbstractBaseUser | None
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
            _record(
                booking,
                action=BookingEvent.Action.DETAILS_CHANGED,
                now=now,
                by_staff=True,
                user=staff_user,
                detail="changed: " + ", ".join(changed),
            )
            if new_address:
                _notify(booking, kind=Notification.Kind.CONFIRMATION, now=now)
    except OperationalError as error:
        logger.info("update_contact_details %s: %s", booking_id, type(error).__name__)
        raise BookingError("The booking system is busy. Please try again in a moment.") from error
    return booking, changed


def mark_attendance(*, booking_id: int, attended: bool, now: datetime, staff_user: AbstractBaseUser | None) -> Booking:
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
            _record(
                booking,
                action=BookingEvent.Action.ATTENDED if attended else BookingEvent.Action.NO_SHOW,
                now=now,
                by_staff=True,
                user=staff_user,
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


# --- Slot generation ----------------------------------------------------------------------


class _BusyTimes:
    """The intervals one clinician is already booked out for, for fast overlap checks."""

    def __init__(self):
        self.starts: list[datetime] = []
        self.intervals: list[tuple[datetime, datetime]] = []
        self.longest = timedelta(0)

    def add(self, start: datetime, end: datetime) -> None:
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.intervals.insert(index, (start, end))
        self.longest = max(self.longest, end - start)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # Only intervals starting in (start - longest, end) can overlap [start, end).
        low = bisect.bisect_right(self.starts, start - self.longest)
        high = bisect.bisect_left(self.starts, end)
        return any(other_start < end and start < other_end for other_start, other_end in self.intervals[low:high])


def _local_to_utc(wall: datetime, tz) -> datetime | None:
    """Clinic wall-clock time to aware UTC; ``None`` if the wall time does not exist (DST gap).

    An ambiguous wall time (the repeated hour in autumn) takes its first occurrence (fold=0).
    """
    aware = wall.replace(tzinfo=tz, fold=0)
    in_utc = aware.astimezone(UTC)
    if in_utc.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return in_utc


def generate_slots(
    *,
    start_date: date,
    end_date: date,
    now: datetime,
    clinicians: list[Clinician] | None = None,
    dry_run: bool = False,
) -> GenerationResult:
    """Create slots from the weekly hours valid on each day from ``start_date`` to ``end_date``
    (both included), minus closures (whole clinic or the clinician's), in clinic local time.

    Each hours range is cut into slots of its appointment type's duration, stepping by duration
    plus buffer; a 09:00 start stays 09:00 local across DST changes; a local time that does not
    exist is skipped and an ambiguous one takes its first occurrence. Slots starting before
    ``now`` are never made. Idempotent: a slot that exists (same clinician and start) or would
    overlap one of the clinician's slots is not created, so re-running creates nothing.
    Only active clinicians (of those given) and active appointment types are generated.

    Transaction: one ``atomic()``. Locks: the clinicians' rows (FOR NO KEY UPDATE, which does not
    block bookings), so two generation runs for one clinician queue instead of racing; then one
    query loads the existing slots, the plan is computed in Python and written with
    ``bulk_create``. ``dry_run`` computes the same result and writes nothing (no locks).
    """
    tz = clinic_tz()
    result = GenerationResult()
    with transaction.atomic():
        clinician_qs = Clinician.objects.filter(active=True).order_by("pk")
        if clinicians is not None:
            clinician_qs = clinician_qs.filter(pk__in=[clinician.pk for clinician in clinicians])
        if not dry_run:
            clinician_qs = clinician_qs.select_for_update(no_key=True)
        by_id = {clinician.pk: clinician for clinician in clinician_qs}

        range_start = datetime.combine(start_date, time(0), tzinfo=tz)
        range_end = datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=tz)
        margin = timedelta(days=1)
        hours = list(
            WeeklyHours.objects.filter(clinician_id__in=by_id, appointment_type__active=True, valid_from__lte=end_date)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start_date))
            .select_related("appointment_type")
            .order_by("clinician_id", "weekday", "start_time")
        )
        closures = defaultdict(list)  # clinician id or None -> [(start, end)]
        for closure in Closure.objects.overlapping(range_start - margin, range_end + margin).filter(
            Q(clinician__isnull=True) | Q(clinician_id__in=by_id)
        ):
            closures[closure.clinician_id].append((closure.starts_at, closure.ends_at))
        busy = defaultdict(_BusyTimes)
        existing_starts = set()
        for clinician_id, start, end in Slot.objects.filter(
            clinician_id__in=by_id, start__lt=range_end + margin, end__gt=range_start - margin
        ).values_list("clinician_id", "start", "end"):
            busy[clinician_id].add(start, end)
            existing_starts.add((clinician_id, start))

        hours_by_day = defaultdict(list)  # (clinician id, weekday) -> hours rows
        for row in hours:
            hours_by_day[row.clinician_id, row.weekday].append(row)

        planned = []
        day = start_date
        while day <= end_date:
            # Only the closures touching this day (with a margin for DST) matter for its slots.
            day_start, day_end = (
                datetime.combine(day, time(0), tzinfo=tz) - margin,
                datetime.combine(day, time(0), tzinfo=tz) + 2 * margin,
            )
            closed_today = {
                owner: [(s, e) for s, e in spans if s < day_end and day_start < e] for owner, spans in closures.items()
            }
            for clinician_id in by_id:
                outcome = _plan_day(
                    day=day,
                    hours=[h for h in hours_by_day[clinician_id, day.weekday()] if _valid_on(h, day)],
                    clinician_id=clinician_id,
                    closed=closed_today.get(None, []) + closed_today.get(clinician_id, []),
                    busy=busy[clinician_id],
                    existing_starts=existing_starts,
                    now=now,
                    tz=tz,
                    result=result,
                )
                planned.extend(outcome.slots)
                if outcome.all_closed:
                    result.closed_days.append((by_id[clinician_id], day))
            day += timedelta(days=1)

        result.created = len(planned)
        if not dry_run and planned:
            _insert_slots(planned, now=now)
            schedule_changed()  # a plain INSERT sends no signals: cached week views go stale here
    return result


def _insert_slots(planned: list[tuple[int, int, datetime, datetime]], *, now: datetime) -> None:
    """Write (clinician id, type id, start, end) rows with one prepared INSERT run many times.

    A year of slots for a clinic network is some 80,000 rows: building model instances for
    ``bulk_create`` took most of the time, so the rows go straight to the driver, with each
    value adapted by the backend exactly as the ORM would.
    """
    ops = connection.ops
    fields = [Slot._meta.get_field(name) for name in ("clinician", "appointment_type", "start", "end")]
    fields += [Slot._meta.get_field(name) for name in ("capacity", "blocked", "booked_count", "created_at")]
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's bulk path: an order of magnitude faster than row-by-row INSERTs.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {ops.quote_name(Slot._meta.db_table)} ({columns}) FROM STDIN") as copy,
        ):
            for clinician_id, type_id, start, end in planned:
                copy.write_row((clinician_id, type_id, start, end, 1, False, 0, now))
        return
    placeholders = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model and are quoted; every value is a parameter.
    sql = f"INSERT INTO {ops.quote_name(Slot._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
    created_at = ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (
                    clinician_id,
                    type_id,
                    ops.adapt_datetimefield_value(start),
                    ops.adapt_datetimefield_value(end),
                    1,
                    False,
                    0,
                    created_at,
                )
                for clinician_id, type_id, start, end in planned
            ],
        )


def _valid_on(hours: WeeklyHours, day: date) -> bool:
    return (
        hours.weekday == day.weekday()
        and hours.valid_from <= day
        and (hours.valid_until is None or hours.valid_until >= day)
    )


@dataclass
class _DayPlan:
    slots: list[tuple[int, int, datetime, datetime]]  # (clinician id, type id, start, end)
    all_closed: bool


def _plan_day(
    *, day, hours, clinician_id, closed, busy, existing_starts, now, tz, result: GenerationResult
) -> _DayPlan:
    slots = []
    candidates = 0
    closed_count = 0
    for row in hours:
        appointment_type = row.appointment_type
        duration, step = appointment_type.duration, appointment_type.step
        wall = datetime.combine(day, row.start_time)
        wall_end = datetime.combine(day, row.end_time)
        while wall + duration <= wall_end:
            start = _local_to_utc(wall, tz)
            wall += step
            if start is None or start < now:
                continue
            end = start + duration
            candidates += 1
            if any(closed_start < end and start < closed_end for closed_start, closed_end in closed):
                closed_count += 1
                result.skipped_closed += 1
                continue
            if (clinician_id, start) in existing_starts:
                result.existing += 1
                continue
            if busy.overlaps(start, end):
                result.skipped_overlap += 1
                continue
            busy.add(start, end)
            slots.append((clinician_id, appointment_type.pk, start, end))
    return _DayPlan(slots=slots, all_closed=candidates > 0 and closed_count == candidates)


# --- Staff: blocking slots, erasing personal data -------------------------------------------

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


def set_slots_blocked(*, slot_ids: list[int], blocked: bool) -> int:
    """Block (or unblock) slots by hand; return how many changed.

    A blocked slot takes no new booking; bookings it already holds stay. Transaction: one
    UPDATE, which takes the rows' locks, so it waits for a ``book_slot`` holding a slot lock and
    the booking sees the new flag when it re-checks.
    """
    return Slot.objects.filter(pk__in=slot_ids).exclude(blocked=blocked).update(blocked=blocked)


def anonymise_bookings(
    *, booking_ids: list[int], now: datetime, staff_user: AbstractBaseUser | None = None, detail: str = "on request"
) -> AnonymiseResult:
    """Erase the personal data of these bookings (a patient's request): name, contact details,
    date of birth, reason, access needs and cancellation reason. Times, statuses, references and
    events stay. Idempotent: an anonymised booking is counted as ``already``. An upcoming
    confirmed booking is refused (cancel it first). Pending notifications become skipped.

    Transaction: one ``atomic()`` per batch of ``ANONYMISE_BATCH``; locks the batch's booking
    rows, so a concurrent cancel or reschedule of one of them queues behind it.
    """
    result = AnonymiseResult()
    ids = sorted(set(booking_ids))
    for index in range(0, len(ids), ANONYMISE_BATCH):
        _anonymise_batch(ids[index : index + ANONYMISE_BATCH], now=now, user=staff_user, detail=detail, result=result)
    return result


def purge_personal_data(*, older_than: timedelta, now: datetime) -> AnonymiseResult:
    """Anonymise every booking whose appointment started more than ``older_than`` before ``now``
    (the retention job). Idempotent: re-running anonymises nothing new. Same transactions as
    ``anonymise_bookings``; ``already`` counts the old bookings anonymised before.
    """
    old = Booking.objects.filter(slot__start__lt=now - older_than)
    result = AnonymiseResult(already=old.filter(anonymised_at__isnull=False).count())
    ids = list(old.filter(anonymised_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    for index in range(0, len(ids), ANONYMISE_BATCH):
        _anonymise_batch(ids[index : index + ANONYMISE_BATCH], now=now, user=None, detail="retention", result=result)
    return result


def _anonymise_batch(ids: list[int], *, now: datetime, user, detail: str, result: AnonymiseResult) -> None:
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
        BookingEvent.objects.bulk_create(
            BookingEvent(
                booking_id=pk,
                at=now,
                actor_user=user,
                actor_kind=BookingEvent.ActorKind.STAFF if user is not None else BookingEvent.ActorKind.SYSTEM,
                action=BookingEvent.Action.ANONYMISED,
                detail=detail,
            )
            for pk in erase
        )
        result.anonymised += len(erase)
