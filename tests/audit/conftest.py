from tests.booking.admin.conftest import doctor, editor, manager, manager_client, reception  # noqa: F401 - fixtures
