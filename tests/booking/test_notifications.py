"""The outbox sender: the task, claiming, back-off, failure, resend, manage links."""

import smtplib
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend

from booking import notifications
from booking.links import manage_url
from booking.models import Booking, Notification
from booking.notifications import resend, send_due_notifications, send_manage_links, send_one
from booking.services import book_slot, cancel_booking, reschedule_booking
from tests.booking.conftest import NOW, make_booking, make_patient, make_slot

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.booking.test_notifications.RefusingBackend"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every recipient, quoting the address as real servers do."""

    def send_messages(self, email_messages):
        recipients = {address: (550, f"5.1.1 <{address}> unknown".encode()) for address in email_messages[0].to}
        raise smtplib.SMTPRecipientsRefused(recipients)


class BrokenQueue(DummyBackend):
    def enqueue(self, task, args, kwargs):
        raise ConnectionError("the task queue is down")


class SlowBackend(BaseEmailBackend):
    """Delivers to the locmem outbox, slowly: two workers sending at once would overlap."""

    def send_messages(self, email_messages):
        time.sleep(0.3)
        mail.outbox.extend(email_messages)
        return len(email_messages)


def booked(**patient_fields) -> Notification:
    """A booking whose confirmation is written but not yet sent (on_commit callbacks not run)."""
    booking = make_booking(**patient_fields)
    return booking.notifications.get()


def fresh(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


# --- The task -----------------------------------------------------------------------------


def test_enqueue_passes_only_the_notification_id(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DUMMY_TASKS
    slot = make_slot()

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    [result] = task_backends["default"].results
    assert result.task.name == "send_notification"
    assert list(result.args) == [booking.notifications.get().pk]
    assert all(type(argument) is int for argument in result.args)
    assert result.kwargs == {}


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued_runs():
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.order_by("enqueued_at"))


def test_with_the_database_queue_nothing_is_queued_inside_the_booking_transaction(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS
    slot = make_slot()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)

    assert queued_runs() == []
    assert sorted(callback.__qualname__ for callback in callbacks) == [
        "schedule_changed.<locals>.<lambda>",
        "wake_sender",
    ]


def test_with_the_database_queue_a_booking_queues_one_sending_run_after_the_window(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS

    with django_capture_on_commit_callbacks(execute=True):
        book_slot(slot_id=make_slot().pk, patient=make_patient(), now=NOW)

    [run] = queued_runs()
    assert run.task_path == "booking.notifications.send_due"
    assert run.args_kwargs == {"args": [], "kwargs": {}}
    # The window lasts 2 s; the run waits 3 s, so it sees every commit made in the window.
    assert timedelta(seconds=2.9) < run.run_after - run.enqueued_at <= timedelta(seconds=3)


def later(monkeypatch, seconds: float) -> None:
    """Move this process's monotonic clock on."""
    clock = notifications.time.monotonic
    monkeypatch.setattr(notifications.time, "monotonic", lambda: clock() + seconds)


def test_with_the_database_queue_bookings_in_one_window_share_one_run(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS

    with django_capture_on_commit_callbacks(execute=True):
        book_slot(slot_id=make_slot(start=NOW + timedelta(days=3, hours=9)).pk, patient=make_patient(), now=NOW)
    later(monkeypatch, 1.9)
    with django_capture_on_commit_callbacks(execute=True):
        book_slot(slot_id=make_slot(start=NOW + timedelta(days=3, hours=10)).pk, patient=make_patient(), now=NOW)
    assert len(queued_runs()) == 1

    later(monkeypatch, 0.2)  # the window has closed
    with django_capture_on_commit_callbacks(execute=True):
        book_slot(slot_id=make_slot(start=NOW + timedelta(days=3, hours=11)).pk, patient=make_patient(), now=NOW)
    assert len(queued_runs()) == 2


def test_with_the_database_queue_a_rolled_back_booking_queues_nothing(settings, django_capture_on_commit_callbacks):
    from django.db import transaction

    settings.TASKS = DATABASE_TASKS
    slot = make_slot()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)
        raise RuntimeError("the surrounding transaction fails")

    assert queued_runs() == []
    assert Notification.objects.count() == 0
    # No window was opened: the next booking queues its run.
    with django_capture_on_commit_callbacks(execute=True):
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)
    assert len(queued_runs()) == 1


def test_with_the_database_queue_a_broken_queue_never_breaks_the_booking(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS

    def broken(*args, **kwargs):
        raise RuntimeError("queue table missing")

    with monkeypatch.context() as patched, django_capture_on_commit_callbacks(execute=True):
        patched.setattr(
            notifications, "send_due", SimpleNamespace(using=lambda **kwargs: SimpleNamespace(enqueue=broken))
        )
        booking = book_slot(slot_id=make_slot().pk, patient=make_patient(), now=NOW)

    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
    assert booking.notifications.get().status == Notification.Status.PENDING
    # No window was opened by a run that never got queued: the next commit queues one.
    with django_capture_on_commit_callbacks(execute=True):
        book_slot(slot_id=make_slot(start=NOW + timedelta(days=4)).pk, patient=make_patient(), now=NOW)
    assert len(queued_runs()) == 1


def test_send_due_task_sends_every_due_notification(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        bookings = [
            book_slot(slot_id=make_slot(start=NOW + timedelta(days=3, hours=hour)).pk, patient=make_patient(), now=NOW)
            for hour in (9, 10, 11)
        ]
    assert mailoutbox == []

    sent = notifications.send_due.call()

    assert sent == 3
    assert sorted(message.to[0] for message in mailoutbox) == sorted(booking.email for booking in bookings)
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT}


def test_enqueue_never_raises(settings, mailoutbox):
    settings.TASKS = {"default": {"BACKEND": "tests.booking.test_notifications.BrokenQueue"}}
    notification = booked()

    notifications.enqueue(notification.pk)

    assert fresh(notification).status == Notification.Status.PENDING
    assert mailoutbox == []


def test_send_notification_task_sends_and_marks_sent(mailoutbox):
    notification = booked()

    before = timezone.now()
    result = notifications.send_notification.enqueue(notification.pk)

    assert result.return_value is True
    notification = fresh(notification)
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert notification.sent_at >= before
    assert notification.next_attempt_at is None
    assert len(mailoutbox) == 1


def test_send_notification_task_never_raises_on_a_send_error(settings, mailoutbox):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    notification = booked()

    result = notifications.send_notification.enqueue(notification.pk)

    assert result.status == "SUCCESSFUL"
    assert result.return_value is False
    assert fresh(notification).attempts == 1


# --- A failing mail server ----------------------------------------------------------------


def test_failed_email_leaves_booking_confirmed_and_notification_pending(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    slot = make_slot()

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)
    after = timezone.now()

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    notification = booking.notifications.get()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert notification.last_error == "SMTPRecipientsRefused: the mail server refused the recipient (SMTP 550)"
    # The task reads the clock: the retry is one minute after it ran.
    assert before + timedelta(minutes=1) <= notification.next_attempt_at <= after + timedelta(minutes=1)
    assert mailoutbox == []


def test_failed_email_is_retried_after_one_minute(settings, mailoutbox):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    notification = booked()

    assert send_due_notifications(now=NOW) == 0

    notification = fresh(notification)
    assert (notification.status, notification.attempts) == (Notification.Status.PENDING, 1)
    assert notification.next_attempt_at == NOW + timedelta(minutes=1)
    assert "alex@example.org" not in notification.last_error
    assert notification.last_error.startswith("SMTPRecipientsRefused: ")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due_notifications(now=NOW + timedelta(seconds=59)) == 0
    assert fresh(notification).attempts == 1

    assert send_due_notifications(now=NOW + timedelta(minutes=1)) == 1
    notification = fresh(notification)
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2
    assert notification.sent_at == NOW + timedelta(minutes=1)
    assert notification.next_attempt_at is None
    assert len(mailoutbox) == 1


def test_five_failures_back_off_then_fail(settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    notification = booked()
    moment = NOW
    waits = []

    for _ in range(5):
        send_due_notifications(now=moment)
        notification = fresh(notification)
        if notification.next_attempt_at:
            waits.append(notification.next_attempt_at - moment)
            moment = notification.next_attempt_at

    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 5
    assert notification.next_attempt_at is None
    assert send_due_notifications(now=moment + timedelta(days=30)) == 0
    assert fresh(notification).attempts == 5


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            smtplib.SMTPSenderRefused(553, b"<alex@example.org> no", "alex@example.org"),
            "SMTPSenderRefused: the mail server answered SMTP 553",
        ),
        (
            ConnectionRefusedError(111, "Connection refused"),
            "ConnectionRefusedError: could not hand the email to the mail server",
        ),
        (
            ValueError('Invalid address "alex@example.org"'),
            "ValueError: unexpected error while preparing or sending the email",
        ),
    ],
)
def test_describe_error_never_quotes_the_exception(error, expected):
    assert notifications.describe_error(error) == expected


# --- Claiming: never twice ----------------------------------------------------------------


def test_send_one_twice_sends_once(mailoutbox):
    notification = booked()

    assert send_one(notification.pk, now=NOW) is True
    assert send_one(notification.pk, now=NOW) is False

    assert len(mailoutbox) == 1
    assert fresh(notification).attempts == 1


def test_claimed_notification_is_left_alone_until_its_lease_runs_out(mailoutbox):
    notification = booked()
    # A worker claimed it and died before recording the outcome.
    Notification.objects.filter(pk=notification.pk).update(attempts=1, next_attempt_at=NOW + timedelta(minutes=15))

    assert send_due_notifications(now=NOW + timedelta(minutes=14)) == 0
    assert send_due_notifications(now=NOW + timedelta(minutes=15)) == 1

    assert fresh(notification).attempts == 2
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_email(settings):
    settings.EMAIL_BACKEND = "tests.booking.test_notifications.SlowBackend"
    notification = Notification.objects.get(booking=make_booking())
    mail.outbox = []  # the booking's own on_commit send, outside any test transaction
    Notification.objects.filter(pk=notification.pk).update(status="pending", attempts=0, sent_at=None)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            connection.ensure_connection()
            barrier.wait()
            results.append(send_one(notification.pk, now=NOW))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert fresh(notification).attempts == 1


# --- Notifications that no longer apply ---------------------------------------------------


def test_confirmation_of_a_booking_cancelled_before_sending_is_skipped(mailoutbox):
    notification = booked()
    cancel_booking(booking_id=notification.booking_id, now=NOW)

    assert send_due_notifications(now=NOW) == 1

    notification = fresh(notification)
    assert notification.status == Notification.Status.SKIPPED
    assert notification.last_error == "Not sent: the booking is cancelled."
    [message] = mailoutbox
    assert message.subject == "Your appointment at Riverside HO Clinic (demo) has been cancelled"


def test_confirmation_of_a_booking_moved_before_sending_is_skipped(mailoutbox):
    notification = booked()
    later = make_slot(start=NOW + timedelta(days=4), appointment_type=notification.booking.slot.appointment_type)
    reschedule_booking(booking_id=notification.booking_id, new_slot_id=later.pk, now=NOW)

    assert send_due_notifications(now=NOW) == 1

    assert fresh(notification).status == Notification.Status.SKIPPED
    [message] = mailoutbox
    assert message.subject == "Your appointment at Riverside HO Clinic (demo) has been moved"


# --- Resend -------------------------------------------------------------------------------


def test_resend_sends_a_failed_notification_again(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    notification = booked()
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.FAILED, attempts=5, next_attempt_at=None, last_error="SMTPException: ..."
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        assert resend(notification.pk, now=NOW) is True

    notification = fresh(notification)
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert len(mailoutbox) == 1


def test_resend_refuses_a_notification_that_has_not_failed(mailoutbox, django_capture_on_commit_callbacks):
    notification = booked()
    send_one(notification.pk, now=NOW)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert resend(notification.pk, now=NOW) is False

    assert callbacks == []
    assert fresh(notification).status == Notification.Status.SENT
    assert len(mailoutbox) == 1


# --- Manage links -------------------------------------------------------------------------


def test_send_manage_links_without_bookings_writes_nothing(
    mailoutbox, django_assert_num_queries, django_capture_on_commit_callbacks
):
    make_booking(email="someone-else@example.org")
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(1):
        assert send_manage_links(email="nobody@example.org", now=NOW) == 0

    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_send_manage_links_sends_one_email_per_upcoming_booking(mailoutbox, django_capture_on_commit_callbacks):
    first = make_booking(email="alex@example.org")
    second = make_booking(slot=make_slot(start=NOW + timedelta(days=5)), email="Alex@Example.org")
    cancelled = make_booking(email="alex@example.org")
    cancel_booking(booking_id=cancelled.pk, now=NOW)
    already_started = make_booking(slot=make_slot(start=NOW + timedelta(days=2)), email="alex@example.org")
    make_booking(email="someone-else@example.org")
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        count = send_manage_links(email=" ALEX@example.org ", now=NOW + timedelta(days=2, minutes=1))

    assert count == 2
    assert set(Notification.objects.values_list("booking_id", "kind", "status")) == {
        (first.pk, "manage_links", "sent"),
        (second.pk, "manage_links", "sent"),
    }
    assert len(mailoutbox) == 2
    bodies = {message.body for message in mailoutbox}
    for booking in (first, second):
        booking.refresh_from_db()
        [body] = [body for body in bodies if booking.reference in body]
        assert manage_url(booking) in body
    for message in mailoutbox:
        assert message.subject == "Your link to change or cancel your appointment at Riverside HO Clinic (demo)"
        assert message.attachments == []
        assert already_started.reference not in message.body


def test_send_manage_links_enqueues_only_after_commit(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DUMMY_TASKS
    booking = make_booking(email="alex@example.org")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_manage_links(email="alex@example.org", now=NOW)

    assert task_backends["default"].results == []
    assert len(callbacks) == 1
    callbacks[0]()
    [result] = task_backends["default"].results
    assert list(result.args) == [booking.notifications.get(kind="manage_links").pk]
