"""The task queue as production runs it, for tests: the database queue and its worker."""

from django.core.management import call_command

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued_tasks() -> list:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.order_by("enqueued_at"))


def run_task_worker() -> None:
    """``manage.py db_worker`` until the queue is empty. It closes and reopens database
    connections as it goes: call it only in ``transaction=True`` tests."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
