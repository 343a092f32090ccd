"""`manage.py check --deploy` warns whenever an account may sign in with a password alone, and is
silent (with CI's production settings) when none may."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def check(*args: str, exempt: str | None) -> subprocess.CompletedProcess:
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy checks rightly refuse.
    unset = {"DEBUG", "STAFF_2FA_EXEMPT_USERNAMES", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="a-production-like-secret-key-for-this-check-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="clinic.example.org",
    )
    if exempt is not None:
        env["STAFF_2FA_EXEMPT_USERNAMES"] = exempt
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args, "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("exempt", [None, ""])
def test_deploy_check_is_clean_without_exemptions(exempt):
    result = check("--deploy", exempt=exempt)

    assert result.returncode == 0, result.stderr
    assert "accounts.W001" not in result.stdout + result.stderr


def test_deploy_check_warns_when_an_account_is_exempt():
    result = check("--deploy", exempt="admin,demo")

    assert result.returncode != 0
    assert (
        "(accounts.W001) STAFF_2FA_EXEMPT_USERNAMES lists 2 account(s) that sign in with a password alone: "
        "admin, demo." in result.stderr
    )


def test_the_warning_is_a_deploy_check_only():
    result = check(exempt="admin")

    assert result.returncode == 0, result.stderr
