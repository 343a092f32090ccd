"""clinic.sqlite3: SQLite writers queue on a file lock next to the database (see its docstring)."""

import fcntl
import os
import threading
import time

import pytest
from django.db import connection, connections, transaction

from booking.models import Clinician
from clinic.db import checkpoint_erased_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend only"),
]


def lock_is_free(path: str) -> bool:
    with open(path, "a+b") as other:
        try:
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
        return True


def test_the_lock_file_lies_next_to_the_database():
    assert connection.writer_lock_path() == f"{connection.settings_dict['NAME']}-writer.lock"


def test_a_transaction_holds_the_writer_lock_until_it_commits():
    path = connection.writer_lock_path()

    with transaction.atomic():
        Clinician.objects.create(name="Dr Lock", slug="dr-lock")
        assert not lock_is_free(path)
        with transaction.atomic():  # a savepoint takes nothing more
            assert not lock_is_free(path)
        assert not lock_is_free(path)

    assert lock_is_free(path)
    assert Clinician.objects.filter(slug="dr-lock").exists()


def test_a_rolled_back_transaction_releases_the_writer_lock():
    path = connection.writer_lock_path()

    with pytest.raises(RuntimeError), transaction.atomic():
        Clinician.objects.create(name="Dr Lock", slug="dr-lock")
        raise RuntimeError("changed my mind")

    assert lock_is_free(path)
    assert not Clinician.objects.filter(slug="dr-lock").exists()


def test_closing_the_connection_releases_the_writer_lock():
    path = connection.writer_lock_path()
    connection.ensure_connection()
    connection._start_transaction_under_autocommit()
    assert not lock_is_free(path)

    connection.close()

    assert lock_is_free(path)


def test_a_second_writer_waits_for_the_first_to_commit_then_writes():
    events = []
    first_inside = threading.Event()

    def first():
        try:
            with transaction.atomic():
                Clinician.objects.create(name="Dr First", slug="dr-first")
                first_inside.set()
                time.sleep(0.3)
                events.append("first commits")
        finally:
            connections.close_all()

    def second():
        try:
            first_inside.wait(5)
            with transaction.atomic():
                events.append("second begins")
                Clinician.objects.create(name="Dr Second", slug="dr-second")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert events == ["first commits", "second begins"]
    assert set(Clinician.objects.values_list("slug", flat=True)) == {"dr-first", "dr-second"}
    assert time.monotonic() - started < 5


def test_every_connection_zeroes_deleted_content():
    # Not every SQLite build does it by default (Debian's does; many others do not).
    connection.close()

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone() == (1,)


def test_checkpoint_after_an_erasure_empties_the_wal_file_after_the_commit():
    wal = f"{connection.settings_dict['NAME']}-wal"
    Clinician.objects.create(name="Dr Before", slug="dr-before")
    assert os.path.getsize(wal) > 0  # a commit goes to the -wal file first

    with transaction.atomic():
        Clinician.objects.create(name="Dr Wal", slug="dr-wal")
        checkpoint_erased_data()  # waits for the commit, which writes to the -wal file again

    assert os.path.getsize(wal) == 0
