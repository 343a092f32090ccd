"""Template tags for the staff admin: the home dashboard and a calendar date hierarchy."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django import template
from django.db.models import Count, Min, Q
from django.utils import timezone

from booking import permissions
from booking.availability import day_label, local_midnight
from booking.models import AppointmentType, Booking, Clinician, Notification, Slot, clinic_tz

register = template.Library()


@register.filter
def minutes(value: timedelta) -> str:
    """A cool-off time as '15 minutes'."""
    total = int(value.total_seconds() // 60)
    return f"{total} minute{'s' if total != 1 else ''}"


@register.simple_tag
def local_when(moment) -> str:
    from booking.admin_views import short_when

    return short_when(moment)


# --- Calendar date hierarchy -----------------------------------------------------------------
# Django's date hierarchy asks the database which years, months and days have rows (one or two
# queries per page). The booking list has a query budget, so this one walks the calendar instead:
# the same URL parameters, no queries; an empty day simply lists nothing.


@register.inclusion_tag("admin/date_hierarchy.html")
def calendar_hierarchy(cl):
    field_name = cl.date_hierarchy
    year_field, month_field, day_field = f"{field_name}__year", f"{field_name}__month", f"{field_name}__day"

    def link(filters):
        return cl.get_query_string(filters, [f"{field_name}__"])

    today = timezone.now().astimezone(clinic_tz()).date()
    try:
        year = int(cl.params.get(year_field) or 0)
        month = int(cl.params.get(month_field) or 0)
        day = int(cl.params.get(day_field) or 0)
    except (TypeError, ValueError):
        year = month = day = 0

    def today_link(target: date, title: str):
        return {
            "link": link({year_field: target.year, month_field: target.month, day_field: target.day}),
            "title": title,
        }

    if year and month and day:
        chosen = date(year, month, day)
        return {
            "show": True,
            "back": {"link": link({year_field: year, month_field: month}), "title": f"{chosen:%B %Y}"},
            "choices": [
                today_link(chosen - timedelta(days=1), "Previous day"),
                {"title": day_label(chosen)},
                today_link(chosen + timedelta(days=1), "Next day"),
            ],
        }
    if year and month:
        days_in_month = calendar.monthrange(year, month)[1]
        return {
            "show": True,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month, day_field: n}),
                    "title": f"{date(year, month, n):%a} {n}",
                }
                for n in range(1, days_in_month + 1)
            ],
        }
    if year:
        return {
            "show": True,
            "back": {"link": link({}), "title": "All dates"},
            "choices": [
                {"link": link({year_field: year, month_field: n}), "title": f"{date(year, n, 1):%B}"}
                for n in range(1, 13)
            ],
        }
    return {
        "show": True,
        "back": None,
        "choices": [
            today_link(today, "Today"),
            today_link(today + timedelta(days=1), "Tomorrow"),
            *({"link": link({year_field: y}), "title": str(y)} for y in (today.year - 1, today.year, today.year + 1)),
        ],
    }


# --- Admin home -------------------------------------------------------------------------------


@dataclass
class ClinicianDay:
    clinician: Clinician
    today: int
    tomorrow: int


@register.inclusion_tag("admin/booking/dashboard.html", takes_context=True)
def staff_dashboard(context):
    """Today's and tomorrow's appointments per clinician, the next free time per appointment
    type, and failed notifications; each part only for those allowed to see it. Three queries.
    """
    user = context["request"].user
    now = timezone.now()
    today = now.astimezone(clinic_tz()).date()
    tomorrow = today + timedelta(days=1)
    data = {
        "today_label": day_label(today),
        "tomorrow": tomorrow.isoformat(),
        "can_schedule": permissions.can_view_schedule(user),
        "can_book": permissions.can_book(user),
        "can_generate": permissions.can_generate_slots(user),
        "can_search": permissions.can_search_bookings(user),
    }
    if data["can_search"]:
        bookings = Booking.objects.active().visible_to(user)
        in_day = {
            "today": (local_midnight(today), local_midnight(tomorrow)),
            "tomorrow": (local_midnight(tomorrow), local_midnight(tomorrow + timedelta(days=1))),
        }
        counts = bookings.values("slot__clinician").annotate(
            today=Count("pk", filter=Q(slot__start__gte=in_day["today"][0], slot__start__lt=in_day["today"][1])),
            tomorrow=Count(
                "pk", filter=Q(slot__start__gte=in_day["tomorrow"][0], slot__start__lt=in_day["tomorrow"][1])
            ),
        )
        counts = {
            row["slot__clinician"]: row
            for row in counts.filter(slot__start__gte=in_day["today"][0], slot__start__lt=in_day["tomorrow"][1])
        }
        clinicians = Clinician.objects.filter(Q(active=True) | Q(pk__in=list(counts)))
        data["days"] = [
            ClinicianDay(
                clinician=c,
                today=counts.get(c.pk, {}).get("today", 0),
                tomorrow=counts.get(c.pk, {}).get("tomorrow", 0),
            )
            for c in clinicians
        ]
        data["today_total"] = sum(d.today for d in data["days"])
        data["tomorrow_total"] = sum(d.tomorrow for d in data["days"])
    if data["can_schedule"]:
        first_free = dict(
            Slot.objects.free()
            .filter(start__gt=now, appointment_type__active=True, clinician__active=True)
            .outside_closures()
            .values("appointment_type")
            .annotate(first=Min("start"))
            .values_list("appointment_type", "first")
        )
        data["next_free"] = [
            (appointment_type, first_free.get(appointment_type.pk))
            for appointment_type in AppointmentType.objects.filter(active=True)
        ]
    if permissions.can_see_failed_emails(user):
        failed = Notification.objects.filter(status=Notification.Status.FAILED)
        data["failed_notifications"] = list(failed.select_related("booking").order_by("-created_at")[:10])
        data["failed_count"] = failed.count() if len(data["failed_notifications"]) == 10 else None
    return data
