from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff accounts"

    def ready(self):
        from accounts import checks  # noqa: F401 - registers the deploy check of the exemptions


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our admin site as the default one (``admin.site``)."""

    default_site = "accounts.admin_site.StaffAdminSite"
