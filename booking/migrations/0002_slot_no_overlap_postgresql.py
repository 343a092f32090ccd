"""On PostgreSQL, make "no two slots of one clinician overlap" a database rule.

SQLite has no exclusion constraints; there the generation service (and the admin through it)
keeps the rule. If btree_gist cannot be installed (no privilege), the migration skips the
constraint with a warning instead of failing: the services still prevent overlaps.
"""

import warnings

from django.db import migrations

CONSTRAINT = "booking_slot_no_overlap"


def add_exclusion_constraint(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            # A savepoint, so that a refused CREATE EXTENSION leaves the migration usable.
            cursor.execute("SAVEPOINT btree_gist")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
            cursor.execute("RELEASE SAVEPOINT btree_gist")
        except Exception as error:  # any refusal means "skip the constraint"
            cursor.execute("ROLLBACK TO SAVEPOINT btree_gist")
            warnings.warn(f"btree_gist unavailable, slot overlap constraint not added: {error}", stacklevel=1)
            return
        cursor.execute(
            f'ALTER TABLE booking_slot ADD CONSTRAINT {CONSTRAINT} '
            f'EXCLUDE USING gist (clinician_id WITH =, tstzrange("start", "end") WITH &&)'
        )


def drop_exclusion_constraint(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE booking_slot DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(add_exclusion_constraint, drop_exclusion_constraint, elidable=False)]
