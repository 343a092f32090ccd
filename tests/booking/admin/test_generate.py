"""Slot generation from the admin page and from the command: preview, create, idempotent, same."""

from datetime import date, time, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from booking.models import Closure, Slot, WeeklyHours
from tests.booking.admin.conftest import local_today, make_clinician, make_type

pytestmark = pytest.mark.django_db

GENERATE = "/admin/booking/slot/generate/"


@pytest.fixture
def hours():
    """Two clinicians working Monday to Friday; the Wednesday of next week is closed for everyone."""
    appointment_type = make_type(duration_minutes=30, buffer_minutes=0)
    first_monday = local_today() + timedelta(days=7 - local_today().weekday())
    clinicians = [make_clinician(name="Dr Ada", slug="dr-ada"), make_clinician(name="Dr Ben", slug="dr-ben")]
    for clinician in clinicians:
        for weekday in range(5):
            WeeklyHours.objects.create(
                clinician=clinician,
                weekday=weekday,
                start_time=time(9),
                end_time=time(11),
                appointment_type=appointment_type,
                valid_from=local_today(),
            )
    Closure.for_local_dates(first_day=first_monday + timedelta(days=2), reason="Training")
    return clinicians, first_monday


def form(clinicians, first_day, last_day, **extra):
    return {
        "clinicians": [c.pk for c in clinicians],
        "start_date": first_day.isoformat(),
        "end_date": last_day.isoformat(),
        **extra,
    }


def slot_set():
    return set(Slot.objects.values_list("clinician__slug", "appointment_type_id", "start", "end"))


def test_preview_counts_and_lists_closed_days_without_creating(manager_client, hours):
    clinicians, monday = hours

    response = manager_client.post(GENERATE, form(clinicians, monday, monday + timedelta(days=4), preview="Preview"))

    preview = response.context["preview"]
    # 5 days x 2 clinicians x 4 half-hours, minus the closed Wednesday.
    assert (preview["result"].created, preview["result"].existing, preview["result"].skipped_closed) == (32, 0, 8)
    wednesday = (monday + timedelta(days=2)).strftime("%A")
    assert [day.split(",")[0] for day in preview["closed_days"]] == [
        f"{wednesday} {(monday + timedelta(days=2)).day} {(monday + timedelta(days=2)):%B %Y}: Dr Ada",
        f"{wednesday} {(monday + timedelta(days=2)).day} {(monday + timedelta(days=2)):%B %Y}: Dr Ben",
    ]
    assert "Create 32 slots" in response.content.decode()
    assert Slot.objects.count() == 0


def test_create_then_rerun_creates_nothing(manager_client, hours):
    clinicians, monday = hours
    data = form(clinicians, monday, monday + timedelta(days=4), create="Create")

    response = manager_client.post(GENERATE, data)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/booking/slot/schedule/?date={monday.isoformat()}&view=week"
    assert Slot.objects.count() == 32

    preview = form(clinicians, monday, monday + timedelta(days=4), preview="Preview")
    again = manager_client.post(GENERATE, preview).context["preview"]["result"]
    assert (again.created, again.existing) == (0, 32)
    manager_client.post(GENERATE, data)
    assert Slot.objects.count() == 32


def test_generate_for_one_clinician_only(manager_client, hours):
    clinicians, monday = hours

    manager_client.post(GENERATE, form(clinicians[:1], monday, monday, create="Create"))

    assert set(Slot.objects.values_list("clinician__slug", flat=True)) == {"dr-ada"}


def test_the_command_and_the_admin_give_the_same_slots(manager_client, hours):
    clinicians, monday = hours
    last = monday + timedelta(days=11)

    out = StringIO()
    call_command("generate_slots", "--from", monday.isoformat(), "--to", last.isoformat(), stdout=out)
    from_command = slot_set()
    assert out.getvalue().startswith(f"Created {len(from_command)} slot(s); 0 already exist")
    Slot.objects.all().delete()
    manager_client.post(GENERATE, form(clinicians, monday, last, create="Create"))
    assert slot_set() == from_command

    out = StringIO()
    call_command("generate_slots", "--from", monday.isoformat(), "--to", last.isoformat(), stdout=out)
    assert out.getvalue().startswith(f"Created 0 slot(s); {len(from_command)} already exist")
    assert slot_set() == from_command


def test_the_command_takes_a_clinician_slug(hours):
    _, monday = hours

    call_command(
        "generate_slots",
        "--from",
        monday.isoformat(),
        "--to",
        monday.isoformat(),
        "--clinician",
        "dr-ben",
        stdout=StringIO(),
    )

    assert set(Slot.objects.values_list("clinician__slug", flat=True)) == {"dr-ben"}


def test_the_admin_form_refuses_a_backwards_range(manager_client, hours):
    clinicians, monday = hours

    response = manager_client.post(GENERATE, form(clinicians, monday, monday - timedelta(days=1), create="Create"))

    assert response.status_code == 200
    assert "The last day must be on or after the first day." in response.content.decode()
    assert Slot.objects.count() == 0


def test_reception_cannot_generate_slots(reception_client, hours):
    clinicians, monday = hours

    assert reception_client.get(GENERATE).status_code == 403
    assert reception_client.post(GENERATE, form(clinicians, monday, monday, create="Create")).status_code == 403
    assert Slot.objects.count() == 0


@pytest.mark.parametrize(
    ("first", "last", "field_message"),
    [
        ("0001-01-01", "0001-01-02", "Start today or later: slots on days that have passed cannot be booked."),
        ("9999-12-30", "9999-12-31", "Start within 732 days from today."),
        ("yesterday", "today", "Start today or later: slots on days that have passed cannot be booked."),
        ("today", "in 366 days", "Generate at most 366 days at a time."),
    ],
)
def test_the_admin_form_refuses_days_that_cannot_be_generated(manager_client, hours, first, last, field_message):
    clinicians, _ = hours
    today = local_today()
    named = {"today": today, "yesterday": today - timedelta(days=1), "in 366 days": today + timedelta(days=366)}
    first_day = named.get(first) or date.fromisoformat(first)
    last_day = named.get(last) or date.fromisoformat(last)

    response = manager_client.post(GENERATE, form(clinicians, first_day, last_day, create="Create"))

    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert Slot.objects.count() == 0


def test_the_admin_form_accepts_the_last_day_it_may_start_on(manager_client, hours):
    clinicians, _ = hours
    first_day = local_today() + timedelta(days=732)

    response = manager_client.post(
        GENERATE, form(clinicians, first_day, first_day + timedelta(days=6), create="Create")
    )

    assert response.status_code == 302
    assert Slot.objects.count() == 2 * 5 * 4  # two clinicians, five weekdays, four 30-minute slots


@pytest.mark.parametrize(("first", "last"), [("0001-01-01", "0001-01-01"), ("9999-12-31", "9999-12-31")])
def test_the_command_refuses_days_that_cannot_be_generated(hours, first, last):
    with pytest.raises(CommandError) as refused:
        call_command("generate_slots", "--from", first, "--to", last, stdout=StringIO())

    assert str(refused.value).startswith("--from: Start")
    assert Slot.objects.count() == 0
