from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.models import Closure, Slot, WeeklyHours
from booking.services import generate_slots
from tests.booking.conftest import NOW, make_clinician, make_slot, make_type

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
TUESDAY = date(2030, 1, 8)  # the day after NOW
LONG_AGO = date(2029, 1, 1)


@pytest.fixture(autouse=True)
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def add_hours(clinician, appointment_type, weekdays, start, end, **fields) -> None:
    for weekday in weekdays:
        WeeklyHours.objects.create(
            clinician=clinician,
            appointment_type=appointment_type,
            weekday=weekday,
            start_time=time.fromisoformat(start),
            end_time=time.fromisoformat(end),
            valid_from=fields.get("valid_from", LONG_AGO),
            valid_until=fields.get("valid_until"),
        )


def local_starts(**filters) -> list[str]:
    slots = Slot.objects.filter(**filters).order_by("start")
    return [slot.local_start.strftime("%a %Y-%m-%d %H:%M") for slot in slots]


def test_generate_slots_steps_by_duration_plus_buffer():
    clinician = make_clinician()
    consultation = make_type(duration_minutes=45, buffer_minutes=15)
    add_hours(clinician, consultation, [1], "09:00", "12:30")

    result = generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW)

    assert result.created == 3
    assert local_starts() == ["Tue 2030-01-08 09:00", "Tue 2030-01-08 10:00", "Tue 2030-01-08 11:00"]
    first = Slot.objects.order_by("start").first()
    assert (first.end - first.start, first.capacity, first.booked_count) == (timedelta(minutes=45), 1, 0)
    assert first.start == datetime(2030, 1, 8, 14, 0, tzinfo=UTC)


def test_generate_slots_leaves_lunch_break_free():
    clinician = make_clinician()
    follow_up = make_type(duration_minutes=60)
    add_hours(clinician, follow_up, [1], "09:00", "12:30")
    add_hours(clinician, follow_up, [1], "13:30", "15:30")

    generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW)

    assert [start[-5:] for start in local_starts()] == ["09:00", "10:00", "11:00", "13:30", "14:30"]


def test_generate_slots_rerun_creates_nothing():
    clinician = make_clinician()
    add_hours(clinician, make_type(duration_minutes=30), range(7), "09:00", "17:00")
    first = generate_slots(start_date=TUESDAY, end_date=TUESDAY + timedelta(days=41), now=NOW)

    second = generate_slots(start_date=TUESDAY, end_date=TUESDAY + timedelta(days=41), now=NOW)

    assert first.created == 42 * 16
    assert (second.created, second.existing, second.skipped_overlap) == (0, 42 * 16, 0)
    assert Slot.objects.count() == 42 * 16


def test_generate_slots_is_fast_in_queries(django_assert_max_num_queries):
    for _ in range(3):
        add_hours(make_clinician(), make_type(duration_minutes=20), range(5), "09:00", "17:00")

    # A handful of reads plus the inserts: SQLite takes at most 999 parameters per INSERT, so
    # 2160 slots need about 16 of them. One query per slot would be 2000+.
    with django_assert_max_num_queries(30):
        result = generate_slots(start_date=TUESDAY, end_date=TUESDAY + timedelta(days=41), now=NOW)

    assert result.created == Slot.objects.count() == 3 * 30 * 24


def test_generate_slots_never_in_the_past():
    clinician = make_clinician()
    add_hours(clinician, make_type(duration_minutes=60), [0], "08:00", "12:00")  # NOW is Monday 09:00 local

    generate_slots(start_date=date(2030, 1, 7), end_date=date(2030, 1, 7), now=NOW)

    assert local_starts() == ["Mon 2030-01-07 09:00", "Mon 2030-01-07 10:00", "Mon 2030-01-07 11:00"]


def test_generate_slots_clinic_closure_removes_whole_day():
    clinician = make_clinician()
    add_hours(clinician, make_type(duration_minutes=60), [1, 2], "09:00", "12:00")
    Closure.for_local_dates(first_day=TUESDAY, reason="Holiday")

    result = generate_slots(start_date=TUESDAY, end_date=TUESDAY + timedelta(days=1), now=NOW)

    assert local_starts() == ["Wed 2030-01-09 09:00", "Wed 2030-01-09 10:00", "Wed 2030-01-09 11:00"]
    assert (result.created, result.skipped_closed) == (3, 3)
    assert result.closed_days == [(clinician, TUESDAY)]


def test_generate_slots_clinician_closure_only_affects_that_clinician():
    away, present = make_clinician(name="Away"), make_clinician(name="Present")
    follow_up = make_type(duration_minutes=60)
    add_hours(away, follow_up, [1], "09:00", "11:00")
    add_hours(present, follow_up, [1], "09:00", "11:00")
    Closure.for_local_dates(first_day=TUESDAY, clinician=away, reason="Training")

    generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW)

    assert local_starts(clinician=away) == []
    assert local_starts(clinician=present) == ["Tue 2030-01-08 09:00", "Tue 2030-01-08 10:00"]


def test_generate_slots_partial_closure_removes_overlapping_slots_only():
    clinician = make_clinician()
    add_hours(clinician, make_type(duration_minutes=60), [1], "09:00", "13:00")
    Closure.objects.create(
        starts_at=datetime(2030, 1, 8, 10, 30, tzinfo=NEW_YORK),
        ends_at=datetime(2030, 1, 8, 11, 0, tzinfo=NEW_YORK),
        reason="Staff meeting",
    )

    result = generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW)

    assert [start[-5:] for start in local_starts()] == ["09:00", "11:00", "12:00"]
    assert (result.skipped_closed, result.closed_days) == (1, [])


def test_generate_slots_skips_times_overlapping_existing_slot():
    clinician = make_clinician()
    follow_up = make_type(duration_minutes=60)
    add_hours(clinician, follow_up, [1], "09:00", "12:00")
    half_past_nine = datetime(2030, 1, 8, 9, 30, tzinfo=NEW_YORK)
    manual = make_slot(clinician=clinician, appointment_type=follow_up, start=half_past_nine)

    result = generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW)

    assert (result.created, result.skipped_overlap) == (1, 2)
    assert Slot.objects.order_by("start").first() == manual
    assert [start[-5:] for start in local_starts()] == ["09:30", "11:00"]


def test_generate_slots_overlapping_hours_rows_do_not_overlap():
    clinician = make_clinician()
    add_hours(clinician, make_type(duration_minutes=60), [1], "09:00", "11:00")
    add_hours(clinician, make_type(duration_minutes=30), [1], "09:30", "11:00")

    result = generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW)

    assert result.created == 2
    assert [start[-5:] for start in local_starts()] == ["09:00", "10:00"]


def test_generate_slots_respects_validity_dates():
    clinician = make_clinician()
    follow_up = make_type(duration_minutes=60)
    add_hours(clinician, follow_up, [1], "09:00", "10:00", valid_until=TUESDAY)
    add_hours(clinician, follow_up, [1], "14:00", "15:00", valid_from=TUESDAY + timedelta(days=7))

    generate_slots(start_date=TUESDAY, end_date=TUESDAY + timedelta(days=7), now=NOW)

    assert local_starts() == ["Tue 2030-01-08 09:00", "Tue 2030-01-15 14:00"]


def test_generate_slots_skips_inactive_clinicians_and_types():
    add_hours(make_clinician(active=False), make_type(), [1], "09:00", "10:00")
    add_hours(make_clinician(), make_type(active=False), [1], "09:00", "10:00")

    result = generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW)

    assert result.created == 0


def test_generate_slots_limited_to_given_clinicians():
    chosen, other = make_clinician(), make_clinician()
    follow_up = make_type(duration_minutes=60)
    add_hours(chosen, follow_up, [1], "09:00", "10:00")
    add_hours(other, follow_up, [1], "09:00", "10:00")

    generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW, clinicians=[chosen])

    assert list(Slot.objects.values_list("clinician", flat=True)) == [chosen.pk]


def test_generate_slots_dry_run_writes_nothing():
    add_hours(make_clinician(), make_type(duration_minutes=60), [1], "09:00", "12:00")

    result = generate_slots(start_date=TUESDAY, end_date=TUESDAY, now=NOW, dry_run=True)

    assert result.created == 3
    assert Slot.objects.count() == 0


@pytest.mark.parametrize(
    ("first_day", "change_day", "offset_before", "offset_after"),
    [
        (date(2026, 3, 2), date(2026, 3, 8), -5, -4),  # spring forward
        (date(2026, 10, 26), date(2026, 11, 1), -4, -5),  # fall back
    ],
)
def test_generate_slots_keeps_local_time_across_dst(first_day, change_day, offset_before, offset_after):
    clinician = make_clinician()
    add_hours(clinician, make_type(duration_minutes=60), range(7), "09:00", "10:00", valid_from=date(2026, 1, 1))
    last_day = first_day + timedelta(days=13)

    result = generate_slots(start_date=first_day, end_date=last_day, now=datetime(2026, 1, 1, tzinfo=UTC))

    slots = list(Slot.objects.order_by("start"))
    assert result.created == 14
    for slot in slots:
        local = slot.start.astimezone(NEW_YORK)
        expected_offset = offset_before if local.date() < change_day else offset_after
        assert local.time() == time(9, 0)
        assert local.utcoffset() == timedelta(hours=expected_offset)
        assert slot.end - slot.start == timedelta(hours=1)
    assert [slot.start.astimezone(NEW_YORK).date() for slot in slots] == [
        first_day + timedelta(days=n) for n in range(14)
    ]


def test_generate_slots_skips_nonexistent_local_time():
    clinician = make_clinician()
    add_hours(clinician, make_type(duration_minutes=60), [6], "01:00", "04:00", valid_from=date(2026, 1, 1))
    spring_forward = date(2026, 3, 8)

    generate_slots(start_date=spring_forward, end_date=spring_forward, now=datetime(2026, 1, 1, tzinfo=UTC))

    starts = [slot.start for slot in Slot.objects.order_by("start")]
    assert starts == [datetime(2026, 3, 8, 6, 0, tzinfo=UTC), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)]
    assert [start.astimezone(NEW_YORK).strftime("%H:%M %Z") for start in starts] == ["01:00 EST", "03:00 EDT"]


def test_generate_slots_takes_first_occurrence_of_ambiguous_time():
    clinician = make_clinician()
    add_hours(clinician, make_type(duration_minutes=60), [6], "00:30", "02:30", valid_from=date(2026, 1, 1))
    fall_back = date(2026, 11, 1)

    generate_slots(start_date=fall_back, end_date=fall_back, now=datetime(2026, 1, 1, tzinfo=UTC))

    starts = [slot.start for slot in Slot.objects.order_by("start")]
    assert starts == [datetime(2026, 11, 1, 4, 30, tzinfo=UTC), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)]
    assert [start.astimezone(NEW_YORK).strftime("%H:%M %Z") for start in starts] == ["00:30 EDT", "01:30 EDT"]
