"""Staff pages inside the admin: schedule, slot generation, booking for a caller, moving,
cancelling, attendance and erasure.

Like the patient pages, each view parses a form, calls one service from booking.services, turns
a domain error into a message, and redirects. Times are shown in clinic local time.
"""

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from booking import services
from booking.audit import Actor, record_staff_access
from booking.availability import day_label, local_midnight, monday_of, time_label
from booking.exceptions import BookingError
from booking.forms import BookingForm, ContactFields, clean_multiline, new_submission_key
from booking.models import AppointmentType, Booking, BookingEvent, Clinician, Closure, Slot, clinic_tz

MAX_GENERATION_DAYS = 366
# How far ahead the first generated day may be: further is a typing slip (year 2062 for 2026),
# and near year 9999 the calendar itself runs out.
MAX_GENERATION_AHEAD_DAYS = 2 * 366


def short_when(moment: datetime | None) -> str:
    """'Mon 7 Jan 2030, 9:00 AM' in clinic local time."""
    if moment is None:
        return ""
    local = moment.astimezone(clinic_tz())
    return f"{local:%a} {local.day} {local:%b %Y}, {time_label(local)}"


def local_today() -> date:
    return timezone.now().astimezone(clinic_tz()).date()


# Days the staff pages accept in ?date=: anything else is a typing slip, and at the ends of the
# calendar the week around a day (or its midnight in UTC) does not exist.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def can_see_patient(user, booking: Booking, clinician: Clinician) -> bool:
    """Reception and managers see every booking; a clinician sees the bookings of their own slots."""
    if not user.has_perm("booking.view_booking"):
        return False
    return user.has_perm("booking.view_all_bookings") or (
        clinician.user_id is not None and clinician.user_id == user.pk
    )


def admin_context(model_admin, request, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "app_label": model_admin.model._meta.app_label,
        **extra,
    }


# --- The schedule grid ------------------------------------------------------------------------


@dataclass
class SlotEntry:
    slot: Slot
    label: str
    state: str  # free, booked, blocked, closed, past
    bookings: list[Booking]  # active bookings whose patient this user may see
    other_bookings: int  # active bookings shown only as "booked"
    started: bool  # attendance can be recorded

    @property
    def state_label(self) -> str:
        return {"free": "Free", "booked": "Booked", "blocked": "Blocked", "closed": "Closed", "past": "Past"}[
            self.state
        ]


@dataclass
class Cell:
    clinician: Clinician
    entries: list[SlotEntry] = field(default_factory=list)
    closures: list[str] = field(default_factory=list)


@dataclass
class ScheduleDay:
    date: date
    label: str
    is_today: bool
    cells: list[Cell]


@dataclass
class Schedule:
    start: date
    days: int
    clinicians: list[Clinician]
    rows: list[ScheduleDay]

    @property
    def label(self) -> str:
        if self.days == 1:
            return day_label(self.start)
        return f"{day_label(self.start)} to {day_label(self.start + timedelta(days=self.days - 1))}"

    @property
    def is_empty(self) -> bool:
        return not any(cell.entries for row in self.rows for cell in row.cells)


def build_schedule(
    *,
    start: date,
    days: int,
    now: datetime,
    user,
    clinician: Clinician | None = None,
    appointment_type: AppointmentType | None = None,
    free_only: bool = False,
    exclude_slot_id: int | None = None,
) -> Schedule:
    """Slots from local midnight of ``start`` for ``days`` days, one column per clinician.

    Three queries whatever the number of slots: slots (with clinician, type and active
    bookings in one prefetch), closures, and the active clinicians.
    """
    tz = clinic_tz()
    range_start, range_end = local_midnight(start), local_midnight(start + timedelta(days=days))
    slots = (
        Slot.objects.between(range_start, range_end)
        .select_related("clinician", "appointment_type")
        .prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.active().order_by("seat"), to_attr="active_bookings")
        )
        .order_by("start", "clinician__name", "pk")
    )
    clinicians_qs = Clinician.objects.filter(active=True)
    if clinician is not None:
        slots = slots.filter(clinician=clinician)
        clinicians_qs = clinicians_qs.filter(pk=clinician.pk)
    if appointment_type is not None:
        slots = slots.filter(appointment_type=appointment_type)
        # One column per clinician who offers the type, not one per clinician of the network.
        clinicians_qs = clinicians_qs.filter(appointment_types=appointment_type)
    if free_only:
        slots = slots.free().filter(start__gt=now, appointment_type__active=True, clinician__active=True)
        if exclude_slot_id is not None:
            slots = slots.exclude(pk=exclude_slot_id)
    slots = list(slots)
    closures = list(Closure.objects.overlapping(range_start, range_end).select_related("clinician"))

    clinicians = {c.pk: c for c in clinicians_qs}
    # A clinician who has slots in the range keeps a column: an inactive one (free times are only
    # those of active clinicians), or one who no longer offers the type asked for.
    clinicians.update({slot.clinician_id: slot.clinician for slot in slots})
    ordered = sorted(clinicians.values(), key=lambda c: (c.name, c.pk))
    column = {c.pk: index for index, c in enumerate(ordered)}
    today = now.astimezone(tz).date()
    rows = [
        ScheduleDay(
            date=start + timedelta(days=n),
            label=day_label(start + timedelta(days=n)),
            is_today=start + timedelta(days=n) == today,
            cells=[Cell(clinician=c) for c in ordered],
        )
        for n in range(days)
    ]
    for closure in closures:
        for row in rows:
            day_start, day_end = local_midnight(row.date), local_midnight(row.date + timedelta(days=1))
            if closure.starts_at < day_end and day_start < closure.ends_at:
                for cell in row.cells:
                    if closure.clinician_id in (None, cell.clinician.pk):
                        cell.closures.append(f"Closed: {closure.reason}")

    for slot in slots:
        closed = any(
            c.clinician_id in (None, slot.clinician_id) and c.starts_at < slot.end and slot.start < c.ends_at
            for c in closures
        )
        if slot.blocked:
            state = "blocked"
        elif closed:
            state = "closed"
        elif slot.is_full:
            state = "booked"
        elif slot.start <= now:
            state = "past"
        else:
            state = "free"
        if free_only and state != "free":
            continue
        visible = [b for b in slot.active_bookings if can_see_patient(user, b, slot.clinician)]
        entry = SlotEntry(
            slot=slot,
            label=f"{time_label(slot.start)} to {time_label(slot.end)}",
            state=state,
            bookings=visible,
            other_bookings=len(slot.active_bookings) - len(visible),
            started=slot.start <= now,
        )
        index = (slot.start.astimezone(tz).date() - start).days
        rows[index].cells[column[slot.clinician_id]].entries.append(entry)

    if days > 1:
        # Weekends only when something happens on them.
        rows = [
            row for row in rows if row.date.weekday() < 5 or any(cell.entries or cell.closures for cell in row.cells)
        ]
    return Schedule(start=start, days=days, clinicians=ordered, rows=rows)


class ScheduleFilterForm(forms.Form):
    date = forms.DateField(
        label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    view = forms.ChoiceField(
        label="Show", required=False, choices=[("day", "One day"), ("week", "One week")], initial="day"
    )
    clinician = forms.ModelChoiceField(
        label="Clinician", required=False, queryset=Clinician.objects.all(), empty_label="All clinicians"
    )
    type = forms.ModelChoiceField(
        label="Appointment type",
        required=False,
        queryset=AppointmentType.objects.all(),
        empty_label="All appointment types",
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise forms.ValidationError(f"Choose a day from {EARLIEST_DAY:%Y} to {LATEST_DAY:%Y}.")
        return day


def _filters(
    request, *, default_view: str, default_date: date | None = None, default_type: AppointmentType | None = None
):
    """The date, view, clinician and type asked for, the filter form, and navigation links."""
    form = ScheduleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    view = data.get("view") or default_view
    day = data.get("date") or default_date or local_today()
    clinician = data.get("clinician")
    appointment_type = data.get("type") if "type" in request.GET else default_type
    if view == "week":
        start, days, step = monday_of(day), 7, timedelta(days=7)
    else:
        start, days, step = day, 1, timedelta(days=1)
    # Show what is on screen, also when the date was left out or could not be read.
    form = ScheduleFilterForm(
        initial={
            "date": day,
            "view": view,
            "clinician": clinician.pk if clinician else None,
            "type": appointment_type.pk if appointment_type else None,
        }
    )

    def link(target: date, target_view: str = view) -> str:
        params: dict[str, str | int] = {"date": target.isoformat(), "view": target_view}
        if clinician:
            params["clinician"] = clinician.pk
        if appointment_type:
            params["type"] = appointment_type.pk
        return "?" + urlencode(params)

    nav = {
        "previous": link(start - step),
        "next": link(start + step),
        "today": link(local_today()),
        "day": link(day, "day"),
        "week": link(day, "week"),
        "view": view,
    }
    return form, start, days, clinician, appointment_type, nav


def _schedule_page(request, model_admin, *, default_view: str, free_only: bool, **extra) -> TemplateResponse:
    """The schedule grid (staff schedule or "book for a caller" picker) from the request's filters."""
    form, start, days, clinician, appointment_type, nav = _filters(request, default_view=default_view)
    grid = build_schedule(
        start=start,
        days=days,
        now=timezone.now(),
        user=request.user,
        clinician=clinician,
        appointment_type=appointment_type,
        free_only=free_only,
    )
    return TemplateResponse(
        request,
        "admin/booking/schedule.html",
        admin_context(model_admin, request, subtitle=grid.label, schedule=grid, filter_form=form, nav=nav, **extra),
    )


def schedule(request, *, model_admin):
    """Day or week view of every clinician's slots; opens on today; prints cleanly."""
    if not request.user.has_perm("booking.view_slot"):
        raise PermissionDenied
    return _schedule_page(
        request,
        model_admin,
        default_view="day",
        free_only=False,
        title="Schedule",
        mode="schedule",
        can_book=request.user.has_perm("booking.add_booking"),
        can_mark=request.user.has_perm("booking.mark_attendance"),
    )


# --- Book for a caller ------------------------------------------------------------------------


class StaffBookingForm(BookingForm):
    """The patient form, for a receptionist typing what a caller says. No honeypot; the reason
    for the visit only for staff allowed to see it (reception asks for the date of birth, not why).
    """

    def __init__(self, *args, with_reason: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        if not with_reason:
            del self.fields["reason"]
        self.fields["patient_name"].help_text = "As the caller spells it."
        self.fields["email"].help_text = "The confirmation and the link to change the booking go here."
        self.fields["phone"].help_text = "For example 212-555-0123."
        self.fields[
            "consent"
        ].label = "The caller agrees that the clinic may store these details for this appointment."
        self.fields["consent"].error_messages["required"] = "Ask the caller for their agreement, then tick the box."

    def clean(self):
        cleaned = super().clean()
        cleaned.setdefault("reason", "")
        return cleaned


def book_pick(request, *, model_admin):
    """Step 1: pick a free slot in the week view."""
    if not request.user.has_perm("booking.add_booking"):
        raise PermissionDenied
    return _schedule_page(
        request, model_admin, default_view="week", free_only=True, title="Book for a caller", mode="book"
    )


def book_details(request, slot_id: int, *, model_admin):
    """Step 2: the caller's details for the chosen slot; confirming books it as a staff booking."""
    if not request.user.has_perm("booking.add_booking"):
        raise PermissionDenied
    slot = get_object_or_404(Slot.objects.select_related("clinician", "appointment_type"), pk=slot_id)
    pick_url = reverse("admin:booking_booking_book")
    with_reason = request.user.has_perm("booking.view_booking_reason")
    if request.method == "POST":
        form = StaffBookingForm(request.POST, appointment_type=slot.appointment_type, with_reason=with_reason)
        if form.is_valid():
            try:
                booking = services.book_slot(
                    slot_id=slot.pk,
                    patient=form.patient_details(),
                    now=timezone.now(),
                    actor=Actor.staff(request.user),
                    submission_key=form.booking_key(slot_id=slot.pk),
                )
            except BookingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    f"Booked {booking.reference} on {short_when(booking.slot.start)} with "
                    f"{booking.slot.clinician}. The patient gets the confirmation email.",
                )
                return HttpResponseRedirect(reverse("admin:booking_booking_change", args=[booking.pk]))
    else:
        form = StaffBookingForm(
            appointment_type=slot.appointment_type,
            with_reason=with_reason,
            initial={"submission_key": new_submission_key()},
        )
    return TemplateResponse(
        request,
        "admin/booking/book_details.html",
        admin_context(
            model_admin,
            request,
            title="Book for a caller",
            subtitle=short_when(slot.start),
            slot=slot,
            when=f"{day_label(slot.local_start.date())}, {time_label(slot.start)} to {time_label(slot.end)}",
            form=form,
            pick_url=pick_url + "?" + urlencode({"view": "week", "date": slot.local_start.date().isoformat()}),
        ),
    )


# --- One booking: move, cancel, attendance, erase ------------------------------------------


def _booking_for(request, model_admin, booking_id: int) -> Booking:
    queryset = model_admin.get_queryset(request).select_related("slot__clinician", "slot__appointment_type")
    return get_object_or_404(queryset, pk=booking_id)


def _change_url(booking: Booking) -> str:
    return reverse("admin:booking_booking_change", args=[booking.pk])


# The largest id a database row can have: a bigger number typed into a form is no slot at all (and
# would overflow SQLite's integers in an ``IN`` list).
MAX_ID = models.BigIntegerField.MAX_BIGINT


class MoveForm(forms.Form):
    slot = forms.IntegerField(min_value=1, max_value=MAX_ID)


def move(request, booking_id: int, *, model_admin):
    """Pick another free slot (week view); POST moves the booking through reschedule_booking."""
    if not request.user.has_perm("booking.change_booking"):
        raise PermissionDenied
    booking = _booking_for(request, model_admin, booking_id)
    if request.method == "POST":
        chosen = MoveForm(request.POST)
        if not chosen.is_valid():
            messages.error(request, "Choose a free time to move the booking to.")
            return HttpResponseRedirect(request.get_full_path())
        new_slot_id = chosen.cleaned_data["slot"]
        try:
            services.reschedule_booking(
                booking_id=booking.pk,
                new_slot_id=new_slot_id,
                now=timezone.now(),
                actor=Actor.staff(request.user),
            )
        except BookingError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.get_full_path())
        booking.refresh_from_db()
        messages.success(
            request,
            f"Moved {booking.reference} to {short_when(booking.slot.start)} with {booking.slot.clinician}. "
            "The patient gets an email with the new time.",
        )
        return HttpResponseRedirect(_change_url(booking))
    if booking.status != Booking.Status.CONFIRMED:
        messages.error(request, f"This booking is {booking.get_status_display().lower()} and cannot be moved.")
        return HttpResponseRedirect(_change_url(booking))
    form, start, days, clinician, appointment_type, nav = _filters(
        request,
        default_view="week",
        default_date=booking.slot.local_start.date(),
        default_type=booking.slot.appointment_type,
    )
    grid = build_schedule(
        start=start,
        days=days,
        now=timezone.now(),
        user=request.user,
        clinician=clinician,
        appointment_type=appointment_type,
        free_only=True,
        exclude_slot_id=booking.slot_id,
    )
    return TemplateResponse(
        request,
        "admin/booking/schedule.html",
        admin_context(
            model_admin,
            request,
            title=f"Move booking {booking.reference}",
            subtitle=grid.label,
            schedule=grid,
            filter_form=form,
            nav=nav,
            mode="move",
            booking=booking,
            booking_when=short_when(booking.slot.start),
        ),
    )


class ContactForm(ContactFields):
    """Staff correct a booking's contact details; the checks are the patient's own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient_name"].help_text = "As the patient spells it."
        self.fields["email"].help_text = (
            "A new address gets the confirmation with a new link to change the booking; links sent "
            "before stop working."
        )
        self.fields["phone"].help_text = "For example 212-555-0123 or +44 20 7946 0958."

    def contact_details(self) -> services.ContactDetails:
        data = self.cleaned_data
        return services.ContactDetails(
            name=data["patient_name"],
            email=data["email"],
            phone=data["phone"],
            accessibility_needs=data["accessibility_needs"],
        )


def contact(request, booking_id: int, *, model_admin):
    """Correct the patient's name, email, phone or access needs through update_contact_details."""
    if not request.user.has_perm("booking.change_booking"):
        raise PermissionDenied
    booking = _booking_for(request, model_admin, booking_id)
    if booking.anonymised_at is not None:
        messages.error(request, "This booking's personal data was erased; there is nothing to correct.")
        return HttpResponseRedirect(_change_url(booking))
    form = ContactForm(
        request.POST if request.method == "POST" else None,
        initial={
            "patient_name": booking.patient_name,
            "email": booking.email,
            "phone": booking.phone,
            "accessibility_needs": booking.accessibility_needs,
        },
    )
    if request.method == "POST" and form.is_valid():
        version_before = booking.version
        try:
            booking, changed = services.update_contact_details(
                booking_id=booking.pk,
                details=form.contact_details(),
                now=timezone.now(),
                actor=Actor.staff(request.user),
            )
        except BookingError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(_change_url(booking))
        if not changed:
            messages.info(request, f"Nothing changed on {booking.reference}.")
        elif booking.version != version_before:  # the service sent the confirmation to a new address
            messages.success(
                request,
                f"Saved {booking.reference}. The confirmation with a new link goes to the new email address; "
                "links sent before no longer work.",
            )
        else:
            messages.success(request, f"Saved the contact details of {booking.reference}.")
        return HttpResponseRedirect(_change_url(booking))
    return TemplateResponse(
        request,
        "admin/booking/booking/contact.html",
        admin_context(
            model_admin,
            request,
            title=f"Contact details of booking {booking.reference}",
            form=form,
            original=booking,
            when=short_when(booking.slot.start),
        ),
    )


class CancelForm(forms.Form):
    cancelled_by = forms.ChoiceField(
        label="Who asked to cancel?",
        choices=[
            (Booking.CancelledBy.PATIENT, "The patient (for example on the phone)"),
            (Booking.CancelledBy.CLINIC, "The clinic"),
        ],
        widget=forms.RadioSelect,
        initial=Booking.CancelledBy.CLINIC,
    )
    reason = forms.CharField(
        label="Reason, for the patient",
        max_length=500,
        help_text="The patient's cancellation email gives this reason. Do not include health details.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        error_messages={"required": "Give a reason: the patient will see it in the email."},
    )

    def clean_reason(self):
        return clean_multiline(self.cleaned_data["reason"])


def cancel_many(request, bookings: list[Booking], *, cancelled_by: str, reason: str) -> tuple[int, list[str]]:
    """Cancel each booking through cancel_booking; return how many and the problems."""
    done, problems = 0, []
    for booking in bookings:
        try:
            services.cancel_booking(
                booking_id=booking.pk,
                now=timezone.now(),
                actor=Actor.staff(request.user),
                cancelled_by=cancelled_by,
                reason=reason,
            )
        except BookingError as error:
            problems.append(f"{booking.reference}: {error.message}")
        else:
            done += 1
    return done, problems


def cancel(request, booking_id: int, *, model_admin):
    if not request.user.has_perm("booking.change_booking"):
        raise PermissionDenied
    booking = _booking_for(request, model_admin, booking_id)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done, problems = cancel_many(
            request, [booking], cancelled_by=form.cleaned_data["cancelled_by"], reason=form.cleaned_data["reason"]
        )
        if done:
            messages.success(request, f"Cancelled {booking.reference}. The patient gets an email with the reason.")
        for problem in problems:
            messages.error(request, problem)
        return HttpResponseRedirect(_change_url(booking))
    return TemplateResponse(
        request,
        "admin/booking/booking/cancel.html",
        admin_context(
            model_admin,
            request,
            title=f"Cancel booking {booking.reference}",
            form=form,
            bookings=[booking],
            summaries=[(booking, short_when(booking.slot.start))],
            original=booking,
        ),
    )


def attendance(request, booking_id: int, *, model_admin):
    if request.method != "POST":
        return HttpResponseRedirect(reverse("admin:booking_booking_changelist"))
    if not request.user.has_perm("booking.mark_attendance"):
        raise PermissionDenied
    booking = _booking_for(request, model_admin, booking_id)
    attended = request.POST.get("attended") == "yes"
    try:
        services.mark_attendance(
            booking_id=booking.pk, attended=attended, now=timezone.now(), actor=Actor.staff(request.user)
        )
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{booking.reference} marked {'attended' if attended else 'no-show'}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = _change_url(booking)
    return HttpResponseRedirect(target)


def same_patient_bookings(bookings: list[Booking]):
    """Every booking of the patients of these bookings: same email and date of birth."""
    match = Q(pk__in=[b.pk for b in bookings])
    for booking in bookings:
        if booking.anonymised_at is None and booking.email:
            match |= Q(email__iexact=booking.email, date_of_birth=booking.date_of_birth)
    return Booking.objects.filter(match).select_related("slot").order_by("slot__start")


def erase(request, booking_id: int, *, model_admin):
    """Erase one patient's personal data on request (every booking with their email and birth date)."""
    if not request.user.has_perm("booking.erase_personal_data"):
        raise PermissionDenied
    booking = _booking_for(request, model_admin, booking_id)
    related = list(same_patient_bookings([booking]))
    if request.method == "POST":
        result = services.anonymise_bookings(
            booking_ids=[b.pk for b in related], now=timezone.now(), actor=Actor.staff(request.user)
        )
        report_erasure(request, result)
        return HttpResponseRedirect(_change_url(booking))
    return TemplateResponse(
        request,
        "admin/booking/booking/erase.html",
        admin_context(
            model_admin,
            request,
            title="Erase the patient's personal data",
            original=booking,
            summaries=[(b, short_when(b.slot.start)) for b in related],
            upcoming=[b for b in related if b.status == Booking.Status.CONFIRMED and b.slot.start > timezone.now()],
        ),
    )


def report_erasure(request, result: services.AnonymiseResult) -> None:
    if result.anonymised:
        messages.success(request, f"Erased the personal data of {result.anonymised} booking(s).")
    if result.already:
        messages.info(request, f"{result.already} booking(s) had been erased already.")
    if result.refused_upcoming:
        messages.error(
            request,
            f"{result.refused_upcoming} upcoming booking(s) kept: cancel them first, then erase.",
        )


# --- Export -----------------------------------------------------------------------------------


def export_csv(request, queryset) -> HttpResponse:
    """The selected bookings as CSV (reason only for those allowed to see it); audited per booking."""
    with_reason = request.user.has_perm("booking.view_booking_reason")
    bookings = list(queryset.select_related("slot__clinician", "slot__appointment_type").order_by("slot__start"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bookings.csv"'
    header = [
        "Reference",
        "Date",
        "Time",
        "Clinician",
        "Appointment type",
        "Status",
        "Source",
        "Patient",
        "Date of birth",
        "Email",
        "Phone",
        "Access needs",
    ]
    writer = csv.writer(response)
    writer.writerow([*header, "Reason"] if with_reason else header)
    for booking in bookings:
        local = booking.slot.local_start
        row = [
            booking.reference,
            local.date().isoformat(),
            f"{local:%H:%M}",
            booking.slot.clinician.name,
            booking.slot.appointment_type.name,
            booking.get_status_display(),
            booking.get_source_display(),
            booking.patient_name,
            booking.date_of_birth.isoformat(),
            booking.email,
            booking.phone,
            booking.accessibility_needs,
        ]
        if with_reason:
            row.append(booking.reason)
        # Spreadsheets run cells starting with = + - @ as formulas: defuse them.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
    record_staff_access(
        booking_ids=[b.pk for b in bookings],
        action=BookingEvent.Action.EXPORTED,
        user=request.user,
        now=timezone.now(),
        detail="csv",
    )
    return response


# --- Generate slots ---------------------------------------------------------------------------


class IdChoicesField(forms.ModelMultipleChoiceField):
    """Rows chosen by id; a value that cannot be an id is refused before it reaches the database."""

    def clean(self, value):
        for chosen in value or []:
            if not (str(chosen).isdigit() and 0 < int(chosen) <= MAX_ID):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": chosen}
                )
        return super().clean(value)


class GenerateForm(forms.Form):
    clinicians = IdChoicesField(
        label="Clinicians",
        queryset=Clinician.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text="Slots are made from each clinician's weekly hours, minus closures.",
        error_messages={"required": "Choose at least one clinician."},
    )
    start_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end_date = forms.DateField(
        label="To (included)", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end:
            problem = generation_range_problem(start, end, today=local_today())
            if problem:
                self.add_error(*problem)
        return cleaned


def generation_range_problem(start: date, end: date, *, today: date) -> tuple[str, str] | None:
    """Why slots cannot be generated from ``start`` to ``end``, as (field, message); None if they can."""
    if end < start:
        return "end_date", "The last day must be on or after the first day."
    if (end - start).days >= MAX_GENERATION_DAYS:
        return "end_date", f"Generate at most {MAX_GENERATION_DAYS} days at a time."
    if start < today:
        return "start_date", "Start today or later: slots on days that have passed cannot be booked."
    if (start - today).days > MAX_GENERATION_AHEAD_DAYS:
        return "start_date", f"Start within {MAX_GENERATION_AHEAD_DAYS} days from today."
    return None


def generate(request, *, model_admin):
    """Preview (a dry run) then create slots; re-running creates nothing new."""
    if not request.user.has_perm("booking.add_slot"):
        raise PermissionDenied
    today = local_today()
    preview = None
    if request.method == "POST":
        form = GenerateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            create = "create" in request.POST
            result = services.generate_slots(
                start_date=data["start_date"],
                end_date=data["end_date"],
                now=timezone.now(),
                clinicians=list(data["clinicians"]),
                dry_run=not create,
            )
            if create:
                messages.success(request, generation_summary(result, created=True))
                return HttpResponseRedirect(
                    reverse("admin:booking_slot_schedule")
                    + "?"
                    + urlencode({"date": data["start_date"].isoformat(), "view": "week"})
                )
            preview = {
                "result": result,
                "summary": generation_summary(result, created=False),
                "closed_days": [f"{day_label(day)}: {clinician}" for clinician, day in result.closed_days],
            }
    else:
        form = GenerateForm(
            initial={
                "clinicians": list(Clinician.objects.filter(active=True)),
                "start_date": today,
                "end_date": today + timedelta(weeks=4),
            }
        )
    return TemplateResponse(
        request,
        "admin/booking/generate.html",
        admin_context(model_admin, request, title="Generate slots", form=form, preview=preview),
    )


def generation_summary(result: services.GenerationResult, *, created: bool) -> str:
    verb = "Created" if created else "Will create"
    parts = [f"{verb} {result.created} slot(s)", f"{result.existing} already exist"]
    if result.skipped_closed:
        parts.append(f"{result.skipped_closed} fall in closures")
    if result.skipped_overlap:
        parts.append(f"{result.skipped_overlap} would overlap existing slots")
    return "; ".join(parts) + "."
