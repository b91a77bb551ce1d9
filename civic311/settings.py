"""Settings, read from the environment. SQLite under CIVIC311_DATA_DIR is the default database."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url

from civic311.lib.env import envbool, envfloat, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(envstr("CIVIC311_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data directory."""
    if key := envstr("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
PUBLIC_BASE_URL = envstr("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The admin, behind the console's sign-in and second factor (civic311/accounts/admin_site.py).
    "civic311.accounts.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "civic311",
    "civic311.catalog",
    "civic311.geo",
    "civic311.servicerequests",
    "civic311.open311",
    "civic311.opendata",
    "civic311.accounts",
    "civic311.routing",
    "civic311.console",
    "civic311.live",
    "civic311.portal",
    "civic311.notify",
    "civic311.analytics",
    "civic311.sms",
    "civic311.server",
    # The task queue's table (TASKS_BACKEND "db"; installed always so switching backends keeps the schema).
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "civic311.lib.bodylimit.BodyLimitMiddleware",
    "civic311.open311.middleware.CorsForReadsMiddleware",
    # Static files, async (whitenoise buffers whole files under ASGI): servestatic, in a wrapper that
    # also fits the synchronous chain (server/static.py).
    "civic311.server.static.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The visitor's language: the language cookie (the switcher), else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civic311.urls"
ASGI_APPLICATION = "civic311.asgi.application"

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
                "civic311.console.context.staff",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's backend with writers queued on a lock file (lib/sqlite/base.py).
        config["ENGINE"] = "civic311.lib.sqlite"
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on busy_timeout
            # instead of one failing with "database is locked" when it upgrades its read lock.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        # A request thread keeps its SQLite connection (a file handle, nothing shared to exhaust) for its
        # next request: opening one and running the PRAGMAs cost more than a request's query
        # (server/connections.py closes it at a request's end only if it is unusable).
        config["CONN_MAX_AGE"] = None
        # Tests on a file, not in memory: WAL and waiting on locks as in production, so threads and
        # server processes of a test can write at once. One file per test process, so test runs side by
        # side never share one (pytest-xdist's workers are processes of their own).
        config["TEST"] = {"NAME": str(DATA_DIR / f"test-civic311-{os.getpid()}.sqlite3")}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI each request runs in its own thread: a pool, not persistent connections.
        config["CONN_MAX_AGE"] = 0
        options = config.setdefault("OPTIONS", {})
        size = envint("DB_POOL_SIZE", 20)
        options["pool"] = {
            "min_size": 1,
            "max_size": size,
            # A request that cannot get a connection soon is answered 503 with Retry-After
            # (civic311/server/errors.py) rather than kept waiting: the client retries, the queue drains.
            "timeout": envfloat("DB_POOL_TIMEOUT", 5.0),
            # Beyond this many waiting at once, refused at once (TooManyRequests: 503 too).
            "max_waiting": envint("DB_POOL_MAX_WAITING", 10 * size),
        }
        # Many small concurrent queries: parallel workers only add CPU to each (measured in bench/).
        options["options"] = "-c max_parallel_workers_per_gather=0"
    return config


DATABASE_URL = envstr("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'civic311.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: a user name with too many failures from anywhere (accounts/login_limits.py), then a
    # locked-out user name/address pair (django-axes), both before the password is even checked.
    "civic311.accounts.login_limits.UsernameLimitBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:queue"
# Lock-out after repeated failures: per user name and address, for a quarter of an hour.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address is REMOTE_ADDR, never a header the client sets (accounts/client.py).
AXES_CLIENT_IP_CALLABLE = "civic311.accounts.client.client_address"
LOGIN_USERNAME_FAILURE_LIMIT = envint("LOGIN_USERNAME_FAILURE_LIMIT", 20)
# Proxies (addresses or networks) whose X-Forwarded-For the server believes; none by default.
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES")
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = envstr("TOTP_ISSUER", "Civic311")
SESSION_COOKIE_AGE = envint("STAFF_SESSION_HOURS", 10) * 3600

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The resident app's languages; translations live in civic311/locale (.po in git, .mo built by make).
LANGUAGES = [("en", "English"), ("es", "Español"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}

# Request bodies: a form-encoded report is small; photos come as multipart and are checked one by one.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("CIVIC311_MAX_BODY_BYTES", 1_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_500_000
CIVIC311_MAX_UPLOAD_BYTES = envint("CIVIC311_MAX_UPLOAD_BYTES", 10_000_000)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# Whole request bodies, photos included: refused with 413 before anything is read.
CIVIC311_MAX_REQUEST_BYTES = envint("CIVIC311_MAX_REQUEST_BYTES", 60_000_000)
# A body must keep coming: after the grace, at least this many bytes a second on average, else 408
# (civic311/server/limits.py). 8 kB/s lets a 10 MB photo through a poor mobile link in 20 minutes.
CIVIC311_BODY_GRACE_SECONDS = envfloat("CIVIC311_BODY_GRACE_SECONDS", 30.0)
CIVIC311_BODY_MIN_BYTES_PER_SECOND = envint("CIVIC311_BODY_MIN_BYTES_PER_SECOND", 8_000)
# Connections (live streams included) one server process takes at once; more are answered 503.
CIVIC311_MAX_CONNECTIONS = envint("CIVIC311_MAX_CONNECTIONS", 1000)
# Requests running their synchronous code at once, per server process; the rest wait their turn on the
# event loop, where one whose client hangs up leaves without having run (server/threads.py, Slots).
CIVIC311_REQUEST_SLOTS = envint("CIVIC311_REQUEST_SLOTS", 8)
# Photos are always served through the app, which checks who may see each (portal/views/photos.py). With a
# prefix, e.g. /protected-media/, the app answers with X-Accel-Redirect and nginx sends the file from an
# `internal` location over MEDIA_ROOT.
MEDIA_ACCEL_PREFIX = envstr("MEDIA_ACCEL_PREFIX", "")
# Map tiles for the resident app, e.g. https://tile.example.org/{z}/{x}/{y}.png. Empty: no tiles, the
# maps draw the city's ward outlines as their base (offline, tests, a city without a tile server).
PORTAL_TILE_URL = os.environ.get("PORTAL_TILE_URL", "")
PORTAL_TILE_ATTRIBUTION = os.environ.get("PORTAL_TILE_ATTRIBUTION", "")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG and PUBLIC_BASE_URL.startswith("https://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Redis: pub/sub for live updates across server processes (and, later, the task queue). Unset: in-process.
REDIS_URL = envstr("REDIS_URL", "")
LIVE_CHANNEL_PREFIX = envstr("LIVE_CHANNEL_PREFIX", "civic311:")

# The cache holds what every server process must agree on: rate limits, spent one-time sign-in links.
# Redis when there is one (several nodes); else files in the data directory (several processes, one
# machine), never per-process memory.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "civic311",
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    )
}

# Outgoing mail (sign-in links, notifications): EMAIL_URL smtp://user:password@host:port, smtp+tls://…
# for STARTTLS, smtps://… for TLS from the start. Unset: mail is printed to the console (a trial).
EMAIL_URL = envstr("EMAIL_URL", "")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "311@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _mailer(url: str) -> dict[str, Any]:
    """The default mailer (Django's MAILERS) from EMAIL_URL."""
    if not url:
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtp+tls", "smtps"):
        raise ValueError(f"EMAIL_URL={url!r}: the scheme must be smtp, smtp+tls or smtps")
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": parts.scheme == "smtp+tls",
            "use_ssl": parts.scheme == "smtps",
            "timeout": 10,
        },
    }


MAILERS = {"default": _mailer(EMAIL_URL)}

# Geocoding: "local" is the offline address index; "nominatim" asks a Nominatim server.
GEOCODER = envstr("GEOCODER", "local")
NOMINATIM_URL = envstr("NOMINATIM_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pool_exhausted": {"()": "civic311.server.pool.DropPoolExhausted"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    # A request refused for want of a database connection: one warning per 10 s with the pool's state
    # (civic311/server/pool.py), not a traceback per request.
    "loggers": {"django.request": {"filters": ["pool_exhausted"]}},
}


# Text messages: SMS_PROVIDER "console" (default: printed, for a trial) or "twilio" (Twilio's REST API, or
# any provider that speaks it: TWILIO_API_BASE is its REST root, so tests point it at a local server).
SMS_PROVIDER = envstr("SMS_PROVIDER", "console")
TWILIO_ACCOUNT_SID = envstr("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = envstr("TWILIO_AUTH_TOKEN", "")
TWILIO_API_BASE = envstr("TWILIO_API_BASE", "https://api.twilio.com").rstrip("/")
SMS_FROM = envstr("SMS_FROM", "")
# Where the voice line connects a caller who asks for a person.
CALL_CENTRE_NUMBER = envstr("CALL_CENTRE_NUMBER", "")


# Background work (Django's Tasks API, civic311/notify/tasks.py). TASKS_BACKEND "db" (default: the queue is
# a table of this database, run by `civic311 worker` or the worker `civic311 serve` starts), "rq" (RQ on
# REDIS_URL, run by `civic311 worker`; several machines) or "immediate" (run at once in the caller: trials
# and some tests; no retries later, the periodic sweep catches up).
TASKS_BACKEND = envstr("TASKS_BACKEND", "db")
TASKS = {
    "default": {
        "BACKEND": {
            "db": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 300}}
