"""Acting as signed-in staff in tests.

Staff sign in with a password and a second factor (accounts/). ``log_in_verified`` does for the
test client what the two steps do: it signs the user in and marks the session verified by an
authenticator app it gives them. ``client.force_login`` alone is a password-only session, which
the site signs out again.
"""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, in hex


def give_second_factor(user, *, key: str = KEY) -> TOTPDevice:
    """The user's authenticator app (made if they have none)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "Authenticator app", "key": key}
    )
    return device


def code_for(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the app shows at ``at`` (now), or the next step's when the app's current code has
    been used already (django-otp accepts one step ahead, and each step once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    if totp.t() <= device.last_t:
        totp.time += device.step
    return f"{totp.token():0{device.digits}d}"


def log_in_verified(client, user) -> TOTPDevice:
    """Sign ``user`` in on ``client`` with both steps done; returns their authenticator app."""
    device = give_second_factor(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
