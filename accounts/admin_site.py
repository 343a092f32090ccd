from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from accounts.signin import is_signed_in
from clinic.forms import StaffLoginForm


class StaffAdminSite(admin.AdminSite):
    """The admin site, signed in in two steps: the password, then a second factor.

    Installed as the default site (``admin.site``) by accounts.apps.StaffAdminConfig. Its login
    page is Django's, except that a correct password leads to the second step instead of
    logging in (accounts.views.StaffLoginView).
    """

    login_form = StaffLoginForm

    def has_permission(self, request):
        # SecondFactorRequiredMiddleware already ends sessions signed in without a second factor;
        # the admin checks it again so that it never depends on the middleware's place alone.
        return super().has_permission(request) and is_signed_in(request.user)

    def get_urls(self):
        from accounts import views

        return [
            path("two-factor/", self.admin_view(views.manage), name="two_factor"),
            path("two-factor/code/", views.verify, name="two_factor_verify"),
            path("two-factor/set-up/", views.set_up, name="two_factor_set_up"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """AdminSite.login, with StaffLoginView for Django's LoginView."""
        from accounts.views import StaffLoginView

        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return StaffLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template or "admin/login.html",
        )(request)
