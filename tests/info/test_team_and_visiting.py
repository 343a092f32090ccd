import datetime
import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from booking.models import Clinician, Closure, WeeklyHours, clinic_tz
from info.models import VisitInfo, text_blocks
from tests.booking.conftest import make_clinician, make_type

pytestmark = pytest.mark.django_db


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Dr. Maya Okafor", "MO"), ("Sam Lindqvist", "SL"), ("Prof. Ada Mary Stone", "AS"), ("Cher", "C"), ("Dr.", "?")],
)
def test_clinician_initials_leave_out_titles(name, initials):
    assert Clinician(name=name).initials == initials


def test_team_page_shows_active_clinicians_with_initials_title_bio_and_what_they_see(client):
    okafor = make_clinician(name="Dr. Maya Okafor", slug="okafor", title="Physiatrist", bio="Rehabilitation medicine.")
    make_clinician(name="Dr. Gone Away", slug="gone", active=False)
    okafor.appointment_types.add(make_type(name="Follow-up visit"), make_type(name="Old type", active=False))

    response = client.get("/our-team/")
    html = response.content.decode()

    assert response.status_code == 200
    assert '<span class="avatar" aria-hidden="true">MO</span>' in html
    assert '<h2 id="clinician-okafor" class="h4 mb-1">Dr. Maya Okafor</h2>' in html
    assert "Physiatrist" in html
    assert "Rehabilitation medicine." in html
    assert "Sees patients for: Follow-up visit" in plain(html)
    assert "Old type" not in html
    assert "Gone Away" not in html
    assert "<img" not in html


def test_team_page_escapes_what_staff_typed(client):
    make_clinician(name="<b>Dr</b> X", slug="x", bio="<script>alert(1)</script>")

    html = client.get("/our-team/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_team_page_shows_a_clinician_change_at_once(client, django_capture_on_commit_callbacks):
    clinician = make_clinician(name="Dr. Before", slug="before")
    client.get("/our-team/")

    with django_capture_on_commit_callbacks(execute=True):
        clinician.name = "Dr. After"
        clinician.save()

    assert "Dr. After" in client.get("/our-team/").content.decode()


def weekly(clinician, weekday, start, end, **fields):
    return WeeklyHours.objects.create(
        clinician=clinician,
        weekday=weekday,
        start_time=start,
        end_time=end,
        appointment_type=make_type(),
        valid_from=fields.pop("valid_from", datetime.date(2020, 1, 1)),
        **fields,
    )


def test_visiting_page_shows_address_phone_from_settings_and_merged_opening_hours(client, settings):
    settings.CLINIC_ADDRESS = "1 Real Street, Albany, NY 12207"
    settings.CLINIC_PHONE = "+1 518-555-0199"
    one, two = make_clinician(slug="one"), make_clinician(slug="two")
    weekly(one, 0, time(9), time(12, 30))
    weekly(two, 0, time(12), time(17))  # overlaps: one range
    weekly(one, 2, time(9), time(12))
    weekly(one, 2, time(13), time(16))  # a gap: two ranges
    weekly(make_clinician(slug="inactive", active=False), 4, time(9), time(17))
    weekly(one, 3, time(9), time(17), valid_until=datetime.date(2021, 1, 1))  # ended

    text = plain(client.get("/visiting-us/").content.decode())

    assert "1 Real Street, Albany, NY 12207" in text
    assert "Phone: +1 518-555-0199" in text
    assert "Monday 9:00 AM to 5:00 PM" in text
    assert "Tuesday Closed" in text
    assert "Wednesday 9:00 AM to 12:00 PM, 1:00 PM to 4:00 PM" in text
    assert "Thursday Closed" in text
    assert "Friday Closed" in text
    assert text.index("Monday") < text.index("Sunday")


def test_visiting_page_lists_upcoming_whole_clinic_closures(client):
    today = timezone.localdate(timezone.now(), clinic_tz())
    Closure.for_local_dates(first_day=today + timedelta(days=10), reason="Staff training day")
    Closure.for_local_dates(
        first_day=today + timedelta(days=20), reason="One clinician away", clinician=make_clinician()
    )
    Closure.for_local_dates(first_day=today - timedelta(days=5), reason="Long gone")

    text = plain(client.get("/visiting-us/").content.decode())

    day = today + timedelta(days=10)
    assert f"{day:%A} {day.day} {day:%B %Y}: Staff training day" in text
    assert "One clinician away" not in text
    assert "Long gone" not in text


def test_visiting_page_shows_the_staff_texts_marked_demo_until_replaced(client):
    text = plain(client.get("/visiting-us/").content.decode())

    for heading in ["Step-free access", "Parking", "Public transport", "What to bring", "Referrals", "Insurance"]:
        assert heading in text
    assert "(Demo text: the clinic replaces this in the admin.)" in text
    assert "your referral letter, if you have one;" in text
    assert "a list of all the medicines you take;" in text


def test_visiting_page_shows_an_edit_at_once_and_escapes_it(client, django_capture_on_commit_callbacks):
    client.get("/visiting-us/")
    info = VisitInfo.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        info.parking = "Free parking at the back. <b>Ask</b> at the desk."
        info.save()

    html = client.get("/visiting-us/").content.decode()

    assert "Free parking at the back. &lt;b&gt;Ask&lt;/b&gt; at the desk." in html


def test_visiting_page_shows_new_weekly_hours_at_once(client, django_capture_on_commit_callbacks):
    client.get("/visiting-us/")

    with django_capture_on_commit_callbacks(execute=True):
        weekly(make_clinician(), 5, time(10), time(14))

    assert "Saturday 10:00 AM to 2:00 PM" in plain(client.get("/visiting-us/").content.decode())


def test_visit_info_text_blocks_are_paragraphs_and_lists():
    text = "First line\nsame paragraph.\n\n- one\n- two\n\nLast."

    assert text_blocks(text) == [
        {"kind": "paragraph", "text": "First line same paragraph."},
        {"kind": "list", "items": ["one", "two"]},
        {"kind": "paragraph", "text": "Last."},
    ]


def test_visit_info_has_one_row_and_no_delete_in_the_admin(staff_client):
    VisitInfo(parking="Changed").save()

    add = staff_client.get("/admin/info/visitinfo/add/")
    change = staff_client.get("/admin/info/visitinfo/1/change/")

    assert VisitInfo.objects.count() == 1
    assert add.status_code == 403
    assert change.status_code == 200
    assert "/admin/info/visitinfo/1/delete/" not in change.content.decode()
