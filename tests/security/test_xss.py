"""A script payload in every text field comes back escaped: to the patient re-reading the form, and to staff
in the booking list, the booking page, the schedule, the cancel page and the CSV export."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from booking import links
from booking.models import Booking
from tests.signin import log_in_verified

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
# The quoted local part of an address may hold angle brackets and still be a valid email address.
EMAIL_PAYLOAD = '"<script>alert(1)</script>"@example.org'
EMAIL_ESCAPED = "&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;@example.org"


def assert_escaped(html: str, raw: str, escaped: str, where: str) -> None:
    assert raw not in html, f"unescaped payload in {where}"
    assert escaped in html, f"payload not shown (escaped) in {where}"


def details(**overrides):
    data = {
        "patient_name": "Jordan Rivers",
        "email": "jordan@example.org",
        "phone": "212-555-0123",
        "date_of_birth": "1975-03-27",
        "patient_kind": "new",
        "reason": PAYLOAD,
        "accessibility_needs": PAYLOAD,
        "consent": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "field", ["patient_name", "email", "phone", "date_of_birth", "reason", "accessibility_needs", "submission_key"]
)
def test_payload_in_any_field_of_a_refused_form_is_shown_back_escaped(client, schedule, field):
    # No consent makes the form invalid, so every field is shown back to the patient as typed.
    data = details(consent="", **{field: PAYLOAD})

    response = client.post(f"/book/slot/{schedule.slots[1].pk}/", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    if field != "submission_key":
        assert ESCAPED in html


def test_payload_in_the_lost_link_form_is_shown_back_escaped(client):
    response = client.post("/book/find/", {"email": PAYLOAD})

    assert_escaped(response.content.decode(), PAYLOAD, ESCAPED, "the lost-link form")


def test_payload_in_the_cancel_reason_is_shown_back_escaped(client, booking):
    response = client.post(f"/book/manage/{links.make_token(booking)}/cancel/", {"reason": PAYLOAD + "x" * 500})

    assert_escaped(response.content.decode(), PAYLOAD, ESCAPED, "the cancel form")


def test_payloads_stored_by_a_booking_are_escaped_on_every_staff_page(client, schedule, django_user_model):
    slot = schedule.slots[1]
    booked = client.post(f"/book/slot/{slot.pk}/", details(email=EMAIL_PAYLOAD))
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert (booking.email, booking.reason) == (EMAIL_PAYLOAD, PAYLOAD)
    manager = django_user_model.objects.create_user("manager", password="a-long-test-password", is_staff=True)
    manager.groups.add(Group.objects.get(name="Clinic manager"))
    log_in_verified(client, manager)
    day = slot.start.astimezone(timezone.get_current_timezone()).date()

    pages = {
        "booking list": "/admin/booking/booking/",
        "booking search": f"/admin/booking/booking/?q={booking.reference}",
        "booking page": f"/admin/booking/booking/{booking.pk}/change/",
        "cancel page": f"/admin/booking/booking/{booking.pk}/cancel/",
        "move page": f"/admin/booking/booking/{booking.pk}/move/",
        "schedule": f"/admin/booking/slot/schedule/?view=day&date={day}",
    }
    for where, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, where
        html = response.content.decode()
        assert "<script>alert" not in html, where
        assert "onerror=alert(1)>" not in html, where
    booking_page = client.get(pages["booking page"]).content.decode()
    assert_escaped(booking_page, PAYLOAD, ESCAPED, "the booking page")
    assert_escaped(booking_page, EMAIL_PAYLOAD, EMAIL_ESCAPED, "the booking page")

    export = client.post(
        "/admin/booking/booking/", {"action": "export_csv", "_selected_action": [booking.pk]}, follow=False
    )
    assert export["Content-Type"].startswith("text/csv")
    assert export.content.decode("utf-8-sig").count(PAYLOAD.replace('"', '""')) == 2  # reason and access needs
