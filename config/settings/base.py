"""Settings shared by every environment, driven by environment variables.

With nothing set, the site runs on an embedded SQLite file and Celery tasks
run in-process. ``DATABASE_URL=postgres://…`` switches to PostgreSQL and
``REDIS_URL`` to a Redis broker served by real workers.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)
# Only for local development; production.py refuses to start without its own.
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_celery_beat",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "conscripts",
    "reports",
    "sources",
    "research",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.staff_roles",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
# An empty DATABASE_URL (as some shells and compose files pass it) means the default.
DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # var/ is not in git: a fresh clone must be able to create its database there.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parallel workers one query may use (config/postgresql/base.py).
    DATABASES["default"]["PARALLEL_WORKERS"] = env.int("DATABASE_PARALLEL_WORKERS", default=1)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "config.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation --------------------------------------------------
# Russian is what most relatives read; English is for journalists/researchers.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Moscow"
USE_TZ = True

# --- Static and media ------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# --- Celery ----------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker, tasks run in the calling process (a newcomer's make run).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # A Redis that does not answer must fail a publish quickly, not hang a request:
    # the outbox keeps what could not be sent (core.outbox).
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TIMEZONE = TIME_ZONE
# Extraction loads natasha (+110 MB per worker process, +155 MB once it has worked;
# bench/worker_memory.py), so it has a queue of its own and only the workers that
# consume it pay for the models (sources/tasks.py). The queues are declared rather than
# created on first use, so that a worker without -Q consumes both and
# `app.control.purge()` empties both. `make run` and the tests consume both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {
    "celery": {"exchange": "celery", "routing_key": "celery"},
    "extraction": {"exchange": "extraction", "routing_key": "extraction"},
}
CELERY_TASK_ROUTES = {
    "sources.extract_item": {"queue": "extraction"},
    "sources.extract_items": {"queue": "extraction"},
    # A pasted announcement: its names are extracted with natasha.
    "sources.pasted_list_extract": {"queue": "extraction"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The schedule (CELERY_BEAT_SCHEDULE) is at the end: it names settings of every app.
#: How often beat's relay sends the outbox rows still unsent (core.outbox): after a
#: broker outage, queued work goes out within this many seconds of its return.
OUTBOX_RELAY_SECONDS = env.int("OUTBOX_RELAY_SECONDS", default=30)
#: Sent outbox rows are kept this many days (for looking into what was sent when).
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
#: A task that meets a database error holds its worker process this long waiting for
#: the database before its retry is scheduled (core.tasks.ResilientTask).
TASK_DATABASE_WAIT_SECONDS = env.int("TASK_DATABASE_WAIT_SECONDS", default=30)

# --- Cache -----------------------------------------------------------------
# A Redis outage degrades the cache to misses (core.cache) rather than failing the pages
# that read it; the timeouts keep a Redis that hangs from holding requests.
REDIS_CACHE = {
    "BACKEND": "core.cache.ResilientRedisCache",
    "LOCATION": REDIS_URL,
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
}
CACHES = {
    "default": (
        REDIS_CACHE if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Site ------------------------------------------------------------------
# Absolute links in e-mails (receipts) point here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A moderator's claim on a report expires after this many minutes.
REPORT_CLAIM_MINUTES = env.int("REPORT_CLAIM_MINUTES", default=30)

# Report-form posts per client address (core.ratelimit), as FOLLOW_RATE_LIMIT below.
REPORT_RATE_LIMIT = env("REPORT_RATE_LIMIT", default="5/hour")

# --- Relatives following a case (conscripts.services.follow_request) --------
FOLLOW_RATE_LIMIT = env("FOLLOW_RATE_LIMIT", default="10/hour")  # form posts per client IP
FOLLOW_CONFIRM_MAX_AGE = env.int("FOLLOW_CONFIRM_MAX_AGE", default=3 * 24 * 3600)  # seconds
FOLLOW_RESEND_SECONDS = env.int("FOLLOW_RESEND_SECONDS", default=600)
FOLLOW_MAILS_PER_ADDRESS_HOUR = env.int("FOLLOW_MAILS_PER_ADDRESS_HOUR", default=5)

# --- Relatives' watches (reports.watches) ------------------------------------
WATCH_RATE_LIMIT = env("WATCH_RATE_LIMIT", default="10/hour")  # form posts per client IP
WATCH_CONFIRM_MAX_AGE = env.int("WATCH_CONFIRM_MAX_AGE", default=3 * 24 * 3600)  # seconds
WATCH_MAILS_PER_ADDRESS_HOUR = env.int("WATCH_MAILS_PER_ADDRESS_HOUR", default=5)

# --- Retention (reports.retention): days after the decision, unsubscribing, ending --------
RETENTION_CONTACT_DAYS = env.int("RETENTION_CONTACT_DAYS", default=180)
RETENTION_FOLLOWER_DAYS = env.int("RETENTION_FOLLOWER_DAYS", default=180)
RETENTION_WATCH_DAYS = env.int("RETENTION_WATCH_DAYS", default=180)

# --- E-mail ----------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@conscripts.invalid")

# --- Logging ---------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"pymorphy3": {"level": "WARNING"}},
}

# --- Research tools and the REST API (research/) ---------------------------------
#: Exports with more rows than this are written by a Celery worker.
EXPORT_SYNC_LIMIT = env.int("EXPORT_SYNC_LIMIT", default=2000)
# Uploaded lists (reports.uploads): files up to this size; lists with more rows than
# LIST_UPLOAD_SYNC_ROWS are read by a Celery worker while the page shows progress.
LIST_UPLOAD_MAX_BYTES = env.int("LIST_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
LIST_UPLOAD_SYNC_ROWS = env.int("LIST_UPLOAD_SYNC_ROWS", default=300)
# Pasted lists (sources.lists): more lines than this are matched by a Celery worker.
LIST_PASTE_SYNC_LINES = env.int("LIST_PASTE_SYNC_LINES", default=60)
LIST_PASTE_MAX_LINES = env.int("LIST_PASTE_MAX_LINES", default=5000)
#: How often beat recomputes the public statistics, in seconds; they stay cached three
#: times as long (0 turns the cache off).
STATISTICS_CACHE_SECONDS = env.int("STATISTICS_CACHE_SECONDS", default=60)
#: Read per request by the research.api throttles (DRF's own setting is read at import).
API_THROTTLE_RATES = {
    "anon": env("API_ANON_RATE", default="60/minute"),
    "user": env("API_USER_RATE", default="600/minute"),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # research.api sets its throttles (AnonThrottle, UserThrottle) on every view; they
    # read API_THROTTLE_RATES per request and count in the default (Redis) cache.
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
    # research.api adds the browsable renderer per request when settings.DEBUG is on
    # (production.py turns DEBUG off after this file is read).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Conscript Tracker API",
    "DESCRIPTION": (
        "Read-only public data about Russian conscripts missing after August 2024. "
        "Hidden records, relatives' contacts and archived texts are never served.\n\n"
        "Errors: every 4xx answer is a JSON object of one of two shapes. An invalid "
        "parameter (400) maps each parameter to its messages, "
        '`{"birth_year": ["Ensure this value is less than or equal to 2015."]}` '
        "(the `ValidationError` schema); any other error says what went wrong in "
        '`detail`, `{"detail": "Not found."}` (the `Error` schema): 401 for a missing '
        "or wrong token, 404 for no such record or page, 429 when throttled."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API's two error shapes (research.api, sources.api), referenced by its views.
    "APPEND_COMPONENTS": {
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
                "description": "Any error but an invalid parameter: what went wrong.",
            },
            "ValidationError": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Invalid parameters, each mapped to its messages.",
            },
        }
    },
    # status, claimed_status and to_status share one choice set: one schema name.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "conscripts.models.Status",
        "DatePrecisionEnum": "conscripts.models.DatePrecision",
    },
}

# --- Sources (ingestion; sources/) -- appended by the ingestion work -----------
# Polls fetch only from a source's allowed hosts, never from private, loopback or
# link-local addresses unless this is on (tests serve feeds from 127.0.0.1).
SOURCES_ALLOW_PRIVATE_ADDRESSES = env.bool("SOURCES_ALLOW_PRIVATE_ADDRESSES", default=False)
SOURCES_FETCH_CONNECT_TIMEOUT = env.float("SOURCES_FETCH_CONNECT_TIMEOUT", default=5.0)
SOURCES_FETCH_READ_TIMEOUT = env.float("SOURCES_FETCH_READ_TIMEOUT", default=20.0)
SOURCES_FETCH_MAX_BYTES = env.int("SOURCES_FETCH_MAX_BYTES", default=20 * 1024 * 1024)
# The whole fetch, every byte included: a server trickling bytes is cut off here.
SOURCES_FETCH_DEADLINE = env.float("SOURCES_FETCH_DEADLINE", default=60.0)
# 32 MB: a batch of 10,000 posts of ~1,500 characters each (Cyrillic is two bytes a
# character in UTF-8). The body is read into memory, its items are parsed one by one.
SOURCES_WEBHOOK_MAX_BYTES = env.int("SOURCES_WEBHOOK_MAX_BYTES", default=32 * 1024 * 1024)
# Posts still unextracted this long after storing are enqueued again (worker died).
SOURCES_STALE_ITEM_SECONDS = env.int("SOURCES_STALE_ITEM_SECONDS", default=900)
# Posts per extraction task (each post still commits on its own).
SOURCES_EXTRACT_BATCH = env.int("SOURCES_EXTRACT_BATCH", default=20)
# Celery's Django fixup otherwise closes the database connection before and after
# every task: a new PostgreSQL connection cost ~10 ms per task (measured, 2 cores).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=500)
# --- end Sources -----------------------------------------------------------------

# --- Scheduled tasks (Celery beat; rows in the database via DatabaseScheduler) ----------
CELERY_BEAT_SCHEDULE = {
    # Sends what the outbox still holds (core.outbox): recovery after a broker outage.
    "outbox-relay": {"task": "core.outbox_relay", "schedule": float(OUTBOX_RELAY_SECONDS)},
    "public-forms-sweep": {"task": "core.public_forms_sweep", "schedule": 3600.0},
    # Keeps /statistics/ warm (research.statistics); see STATISTICS_CACHE_SECONDS.
    "statistics-refresh": {
        "task": "conscripts.statistics_refresh",
        "schedule": float(STATISTICS_CACHE_SECONDS or 60),
    },
    # Addresses that asked to follow a case and never confirmed are not kept.
    "followers-purge-unconfirmed": {
        "task": "conscripts.followers_purge_unconfirmed",
        "schedule": 24 * 3600.0,
    },
    # Contacts, followers' and watches' addresses past their retention (reports.retention).
    "retention-purge": {"task": "reports.retention_purge", "schedule": 24 * 3600.0},
    "sources-poll-due": {"task": "sources.poll_due_sources", "schedule": 60.0},
    "sources-requeue-stale": {"task": "sources.requeue_stale_items", "schedule": 300.0},
}
