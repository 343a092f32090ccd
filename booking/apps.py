from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Appointments"

    def ready(self):
        from booking import signals  # noqa: F401 - connects the cache invalidation receivers
