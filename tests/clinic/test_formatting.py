from datetime import UTC, date, datetime

import pytest

from clinic import formatting


def test_long_and_short_dates_in_us_style():
    day = date(2026, 12, 2)
    assert formatting.long_date(day) == "Wednesday, December 2, 2026"
    assert formatting.short_date(day) == "Wed, Dec 2"
    assert formatting.short_date(day, with_year=True) == "Wed, Dec 2, 2026"


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 12, 2, 15, 0, tzinfo=UTC), "10:00 AM"),  # EST, UTC-5
        (datetime(2026, 7, 1, 14, 5, tzinfo=UTC), "10:05 AM"),  # EDT, UTC-4
        (datetime(2026, 12, 2, 5, 0, tzinfo=UTC), "12:00 AM"),
        (datetime(2026, 12, 2, 17, 0, tzinfo=UTC), "12:00 PM"),
        (datetime(2026, 12, 3, 4, 59, tzinfo=UTC), "11:59 PM"),
    ],
)
def test_clock_is_clinic_local_time(utc, expected):
    assert formatting.clock(utc) == expected


def test_a_moment_takes_its_clinic_local_day():
    # 02:30 UTC on Dec 3 is still Dec 2 in New York.
    late = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)
    assert formatting.long_when(late) == "Wednesday, December 2, 2026 at 9:30 PM"
    assert formatting.short_when(late) == "Wed, Dec 2, 2026, 9:30 PM"
    assert formatting.short_when(late, with_year=False) == "Wed, Dec 2, 9:30 PM"
    assert formatting.short_when(None) == ""


def test_daylight_saving_change_days():
    # Sunday Mar 8 2026: 2 AM EST becomes 3 AM EDT; Sunday Nov 1 2026: 2 AM EDT becomes 1 AM EST.
    assert formatting.clock(datetime(2026, 3, 8, 6, 59, tzinfo=UTC)) == "1:59 AM"
    assert formatting.clock(datetime(2026, 3, 8, 7, 0, tzinfo=UTC)) == "3:00 AM"
    assert formatting.clock(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) == "1:30 AM"
    assert formatting.clock(datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) == "1:30 AM"


@pytest.mark.parametrize(
    ("zone", "name"),
    [
        ("America/New_York", "Eastern Time"),
        ("America/Chicago", "Central Time"),
        ("America/Denver", "Mountain Time"),
        ("America/Los_Angeles", "Pacific Time"),
        ("America/Anchorage", "Alaska Time"),
    ],
)
def test_zone_name_is_what_patients_say(settings, zone, name):
    settings.TIME_ZONE = zone
    assert formatting.zone_name() == name


def test_zone_name_follows_the_clinic_setting(settings):
    settings.TIME_ZONE = "America/Chicago"
    assert formatting.clock(datetime(2026, 12, 2, 15, 0, tzinfo=UTC)) == "9:00 AM"


def test_typed_dates_are_month_day_year():
    assert formatting.typed_date(date(1980, 5, 17)) == "05/17/1980"
    assert formatting.TYPED_DATE_HINT == "MM/DD/YYYY"
