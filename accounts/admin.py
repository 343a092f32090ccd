from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services, signin

# django-otp registers admin pages for its devices, where a superuser could read a colleague's key
# or delete a device without a trace. A factor is reset only by the audited action below.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "second_factor"]
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        has_app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_app=Exists(has_app))

    @admin.display(description="Two-factor sign-in")
    def second_factor(self, user):
        if signin.is_exempt(user):
            return "Exempt (password alone)"
        return "Set up" if user.has_app else "Not set up yet"

    def has_reset_second_factor_permission(self, request):
        return signin.can_reset_second_factor(request.user)

    @admin.action(
        description="Reset two-factor sign-in (lost phone): they set up a new app at their next sign-in",
        permissions=["reset_second_factor"],
    )
    def reset_second_factor(self, request, queryset):
        now = timezone.now()
        reset = [user for user in queryset if services.reset_second_factor(user=user, by=request.user, now=now)]
        if reset:
            names = ", ".join(user.get_username() for user in reset)
            self.message_user(
                request,
                f"Two-factor sign-in reset for {names}: the next sign-in asks for a new authenticator app.",
                messages.SUCCESS,
            )
        unchanged = len(queryset) - len(reset)
        if unchanged:
            self.message_user(request, f"{unchanged} account(s) had no second factor to reset.", messages.INFO)
