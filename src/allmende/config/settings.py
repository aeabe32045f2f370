"""Allmende settings, read from the environment.

Every setting has a default that suits the embedded deployment (SQLite, in-process
jobs, local files), so a fresh checkout runs with no variables at all. Production
switches each integration on by configuration: ``DATABASE_URL``, ``REDIS_URL``,
``ALLMENDE_S3_BUCKET`` and so on. The README lists every variable.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

env = environ.Env()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# The repository root in a source checkout (src/allmende/config -> repo).
BASE_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(env.str("ALLMENDE_DATA_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("ALLMENDE_DEBUG", default=False)
# With DEBUG, missing pages and errors still show the platform's own pages unless
# this asks for Django's technical pages (URL list, traceback).
ALLMENDE_DEBUG_TECHNICAL_PAGES = env.bool(
    "ALLMENDE_DEBUG_TECHNICAL_PAGES", default=False
)
SECRET_KEY_FILE = DATA_DIR / "secret_key"


def _secret_key() -> str:
    """Take the key from the environment, or keep one in the data folder.

    The embedded deployment must not need any variable, yet a key hard-coded in
    the source would be public. A random key written once to the data folder is
    private to that installation and survives restarts.
    """
    key = str(env.str("ALLMENDE_SECRET_KEY", default=""))
    if key:
        return key
    from django.core.management.utils import get_random_secret_key

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    try:
        return str(SECRET_KEY_FILE.read_text().strip())
    except FileNotFoundError:
        key = get_random_secret_key()
        SECRET_KEY_FILE.write_text(key)
        SECRET_KEY_FILE.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list(
    "ALLMENDE_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("ALLMENDE_CSRF_TRUSTED_ORIGINS", default=[])
# Links that leave a page (mails, feeds, RDF) start with ALLMENDE_SITE_URL; without
# it, with the address each request came to (see allmende.core.site).
SITE_URL = env.str("ALLMENDE_SITE_URL", default="").rstrip("/")
ALLMENDE_SITE_URL_FROM_REQUEST = not SITE_URL
SITE_URL = SITE_URL or "http://127.0.0.1:8000"
SITE_NAME = env.str("ALLMENDE_SITE_NAME", default="Allmende")

INSTALLED_APPS = [
    "allmende.core",
    "allmende.accounts",
    "allmende.organizations",
    "allmende.events",
    "allmende.programmes",
    "allmende.catalog",
    "allmende.ckan",
    "allmende.harvest",
    "allmende.legal",
    "allmende.knowledge",
    "allmende.notifications",
    "allmende.campaigns",
    "allmende.helpdesk",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

# A refused form (stale or missing CSRF token) gets the designed 403 page.
CSRF_FAILURE_VIEW = "allmende.core.views.csrf_failure"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "allmende.core.replicas.ReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "allmende.core.middleware.DesignedErrorPagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "allmende.core.site.SiteUrlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allmende.accounts.middleware.StaffTwoFactorMiddleware",
    "allmende.legal.middleware.PrivacyNoticeMiddleware",
    "allmende.notifications.middleware.MarkReadOnViewMiddleware",
    "allmende.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "allmende.config.urls"
WSGI_APPLICATION = "allmende.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "allmende.core.context_processors.site",
                "allmende.core.context_processors.navigation",
                "allmende.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'allmende.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE transactions take
    # the write lock up front, so concurrent writers queue instead of failing
    # with "database is locked" half-way through a transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON;"
            ),
        }
    )
# Keep connections between requests (opening one costs more than most queries).
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# Read replicas of PostgreSQL (comma-separated addresses, same form as
# DATABASE_URL): anonymous page views and the JSON API read from them; writes,
# signed-in people and anyone who wrote in the last
# ALLMENDE_REPLICA_PIN_SECONDS stay on the primary (see allmende.core.replicas).
ALLMENDE_DATABASE_REPLICAS: list[str] = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), 1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = environ.Env.db_url_config(_url)
    DATABASES[_alias].setdefault("CONN_MAX_AGE", 60)
    DATABASES[_alias].setdefault("CONN_HEALTH_CHECKS", True)
    # Tests use the primary's test database for every replica.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    ALLMENDE_DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["allmende.core.replicas.ReplicaRouter"]
ALLMENDE_REPLICA_PIN_SECONDS = env.int("ALLMENDE_REPLICA_PIN_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, background jobs --------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# "celery": jobs go to the broker and a worker runs them.
# "thread": jobs run in a thread of the web process (embedded default).
# "sync": jobs run at once in the caller, after commit (tests).
ALLMENDE_TASK_MODE = env.str(
    "ALLMENDE_TASK_MODE", default="celery" if REDIS_URL else "thread"
)
# Loads of data files take memory and CPU for as long as they run: they
# have their own queue, and at most this many run at a time in the web
# process (thread mode); a Celery worker runs them on the "loads" queue.
ALLMENDE_MAX_CONCURRENT_LOADS = env.int("ALLMENDE_MAX_CONCURRENT_LOADS", default=1)
# Three queues, so that a long load never delays a mail: "loads" (data files),
# "mail" (every outgoing message) and "celery" (everything else). Threads of
# each queue in thread mode; a Celery worker takes the queues it is told to.
ALLMENDE_JOB_THREADS = {
    "celery": 2,
    "mail": 1,
    "loads": max(1, ALLMENDE_MAX_CONCURRENT_LOADS),
}
CELERY_TASK_ROUTES = {
    "catalog.ingest_version": {"queue": "loads"},
    "core.send_email": {"queue": "mail"},
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
# A load that runs longer than this is stopped (soft limit: it fails with a
# message; the hard limit, a minute later, ends the process that runs it).
ALLMENDE_LOAD_TIME_LIMIT_SECONDS = env.int(
    "ALLMENDE_LOAD_TIME_LIMIT_SECONDS", default=2 * 60 * 60
)
# Every other job gets this long.
ALLMENDE_JOB_TIME_LIMIT_SECONDS = env.int(
    "ALLMENDE_JOB_TIME_LIMIT_SECONDS", default=30 * 60
)
# A running load writes a heartbeat every ALLMENDE_LOAD_HEARTBEAT_SECONDS; one
# with no heartbeat for ALLMENDE_LOAD_STALE_SECONDS lost its worker (killed,
# out of memory, node gone) and is queued again, at most
# ALLMENDE_LOAD_MAX_ATTEMPTS times in all, then failed with a message.
ALLMENDE_LOAD_HEARTBEAT_SECONDS = env.float(
    "ALLMENDE_LOAD_HEARTBEAT_SECONDS", default=15.0
)
ALLMENDE_LOAD_STALE_SECONDS = env.float("ALLMENDE_LOAD_STALE_SECONDS", default=120.0)
ALLMENDE_LOAD_MAX_ATTEMPTS = env.int("ALLMENDE_LOAD_MAX_ATTEMPTS", default=3)
# A queued load whose job has not started for this long is queued again (its
# job may have been lost with a restarted web process in thread mode).
ALLMENDE_LOAD_REQUEUE_SECONDS = env.float(
    "ALLMENDE_LOAD_REQUEUE_SECONDS", default=30 * 60.0
)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A job is taken off the queue only when it is done; if the process running it
# dies (SIGKILL, out of memory), the job goes back to the queue.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = ALLMENDE_JOB_TIME_LIMIT_SECONDS
CELERY_TASK_TIME_LIMIT = ALLMENDE_JOB_TIME_LIMIT_SECONDS + 60
# Longer limits of loads and harvests, and the broker's visibility timeout:
# see "Job limits" at the end.
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery beat keeps its schedule in memory (never a file in the current
# folder); of several running "allmende worker --beat", only the holder of a
# lock in Redis schedules. It renews the lock every third of its lifetime; when
# it dies, another takes over once the lock has expired.
CELERY_BEAT_SCHEDULER = "allmende.core.beat:SingleBeatScheduler"
ALLMENDE_BEAT_LOCK_SECONDS = env.float("ALLMENDE_BEAT_LOCK_SECONDS", default=30.0)
# /-/health reports a worker queue or the scheduler as late when its last
# heartbeat is older than this (Celery mode only).
ALLMENDE_HEALTH_HEARTBEAT_SECONDS = env.int(
    "ALLMENDE_HEALTH_HEARTBEAT_SECONDS", default=180
)

# --- Files -----------------------------------------------------------------
MEDIA_ROOT = Path(env.str("ALLMENDE_MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env.str("ALLMENDE_STATIC_ROOT", default=str(DATA_DIR / "static")))
STATIC_URL = "/static/"
S3_BUCKET = env.str("ALLMENDE_S3_BUCKET", default="")
# Originals of datasets: never under MEDIA_URL, handed out only by views that
# check permission (locally a folder outside the media root, in S3 a prefix
# reached only through signed addresses that expire).
PRIVATE_ROOT = Path(env.str("ALLMENDE_PRIVATE_ROOT", default=str(DATA_DIR / "private")))
S3_SIGNED_SECONDS = env.int("ALLMENDE_S3_SIGNED_SECONDS", default=300)
if S3_BUCKET:
    s3_options = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env.str("ALLMENDE_S3_ENDPOINT_URL", default=None),
        "access_key": env.str("ALLMENDE_S3_ACCESS_KEY", default=None),
        "secret_key": env.str("ALLMENDE_S3_SECRET_KEY", default=None),
        "region_name": env.str("ALLMENDE_S3_REGION", default=None),
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_options,
    }
    private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **s3_options,
            "location": "private",
            "querystring_expire": S3_SIGNED_SECONDS,
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    }
STORAGES = {
    "default": default_storage,
    "private": private_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
ALLMENDE_MAX_LOGO_BYTES = env.int("ALLMENDE_MAX_LOGO_BYTES", default=2 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Mail ------------------------------------------------------------------
# Every message goes through a background job: EMAIL_BACKEND queues, and the job
# hands the message to ALLMENDE_EMAIL_DELIVERY_BACKEND.
EMAIL_BACKEND = "allmende.core.mail.QueuedEmailBackend"
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    _email = env.email_url("EMAIL_URL")
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
    ALLMENDE_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    ALLMENDE_EMAIL_DELIVERY_BACKEND = "allmende.core.mail.ConsoleAndFileBackend"
EMAIL_FILE_PATH = Path(
    env.str("ALLMENDE_EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))
)
DEFAULT_FROM_EMAIL = env.str(
    "ALLMENDE_DEFAULT_FROM_EMAIL", default="Allmende <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Notifications by e-mail: an immediate mail waits this long (and is dropped if
# the notification was read in the app meanwhile); summaries go out daily at
# the time and weekly on the weekday given (in the platform's time zone).
ALLMENDE_NOTIFY_EMAIL_DELAY_SECONDS = env.int(
    "ALLMENDE_NOTIFY_EMAIL_DELAY_SECONDS", default=120
)
ALLMENDE_NOTIFY_DIGEST_TIME = env.str("ALLMENDE_NOTIFY_DIGEST_TIME", default="07:00")
ALLMENDE_NOTIFY_DIGEST_WEEKDAY = env.str(
    "ALLMENDE_NOTIFY_DIGEST_WEEKDAY", default="monday"
)

# --- Helpdesk mail intake ------------------------------------------------------
# Mailboxes the helpdesk reads, comma-separated IMAP addresses (see README):
# imaps://user:password@host:993/INBOX?processed=Processed&name=hilfe
ALLMENDE_HELPDESK_IMAP_URLS = env.list("ALLMENDE_HELPDESK_IMAP_URLS", default=[])
# The helpdesk's own addresses: a reply to ``local+TOKEN@domain`` of one of them
# carries the token of its ticket.
ALLMENDE_HELPDESK_ADDRESSES = env.list("ALLMENDE_HELPDESK_ADDRESSES", default=[])
# Mails larger than this (from the size the IMAP server tells) are not
# downloaded; the sender gets a notice instead.
ALLMENDE_HELPDESK_MAIL_MAX_BYTES = env.int(
    "ALLMENDE_HELPDESK_MAIL_MAX_BYTES", default=25 * 1024 * 1024
)

# --- Accounts ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:dashboard"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Allmende] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_ADAPTER = "allmende.accounts.adapters.AccountAdapter"
# Sign-up asks to accept the privacy notice and records its version.
ACCOUNT_SIGNUP_FORM_CLASS = "allmende.legal.forms.PrivacyNoticeSignupForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Mail that an anonymous visitor can ask for (sign-up, password reset, guest
# registration) is limited per client and per receiving address, per hour, and
# goes out once per address and purpose while a confirmation is pending (see
# allmende.core.ratelimit).
ALLMENDE_MAIL_RATE_PER_CLIENT = env.int("ALLMENDE_MAIL_RATE_PER_CLIENT", default=20)
ALLMENDE_MAIL_RATE_PER_ADDRESS = env.int("ALLMENDE_MAIL_RATE_PER_ADDRESS", default=5)
ALLMENDE_CONFIRMATION_RESEND_MINUTES = env.int(
    "ALLMENDE_CONFIRMATION_RESEND_MINUTES", default=15
)
# Signatures of campaigns: attempts per client (by the keyed hash of its address)
# and per e-mail domain, per hour; unconfirmed signatures are deleted after
# this many days.
ALLMENDE_CAMPAIGN_RATE_PER_CLIENT = env.int(
    "ALLMENDE_CAMPAIGN_RATE_PER_CLIENT", default=20
)
ALLMENDE_CAMPAIGN_RATE_PER_DOMAIN = env.int(
    "ALLMENDE_CAMPAIGN_RATE_PER_DOMAIN", default=500
)
ALLMENDE_CAMPAIGN_UNCONFIRMED_DAYS = env.int(
    "ALLMENDE_CAMPAIGN_UNCONFIRMED_DAYS", default=7
)
# Days after a campaign closes until its signers' names, addresses and
# postcodes are removed (the signatures still count).
ALLMENDE_CAMPAIGN_RETENTION_DAYS = env.int(
    "ALLMENDE_CAMPAIGN_RETENTION_DAYS", default=365
)
# Reverse proxies in front of the platform that append to X-Forwarded-For.
# The helpdesk: its address (replies go out from <local>+<token>@<domain>;
# empty: the address of DEFAULT_FROM_EMAIL), the days a ticket waits for the
# asker before it is resolved (0: never) and the largest file a person may
# attach on the web.
ALLMENDE_HELPDESK_ADDRESS = env.str("ALLMENDE_HELPDESK_ADDRESS", default="")
ALLMENDE_HELPDESK_AUTO_RESOLVE_DAYS = env.int(
    "ALLMENDE_HELPDESK_AUTO_RESOLVE_DAYS", default=14
)
ALLMENDE_HELPDESK_MAX_ATTACHMENT_BYTES = env.int(
    "ALLMENDE_HELPDESK_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024
)
ALLMENDE_TRUSTED_PROXY_COUNT = env.int("ALLMENDE_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = ALLMENDE_TRUSTED_PROXY_COUNT
ACCOUNT_RATE_LIMITS = {
    "confirm_email": f"1/{ALLMENDE_CONFIRMATION_RESEND_MINUTES * 60}s/key"
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
OIDC_SERVER_URL = env.str("ALLMENDE_OIDC_SERVER_URL", default="")
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "oidc",
                "name": env.str("ALLMENDE_OIDC_NAME", default="Single sign-on"),
                "client_id": env.str("ALLMENDE_OIDC_CLIENT_ID"),
                "secret": env.str("ALLMENDE_OIDC_CLIENT_SECRET"),
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ]
    }

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env.str("ALLMENDE_TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security ----------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("ALLMENDE_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("ALLMENDE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("ALLMENDE_BEHIND_PROXY", default=False)
    else None
)
SECURE_HSTS_SECONDS = env.int("ALLMENDE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("ALLMENDE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = env.list("ALLMENDE_SILENCED_SYSTEM_CHECKS", default=[])

# --- Platform ------------------------------------------------------------------
# Map tiles come only from a server the operator names; with none the directory
# shows a list instead of a map. Example: https://tiles.example.org/{z}/{x}/{y}.png
ALLMENDE_MAP_TILE_URL = env.str("ALLMENDE_MAP_TILE_URL", default="")

# How often an open page asks for the header's unread count (also on focus).
ALLMENDE_NOTIFY_BELL_SECONDS = env.int("ALLMENDE_NOTIFY_BELL_SECONDS", default=60)
ALLMENDE_MAP_ATTRIBUTION = env.str(
    "ALLMENDE_MAP_ATTRIBUTION", default="© OpenStreetMap contributors"
)
ALLMENDE_INVITATION_DAYS = env.int("ALLMENDE_INVITATION_DAYS", default=14)
ALLMENDE_DIRECTORY_PAGE_SIZE = 25
# Reminders before each event, in minutes (an event can choose its own).
ALLMENDE_EVENT_REMINDER_MINUTES = env.list(
    "ALLMENDE_EVENT_REMINDER_MINUTES", cast=int, default=[24 * 60, 60]
)
ALLMENDE_EVENTS_PAGE_SIZE = 20
# Periodic jobs (see allmende.core.scheduler) run in a thread of the web process
# in the embedded deployment; set to false where cron or Celery beat runs them.
ALLMENDE_SCHEDULER_THREAD = env.bool("ALLMENDE_SCHEDULER_THREAD", default=True)
# Uploads to the data catalog larger than this are refused before they are read.
ALLMENDE_MAX_UPLOAD_BYTES = env.int(
    "ALLMENDE_MAX_UPLOAD_BYTES", default=200 * 1024 * 1024
)
ALLMENDE_CATALOG_PAGE_SIZE = 20
# Read-only SQL over a table (API, CKAN, resource page): each query runs in one
# of ALLMENDE_SQL_WORKERS worker processes, stopped after the timeout, with
# the worker's memory limited by the operating system; the answer is limited
# in rows and bytes, and a client runs at most ALLMENDE_SQL_PER_CLIENT at once.
ALLMENDE_SQL_TIMEOUT_SECONDS = env.float("ALLMENDE_SQL_TIMEOUT_SECONDS", default=5.0)
ALLMENDE_SQL_MEMORY_BYTES = env.int(
    "ALLMENDE_SQL_MEMORY_BYTES", default=512 * 1024 * 1024
)
ALLMENDE_SQL_MAX_RESULT_BYTES = env.int(
    "ALLMENDE_SQL_MAX_RESULT_BYTES", default=10 * 1000 * 1000
)
ALLMENDE_SQL_MAX_ROWS = env.int("ALLMENDE_SQL_MAX_ROWS", default=1000)
ALLMENDE_SQL_WORKERS = env.int("ALLMENDE_SQL_WORKERS", default=2)
ALLMENDE_SQL_PER_CLIENT = env.int("ALLMENDE_SQL_PER_CLIENT", default=2)
# Dataset tables (see allmende/catalog/tablestore.py). With S3 every load is
# kept in the bucket under this prefix, and each node reads from a cache of at
# most ALLMENDE_TABLE_CACHE_BYTES in ALLMENDE_TABLE_CACHE_DIR (by default
# DATA_DIR/table-cache); without S3 tables are kept in DATA_DIR/tables.
ALLMENDE_S3_TABLES_PREFIX = env.str("ALLMENDE_S3_TABLES_PREFIX", default="tables")
ALLMENDE_TABLE_CACHE_DIR = env.str("ALLMENDE_TABLE_CACHE_DIR", default="")
ALLMENDE_TABLE_CACHE_BYTES = env.int(
    "ALLMENDE_TABLE_CACHE_BYTES", default=20 * 1024 * 1024 * 1024
)
# How often each web node removes cached builds that are no longer served.
ALLMENDE_TABLE_CACHE_SWEEP_SECONDS = env.int(
    "ALLMENDE_TABLE_CACHE_SWEEP_SECONDS", default=300
)
# Tables each process keeps open (DuckDB connections); more are closed.
ALLMENDE_TABLES_OPEN = env.int("ALLMENDE_TABLES_OPEN", default=32)
# Linked files and harvest sources are fetched only from public addresses unless
# this is set (for an intranet installation that links to its own servers).
ALLMENDE_FETCH_PRIVATE_ADDRESSES = env.bool(
    "ALLMENDE_FETCH_PRIVATE_ADDRESSES", default=False
)
# The catalog's DCAT-AP.de contributor (a URI or a code of
# http://dcat-ap.de/def/contributors/); without it there is no dcatde:contributorID.
ALLMENDE_DCAT_CONTRIBUTOR_ID = env.str("ALLMENDE_DCAT_CONTRIBUTOR_ID", default="")
# Datasets per page of /catalog.ttl and its siblings.
ALLMENDE_DCAT_PAGE_SIZE = env.int("ALLMENDE_DCAT_PAGE_SIZE", default=100)
# Harvesting other catalogs: how long to wait for an answer (seconds), the
# largest answer read (bytes), and the datasets asked for per CKAN request.
ALLMENDE_HARVEST_TIMEOUT = env.float("ALLMENDE_HARVEST_TIMEOUT", default=30.0)
ALLMENDE_HARVEST_MAX_BYTES = env.int(
    "ALLMENDE_HARVEST_MAX_BYTES", default=50 * 1024 * 1024
)
ALLMENDE_HARVEST_CKAN_ROWS = 100
# The longest a whole harvest run may spend reading from the source (seconds).
ALLMENDE_HARVEST_TOTAL_SECONDS = env.float(
    "ALLMENDE_HARVEST_TOTAL_SECONDS", default=3600.0
)
# A run that has shown no progress for this long counts as interrupted.
ALLMENDE_HARVEST_STALE_MINUTES = 30
# The tool directory's maintenance check: how often each tool's addresses and
# its last release or commit are fetched again (days), the time limit of one
# request (seconds), and after how many months without a release or commit a
# tool counts as unmaintained.
ALLMENDE_KNOWLEDGE_CHECK_DAYS = env.float("ALLMENDE_KNOWLEDGE_CHECK_DAYS", default=7.0)
ALLMENDE_KNOWLEDGE_CHECK_TIMEOUT = env.float(
    "ALLMENDE_KNOWLEDGE_CHECK_TIMEOUT", default=15.0
)
# Tools checked at the same time (never two requests at once to one host).
ALLMENDE_KNOWLEDGE_CHECK_CONCURRENCY = env.int(
    "ALLMENDE_KNOWLEDGE_CHECK_CONCURRENCY", default=4
)
ALLMENDE_KNOWLEDGE_UNMAINTAINED_MONTHS = env.float(
    "ALLMENDE_KNOWLEDGE_UNMAINTAINED_MONTHS", default=12.0
)
ALLMENDE_KNOWLEDGE_PAGE_SIZE = 24
# Provisioning webhooks: attempts per delivery and the first pause between
# them in seconds (doubled after each failure).
ALLMENDE_KNOWLEDGE_WEBHOOK_ATTEMPTS = env.int(
    "ALLMENDE_KNOWLEDGE_WEBHOOK_ATTEMPTS", default=5
)
ALLMENDE_KNOWLEDGE_WEBHOOK_BACKOFF = env.float(
    "ALLMENDE_KNOWLEDGE_WEBHOOK_BACKOFF", default=2.0
)
# A published guide page is due for review this many months after its check.
ALLMENDE_KNOWLEDGE_REVIEW_MONTHS = env.float(
    "ALLMENDE_KNOWLEDGE_REVIEW_MONTHS", default=12.0
)
# Git forges whose public API tells the date of a tool's last release or
# commit: host of the source address -> (kind, API base). More GitLab or
# Gitea/Forgejo hosts are added with ALLMENDE_KNOWLEDGE_FORGES, e.g.
# "git.example.org=gitlab,code.example.org=gitea".
ALLMENDE_KNOWLEDGE_FORGE_HOSTS: dict[str, tuple[str, str]] = {
    "github.com": ("github", "https://api.github.com"),
    "gitlab.com": ("gitlab", "https://gitlab.com/api/v4"),
    "gitlab.opencode.de": ("gitlab", "https://gitlab.opencode.de/api/v4"),
    "framagit.org": ("gitlab", "https://framagit.org/api/v4"),
    "salsa.debian.org": ("gitlab", "https://salsa.debian.org/api/v4"),
    "codeberg.org": ("gitea", "https://codeberg.org/api/v1"),
    "gitea.com": ("gitea", "https://gitea.com/api/v1"),
}
# A GitHub token (no scopes needed) raises GitHub's limit for the check from
# 60 to 5,000 requests an hour.
ALLMENDE_KNOWLEDGE_GITHUB_TOKEN = env.str("ALLMENDE_KNOWLEDGE_GITHUB_TOKEN", default="")
_FORGE_API_PATHS = {"gitlab": "/api/v4", "gitea": "/api/v1"}
for _pair in env.list("ALLMENDE_KNOWLEDGE_FORGES", default=[]):
    _host, _, _kind = _pair.partition("=")
    if _kind.strip() in _FORGE_API_PATHS:
        ALLMENDE_KNOWLEDGE_FORGE_HOSTS[_host.strip().lower()] = (
            _kind.strip(),
            f"https://{_host.strip().lower()}{_FORGE_API_PATHS[_kind.strip()]}",
        )

# --- Job limits -----------------------------------------------------------------
# Loads and harvest runs may take longer than other jobs.
_long_jobs = {
    "catalog.ingest_version": ALLMENDE_LOAD_TIME_LIMIT_SECONDS,
    "harvest.run": int(ALLMENDE_HARVEST_TOTAL_SECONDS) + 10 * 60,
}
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": seconds, "time_limit": seconds + 60}
    for name, seconds in _long_jobs.items()
}
# Redis hands a job that was taken but not acknowledged to another worker after
# this long: it must be longer than the longest job, or a load still running
# would start a second time elsewhere.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(ALLMENDE_JOB_TIME_LIMIT_SECONDS, *_long_jobs.values())
    + 30 * 60
}

_loggers: dict[str, dict[str, str]] = {"django.db.backends": {"level": "INFO"}}
if ALLMENDE_TASK_MODE != "celery":
    # Jobs run in this process through Celery's apply(), which logs a line for
    # every job (each mail, each periodic job every minute); only failures count.
    _loggers["celery.app.trace"] = {"level": "WARNING"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("ALLMENDE_LOG_LEVEL", "INFO")},
    "loggers": _loggers,
}
