import pytest
from django.utils import timezone

from booking import links
from tests.booking.conftest import make_booking
from tests.e2e.helpers import make_schedule


@pytest.fixture
def schedule(db):
    return make_schedule()


@pytest.fixture
def booking(schedule):
    return make_booking(slot=schedule.slots[0], now=timezone.now())


@pytest.fixture
def token(booking):
    return links.make_token(booking)
