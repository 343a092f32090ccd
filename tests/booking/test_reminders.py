"""Reminders: one per appointment time, only for confirmed bookings inside the window."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from booking.audit import SYSTEM
from booking.models import Booking, Notification
from booking.notifications import create_reminders, send_due_notifications
from booking.services import book_slot, cancel_booking, reschedule_booking
from tests.booking.conftest import NOW, make_booking, make_patient, make_slot

pytestmark = pytest.mark.django_db

REMINDER_SUBJECT = "Reminder: your appointment at Riverside HO Clinic (demo)"
# make_slot's default start is NOW + 3 days; 23 hours before it is inside the 24-hour window.
IN_WINDOW = NOW + timedelta(days=2, hours=1)


def booking_with_confirmation_sent(**fields) -> Booking:
    booking = make_booking(**fields)
    Notification.objects.filter(booking=booking).update(status=Notification.Status.SENT)
    return booking


def reminders(mailoutbox) -> list:
    return [message for message in mailoutbox if message.subject == REMINDER_SUBJECT]


def test_reminder_is_written_and_sent_once(mailoutbox):
    booking = booking_with_confirmation_sent()

    assert create_reminders(now=IN_WINDOW) == 1
    assert send_due_notifications(now=IN_WINDOW) == 1
    assert create_reminders(now=IN_WINDOW + timedelta(minutes=5)) == 0
    assert send_due_notifications(now=IN_WINDOW + timedelta(minutes=5)) == 0

    reminder = Notification.objects.get(booking=booking, kind=Notification.Kind.REMINDER)
    assert (reminder.status, reminder.for_start, reminder.attempts) == ("sent", booking.slot.start, 1)
    [message] = reminders(mailoutbox)
    assert message.to == ["alex@example.org"]
    assert "This is a reminder of your appointment on Thursday 10 January 2030 at 9:00 AM." in message.body
    assert booking.reference in message.body
    assert message.attachments == []


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (NOW + timedelta(days=1, hours=23, minutes=59), 0),  # 24 h and a minute ahead: too early
        (NOW + timedelta(days=2), 1),  # exactly 24 h ahead
        (NOW + timedelta(days=3) - timedelta(minutes=1), 1),  # a minute ahead
        (NOW + timedelta(days=3), 0),  # starting now: too late
    ],
)
def test_reminder_window_edges(now, expected):
    booking_with_confirmation_sent()

    assert create_reminders(now=now) == expected


def test_reminder_window_follows_the_setting(settings):
    settings.REMINDER_HOURS_BEFORE = 48
    booking_with_confirmation_sent()

    assert create_reminders(now=NOW + timedelta(days=1, hours=1)) == 1


def test_no_reminder_for_cancelled_booking(mailoutbox):
    booking = booking_with_confirmation_sent()
    cancel_booking(booking_id=booking.pk, now=NOW)

    assert create_reminders(now=IN_WINDOW) == 0
    assert not Notification.objects.filter(kind=Notification.Kind.REMINDER).exists()


def test_reminder_written_before_a_cancellation_is_skipped(mailoutbox):
    booking = booking_with_confirmation_sent()
    create_reminders(now=IN_WINDOW)
    cancel_booking(booking_id=booking.pk, now=IN_WINDOW, actor=SYSTEM)

    send_due_notifications(now=IN_WINDOW)

    reminder = Notification.objects.get(kind=Notification.Kind.REMINDER)
    assert reminder.status == Notification.Status.SKIPPED
    assert reminders(mailoutbox) == []


def test_rescheduled_booking_gets_a_new_reminder_for_its_new_time(mailoutbox):
    booking = booking_with_confirmation_sent()
    create_reminders(now=IN_WINDOW)
    send_due_notifications(now=IN_WINDOW)
    later = make_slot(start=booking.slot.start + timedelta(hours=4), appointment_type=booking.slot.appointment_type)
    reschedule_booking(booking_id=booking.pk, new_slot_id=later.pk, now=IN_WINDOW, actor=SYSTEM)

    assert create_reminders(now=IN_WINDOW + timedelta(hours=1)) == 0  # the new time is 26 hours ahead
    assert create_reminders(now=IN_WINDOW + timedelta(hours=5)) == 1
    send_due_notifications(now=IN_WINDOW + timedelta(hours=5))

    assert list(
        Notification.objects.filter(kind=Notification.Kind.REMINDER)
        .order_by("for_start")
        .values_list("for_start", flat=True)
    ) == [booking.slot.start, later.start]
    assert len(reminders(mailoutbox)) == 2
    assert "on Thursday 10 January 2030 at 1:00 PM." in reminders(mailoutbox)[1].body


def test_send_reminders_command_twice_sends_one_reminder(mailoutbox):
    now = timezone.now()
    slot = make_slot(start=now + timedelta(hours=3))
    # Booked two days ago, so it is due a reminder now.
    booking = book_slot(slot_id=slot.pk, patient=make_patient(), now=now - timedelta(days=2), actor=SYSTEM)
    Notification.objects.filter(booking=booking).update(status=Notification.Status.SENT)
    make_booking(slot=make_slot(start=now + timedelta(days=3)), now=now)  # outside the window
    Notification.objects.filter(kind=Notification.Kind.CONFIRMATION).update(status=Notification.Status.SENT)

    first, second = StringIO(), StringIO()
    call_command("send_reminders", stdout=first)
    call_command("send_reminders", stdout=second)

    assert first.getvalue() == "1 reminder(s) written, 1 email(s) sent.\n"
    assert second.getvalue() == "0 reminder(s) written, 0 email(s) sent.\n"
    assert len(reminders(mailoutbox)) == 1
    assert Notification.objects.filter(kind=Notification.Kind.REMINDER).count() == 1


def test_send_reminders_command_also_sends_retries(mailoutbox):
    booking = make_booking(now=NOW)  # its confirmation is pending, never tried

    out = StringIO()
    call_command("send_reminders", stdout=out)

    assert out.getvalue() == "0 reminder(s) written, 1 email(s) sent.\n"
    assert Notification.objects.get(booking=booking).status == Notification.Status.SENT


def test_send_notifications_command_sends_due_notifications(mailoutbox):
    make_booking(now=NOW)

    out = StringIO()
    call_command("send_notifications", stdout=out)

    assert out.getvalue() == "1 email(s) sent.\n"
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_write_one_reminder():
    booking = booking_with_confirmation_sent()
    barrier = threading.Barrier(2)
    written = []

    def run():
        try:
            connection.ensure_connection()
            barrier.wait()
            written.append(create_reminders(now=IN_WINDOW))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(written) == [0, 1]
    assert Notification.objects.filter(booking=booking, kind=Notification.Kind.REMINDER).count() == 1


def test_no_reminder_for_a_booking_made_inside_the_window():
    late = make_slot(start=NOW + timedelta(hours=30))
    book_slot(slot_id=late.pk, patient=make_patient(), now=NOW + timedelta(hours=8), actor=SYSTEM)

    assert create_reminders(now=NOW + timedelta(hours=10)) == 0
