"""clinic.db: database-specific steps that do nothing on the engines that do not need them."""

import pytest
from django.db import connection

from clinic.db import checkpoint_erased_data


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite: tests/clinic/test_sqlite_backend.py")
def test_checkpoint_erased_data_does_nothing_on_other_databases(django_assert_num_queries):
    with django_assert_num_queries(0):
        checkpoint_erased_data()
