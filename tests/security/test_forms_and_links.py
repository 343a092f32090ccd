"""CSRF on every form, rate limits (429), the staff login lockout, and signed manage links that resist tampering."""

import re
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone

from booking import links
from booking.audit import SYSTEM, Actor
from booking.models import Booking
from booking.services import anonymise_bookings, cancel_booking

pytestmark = pytest.mark.django_db

BOOKING_FORM = {
    "patient_name": "Jordan Rivers",
    "email": "jordan@example.org",
    "phone": "212-555-0123",
    "date_of_birth": "1975-03-27",
    "patient_kind": "new",
    "consent": "on",
    "submission_key": "security-key-1",
}


def every_form(schedule, token):
    """(path, data) for every POST a visitor can send."""
    return [
        (f"/book/slot/{schedule.slots[1].pk}/", BOOKING_FORM),
        ("/book/find/", {"email": "jordan@example.org"}),
        (f"/book/manage/{token}/cancel/", {"reason": ""}),
        (f"/book/manage/{token}/reschedule/", {"slot": schedule.slots[2].pk}),
        ("/admin/login/", {"username": "nobody", "password": "wrong-password"}),
    ]


def test_every_form_refuses_a_post_without_csrf_token(schedule, booking, token):
    client = Client(enforce_csrf_checks=True)

    for path, data in every_form(schedule, token):
        response = client.post(path, data)

        assert response.status_code == 403, path
        assert "Your form has expired" in response.content.decode(), path
    booking.refresh_from_db()
    assert (booking.status, booking.slot_id, Booking.objects.count()) == ("confirmed", schedule.slots[0].pk, 1)


def test_every_form_accepts_a_post_with_the_csrf_token(schedule, token):
    client = Client(enforce_csrf_checks=True)
    client.get("/book/find/")
    csrf = client.cookies["csrftoken"].value

    for path, data in every_form(schedule, token):
        response = client.post(path, {**data, "csrfmiddlewaretoken": csrf})

        assert response.status_code != 403, path


def test_booking_form_is_rate_limited_per_address_with_429(client, schedule, settings):
    settings.BOOKING_RATE_LIMIT = "3/h"
    path = f"/book/slot/{schedule.slots[1].pk}/"
    statuses = [client.post(path, {**BOOKING_FORM, "phone": "1"}).status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 429, 429]


def test_lost_link_form_is_rate_limited_per_address_with_429(client, settings):
    settings.LOOKUP_RATE_LIMIT = "2/h"
    statuses = [client.post("/book/find/", {"email": f"p{n}@example.org"}).status_code for n in range(4)]

    assert statuses == [200, 200, 429, 429]


def test_staff_login_locks_out_after_repeated_failures_even_with_the_right_password(
    client, django_user_model, settings
):
    django_user_model.objects.create_user("reception", password="a-long-test-password", is_staff=True)
    wrong = {"username": "reception", "password": "not-the-password"}

    statuses = [client.post("/admin/login/", wrong).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    locked = client.post("/admin/login/", {"username": "reception", "password": "a-long-test-password"})

    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def tampered_tokens(booking):
    token = links.make_token(booking)
    value, _, signature = token.rpartition(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    other_salt = signing.TimestampSigner(salt="another-purpose").sign(f"{booking.pk}.{booking.version}")
    return {
        "flipped signature": f"{value}:{flipped}",
        "other booking id": token.replace(f"{booking.pk}.", f"{booking.pk + 1}.", 1),
        "newer version": token.replace(f".{booking.version}:", f".{booking.version + 1}:", 1),
        "no signature": f"{booking.pk}.{booking.version}",
        "truncated": token[:-5],
        "other salt": other_salt,
        "empty signature": f"{value}:",
    }


def test_tampered_manage_links_show_the_friendly_404_and_change_nothing(client, booking):
    for label, token in tampered_tokens(booking).items():
        for method, path in (
            ("get", f"/book/manage/{token}/"),
            ("get", f"/book/confirmed/{token}/"),
            ("get", f"/book/manage/{token}/calendar.ics"),
            ("get", f"/book/manage/{token}/reschedule/"),
            ("post", f"/book/manage/{token}/cancel/"),
        ):
            response = getattr(client, method)(path)

            assert response.status_code == 404, (label, path)
            assert "This link does not work" in response.content.decode(), (label, path)
    booking.refresh_from_db()
    assert (booking.status, booking.version) == ("confirmed", 1)


def test_superseded_and_expired_links_stop_working(client, booking, settings):
    old_token = links.make_token(booking)
    cancelled_by_post = client.post(f"/book/manage/{old_token}/cancel/", {"reason": ""})
    assert cancelled_by_post.status_code == 302

    assert client.get(f"/book/manage/{old_token}/").status_code == 404
    booking.refresh_from_db()
    assert client.get(f"/book/manage/{links.make_token(booking)}/").status_code == 200
    settings.BOOKING_LINK_MAX_AGE_DAYS = 0
    assert client.get(f"/book/manage/{links.make_token(booking)}/").status_code == 404


def test_manage_link_holds_no_personal_data(booking):
    token = links.make_token(booking)

    for value in (booking.patient_name, booking.email, booking.phone, booking.date_of_birth.isoformat()):
        assert value not in token
    assert token.split(":")[0] == f"{booking.pk}.{booking.version}"


@pytest.mark.parametrize("username", ["A" * 300, "recep\x00tion"])
def test_staff_login_with_an_impossible_username_is_a_field_error_not_a_server_error(client, username):
    # Found by the fuzzing on PostgreSQL: django-axes stored the long username in a 255-character column.
    response = client.post("/admin/login/", {"username": username, "password": "a-long-test-password"})

    assert response.status_code == 200
    assert response.context["form"].errors["username"]


# --- The booking form's submission key ------------------------------------------------------


def issued_key(client, slot) -> str:
    """The hidden submission key the booking form of this slot carries."""
    html = client.get(f"/book/slot/{slot.pk}/").content.decode()
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)


def test_booking_form_key_of_another_booking_gives_no_access_to_it(client, schedule):
    slot = schedule.slots[1]
    key = issued_key(client, slot)
    booked = client.post(f"/book/slot/{slot.pk}/", {**BOOKING_FORM, "submission_key": key})
    victim = Booking.objects.get()

    # Someone who saw the page's source posts the same key with their own details.
    response = Client().post(
        f"/book/slot/{slot.pk}/",
        {**BOOKING_FORM, "patient_name": "Mallory Intruder", "email": "mallory@example.org", "submission_key": key},
    )

    assert booked.status_code == 302
    assert response.status_code == 409
    assert "has just been taken" in response.content.decode()
    assert booked["Location"] not in response.content.decode()
    assert victim.reference not in response.content.decode()
    assert Booking.objects.count() == 1


def test_booking_form_ignores_a_self_chosen_key(client, schedule):
    slot = schedule.slots[1]

    first = client.post(f"/book/slot/{slot.pk}/", {**BOOKING_FORM, "submission_key": "my-own-key"})
    again = Client().post(f"/book/slot/{slot.pk}/", {**BOOKING_FORM, "submission_key": "my-own-key"})

    assert first.status_code == 302
    assert Booking.objects.get().submission_key is None
    assert again.status_code == 409
    assert first["Location"] not in again.content.decode()


def test_booking_form_key_is_bound_to_the_slot_and_the_details(client, schedule):
    slot = schedule.slots[1]
    slot.capacity = 3
    slot.save()
    key = issued_key(client, slot)

    first = client.post(f"/book/slot/{slot.pk}/", {**BOOKING_FORM, "submission_key": key})
    same_form_again = client.post(f"/book/slot/{slot.pk}/", {**BOOKING_FORM, "submission_key": key})
    other_patient = client.post(
        f"/book/slot/{slot.pk}/", {**BOOKING_FORM, "email": "someone.else@example.org", "submission_key": key}
    )

    assert first["Location"] == same_form_again["Location"]
    assert other_patient.status_code == 302
    assert other_patient["Location"] != first["Location"]
    emails = sorted(Booking.objects.values_list("email", flat=True))
    assert emails == ["jordan@example.org", "someone.else@example.org"]


# --- Manage links: a fixed lifetime, revoked by erasure -------------------------------------


def tokens_in(text: str) -> set[str]:
    return set(re.findall(r"/book/(?:manage|confirmed)/([^/\"\s]+)/", text))


def signed_at(monkeypatch, moment: float) -> None:
    """Links signed from now on carry this time (tests/conftest.py freezes it per test)."""
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(moment)))


def test_pages_opened_from_a_link_keep_its_expiry(client, booking, monkeypatch, settings):
    real_time = time.time
    max_age = settings.BOOKING_LINK_MAX_AGE_DAYS * 24 * 60 * 60
    signed_at(monkeypatch, real_time() - max_age + 60)
    token = links.make_token(booking)  # sent a minute short of the maximum age
    signed_at(monkeypatch, real_time())

    pages = {
        path: client.get(path)
        for path in (
            f"/book/manage/{token}/",
            f"/book/confirmed/{token}/",
            f"/book/manage/{token}/reschedule/",
            f"/book/manage/{token}/calendar.ics",
        )
    }

    for path, response in pages.items():
        assert response.status_code == 200, path
        # (The calendar file folds long lines.)
        assert tokens_in(response.content.decode().replace("\r\n ", "")) == {token}, path
    # Two minutes later the link has expired, and so has every link its pages gave.
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: real_time() + 120))
    assert client.get(f"/book/manage/{token}/").status_code == 404


def test_erasing_a_booking_revokes_its_link(client, booking):
    booking = cancel_booking(booking_id=booking.pk, now=timezone.now(), actor=Actor.patient())
    token = links.make_token(booking)
    assert client.get(f"/book/manage/{token}/").status_code == 200

    anonymise_bookings(booking_ids=[booking.pk], now=timezone.now(), actor=SYSTEM)

    for path in (
        f"/book/manage/{token}/",
        f"/book/confirmed/{token}/",
        f"/book/manage/{token}/calendar.ics",
        f"/book/manage/{token}/reschedule/",
    ):
        response = client.get(path)
        page = response.content.decode()
        assert response.status_code == 404, path
        assert "This link does not work" in page, path
        assert settings.CLINIC_PHONE in page, path
        assert booking.reference not in page, path
