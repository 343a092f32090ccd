"""Indexes for the staff search of the booking list, which must stay fast at a million bookings.

Date of birth and a whole phone number are matched exactly: plain B-tree indexes, on every
database. A name (or part of an email, a reference, a reason) is matched anywhere in the text
(``icontains``, which Django writes as ``UPPER(column) LIKE UPPER('%word%')``): on PostgreSQL a
trigram index (pg_trgm) on ``UPPER(column)`` answers that without reading the table; SQLite has
none, and reads the table (see docs/benchmarks.md).

If pg_trgm cannot be installed (no privilege), the trigram indexes are skipped with a warning:
the search still works, by reading the table.
"""

import warnings

from django.conf import settings
from django.db import migrations, models

TRIGRAM_INDEXES = {
    "booking_patient_name_trgm_idx": "patient_name",
    "booking_email_trgm_idx": "email",
    "booking_reference_trgm_idx": "reference",
    "booking_reason_trgm_idx": "reason",
}


def add_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            # A savepoint, so that a refused CREATE EXTENSION leaves the migration usable.
            cursor.execute("SAVEPOINT pg_trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT pg_trgm")
        except Exception as error:  # any refusal means "search by reading the table"
            cursor.execute("ROLLBACK TO SAVEPOINT pg_trgm")
            warnings.warn(f"pg_trgm unavailable, booking search indexes not added: {error}", stacklevel=1)
            return
        for name, column in TRIGRAM_INDEXES.items():
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS {name} ON booking_booking USING gin (UPPER("{column}") gin_trgm_ops)'
            )


def drop_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in TRIGRAM_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0009_linkrequest"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["date_of_birth"], name="booking_date_of_birth_idx"),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["phone"], name="booking_phone_idx"),
        ),
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
