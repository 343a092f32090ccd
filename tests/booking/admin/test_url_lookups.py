"""URL filters of the staff lists: only the declared filters answer, for every role and every list
that holds patient data. A lookup on any other field is refused (400), never a filtered list, so a
role cannot read a field it may not see (the reason for a visit) by filtering on it."""

from datetime import timedelta

import pytest

from booking.models import Booking, Notification
from tests.booking.admin.conftest import book, make_clinician, make_staff, slot_in
from tests.signin import log_in_verified

pytestmark = pytest.mark.django_db

ROLES = ["Reception", "Clinician", "Clinic manager", "Content editor", "superuser"]

# What each list holds of a patient, reachable by a lookup in its URL.
PATIENT_FIELDS = {
    "booking": [
        "reason",
        "patient_name",
        "email",
        "phone",
        "date_of_birth",
        "accessibility_needs",
        "cancellation_reason",
    ],
    "slot": ["bookings__reason", "bookings__patient_name", "bookings__email"],
    "bookingevent": ["booking__reason", "booking__patient_name", "booking__email"],
    "notification": ["booking__reason", "booking__patient_name", "booking__email"],
}
LOOKUPS = ["", "__exact", "__icontains", "__startswith", "__regex"]

# Which roles may open each list at all (the others get 403 before any filter is read).
MAY_VIEW = {
    "booking": {"Reception", "Clinician", "Clinic manager", "superuser"},
    "slot": {"Reception", "Clinician", "Clinic manager", "superuser"},
    "bookingevent": {"Clinic manager", "superuser"},
    "notification": {"Reception", "Clinic manager", "superuser"},
}

SECRET_REASON = "Hip-secret-5521"


@pytest.fixture
def patient_booking(django_user_model):
    """One booking of the clinician linked to the Clinician-role user, so every role could see its row."""
    doctor = make_staff(django_user_model, "Clinician", "role-clinician")
    clinician = make_clinician(name="Dr Own", slug="dr-own", user=doctor)
    return book(slot_in(timedelta(days=3), clinician=clinician), name="Casey Hidden", reason=SECRET_REASON)


def client_for(client, django_user_model, role: str):
    if role == "superuser":
        user = django_user_model.objects.create_superuser("role-superuser", "su@example.org", "a-long-password-1")
    elif role == "Clinician":
        user = django_user_model.objects.get(username="role-clinician")
    else:
        user = make_staff(django_user_model, role, f"role-{role.lower().replace(' ', '-')}")
    log_in_verified(client, user)
    return client


def probe_values(booking: Booking) -> dict[str, str]:
    """A value that matches the booking for each field (prefix and regex forms work on these too)."""
    return {
        "reason": booking.reason[:3],
        "patient_name": booking.patient_name[:3],
        "email": booking.email[:3],
        "phone": booking.phone[:3],
        "date_of_birth": booking.date_of_birth.isoformat(),
        "accessibility_needs": "",
        "cancellation_reason": "",
    }


@pytest.mark.parametrize("model", list(PATIENT_FIELDS))
@pytest.mark.parametrize("role", ROLES)
def test_lookups_on_patient_fields_are_refused_for_every_role(client, django_user_model, patient_booking, role, model):
    staff = client_for(client, django_user_model, role)
    values = probe_values(patient_booking)
    expected = 400 if role in MAY_VIEW[model] else 403
    answers = {}
    for field in PATIENT_FIELDS[model]:
        value = values[field.split("__")[-1]]
        for lookup in LOOKUPS:
            if lookup == "" or lookup == "__exact":
                probe = {f"{field}{lookup}": value}
            else:
                probe = {f"{field}{lookup}": value or "."}
            response = staff.get(f"/admin/booking/{model}/", probe)
            answers[f"{field}{lookup}"] = response.status_code
            assert SECRET_REASON not in response.content.decode()
    assert answers == dict.fromkeys(answers, expected)


def test_reception_cannot_binary_search_the_reason(reception_client, reception, patient_booking):
    """The probe from outside: a matching and a non-matching regex must not answer differently."""
    matching = reception_client.get("/admin/booking/booking/", {"reason__regex": "^Hip"})
    not_matching = reception_client.get("/admin/booking/booking/", {"reason__regex": "^Knee"})

    assert (matching.status_code, not_matching.status_code) == (400, 400)
    assert matching.content == not_matching.content


def test_declared_filters_still_answer(reception_client, patient_booking):
    slot = patient_booking.slot
    local = slot.start
    cases = [
        {"status__exact": "confirmed"},
        {"source__exact": "online"},
        {"when": "upcoming"},
        {"slot__clinician__id__exact": str(slot.clinician_id)},
        {"slot__appointment_type__id__exact": str(slot.appointment_type_id)},
        {"slot__start__year": str(local.year), "slot__start__month": str(local.month)},
    ]
    for params in cases:
        response = reception_client.get("/admin/booking/booking/", params)
        assert response.status_code == 200, params
        assert [b.pk for b in response.context["cl"].result_list] == [patient_booking.pk], params

    cancelled = reception_client.get("/admin/booking/booking/", {"status__exact": "cancelled"})
    assert list(cancelled.context["cl"].result_list) == []


def test_declared_filters_of_the_other_lists_still_answer(manager_client, patient_booking):
    slot = patient_booking.slot
    assert manager_client.get("/admin/booking/slot/", {"state": "booked"}).context["cl"].result_list[0] == slot
    assert manager_client.get("/admin/booking/slot/", {"clinician__id__exact": slot.clinician_id}).status_code == 200
    failed = manager_client.get("/admin/booking/notification/", {"status__exact": Notification.Status.FAILED})
    assert failed.status_code == 200
    assert manager_client.get("/admin/booking/bookingevent/", {"action__exact": "created"}).status_code == 200
    assert manager_client.get("/admin/booking/closure/", {"clinician__isnull": "True"}).status_code == 200


def test_a_clinician_sees_only_their_own_booking_references_in_the_slot_list(client, django_user_model):
    doctor = make_staff(django_user_model, "Clinician", "drown")
    own = book(slot_in(timedelta(days=3), clinician=make_clinician(name="Dr Own", user=doctor)))
    other = book(slot_in(timedelta(days=4), clinician=make_clinician(name="Dr Else")))
    log_in_verified(client, doctor)

    page = client.get("/admin/booking/slot/").content.decode()

    assert own.reference in page
    assert other.reference not in page
    assert page.count('class="field-state">Booked<') == 2  # the colleague's slot still shows as booked
