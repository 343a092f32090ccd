"""Django's SQLite backend, with write transactions that queue for their turn instead of polling.

SQLite lets one connection write at a time. Our transactions start with ``BEGIN IMMEDIATE``
(settings: ``transaction_mode``), so a second writer waits in SQLite's busy handler, which
sleeps 1, 2, 5, 10, 15 ... up to 100 ms between tries: with several gunicorn workers booking at
once, a worker often sleeps on after the lock came free.

Here a transaction first takes an advisory lock (``flock``) on a file next to the database. A
waiting writer sleeps in the kernel and wakes the moment the holder commits, rolls back or its
process ends, and only then sends ``BEGIN IMMEDIATE``, which finds the database free. A writer
waits as long as the transaction ahead of it takes; in a web request gunicorn's worker timeout
bounds that. SQLite's own locking still guards every write: the file lock only decides who asks
first, and writes outside a transaction (autocommit) or by other programs wait in SQLite's busy
handler as before.

Every connection also turns on ``secure_delete``: deleted or overwritten content is zeroed in
the file instead of staying readable in free space, so erased personal data is gone from the
database file once it is checkpointed there (``clinic.db.checkpoint_erased_data``).
"""

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_lock_fd = None

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.execute("PRAGMA secure_delete = ON")
        return connection

    def writer_lock_path(self) -> str | None:
        """The lock file next to the database; ``None`` where there is nothing to queue for."""
        if self.is_in_memory_db() or self.transaction_mode not in ("IMMEDIATE", "EXCLUSIVE"):
            return None
        return f"{self.settings_dict['NAME']}-writer.lock"

    def _take_writer_lock(self) -> None:
        path = self.writer_lock_path()
        if path is None or self._writer_lock_fd is not None:
            return
        # Read-only is enough for flock, so a lock file made by another user (say, root running
        # migrate) still serves; it is never written to.
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._writer_lock_fd = fd

    def _release_writer_lock(self) -> None:
        fd, self._writer_lock_fd = self._writer_lock_fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its lock

    def _start_transaction_under_autocommit(self):
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_writer_lock()
