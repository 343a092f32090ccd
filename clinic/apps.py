from django.apps import AppConfig
from django.db.models.signals import post_migrate


def refresh_sqlite_statistics(sender, using, **kwargs):
    """SQLite chooses indexes well only with statistics (ANALYZE); PostgreSQL keeps its own."""
    from django.db import connections

    if sender.label != "booking":  # post_migrate comes once per app: act once per migrate run
        return
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        post_migrate.connect(refresh_sqlite_statistics, dispatch_uid="clinic.refresh_sqlite_statistics")
