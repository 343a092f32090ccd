"""django-axes guards both steps of the sign-in with one count per username and address (in the
database, so every app server shares it): a locked-out username cannot reach or pass the code
step, and each wrong code counts as a failed sign-in, as a wrong password does."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.accounts.conftest import ADDRESS, CODE, SET_UP, code_step, password_step, signed_in_as
from tests.signin import code_for, give_second_factor

pytestmark = pytest.mark.django_db


def wrong_passwords(times: int, username: str = "rita", address: str = ADDRESS) -> list[int]:
    other_browser = Client(REMOTE_ADDR=address)
    return [
        password_step(other_browser, username=username, password="wrong-password").status_code for _ in range(times)
    ]


def failures(username: str = "rita") -> int:
    attempt = AccessAttempt.objects.filter(username=username).first()
    return attempt.failures_since_start if attempt else 0


def test_a_locked_out_username_does_not_reach_the_code_step(browser, rita):
    give_second_factor(rita)
    wrong_passwords(5)

    response = password_step(browser)

    assert response.status_code == 429
    assert "Sign-in locked for now" in response.content.decode()
    assert "staff_sign_in" not in browser.session
    assert browser.get(CODE)["Location"] == "/admin/login/"


def test_a_lockout_during_the_code_step_stops_it(browser, rita):
    """The password was right; then the username is locked out from this address (wrong passwords
    elsewhere on the same address): the code step answers with the lockout, even to the right code."""
    device = give_second_factor(rita)
    password_step(browser)
    wrong_passwords(5)

    page = browser.get(CODE)
    answer = code_step(browser, code_for(device))

    assert page.status_code == 429
    assert answer.status_code == 429
    assert "Sign-in locked for now" in answer.content.decode()
    assert signed_in_as(browser) is None
    assert failures() == 6  # the refused code counts, as a refused password does, and the cool-off restarts


def test_wrong_codes_count_toward_the_lockout(browser, rita):
    device = give_second_factor(rita)
    password_step(browser)

    statuses = [
        code_step(browser, "000000" if code_for(device) != "000000" else "111111").status_code for _ in range(5)
    ]
    after = code_step(browser, code_for(device))

    assert statuses == [200, 200, 200, 200, 429]
    assert after.status_code == 429
    assert signed_in_as(browser) is None
    assert failures() == 6


def test_wrong_passwords_and_wrong_codes_add_up(browser, rita):
    give_second_factor(rita)
    wrong_passwords(3)
    password_step(browser)

    statuses = [code_step(browser, "not-a-code").status_code for _ in range(2)]

    assert statuses == [200, 429]


def test_the_lockout_is_per_username_and_address(browser, rita):
    device = give_second_factor(rita)
    wrong_passwords(5, address="198.51.100.9")
    password_step(browser)

    response = code_step(browser, code_for(device))

    assert response.status_code == 302
    assert signed_in_as(browser) == "rita"


def test_a_locked_out_username_does_not_reach_set_up_either(browser, rita):
    password_step(browser)
    wrong_passwords(5)

    response = browser.get(SET_UP)

    assert response.status_code == 429
    assert browser.post(SET_UP, {"otp_token": "123456"}).status_code == 429


def test_the_lockout_ends_after_the_cool_off(browser, rita):
    device = give_second_factor(rita)
    password_step(browser)
    wrong_passwords(5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))

    response = code_step(browser, code_for(device))

    assert response.status_code == 302
    assert signed_in_as(browser) == "rita"


def test_only_a_whole_sign_in_resets_the_count(browser, rita, client):
    device = give_second_factor(rita)
    wrong_passwords(4)
    password_step(browser)
    assert failures() == 4  # a right password alone resets nothing

    code_step(browser, code_for(device))

    assert failures() == 0


def test_axes_keeps_no_code_that_was_typed(browser, rita):
    give_second_factor(rita)
    password_step(browser)

    code_step(browser, "typo2345")

    kept = AccessAttempt.objects.get(username="rita").post_data
    assert "typo2345" not in kept
    assert "otp_token=" in kept
