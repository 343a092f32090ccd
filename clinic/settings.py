"""Settings for the HO Clinic site: one module, read from the environment.

Development defaults are safe; production (``DEBUG`` off, the default) refuses to
start without its secrets. See the configuration table in README.md.
"""

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- Core ---------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "value (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
    "clinic",
    "info",
    "booking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "clinic.robots.NoIndexMiddleware",  # X-Robots-Tag: noindex under /book/, cached pages too
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached public pages are answered here, before django-csp, sessions, CSRF and authentication
    # run; they are kept with the headers the middleware below added (clinic/caching.py).
    "clinic.caching.PublicPageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
                "clinic.robots.robots",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
    # with "database is locked" half way through a transaction.
    "transaction_mode": "IMMEDIATE",
    "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "clinic.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Kept open between requests, as on PostgreSQL: a new SQLite connection reads the
            # schema and runs the PRAGMAs again, which cost more than a booking's own writes.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    }

DB_LOCK_TIMEOUT = env_str("DB_LOCK_TIMEOUT", "3s")
if not re.fullmatch(r"\d+(ms|s|min)?", DB_LOCK_TIMEOUT):
    raise ImproperlyConfigured(f"DB_LOCK_TIMEOUT must be a duration like 3s or 500ms; got {DB_LOCK_TIMEOUT!r}.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No statement waits longer than this for a lock: a booking that cannot get its slot in time
    # answers "just taken" instead of hanging. Set once per connection, in the startup packet, so
    # it costs no round trip per transaction.
    pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    pg_options["options"] = f"{pg_options.get('options', '')} -c lock_timeout={DB_LOCK_TIMEOUT}".strip()

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_PREPARED_STATEMENTS", True):
    # Parameters are sent apart from the SQL and a statement run five times on a connection is
    # prepared, so PostgreSQL stops parsing and planning it again: about a third less database CPU
    # per booking (docs/benchmarks.md). Behind PgBouncer in transaction mode this needs
    # PgBouncer 1.21+ with max_prepared_statements set, or DB_PREPARED_STATEMENTS=0.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

if DATABASES["default"]["ENGINE"] in ("django.db.backends.sqlite3", "clinic.sqlite3"):
    # Django's SQLite backend, with writers queueing on a file lock (see clinic/sqlite3/base.py).
    DATABASES["default"]["ENGINE"] = "clinic.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # Tests run on a file, not in memory, so that concurrency tests see real locking; one file
    # per test run, so that two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"hoclinic-test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------
# Two caches: "default" holds the cached public pages (clinic/caching.py) and "ratelimit" the
# rate-limit counters, apart, so that no amount of page caching can push a counter out.
#
# - CACHE_URL=redis://... (several app servers): both in Redis, under their own key prefixes. A
#   Redis that does not answer never takes a page down (clinic/cache_backends.py): pages go
#   uncached and rate limits are counted per process until it answers again; the short socket
#   timeouts bound what a hung Redis costs. Redis never evicts a key under its default
#   maxmemory-policy (noeviction); keep it so (docs/deploy.md), and pages expire by their timeout.
# - Without CACHE_URL (one host: `make run`, `make serve` and their several gunicorn workers): both
#   in files under one directory, shared by every worker, so a change shows on all of them at once
#   and a limit is counted once. Files, not the database: a cached page is read without a query and
#   written without queueing for SQLite's one writer. The page cache holds at most MAX_ENTRIES
#   pages (Django's file cache then drops a third of them at random).


def cache_settings(url: str) -> dict:
    """The CACHES setting for CACHE_URL (a redis:// or rediss:// URL, or file:///a/directory)."""
    if url.startswith(("redis://", "rediss://")):
        prefix = env_str("CACHE_KEY_PREFIX", "hoclinic")

        def redis(key_prefix: str, fallback: str) -> dict:
            return {
                "BACKEND": "clinic.cache_backends.RedisCacheWithFallback",
                "LOCATION": url,
                "KEY_PREFIX": key_prefix,
                # Redis answers in well under a millisecond; past these it counts as down.
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25, "FALLBACK": fallback},
            }

        return {
            "default": redis(prefix, fallback="uncached"),
            "ratelimit": redis(f"{prefix}:ratelimit", fallback="ratelimit-per-process"),
            "uncached": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
            "ratelimit-per-process": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "ratelimit",
                "OPTIONS": {"MAX_ENTRIES": 10000},
            },
        }
    if url.startswith("file:///"):
        directory = Path(url.removeprefix("file://"))
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(directory / "pages"),
                "OPTIONS": {"MAX_ENTRIES": 1000},
            },
            "ratelimit": {
                "BACKEND": "clinic.cache_backends.LockedFileBasedCache",
                "LOCATION": str(directory / "ratelimit"),
                # A counter is keyed by its time window, so it needs no expiry of its own; Django's
                # file cache writes it back with this timeout on every increment, which must not
                # end a window early.
                "TIMEOUT": None,
                "OPTIONS": {"MAX_ENTRIES": 1000},
            },
        }
    raise ImproperlyConfigured(
        f"CACHE_URL must be a redis:// or rediss:// URL, file:/// and a directory, or empty; got {url!r}."
    )


CACHE_URL = env_str("CACHE_URL") or f"file://{BASE_DIR / '.cache'}"
CACHES = cache_settings(CACHE_URL)
RATELIMIT_USE_CACHE = "ratelimit"
# django-ratelimit warns of any backend it does not know; ours are django-redis's and the file
# cache with atomic counters (clinic/cache_backends.py).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# --- Auth ---------------------------------------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("CLINIC_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# After `collectstatic` (make serve, production) set STATIC_MANIFEST=1 for hashed, compressed,
# cache-forever file names. Without it (tests, `make run`) whitenoise serves from the finders.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", not STATIC_MANIFEST)

# --- Email --------------------------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "HO Clinic <appointments@example.org>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Security -----------------------------------------------------------------------------

# HTTPS is on in production. Local runs over plain HTTP (`make run`, browser tests) turn it off.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets this header itself (see docs/deploy.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "clinic.views.csrf_failure"
SESSION_COOKIE_AGE = 60 * 60 * 8

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Forms --------------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging ------------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Manage and confirmation links carry a secret token in their path: never written out.
    "filters": {"redact_tokens": {"()": "clinic.log_redaction.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # At DEBUG this logger writes the whole template context (a patient's details included)
        # whenever a template variable is missing: never below INFO, whatever LOG_LEVEL says.
        "django.template": {
            "handlers": ["console"],
            "level": "INFO" if LOG_LEVEL.upper() in ("DEBUG", "10") else LOG_LEVEL,
            "propagate": False,
        },
    },
}

# --- The clinic ---------------------------------------------------------------------------
# Demo defaults are clearly fictional (555 numbers, example.org).

CLINIC_NAME = env_str("CLINIC_NAME", "Riverside HO Clinic (demo)")
CLINIC_ADDRESS = env_str("CLINIC_ADDRESS", "100 Example Avenue, Suite 200, Springfield, NY 10000")
CLINIC_PHONE = env_str("CLINIC_PHONE", "+1 555-0100")
CLINIC_EMAIL = env_str("CLINIC_EMAIL", "appointments@example.org")
CLINIC_EMERGENCY_NUMBER = env_str("CLINIC_EMERGENCY_NUMBER", "911")
CLINIC_SITE_URL = env_str("CLINIC_SITE_URL", "http://127.0.0.1:8000")

# --- Booking ------------------------------------------------------------------------------

BOOKING_MIN_NOTICE_HOURS = env_int("BOOKING_MIN_NOTICE_HOURS", 24)
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 90)
BOOKING_CHANGE_CUTOFF_HOURS = env_int("BOOKING_CHANGE_CUTOFF_HOURS", 24)
REMINDER_HOURS_BEFORE = env_int("REMINDER_HOURS_BEFORE", 24)
# Phone numbers typed without a country code are read as numbers of this region.
CLINIC_PHONE_REGION = env_str("CLINIC_PHONE_REGION", "US")
# Manage links stop working this many days after they were sent.
BOOKING_LINK_MAX_AGE_DAYS = env_int("BOOKING_LINK_MAX_AGE_DAYS", 180)
# Rate limits per client IP address (django-ratelimit syntax: number/period, s m h d).
BOOKING_RATE_LIMIT = env_str("BOOKING_RATE_LIMIT", "20/h")
LOOKUP_RATE_LIMIT = env_str("LOOKUP_RATE_LIMIT", "5/h")
# Behind a proxy, the request header that holds the client address, e.g. HTTP_X_REAL_IP.
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY") or None

# --- Background tasks ---------------------------------------------------------------------
# Emails go out through django-tasks tasks queued after the booking commits (booking/notifications.py).
# "database" queues them in the database for `manage.py db_worker` (production, `make run`): no page
# waits on the mail server, and the "lost your link?" answer takes the same time for any address.
# "immediate" runs them at once in the web process: tests and `make dev` only (the default with
# DEBUG). See README, "Emails and background tasks".

TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be 'immediate' or 'database'; got {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# --- Staff login --------------------------------------------------------------------------
# django-axes locks a username from one address after AXES_FAILURE_LIMIT failed logins, for
# AXES_COOLOFF_TIME. Attempts live in the database, so every app server sees the same count.

INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_RESET_ON_SUCCESS = True


def axes_client_ip(request):
    """The address the rate limits use too: behind a proxy, the header it sets (see above)."""
    return request.META.get(RATELIMIT_IP_META_KEY or "REMOTE_ADDR") or request.META.get("REMOTE_ADDR")


AXES_CLIENT_IP_CALLABLE = axes_client_ip
