"""The rules of staff sign-in, in one place: who needs a second factor, who may reset one, and the
state of a sign-in between its two steps.

A sign-in has two steps. The password step (the admin's login page, behind django-axes) does not
log anyone in: it remembers in the session who gave a correct password, for a few minutes. The
second step (a code from the authenticator app, or a recovery code; or setting the app up, for an
account that has none) logs the user in. So a session is signed in only after both steps, and
nothing that checks ``is_authenticated`` or a permission can be reached with a password alone.

django-axes guards both steps with one count per username and address: a locked-out username
cannot reach or pass the second step, and each wrong code counts as a failed sign-in.
"""

import time
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

PENDING_SESSION_KEY = "staff_sign_in"
# The second step must follow the password within this time, or the password is asked again.
PENDING_SECONDS = 10 * 60


def is_exempt(user) -> bool:
    """Accounts listed in STAFF_2FA_EXEMPT_USERNAMES sign in with a password alone (the demo)."""
    return user.get_username() in settings.STAFF_2FA_EXEMPT_USERNAMES


def has_second_factor(user) -> bool:
    """An account's second factor is its authenticator app; recovery codes come with it."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def is_signed_in(user) -> bool:
    """A session counts as signed in after both steps (or the password, for an exempt account).

    ``is_verified`` comes from django-otp's middleware: the session names the device that accepted
    a code for this user. Sessions without it (signed in before two-factor sign-in existed, or
    whose factor a superuser has since reset) are not signed in.
    """
    return user.is_verified() or is_exempt(user)


def can_reset_second_factor(user) -> bool:
    """Only a superuser resets someone's lost second factor (staff with user permissions cannot)."""
    return user.is_active and user.is_superuser


# --- Between the two steps -----------------------------------------------------------------------


@dataclass(frozen=True)
class PendingSignIn:
    user: User
    backend: str
    next_url: str


def start(request: HttpRequest, user, *, next_url: str) -> None:
    """The password was right: remember who, in a new session key (no fixation), for the second step."""
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "next": next_url,
        "started": int(time.time()),
    }


def pending(request: HttpRequest) -> PendingSignIn | None:
    """The sign-in waiting for its second step, or None (none, expired, or the account is gone)."""
    state = request.session.get(PENDING_SESSION_KEY)
    if not state or time.time() - state["started"] > PENDING_SECONDS:
        return None
    user = auth.get_user_model().objects.filter(pk=state["user_id"], is_active=True, is_staff=True).first()
    if user is None:
        return None
    return PendingSignIn(user=user, backend=state["backend"], next_url=state["next"])


def set_up_key(request: HttpRequest) -> str:
    """The authenticator app key offered to a pending sign-in without a second factor. Kept with the
    pending sign-in, so that reloading the set-up page shows the same QR code."""
    state = request.session[PENDING_SESSION_KEY]
    if "app_key" not in state:
        state["app_key"] = random_hex(20)
        request.session.modified = True
    return state["app_key"]


def forget(request: HttpRequest) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)


def finish(request: HttpRequest, sign_in: PendingSignIn, device) -> str:
    """Both steps passed: log the user in, verified by ``device``; returns where to go next.

    django-otp stores the device in the session when the user it logs in carries it, and
    django-axes's login handler resets the failure count of this username and address.
    """
    user = sign_in.user
    user.otp_device = device  # type: ignore[attr-defined]  # django-otp's documented way to log in verified
    forget(request)
    auth.login(request, user, backend=sign_in.backend)
    return sign_in.next_url


# --- django-axes at the second step --------------------------------------------------------------


def lockout(request: HttpRequest, user) -> HttpResponse | None:
    """The lockout page when this username is locked out from this address, else None."""
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    return get_lockout_response(request, credentials=credentials)


def count_failure(request: HttpRequest, user) -> None:
    """A wrong code is a failed sign-in for django-axes, as a wrong password is. When it is the
    last one allowed, axes marks the request locked out and its middleware answers with the
    lockout page."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
