"""Slot generation: slots from the clinicians' weekly hours, minus closures, idempotently.

Rules and contract in ``generate_slots``; the planning (clinic local time, daylight saving,
overlaps, closures) is plain Python over three queries, and the slots are written in batches.
"""

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q

from booking.models import Clinician, Closure, Slot, WeeklyHours, clinic_tz
from booking.services.slots import schedule_changed

# Rows per INSERT on PostgreSQL (8 columns: well under its 65,535 parameters per statement);
# SQLite takes Django's own, smaller batches.
INSERT_BATCH = 2000


@dataclass
class GenerationResult:
    created: int = 0
    existing: int = 0
    skipped_closed: int = 0
    skipped_overlap: int = 0
    # (clinician, date) pairs where the clinician had hours but a closure removed every slot.
    closed_days: list[tuple[Clinician, date]] = field(default_factory=list)


class _BusyTimes:
    """The intervals one clinician is already booked out for, for fast overlap checks."""

    def __init__(self):
        self.starts: list[datetime] = []
        self.intervals: list[tuple[datetime, datetime]] = []
        self.longest = timedelta(0)

    def add(self, start: datetime, end: datetime) -> None:
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.intervals.insert(index, (start, end))
        self.longest = max(self.longest, end - start)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # Only intervals starting in (start - longest, end) can overlap [start, end).
        low = bisect.bisect_right(self.starts, start - self.longest)
        high = bisect.bisect_left(self.starts, end)
        return any(other_start < end and start < other_end for other_start, other_end in self.intervals[low:high])


def _local_to_utc(wall: datetime, tz) -> datetime | None:
    """Clinic wall-clock time to aware UTC; ``None`` if the wall time does not exist (DST gap).

    An ambiguous wall time (the repeated hour in autumn) takes its first occurrence (fold=0).
    """
    aware = wall.replace(tzinfo=tz, fold=0)
    in_utc = aware.astimezone(UTC)
    if in_utc.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return in_utc


def generate_slots(
    *,
    start_date: date,
    end_date: date,
    now: datetime,
    clinicians: list[Clinician] | None = None,
    dry_run: bool = False,
) -> GenerationResult:
    """Create slots from the weekly hours valid on each day from ``start_date`` to ``end_date``
    (both included), minus closures (whole clinic or the clinician's), in clinic local time.

    Each hours range is cut into slots of its appointment type's duration, stepping by duration
    plus buffer; a 09:00 start stays 09:00 local across DST changes; a local time that does not
    exist is skipped and an ambiguous one takes its first occurrence. Slots starting before
    ``now`` are never made. Idempotent: a slot that exists (same clinician and start) or would
    overlap one of the clinician's slots is not created, so re-running creates nothing.
    Only active clinicians (of those given) and active appointment types are generated.

    Transaction: one ``atomic()``. Locks: the clinicians' rows (FOR NO KEY UPDATE, which does not
    block bookings), so two generation runs for one clinician queue instead of racing; then one
    query loads the existing slots, the plan is computed in Python and written with
    ``bulk_create``. ``dry_run`` computes the same result and writes nothing (no locks).
    """
    tz = clinic_tz()
    result = GenerationResult()
    with transaction.atomic():
        clinician_qs = Clinician.objects.filter(active=True).order_by("pk")
        if clinicians is not None:
            clinician_qs = clinician_qs.filter(pk__in=[clinician.pk for clinician in clinicians])
        if not dry_run:
            clinician_qs = clinician_qs.select_for_update(no_key=True)
        by_id = {clinician.pk: clinician for clinician in clinician_qs}

        range_start = datetime.combine(start_date, time(0), tzinfo=tz)
        range_end = datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=tz)
        margin = timedelta(days=1)
        hours = list(
            WeeklyHours.objects.filter(clinician_id__in=by_id, appointment_type__active=True, valid_from__lte=end_date)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start_date))
            .select_related("appointment_type")
            .order_by("clinician_id", "weekday", "start_time")
        )
        closures = defaultdict(list)  # clinician id or None -> [(start, end)]
        for closure in Closure.objects.overlapping(range_start - margin, range_end + margin).filter(
            Q(clinician__isnull=True) | Q(clinician_id__in=by_id)
        ):
            closures[closure.clinician_id].append((closure.starts_at, closure.ends_at))
        busy: defaultdict[int, _BusyTimes] = defaultdict(_BusyTimes)
        existing_starts = set()
        for clinician_id, start, end in Slot.objects.filter(
            clinician_id__in=by_id, start__lt=range_end + margin, end__gt=range_start - margin
        ).values_list("clinician_id", "start", "end"):
            busy[clinician_id].add(start, end)
            existing_starts.add((clinician_id, start))

        hours_by_day = defaultdict(list)  # (clinician id, weekday) -> hours rows
        for row in hours:
            hours_by_day[row.clinician_id, row.weekday].append(row)

        planned = []
        day = start_date
        while day <= end_date:
            # Only the closures touching this day (with a margin for DST) matter for its slots.
            day_start, day_end = (
                datetime.combine(day, time(0), tzinfo=tz) - margin,
                datetime.combine(day, time(0), tzinfo=tz) + 2 * margin,
            )
            closed_today = {
                owner: [(s, e) for s, e in spans if s < day_end and day_start < e] for owner, spans in closures.items()
            }
            for clinician_id in by_id:
                outcome = _plan_day(
                    day=day,
                    hours=[h for h in hours_by_day[clinician_id, day.weekday()] if _valid_on(h, day)],
                    clinician_id=clinician_id,
                    closed=closed_today.get(None, []) + closed_today.get(clinician_id, []),
                    busy=busy[clinician_id],
                    existing_starts=existing_starts,
                    now=now,
                    tz=tz,
                    result=result,
                )
                planned.extend(outcome.slots)
                if outcome.all_closed:
                    result.closed_days.append((by_id[clinician_id], day))
            day += timedelta(days=1)

        result.created = len(planned)
        if not dry_run and planned:
            _insert_slots(planned)
            schedule_changed()
    return result


def _insert_slots(planned: list[tuple[int, int, datetime, datetime]]) -> None:
    """Write the planned (clinician id, type id, start, end) slots."""
    Slot.objects.bulk_create(
        (
            Slot(clinician_id=clinician_id, appointment_type_id=type_id, start=start, end=end)
            for clinician_id, type_id, start, end in planned
        ),
        batch_size=INSERT_BATCH,
    )


def _valid_on(hours: WeeklyHours, day: date) -> bool:
    return (
        hours.weekday == day.weekday()
        and hours.valid_from <= day
        and (hours.valid_until is None or hours.valid_until >= day)
    )


@dataclass
class _DayPlan:
    slots: list[tuple[int, int, datetime, datetime]]  # (clinician id, type id, start, end)
    all_closed: bool


def _plan_day(
    *, day, hours, clinician_id, closed, busy, existing_starts, now, tz, result: GenerationResult
) -> _DayPlan:
    slots = []
    candidates = 0
    closed_count = 0
    for row in hours:
        appointment_type = row.appointment_type
        duration, step = appointment_type.duration, appointment_type.step
        wall = datetime.combine(day, row.start_time)
        wall_end = datetime.combine(day, row.end_time)
        while wall + duration <= wall_end:
            start = _local_to_utc(wall, tz)
            wall += step
            if start is None or start < now:
                continue
            end = start + duration
            candidates += 1
            if any(closed_start < end and start < closed_end for closed_start, closed_end in closed):
                closed_count += 1
                result.skipped_closed += 1
                continue
            if (clinician_id, start) in existing_starts:
                result.existing += 1
                continue
            if busy.overlaps(start, end):
                result.skipped_overlap += 1
                continue
            busy.add(start, end)
            slots.append((clinician_id, appointment_type.pk, start, end))
    return _DayPlan(slots=slots, all_closed=candidates > 0 and closed_count == candidates)


# --- Staff: blocking slots, erasing personal data -------------------------------------------
