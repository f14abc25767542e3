"""Settings for the mentoring site, driven by environment variables.

Defaults suit a developer's laptop (SQLite, the filesystem Celery broker); production sets
DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL. A git-ignored `.env` file
beside manage.py (written by `make run` / `make test`) is read first; real environment variables win.
Variables are read through django-environ (`Env` below); README "Environment variables" lists them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE_WORDS = ("true", "yes", "on", "1")
_FALSE_WORDS = ("false", "no", "off", "0")


class Env(environ.Env):
    """django-environ's reader (as cookiecutter-django uses it), kept to this project's rules:

    - an empty value counts as unset: the default applies;
    - a value that does not parse stops the start with a message naming the variable, yes/no
      values included (`true`/`yes`/`on`/`1` or `false`/`no`/`off`/`0`, any case);
    - a value starting with `$` is taken as it is (django-environ would read `$NAME` as the value
      of the variable NAME: a password may start with `$`);
    - lists are comma-separated, each item stripped, empty items dropped.
    """

    BOOLEAN_TRUE_STRINGS = _TRUE_WORDS

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        raw = self.ENVIRON.get(var, "")
        if not raw.strip() and default is not self.NOTSET:
            return default
        if cast is bool and raw.strip().lower() not in _TRUE_WORDS + _FALSE_WORDS:
            raise ImproperlyConfigured(
                f"{var}={raw!r} is not a yes/no value: set it to true or false."
            )
        try:
            if raw.startswith("$"):
                if cast is None and default is not None and default is not self.NOTSET:
                    cast = type(default)
                return self.parse_value(raw, cast)
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{var}={raw!r} is not valid here ({exc}).") from exc

    def list(self, var, cast=None, default=environ.Env.NOTSET):
        return [item for item in super().list(var, cast=str.strip, default=default) if item]


env = Env()
# A git-ignored `.env` beside manage.py (written by `make run` / `make test`); real environment
# variables win over it.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))


def database_from_url(url: str) -> dict:
    """`sqlite:///path` or `postgres://user:pass@host:port/name?option=value` as a DATABASES entry
    (django-environ's parser); other engines are refused."""
    config = Env.db_url_config(url)
    engine = config.get("ENGINE")
    if engine == "django.db.backends.sqlite3":
        return {"ENGINE": engine, "NAME": config["NAME"]}
    if engine == "django.db.backends.postgresql":
        config["PORT"] = str(config["PORT"] or "")
        config.setdefault("OPTIONS", {})
        # Persistent connections: one per worker thread, checked before reuse.
        config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        config["CONN_HEALTH_CHECKS"] = True
        return config
    raise ImproperlyConfigured(f"DATABASE_URL scheme {urlparse(url).scheme!r} is not supported.")


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable (a long random "
            "string) before starting with DEBUG off; `make run` writes one into .env for you."
        )
    SECRET_KEY = "insecure-development-only-key"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    # django-csp: its system checks (and the csp template tags, should a nonce ever be needed).
    "csp",
    "mentoring_site",
    "residents",
    "mentors",
    "matching",
    "activity_log",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: session/cookie (the footer's switcher), then Accept-Language; URLs carry no
    # language prefix. A signed-in user's own choice wins (UserLanguageMiddleware below).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mentoring_site.i18n.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Staff two-factor gate and per-role session lifetimes (docs/privacy.md).
    "mentoring_site.security.StaffSessionMiddleware",
    "mentoring_site.audit.AuditMiddleware",
]

ROOT_URLCONF = "mentoring_site.urls"
WSGI_APPLICATION = "mentoring_site.wsgi.application"

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
                "mentoring_site.context_processors.role_context",
            ],
            # {% nav_link %} and |every_days on every template (mentoring_site/templatetags/site.py).
            "builtins": ["mentoring_site.templatetags.site"],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so a real Celery worker started by a test sees the same rows.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "mentoring_site.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # allauth's email sign-in, by the account's own address only (not one pending verification).
    "mentoring_site.accounts.AddressOfRecordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# --- django-allauth: email login, no usernames, no public sign-up -------------------------
ACCOUNT_ADAPTER = "mentoring_site.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Sign-in never waits for a verification (nobody signs up; an account's own address counts as
# verified, accounts.account_verify_own_address). Changing it: one address per account, the
# current password asked, a link to the new address, which becomes the sign-in only once
# verified; the old address is told when the change is asked for and when it is done.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_FORMS = {
    "add_email": "mentoring_site.accounts.ChangeEmailForm",
    "reset_password": "mentoring_site.accounts.OwnAddressResetPasswordForm",
}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so the intent is visible: login attempts are limited per
    # IP (then 429), failed logins per IP and per account (then a form error, even for the right
    # password); the admin signs in here too (urls.py). Counters live in the shared cache below.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = None
# Reverse proxies in front of the app that append to X-Forwarded-For. One number for every reader
# of the client IP: allauth's rate limits and the audit trail both go through
# mentoring_site.audit.client_ip (AccountAdapter.get_client_ip). AUDIT_TRUSTED_PROXIES: old name.
TRUSTED_PROXY_COUNT = env.int(
    "TRUSTED_PROXY_COUNT", default=env.int("AUDIT_TRUSTED_PROXIES", default=0)
)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Peer Mentoring"
MFA_RECOVERY_CODE_COUNT = 10
# The code fields open the number pad on a phone and accept the code the phone offers.
MFA_FORMS = {
    "authenticate": "mentoring_site.accounts.CodeAuthenticateForm",
    "reauthenticate": "mentoring_site.accounts.CodeReauthenticateForm",
    "activate_totp": "mentoring_site.accounts.CodeActivateTOTPForm",
}
# allauth refuses a pending (unverified) address on an account with two-factor, against someone
# who signs up with another person's address and locks them out with an authenticator. Nobody
# signs up here and an account's own address counts as verified, so staff may change theirs too.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Staff (admins, managers) must pass TOTP before anything but sign-in, sign-out and the code step:
# the allow-list is in mentoring_site/security.py (BEFORE_SECOND_FACTOR, FIRST_ENROLMENT).
# Staff sessions end after 30 idle minutes; mentors stay signed in 14 days unless they sign out.
STAFF_IDLE_TIMEOUT = timedelta(minutes=env.int("STAFF_IDLE_MINUTES", default=30))
MENTOR_SESSION_AGE = timedelta(days=env.int("MENTOR_SESSION_DAYS", default=14))

# The default for sessions without a role policy; security.py sets each signed-in session's expiry.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=9 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Languages (README "Languages"): English and Spanish. The catalogue is locale/<code>/LC_MESSAGES;
# `make messages` updates it, `compilemessages` (make run / make test / the image) builds the .mo.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and time formats per language beyond Django's own (mentoring_site/formats/<code>/):
# times read "10:51 AM" everywhere in English.
FORMAT_MODULE_PATH = ["mentoring_site.formats"]
# The footer's switcher remembers the choice in a cookie (no script reads it).
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` writes (the container image builds it into the image).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # whitenoise's CompressedManifestStaticFilesStorage, URLs kept per process.
            else "mentoring_site.staticfiles.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Redis: broker and cache when REDIS_URL is set -------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# A frozen or unreachable Redis costs a request at most this long per cache call or enqueue, never
# a hang: the cache then degrades to misses and the outbox row waits for beat (docs/reliability.md).
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=1.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "mentoring_site.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="mentoring"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    # The database cache is shared by every process (web, worker, beat), so rate limits hold.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "visibility_timeout": 3600,
        # Publishing (from a request) and the worker's commands give up instead of hanging on a
        # frozen Redis; the worker then reconnects on its own.
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
    }
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker" / "data"),
        "data_folder_out": str(VAR_DIR / "broker" / "data"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
)
if not REDIS_URL:
    # The filesystem transport expects its folders to exist (it only creates the control one).
    for _key in ("data_folder_in", "processed_folder", "control_folder"):
        Path(CELERY_BROKER_TRANSPORT_OPTIONS[_key]).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
# The stock consumer can die for good when Redis drops mid-task (mentoring_site/celery.py).
CELERY_WORKER_CONSUMER = "mentoring_site.celery:BrokerDropSafeConsumer"
# Beat records each scan it sends, so /healthz can tell a dead beat from a dead worker.
CELERY_BEAT_SCHEDULER = "mentoring_site.liveness:LivenessScheduler"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Tests point a worker and beat at a private queue; everyone else uses Celery's default.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
# The overdue scan and the reminder sender run every minute (tests shorten it).
SCAN_INTERVAL_SECONDS = env.int("SCAN_INTERVAL_SECONDS", default=60)
CELERY_IMPORTS = [
    "mentoring_site.tasks",
]
# A worker records a heartbeat this often; /healthz answers 503 once it is two intervals old.
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "mentoring_site.tasks.heartbeat",
        "schedule": timedelta(seconds=HEARTBEAT_INTERVAL_SECONDS),
        "options": {"expires": HEARTBEAT_INTERVAL_SECONDS},
    },
    # Retention: anonymise residents who left more than RETENTION_YEARS ago (docs/privacy.md).
    "anonymise-due-residents": {
        "task": "activity_log.retention.anonymise_due_residents_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Retention: audit rows older than RETENTION_YEARS lose their IP address.
    "forget-old-audit-ips": {
        "task": "activity_log.retention.audit_ips_forget_task",
        "schedule": crontab(hour=3, minute=25),
    },
    # Expired sessions (they hold user ids and resident search terms): `clearsessions`, daily.
    "clear-expired-sessions": {
        "task": "mentoring_site.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=35),
    },
    # Feedback: one request per 90 days of each active pairing (activity_log/feedback).
    "feedback-scan": {
        "task": "activity_log.feedback.tasks.feedback_scan_task",
        "schedule": crontab(hour=4, minute=5),
    },
    "scan-overdue": {
        "task": "activity_log.tasks.scan_overdue_task",
        "schedule": timedelta(seconds=SCAN_INTERVAL_SECONDS),
        "options": {"expires": SCAN_INTERVAL_SECONDS},
    },
    "send-reminders": {
        "task": "activity_log.tasks.send_reminders",
        "schedule": timedelta(seconds=SCAN_INTERVAL_SECONDS),
        "options": {"expires": SCAN_INTERVAL_SECONDS},
    },
}
# Mentors' time away: pairings pause on the first day away and resume on the return date.
CELERY_BEAT_SCHEDULE["mentor-away"] = {
    "task": "activity_log.tasks.mentor_away_task",
    "schedule": crontab(hour=0, minute=5),
}
# Group sessions: weekly series get their occurrences 8 weeks ahead (activity_log/groups).
CELERY_BEAT_SCHEDULE["merge-report-changes"] = {
    "task": "activity_log.tasks.merge_report_changes",
    "schedule": timedelta(hours=1),
    "options": {"expires": 3000},
}
CELERY_BEAT_SCHEDULE["extend-group-series"] = {
    "task": "activity_log.groups.tasks.extend_group_series_task",
    "schedule": crontab(hour=2, minute=45),
}
# The reports page's slow figures are cached per user scope and period for at most this long
# (0 = always live). Never stale: the key has the data version the database's triggers keep
# (activity_log/reports/figures_cache.py), so this only bounds how long unused entries stay.
REPORT_FIGURES_CACHE_SECONDS = env.int("REPORT_FIGURES_CACHE_SECONDS", default=86400)

# Rendered page parts (the dashboard's lists, My mentees) kept in each web process's memory for
# at most this long (0 = always live). Never stale after a write: the key has the data version the
# database's triggers keep (mentoring_site/page_cache.py); only clock-driven words ("overdue by 2
# hours") can lag by this much. At most PAGE_CACHE_ENTRIES parts per process.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
PAGE_CACHE_ENTRIES = env.int("PAGE_CACHE_ENTRIES", default=500)

# Program-health figures on the dashboard are cached per scope for this long (0 = always live);
# the all-houses figures (seconds to compute at scale) are recomputed by beat before they expire.
DASHBOARD_HEALTH_CACHE_SECONDS = env.int("DASHBOARD_HEALTH_CACHE_SECONDS", default=300)
if DASHBOARD_HEALTH_CACHE_SECONDS > 0:
    _warm_every = max(DASHBOARD_HEALTH_CACHE_SECONDS - 60, DASHBOARD_HEALTH_CACHE_SECONDS // 2, 1)
    CELERY_BEAT_SCHEDULE["warm-dashboard-health"] = {
        "task": "activity_log.tasks.warm_dashboard_health",
        "schedule": timedelta(seconds=_warm_every),
        "options": {"expires": _warm_every},
    }

# --- Email -------------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Peer Mentoring <noreply@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Text messages (mentoring_site/sms) -------------------------------------------------------------
# Like EMAIL_BACKEND: the file backend (var/sms/) in DEBUG, Twilio otherwise.
SMS_BACKEND = env(
    "SMS_BACKEND",
    default="mentoring_site.sms.backends.FileBackend"
    if DEBUG
    else "mentoring_site.sms.backends.TwilioBackend",
)
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
# Numbers typed without a country code are read as this country's (ISO 3166 code).
SMS_DEFAULT_REGION = env("SMS_DEFAULT_REGION", default="US")
SMS_TIMEOUT_SECONDS = env.float("SMS_TIMEOUT_SECONDS", default=10.0)
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
# Tests only: a local stub server instead of https://api.twilio.com.
TWILIO_API_URL = env("TWILIO_API_URL", default="")

# --- Security (production) -----------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Sent by django-csp's CSPMiddleware on every response. No inline scripts or styles anywhere:
# JavaScript lives in static/js, CSS in static/css; `data:` images are the TOTP QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Sent by django-permissions-policy's middleware: these browser features are off ("()").
PERMISSIONS_POLICY = {"camera": [], "microphone": [], "geolocation": [], "payment": [], "usb": []}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Logging: never names or notes; see docs/privacy.md --------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # runserver's access log prints query strings, where the admin's search puts names.
        "redact_query_values": {"()": "mentoring_site.log_filters.RedactQueryValues"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Twilio's client logs every request's URL and headers at INFO: the numbers stay out.
        "twilio": {"level": "WARNING"},
        # Django's own django.server set-up, plus the filter.
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_query_values"],
        },
    },
}

# --- Program rules -------------------------------------------------------------------------------
CHECKIN_INTERVAL_DEFAULT_DAYS = env.int("CHECKIN_INTERVAL_DEFAULT_DAYS", default=7)
MENTOR_MIN_RECOVERY_DAYS = env.int("MENTOR_MIN_RECOVERY_DAYS", default=365)
REMINDER_GRACE = timedelta(hours=env.int("REMINDER_GRACE_HOURS", default=12))
ESCALATION_DELAY = timedelta(days=env.int("ESCALATION_DELAY_DAYS", default=3))
# Reminders (except urgent concerns) wait out the night in the house's time zone.
QUIET_HOURS_START = 21
QUIET_HOURS_END = 8
# A reminder that still fails a day after it was created is marked failed (admin, dashboard).
REMINDER_GIVE_UP = timedelta(days=1)
# How long a sender's claim on a batch of reminders holds. Senders stop starting emails at half
# of it and release the rest, so a batch never outlives its claim; keep it longer than the send
# task's hard time limit (150 s), so a killed worker's rows wait until it is surely gone.
REMINDER_CLAIM_LEASE = timedelta(seconds=env.int("REMINDER_CLAIM_LEASE_SECONDS", default=300))
CONTACT_EDIT_WINDOW = timedelta(hours=24)
# Years after a resident's exit that identifying data is kept (activity_log/privacy/retention.py).
RETENTION_YEARS = env.int("RETENTION_YEARS", default=7)
# Days a resident's feedback link works (activity_log/feedback).
FEEDBACK_LINK_DAYS = env.int("FEEDBACK_LINK_DAYS", default=14)
