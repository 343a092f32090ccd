"""Settings are read from the environment; production refuses to start without its secrets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_settings(env_overrides, code="from django.conf import settings; print(settings.DEBUG)", unset=()):
    removed = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CLINIC_TIME_ZONE", *unset}
    env = {key: value for key, value in os.environ.items() if key not in removed}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_refuse_to_start_without_secret_key():
    result = run_settings({"DEBUG": "0"})

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_debug_settings_start_without_secret_key():
    result = run_settings({"DEBUG": "1"})

    assert result.returncode == 0
    assert result.stdout.strip() == "True"


def test_debug_is_off_unless_set():
    result = run_settings({"SECRET_KEY": "x" * 50})

    assert result.returncode == 0
    assert result.stdout.strip() == "False"


def test_invalid_boolean_is_a_clear_error():
    result = run_settings({"DEBUG": "maybe"})

    assert result.returncode != 0
    assert "DEBUG must be one of 1/0, true/false, yes/no, on/off; got 'maybe'." in result.stderr


def test_production_defaults_are_secure():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.TIME_ZONE, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['OPTIONS']['transaction_mode'])"
    )

    result = run_settings({"SECRET_KEY": "x" * 50}, code=code, unset=("HTTPS",))

    expected = "True True True 31536000 America/New_York clinic.sqlite3 IMMEDIATE"
    assert result.stdout.strip() == expected, result.stderr


def test_database_url_selects_postgresql():
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'])"
    )

    result = run_settings({"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@db.example:5432/clinic"}, code=code)

    assert result.stdout.strip() == "django.db.backends.postgresql clinic db.example"


def test_clinic_time_zone_and_cache_url_are_read_from_the_environment():
    code = "from django.conf import settings as s; print(s.TIME_ZONE, s.CACHES['default']['BACKEND'])"

    result = run_settings(
        {"SECRET_KEY": "x" * 50, "CLINIC_TIME_ZONE": "Europe/London", "CACHE_URL": "redis://127.0.0.1:6379/1"},
        code=code,
    )

    assert result.stdout.strip() == "Europe/London clinic.cache_backends.RedisCacheWithFallback"


def cache_setting(env) -> dict:
    code = "from django.conf import settings; import json; print(json.dumps(settings.CACHES))"
    result = run_settings({"DEBUG": "1", **env}, code=code, unset=("CACHE_URL",))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_cache_url_pages_and_rate_limits_are_shared_files_of_the_host():
    caches = cache_setting({})

    assert {alias: (cache["BACKEND"], cache["LOCATION"]) for alias, cache in caches.items()} == {
        "default": ("django.core.cache.backends.filebased.FileBasedCache", str(ROOT / ".cache" / "pages")),
        "ratelimit": ("clinic.cache_backends.LockedFileBasedCache", str(ROOT / ".cache" / "ratelimit")),
    }
    assert caches["default"]["OPTIONS"] == {"MAX_ENTRIES": 1000}


def test_with_redis_rate_limits_have_their_own_prefix_and_a_per_process_fallback():
    caches = cache_setting({"CACHE_URL": "redis://cache.internal:6379/0", "CACHE_KEY_PREFIX": "clinic"})

    assert caches["default"]["KEY_PREFIX"] == "clinic"
    assert caches["ratelimit"]["KEY_PREFIX"] == "clinic:ratelimit"
    assert caches["default"]["OPTIONS"]["FALLBACK"] == "uncached"
    assert caches["ratelimit"]["OPTIONS"]["FALLBACK"] == "ratelimit-per-process"
    assert caches["ratelimit"]["OPTIONS"]["SOCKET_TIMEOUT"] <= 0.5
    assert caches["ratelimit"]["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] <= 0.5
    assert caches["uncached"]["BACKEND"] == "django.core.cache.backends.dummy.DummyCache"
    assert caches["ratelimit-per-process"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize("url", ["locmem://", "memcached://127.0.0.1:11211", "file://relative/dir"])
def test_a_cache_url_of_another_kind_is_refused(url):
    result = run_settings({"DEBUG": "1", "CACHE_URL": url})

    assert result.returncode != 0
    assert "CACHE_URL must be a redis:// or rediss:// URL, file:/// and a directory, or empty" in result.stderr


def database_options(env):
    code = (
        "from django.conf import settings; import json; db = settings.DATABASES['default']; "
        "print(json.dumps({'options': db.get('OPTIONS', {}), 'max_age': db.get('CONN_MAX_AGE')}))"
    )
    result = run_settings({"DEBUG": "1", **env}, code=code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_connections_get_the_lock_timeout_and_prepared_statements():
    database = database_options({"DATABASE_URL": "postgres://clinic@db.example.org:5432/clinic"})

    assert database["options"] == {
        "options": "-c lock_timeout=3s",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }


def test_postgresql_lock_timeout_and_prepared_statements_can_be_changed():
    database = database_options(
        {
            "DATABASE_URL": "postgres://clinic@db.example.org:5432/clinic",
            "DB_LOCK_TIMEOUT": "500ms",
            "DB_PREPARED_STATEMENTS": "0",
        }
    )

    assert database["options"] == {"options": "-c lock_timeout=500ms"}


def test_a_lock_timeout_that_is_not_a_duration_is_refused():
    result = run_settings({"DEBUG": "1", "DB_LOCK_TIMEOUT": "3s -c statement_timeout=0"})

    assert result.returncode != 0
    assert "DB_LOCK_TIMEOUT must be a duration like 3s or 500ms" in result.stderr


def test_sqlite_connections_are_kept_between_requests():
    assert database_options({})["max_age"] == 60
    assert database_options({"DB_CONN_MAX_AGE": "0"})["max_age"] == 0


def test_emails_are_queued_for_the_worker_unless_debug_or_told_otherwise():
    code = "from django.conf import settings as s; print(s.TASKS['default']['BACKEND'])"

    production = run_settings({"SECRET_KEY": "x" * 50}, code=code, unset=("TASKS_BACKEND",))
    debug = run_settings({"DEBUG": "1"}, code=code, unset=("TASKS_BACKEND",))
    chosen = run_settings({"SECRET_KEY": "x" * 50, "TASKS_BACKEND": "immediate"}, code=code)

    assert production.stdout.strip() == "django_tasks_db.DatabaseBackend", production.stderr
    assert debug.stdout.strip() == "django_tasks.backends.immediate.ImmediateBackend", debug.stderr
    assert chosen.stdout.strip() == "django_tasks.backends.immediate.ImmediateBackend", chosen.stderr
