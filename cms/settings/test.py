"""Test settings: fast hashing, in-memory mail, the database named by DATABASE_URL,
and every file the tests write (media, static, objects, dev PKI) under a fresh
temporary directory."""

import tempfile
from pathlib import Path

from cms import env

from .base import *  # noqa: F403
from .base import VAR_DIR

SECRET_KEY = env.secret_key(fallback="test-only-secret-key")
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

_TMP = Path(tempfile.mkdtemp(prefix="hoso-test-"))
STORAGES, MEDIA_ROOT, STATIC_ROOT, OBJECT_STORE = env.storage_settings(
    var_dir=_TMP, manifest_static=False
)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The dev PKI's certificates point to its CRL and OCSP responder: on a free port of
# this run, where devservices' `dev_pki_server` fixture serves them over HTTP.
SIGNING = env.signing_settings(var_dir=_TMP, dev_pki_url=f"http://127.0.0.1:{env.free_port()}/pki")

DATABASES = {
    "default": env.database_settings(var_dir=VAR_DIR, sqlite_test_name=_TMP / "test.sqlite3")
}

# Other apps' tests log principals in without a second factor; tests/security enforces it.
ACCOUNTS = env.accounts_settings(two_factor_enforced=False)

# Tasks run where they are enqueued; tests of the queue itself switch to the database.
# A record type declared outside the product (tests/recordtype_example): the proof that
# a new type needs its page class and declaration, no change in workflow, archive or search.
from .base import INSTALLED_APPS  # noqa: E402
from .tasks import IMMEDIATE_TASKS as TASKS  # noqa: E402, F401

INSTALLED_APPS = [*INSTALLED_APPS, "tests.recordtype_example"]
