"""Production: every secret and host comes from the environment; nothing is invented.

The builders of cms/env.py with `production=True` refuse (ImproperlyConfigured) a
missing or fake secret key, hosts, database, base URL or signing configuration.
"""

from cms import env

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False

SECRET_KEY = env.secret_key(production=True)
ALLOWED_HOSTS = env.allowed_hosts(production=True)
CSRF_TRUSTED_ORIGINS = env.csrf_trusted_origins(hosts=ALLOWED_HOSTS, production=True)
DATABASES = {"default": env.database_settings(var_dir=VAR_DIR, production=True)}
WAGTAILADMIN_BASE_URL = env.admin_base_url(production=True)
# Signed archives are signed by the school's real certificate and checked against real
# trust roots: the TEST-ONLY dev PKI is refused, and so is a missing key source.
SIGNING = env.signing_settings(var_dir=VAR_DIR, production=True)
# The address in every record's QR code and verification link is the site's own, not
# base.py's development default; a loopback address is refused (cms/addresses.py).
ARCHIVE = env.archive_settings(
    var_dir=VAR_DIR, public_base_url=WAGTAILADMIN_BASE_URL, production=True
)
# Two-factor is never optional in production; the reverse proxy adds one X-Forwarded-For hop.
ACCOUNTS = env.accounts_settings(two_factor_enforced=True, default_proxy_count=1)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's preview views set SAMEORIGIN themselves; nothing else is framed.
X_FRAME_OPTIONS = "DENY"
