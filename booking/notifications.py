"""Sending the notification outbox.

``booking.services`` writes a ``Notification`` row in the same transaction as the booking
change and calls ``enqueue_with_transaction``: once the transaction commits, the
``send_notification`` task is queued with the notification id as its only argument. With the
immediate backend (tests, ``make dev``) it runs at once; with the database queue (``make run``,
production) ``manage.py db_worker`` runs it, so no page waits on the mail server.

Why a task per notification rather than a periodic sender picking up the outbox: it is
django-tasks' own model, with no loop or scheduler of ours; an email leaves as soon as a worker is
free, not at the next tick; no app process keeps state of its own about what it has queued; and a
clinic's few bookings a minute cost a queue row each, which is nothing. The outbox row stays the
truth: whatever the queue misses (a queue that was down, a worker killed mid-send) and every retry
is sent by ``send_due_notifications`` (the ``send_reminders`` and ``send_notifications`` commands,
every few minutes).

One notification is never sent by two workers at once: a worker first *claims* it with one
conditional UPDATE (still pending and due -> attempts + 1, next attempt pushed past a lease),
and only the worker whose UPDATE changed the row sends it. The email goes out with no
transaction open, so a slow mail server never holds a database lock. A failure schedules a
retry with back-off; after ``MAX_ATTEMPTS`` failures the notification is marked failed for
staff to see and ``resend``. If a worker dies between sending and recording, the lease runs out
and ``send_due_notifications`` sends it again: at least once, never twice at the same time.

"Lost your link?" requests go through the worker too (``request_manage_links``): the page writes
one ``LinkRequest`` row and queues its id; the worker looks the address up and sends the links.
The page does the same work, and takes the same time, whether or not the address has bookings.

Task arguments are ids only: no personal data enters the task queue. Every function takes
``now``; only the tasks read the clock.
"""

import logging
import re
import smtplib
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
from django_tasks import task

from booking.availability import when_label
from booking.calendar import booking_ics
from booking.links import manage_url
from booking.models import Booking, LinkRequest, Notification

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
    _enqueue(send_notification, notification_id, what="notification")


def _enqueue(task_to_run, object_id: int, *, what: str) -> None:
    try:
        task_to_run.enqueue(object_id)
    except Exception as error:
        logger.warning("%s %s not enqueued (%s); it stays pending", what, object_id, type(error).__name__)


def enqueue_with_transaction(notification_id: int) -> None:
    """Have a notification written in the current transaction sent once the transaction commits,
    and never if it rolls back: its ``send_notification`` task is queued after commit (sent at
    once with the immediate backend, by ``db_worker`` with the database queue).
    """
    transaction.on_commit(partial(enqueue, notification_id), robust=True)


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
    """Answer the "lost your link?" requests the queue missed, then send every due pending
    notification (new ones that missed the queue, and retries), oldest first, at most ``limit``
    of each per call (None: no limit). Returns how many emails went out. Safe to run from several
    processes at once: each request and each notification is claimed before it is handled.
    """
    link_request_ids = list(LinkRequest.objects.order_by("pk").values_list("pk", flat=True)[:limit])
    sent = sum(answer_link_request(link_request_id, now=now) for link_request_id in link_request_ids)
    notification_ids = list(
        Notification.objects.filter(due(now)).order_by("created_at", "pk").values_list("pk", flat=True)[:limit]
    )
    return sent + sum(send_one(notification_id, now=now) for notification_id in notification_ids)


def resend(notification_id: int, *, now: datetime) -> bool:
    """Give a failed notification a fresh set of attempts and enqueue it after commit.

    Returns False (and changes nothing) unless the notification exists and has failed.
    """
    reset = Notification.objects.filter(pk=notification_id, status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=now
    )
    if reset:
        enqueue_with_transaction(notification_id)
    return bool(reset)


# --- Lost links ---------------------------------------------------------------------------


def request_manage_links(*, email: str, now: datetime) -> None:
    """Record a "lost your link?" request and have the worker answer it once this commits.

    This writes one row, and its task (``send_requested_links``) is queued after commit with the
    row's id as its only argument: the same work whether or not ``email`` has bookings, and no
    mail server on the way, so neither the answer nor its time tells whether an address has
    bookings. The address stays in the database, never in the task queue.
    """
    with transaction.atomic():
        link_request = LinkRequest.objects.create(email=email, created_at=now)
        transaction.on_commit(
            partial(_enqueue, send_requested_links, link_request.pk, what="link request"), robust=True
        )


@task()
def send_requested_links(link_request_id: int) -> int:
    """The background task: answer one "lost your link?" request. Returns how many emails went out."""
    try:
        return answer_link_request(link_request_id, now=timezone.now())
    except Exception as error:
        # The request stays in the table; send_due_notifications answers it on its next run.
        logger.error("link request %s: task failed (%s)", link_request_id, type(error).__name__)
        return 0


def answer_link_request(link_request_id: int, *, now: datetime) -> int:
    """Claim a link request and send a manage link for each upcoming confirmed booking of its
    address. Returns how many emails went out; 0 if the request is gone (answered already).

    The claim is the DELETE of the request, in the transaction that writes the notifications:
    one worker answers it, and the address is kept no longer than that. The emails are sent
    after commit through the outbox, so a failed one is retried like any other.
    """
    with transaction.atomic():
        email = LinkRequest.objects.filter(pk=link_request_id).values_list("email", flat=True).first()
        if email is None:
            return 0
        claimed, _ = LinkRequest.objects.filter(pk=link_request_id).delete()
        if not claimed:
            return 0  # another worker deleted it between our two statements
        notification_ids = write_manage_links(email=email, now=now)
    return sum(send_one(notification_id, now=now) for notification_id in notification_ids)


def write_manage_links(*, email: str, now: datetime) -> list[int]:
    """Write a pending manage-link notification for each confirmed booking of ``email`` (any
    letter case) whose appointment is still ahead. Returns their ids."""
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
    return [notification.pk for notification in created]


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
