"""Sending the notification outbox.

``booking.services`` writes a ``Notification`` row in the same transaction as the booking
change and, after commit, hands it on (``enqueue_with_transaction``): with the immediate backend
the ``send_notification`` task sends it at once; with the database queue one ``send_due`` task
per short window sends everything due. Task arguments are a notification id or nothing, so no
personal data enters the task queue.

One notification is never sent by two workers at once: a worker first *claims* it with one
conditional UPDATE (still pending and due -> attempts + 1, next attempt pushed past a lease),
and only the worker whose UPDATE changed the row sends it. The email goes out with no
transaction open, so a slow mail server never holds a database lock. A failure schedules a
retry with back-off; after ``MAX_ATTEMPTS`` failures the notification is marked failed for
staff to see and ``resend``. If a worker dies between sending and recording, the lease runs out
and ``send_due_notifications`` sends it again: at least once, never twice at the same time.

Every function takes ``now``; only the tasks and ``wake_sender`` read the clock.
"""

import logging
import re
import smtplib
import time
from datetime import datetime, timedelta
from email.mime.text import MIMEText
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task, task_backends
from django_tasks_db.backend import DatabaseBackend

from booking.availability import when_label
from booking.calendar import booking_ics
from booking.links import manage_url
from booking.models import Booking, Notification

logger = logging.getLogger(__name__)

# The wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure is final. Raising
# MAX_ATTEMPTS needs one more delay here, e.g. 12 hours.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# How long a claimed notification stays out of other workers' reach while it is being sent;
# far longer than EMAIL_TIMEOUT, so only a worker that died lets it run out.
SENDING_LEASE = timedelta(minutes=15)
SEND_BATCH = 500

SUBJECTS = {
    Notification.Kind.CONFIRMATION: "Your appointment at {clinic} is confirmed",
    Notification.Kind.RESCHEDULE: "Your appointment at {clinic} has been moved",
    Notification.Kind.CANCELLATION: "Your appointment at {clinic} has been cancelled",
    Notification.Kind.REMINDER: "Reminder: your appointment at {clinic}",
    Notification.Kind.MANAGE_LINKS: "Your link to change or cancel your appointment at {clinic}",
}
# Kinds that carry the calendar file, with its iCalendar METHOD.
CALENDAR_METHODS = {
    Notification.Kind.CONFIRMATION: "PUBLISH",
    Notification.Kind.RESCHEDULE: "PUBLISH",
    Notification.Kind.CANCELLATION: "CANCEL",
}


# --- Queueing -----------------------------------------------------------------------------


def enqueue(notification_id: int) -> None:
    """Hand a pending notification to the task queue. Call it after commit; it never raises.

    If the queue cannot take it, the row stays pending and ``send_due_notifications`` (the
    ``send_notifications`` and ``send_reminders`` commands) sends it later.
    """
    try:
        send_notification.enqueue(notification_id)
    except Exception as error:
        logger.warning("notification %s not enqueued (%s); it stays pending", notification_id, type(error).__name__)


def enqueue_with_transaction(notification_id: int) -> None:
    """Have a notification written in the current transaction sent once the transaction commits,
    and never if it rolls back.

    With the immediate backend (development, tests) it is sent at once after commit. With the task
    queue in the database (production), the first commit of a window wakes the sender: see
    ``wake_sender``.
    """
    if isinstance(task_backends["default"], DatabaseBackend):
        transaction.on_commit(wake_sender, robust=True)
    else:
        transaction.on_commit(partial(enqueue, notification_id), robust=True)


# Notifications committed while a window is open are sent by one task that runs when it has
# closed: one queue row per window and app process instead of one per booking, and nothing is
# written to the queue inside the booking's transaction. The run starts a second after its window
# closes, which covers a clock difference of up to a second between an app server and the worker;
# a notification a run misses stays pending for the next run or for ``send_reminders``.
SENDER_WINDOW_SECONDS = 2
_sender_window_closes_at = 0.0  # time.monotonic() when this process's open window closes


def wake_sender() -> None:
    """Make sure a ``send_due`` task runs after this moment. Call it after commit; it never raises.

    Whatever goes wrong here, nothing is lost: the notification stays pending, and
    ``send_reminders`` (every few minutes) sends what is due.
    """
    global _sender_window_closes_at
    opened = time.monotonic()
    if opened < _sender_window_closes_at:
        return  # the run this process queued for its open window will see this commit
    try:
        send_due.using(run_after=timezone.now() + timedelta(seconds=SENDER_WINDOW_SECONDS + 1)).enqueue()
    except Exception as error:
        logger.warning("sending run not queued (%s); notifications stay pending", type(error).__name__)
        return
    _sender_window_closes_at = opened + SENDER_WINDOW_SECONDS


@task()
def send_due() -> int:
    """The background task of the database queue: send every notification due now."""
    try:
        return send_due_notifications(now=timezone.now(), limit=None)
    except Exception as error:
        logger.error("sending run failed (%s)", type(error).__name__)
        return 0


@task()
def send_notification(notification_id: int) -> bool:
    """The background task: send one notification if it is due. True if an email went out."""
    try:
        return send_one(notification_id, now=timezone.now())
    except Exception as error:
        # Only the database can fail here (sending errors are recorded by send_one); the row
        # stays pending or claimed and send_due_notifications retries it after the lease.
        logger.error("notification %s: sending task failed (%s)", notification_id, type(error).__name__)
        return False


def due(now: datetime) -> Q:
    """Pending notifications to send at ``now``.

    A notification never tried is due at once: it is only enqueued after its transaction
    committed, and a worker's clock may lag the app server's that wrote ``next_attempt_at``.
    """
    return Q(status=Notification.Status.PENDING) & (
        Q(attempts=0) | Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def send_due_notifications(*, now: datetime, limit: int | None = SEND_BATCH) -> int:
    """Send every due pending notification (new ones that missed the queue, and retries), oldest
    first, at most ``limit`` per call (None: no limit). Returns how many emails went out. Safe to
    run from several processes at once: each notification is claimed before it is sent.
    """
    notification_ids = list(
        Notification.objects.filter(due(now)).order_by("created_at", "pk").values_list("pk", flat=True)[:limit]
    )
    return sum(send_one(notification_id, now=now) for notification_id in notification_ids)


def resend(notification_id: int, *, now: datetime) -> bool:
    """Give a failed notification a fresh set of attempts and enqueue it after commit.

    Returns False (and changes nothing) unless the notification exists and has failed.
    """
    reset = Notification.objects.filter(pk=notification_id, status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=now
    )
    if reset:
        transaction.on_commit(partial(enqueue, notification_id), robust=True)
    return bool(reset)


def send_manage_links(*, email: str, now: datetime) -> int:
    """Write a manage-link notification for each confirmed booking of ``email`` (any letter
    case) whose appointment is still ahead, and enqueue them after commit. Returns how many.

    Call it inside the view's transaction. It runs the same code whether or not a booking
    matches (one SELECT; the INSERT only when there is something to insert), so the answer
    takes no tell-tale path for an unknown address.
    """
    bookings = Booking.objects.filter(
        email__iexact=email.strip(), status=Booking.Status.CONFIRMED, slot__start__gt=now
    ).values_list("pk", "slot__start")
    created = Notification.objects.bulk_create(
        Notification(
            booking_id=booking_id,
            kind=Notification.Kind.MANAGE_LINKS,
            for_start=start,
            created_at=now,
            next_attempt_at=now,
        )
        for booking_id, start in bookings
    )
    for notification in created:
        enqueue_with_transaction(notification.pk)
    return len(created)


def create_reminders(*, now: datetime) -> int:
    """Write a pending reminder for each confirmed booking that starts within
    ``REMINDER_HOURS_BEFORE`` hours of ``now`` and has no reminder for its current start time.
    Returns how many were written.

    The unique constraint on (booking, kind, for_start) for reminders makes this safe to run
    twice, or in two processes at once: the loser of a race gets an IntegrityError, caught in a
    savepoint. A rescheduled booking has a new start, so it gets a new reminder.
    """
    window_end = now + timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    reminded = Notification.objects.filter(
        booking=OuterRef("pk"), kind=Notification.Kind.REMINDER, for_start=OuterRef("slot__start")
    )
    ahead = timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    bookings = (
        Booking.objects.filter(status=Booking.Status.CONFIRMED, slot__start__gt=now, slot__start__lte=window_end)
        # A booking made inside the reminder window has just had its confirmation: no reminder.
        .filter(created_at__lt=F("slot__start") - ahead)
        .filter(~Exists(reminded))
        .values_list("pk", "slot__start")
    )
    created = 0
    for booking_id, start in bookings:
        try:
            with transaction.atomic():
                Notification.objects.create(
                    booking_id=booking_id,
                    kind=Notification.Kind.REMINDER,
                    for_start=start,
                    created_at=now,
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue  # another run wrote it first
        created += 1
    return created


# --- Sending one --------------------------------------------------------------------------


def send_one(notification_id: int, *, now: datetime) -> bool:
    """Claim one due notification and send it. True if an email went out.

    Does nothing if another worker holds it, it is not due, or it is no longer pending. An
    error while rendering or sending is recorded on the row (never raised): attempts, the error
    class with a message free of personal data, and the next attempt, or "failed" after
    ``MAX_ATTEMPTS``. A notification that no longer applies (a reminder for a booking cancelled
    or moved since) is marked skipped.
    """
    claimed = Notification.objects.filter(due(now), pk=notification_id).update(
        attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related(
        "booking__slot__clinician", "booking__slot__appointment_type"
    ).get(pk=notification_id)
    mine = Notification.objects.filter(pk=notification_id, attempts=notification.attempts)

    reason_to_skip = _reason_to_skip(notification, now=now)
    if reason_to_skip:
        mine.update(
            status=Notification.Status.SKIPPED, next_attempt_at=None, last_error=f"Not sent: {reason_to_skip}."
        )
        logger.info("notification %s skipped: %s", notification_id, reason_to_skip)
        return False

    try:
        build_email(notification, now=now).send()
    except Exception as error:
        _record_failure(notification, error, now=now)
        return False
    mine.update(status=Notification.Status.SENT, sent_at=now, next_attempt_at=None)
    logger.info("notification %s (%s) sent", notification_id, notification.kind)
    return True


def _reason_to_skip(notification: Notification, *, now: datetime) -> str:
    """Why this notification should not go out any more; empty if it should."""
    if notification.kind == Notification.Kind.CANCELLATION:
        return ""
    booking = notification.booking
    if booking.status != Booking.Status.CONFIRMED:
        return f"the booking is {booking.status}"
    if notification.for_start is not None and notification.for_start != booking.slot.start:
        # A later reschedule email carries the current time.
        return "the booking has moved since"
    if booking.slot.start <= now:
        return "the appointment has already started"
    return ""


def _record_failure(notification: Notification, error: Exception, *, now: datetime) -> None:
    attempts = notification.attempts
    description = describe_error(error)
    if attempts >= MAX_ATTEMPTS:
        changes = {"status": Notification.Status.FAILED, "next_attempt_at": None}
    else:
        changes = {"next_attempt_at": now + RETRY_DELAYS[attempts - 1]}
    Notification.objects.filter(pk=notification.pk, attempts=attempts).update(last_error=description, **changes)
    logger.warning("notification %s attempt %s of %s failed: %s", notification.pk, attempts, MAX_ATTEMPTS, description)


def describe_error(error: Exception) -> str:
    """The exception class and a short message. Never the exception's own text: mail errors
    quote the recipient's address."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(sorted({str(code) for code, _ in error.recipients.values()}))
        return f"{name}: the mail server refused the recipient (SMTP {codes})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name}: the mail server answered SMTP {error.smtp_code}"
    if isinstance(error, smtplib.SMTPException | OSError):
        return f"{name}: could not hand the email to the mail server"
    return f"{name}: unexpected error while preparing or sending the email"


# --- The emails ---------------------------------------------------------------------------


def build_email(notification: Notification, *, now: datetime) -> EmailMultiAlternatives:
    """The patient email for a notification: plain text and HTML, plus the calendar file for
    confirmations, reschedules and cancellations. Carries date, time, place, clinician, type,
    reference and links; never the reason for visit, date of birth, phone or accessibility needs.
    """
    booking = notification.booking
    kind = notification.kind
    context = email_context(booking)
    context["subject"] = SUBJECTS[kind].format(clinic=settings.CLINIC_NAME)
    text = render_to_string(f"emails/{kind}.txt", context)
    html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=_tidy_text(text),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[booking.email],
        reply_to=[settings.CLINIC_EMAIL],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    method = CALENDAR_METHODS.get(kind)
    if method:
        ics = booking_ics(booking, manage_url=context["manage_url"], now=now)
        message.attach(_calendar_part(ics, method=method))
    return message


def email_context(booking: Booking) -> dict:
    slot = booking.slot
    appointment_type = slot.appointment_type
    site = settings.CLINIC_SITE_URL.rstrip("/")
    cancelled_by_clinic = booking.cancelled_by == Booking.CancelledBy.CLINIC
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_phone_href": "tel:" + re.sub(r"[^\d+]", "", settings.CLINIC_PHONE),
        "clinic_email": settings.CLINIC_EMAIL,
        "patient_name": booking.patient_name,
        "when": when_label(slot.start),
        "clinician_name": slot.clinician.name,
        "clinician_title": slot.clinician.title,
        "appointment_type": appointment_type.name,
        "duration_minutes": appointment_type.duration_minutes,
        "what_to_bring": appointment_type.what_to_bring.strip(),
        "reference": booking.reference,
        "manage_url": manage_url(booking),
        "book_url": site + reverse("booking:start"),
        "reminder_hours": settings.REMINDER_HOURS_BEFORE,
        "cancelled_by_clinic": cancelled_by_clinic,
        # The clinic's own words only: a patient's reason for cancelling is never repeated.
        "clinic_cancellation_reason": booking.cancellation_reason.strip() if cancelled_by_clinic else "",
    }


def _calendar_part(ics: bytes, *, method: str) -> MIMEText:
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="appointment.ics")
    return part


def _tidy_text(text: str) -> str:
    """Template tags leave blank lines behind: keep at most one in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
