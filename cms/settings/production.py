"""Production: every secret and host comes from the environment; nothing is invented."""

from django.core.exceptions import ImproperlyConfigured

from cms.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = False

SECRET_KEY = env_str("SECRET_KEY", required=True)
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-", "test-", "django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY must be a real secret of at least 50 characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS]
)

if not env_str("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL is required in production (PostgreSQL).")
# Persistent connections under gunicorn: opening one per request cost more than the
# request itself (public plan page 650 -> 1,480 req/s, benchmarks/load.py). Checked
# before reuse (CONN_HEALTH_CHECKS, base.py), so a database restart costs nothing.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 600)  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's preview views set SAMEORIGIN themselves; nothing else is framed.
X_FRAME_OPTIONS = "DENY"

if env_str("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", required=True)

# --- accounts ---
# Two-factor is never optional in production; the reverse proxy adds one X-Forwarded-For hop.
ACCOUNTS = {  # noqa: F405
    **ACCOUNTS,  # noqa: F405
    "TWO_FACTOR_ENFORCED": True,
    "TRUSTED_PROXY_COUNT": env_int("ACCOUNTS_TRUSTED_PROXY_COUNT", 1),
}

# --- archive ---
# Signed archives must be signed by the school's real certificate and checked against
# real trust roots: the TEST-ONLY dev PKI is refused, and so is a missing key source.
if SIGNING["BACKEND"] not in ("pkcs12", "pkcs11"):  # noqa: F405
    raise ImproperlyConfigured(
        "SIGNING_BACKEND must be 'pkcs12' or 'pkcs11' in production "
        f"(got {SIGNING['BACKEND']!r}; 'dev' is a TEST-ONLY certificate authority)."  # noqa: F405
    )
if SIGNING["BACKEND"] == "pkcs12" and not SIGNING["PKCS12_DIR"]:  # noqa: F405
    raise ImproperlyConfigured(
        "SIGNING_PKCS12_DIR is required with SIGNING_BACKEND=pkcs12 "
        "(a directory holding <school code>.p12 for each school)."
    )
if SIGNING["BACKEND"] == "pkcs11" and not SIGNING["PKCS11_MODULE"]:  # noqa: F405
    raise ImproperlyConfigured(
        "SIGNING_PKCS11_MODULE is required with SIGNING_BACKEND=pkcs11 "
        "(the path of the token's PKCS#11 library)."
    )
if not SIGNING["TRUST_ROOTS"]:  # noqa: F405
    raise ImproperlyConfigured(
        "SIGNING_TRUST_ROOTS is required in production: the PEM/DER file(s) of the "
        "certificate authorities that signatures are validated against, separated by ':'."
    )
