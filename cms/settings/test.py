"""Test settings: fast hashing, in-memory mail, the database named by DATABASE_URL."""

import tempfile
from pathlib import Path

from cms.env import env_str

from .base import *  # noqa: F403
from .base import OBJECT_STORE, SIGNING, STORAGES

SECRET_KEY = env_str("SECRET_KEY", "test-only-secret-key")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
_TMP = tempfile.mkdtemp(prefix="hoso-test-")
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "cms.storage.MediaStorage",
        "OPTIONS": {"location": f"{_TMP}/media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = f"{_TMP}/media"
OBJECT_STORE = {**OBJECT_STORE, "LOCAL_ROOT": f"{_TMP}/objects"}
SIGNING = {**SIGNING, "DEV_PKI_DIR": f"{_TMP}/dev-pki"}
STATIC_ROOT = f"{_TMP}/static"
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)

from .base import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared-cache memory: concurrent writers must queue on the busy
    # timeout as they do in production, not fail on shared-cache table locks.
    DATABASES["default"]["TEST"] = {"NAME": f"{_TMP}/test.sqlite3"}

from .base import ACCOUNTS  # noqa: E402

# Other apps' tests log principals in without a second factor; tests/security enforces it.
ACCOUNTS = {**ACCOUNTS, "TWO_FACTOR_ENFORCED": False}

# Tasks run where they are enqueued; tests of the queue itself switch to the database.
from .tasks import IMMEDIATE_TASKS as TASKS  # noqa: E402, F401
