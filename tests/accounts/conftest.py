"""Staff signing in through the real pages, from one address, as a browser without JavaScript."""

import pytest
from django.test import Client

from tests.booking.admin.conftest import PASSWORD, make_staff

ADDRESS = "203.0.113.7"
LOGIN = "/admin/login/"
CODE = "/admin/two-factor/code/"
SET_UP = "/admin/two-factor/set-up/"
OWN = "/admin/two-factor/"


@pytest.fixture
def browser():
    return Client(REMOTE_ADDR=ADDRESS)


@pytest.fixture
def rita(django_user_model):
    """A receptionist: sees patients' details once signed in."""
    return make_staff(django_user_model, "Reception", "rita")


def password_step(client, username: str = "rita", password: str = PASSWORD, next_url: str = "/admin/"):
    return client.post(f"{LOGIN}?next={next_url}", {"username": username, "password": password})


def code_step(client, code: str):
    return client.post(CODE, {"otp_token": code})


def signed_in_as(client) -> str | None:
    """The username the session is signed in as (both steps), or None."""
    response = client.get("/admin/")
    return response.context["user"].get_username() if response.status_code == 200 else None
