"""Free times for the week view, grouped by clinic-local day. Read only.

The week view costs a constant number of queries whatever the number of slots: the slots of
the week (one query, with clinician), the first free slot from now (one query), and the next
free slot after the week when the week is empty (one query).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.urls import reverse

from booking.models import Slot, clinic_tz, horizon


def time_label(moment: datetime) -> str:
    """'9:05 AM' in clinic local time."""
    local = moment.astimezone(clinic_tz())
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def day_label(day: date) -> str:
    """'Monday 30 November 2026'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def when_label(moment: datetime) -> str:
    """'Monday 30 November 2026 at 9:05 AM'."""
    return f"{day_label(moment.astimezone(clinic_tz()).date())} at {time_label(moment)}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clinic_tz())


@dataclass
class FreeTime:
    slot: Slot
    label: str
    clinician_name: str
    url: str  # the details form for this slot


@dataclass
class Day:
    date: date
    label: str
    times: list[FreeTime] = field(default_factory=list)


@dataclass
class Week:
    start: date
    label: str
    days: list[Day]
    previous_start: date | None
    next_start: date | None
    first_free: Slot | None
    next_free_after: Slot | None

    @property
    def is_empty(self) -> bool:
        return not any(day.times for day in self.days)


def shown_week_start(week_start: date, *, now: datetime) -> date:
    """The Monday of the week shown for ``week_start``: not before this week, nor after the horizon's."""
    tz = clinic_tz()
    this_week = monday_of(now.astimezone(tz).date())
    last_week = monday_of((now + horizon()).astimezone(tz).date())
    return min(max(monday_of(week_start), this_week), last_week)


def free_week(*, appointment_type, now: datetime, week_start: date | None = None, clinician=None) -> Week:
    """The bookable slots of one type in the clinic-local week starting on Monday ``week_start``.

    Without ``week_start`` the week of the first free time is shown (or this week if none).
    """
    tz = clinic_tz()
    base = Slot.objects.bookable(now).for_type(appointment_type)
    if clinician is not None:
        base = base.filter(clinician=clinician)
    first_free = base.select_related("clinician").order_by("start", "pk").first()

    today = now.astimezone(tz).date()
    this_week = monday_of(today)
    last_week = monday_of((now + horizon()).astimezone(tz).date())
    if week_start is None:
        week_start = monday_of(first_free.start.astimezone(tz).date()) if first_free else this_week
    week_start = shown_week_start(week_start, now=now)
    week_end = week_start + timedelta(days=7)

    slots = (
        base.between(local_midnight(week_start), local_midnight(week_end))
        .select_related("clinician")
        .only("start", "clinician__name")
    )
    days = [
        Day(date=week_start + timedelta(days=n), label=day_label(week_start + timedelta(days=n))) for n in range(7)
    ]
    # Labels and links are made here once, not by template filters and {% url %} per slot.
    details_prefix = reverse("booking:details", kwargs={"slot_id": 0}).removesuffix("0/")
    for slot in slots.order_by("start", "clinician__name", "pk"):
        index = (slot.start.astimezone(tz).date() - week_start).days
        days[index].times.append(
            FreeTime(
                slot=slot,
                label=time_label(slot.start),
                clinician_name=slot.clinician.name,
                url=f"{details_prefix}{slot.pk}/",
            )
        )

    next_free_after = None
    if not any(day.times for day in days):
        next_free_after = (
            base.filter(start__gte=local_midnight(week_end))
            .select_related("clinician")
            .order_by("start", "pk")
            .first()
        )

    return Week(
        start=week_start,
        label=f"{day_label(week_start)} to {day_label(week_start + timedelta(days=6))}",
        days=[day for day in days if day.times or day.date.weekday() < 5],
        previous_start=week_start - timedelta(days=7) if week_start > this_week else None,
        next_start=week_end if week_end <= last_week else None,
        first_free=first_free,
        next_free_after=next_free_after,
    )


@dataclass
class OpeningDay:
    label: str  # "Monday"
    ranges: list[str]  # ["9:00 AM to 12:30 PM", "1:30 PM to 5:00 PM"]; empty: closed


def opening_hours(*, today: date) -> list[OpeningDay]:
    """When the clinic sees patients in the week from ``today``: the weekly hours of its active
    clinicians on each of the next seven days, merged where they touch or overlap, Monday first."""
    from booking.models import WeeklyHours

    last_day = today + timedelta(days=6)
    hours = list(
        WeeklyHours.objects.filter(clinician__active=True, valid_from__lte=last_day)
        .exclude(valid_until__lt=today)
        .only("weekday", "start_time", "end_time", "valid_from", "valid_until")
    )
    days = []
    for offset in range(7):
        day = today + timedelta(days=offset)
        spans = sorted(
            (h.start_time, h.end_time)
            for h in hours
            if h.weekday == day.weekday() and h.valid_from <= day and (h.valid_until is None or h.valid_until >= day)
        )
        merged: list[list[time]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        days.append((day.weekday(), OpeningDay(label=f"{day:%A}", ranges=[_range_label(*m) for m in merged])))
    return [opening for _, opening in sorted(days, key=lambda pair: pair[0])]


def _range_label(start: time, end: time) -> str:
    def label(moment: time) -> str:
        return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"

    return f"{label(start)} to {label(end)}"


@dataclass
class ClosureNotice:
    when: str
    reason: str


def upcoming_closures(*, now: datetime, days: int = 60) -> list[ClosureNotice]:
    """Whole-clinic closures from ``now`` to ``days`` ahead, as clinic-local dates."""
    from booking.models import Closure

    tz = clinic_tz()
    notices = []
    for closure in Closure.objects.filter(clinician__isnull=True).overlapping(now, now + timedelta(days=days)):
        first = closure.starts_at.astimezone(tz).date()
        # A closure to local midnight ends on the day before.
        last = (closure.ends_at.astimezone(tz) - timedelta(microseconds=1)).date()
        when = day_label(first) if first == last else f"{day_label(first)} to {day_label(last)}"
        notices.append(ClosureNotice(when=when, reason=closure.reason))
    return notices
