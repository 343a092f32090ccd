"""Staff sign-in, second step: the code, setting up an authenticator app, and one's own factor.

The pages work without JavaScript; the QR code is an SVG made here (segno) and put in the page as
a data: image, so the key never leaves the server in a URL and no third party draws it.
"""

import segno
from django.contrib import admin, auth, messages
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services, signin
from accounts.forms import CodeForm, SetUpForm

# Recovery codes just made, shown once on the "Two-factor sign-in" page, and where to go after.
NEW_CODES_SESSION_KEY = "staff_new_recovery_codes"


class StaffLoginView(LoginView):
    """The password step. A correct password signs in an exempt account; any other account goes on
    to its second step (or to setting one up), still signed out."""

    def form_valid(self, form):
        user = form.get_user()
        if signin.is_exempt(user):
            return super().form_valid(form)
        signin.start(self.request, user, next_url=self.get_success_url())
        step = "admin:two_factor_verify" if signin.has_second_factor(user) else "admin:two_factor_set_up"
        return HttpResponseRedirect(reverse(step))

    def get_default_redirect_url(self):
        return reverse("admin:index")


def sign_in_again(request):
    messages.info(request, "Please sign in with your password. The code must follow it within 10 minutes.")
    return redirect("admin:login")


def page(request, template: str, title: str, **context):
    return render(request, template, {**admin.site.each_context(request), "title": title, **context})


@never_cache
@sensitive_post_parameters("otp_token")
@csrf_protect
@require_http_methods(["GET", "POST"])
def verify(request):
    sign_in = signin.pending(request)
    if sign_in is None:
        return sign_in_again(request)
    user = sign_in.user
    locked_out = signin.lockout(request, user)
    if locked_out is not None:
        if request.method == "POST":
            signin.count_failure(request, user)  # as at the password step: counted, the cool-off starts again
        return locked_out
    if not signin.has_second_factor(user):
        return redirect("admin:two_factor_set_up")

    form = CodeForm(request.POST or None)
    if form.is_valid():
        try:
            device = services.check_code(user=user, code=form.cleaned_data["otp_token"])
            error = (
                "That code did not work. Enter the code your authenticator app shows now (it changes every "
                "30 seconds), or one of your recovery codes."
            )
        except services.TooManyAttempts:
            device = None
            error = "Too many wrong codes in a row. Wait a minute, then enter the code your app shows now."
        if device is not None:
            next_url = signin.finish(request, sign_in, device)
            if isinstance(device, StaticDevice):
                left = services.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; it will not work again. {left} recovery code(s) left: "
                    "make new ones under “Two-factor sign-in” if you are running out.",
                )
            return HttpResponseRedirect(next_url)
        signin.count_failure(request, user)  # a django-axes failure; the last one allowed answers with the lockout
        form.add_error("otp_token", error)
    return page(request, "admin/accounts/verify.html", "Enter your code", form=form, username=user.get_username())


@never_cache
@sensitive_post_parameters("otp_token")
@csrf_protect
@require_http_methods(["GET", "POST"])
def set_up(request):
    """First sign-in of an account without a second factor: add the app, confirm with its code.

    A wrong code here is not counted by django-axes: whoever reaches this page knows the password
    and could add an app of their own anyway, so counting would only lock out a new colleague
    learning the app. The lockout still applies in front of this page."""
    sign_in = signin.pending(request)
    if sign_in is None:
        return sign_in_again(request)
    user = sign_in.user
    locked_out = signin.lockout(request, user)
    if locked_out is not None:
        return locked_out
    if signin.has_second_factor(user):
        return redirect("admin:two_factor_verify")

    key = signin.set_up_key(request)
    form = SetUpForm(request.POST or None)
    if form.is_valid():
        try:
            device, codes = services.enrol_authenticator(
                user=user, key=key, code=form.cleaned_data["otp_token"], now=timezone.now()
            )
        except services.AlreadySetUp:
            return redirect("admin:two_factor_verify")
        except services.InvalidCode:
            form.add_error(
                "otp_token",
                "That code does not match. Check that the app shows the account you just added, and enter "
                "the code it shows now (it changes every 30 seconds).",
            )
        else:
            next_url = signin.finish(request, sign_in, device)
            request.session[NEW_CODES_SESSION_KEY] = {"codes": codes, "next": next_url}
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect("admin:two_factor")
    qr_code = segno.make(services.app_link(user, key), error="m").svg_data_uri(scale=4, dark="#000", light="#fff")
    return page(
        request,
        "admin/accounts/set_up.html",
        "Set up two-factor sign-in",
        form=form,
        qr_code=qr_code,
        key_text=services.key_as_text(key),
        username=user.get_username(),
    )


@require_http_methods(["GET", "POST"])
def manage(request):
    """The signed-in user's own second factor: new recovery codes, or remove it (a new phone).
    Wrapped by the admin site: signed in (both steps) only."""
    user = request.user
    verified = user.is_verified()
    if request.method == "POST" and verified:
        action = request.POST.get("action")
        if action == "new_codes":
            codes = services.replace_recovery_codes(user=user, now=timezone.now())
            request.session[NEW_CODES_SESSION_KEY] = {"codes": codes, "next": reverse("admin:index")}
            messages.success(request, "New recovery codes are made; the old ones no longer work.")
            return redirect("admin:two_factor")
        if action == "remove":
            services.remove_own_second_factor(user=user, now=timezone.now())
            auth.logout(request)
            messages.success(
                request, "Your authenticator app and recovery codes are removed. Sign in to set up the new app."
            )
            return redirect("admin:login")
    if request.method == "POST":
        messages.error(request, "Nothing was changed.")
        return redirect("admin:two_factor")

    new_codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    return page(
        request,
        "admin/accounts/two_factor.html",
        "Two-factor sign-in",
        app=TOTPDevice.objects.devices_for_user(user, confirmed=True).first(),
        codes_left=services.recovery_codes_left(user),
        new_codes=new_codes,
        exempt=signin.is_exempt(user),
        verified=verified,
    )
