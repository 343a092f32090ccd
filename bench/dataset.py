"""The benchmark's data set, at a chosen scale: ``clinicians`` clinicians (20 or 200 in
``make bench``), two years of slots (the year behind and the year ahead) and 5,000 bookings per
clinician (100,000 at 20 clinicians, 1,000,000 at 200).

The clinic network is made of teams of 20 clinicians (a team is a site); each team offers two
appointment types of its own, and each clinician works both: one in the morning, the other in the
afternoon, eight 20-minute slots (with a 5-minute buffer) in each half day, Monday to Friday. So a
type's week view lists the free times of 20 clinicians at every scale, and the staff schedule
filtered by a type shows one team: 20 clinicians.

The slots of the year ahead are made by the real service, ``services.generate_slots``, and that
run is timed: it is one of the figures of the benchmark. The year behind is made by the same
service (with ``now`` a year back), untimed. Bookings, their events and notifications are a
fixture, not the service path (the booking service is measured by the booking POST under load):
they are written straight into their tables, with COPY on PostgreSQL and one prepared INSERT run
many times on SQLite, which makes the million bookings of the large scale take a minute instead
of half an hour. Each booked slot's ``booked_count`` is then set to match.

Who booked: past slots are 70 % booked (attended, some no-shows, a few never marked), future slots
from 60 % for tomorrow down to none a year ahead; the rest of the bookings are cancelled ones,
spread over all slots. Names come from 40 first names and some 4,000 made-up last names, phone
numbers from 20 area codes and the 555 exchange, dates of birth from 1935 to 2008, so searches by
name, phone and date of birth find as few or as many rows as they would in a real clinic.

Every person here is fictional (example.org addresses, 555 numbers). The random generator is
seeded, so two runs at one scale build the same schedule.
"""

import random
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from booking.models import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    AppointmentType,
    Booking,
    BookingEvent,
    Clinician,
    Closure,
    Notification,
    Slot,
    WeeklyHours,
    clinic_tz,
)
from booking.services import generate_slots

TEAM_SIZE = 20
BOOKINGS_PER_CLINICIAN = 5_000
DAYS = 365
PAST_BOOKED_SHARE = 0.70
# Tomorrow's slots are this full; the share falls evenly to none a year ahead.
NEXT_DAY_BOOKED_SHARE = 0.60
SEED = 20260101
ADMIN_USERNAME = "bench-admin"
RECEPTION_USERNAME = "bench-reception"
MANAGER_USERNAME = "bench-manager"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway benchmark database

TYPE_NAMES = [("consultation", "New patient HO consultation"), ("follow-up", "Follow-up visit")]
SITES = [
    "Northgate", "Riverside", "Hillcrest", "Lakeside", "Parkview", "Westbrook", "Eastfield", "Southport",
    "Fairmont", "Oakridge", "Brookline", "Cedarvale", "Maplewood", "Stonebridge", "Elmhurst", "Ashford",
    "Kingsley", "Harborview", "Glenwood", "Bayside",
]  # fmt: skip
MORNING = (time(9, 0), time(12, 30))
AFTERNOON = (time(13, 30), time(17, 0))
FIRST_NAMES = [
    "Alex", "Jordan", "Priya", "Chris", "Sam", "Maria", "Wei", "Amara", "Noah", "Lena", "Omar", "Ines", "Tomas",
    "Grace", "Mateo", "Hana", "Diego", "Aisha", "Lucas", "Yara", "Ethan", "Mei", "Ravi", "Olga", "Kofi", "Sofia",
    "Liam", "Zara", "Ivan", "Nora", "Felix", "Leila", "Hugo", "Tara", "Emil", "Rosa", "Kai", "Dana", "Pablo", "Anya",
]  # fmt: skip
# Made-up last names: a first part and an ending, 64 x 64 = 4,096 of them.
NAME_STARTS = [
    "Abel", "Brom", "Cald", "Dorn", "Elst", "Fenn", "Gart", "Hask", "Ivor", "Jarl", "Kest", "Lorn", "Mard", "Nesb",
    "Orst", "Pell", "Quar", "Ross", "Stav", "Tarn", "Ulbr", "Vand", "Wess", "Yorv", "Zell", "Aldr", "Bisk", "Corv",
    "Dunm", "Eggl", "Fros", "Gild", "Holm", "Inch", "Jess", "Kirb", "Lund", "Mors", "Norv", "Osge", "Penr", "Rads",
    "Sall", "Thom", "Upto", "Vern", "Wald", "Yarb", "Zand", "Amst", "Bell", "Crom", "Dals", "Emer", "Falk", "Grim",
    "Hald", "Ilsl", "Jorv", "Kell", "Lang", "Mill", "Nant", "Oakl",
]  # fmt: skip
NAME_ENDS = [
    "ey", "son", "ford", "well", "by", "ton", "wick", "stead", "more", "dale", "field", "ham", "ley", "worth",
    "croft", "mere", "ridge", "holt", "bury", "cott", "den", "gate", "hurst", "land", "low", "marsh", "ock", "rick",
    "shaw", "stone", "thorpe", "vale", "wood", "yard", "en", "er", "an", "ett", "ing", "ard", "ow", "ay", "ist",
    "orn", "ald", "ine", "ope", "ure", "ash", "ell", "ick", "all", "ind", "ust", "arr", "enk", "ott", "umb", "ace",
    "ight", "ool", "eck", "ond", "amp",
]  # fmt: skip
AREA_CODES = [
    "212", "213", "305", "312", "404", "415", "503", "512", "602", "617",
    "702", "713", "718", "804", "813", "857", "901", "917", "949", "978",
]  # fmt: skip
REASONS = ["Stiff hip after surgery", "Elbow stiffness after a burn", "Follow-up after radiation", "Knee pain"]


@dataclass
class DataSet:
    clinicians: int
    appointment_types: list[str]
    slots: int
    past_slots: int
    bookings: int
    active_bookings: int
    generation_seconds: float
    built_at: str = ""
    steps: dict[str, float] = field(default_factory=dict)  # what -> seconds

    @property
    def build_seconds(self) -> float:
        return sum(self.steps.values())


def build(*, clinicians: int, now: datetime | None = None) -> DataSet:
    """Fill an empty, migrated database. Returns the counts and how long each step took."""
    steps: dict[str, float] = {}
    started = clock.perf_counter()
    rng = random.Random(SEED)
    now = now or timezone.now()
    today = timezone.localdate(now, clinic_tz())
    a_year_ago = today - timedelta(days=DAYS)
    types = _types(teams=max(1, clinicians // TEAM_SIZE))
    people = _clinicians(clinicians, types, valid_from=a_year_ago)
    _closures(a_year_ago, people, rng)
    steps["clinicians, hours, closures"] = clock.perf_counter() - started

    started = clock.perf_counter()
    past = generate_slots(
        start_date=a_year_ago, end_date=today - timedelta(days=1), now=now - timedelta(days=DAYS + 1)
    )
    steps["slots of the year behind (generate_slots)"] = clock.perf_counter() - started

    started = clock.perf_counter()
    ahead = generate_slots(start_date=today, end_date=today + timedelta(days=DAYS - 1), now=now)
    generation_seconds = clock.perf_counter() - started
    steps["slots of the year ahead (generate_slots, timed)"] = generation_seconds

    started = clock.perf_counter()
    active = _bookings(now, rng, total=clinicians * BOOKINGS_PER_CLINICIAN)
    steps["bookings, events, notifications"] = clock.perf_counter() - started

    started = clock.perf_counter()
    _staff_users()
    _tidy_up()
    steps["VACUUM / ANALYZE"] = clock.perf_counter() - started
    return DataSet(
        clinicians=len(people),
        appointment_types=[t.slug for t in types],
        slots=past.created + ahead.created,
        past_slots=past.created,
        bookings=Booking.objects.count(),
        active_bookings=active,
        generation_seconds=generation_seconds,
        built_at=f"{timezone.now():%Y-%m-%d %H:%M} UTC",
        steps=steps,
    )


def _types(*, teams: int) -> list[AppointmentType]:
    return AppointmentType.objects.bulk_create(
        AppointmentType(
            slug=f"bench-{team + 1:02d}-{slug}",
            name=f"{name}, {SITES[team % len(SITES)]}" if teams > 1 else name,
            description=f"{name} (benchmark data).",
            duration_minutes=20,
            buffer_minutes=5,
            patient_kind=AppointmentType.Kind.ANY,
            order=len(TYPE_NAMES) * team + index,
        )
        for team in range(teams)
        for index, (slug, name) in enumerate(TYPE_NAMES)
    )


def _clinicians(count: int, types: list[AppointmentType], *, valid_from: date) -> list[Clinician]:
    clinicians = Clinician.objects.bulk_create(
        Clinician(slug=f"bench-clinician-{number:03d}", name=f"Dr. Bench {number:03d}", title="Physiatrist")
        for number in range(1, count + 1)
    )
    hours = []
    offers = []
    for index, clinician in enumerate(clinicians):
        team = (index // TEAM_SIZE) % (len(types) // len(TYPE_NAMES))
        first, second = types[2 * team], types[2 * team + 1]
        # Half the team sees new patients in the morning, the other half in the afternoon.
        morning_type, afternoon_type = (first, second) if index % 2 == 0 else (second, first)
        offers += [
            AppointmentType.clinicians.through(appointmenttype_id=t.pk, clinician_id=clinician.pk)
            for t in (first, second)
        ]
        for weekday in range(5):
            for (start, end), appointment_type in ((MORNING, morning_type), (AFTERNOON, afternoon_type)):
                hours.append(
                    WeeklyHours(
                        clinician=clinician,
                        weekday=weekday,
                        start_time=start,
                        end_time=end,
                        appointment_type=appointment_type,
                        valid_from=valid_from,
                    )
                )
    AppointmentType.clinicians.through.objects.bulk_create(offers)
    WeeklyHours.objects.bulk_create(hours)
    return clinicians


def _closures(first_day: date, clinicians: list[Clinician], rng: random.Random) -> None:
    """Eight whole-clinic holidays a year and a week of leave a year for every clinician."""
    closures = []
    tz = clinic_tz()

    def closure(first: date, last: date, reason: str, clinician: Clinician | None = None) -> Closure:
        return Closure(
            clinician=clinician,
            starts_at=datetime.combine(first, time(0), tzinfo=tz),
            ends_at=datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz),
            reason=reason,
        )

    for year in range(2):
        start = first_day + timedelta(days=year * DAYS)
        for month in range(1, 12, 3):
            for offset in (0, 40):
                day = start + timedelta(days=month * 30 + offset)
                closures.append(closure(day, day, "Public holiday (benchmark)"))
        for clinician in clinicians:
            first = start + timedelta(days=rng.randrange(20, DAYS - 10))
            closures.append(closure(first, first + timedelta(days=6), "Leave (benchmark)", clinician))
    Closure.objects.bulk_create(closures)


# --- Bookings ----------------------------------------------------------------------------------


def _references(count: int, rng: random.Random) -> list[str]:
    references: set[str] = set()
    while len(references) < count:
        references.add("HO-" + "".join(rng.choices(REFERENCE_ALPHABET, k=REFERENCE_LENGTH)))
    return list(references)


def _bookings(now: datetime, rng: random.Random, *, total: int) -> int:
    """Write ``total`` bookings with an event and a confirmation each (and a reminder for each
    past appointment), in chunks; return how many hold their slot."""
    slots = list(Slot.objects.order_by("pk").values_list("pk", "start"))
    booked = []
    for slot_id, start in slots:
        if start < now:
            share = PAST_BOOKED_SHARE
        else:
            share = NEXT_DAY_BOOKED_SHARE * max(0.0, 1 - (start - now) / timedelta(days=DAYS))
        if rng.random() < share:
            booked.append((slot_id, start))
    booked = booked[:total]
    cancelled = [rng.choice(slots) for _ in range(total - len(booked))]
    del slots
    plan = [(slot, False) for slot in booked] + [(slot, True) for slot in cancelled]
    references = _references(total, rng)
    counters = {"event": 0, "notification": 0}
    with transaction.atomic():
        for first in range(0, total, CHUNK):
            bookings, events, notifications = [], [], []
            for number in range(first + 1, min(first + CHUNK, total) + 1):
                (slot_id, start), is_cancelled = plan[number - 1]
                booking = _booking_row(number, slot_id, start, references[number - 1], is_cancelled, now, rng)
                bookings.append(booking)
                counters["event"] += 1
                events.append(
                    {
                        "id": counters["event"],
                        "booking_id": number,
                        "at": booking["created_at"],
                        "actor_kind": "patient",
                        "action": "created",
                    }
                )
                sent = [(Notification.Kind.CONFIRMATION, booking["created_at"])]
                if start < now and not is_cancelled:
                    sent.append((Notification.Kind.REMINDER, start - timedelta(hours=24)))
                for kind, when in sent:
                    counters["notification"] += 1
                    notifications.append(
                        {
                            "id": counters["notification"],
                            "booking_id": number,
                            "kind": kind,
                            "status": Notification.Status.SENT,
                            "for_start": start,
                            "attempts": 1,
                            "created_at": when,
                            "sent_at": when,
                        }
                    )
            write_rows(Booking, bookings)
            write_rows(BookingEvent, events)
            write_rows(Notification, notifications)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Booking, BookingEvent, Notification]):
                cursor.execute(sql)
        Slot.objects.filter(Exists(Booking.objects.active().filter(slot=OuterRef("pk")))).update(booked_count=1)
    return len(booked)


LAST_NAMES = [start + end for start in NAME_STARTS for end in NAME_ENDS]
BORN_FROM, BORN_DAYS = date(1935, 1, 1), (date(2008, 12, 31) - date(1935, 1, 1)).days
CHUNK = 50_000


def _booking_row(
    number: int, slot_id: int, start: datetime, reference: str, is_cancelled: bool, now: datetime, rng
) -> dict:
    created_at = min(start - timedelta(hours=rng.randrange(30, 24 * 120)), now - timedelta(minutes=number % 997))
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if is_cancelled:
        status = Booking.Status.CANCELLED
    elif start >= now:
        status = Booking.Status.CONFIRMED
    else:
        roll = rng.random()
        status = Booking.Status.ATTENDED if roll < 0.88 else Booking.Status.NO_SHOW if roll < 0.95 else "confirmed"
    return {
        "id": number,
        "slot_id": slot_id,
        "seat": 1,
        "status": status,
        "reference": reference,
        "patient_name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{number}@example.org",
        "phone": f"+1{rng.choice(AREA_CODES)}555{rng.randrange(10000):04d}",
        "date_of_birth": BORN_FROM + timedelta(days=rng.randrange(BORN_DAYS)),
        "patient_kind": "new" if number % 3 else "returning",
        "reason": REASONS[number % len(REASONS)] if number % 4 == 0 else "",
        "accessibility_needs": "Wheelchair user" if number % 25 == 0 else "",
        "consent_at": created_at,
        "source": Booking.Source.ONLINE if number % 5 else Booking.Source.STAFF,
        "created_at": created_at,
        "cancelled_at": created_at + timedelta(hours=2) if is_cancelled else None,
        "cancelled_by": Booking.CancelledBy.PATIENT if is_cancelled else "",
        "version": 2 if is_cancelled else 1,
    }


def write_rows(model, rows: list[dict]) -> None:
    """Insert plain rows (attribute name -> Python value) into a model's table, as fast as the
    database takes them: COPY on PostgreSQL, one prepared INSERT run many times on SQLite.
    Values are adapted by the backend as the ORM would; a column left out gets its field's
    default (computed once: give every row's own value for callable defaults)."""
    if not rows:
        return
    fields = [
        field for field in model._meta.concrete_fields if not (field.primary_key and field.attname not in rows[0])
    ]
    defaults = {field.attname: field.get_default() for field in fields if field.attname not in rows[0]}
    names = [field.attname for field in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[name] if name in row else defaults[name] for name in names])
            return
        adapters = [_sqlite_adapter(field) for field in fields]
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
        cursor.executemany(
            sql,
            [
                [
                    adapt(row[name] if name in row else defaults[name])
                    for adapt, name in zip(adapters, names, strict=True)
                ]
                for row in rows
            ],
        )


def _sqlite_adapter(field):
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if internal == "DateField":
        return connection.ops.adapt_datefield_value
    return lambda value: value


def _staff_users() -> None:
    """A superuser; a receptionist (the role that searches the booking list all day); a manager."""
    user_model = get_user_model()
    user_model.objects.create_superuser(ADMIN_USERNAME, "bench-admin@example.org", PASSWORD)
    for username, group in ((RECEPTION_USERNAME, "Reception"), (MANAGER_USERNAME, "Clinic manager")):
        user = user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))


def _tidy_up() -> None:
    """What a database that grew over two years has: planner statistics, and on PostgreSQL no dead
    rows left by setting the booked counts (VACUUM FULL rewrites the slot table compactly)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM FULL booking_slot")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
