"""The outbox sender: the task, claiming, back-off, failure, resend, manage links."""

import smtplib
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend

from booking import notifications
from booking.links import manage_url
from booking.models import Booking, LinkRequest, Notification
from booking.notifications import (
    answer_link_request,
    request_manage_links,
    resend,
    send_due_notifications,
    send_one,
)
from booking.services import book_slot, cancel_booking, reschedule_booking
from tests.booking.conftest import NOW, make_booking, make_patient, make_slot
from tests.worker import DATABASE_TASKS, queued_tasks, run_task_worker

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


def two_workers_at_once(work) -> list:
    """Run ``work`` in two threads, each with its own database connection, starting together."""
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            connection.ensure_connection()
            barrier.wait()
            results.append(work())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


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


def test_with_the_database_queue_a_booking_queues_its_own_task_after_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking = book_slot(slot_id=make_slot().pk, patient=make_patient(), now=NOW)
    assert queued_tasks() == []  # nothing is written to the queue inside the booking's transaction

    for callback in callbacks:
        callback()

    [queued] = queued_tasks()
    assert queued.task_path == "booking.notifications.send_notification"
    assert queued.args_kwargs == {"args": [booking.notifications.get().pk], "kwargs": {}}


def test_with_the_database_queue_each_booking_queues_a_task_of_its_own(settings, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_TASKS

    with django_capture_on_commit_callbacks(execute=True):
        bookings = [
            book_slot(slot_id=make_slot(start=NOW + timedelta(days=3, hours=hour)).pk, patient=make_patient(), now=NOW)
            for hour in (9, 10)
        ]

    assert [queued.args_kwargs["args"] for queued in queued_tasks()] == [
        [booking.notifications.get().pk] for booking in bookings
    ]


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_worker_sends_the_email(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        booking = book_slot(slot_id=make_slot().pk, patient=make_patient(), now=NOW)
    assert mailoutbox == []

    run_task_worker()

    [message] = mailoutbox
    assert message.to == [booking.email]
    assert booking.notifications.get().status == Notification.Status.SENT
    assert [queued.status for queued in queued_tasks()] == ["SUCCESSFUL"]


def test_with_the_database_queue_a_rolled_back_booking_queues_nothing(settings, django_capture_on_commit_callbacks):
    from django.db import transaction

    settings.TASKS = DATABASE_TASKS
    slot = make_slot()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        book_slot(slot_id=slot.pk, patient=make_patient(), now=NOW)
        raise RuntimeError("the surrounding transaction fails")

    assert queued_tasks() == []
    assert Notification.objects.count() == 0


def test_a_broken_queue_never_breaks_the_booking_and_the_email_goes_out_later(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "tests.booking.test_notifications.BrokenQueue"}}

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_slot(slot_id=make_slot().pk, patient=make_patient(), now=NOW)

    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
    assert booking.notifications.get().status == Notification.Status.PENDING
    # The send_reminders / send_notifications run sends what the queue missed.
    assert send_due_notifications(now=NOW) == 1
    assert [message.to for message in mailoutbox] == [[booking.email]]


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

    results = two_workers_at_once(lambda: send_one(notification.pk, now=NOW))

    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert fresh(notification).attempts == 1


# --- Notifications that no longer apply ---------------------------------------------------


def test_confirmation_of_a_booking_cancelled_before_sending_is_skipped(mailoutbox):
    notification = booked()
    cancel_booking(booking_id=notification.booking_id, now=NOW, by="patient")

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


def test_request_manage_links_writes_one_request_and_queues_only_its_id_after_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    make_booking(email="alex@example.org")
    notifications_before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_manage_links(email="alex@example.org", now=NOW)

    [link_request] = LinkRequest.objects.all()
    assert (link_request.email, link_request.created_at) == ("alex@example.org", NOW)
    assert Notification.objects.count() == notifications_before  # the lookup is the worker's
    assert task_backends["default"].results == []
    [callback] = callbacks
    callback()
    [result] = task_backends["default"].results
    assert result.task.name == "send_requested_links"
    assert list(result.args) == [link_request.pk]
    assert result.kwargs == {}


def test_answer_link_request_sends_one_email_per_upcoming_booking(mailoutbox):
    first = make_booking(email="alex@example.org")
    second = make_booking(slot=make_slot(start=NOW + timedelta(days=5)), email="Alex@Example.org")
    cancelled = make_booking(email="alex@example.org")
    cancel_booking(booking_id=cancelled.pk, now=NOW, by="patient")
    already_started = make_booking(slot=make_slot(start=NOW + timedelta(days=2)), email="alex@example.org")
    make_booking(email="someone-else@example.org")
    Notification.objects.all().delete()
    link_request = LinkRequest.objects.create(email=" ALEX@example.org ")

    sent = answer_link_request(link_request.pk, now=NOW + timedelta(days=2, minutes=1))

    assert sent == 2
    assert set(Notification.objects.values_list("booking_id", "kind", "status")) == {
        (first.pk, "manage_links", "sent"),
        (second.pk, "manage_links", "sent"),
    }
    assert LinkRequest.objects.count() == 0  # the address is kept no longer than needed
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


def test_answer_link_request_without_bookings_sends_nothing_and_forgets_the_address(mailoutbox):
    make_booking(email="someone-else@example.org")
    Notification.objects.all().delete()
    link_request = LinkRequest.objects.create(email="nobody@example.org")

    assert answer_link_request(link_request.pk, now=NOW) == 0

    assert LinkRequest.objects.count() == 0
    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_answer_link_request_twice_sends_once(mailoutbox):
    make_booking(email="alex@example.org")
    link_request = LinkRequest.objects.create(email="alex@example.org")

    assert answer_link_request(link_request.pk, now=NOW) == 1
    assert answer_link_request(link_request.pk, now=NOW) == 0

    assert [message.to for message in mailoutbox] == [["alex@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_two_workers_answering_one_link_request_at_once_send_one_email(settings):
    settings.EMAIL_BACKEND = "tests.booking.test_notifications.SlowBackend"
    make_booking(email="alex@example.org")
    mail.outbox = []  # the booking's own confirmation
    link_request = LinkRequest.objects.create(email="alex@example.org")

    results = two_workers_at_once(lambda: answer_link_request(link_request.pk, now=NOW))

    assert sorted(results) == [0, 1]
    assert [message.to for message in mail.outbox] == [["alex@example.org"]]
    assert Notification.objects.filter(kind="manage_links").count() == 1


def test_send_due_notifications_answers_the_link_requests_the_queue_missed(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "tests.booking.test_notifications.BrokenQueue"}}
    make_booking(email="alex@example.org")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        request_manage_links(email="alex@example.org", now=NOW)
    assert (LinkRequest.objects.count(), mailoutbox) == (1, [])

    assert send_due_notifications(now=NOW) == 1

    assert LinkRequest.objects.count() == 0
    [message] = mailoutbox
    assert message.subject == "Your link to change or cancel your appointment at Riverside HO Clinic (demo)"
