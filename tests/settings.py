"""Settings for the test suite: the real settings with a few test choices."""

import os
import tempfile

os.environ.setdefault(
    "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-test-data-")
)
os.environ.setdefault("ALLMENDE_SECRET_KEY", "test-secret-key-not-for-production")

from allmende.config.settings import *  # noqa: E402,F403
from allmende.config.settings import STORAGES  # noqa: E402

# Jobs run right after commit in the test's own thread, so a test can check
# their effect; tests of the thread and Celery paths choose those explicitly.
ALLMENDE_TASK_MODE = "sync"
ALLMENDE_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Links in mails and feeds use the configured address, as in production; the
# tests of the address taken from the request switch this on.
ALLMENDE_SITE_URL_FROM_REQUEST = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# A file, not SQLite's in-memory database: concurrency tests need the same
# locking (WAL, IMMEDIATE transactions, busy timeout) as the embedded default.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(DATA_DIR / "test.sqlite3")  # noqa: F405
    }
else:
    # Each run its own database, so two checkouts on one machine can test at
    # the same time against the same server.
    DATABASES["default"]["TEST"] = {"NAME": f"test_allmende_{os.getpid()}"}  # noqa: F405
    # A test database is thrown away at the end: its commits need not wait
    # for the disk (transactional and browser tests commit for every step).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c synchronous_commit=off"
    )
    # A stand-in for a read replica (tests/core/test_replicas.py points it at
    # a copy of the test database); unused unless ALLMENDE_DATABASE_REPLICAS
    # names it.
    DATABASES["replica_test"] = {  # noqa: F405
        **DATABASES["default"],  # noqa: F405
        "TEST": {"MIRROR": "default"},
    }
