"""Demo data for `make run`. Idempotent: running it again adds nothing.

Every person here is fictional; emails are example.org, phones are 555 numbers.
"""

from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from booking.exceptions import BookingError
from booking.models import AppointmentType, Booking, Clinician, Closure, Slot, WeeklyHours, clinic_tz
from booking.services import PatientDetails, book_slot, generate_slots

DEMO_WEEKS = 6
DEMO_CLOSURE_REASON = "Staff training day (demo)"

APPOINTMENT_TYPES = [
    {
        "slug": "new-patient-consultation",
        "name": "New patient HO consultation",
        "duration_minutes": 45,
        "buffer_minutes": 15,
        "patient_kind": AppointmentType.Kind.NEW,
        "description": (
            "A first visit to assess suspected or diagnosed heterotopic ossification: your history, "
            "an examination of the affected joints, and a plan for imaging and treatment."
        ),
        "what_to_bring": (
            "Photo ID and insurance card; a list of your medicines; any X-ray, CT or MRI reports and "
            "discs; the referral letter if you have one."
        ),
    },
    {
        "slug": "follow-up",
        "name": "Follow-up visit",
        "duration_minutes": 20,
        "buffer_minutes": 10,
        "patient_kind": AppointmentType.Kind.RETURNING,
        "description": "A review for patients already seen at the clinic: progress, results and next steps.",
        "what_to_bring": "Your list of medicines and any new imaging or test results.",
    },
    {
        "slug": "radiation-therapy-planning",
        "name": "Radiation therapy planning",
        "duration_minutes": 30,
        "buffer_minutes": 15,
        "patient_kind": AppointmentType.Kind.ANY,
        "description": (
            "Planning low-dose radiation therapy to help prevent bone from forming again, usually "
            "around the time of surgery to remove it."
        ),
        "what_to_bring": "The date of your planned surgery if you know it, and your surgeon's contact details.",
        "call_to_book": True,
        "phone_note": "Surgery in the next 14 days, or just had it? Call us.",
        "call_to_book_reason": (
            "Radiation to prevent HO works only in a short window: in the day before surgery or in the "
            "three days after it. We book it by phone so that we can fit it around your surgery date."
        ),
    },
    {
        "slug": "physical-therapy-assessment",
        "name": "Physical therapy assessment",
        "duration_minutes": 60,
        "buffer_minutes": 0,
        "patient_kind": AppointmentType.Kind.ANY,
        "description": (
            "An assessment of joint movement and strength, and an exercise plan to keep the affected joints moving."
        ),
        "what_to_bring": "Comfortable clothes that show the affected joint; any walking aids you use.",
    },
    {
        "slug": "fop-consultation",
        "name": "FOP consultation",
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "patient_kind": AppointmentType.Kind.ANY,
        "description": (
            "A visit for people who have, or may have, fibrodysplasia ossificans progressiva (FOP), "
            "planned with you so that nothing in it can start a flare-up."
        ),
        "what_to_bring": "Your genetic test result if you have one, and a list of your medicines.",
        "call_to_book": True,
        "call_to_book_reason": (
            "In FOP, an injection into a muscle, a biopsy or a fall can make new bone grow. Please call us "
            "first: we plan your visit with you, and tell the team what to avoid."
        ),
    },
]

# Fields the demo sets on an appointment type that already exists, unless staff changed them.
CALL_TO_BOOK_FIELDS = ("call_to_book", "phone_note", "call_to_book_reason")

# Clinician -> (morning type, afternoon type). Hours are weekdays 09:00-12:30 and 13:30-17:00.
CLINICIANS = [
    {
        "slug": "dr-maya-okafor",
        "name": "Dr. Maya Okafor",
        "title": "Physiatrist",
        "bio": "Specialist in rehabilitation medicine with a focus on HO after spinal cord and brain injury.",
        "hours": ("new-patient-consultation", "follow-up"),
        "also_offers": ["fop-consultation"],
    },
    {
        "slug": "dr-daniel-reyes",
        "name": "Dr. Daniel Reyes",
        "title": "Radiation oncologist",
        "bio": "Plans low-dose radiation therapy to prevent HO from coming back after surgery.",
        "hours": ("radiation-therapy-planning", "follow-up"),
    },
    {
        "slug": "sam-lindqvist",
        "name": "Sam Lindqvist",
        "title": "Physical therapist",
        "bio": "Helps patients keep joints moving before and after HO treatment.",
        "hours": ("physical-therapy-assessment", "physical-therapy-assessment"),
    },
]

PATIENTS = [
    ("Jordan Demo", "jordan.demo@example.org", "+1 555-0101", date(1975, 3, 14), "new", "new-patient-consultation"),
    ("Priya Sample", "priya.sample@example.org", "+1 555-0102", date(1988, 9, 2), "returning", "follow-up"),
    (
        "Chris Example",
        "chris.example@example.org",
        "+1 555-0103",
        date(1962, 11, 30),
        "new",
        "physical-therapy-assessment",
    ),
]

MORNING = (time(9, 0), time(12, 30))
AFTERNOON = (time(13, 30), time(17, 0))


def load_demo_schedule() -> str:
    now = timezone.now()
    today = timezone.localdate(now, clinic_tz())
    with transaction.atomic():
        types = _appointment_types()
        clinicians = _clinicians_and_hours(types, valid_from=today)
        closure_created = _closure(today)
    result = generate_slots(start_date=today, end_date=today + timedelta(weeks=DEMO_WEEKS), now=now)
    booked = _bookings(types, now)
    return (
        f"{len(clinicians)} clinicians, {len(types)} appointment types, "
        f"{result.created} new slots ({result.existing} already there), "
        f"{'1 new closure' if closure_created else 'no new closure'}, {booked} new bookings"
    )


def _appointment_types() -> dict[str, AppointmentType]:
    types = {}
    for order, fields in enumerate(APPOINTMENT_TYPES, start=1):
        fields = dict(fields)
        slug = fields.pop("slug")
        types[slug], created = AppointmentType.objects.get_or_create(slug=slug, defaults={**fields, "order": order})
        _add_call_to_book(types[slug], fields, created=created)
    return types


def _add_call_to_book(appointment_type: AppointmentType, fields: dict, *, created: bool) -> None:
    """A demo database made before "call to book" existed gets it too, unless staff set the reason."""
    if created or not fields.get("call_to_book") or appointment_type.call_to_book_reason:
        return
    for name in CALL_TO_BOOK_FIELDS:
        setattr(appointment_type, name, fields.get(name, ""))
    appointment_type.save(update_fields=CALL_TO_BOOK_FIELDS)


def _clinicians_and_hours(types: dict[str, AppointmentType], *, valid_from: date) -> list[Clinician]:
    clinicians = []
    for fields in CLINICIANS:
        fields = dict(fields)
        slug, (morning_type, afternoon_type) = fields.pop("slug"), fields.pop("hours")
        also_offers = fields.pop("also_offers", [])
        clinician, _ = Clinician.objects.get_or_create(slug=slug, defaults=fields)
        clinician.appointment_types.add(types[morning_type], types[afternoon_type], *(types[t] for t in also_offers))
        if not clinician.weekly_hours.exists():
            WeeklyHours.objects.bulk_create(
                WeeklyHours(
                    clinician=clinician,
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                    appointment_type=types[type_slug],
                    valid_from=valid_from,
                )
                for weekday in range(5)
                for (start, end), type_slug in ((MORNING, morning_type), (AFTERNOON, afternoon_type))
            )
        clinicians.append(clinician)
    return clinicians


def _closure(today: date) -> bool:
    """One whole-clinic closed weekday about two weeks ahead, unless a future one exists."""
    if Closure.objects.filter(reason=DEMO_CLOSURE_REASON, ends_at__gt=timezone.now()).exists():
        return False
    day = today + timedelta(days=14)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    Closure.for_local_dates(first_day=day, reason=DEMO_CLOSURE_REASON)
    return True


def _bookings(types: dict[str, AppointmentType], now) -> int:
    booked = 0
    for name, email, phone, born, kind, type_slug in PATIENTS:
        if Booking.objects.filter(email=email).exists():
            continue
        patient = PatientDetails(
            name=name, email=email, phone=phone, date_of_birth=born, patient_kind=kind, consent=True
        )
        # A few days out, so the demo schedule shows them and the patient pages can manage them.
        for slot in (
            Slot.objects.bookable(now).for_type(types[type_slug]).filter(start__gte=now + timedelta(days=3))[:5]
        ):
            try:
                book_slot(slot_id=slot.pk, patient=patient, now=now, source=Booking.Source.STAFF)
            except BookingError:
                continue
            booked += 1
            break
    return booked
