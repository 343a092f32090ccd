"""Patient-facing forms. They validate and convert only; booking.services does the writing."""

import datetime
import json
import re
import secrets
import unicodedata

import phonenumbers
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property

from booking.models import AppointmentType, PatientKind
from booking.services import PatientDetails

MAX_AGE_YEARS = 120
SUBMISSION_KEY_SALT = "booking.submission-key"
# Letters of any script, spaces and the punctuation real names use.
NAME_PATTERN = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '\u2019.\-,])*$")


def new_submission_key() -> str:
    """A fresh key for the hidden field of one booking form: random, and signed, so that a key
    the visitor made up is recognised as such (``BookingForm.booking_key``)."""
    return signing.Signer(salt=SUBMISSION_KEY_SALT).sign(secrets.token_urlsafe(18))


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def clean_text(value: str) -> str:
    """Normalise Unicode, drop control characters, collapse runs of spaces in single-line text."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    return " ".join(value.split())


def clean_multiline(value: str) -> str:
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


class DateOfBirthInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ContactFields(forms.Form):
    """Who the booking is for and how to reach them, with their checks: part of the patient's
    booking form, and on their own the form staff use to correct a booking."""

    patient_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter the patient's full name."},
        help_text="If you are booking for someone else, enter the patient's name.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={
            "required": "Enter an email address, so that we can send the confirmation.",
            "invalid": "Enter an email address like name@example.com.",
        },
        help_text="We send the confirmation and your link to change the booking here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Phone",
        max_length=40,
        error_messages={"required": "Enter a phone number, in case we need to reach you."},
        help_text="In case we need to reach you about the appointment. For example 212-555-0123.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    accessibility_needs = forms.CharField(
        label="Access needs (optional)",
        required=False,
        max_length=500,
        help_text="For example wheelchair access, a hoist, extra time or an interpreter.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )

    def clean_patient_name(self):
        name = clean_text(self.cleaned_data["patient_name"])
        if len(name) < 2:
            raise forms.ValidationError("Please enter the patient's full name.")
        if not NAME_PATTERN.match(name):
            raise forms.ValidationError(
                "Please use letters only, with spaces, hyphens or apostrophes where the name has them."
            )
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self):
        raw = clean_text(self.cleaned_data["phone"])
        try:
            number = phonenumbers.parse(raw, settings.CLINIC_PHONE_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                "Please enter a phone number we can call, for example 212-555-0123 or +44 20 7946 0958."
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean_accessibility_needs(self):
        return clean_multiline(self.cleaned_data["accessibility_needs"])


class BookingForm(ContactFields):
    """The patient's details for one slot. Labels are part of the stable interface (DESIGN.md)."""

    field_order = [
        "patient_name",
        "email",
        "phone",
        "date_of_birth",
        "patient_kind",
        "reason",
        "accessibility_needs",
        "consent",
        "website",
        "submission_key",
    ]
    date_of_birth = forms.DateField(
        label="Date of birth",
        error_messages={
            "required": "Enter the patient's date of birth.",
            "invalid": "Enter the date of birth as year-month-day, for example 1975-03-27.",
        },
        help_text="The patient's date of birth, for example 03/27/1975.",
        input_formats=["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%d %B %Y", "%B %d %Y", "%B %d, %Y"],
        widget=DateOfBirthInput(attrs={"autocomplete": "bday"}),
    )
    patient_kind = forms.ChoiceField(
        label="Has the patient been seen at our clinic before?",
        choices=[
            (PatientKind.NEW, "No, this is the first visit"),
            (PatientKind.RETURNING, "Yes, the patient has been seen here before"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Tell us whether the patient has been seen here before."},
    )
    reason = forms.CharField(
        label="Reason for visit (optional)",
        required=False,
        max_length=500,
        help_text="A few words for your clinician, up to 500 characters. This is never included in emails.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )
    consent = forms.BooleanField(
        label="I agree that the clinic may store these details to manage this appointment.",
        error_messages={"required": "Please tick the box to agree, so that we can keep your booking."},
    )
    # A field people never see (hidden by CSS and from screen readers); bots fill it in.
    website = forms.CharField(required=False, label="Leave this field empty", max_length=200)
    # One key per form (``new_submission_key``): a second submit of the same form returns the
    # first booking (see ``booking_key``).
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=200, required=False)

    def __init__(self, *args, appointment_type: AppointmentType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.appointment_type = appointment_type
        if appointment_type is not None and appointment_type.patient_kind != AppointmentType.Kind.ANY:
            self.fields["patient_kind"].initial = appointment_type.patient_kind
        today = timezone.localdate()
        self.fields["date_of_birth"].widget.attrs.update(
            {"max": today.isoformat(), "min": years_before(today, MAX_AGE_YEARS).isoformat()}
        )
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    @cached_property
    def helper(self) -> FormHelper:
        """The crispy layout, built only when the form is shown (a POST that books never needs it)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Fieldset(
                "About the patient",
                Field("patient_name"),
                Field("date_of_birth"),
                Field("patient_kind"),
            ),
            Fieldset(
                "How we can reach you",
                Field("email"),
                Field("phone"),
            ),
            Fieldset(
                "About the visit",
                Field("reason"),
                Field("accessibility_needs"),
            ),
            Field("consent"),
            Div(Field("website"), css_class="hp-field", aria_hidden="true"),
            Field("submission_key"),
        )
        return helper

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born < years_before(today, MAX_AGE_YEARS):
            raise forms.ValidationError("Please check the year of birth.")
        return born

    def clean_reason(self):
        return clean_multiline(self.cleaned_data["reason"])

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise forms.ValidationError("Please leave this field empty.")
        return ""

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("patient_kind")
        appointment_type = self.appointment_type
        if kind and appointment_type is not None and not appointment_type.accepts(kind):
            who = "new patients" if appointment_type.patient_kind == AppointmentType.Kind.NEW else "returning patients"
            self.add_error(
                "patient_kind",
                f"{appointment_type.name} is for {who} only. Please go back and choose another appointment type, "
                f"or call us on {settings.CLINIC_PHONE}.",
            )
        return cleaned

    def booking_key(self, *, slot_id: int) -> str | None:
        """The key ``book_slot`` stores with the booking, so that the same form sent twice gets
        the first booking back; ``None`` when the form's key is not one we issued.

        The key hands back a booking, confirmation link included, so it is no bearer credential:
        it is derived from the signed random key of the form *and* the slot *and* every detail
        typed. Someone else's key (seen in a page's source, say) with other details or another
        slot matches nothing, and a key the visitor made up is ignored (the booking is made
        without double-submit protection). Only a valid form, after ``is_valid()``.
        """
        try:
            form_key = signing.Signer(salt=SUBMISSION_KEY_SALT).unsign(self.cleaned_data["submission_key"])
        except signing.BadSignature:
            return None
        details = self.patient_details()
        value = json.dumps(
            [
                form_key,
                slot_id,
                details.name,
                details.email,
                details.phone,
                details.date_of_birth.isoformat(),
                details.patient_kind,
                details.reason,
                details.accessibility_needs,
            ]
        )
        # 64 hex digits: the width of Booking.submission_key.
        return salted_hmac(SUBMISSION_KEY_SALT, value, algorithm="sha256").hexdigest()

    def patient_details(self) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(
            name=data["patient_name"],
            email=data["email"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
            patient_kind=data["patient_kind"],
            reason=data["reason"],
            accessibility_needs=data["accessibility_needs"],
            consent=data["consent"],
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling (optional)",
        required=False,
        max_length=500,
        help_text="This helps us offer the time to someone else.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )

    def clean_reason(self):
        return clean_multiline(self.cleaned_data["reason"])


class RescheduleForm(forms.Form):
    slot = forms.IntegerField(min_value=1, max_value=2**62)


class FindBookingForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={
            "required": "Enter the email address you booked with.",
            "invalid": "Enter an email address like name@example.com.",
        },
        help_text="The email address you gave when you booked.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class ClinicianFilterForm(forms.Form):
    clinician = forms.ChoiceField(label="Clinician", required=False)
    week = forms.DateField(required=False, widget=forms.HiddenInput, input_formats=["%Y-%m-%d"])

    def __init__(self, *args, clinicians=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].choices = [("", "Any clinician"), *[(c.slug, c.name) for c in clinicians]]
