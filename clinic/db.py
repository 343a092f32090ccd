"""Database-specific steps, each behind one small function that says why it exists."""

import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

logger = logging.getLogger(__name__)


def checkpoint_erased_data(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Leave no copy of erased personal data in the database files. Call it after an erasure
    (the retention job, an erasure on request); inside a transaction it runs after the commit.

    SQLite in WAL mode writes each change to the ``-wal`` file and copies it into the database
    file later (a checkpoint), so the rows as they were before the erasure stay readable in the
    ``-wal`` file until it is overwritten. ``wal_checkpoint(TRUNCATE)`` copies every page into
    the database file, where ``secure_delete`` (set on each connection, clinic/sqlite3/base.py)
    has zeroed the erased bytes, and empties the ``-wal`` file. It waits (the busy timeout) for
    readers of older snapshots; if one is still reading, the checkpoint stops short and says so
    in the log, and the next erasure or SQLite's own automatic checkpoint finishes the job.

    PostgreSQL: nothing to do here. Old row versions stay in the table until (auto)vacuum
    reclaims them, and in write-ahead log segments and backups until those are recycled.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    transaction.on_commit(lambda: _checkpoint_sqlite(connection), using=using)


def _checkpoint_sqlite(connection) -> None:
    # Best effort: the erasure has committed whatever happens here, and SQLite's own automatic
    # checkpoint finishes the job later if this one cannot run now.
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log_frames, _checkpointed = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("SQLite checkpoint after an erasure did not run: %s", type(error).__name__)
        return
    if busy:
        logger.warning("SQLite checkpoint after an erasure stopped short: another connection was reading or writing")
