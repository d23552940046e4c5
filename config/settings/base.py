"""Settings shared by every environment, driven by environment variables.

With nothing set, the site runs on an embedded SQLite file and Celery tasks
run in-process. ``DATABASE_URL=postgres://…`` switches to PostgreSQL and
``REDIS_URL`` to a Redis broker served by real workers.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
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
    "core.admin_site.AdminConfig",
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
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
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
    # Content-Security-Policy (django-csp) and Permissions-Policy on every response.
    "csp.middleware.CSPMiddleware",
    "core.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, whose process_view reads the form: a too-large body is refused unread.
    "core.request_limits.RequestSizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before the second step and axes, so that their answers are marked private too
    # (core.middleware says why).
    "core.middleware.PrivateCacheMiddleware",
    # Moderators and admins finish signing in with a TOTP code (core.second_factor).
    "core.middleware.SecondFactorMiddleware",
    # Last, as django-axes asks: answers a locked-out sign-in with its page.
    "axes.middleware.AxesMiddleware",
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
# Behind PgBouncer in transaction pooling mode (docker-compose): no server-side cursors
# (a cursor does not outlive the transaction's server connection) and no prepared
# statements (another client may get the connection next).
if IS_POSTGRES and env.bool("DATABASE_PGBOUNCER", default=False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
# A streaming replica for the research pages', the API's and the statistics' reads
# (core.replica): reads after a write, in the request or for a while in the session, stay on
# the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL) | {
        "ENGINE": DATABASES["default"]["ENGINE"],
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
    # After whitenoise (static files read no database), before everything that reads.
    MIDDLEWARE.insert(MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
                      "core.replica.ReplicaMiddleware")  # fmt: skip

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

# --- Signing in (core.account_views) ---------------------------------------------------------
# django-axes counts failed sign-ins per user name and client address (core.ratelimit's
# client_ip, so the same proxy setting applies); after LOGIN_FAILURE_LIMIT failures that
# pair is locked out for LOGIN_LOCKOUT_MINUTES, the right password included.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Posts to the login page per client address, whatever the user name (core.ratelimit).
LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", default="20/minute")
# Sessions end when the browser closes, and on the server after SESSION_SECONDS (8 h:
# a working day) of no new sign-in. Every account here is staff (relatives have none).
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_AGE = env.int("SESSION_SECONDS", default=8 * 3600)
# The second factor (django-otp, TOTP): the name an authenticator app shows.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Conscript Tracker")

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
# Overridable so that a benchmark or test can collect into a directory of its own.
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
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

# --- Requests: sizes, proxies --------------------------------------------------------------
#: Any request body larger than this is refused (413) before it is read
#: (core.request_limits); the report form's 5 MB photo fits. Views that take more say so:
#: the webhook (SOURCES_WEBHOOK_MAX_BYTES), list uploads (LIST_UPLOAD_MAX_BYTES + 1 MB).
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=6 * 1024 * 1024)
#: Django's caps on a form's fields (files excepted) and on their number.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
#: Uploaded files larger than this go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
#: How many reverse proxies stand in front of the site, each appending the address it
#: saw to CLIENT_IP_HEADER (core.ratelimit.client_ip). 0: none, the peer is the client.
#: Set it only behind proxies that do append: otherwise clients choose their address.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="X-Forwarded-For")

# --- Browser security headers ---------------------------------------------------------------
# No inline script, no inline style, nothing from other sites: scripts and styles are
# files under static/ (a test loads the pages in Chromium and fails on any violation).
# Images may be data: URIs (the API documentation's icons); the map is inline SVG.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features the site never uses, off for it and anything it frames.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
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
#: Export files can be downloaded for this many days; beat then deletes them
#: (research.exports_purge). The log row stays.
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)
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
    "ingest": env("API_INGEST_RATE", default="120/minute"),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Hashed, expiring tokens (django-rest-knox), refused once the user is no
        # researcher any more (research.authentication).
        "research.authentication.ResearcherTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # Every API view (the schema and its documentation included) is throttled, anonymous
    # callers per address and others per token; the webhook per source (sources.api).
    # The throttles read API_THROTTLE_RATES per request and count in PostgreSQL.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.AnonThrottle", "core.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
    # research.api adds the browsable renderer per request when settings.DEBUG is on
    # (production.py turns DEBUG off after this file is read).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
#: API tokens (research.services.api_token_issue): only a hash is stored, the token is
#: shown once, and it stops working after API_TOKEN_DAYS or when its user stops being a
#: researcher. "Authorization: Token <token>", as before.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=90)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
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
        '`detail`, `{"detail": "Not found."}` (the `Error` schema): 401 for a missing, '
        "wrong, expired or revoked token, 404 for no such record or page, 429 when "
        "throttled.\n\nTokens (`Authorization: Token <token>`) are issued on a "
        "researcher's profile page and shown once: only a hash is stored. A token expires "
        "after 90 days (`API_TOKEN_DAYS`) and is revoked when its user stops being a "
        "researcher."
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
    # Export files past EXPORT_KEEP_DAYS are deleted (research.services.export_files_purge).
    "exports-purge": {"task": "research.exports_purge", "schedule": 3600.0},
    # API tokens that expired or whose user is no researcher any more.
    "api-tokens-purge": {"task": "research.api_tokens_purge", "schedule": 3600.0},
    "sources-poll-due": {"task": "sources.poll_due_sources", "schedule": 60.0},
    "sources-requeue-stale": {"task": "sources.requeue_stale_items", "schedule": 300.0},
}
