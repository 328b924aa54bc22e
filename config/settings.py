"""Tandem settings: one file, driven by environment variables.

The embedded default (no variables set) is the demo: SQLite files under ./var, Huey on its own SQLite
file, mail captured in the database. Production sets TANDEM_ENV=production and the variables below.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TANDEM_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("TANDEM_ENV", "development") == "production"
DEBUG = env_flag("TANDEM_DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("TANDEM_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("TANDEM_SECRET_KEY must be set when TANDEM_ENV=production.")
    SECRET_KEY = "insecure-development-key-only-for-the-demo-and-tests-0123456789"  # noqa: S105
# The key that stored passwords and API keys are encrypted with (tandem/core/secrets.py) is derived from this
# when it is set, else from TANDEM_SECRET_KEY: set it to rotate TANDEM_SECRET_KEY without re-entering them.
TANDEM_ENCRYPTION_KEY = os.environ.get("TANDEM_ENCRYPTION_KEY", "")

ALLOWED_HOSTS = env_list("TANDEM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("TANDEM_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("TANDEM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "auditlog",
    "django_countries",
    "tandem.core",
    "tandem.core.bulkjobs",
    "tandem.contacts",
    "tandem.brand",
    "tandem.notifications",
    "tandem.public",
    "tandem.mail",
    "tandem.imports",
    "tandem.exports",
    "tandem.engagements",
    "tandem.sales.catalog",
    "tandem.sales.playbooks",
    "tandem.sales.deals",
    "tandem.sales.quotes",
    "tandem.sales.forecast",
    "tandem.insights",
    "tandem.api",
    "tandem.demo",
]
# Apps that exist only for the tests (config/pytest_environment.py names them), e.g. the record layer's
# third record type, declared in a test app to prove a type plugs in by declaration alone.
INSTALLED_APPS += env_list("TANDEM_TEST_APPS", "")

MIDDLEWARE = [
    # Outermost, so on the way out it sees every cookie the other layers set on a /p/ page and drops them.
    "tandem.public.middleware.PublicAreaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which would fail reading such a body (issue 7: a 500 in the demo).
    "tandem.core.middleware.UnreadableUploadMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: on /p/ nobody is signed in and the session is not read (tandem/public).
    "tandem.public.middleware.AnonymousPublicMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tandem.core.middleware.RequireMultiFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "core.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tandem" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.core.context_processors.navigation_context",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------
# SQLite is the embedded default: WAL so readers never wait for the writer, IMMEDIATE transactions so
# two writers queue on the busy timeout instead of failing with "database is locked" mid-transaction.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
    ),
}


def database_from_url(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("TANDEM_DB_CONN_MAX_AGE", "60")))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
        config["CONN_MAX_AGE"] = 0 if config["NAME"] == ":memory:" else config["CONN_MAX_AGE"]
    return config


# Tests read TANDEM_TEST_DATABASE_URL (see tandem/conftest.py); everything else reads DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}

# --- jobs -----------------------------------------------------------------------------------------
HUEY_REDIS_URL = os.environ.get("TANDEM_HUEY_REDIS_URL", "")
HUEY = {
    "name": "tandem",
    "immediate": env_flag("TANDEM_HUEY_IMMEDIATE", False),
    "consumer": {
        "workers": int(os.environ.get("TANDEM_HUEY_WORKERS", "2")),
        "worker_type": "thread",
        # An idle worker looks at the queue at least every half second: Huey's default backs off to 10 s
        # between looks, so a new import sat at "Queued" for seconds. A look is one indexed SELECT.
        "initial_delay": 0.1,
        "backoff": 1.15,
        "max_delay": 0.5,
    },
}
if HUEY_REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": HUEY_REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

# --- cache (rate limits) --------------------------------------------------------------------------
# Login throttling (allauth) and the API's rate limit count in this cache, so it must be one that every web
# process and every node sees: Redis when configured, otherwise a table in the database (created by the
# core migration 0003). A per-process memory cache would let each gunicorn worker count on its own.
CACHE_URL = os.environ.get("TANDEM_CACHE_REDIS_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tandem_cache",
            # Rate-limit keys live for minutes; culling a third when full keeps the table small.
            "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 3},
        }
    }

# --- auth -----------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"  # "/", the one Home (the dashboard)
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
# Confirming who you are before a sensitive change: the password or the second factor. Not a code by email:
# addresses are not verified (above) and login by code is off.
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
ACCOUNT_ADAPTER = "tandem.core.adapters.AccountAdapter"
# Subjects say what the mail is ("Reset your Tandem password"), not "[127.0.0.1:8000] …" from the Sites table.
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# How many proxies in front of Tandem append to X-Forwarded-For. Login throttling and the public pages' limits
# (tandem/public) count the client allauth finds with it; at 0 the header is ignored (anyone can forge it).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TANDEM_TRUSTED_PROXY_COUNT", "0"))
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tandem"
# Admins must set up TOTP before they can use the app when this is on (the default in production).
TANDEM_REQUIRE_MFA_FOR_ADMINS = env_flag("TANDEM_REQUIRE_MFA_FOR_ADMINS", PRODUCTION)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- mail -----------------------------------------------------------------------------------------
# Every message, Django's own too (password reset), is written into the send ledger and handed to the relay
# by the worker (tandem.mail). The relay is the one saved on the mail settings page; without one, the
# TANDEM_SMTP_* variables describe an SMTP relay; without those, mail stays in the in-app mailbox.
EMAIL_BACKEND = "tandem.mail.backends.LedgerBackend"
TANDEM_SMTP_HOST = os.environ.get("TANDEM_SMTP_HOST", "")
TANDEM_SMTP_PORT = int(os.environ.get("TANDEM_SMTP_PORT", "587"))
TANDEM_SMTP_USER = os.environ.get("TANDEM_SMTP_USER", "")
TANDEM_SMTP_PASSWORD = os.environ.get("TANDEM_SMTP_PASSWORD", "")
TANDEM_SMTP_STARTTLS = env_flag("TANDEM_SMTP_STARTTLS", True)
# A CA bundle (PEM) that signs the relay's certificate, for a relay with a private CA; default: the system's.
TANDEM_SMTP_CA_FILE = os.environ.get("TANDEM_SMTP_CA_FILE", "")
# Keep every message in the in-app mailbox whatever relay is configured (`manage.py demo` sets it).
TANDEM_MAIL_KEEP_IN_MAILBOX = env_flag("TANDEM_MAIL_KEEP_IN_MAILBOX", False)
# Accept addresses in .test (RFC 6761), which the demo company uses; production refuses them.
TANDEM_MAIL_ALLOW_TEST_DOMAINS = env_flag("TANDEM_MAIL_ALLOW_TEST_DOMAINS", not PRODUCTION)
DEFAULT_FROM_EMAIL = os.environ.get("TANDEM_FROM_EMAIL", "Tandem <tandem@localhost>")

# --- i18n, static ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TANDEM_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request while it is missing
# The shared stylesheet, script and icon live beside the base templates, outside any app.
STATICFILES_DIRS = [BASE_DIR / "tandem" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- security -------------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
# The public area (/p/) sets its own, stricter headers (tandem/public/pages.py). Requests per minute per client
# IP and link purpose; the client IP is the one allauth's login throttle uses (ALLAUTH_TRUSTED_PROXY_COUNT).
TANDEM_PUBLIC_RATE_LIMIT = int(os.environ.get("TANDEM_PUBLIC_RATE_LIMIT", "30"))

# Playbook answer search by meaning as well as words, when the optional extra is installed
# (`pip install tandem[semantic]`); "off" keeps full-text search only (tandem/sales/playbooks/semantic.py).
TANDEM_SEMANTIC_SEARCH = env_flag("TANDEM_SEMANTIC_SEARCH", True)
CSRF_FAILURE_VIEW = "tandem.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_flag("TANDEM_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("TANDEM_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_flag("TANDEM_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# The duplicate finder's name indexes carry the names as covering columns, a PostgreSQL speed-up that
# SQLite ignores (models.W040 says so on every migrate).
SILENCED_SYSTEM_CHECKS = ["models.W040"] if PRODUCTION else ["security.W004", "models.W040"]
if PRODUCTION and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # preload is an opt-in commitment, not a default

# --- API ------------------------------------------------------------------------------------------
TANDEM_API_RATE_LIMIT = int(os.environ.get("TANDEM_API_RATE_LIMIT", "600"))  # requests per minute per token
TANDEM_TRASH_DAYS = 30
# Bulk actions on "all N matching" up to this many records run in the request; more run as a background
# bulk job with a progress page (tandem/core/bulkjobs).
TANDEM_BULK_SYNCHRONOUS_LIMIT = int(os.environ.get("TANDEM_BULK_SYNCHRONOUS_LIMIT", "10000"))

# --- imports --------------------------------------------------------------------------------------
# Largest upload the import accepts. Rows are streamed, so memory does not limit this; disk and the time a
# single job holds a worker do. 512 MiB is about 4 million contacts of 8 columns.
TANDEM_IMPORT_MAX_BYTES = int(os.environ.get("TANDEM_IMPORT_MAX_BYTES", str(512 * 1024 * 1024)))
TANDEM_EXPORT_DAYS = int(
    os.environ.get("TANDEM_EXPORT_DAYS", "7")
)  # prepared export files are deleted after this
# Inbound mail (tandem/mail/services/inbound.py): a message above this size is handled from its headers only,
# and a mailbox that does not answer within the timeout is recorded as failing until the next poll.
TANDEM_INBOUND_MAX_BYTES = int(os.environ.get("TANDEM_INBOUND_MAX_BYTES", str(10 * 1024 * 1024)))
TANDEM_INBOUND_TIMEOUT = int(os.environ.get("TANDEM_INBOUND_TIMEOUT", "30"))

AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403, 400 for a bad host) is the app working as meant: one line, never a traceback.
    "filters": {"no_client_error_tracebacks": {"()": "tandem.core.logging.DropClientErrorTracebacks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_client_error_tracebacks"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("TANDEM_LOG_LEVEL", "WARNING")},
    "loggers": {
        # The Huey consumer attaches its own handler to "huey"; propagating too would print every line twice.
        "huey": {"handlers": [], "propagate": False},
    },
}
TANDEM_DEFAULT_PHONE_REGION = os.environ.get("TANDEM_DEFAULT_PHONE_REGION", "US")
TANDEM_SUBSCRIPTIONS = "config.subscriptions.SUBSCRIPTIONS"
# The DNS servers the mail settings' domain check asks (SPF, DKIM, DMARC), comma-separated "host" or
# "host:port"; empty: the system's resolvers. The check gives up on a server after the timeout.
TANDEM_DNS_NAMESERVERS = env_list("TANDEM_DNS_NAMESERVERS", "")
TANDEM_DNS_TIMEOUT_SECONDS = float(os.environ.get("TANDEM_DNS_TIMEOUT_SECONDS", "5"))
