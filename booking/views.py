"""Patient pages: choose a type, a time, give details, manage the booking. Thin views over services."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from booking import links, notifications, services
from booking.availability import free_week, shown_week_start, when_label
from booking.calendar import booking_ics
from booking.exceptions import (
    BookingError,
    ChangeNotAllowed,
    ConsentRequired,
    PatientKindNotAllowed,
    SlotNotBookable,
    SlotUnavailable,
)
from booking.forms import (
    BookingForm,
    CancelForm,
    ClinicianFilterForm,
    FindBookingForm,
    RescheduleForm,
    new_submission_key,
)
from booking.models import AppointmentType, Booking, Clinician, Slot
from clinic.caching import cache_anonymous

# Free times change with every booking (the generation is bumped then); the short timeout
# keeps "at least 24 hours ahead" honest as the clock moves.
SCHEDULE_CACHE_SECONDS = 30


def booking_rate(group, request):
    return settings.BOOKING_RATE_LIMIT


def lookup_rate(group, request):
    return settings.LOOKUP_RATE_LIMIT


def too_many_requests(request):
    return render(request, "booking/rate_limited.html", status=429)


@require_safe
@cache_anonymous(generation="slots", timeout=SCHEDULE_CACHE_SECONDS)
def start(request):
    types = AppointmentType.objects.filter(active=True)
    return render(request, "booking/start.html", {"appointment_types": types})


def week_query(request) -> dict[str, str] | None:
    """What the week view reads from the query string, for its cache key (clinic.caching).

    The week is keyed as the Monday the page will show, so that every way of naming one week
    (any of its days, a week past or beyond the horizon) shares one cached page: the cache holds
    at most one page per week of the horizon and clinician. An unreadable week is not cached.
    """
    query = {}
    if clinician := request.GET.get("clinician"):
        query["clinician"] = clinician  # an unknown one gets a private page, never kept
    if requested := request.GET.get("week"):
        try:
            week_start = ClinicianFilterForm.base_fields["week"].clean(requested)
        except ValidationError:
            return None
        query["week"] = shown_week_start(week_start, now=timezone.now()).isoformat()
    return query


@require_safe
@cache_anonymous(generation="slots", timeout=SCHEDULE_CACHE_SECONDS, query=week_query)
def week(request, type_slug):
    appointment_type = get_object_or_404(AppointmentType, slug=type_slug, active=True)
    if appointment_type.call_to_book:
        return render(request, "booking/call_to_book.html", {"appointment_type": appointment_type})
    context = week_context(request, appointment_type=appointment_type, now=timezone.now())
    response = render(request, "booking/week.html", {**context, "appointment_type": appointment_type})
    if context["filter_refused"]:
        # The answer to an address the page could not read is not kept for other visitors.
        patch_cache_control(response, private=True)
    return response


def week_context(request, *, appointment_type, now) -> dict:
    """The free week of one type, from the ?week= and ?clinician= of the request."""
    clinicians = list(Clinician.objects.filter(active=True, appointment_types=appointment_type))
    filter_form = ClinicianFilterForm(request.GET or None, clinicians=clinicians)
    clinician = week_start = None
    filter_refused = False
    if filter_form.is_valid():
        clinician = next((c for c in clinicians if c.slug == filter_form.cleaned_data["clinician"]), None)
        week_start = filter_form.cleaned_data["week"]
    elif request.GET:
        messages.warning(request, "We could not read that week or clinician, so here are the first free times.")
        filter_form = ClinicianFilterForm(clinicians=clinicians)
        filter_refused = True
    week = free_week(appointment_type=appointment_type, now=now, week_start=week_start, clinician=clinician)
    return {
        "week": week,
        "filter_form": filter_form,
        "filter_refused": filter_refused,
        "clinician": clinician,
        "first_free_label": when_label(week.first_free.start) if week.first_free else "",
        "next_free_label": when_label(week.next_free_after.start) if week.next_free_after else "",
    }


def _slot_or_404(slot_id):
    return get_object_or_404(Slot.objects.select_related("clinician", "appointment_type"), pk=slot_id)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=booking_rate, method="POST", block=False)
def details(request, slot_id):
    now = timezone.now()
    failure = None
    if request.method == "POST" and not getattr(request, "limited", False):
        # The common case first: valid details are booked at once. The service reads, locks and
        # checks the slot itself (the appointment type's patient rule included), so the page
        # loads the slot only when it has to show the form again.
        form = BookingForm(request.POST)
        if form.is_valid():
            try:
                booking = services.book_slot(
                    slot_id=slot_id,
                    patient=form.patient_details(),
                    now=now,
                    submission_key=form.booking_key(slot_id=slot_id),
                )
            except BookingError as error:
                failure = error
            else:
                return redirect("booking:confirmed", token=links.make_token(booking))

    slot = _slot_or_404(slot_id)
    context = {"slot": slot, "when": when_label(slot.start), "alternatives": []}
    if request.method != "POST":
        if slot.appointment_type.call_to_book:
            return redirect("booking:week", type_slug=slot.appointment_type.slug)
        if not slot.is_bookable(now):
            messages.info(request, "Sorry, that time is no longer available. Please choose another.")
            return redirect("booking:week", type_slug=slot.appointment_type.slug)
        form = BookingForm(appointment_type=slot.appointment_type, initial={"submission_key": new_submission_key()})
        return render(request, "booking/details.html", {**context, "form": form})

    # Shown again: validated with the slot's appointment type, so every problem is listed at once.
    form = BookingForm(request.POST, appointment_type=slot.appointment_type)
    form.is_valid()
    if getattr(request, "limited", False):
        context["problem"] = (
            "You have made many bookings from this connection in a short time. Please wait an hour and try "
            f"again, or call us on {settings.CLINIC_PHONE}. Your details are still in the form below."
        )
        return render(request, "booking/details.html", {**context, "form": form}, status=429)
    if isinstance(failure, (SlotUnavailable, SlotNotBookable)):
        context["problem"] = f"{failure.message} Your details are kept: choose one of the times below to book it."
        context["alternatives"] = [
            {"slot": other, "label": when_label(other.start)}
            for other in services.nearest_free_slots(slot=slot, now=now)
        ]
        return render(request, "booking/details.html", {**context, "form": form}, status=409)
    if isinstance(failure, PatientKindNotAllowed) and "patient_kind" not in form.errors:
        form.add_error("patient_kind", failure.message)
    elif isinstance(failure, ConsentRequired) and "consent" not in form.errors:
        form.add_error("consent", failure.message)
    elif failure is not None and not form.errors:
        form.add_error(None, failure.message)
    return render(request, "booking/details.html", {**context, "form": form})


class LinkNotValid(Http404):
    """Tampered, expired or superseded manage link: a friendly 404 that says what to do."""


def _booking_from_token_or_404(token):
    try:
        return links.booking_from_token(token)
    except links.InvalidLink:
        raise LinkNotValid("Invalid or superseded link") from None


def _booking_context(booking, now, token):
    """What the pages of one booking show. ``token`` is the link the page was opened with: its
    links carry it on, so that viewing a page never makes a link with a new expiry."""
    slot = booking.slot
    return {
        "booking": booking,
        "slot": slot,
        "when": when_label(slot.start),
        "token": token,
        "can_change": booking.can_be_changed(now),
        "is_past": slot.start <= now,
    }


@never_cache
@require_safe
def confirmed(request, token):
    booking = _booking_from_token_or_404(token)
    return render(request, "booking/confirmed.html", _booking_context(booking, timezone.now(), token))


@never_cache
@require_safe
def manage(request, token):
    booking = _booking_from_token_or_404(token)
    context = _booking_context(booking, timezone.now(), token)
    return render(request, "booking/manage.html", {**context, "cancel_form": CancelForm()})


@never_cache
@require_POST
def cancel(request, token):
    booking = _booking_from_token_or_404(token)
    form = CancelForm(request.POST)
    now = timezone.now()
    if not form.is_valid():
        context = _booking_context(booking, now, token)
        return render(request, "booking/manage.html", {**context, "cancel_form": form})
    try:
        booking = services.cancel_booking(
            booking_id=booking.pk, now=now, by=Booking.CancelledBy.PATIENT, reason=form.cleaned_data["reason"]
        )
    except BookingError as error:
        messages.error(request, error.message)
        return redirect("booking:manage", token=token)
    messages.success(request, "Your appointment is cancelled. We have sent you an email to confirm.")
    return redirect("booking:manage", token=links.make_token(booking))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def reschedule(request, token):
    booking = _booking_from_token_or_404(token)
    now = timezone.now()
    if not booking.can_be_changed(now):
        messages.error(request, str(ChangeNotAllowed().message))
        return redirect("booking:manage", token=token)
    if booking.slot.appointment_type.call_to_book:
        messages.error(
            request, f"We book this appointment by phone. To move it, please call us on {settings.CLINIC_PHONE}."
        )
        return redirect("booking:manage", token=token)

    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                booking = services.reschedule_booking(
                    booking_id=booking.pk, new_slot_id=form.cleaned_data["slot"], now=now, by="patient"
                )
            except BookingError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request, f"Your appointment is moved to {when_label(booking.slot.start)}. We have emailed you."
                )
                return redirect("booking:manage", token=links.make_token(booking))
        else:
            messages.error(request, "Please choose one of the free times below.")

    appointment_type = booking.slot.appointment_type
    context = week_context(request, appointment_type=appointment_type, now=now)
    return render(
        request,
        "booking/reschedule.html",
        {**_booking_context(booking, now, token), **context, "appointment_type": appointment_type},
    )


@never_cache
@require_safe
def calendar_file(request, token):
    booking = _booking_from_token_or_404(token)
    body = booking_ics(booking, manage_url=links.manage_url(booking, token=token), now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{booking.reference}.ics"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=lookup_rate, method="POST", block=False)
def find(request):
    if request.method != "POST":
        return render(request, "booking/find.html", {"form": FindBookingForm()})
    form = FindBookingForm(request.POST)
    if getattr(request, "limited", False):
        return render(request, "booking/find.html", {"form": form, "limited": True}, status=429)
    if not form.is_valid():
        return render(request, "booking/find.html", {"form": form})
    # The task worker looks the address up and sends the links: this answer is the same, and does
    # the same work, whether or not the address has bookings, and never waits on the mail server.
    notifications.request_manage_links(email=form.cleaned_data["email"], now=timezone.now())
    return render(request, "booking/find_sent.html")
