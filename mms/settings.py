"""Settings for MMS, read from environment variables.

Every variable goes through one of the small typed helpers below, which also record its name in
``ENV_VARS``; the docker-compose consistency test compares that set with what the compose file sets.
Defaults give the embedded mode (SQLite, a broker that needs no server); production sets
``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL`` and ``REDIS_URL``.
"""

from __future__ import annotations

import datetime
import os
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_VARS: set[str] = set()


def env_str(name: str, default: str = "") -> str:
    ENV_VARS.add(name)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name, "")
    if raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env_str(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = env_str(name, "")
    if raw.strip() == "":
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = env_str(name, "")
    return Path(raw) if raw else default


# --- Core --------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-local-development-only-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Django's admin, whose login is the two-step login page and which may require a one-time password.
    "core.apps.MMSAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    # One-time passwords (TOTP): second factor at login and re-authentication for electronic signatures.
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Brute-force protection of every password form (login page, token API) and the Content-Security-Policy.
    "axes",
    "csp",
    "core",
    "mms",
    "assets",
    "people",
    "inventory",
    "plans",
    "orders",
    "exchange",
    "reports",
    "investment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages are compressed for phones on weak connections (static files come pre-compressed from
    # WhiteNoise above). Django's GZip adds random padding against BREACH; CSRF tokens are masked too.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Administrators without a verified one-time password go to enrolment first (OTP_REQUIRED_FOR_ADMINS).
    "core.two_factor_middleware.AdminTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees the lockout flag the authentication left on the request and answers it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mms.urls"
WSGI_APPLICATION = "mms.wsgi.application"

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
                "mms.context_processors.navigation",
                "people.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Planner settings for each connection. JIT compilation costs a report query hundreds of
        # milliseconds before it reads a row (measured on the KPI queries: 450 ms of 660) and buys nothing
        # on queries that read thousands of rows through indexes; and the default random_page_cost (4)
        # assumes spinning disks, so on SSDs the planner hashes a whole site's orders where a few thousand
        # index lookups would do. Set DB_PLANNER_OPTIONS to "" to keep the server's own settings.
        planner = env_str("DB_PLANNER_OPTIONS", "-c jit=off -c random_page_cost=1.1")
        if planner:
            options = DATABASES["default"].setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} {planner}".strip()
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(env_path("SQLITE_PATH", VAR_DIR / "mms.sqlite3")),
            # Worker, beat and web share one file: wait for locks instead of failing at once.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth --------------------------------------------------------------------------------------
# Axes first: it refuses a locked-out username at this address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A session ends SESSION_COOKIE_AGE seconds after the login (a shift, by default; renewed only when the
# session changes, so requests do not write to the session table), or when the browser closes if
# SESSION_EXPIRE_AT_BROWSER_CLOSE is on.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# Brute-force protection (django-axes): LOGIN_FAILURE_LIMIT wrong passwords (or one-time codes) for one
# username from one address lock that pair out for LOGIN_COOLOFF_MINUTES; a right password resets the count.
# Locking by the pair, not the username alone, keeps an attacker elsewhere from locking a user out.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.login_protection.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.login_protection.client_ip"
# Proxies in front of MMS that append the client's address to X-Forwarded-For (0: trust no header and
# use the connection's address; behind one TLS proxy, 1).
LOGIN_TRUSTED_PROXIES = env_int("LOGIN_TRUSTED_PROXIES", 0)

# One-time passwords (django-otp, TOTP): anyone may enrol on the Two-factor screen; when
# OTP_REQUIRED_FOR_ADMINS is on, staff, superusers and Administrators must, before anything else.
OTP_REQUIRED_FOR_ADMINS = env_bool("OTP_REQUIRED_FOR_ADMINS", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "MMS")
# The admin never shows a device's secret once made (it is shown to its owner once, at enrolment).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish")), ("pt", _("Portuguese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files --------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("STATIC_ROOT", BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Attachments: size limit and accepted types (extension -> content types browsers send).
# Imports (COBie, IFC, CSV, GeoJSON): the largest file accepted, and what a zipped workbook may unpack to
# (measured by unpacking, so a zip bomb is refused before any importer reads it).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 25 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 300 * 1024 * 1024)
# Larger files are imported by the Celery worker while the run's page waits for it.
IMPORT_INLINE_MAX_BYTES = env_int("IMPORT_INLINE_MAX_BYTES", 512 * 1024)
# The map screen's background tiles ({z}/{x}/{y} URL template, e.g. an OpenStreetMap tile server you may
# use) and their attribution; empty: markers and outlines on a blank background, nothing fetched elsewhere.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
ATTACHMENT_EXTENSIONS = env_list(
    "ATTACHMENT_EXTENSIONS",
    ["pdf", "png", "jpg", "jpeg", "webp", "gif", "txt", "csv", "xlsx", "docx", "dwg", "ifc"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mms@localhost")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# ADMINS="Ana Lima <ana@example.org>, ops@example.org"
ADMINS = [(name or addr, addr) for name, addr in getaddresses(env_list("ADMINS")) if addr]

# --- Celery ------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport does not create its folders; producers and consumers share "in".
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "in"),
        "data_folder_out": str(BROKER_DIR / "in"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The heartbeat is stale (and /healthz unhealthy) when older than this.
HEARTBEAT_STALE_SECONDS = env_int("HEARTBEAT_STALE_SECONDS", 180)

# --- Backups -----------------------------------------------------------------------------------
# Where `manage.py backup` and the nightly task write their archives (not inside MEDIA_ROOT), and how
# many the nightly task keeps: the newest of each of the last BACKUP_KEEP_DAILY days and of the last
# BACKUP_KEEP_WEEKLY ISO weeks that have one.
BACKUP_DIR = env_path("BACKUP_DIR", VAR_DIR / "backups")
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4)

# --- Personal data ------------------------------------------------------------------------------
# Retention policy, applied nightly (`people.apply_retention`, `manage.py apply_retention`): location
# traces older than RETENTION_LOCATION_DAYS are deleted; labour entries recorded more than
# RETENTION_ANONYMISE_LABOUR_YEARS ago move to the anonymous employee (hours and costs stay). 0 turns a
# rule off.
RETENTION_LOCATION_DAYS = env_int("RETENTION_LOCATION_DAYS", 90)
RETENTION_ANONYMISE_LABOUR_YEARS = env_int("RETENTION_ANONYMISE_LABOUR_YEARS", 7)
if RETENTION_LOCATION_DAYS < 0 or RETENTION_ANONYMISE_LABOUR_YEARS < 0:
    raise ImproperlyConfigured("RETENTION_LOCATION_DAYS and RETENTION_ANONYMISE_LABOUR_YEARS must be 0 or more")

# --- Maintenance -------------------------------------------------------------------------------
# Planners skip change-set ceremony: a change set is made and approved for them.
IMPLICIT_CHANGE_SETS = env_bool("IMPLICIT_CHANGE_SETS", False)
# Whoever submitted a change set may not approve it too.
CHANGE_SET_FOUR_EYES = env_bool("CHANGE_SET_FOUR_EYES", True)
# A stock adjustment worth more than this (its quantity times the part's unit cost, in the part's
# currency) needs an electronic signature (``people.signatures``); empty: none does, 0: every one does.
SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD = env_str("SIGNATURE_STOCK_ADJUSTMENT_THRESHOLD", "1000").strip()
# Completing corrective work asks what failed and why (failure problem and cause codes), wherever codes
# apply to the order's equipment; off, they may still be given.
FAILURE_CODES_REQUIRED = env_bool("FAILURE_CODES_REQUIRED", True)
# Scheduler actions (notify, webhook, hold, ...): attempts before giving up, first retry delay, and who
# hears of an action that failed for good (default: the ADMINS).
MAINTENANCE_ACTION_RETRY_COUNT = env_int("MAINTENANCE_ACTION_RETRY_COUNT", 3)
MAINTENANCE_ACTION_RETRY_BASE_SECONDS = env_int("MAINTENANCE_ACTION_RETRY_BASE_SECONDS", 30)
MAINTENANCE_ERROR_DISTRIBUTION_LIST = env_list(
    "MAINTENANCE_ERROR_DISTRIBUTION_LIST", [address for _name, address in ADMINS]
)
# A schedule tick that moves at least SCHEDULER_SPLIT_MIN_ORDERS orders splits them by id into
# SCHEDULER_TICK_WORKERS parts, each moved in its own transaction on its own connection (PostgreSQL only;
# one part is one transaction, so a tick interrupted midway leaves whole parts moved, never half an order).
SCHEDULER_TICK_WORKERS = env_int("SCHEDULER_TICK_WORKERS", 2)
SCHEDULER_SPLIT_MIN_ORDERS = env_int("SCHEDULER_SPLIT_MIN_ORDERS", 10000)

# --- Audit trail -------------------------------------------------------------------------------
# History is never written back: the admin shows past versions without a revert button (and
# core.history_admin refuses a POST to them whatever this says).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- REST framework ----------------------------------------------------------------------------
# Request rates ("<n>/<second|minute|hour|day>"): per user (session or token), per anonymous address, and
# for bulk readings (each request may carry up to API_BULK_READINGS_MAX_ROWS rows).
API_THROTTLE_USER = env_str("API_THROTTLE_USER", "6000/minute")
API_THROTTLE_ANON = env_str("API_THROTTLE_ANON", "60/minute")
API_THROTTLE_READINGS_BULK = env_str("API_THROTTLE_READINGS_BULK", "120/minute")
API_BULK_READINGS_MAX_ROWS = env_int("API_BULK_READINGS_MAX_ROWS", 100_000)
API_BULK_READINGS_MAX_BYTES = env_int("API_BULK_READINGS_MAX_BYTES", 32 * 1024 * 1024)
# Outgoing webhooks to integrators (see orders/webhooks.py): seconds to wait for the receiver.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Tokens first: a request without valid credentials answers 401 with ``WWW-Authenticate: Token``.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mms.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.RolePermissions"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.BoundedFilterBackend",
        "core.api.filters.UpdatedSinceFilter",
        "core.api.filters.StableOrderingFilter",
    ],
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonThrottle",
        "core.api.throttling.UserThrottle",
        "core.api.throttling.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": API_THROTTLE_USER,
        "anon": API_THROTTLE_ANON,
        "readings_bulk": API_THROTTLE_READINGS_BULK,
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MMS API",
    "DESCRIPTION": "Maintenance management: assets, people, parts, plans, work orders, readings, webhooks.",
    "VERSION": "1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Every operation documents the errors it can answer (400, 401, 403, 404, 409, 415, 429), not only success.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_error_responses",
    ],
    # Swagger UI and Redoc from local static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name ("state", "kind") get their own schema names.
    "ENUM_NAME_OVERRIDES": {
        "ChangeSetStateEnum": "plans.models.ChangeSetState",
        "ImportModeEnum": "exchange.models.ImportMode",
        "ImportFollowModeEnum": "exchange.api.FOLLOW_MODES",
        "PlanVersionStateEnum": "plans.models.PlanVersionState",
        "ExecutionStateEnum": "orders.models.ExecutionState",
        "ScheduleStateEnum": "orders.models.ScheduleState",
        "AreaKindEnum": "assets.models.AreaKind",
        "CounterKindEnum": "assets.models.CounterKind",
        "OrderKindEnum": "orders.models.OrderKind",
        "ChecklistItemKindEnum": "plans.models.ChecklistItemKind",
        "ActionKindEnum": "plans.models.ActionKind",
        "EntityStatusEnum": "assets.models.EntityStatus",
        "ActionLogStatusEnum": "orders.models.ActionLogStatus",
        "WebhookEventEnum": "orders.models.WebhookEvent",
        "DowntimeKindEnum": "orders.models.DowntimeKind",
        "FeedKindEnum": "exchange.models.FeedKind",
        "MovementKindEnum": "inventory.models.MovementKind",
    },
}

# --- Logging -----------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False}},
}

# --- Content Security Policy (django-csp) ------------------------------------------------------
# Scripts and styles only from our static files: no inline script, no inline style, no eval (htmx runs
# with allowEval off, see base.html). Images may be data: URIs (Pico's checkbox and select icons) and
# the map's tiles from MAP_TILE_URL's host. The API docs pages loosen this for themselves (mms.api_urls).
# A tile template's "{s}" (subdomain) becomes a "*." wildcard of the host.
_tiles = urlsplit(MAP_TILE_URL)
_MAP_TILE_ORIGIN = f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}" if MAP_TILE_URL else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_MAP_TILE_ORIGIN] if _MAP_TILE_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Production hardening (DEBUG off): `manage.py check --deploy` reports nothing -------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Container and load-balancer probes speak plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    X_FRAME_OPTIONS = "DENY"
    if SECURE_HSTS_SECONDS and not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # preload is a deliberate opt-in per domain
