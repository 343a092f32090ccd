from django import forms

from accounts.services import normalise_code


class CodeForm(forms.Form):
    """The second step: a code from the authenticator app, or a recovery code."""

    otp_token = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": "Enter the code your authenticator app shows now, or a recovery code."},
    )

    def clean_otp_token(self):
        return normalise_code(self.cleaned_data["otp_token"])


class SetUpForm(forms.Form):
    """Setting up the authenticator app: the code it shows proves it holds the key."""

    otp_token = forms.CharField(
        label="Code from the app",
        max_length=20,
        help_text="The 6-digit code the app shows for this account, after you have added it.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "Enter the 6-digit code the app shows."},
    )

    def clean_otp_token(self):
        code = normalise_code(self.cleaned_data["otp_token"])
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6 digits the app shows, for example 123456.", code="format")
        return code
