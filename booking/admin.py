"""The staff side of booking: schedule, bookings and settings in the Django admin.

Every change to a booking goes through booking.services (actions here and the pages in
booking/admin_views.py), so the booking invariants hold for staff exactly as for patients.
Times are shown in clinic local time. Roles are Django groups (clinic/migrations/0001_roles.py).
"""

import re
from datetime import date, datetime, timedelta
from functools import partial

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.forms import ModelForm
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from booking import admin_views, notifications, permissions, services
from booking.admin_views import EARLIEST_DAY, LATEST_DAY, short_when
from booking.audit import Actor, record_staff_access
from booking.availability import local_midnight, monday_of
from booking.exceptions import BookingError
from booking.models import (
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

# --- Dates staff type ------------------------------------------------------------------------


class ClinicDateTimeField(forms.SplitDateTimeField):
    """The admin's date-and-time field, for the years the clinic can use, with a label for each box.

    Django's split widget puts "Date:" and "Time:" beside the two boxes as plain text, which screen
    readers do not announce as their labels.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.label or "Date and time"
        date_box, time_box = self.widget.widgets
        date_box.attrs.setdefault("aria-label", f"{name}: date")
        time_box.attrs.setdefault("aria-label", f"{name}: time")

    def clean(self, value):
        moment = super().clean(value)
        if moment is not None and not EARLIEST_DAY.year <= moment.year <= LATEST_DAY.year:
            raise ValidationError(f"Enter a date from {EARLIEST_DAY.year} to {LATEST_DAY.year}.", code="out_of_range")
        return moment


class DeclaredFiltersOnlyAdmin(admin.ModelAdmin):
    """A list accepts in its URL only the parameters of its own filters and date hierarchy.

    Django's admin also takes any lookup on a model's own fields from the URL
    (``?reason__regex=^Hip``), and lists the rows that match: a role that may not see a field
    could read it back by filtering on it, one question at a time, without an audit trace. Here
    every other parameter is refused (Django answers 400), whoever asks.
    """

    def lookup_allowed(self, lookup, value, request):
        return lookup in self.declared_filter_parameters(request)

    def declared_filter_parameters(self, request) -> set[str]:
        parameters: set[str] = set()
        if self.date_hierarchy:
            parameters.update(f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day"))
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                parameters.add(str(item.parameter_name))
                continue
            field_path = str(item[0] if isinstance(item, list | tuple) else item)
            field = get_fields_from_path(self.model, field_path)[-1]
            # The parameters Django's field filters read (RelatedFieldListFilter, ChoicesFieldListFilter...).
            if field.is_relation:
                parameters.add(f"{field_path}__{field.target_field.name}__exact")  # type: ignore[attr-defined]
            else:
                parameters.add(f"{field_path}__exact")
            parameters.add(f"{field_path}__isnull")
        return parameters


class ClinicCalendarAdmin(DeclaredFiltersOnlyAdmin):
    """Dates typed into a form or put into a URL stay within the years the clinic can use.

    Django would take 31 December 9999 at 23:00: turned into UTC it overflows, and so does the
    date hierarchy's "next day" of that date; both were server errors. A year out of range in the
    date hierarchy is dropped with a message; the other filters stay.
    """

    formfield_overrides = {models.DateTimeField: {"form_class": ClinicDateTimeField, "widget": AdminSplitDateTime}}

    def changelist_view(self, request, extra_context=None):
        year = request.GET.get(f"{self.date_hierarchy}__year") if self.date_hierarchy else None
        if year is not None and not (year.isdigit() and EARLIEST_DAY.year <= int(year) <= LATEST_DAY.year):
            messages.warning(
                request, f"Choose a date from {EARLIEST_DAY.year} to {LATEST_DAY.year}. Showing all dates instead."
            )
            kept = request.GET.copy()
            for part in ("year", "month", "day"):
                kept.pop(f"{self.date_hierarchy}__{part}", None)
            return HttpResponseRedirect(f"{request.path}?{kept.urlencode()}" if kept else request.path)
        return super().changelist_view(request, extra_context)


# --- Settings of the schedule -----------------------------------------------------------------


class ScheduleSettingsAdmin(DeclaredFiltersOnlyAdmin):
    """Staff changes here change what patients can book (who is active, what is offered, when the
    clinic is closed): each saved or deleted change says so once (``services.schedule_changed``).
    """

    def save_related(self, request, form, formsets, change):
        # Runs after save_model on every add and change: the object, its many-to-many and inlines.
        super().save_related(request, form, formsets, change)
        services.schedule_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.schedule_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.schedule_changed()


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0
    fields = ["weekday", "start_time", "end_time", "appointment_type", "valid_from", "valid_until"]


@admin.register(Clinician)
class ClinicianAdmin(ScheduleSettingsAdmin):
    list_display = ["name", "title", "active", "offers", "user"]
    list_filter = ["active"]
    search_fields = ["name", "title"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]
    inlines = [WeeklyHoursInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("appointment_types")

    @admin.display(description="Offers")
    def offers(self, clinician):
        return ", ".join(t.name for t in clinician.appointment_types.all())


@admin.register(AppointmentType)
class AppointmentTypeAdmin(ScheduleSettingsAdmin):
    list_display = ["name", "duration_minutes", "buffer_minutes", "patient_kind", "active", "call_to_book", "order"]
    list_filter = ["active", "patient_kind", "call_to_book"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["clinicians"]


@admin.register(Closure)
class ClosureAdmin(ClinicCalendarAdmin, ScheduleSettingsAdmin):
    list_display = ["reason", "who", "starts", "ends"]
    list_filter = ["clinician"]
    list_select_related = ["clinician"]
    search_fields = ["reason"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]

    @admin.display(description="Who", ordering="clinician__name")
    def who(self, closure):
        return closure.clinician or "Whole clinic"

    @admin.display(description="From", ordering="starts_at")
    def starts(self, closure):
        return short_when(closure.starts_at)

    @admin.display(description="Until", ordering="ends_at")
    def ends(self, closure):
        return short_when(closure.ends_at)


# --- Filters ----------------------------------------------------------------------------------


class LocalDateFilter(admin.SimpleListFilter):
    """Today, tomorrow, this week, next week, past: clinic local days. No query."""

    title = "date"
    parameter_name = "when"
    field = "start"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "This week"),
            ("next_week", "Next week"),
            ("upcoming", "From now on"),
            ("past", "Past"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        today = now.astimezone(clinic_tz()).date()
        ranges = {
            "today": (today, today + timedelta(days=1)),
            "tomorrow": (today + timedelta(days=1), today + timedelta(days=2)),
            "week": (monday_of(today), monday_of(today) + timedelta(days=7)),
            "next_week": (monday_of(today) + timedelta(days=7), monday_of(today) + timedelta(days=14)),
        }
        value = self.value()
        if value in ranges:
            first, after = ranges[value]
            return queryset.filter(
                **{f"{self.field}__gte": local_midnight(first), f"{self.field}__lt": local_midnight(after)}
            )
        if value == "upcoming":
            return queryset.filter(**{f"{self.field}__gte": now})
        if value == "past":
            return queryset.filter(**{f"{self.field}__lt": now})
        return queryset


class BookingDateFilter(LocalDateFilter):
    field = "slot__start"


class SlotStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("free", "Free"), ("booked", "Booked"), ("blocked", "Blocked")]

    def queryset(self, request, queryset):
        if self.value() == "free":
            return queryset.free()
        if self.value() == "booked":
            return queryset.filter(booked_count__gt=0)
        if self.value() == "blocked":
            return queryset.filter(blocked=True)
        return queryset


# --- Slots ------------------------------------------------------------------------------------


def refusal_as_message(request, view, *args):
    """Run an admin view; a service's refusal (say, the slot was booked meanwhile) undoes the
    view's transaction and comes back as a message on the same page, not as a server error."""
    try:
        return view(request, *args)
    except BookingError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(request.get_full_path())


class SlotForm(ModelForm):
    class Meta:
        model = Slot
        fields = ["clinician", "appointment_type", "start", "end", "capacity", "blocked"]

    def clean(self):
        cleaned = super().clean()
        clinician, start, end = cleaned.get("clinician"), cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end <= start:
                self.add_error("end", "The end must be after the start.")
            elif clinician is not None:
                overlapping = Slot.objects.filter(clinician=clinician, start__lt=end, end__gt=start)
                if self.instance.pk:
                    overlapping = overlapping.exclude(pk=self.instance.pk)
                other = overlapping.first()
                if other is not None:
                    raise ValidationError(
                        f"{clinician} already has a slot at {short_when(other.start)}; slots of one clinician "
                        "cannot overlap."
                    )
        capacity = cleaned.get("capacity")
        if capacity is not None and self.instance.pk and capacity < self.instance.booked_count:
            self.add_error("capacity", f"This slot already holds {self.instance.booked_count} booking(s).")
        return cleaned


@admin.register(Slot)
class SlotAdmin(ClinicCalendarAdmin):
    form = SlotForm
    list_display = ["when", "clinician", "appointment_type", "state", "booking_links"]
    list_filter = [LocalDateFilter, "clinician", "appointment_type", SlotStateFilter]
    list_select_related = ["clinician", "appointment_type"]
    date_hierarchy = "start"
    ordering = ["start", "clinician__name"]
    actions = ["block_slots", "unblock_slots"]
    list_per_page = 100

    def get_queryset(self, request):
        # The booking column links only the bookings this user may open; a colleague's slot
        # shows "Booked" without its reference.
        visible = Booking.objects.active().visible_to(request.user).order_by("seat")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bookings", queryset=visible, to_attr="active_bookings"))
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("schedule/", view(partial(admin_views.schedule, model_admin=self)), name="booking_slot_schedule"),
            path("generate/", view(partial(admin_views.generate, model_admin=self)), name="booking_slot_generate"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        # A booked slot keeps its time, clinician and type: the patient was told them.
        if obj is not None and obj.booked_count > 0:
            return ["clinician", "appointment_type", "start", "end"]
        return []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.bookings.exists():
            return False
        return super().has_delete_permission(request, obj)

    # -- Saving and deleting go through the slot services (locks, rules, free times go stale)

    def save_model(self, request, obj, form, change):
        services.save_slot(slot=obj)

    def delete_model(self, request, obj):
        services.delete_slots(slot_ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        services.delete_slots(slot_ids=list(queryset.values_list("pk", flat=True)))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return refusal_as_message(request, super().changeform_view, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return refusal_as_message(request, super().delete_view, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        return refusal_as_message(request, super().changelist_view, extra_context)

    @admin.display(description="Time", ordering="start")
    def when(self, slot):
        return f"{short_when(slot.start)} to {admin_views.time_label(slot.end)}"

    @admin.display(description="State")
    def state(self, slot):
        if slot.blocked:
            return "Blocked"
        if slot.booked_count:
            return "Booked" if slot.capacity == 1 else f"Booked {slot.booked_count} of {slot.capacity}"
        return "Free"

    @admin.display(description="Booking")
    def booking_links(self, slot):
        return format_html_join(
            " ",
            '<a href="{}">{}</a>',
            ((reverse("admin:booking_booking_change", args=[b.pk]), b.reference) for b in slot.active_bookings),
        )

    @admin.action(description="Block the selected slots (no new bookings)", permissions=["change"])
    def block_slots(self, request, queryset):
        changed = services.set_slots_blocked(slot_ids=list(queryset.values_list("pk", flat=True)), blocked=True)
        booked = queryset.filter(booked_count__gt=0).count()
        messages.success(request, f"Blocked {changed} slot(s).")
        if booked:
            messages.warning(request, f"{booked} of them hold bookings, which stay: move or cancel them if needed.")

    @admin.action(description="Unblock the selected slots", permissions=["change"])
    def unblock_slots(self, request, queryset):
        changed = services.set_slots_blocked(slot_ids=list(queryset.values_list("pk", flat=True)), blocked=False)
        messages.success(request, f"Unblocked {changed} slot(s).")


# --- Bookings ---------------------------------------------------------------------------------

REFERENCE_LIKE = re.compile(r"^(HO-?)?[2-9A-HJ-NP-Z]{6}$", re.IGNORECASE)
PHONE_LIKE = re.compile(r"^[\d\s()+.\-]+$")
DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y"]
# A word search with at most this many matches is paged from their ids (see get_search_results).
WORD_SEARCH_IDS = 1000


def whole_phone_number(term: str) -> str | None:
    """A complete phone number as the booking forms store it (E.164), or None if ``term`` is
    only part of one. Numbers without a country code are read in ``CLINIC_PHONE_REGION``."""
    try:
        number = phonenumbers.parse(term, settings.CLINIC_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_search_date(term: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(term, fmt).date()
        except ValueError:
            continue
    return None


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    fields = readonly_fields = ("at", "action", "actor_kind", "actor_user", "detail")
    extra = 0
    can_delete = False
    verbose_name_plural = "History"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor_user")


@admin.register(Booking)
class BookingAdmin(ClinicCalendarAdmin):
    list_display = ["when", "clinician", "appointment_type", "patient_name", "reference", "status", "source"]
    list_display_links = ["when", "patient_name", "reference"]
    list_filter = [
        BookingDateFilter,
        "status",
        "source",
        "slot__clinician",
        "slot__appointment_type",
    ]
    list_select_related = ["slot__clinician", "slot__appointment_type"]
    date_hierarchy = "slot__start"
    ordering = ["-slot__start", "-pk"]
    search_help_text = "Reference, patient name, email, phone or date of birth (YYYY-MM-DD or MM/DD/YYYY)."
    # The full count is a second COUNT over every booking on each page, and facet counts one
    # more per filter choice: neither is worth it on a list of years of bookings.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["cancel_and_notify", "mark_attended", "mark_no_show", "export_csv", "erase_personal_data"]
    inlines = [BookingEventInline]

    # -- Who sees what

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_change_permission(self, request, obj=None):
        # The booking page is read-only: every change is an action or a page that calls a service.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # anonymised by the retention job, never deleted

    def has_mark_attendance_permission(self, request):
        return permissions.can_mark_attendance(request.user)

    def has_export_permission(self, request):
        return permissions.can_export(request.user)

    def has_erase_permission(self, request):
        return permissions.can_erase(request.user)

    def get_fieldsets(self, request, obj=None):
        patient = ["patient_name", "date_of_birth", "patient_kind", "email", "phone", "accessibility_needs"]
        if permissions.can_see_reason(request.user):
            patient.append("reason")
        return [
            ("Appointment", {"fields": ["reference", "status", "when", "clinician", "appointment_type", "source"]}),
            ("Patient", {"fields": patient}),
            (
                "Cancellation",
                {"fields": ["cancelled_at_local", "cancelled_by", "cancelled_by_user", "cancellation_reason"]},
            ),
            ("Record", {"fields": ["created_at_local", "consent_at_local", "anonymised_at_local", "emails"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [field for _, options in self.get_fieldsets(request, obj) for field in options["fields"]]

    # -- Columns

    @admin.display(description="Time", ordering="slot__start")
    def when(self, booking):
        return short_when(booking.slot.start)

    @admin.display(description="Clinician", ordering="slot__clinician__name")
    def clinician(self, booking):
        return booking.slot.clinician.name

    @admin.display(description="Type", ordering="slot__appointment_type__name")
    def appointment_type(self, booking):
        return booking.slot.appointment_type.name

    @admin.display(description="Cancelled")
    def cancelled_at_local(self, booking):
        return short_when(booking.cancelled_at)

    @admin.display(description="Booked")
    def created_at_local(self, booking):
        return short_when(booking.created_at)

    @admin.display(description="Consent given")
    def consent_at_local(self, booking):
        return short_when(booking.consent_at)

    @admin.display(description="Personal data erased")
    def anonymised_at_local(self, booking):
        return short_when(booking.anonymised_at)

    @admin.display(description="Emails")
    def emails(self, booking):
        return format_html_join(
            ", ",
            '<a href="{}">{} ({})</a>',
            (
                (
                    reverse("admin:booking_notification_change", args=[n.pk]),
                    n.get_kind_display(),
                    n.get_status_display(),
                )
                for n in booking.notifications.order_by("created_at")
            ),
        )

    # -- Search: reference, name, email, phone, date of birth (and reason, for those who may see it)

    def get_search_results(self, request, queryset, search_term):
        """One search box for the phone. A reference, a date of birth or a phone number alone is
        matched exactly; otherwise every word must match the reference, name or email (or a
        date of birth or phone number, or the reason for those who may see it).
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        if REFERENCE_LIKE.match(term):
            code = term.upper().removeprefix("HO-").removeprefix("HO")
            return queryset.filter(reference=f"HO-{code}"), False
        born = parse_search_date(term)
        if born is not None:
            return queryset.filter(date_of_birth=born), False
        digits = re.sub(r"\D", "", term)
        if PHONE_LIKE.match(term) and len(digits) >= 4:
            whole = whole_phone_number(term)
            if whole is not None:
                # Phones are stored as the booking forms normalise them (E.164, +12125550123): a
                # whole number typed any way is matched exactly, through an index.
                return queryset.filter(phone=whole), False
            # Part of a number ("555-0199") matches by its digits, anywhere in the number.
            return queryset.filter(phone__contains=digits), False
        with_reason = permissions.can_see_reason(request.user)
        matching = queryset
        for word in term.split():
            match = Q(reference__icontains=word) | Q(patient_name__icontains=word) | Q(email__icontains=word)
            born = parse_search_date(word)
            digits = re.sub(r"\D", "", word)
            if born is not None:
                match |= Q(date_of_birth=born)
            elif PHONE_LIKE.match(word) and len(digits) >= 4:
                match |= Q(phone__contains=digits)
            if with_reason:
                match |= Q(reason__icontains=word)
            matching = matching.filter(match)
        # The matches are found first (PostgreSQL: through the trigram indexes; SQLite: one read of
        # the table) and the page is then sorted from their ids. Asked for both at once, the
        # newest-first order tempts the database into walking every booking from the newest
        # until it has a page of matches: seconds on a million bookings when the matches are few.
        ids = list(matching.order_by().values_list("pk", flat=True)[: WORD_SEARCH_IDS + 1])
        if len(ids) <= WORD_SEARCH_IDS:
            return queryset.filter(pk__in=ids), False
        return matching, False  # so many matches that the newest come first soon enough

    # -- Pages

    def get_urls(self):
        view = self.admin_site.admin_view
        booking_id = "<int:booking_id>"
        return [
            path("book/", view(partial(admin_views.book_pick, model_admin=self)), name="booking_booking_book"),
            path(
                "book/<int:slot_id>/",
                view(partial(admin_views.book_details, model_admin=self)),
                name="booking_booking_book_slot",
            ),
            path(
                f"{booking_id}/move/", view(partial(admin_views.move, model_admin=self)), name="booking_booking_move"
            ),
            path(
                f"{booking_id}/contact/",
                view(partial(admin_views.contact, model_admin=self)),
                name="booking_booking_contact",
            ),
            path(
                f"{booking_id}/cancel/",
                view(partial(admin_views.cancel, model_admin=self)),
                name="booking_booking_cancel",
            ),
            path(
                f"{booking_id}/attendance/",
                view(partial(admin_views.attendance, model_admin=self)),
                name="booking_booking_attendance",
            ),
            path(
                f"{booking_id}/erase/",
                view(partial(admin_views.erase, model_admin=self)),
                name="booking_booking_erase",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        # Staff book through the same service as patients: pick a slot, then the caller's details.
        if not self.has_add_permission(request):
            return super().add_view(request, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:booking_booking_book"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if (
            request.method == "GET"
            and response.status_code == 200
            and "original" in getattr(response, "context_data", {})
        ):
            booking = response.context_data["original"]
            record_staff_access(
                booking_ids=[booking.pk], action=BookingEvent.Action.VIEWED, user=request.user, now=timezone.now()
            )
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            user = request.user
            context.update(
                can_move=permissions.can_move(user, obj),
                can_cancel=permissions.can_cancel(user, obj),
                can_mark=permissions.can_mark_attendance(user, obj, now=timezone.now()),
                can_erase=permissions.can_erase(user, obj),
                can_edit_contact=permissions.can_edit_contact(user, obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- Actions

    def _confirm_page(self, request, queryset, *, action, title, template, **extra):
        bookings = list(queryset.select_related("slot").order_by("slot__start"))
        return TemplateResponse(
            request,
            template,
            admin_views.admin_context(
                self,
                request,
                title=title,
                action=action,
                summaries=[(b, short_when(b.slot.start)) for b in bookings],
                bookings=bookings,
                **extra,
            ),
        )

    @admin.action(description="Cancel and notify the patients (with a reason)", permissions=["change"])
    def cancel_and_notify(self, request, queryset):
        form = admin_views.CancelForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            done, problems = admin_views.cancel_many(
                request,
                list(queryset.order_by("pk")),
                cancelled_by=form.cleaned_data["cancelled_by"],
                reason=form.cleaned_data["reason"],
            )
            if done:
                messages.success(request, f"Cancelled {done} booking(s). Each patient gets an email with the reason.")
            for problem in problems:
                messages.error(request, problem)
            return None
        return self._confirm_page(
            request,
            queryset,
            action="cancel_and_notify",
            title="Cancel bookings",
            template="admin/booking/booking/cancel.html",
            form=form,
        )

    def _mark(self, request, queryset, *, attended: bool):
        done, problems = 0, []
        for booking in queryset.order_by("pk"):
            try:
                services.mark_attendance(
                    booking_id=booking.pk, attended=attended, now=timezone.now(), actor=Actor.staff(request.user)
                )
            except BookingError as error:
                problems.append(f"{booking.reference}: {error.message}")
            else:
                done += 1
        if done:
            messages.success(request, f"Marked {done} booking(s) {'attended' if attended else 'no-show'}.")
        for problem in problems:
            messages.error(request, problem)

    @admin.action(description="Mark attended", permissions=["mark_attendance"])
    def mark_attended(self, request, queryset):
        self._mark(request, queryset, attended=True)

    @admin.action(description="Mark no-show", permissions=["mark_attendance"])
    def mark_no_show(self, request, queryset):
        self._mark(request, queryset, attended=False)

    @admin.action(description="Export the selected bookings as CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        return admin_views.export_csv(request, queryset)

    @admin.action(description="Erase the patients' personal data (on request)", permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        related = admin_views.same_patient_bookings(list(queryset))
        if "confirm" in request.POST:
            result = services.anonymise_bookings(
                booking_ids=[b.pk for b in related], now=timezone.now(), actor=Actor.staff(request.user)
            )
            admin_views.report_erasure(request, result)
            return None
        now = timezone.now()
        return self._confirm_page(
            request,
            related,
            action="erase_personal_data",
            title="Erase the patients' personal data",
            template="admin/booking/booking/erase.html",
            selected=list(queryset.values_list("pk", flat=True)),
            upcoming=[b for b in related if b.status == Booking.Status.CONFIRMED and b.slot.start > now],
        )


# --- Audit trail and outbox -------------------------------------------------------------------


@admin.register(BookingEvent)
class BookingEventAdmin(ClinicCalendarAdmin):
    """Read-only: the audit trail is written by the services and the admin, never edited."""

    list_display = ["at_local", "booking_reference", "action", "actor_kind", "actor_user", "detail"]
    list_filter = ["action", "actor_kind"]
    list_select_related = ["booking", "actor_user"]
    search_fields = ["booking__reference", "actor_user__username"]
    date_hierarchy = "at"
    ordering = ["-at", "-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="When", ordering="at")
    def at_local(self, event):
        return short_when(event.at)

    @admin.display(description="Booking", ordering="booking__reference")
    def booking_reference(self, event):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:booking_booking_change", args=[event.booking_id]), event.booking
        )


@admin.register(Notification)
class NotificationAdmin(DeclaredFiltersOnlyAdmin):
    list_display = [
        "created_local",
        "kind",
        "booking_reference",
        "status",
        "attempts",
        "next_attempt_local",
        "last_error",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["booking"]
    search_fields = ["booking__reference"]
    ordering = ["-created_at"]
    actions = ["resend"]
    fields = readonly_fields = (
        "booking",
        "kind",
        "status",
        "attempts",
        "created_local",
        "next_attempt_local",
        "sent_local",
        "last_error",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only pages; "change" is the right to resend from the list.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Created", ordering="created_at")
    def created_local(self, notification):
        return short_when(notification.created_at)

    @admin.display(description="Next attempt", ordering="next_attempt_at")
    def next_attempt_local(self, notification):
        return short_when(notification.next_attempt_at)

    @admin.display(description="Sent", ordering="sent_at")
    def sent_local(self, notification):
        return short_when(notification.sent_at)

    @admin.display(description="Booking", ordering="booking__reference")
    def booking_reference(self, notification):
        return notification.booking.reference

    @admin.action(description="Send the selected emails again", permissions=["change"])
    def resend(self, request, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        resent = sum(notifications.resend(notification_id, now=timezone.now()) for notification_id in ids)
        if resent:
            messages.success(request, f"Sending {resent} failed email(s) again.")
        if len(ids) > resent:
            messages.warning(request, f"{len(ids) - resent} selected email(s) had not failed and were left alone.")
