"""Staff sign in with a password, then a second factor: a code from an authenticator app, or a
recovery code. An account without one sets it up on its first sign-in. Only the usernames in
STAFF_2FA_EXEMPT_USERNAMES sign in with a password alone."""

import re
import time
from base64 import b32decode
from binascii import unhexlify
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from audit.models import AuditEvent
from tests.accounts.conftest import CODE, OWN, SET_UP, code_step, password_step, signed_in_as
from tests.booking.admin.conftest import PASSWORD, book, slot_in
from tests.signin import code_for, give_second_factor, log_in_verified

pytestmark = pytest.mark.django_db


def app_code(key: str, *, at: float | None = None) -> str:
    """What an authenticator app given ``key`` shows."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def wrong_code(key: str) -> str:
    """A 6-digit code that is none of the app's codes for now, the step before or the step after."""
    valid = {app_code(key, at=time.time() + offset) for offset in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def offered_key(client) -> str:
    """The key the set-up page offers, as the QR code carries it."""
    page = client.get(SET_UP).content.decode()
    return re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")


def hex_key(base32_key: str) -> str:
    return b32decode(base32_key).hex()


# --- Setting up the second factor on the first sign-in ------------------------------------------


def test_sign_in_without_a_second_factor_goes_to_set_up_still_signed_out(browser, rita):
    response = password_step(browser)

    assert (response.status_code, response["Location"]) == (302, SET_UP)
    assert "_auth_user_id" not in browser.session
    page = browser.get(SET_UP)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Set up two-factor sign-in" in content
    assert re.search(r'<img src="data:image/svg\+xml;charset=utf-8,[^"]+" alt="QR code to add rita at ', content)
    assert re.search(r"<code>([A-Z2-7]{4} ){7}[A-Z2-7]{4}</code>", content)  # the key, typed by hand
    assert signed_in_as(browser) is None


def test_set_up_page_shows_the_same_key_until_it_is_confirmed(browser, rita):
    password_step(browser)

    assert offered_key(browser) == offered_key(browser)


def test_set_up_with_the_apps_code_signs_in_and_shows_recovery_codes_once(browser, rita):
    password_step(browser, next_url="/admin/booking/slot/schedule/")
    key = hex_key(offered_key(browser))

    response = browser.post(SET_UP, {"otp_token": app_code(key)})

    assert (response.status_code, response["Location"]) == (302, OWN)
    device = TOTPDevice.objects.get(user=rita)
    assert (device.key, device.confirmed) == (key, True)
    codes = set(StaticToken.objects.filter(device__user=rita).values_list("token", flat=True))
    assert len(codes) == 10
    first_view = browser.get(OWN).content.decode()
    assert set(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", first_view)) == codes
    assert 'href="/admin/booking/slot/schedule/">I have kept them: continue' in first_view
    assert not re.findall(r"<li><code>", browser.get(OWN).content.decode())  # shown only once
    assert signed_in_as(browser) == "rita"
    assert list(AuditEvent.objects.values_list("action", "actor__username", "target_id", "detail")) == [
        ("two_factor_enrolled", "rita", rita.pk, "authenticator app, 10 recovery codes")
    ]


def test_set_up_with_a_wrong_code_says_so_and_sets_nothing_up(browser, rita):
    password_step(browser)
    key = hex_key(offered_key(browser))

    response = browser.post(SET_UP, {"otp_token": wrong_code(key)})

    assert response.status_code == 200
    assert "That code does not match." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=rita).exists()
    assert signed_in_as(browser) is None
    assert offered_key(browser) == services.key_as_text(key).replace(" ", "")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12345", "Enter the 6 digits the app shows, for example 123456."),
        ("1234567", "Enter the 6 digits the app shows, for example 123456."),
        ("12ab56", "Enter the 6 digits the app shows, for example 123456."),
        ("", "Enter the 6-digit code the app shows."),
    ],
)
def test_set_up_asks_for_six_digits(browser, rita, typed, message):
    password_step(browser)

    response = browser.post(SET_UP, {"otp_token": typed})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TOTPDevice.objects.filter(user=rita).exists()


def test_set_up_accepts_a_code_typed_with_spaces(browser, rita):
    password_step(browser)
    key = hex_key(offered_key(browser))
    code = app_code(key)

    response = browser.post(SET_UP, {"otp_token": f" {code[:3]} {code[3:]} "})

    assert (response.status_code, response["Location"]) == (302, OWN)


def test_set_up_is_not_offered_to_an_account_that_has_a_second_factor(browser, rita):
    give_second_factor(rita)
    password_step(browser)

    response = browser.get(SET_UP)

    assert (response.status_code, response["Location"]) == (302, CODE)


# --- The code step ---------------------------------------------------------------------------------


def test_sign_in_with_a_second_factor_asks_for_the_code_still_signed_out(browser, rita):
    give_second_factor(rita)

    response = password_step(browser)

    assert (response.status_code, response["Location"]) == (302, CODE)
    assert "Enter your code" in browser.get(CODE).content.decode()
    assert signed_in_as(browser) is None


def test_the_apps_code_signs_in_and_goes_where_the_user_was_going(browser, rita):
    device = give_second_factor(rita)
    password_step(browser, next_url="/admin/booking/slot/schedule/")

    response = code_step(browser, code_for(device))

    assert (response.status_code, response["Location"]) == (302, "/admin/booking/slot/schedule/")
    assert browser.get("/admin/booking/slot/schedule/").status_code == 200
    assert signed_in_as(browser) == "rita"


def test_a_wrong_code_gets_a_clear_message(browser, rita):
    device = give_second_factor(rita)
    password_step(browser)

    response = code_step(browser, wrong_code(device.key))

    assert response.status_code == 200
    assert "That code did not work." in response.content.decode()
    assert signed_in_as(browser) is None


def test_an_empty_code_gets_a_clear_message(browser, rita):
    give_second_factor(rita)
    password_step(browser)

    response = code_step(browser, "")

    assert response.status_code == 200
    assert "Enter the code your authenticator app shows now, or a recovery code." in response.content.decode()


def test_a_wrong_code_right_after_another_is_refused_for_a_while(browser, rita):
    """django-otp's throttling: after a wrong code, the device refuses every code for a second."""
    device = give_second_factor(rita)
    password_step(browser)
    code_step(browser, wrong_code(device.key))

    response = code_step(browser, code_for(device))

    assert "Too many wrong codes in a row." in response.content.decode()
    assert signed_in_as(browser) is None


def test_an_app_code_signs_in_once(browser, rita, client):
    device = give_second_factor(rita)
    code = code_for(device)
    password_step(browser)
    code_step(browser, code)

    password_step(client)
    response = code_step(client, code)

    assert "That code did not work." in response.content.decode()
    assert signed_in_as(client) is None


def test_a_recovery_code_signs_in_once(browser, rita, client):
    give_second_factor(rita)
    first, *_ = services.replace_recovery_codes(user=rita, now=timezone.now())
    password_step(browser)

    response = code_step(browser, first.upper())

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert "You signed in with a recovery code; it will not work again. 9 recovery code(s) left" in (
        browser.get("/admin/").content.decode()
    )
    password_step(client)
    again = code_step(client, first)
    assert "That code did not work." in again.content.decode()
    assert signed_in_as(client) is None


def test_the_code_step_without_the_password_step_goes_to_sign_in(browser, rita):
    give_second_factor(rita)

    response = browser.get(CODE)

    assert (response.status_code, response["Location"]) == (302, "/admin/login/")
    assert browser.post(SET_UP, {"otp_token": "123456"})["Location"] == "/admin/login/"


def test_the_code_step_must_follow_the_password_within_ten_minutes(browser, rita):
    device = give_second_factor(rita)
    password_step(browser)
    session = browser.session
    session["staff_sign_in"]["started"] -= 10 * 60 + 1
    session.save()

    response = code_step(browser, code_for(device))

    assert (response.status_code, response["Location"]) == (302, "/admin/login/")
    assert signed_in_as(browser) is None


# --- A password alone reaches nothing ------------------------------------------------------------


@pytest.fixture
def patient_booking():
    return book(slot_in(timedelta(days=3)), name="Jordan Rivers", email="jordan@example.org")


def staff_urls(booking) -> list[str]:
    return [
        "/admin/",
        "/admin/booking/booking/",
        "/admin/booking/booking/?q=Jordan",
        f"/admin/booking/booking/{booking.pk}/change/",
        f"/admin/booking/booking/{booking.pk}/move/",
        "/admin/booking/booking/book/",
        "/admin/booking/slot/",
        "/admin/booking/slot/schedule/",
        "/admin/booking/slot/schedule/?view=week",
        "/admin/booking/bookingevent/",
        "/admin/audit/auditevent/",
        "/admin/auth/user/",
        OWN,
    ]


def test_after_set_up_a_password_alone_reaches_no_staff_page(browser, rita, patient_booking):
    give_second_factor(rita)
    rita.is_superuser = True  # the most a password could open
    rita.save()
    password_step(browser)

    for url in staff_urls(patient_booking):
        response = browser.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/admin/login/"), url
    assert browser.post("/admin/booking/booking/", {"action": "export_csv"}).status_code == 302


def test_a_session_signed_in_with_a_password_alone_is_signed_out(client, rita, patient_booking, make_page):
    """A session from before two-factor sign-in (or signed in any other way without a factor)."""
    give_second_factor(rita)
    rita.is_superuser = True
    rita.save()
    client.force_login(rita)
    draft = make_page(slug="draft", published=False)

    assert client.get(draft.get_absolute_url()).status_code == 404  # staff could preview it
    assert "_auth_user_id" not in client.session
    for url in staff_urls(patient_booking):
        assert client.get(url).status_code == 302, url


def test_a_verified_session_reaches_the_staff_pages(client, rita, patient_booking):
    log_in_verified(client, rita)

    for url in ["/admin/", "/admin/booking/booking/?q=Jordan", "/admin/booking/slot/schedule/", OWN]:
        assert client.get(url).status_code == 200, url


# --- Exemptions -----------------------------------------------------------------------------------


def test_an_exempt_username_signs_in_with_its_password_alone(browser, django_user_model, settings):
    settings.STAFF_2FA_EXEMPT_USERNAMES = ["admin"]
    django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD)

    response = password_step(browser, username="admin")

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert signed_in_as(browser) == "admin"
    assert "STAFF_2FA_EXEMPT_USERNAMES" in browser.get(OWN).content.decode()


def test_only_the_listed_usernames_are_exempt(browser, rita, settings):
    settings.STAFF_2FA_EXEMPT_USERNAMES = ["admin", "Rita"]

    response = password_step(browser)

    assert response["Location"] == SET_UP
