"""Every change to a staff account's second factor, each recorded in the audit trail in the same
transaction.

A second factor is two django-otp devices: a TOTP device (the authenticator app) and a static
device holding the recovery codes, each of which works once.
"""

from base64 import b32encode
from binascii import unhexlify
from datetime import datetime

import django_otp
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.signin import can_reset_second_factor
from audit.models import AuditEvent

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


class InvalidCode(Exception):
    """The code does not match the authenticator app's key."""


class AlreadySetUp(Exception):
    """The account has an authenticator app already (the set-up form was sent twice)."""


class TooManyAttempts(Exception):
    """django-otp refuses every code for this device for a while after wrong ones."""


def key_as_text(key: str) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def app_link(user, key: str) -> str:
    """The otpauth:// link of the QR code: the clinic's name, the username and the key."""
    return TOTPDevice(user=user, key=key).config_url


def normalise_code(code: str) -> str:
    """People type codes with spaces or dashes, recovery codes in capitals."""
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def enrol_authenticator(*, user, key: str, code: str, now: datetime) -> tuple[TOTPDevice, list[str]]:
    """Set up ``user``'s authenticator app from ``key``, if ``code`` is the app's code at ``now``.

    One transaction: locks the user's row, so two submits of the set-up form make one app; raises
    AlreadySetUp when the user has one, InvalidCode when the code does not match the key (within
    one 30-second step either side, for clocks that differ). Creates the TOTP device with the
    matched step marked used (the same code cannot sign in again), replaces any recovery codes
    with new ones, and records the event. Returns the device and the recovery codes, which are
    shown to the user once.
    """
    get_user_model().objects.select_for_update().get(pk=user.pk)
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        raise AlreadySetUp
    device = TOTPDevice(user=user, name=APP_DEVICE_NAME, key=key, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now.timestamp()
    if not (code.isdigit() and totp.verify(int(code), tolerance=device.tolerance)):
        raise InvalidCode
    device.last_t = totp.t()
    device.drift = totp.drift
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device.save()
    codes = _new_recovery_codes(user)
    AuditEvent.objects.record(
        actor=user,
        action=AuditEvent.Action.TWO_FACTOR_ENROLLED,
        target=user,
        now=now,
        detail=f"authenticator app, {len(codes)} recovery codes",
    )
    return device, codes


@transaction.atomic
def replace_recovery_codes(*, user, now: datetime) -> list[str]:
    """New recovery codes for ``user``; the old ones stop working. One transaction with its event."""
    codes = _new_recovery_codes(user)
    AuditEvent.objects.record(
        actor=user,
        action=AuditEvent.Action.RECOVERY_CODES_REPLACED,
        target=user,
        now=now,
        detail=f"{len(codes)} recovery codes",
    )
    return codes


@transaction.atomic
def remove_own_second_factor(*, user, now: datetime) -> int:
    """The user removes their app and recovery codes (a new phone): they set up a new app at their
    next sign-in. Returns the number of devices removed; records the event when there were any."""
    return _remove_devices(user=user, actor=user, action=AuditEvent.Action.TWO_FACTOR_REMOVED, now=now)


@transaction.atomic
def reset_second_factor(*, user, by, now: datetime) -> int:
    """A superuser resets the lost second factor of ``user``, who sets up a new app at their next
    sign-in; the sessions ``user`` had stop counting as signed in. Raises PermissionDenied for
    anyone else. Returns the number of devices removed; records the event when there were any."""
    if not can_reset_second_factor(by):
        raise PermissionDenied
    return _remove_devices(user=user, actor=by, action=AuditEvent.Action.TWO_FACTOR_RESET, now=now)


def check_code(*, user, code: str):
    """The device of ``user`` that accepts ``code`` (the app's current code, or a recovery code,
    which is then used up), or None.

    Each device is checked in its own transaction with its row locked (django-otp), so one code
    cannot sign in twice at once. django-otp slows guessing per device, whatever the address:
    after n wrong codes in a row the device refuses every code for 2**(n-1) seconds, and this
    raises TooManyAttempts meanwhile.
    """
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            raise TooManyAttempts
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _remove_devices(*, user, actor, action: str, now: datetime) -> int:
    removed = 0
    for device in django_otp.devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    if removed:
        AuditEvent.objects.record(actor=actor, action=action, target=user, now=now, detail=f"{removed} device(s)")
    return removed
