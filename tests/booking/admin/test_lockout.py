"""Staff login: argon2 hashes, and django-axes locks a username from one address after five
failed logins, for 15 minutes, counted in the database (so every app server sees it). The second
step of the sign-in, behind the same lockout, is tested in tests/accounts/test_lockout.py."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.booking.admin.conftest import PASSWORD
from tests.signin import code_for, give_second_factor

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def attempt(client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, times: int, username: str = "rita", ip: str = "203.0.113.7"):
    return [attempt(client, username, "wrong-password", ip).status_code for _ in range(times)]


def test_passwords_are_hashed_with_argon2(reception):
    assert reception.password.startswith("argon2$argon2id$")


def test_a_correct_password_leads_to_the_second_step(client, reception):
    response = attempt(client, "rita", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/admin/two-factor/set-up/"


def test_five_failures_lock_the_username_from_that_address_with_a_clear_message(client, reception):
    statuses = fail(client, 5)
    response = attempt(client, "rita", PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in locked for now" in page
    assert "try again in 15 minutes" in page
    assert "ask the clinic manager" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_is_shared_by_every_app_server(client, reception):
    fail(client, 5)

    other_server = Client()  # a new session, as on another app server: the count is in the database
    assert attempt(other_server, "rita", PASSWORD).status_code == 429
    # The refused attempt counts too, and restarts the cool-off.
    assert AccessAttempt.objects.get(username="rita").failures_since_start == 6


def test_the_lock_is_per_username_and_address(client, reception, manager):
    fail(client, 5)

    assert attempt(Client(), "rita", PASSWORD, ip="198.51.100.9").status_code == 302
    assert attempt(Client(), "mona", PASSWORD).status_code == 302  # to the second step


def test_the_lock_ends_after_the_cool_off(client, reception):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))

    assert attempt(client, "rita", PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(client, reception):
    device = give_second_factor(reception)
    fail(client, 4)
    assert attempt(client, "rita", PASSWORD).status_code == 302
    assert (
        client.post("/admin/two-factor/code/", {"otp_token": code_for(device)}, REMOTE_ADDR="203.0.113.7")["Location"]
        == "/admin/"
    )
    client.logout()

    assert fail(client, 4) == [200, 200, 200, 200]
    assert attempt(client, "rita", PASSWORD).status_code == 302
