"""A staff member manages their own second factor (new recovery codes, a new phone); a superuser
resets a lost one. Each change is in the audit trail."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from audit.models import AuditEvent
from tests.accounts.conftest import OWN, SET_UP, password_step, signed_in_as
from tests.booking.admin.conftest import PASSWORD, make_staff
from tests.signin import give_second_factor, log_in_verified

pytestmark = pytest.mark.django_db

USERS = "/admin/auth/user/"


def trail() -> list[tuple[str, str | None, int, str]]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", "actor__username", "target_id", "detail"))


def devices(user) -> int:
    return TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("sam", "sam@example.org", PASSWORD)


@pytest.fixture
def rita_with_codes(rita):
    give_second_factor(rita)
    services.replace_recovery_codes(user=rita, now=timezone.now())
    AuditEvent.objects.all().delete()
    return rita


# --- One's own second factor -------------------------------------------------------------------


def test_own_page_shows_the_app_and_the_recovery_codes_left(client, rita_with_codes):
    log_in_verified(client, rita_with_codes)

    page = client.get(OWN).content.decode()

    assert re.search(r"<dt>Authenticator app</dt>\s*<dd>Set up ", page)
    assert re.search(r"<dt>Recovery codes left</dt>\s*<dd>10</dd>", page)
    assert 'href="/admin/two-factor/">Two-factor sign-in</a>' in page  # in the user links


def test_new_recovery_codes_replace_the_old_ones_and_are_recorded(client, rita_with_codes):
    old = set(StaticToken.objects.values_list("token", flat=True))
    log_in_verified(client, rita_with_codes)

    response = client.post(OWN, {"action": "new_codes"})

    new = set(StaticToken.objects.values_list("token", flat=True))
    assert (response.status_code, response["Location"]) == (302, OWN)
    assert len(new) == 10 and not old & new
    assert set(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(OWN).content.decode())) == new
    assert trail() == [("recovery_codes_replaced", "rita", rita_with_codes.pk, "10 recovery codes")]


def test_removing_ones_own_factor_signs_out_is_recorded_and_asks_for_a_new_app(client, browser, rita_with_codes):
    log_in_verified(client, rita_with_codes)

    response = client.post(OWN, {"action": "remove"})

    assert (response.status_code, response["Location"]) == (302, "/admin/login/")
    assert devices(rita_with_codes) == 0
    assert signed_in_as(client) is None
    assert trail() == [("two_factor_removed", "rita", rita_with_codes.pk, "2 device(s)")]
    assert password_step(browser)["Location"] == SET_UP


def test_an_unknown_action_on_the_own_page_changes_nothing(client, rita_with_codes):
    log_in_verified(client, rita_with_codes)

    response = client.post(OWN, {"action": "delete-everything"})

    assert response.status_code == 302
    assert devices(rita_with_codes) == 2
    assert trail() == []


# --- A superuser resets a lost one --------------------------------------------------------------


def test_a_superuser_resets_a_lost_second_factor_and_it_is_recorded(client, superuser, rita_with_codes):
    ritas_session = Client()
    log_in_verified(ritas_session, rita_with_codes)
    log_in_verified(client, superuser)
    AuditEvent.objects.all().delete()

    response = client.post(USERS, {"action": "reset_second_factor", "_selected_action": [rita_with_codes.pk]})

    assert response.status_code == 302
    assert devices(rita_with_codes) == 0
    assert trail() == [("two_factor_reset", "sam", rita_with_codes.pk, "2 device(s)")]
    assert "Two-factor sign-in reset for rita" in client.get(USERS).content.decode()
    assert signed_in_as(ritas_session) is None  # her sessions stop counting at once
    assert password_step(Client(REMOTE_ADDR="203.0.113.7"))["Location"] == SET_UP


def test_resetting_an_account_without_a_second_factor_records_nothing(client, superuser, rita):
    log_in_verified(client, superuser)
    AuditEvent.objects.all().delete()

    client.post(USERS, {"action": "reset_second_factor", "_selected_action": [rita.pk]})

    assert trail() == []
    assert "1 account(s) had no second factor to reset." in client.get(USERS).content.decode()


def test_staff_who_may_change_users_still_cannot_reset(client, django_user_model, rita_with_codes):
    helper = make_staff(django_user_model, None, "hal")
    helper.user_permissions.add(*Permission.objects.filter(content_type__app_label="auth", codename__endswith="_user"))
    log_in_verified(client, helper)

    listing = client.get(USERS)
    client.post(USERS, {"action": "reset_second_factor", "_selected_action": [rita_with_codes.pk]})

    assert listing.status_code == 200
    assert "reset_second_factor" not in dict(listing.context["action_form"].fields["action"].choices)
    assert devices(rita_with_codes) == 2
    assert not AuditEvent.objects.filter(action="two_factor_reset").exists()
    with pytest.raises(PermissionDenied):
        services.reset_second_factor(user=rita_with_codes, by=helper, now=timezone.now())


def test_the_user_list_tells_who_has_set_up_two_factor(client, superuser, rita_with_codes, settings):
    settings.STAFF_2FA_EXEMPT_USERNAMES = ["admin"]
    make_staff(superuser.__class__, None, "admin")
    make_staff(superuser.__class__, None, "newcomer")
    log_in_verified(client, superuser)

    page = client.get(USERS).content.decode()

    rows = dict(re.findall(r'field-username"><a [^>]*>([^<]+)</a>.*?field-second_factor">([^<]+)</td>', page, re.S))

    assert rows == {
        "admin": "Exempt (password alone)",
        "newcomer": "Not set up yet",
        "rita": "Set up",
        "sam": "Set up",
    }


@pytest.mark.parametrize("url", ["/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"])
def test_device_pages_are_not_in_the_admin(client, superuser, url):
    """Where a superuser could read a colleague's key, or remove a device without a trace."""
    log_in_verified(client, superuser)

    assert client.get(url).status_code == 404
