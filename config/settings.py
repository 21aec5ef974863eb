"""Voces settings: one module, every value read from the environment with a safe default.

With no environment at all Voces runs for development: SQLite under var/, Celery tasks run
eagerly, a local-memory cache, email and SMS written to the console. With DEBUG off it refuses to
start until the secrets a real deployment needs are set.
"""

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

# Development-only values, never accepted with DEBUG off.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105
_DEV_FIELD_KEY = "TVUcWgDsGOCCaUHiiV6raxWvpzV9weCsu4X7uqrbzl4="
_DEV_BLIND_INDEX_KEY = "dev-only-insecure-blind-index-key-0123456789abcdef"

SECRET_KEY = env_secret("SECRET_KEY")
# Old signing keys still accepted while sessions and signed links made with them expire (rotation).
SECRET_KEY_FALLBACKS = [key.strip() for key in env_secret("SECRET_KEY_FALLBACKS").split(",") if key.strip()]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = [key.strip() for key in env_secret("FIELD_ENCRYPTION_KEYS").split(",") if key.strip()]
BLIND_INDEX_KEY = env_secret("BLIND_INDEX_KEY")

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1", "testserver"}
if DEBUG and set(ALLOWED_HOSTS) - _LOCAL_HOSTS:
    raise ImproperlyConfigured(
        "DEBUG is on (the default) while ALLOWED_HOSTS names a public host: set DEBUG=0 in production."
    )

if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [_DEV_FIELD_KEY]
    BLIND_INDEX_KEY = BLIND_INDEX_KEY or _DEV_BLIND_INDEX_KEY
else:
    _missing = [
        name
        for name, value in (
            ("SECRET_KEY", SECRET_KEY),
            ("ALLOWED_HOSTS", ALLOWED_HOSTS),
            ("FIELD_ENCRYPTION_KEYS", FIELD_ENCRYPTION_KEYS),
            ("BLIND_INDEX_KEY", BLIND_INDEX_KEY),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Voces refuses to start with DEBUG off until these are set: "
            + ", ".join(_missing)
            + ". See the environment table in README.md."
        )
    _dev_values = {_DEV_SECRET_KEY, _DEV_FIELD_KEY, _DEV_BLIND_INDEX_KEY}
    if {SECRET_KEY, BLIND_INDEX_KEY, *FIELD_ENCRYPTION_KEYS} & _dev_values:
        raise ImproperlyConfigured("Voces refuses to start with DEBUG off using the development keys.")
    if len(BLIND_INDEX_KEY) < 32:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be at least 32 characters long.")

# Where links in messages and Twilio signature checks take the site's address from.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "anymail",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "privacy",
    "messaging",
    "intake",
    "surveys",
    "cases",
    "transparency",
]
# Benchmark baselines and the bulk seeder (bench/README.md); never in a real deployment.
if env_bool("VOCES_BENCH", False):
    INSTALLED_APPS.append("bench.baseline")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside WhiteNoise, which answers static files itself: they get the pages' headers too (an
    # SVG opened on its own is a document).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    # A database outage answers 503 "try again" (view errors here, the middlewares' in handler500).
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.LanguageCookieMiddleware",
    "core.middleware.ApiNoStoreMiddleware",
    "privacy.uploads.RequestSizeGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ by default, PostgreSQL through DATABASE_URL.
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'voces.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A restarted PostgreSQL must cost no 500s: check a reused connection before using it.
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache (and rate-limit counters): Redis through REDIS_URL, else local memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "voces",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "voces"}}
# Rendered fragments that are the same for everyone (page header, home page), in each process.
CACHES["pages"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "voces-pages"}

# Celery: eager without a broker, Redis with one.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
# Tasks write their outcome to the database; only the worker ping keeps a result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker dies (SIGKILL, out of memory, a lost machine) waits in Redis's unacknowledged
# set for the visibility timeout; then a live worker's sweep (every 5 s) hands it out again, within
# a minute. Kombu's defaults (an hour, swept every 100 s) could hold a receipt back an hour. A task
# held unacknowledged longer than the timeout is handed to a second worker, so: the time limit of an
# acks_late task is below it, a countdown or ETA (held unacknowledged until it runs) is a fraction
# of it, longer waits are beat's sweeps, and sweeps and long tasks are acknowledged on receipt
# (tests/integration/test_worker_kill.py checks all of it).
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 45)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30)
if CELERY_TASK_TIME_LIMIT + 5 >= _VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must be more than 5 seconds below CELERY_VISIBILITY_TIMEOUT: a task still "
        "running then is handed to a second worker."
    )
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
# A request that commits a write must not hang on a broker outage: the outbox resends later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = "UTC"
# Conversations: the flow a new sender starts in, per channel (unfinished ones and the messages
# behind them are forgotten after RETENTION_CONVERSATION_DAYS).
MESSAGING_FLOWS = {"sms": "complaint", "whatsapp": "complaint", "email": "complaint_email"}
# Web complaints are accepted in the request and filed by beat's sweep every few seconds; without
# a broker (the embedded default has no beat) the request files them itself, after commit.
INTAKE_FILE_EVERY_SECONDS = env_int("INTAKE_FILE_EVERY_SECONDS", 5)
INTAKE_FILE_ON_COMMIT = env_bool("INTAKE_FILE_ON_COMMIT", CELERY_TASK_ALWAYS_EAGER)
CELERY_BEAT_SCHEDULE = {
    "outbox-resend-pending": {"task": "messaging.tasks.outbound_resend_pending_task", "schedule": 60.0},
    "drafts-file-pending": {
        "task": "intake.tasks.drafts_file_pending_task",
        "schedule": float(INTAKE_FILE_EVERY_SECONDS),
        "options": {"expires": INTAKE_FILE_EVERY_SECONDS},
    },
    "inbound-process-stale": {"task": "messaging.tasks.inbound_process_stale_task", "schedule": 60.0},
    "conversations-purge-idle": {"task": "messaging.tasks.conversations_purge_idle_task", "schedule": 3600.0},
    "drafts-purge-expired": {"task": "intake.tasks.drafts_purge_expired_task", "schedule": 15 * 60.0},
    # Phone calls Twilio never said the end of are filed after an hour; recordings tried again.
    "voice-calls-sweep": {"task": "intake.tasks.voice_calls_sweep_task", "schedule": 10 * 60.0},
    # Photos sent by MMS or WhatsApp whose fetch was lost or kept failing: tried again.
    "media-pending-sweep": {"task": "intake.tasks.media_pending_sweep_task", "schedule": 5 * 60.0},
    "survey-batches-resume": {"task": "surveys.tasks.batches_resume", "schedule": 60.0},
    "survey-drafts-purge": {"task": "surveys.tasks.response_drafts_purge_task", "schedule": 15 * 60.0},
    # Hourly; each staff member gets at most one digest a day (cases.ReminderSent), after
    # REMINDER_HOUR local time.
    "casework-reminders": {"task": "cases.tasks.reminders_send_task", "schedule": 3600.0},
    # Webhooks out: deliveries whose retry time has come (their tasks may have been lost).
    "webhooks-deliver-due": {"task": "messaging.tasks.webhook_deliveries_due_task", "schedule": 60.0},
    "idempotency-purge": {"task": "accounts.tasks.idempotency_purge_task", "schedule": 3600.0},
    # Public statistics: once a day, at STATISTICS_HOUR (UTC); the command stats_release does the same.
    "statistics-release": {
        "task": "transparency.tasks.release_build_task",
        "schedule": crontab(hour=env_int("STATISTICS_HOUR", 9), minute=15),
    },
    # Retention: contact details of complaints closed more than RETENTION_CONTACT_DAYS ago, daily.
    "complaints-purge-contact": {
        "task": "intake.tasks.complaints_purge_contact_task",
        "schedule": crontab(hour=4, minute=30),
    },
    # Then staff's notes of attempts to reach the filers whose contact details went.
    "contact-attempts-purge": {
        "task": "cases.tasks.contact_attempts_purge_task",
        "schedule": crontab(hour=4, minute=45),
    },
}
REMINDER_HOUR = env_int("REMINDER_HOUR", 7)
# Footage deadlines within this many working days, and holds lapsing within this many calendar
# days, are in the reminder.
REMINDER_FOOTAGE_WORKING_DAYS = env_int("REMINDER_FOOTAGE_WORKING_DAYS", 3)
REMINDER_HOLD_DAYS = env_int("REMINDER_HOLD_DAYS", 30)

# Internationalisation
LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True
LANG_INFO["ht"] = {"bidi": False, "code": "ht", "name": "Haitian Creole", "name_local": "Kreyòl ayisyen"}
# Django names Punjabi in English; the switcher names every language in itself.
LANG_INFO["pa"] = {**LANG_INFO["pa"], "name_local": "ਪੰਜਾਬੀ"}
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("ht", _("Haitian Creole")),
    ("fr", _("French")),
    ("zh-hans", _("Simplified Chinese")),
    ("vi", _("Vietnamese")),
    ("ar", _("Arabic")),
    ("ru", _("Russian")),
    ("pa", _("Punjabi")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
# A neutral name, and gone when the browser closes: a phone may be inspected.
LANGUAGE_COOKIE_NAME = "lang"
LANGUAGE_COOKIE_AGE = None
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Static files: served by WhiteNoise, compressed and fingerprinted outside DEBUG.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Files people send: checked by content, images cleaned, everything encrypted at rest.
ATTACHMENT_MAX_FILE_BYTES = env_int("ATTACHMENT_MAX_FILE_MB", 25) * 1024 * 1024
ATTACHMENT_MAX_TOTAL_BYTES = env_int("ATTACHMENT_MAX_TOTAL_MB", 100) * 1024 * 1024
ATTACHMENT_MAX_IMAGE_PIXELS = env_int("ATTACHMENT_MAX_IMAGE_PIXELS", 50_000_000)
# Paper batches (CSV/XLSX files of survey answers): the largest file (within the per-file upload
# limit above) and number of rows, and how long a check or an import may stay unfinished before
# beat's sweep hands it to a worker again (a worker holding it is never disturbed).
SURVEY_BATCH_MAX_BYTES = env_int("SURVEY_BATCH_MAX_MB", 20) * 1024 * 1024
SURVEY_BATCH_MAX_ROWS = env_int("SURVEY_BATCH_MAX_ROWS", 200_000)
SURVEY_BATCH_STUCK_MINUTES = env_int("SURVEY_BATCH_STUCK_MINUTES", 5)
FILE_UPLOAD_HANDLERS = [
    "privacy.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024

# Rate limits (per client, known only by a keyed hash, and per receipt tried).
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
CLIENT_ADDRESS_HEADER = env_str("CLIENT_ADDRESS_HEADER", "REMOTE_ADDR")
STATUS_LOOKUP_RATE_PER_CLIENT = env_str("STATUS_LOOKUP_RATE_PER_CLIENT", "30/h")
STATUS_LOOKUP_RATE_PER_RECEIPT = env_str("STATUS_LOOKUP_RATE_PER_RECEIPT", "20/h")
DRAFT_START_RATE_PER_CLIENT = env_str("DRAFT_START_RATE_PER_CLIENT", "30/h")
UPLOAD_RATE_PER_CLIENT = env_str("UPLOAD_RATE_PER_CLIENT", "120/h")
SURVEY_START_RATE_PER_CLIENT = env_str("SURVEY_START_RATE_PER_CLIENT", "30/h")
SIGN_IN_RATE_PER_CLIENT = env_str("SIGN_IN_RATE_PER_CLIENT", "20/h")
# Staff area (/staff/): a second factor for every role, signed out after this many idle minutes,
# an account locked for STAFF_LOCKOUT_MINUTES after STAFF_LOCKOUT_FAILURES wrong passwords or
# codes in a row.
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30)
STAFF_LOCKOUT_FAILURES = env_int("STAFF_LOCKOUT_FAILURES", 5)
STAFF_LOCKOUT_MINUTES = env_int("STAFF_LOCKOUT_MINUTES", 30)
OTP_TOTP_ISSUER = "Voces"
# How long the receipt page of a submitted web complaint can still be opened.
RECEIPT_SHOWN_MINUTES = env_int("RECEIPT_SHOWN_MINUTES", 60)

# Security
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Leaving Voces (the quick exit especially) must not tell the next site where the person was.
# Not "no-referrer": Chromium then sends "Origin: null" with form posts and CSRF checks fail.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No page needs a camera, microphone, location or any other powerful feature; say so to the browser
# (evidence videos on staff pages may still go full screen).
PERMISSIONS_POLICY = {"fullscreen": ["self"]} | {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "geolocation",
        "gyroscope", "magnetometer", "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "usb", "xr-spatial-tracking", "browsing-topics", "interest-cohort",
    )
}  # fmt: skip
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Email: console by default; any django-anymail backend through EMAIL_BACKEND and ANYMAIL_*.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# A send must end within the task time limit (Django waits forever by default over SMTP).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Voces <noreply@voces.localhost>")
# Email in and delivery events come to /anymail/<esp>/inbound/ and /tracking/ with this basic-auth
# secret ("user:password", a list to rotate). Without one anymail would accept anybody: outside
# development the webhooks are then shut with a secret nobody knows.
ANYMAIL = {
    "WEBHOOK_SECRET": env_list("ANYMAIL_WEBHOOK_SECRET") or ([] if DEBUG else [f"closed:{secrets.token_urlsafe(32)}"]),
}
# Only the configured provider's webhooks are mounted (another's would answer 500 for want of
# its settings); in development, all of them.
ANYMAIL_ESP = env_str("ANYMAIL_ESP") or (
    EMAIL_BACKEND.split(".")[2] if EMAIL_BACKEND.startswith("anymail.backends.") else ""
)
if not DEBUG and ANYMAIL_ESP and ANYMAIL_ESP != "test" and not env_list("ANYMAIL_WEBHOOK_SECRET"):
    raise ImproperlyConfigured(
        "With an email provider and DEBUG off, set ANYMAIL_WEBHOOK_SECRET (user:password): without it "
        "every inbound email would be refused."
    )
STAFF_ONDUTY_EMAIL = env_str("STAFF_ONDUTY_EMAIL", "on-duty@voces.localhost")

# SMS, WhatsApp and voice: written to the console unless Twilio is configured.
SMS_TRANSPORT = env_str("SMS_TRANSPORT", "messaging.transports.ConsoleSmsTransport")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
# Signs Twilio's webhooks. In development a fixed token lets a local tool sign test requests.
TWILIO_AUTH_TOKEN = env_secret("TWILIO_AUTH_TOKEN") or ("dev-twilio-auth-token" if DEBUG else "")
TWILIO_SMS_FROM = env_str("TWILIO_SMS_FROM")
TWILIO_WHATSAPP_FROM = env_str("TWILIO_WHATSAPP_FROM")
# Only for tests and staging: send the REST calls to this base URL instead of Twilio's hosts.
TWILIO_API_BASE = env_str("TWILIO_API_BASE")
# A WhatsApp template (ContentSid, one variable) for messages to someone who has not written in the
# last 24 hours; without one, such messages go by SMS instead.
TWILIO_WHATSAPP_TEMPLATE_SID = env_str("TWILIO_WHATSAPP_TEMPLATE_SID")
# Messages per second one sending number may send (a US long code: 1); 0 for no limit.
TWILIO_SENDS_PER_SECOND = env_int("TWILIO_SENDS_PER_SECOND", 1)
# Where Twilio's media URLs may redirect (its own media host); a MediaUrl anywhere else is never fetched.
TWILIO_MEDIA_HOSTS = env_list("TWILIO_MEDIA_HOSTS") or ["media.twiliocdn.com"]
# The numbers shown to the public ("text or call us").
VOCES_SMS_NUMBER = env_str("VOCES_SMS_NUMBER")
VOCES_VOICE_NUMBER = env_str("VOCES_VOICE_NUMBER")
VOCES_WHATSAPP_NUMBER = env_str("VOCES_WHATSAPP_NUMBER")

if not DEBUG and not env_bool("ALLOW_CONSOLE_TRANSPORTS", False):
    # Console transports write numbers and receipts to the log: development and benchmarks only.
    if SMS_TRANSPORT.endswith("ConsoleSmsTransport") or EMAIL_BACKEND.endswith("console.EmailBackend"):
        raise ImproperlyConfigured(
            "With DEBUG off, set SMS_TRANSPORT and EMAIL_BACKEND to real providers "
            "(or ALLOW_CONSOLE_TRANSPORTS=1 for a benchmark)."
        )
if not DEBUG and SMS_TRANSPORT.endswith("TwilioTransport"):
    _twilio_missing = [
        name
        for name, value in (
            ("TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID),
            ("TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN),
            ("TWILIO_SMS_FROM", TWILIO_SMS_FROM),
        )
        if not value
    ]
    if _twilio_missing or not PUBLIC_BASE_URL.startswith("https://"):
        raise ImproperlyConfigured(
            "Twilio needs " + ", ".join(_twilio_missing or ["nothing else"]) + " and an https:// PUBLIC_BASE_URL "
            "(the address Twilio calls back, which its signatures cover)."
        )
if not DEBUG and env_bool("BEHIND_TLS_PROXY", False) and CLIENT_ADDRESS_HEADER == "REMOTE_ADDR":
    raise ImproperlyConfigured(
        "Behind a proxy every visitor has the proxy's address: set CLIENT_ADDRESS_HEADER "
        "(for example HTTP_X_REAL_IP) so rate limits apply per visitor."
    )

# The quick-exit button leaves for this neutral page.
QUICK_EXIT_URL = env_str("QUICK_EXIT_URL", "https://www.google.com/search?q=weather")

# Retention, stated on the privacy page and enforced by the purge jobs.
RETENTION_CONTACT_DAYS = env_int("RETENTION_CONTACT_DAYS", 365)
RETENTION_CONVERSATION_DAYS = env_int("RETENTION_CONVERSATION_DAYS", 7)
DRAFT_TTL_HOURS = env_int("DRAFT_TTL_HOURS", 24)
SURVEY_DRAFT_TTL_HOURS = env_int("SURVEY_DRAFT_TTL_HOURS", 24)
# A footage request asks the agency to keep the footage this long (some delete after 90 days).
FOOTAGE_HOLD_DAYS = env_int("FOOTAGE_HOLD_DAYS", 365)
# The API (/api/v1/): personal tokens, throttles, idempotency, webhooks out.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)  # a new token's default life
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 20)  # tokens that work at once
API_RATE_PER_TOKEN = env_str("API_RATE_PER_TOKEN", "1200/h")
API_RATE_ANONYMOUS = env_str("API_RATE_ANONYMOUS", "120/h")
API_IDEMPOTENCY_HOURS = env_int("API_IDEMPOTENCY_HOURS", 24)
API_BATCH_MAX = env_int("API_BATCH_MAX", 500)  # survey responses in one batch request
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# A delivery's try (two reads) ends by its soft limit, before the task's hard limit kills it unrecorded.
if 2 * WEBHOOK_TIMEOUT_SECONDS >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("WEBHOOK_TIMEOUT_SECONDS must be below half of CELERY_TASK_TIME_LIMIT.")
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
# Only for development and tests: receivers on http:// and on this machine's own addresses.
WEBHOOK_ALLOW_LOCAL = env_bool("WEBHOOK_ALLOW_LOCAL", False)
# Seconds before each retry of a failed delivery, the last repeating (plus up to a tenth of jitter).
WEBHOOK_RETRY_SECONDS = env_list("WEBHOOK_RETRY_SECONDS", "30,120,600,1800,3600,10800,21600,43200".split(","))
if not all(step.isdigit() for step in WEBHOOK_RETRY_SECONDS) or not WEBHOOK_RETRY_SECONDS:
    raise ImproperlyConfigured("WEBHOOK_RETRY_SECONDS must be whole seconds separated by commas, like 30,120,600")
WEBHOOK_RETRY_SECONDS = [int(step) for step in WEBHOOK_RETRY_SECONDS]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "accounts.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["privacy.ratelimit.ApiThrottle"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Voces API",
    "DESCRIPTION": (
        "Complaints filed on behalf of people (with their consent), survey responses, and their "
        "status; casework and the audit log for staff. Authenticate with a personal token: "
        "`Authorization: Bearer vcs_…`. Send an `Idempotency-Key` header with every POST. "
        'Errors are `{"error": {"code", "message", "fields"}}` in the language of '
        "`Accept-Language`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        # Complaint codes that several fields or components share (intake/api.py).
        "ComplaintStatusEnum": "intake.choices.Status",
        "ComplaintOutcomeEnum": "intake.choices.Outcome",
        "ComplaintChannelEnum": "intake.choices.Channel",
        "YesNoUnknownEnum": "intake.choices.YesNoUnknown",
        "ConsentMethodEnum": "intake.choices.ConsentMethod",
        "TimelineKindEnum": "intake.api.TIMELINE_KINDS",
        # Casework codes (cases/api.py), and the states' codes whose field name the checklist shares.
        "FootageStatusEnum": "cases.models.FootageRequest.Status",
        "RedactionStateEnum": "cases.models.RedactionItem.State",
        "UsStateEnum": "intake.choices.US_STATES",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
}

LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "surveys:work"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.logging.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own loggers go through the redacting handler too. Their request lines carry no
        # client address; keep it that way.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO" if DEBUG else "WARNING", "propagate": False},
        # The twilio library logs every request at INFO.
        "twilio": {"level": "WARNING"},
    },
}

# Public statistics: the daily release's kept versions (older ones are deleted).
TRANSPARENCY_RELEASES_KEPT = env_int("TRANSPARENCY_RELEASES_KEPT", 30)
# "month_end": a release counts what came in up to the end of the last whole month and is built
# once; "now": up to the moment, the day's release replaced (tests and demos).
TRANSPARENCY_DATA_THROUGH = env_str("TRANSPARENCY_DATA_THROUGH", "month_end")
if TRANSPARENCY_DATA_THROUGH not in ("month_end", "now"):
    raise ImproperlyConfigured("TRANSPARENCY_DATA_THROUGH is month_end or now")
