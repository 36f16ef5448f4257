"""Settings shared by every environment, assembled by concern.

Each concern that reads the environment is built once by its builder in cms/env.py;
dev.py, test.py and production.py change one by calling its builder again with one
override (`production=True`, a temporary directory), never by editing the dicts.
"""

from __future__ import annotations

from pathlib import Path

import csp.constants as csp

from cms import env
from cms.settings.tasks import TASK_APPS, TASKS  # noqa: F401  (TASKS is a setting)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = env.var_dir(BASE_DIR)

SECRET_KEY = env.secret_key()
DEBUG = False
ALLOWED_HOSTS = env.allowed_hosts()
CSRF_TRUSTED_ORIGINS = env.csrf_trusted_origins(hosts=ALLOWED_HOSTS)

INSTALLED_APPS = [
    "accounts",
    "recordpages",
    "workflow",
    "search",
    "archive",
    "signatures",
    "imports",
    "intake",
    "reports",
    "cms",
    "pagecache",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    *TASK_APPS,
]

MIDDLEWARE = [
    # What each response cost the server, in a header read by benchmarks/journey.py.
    *(["cms.middleware.ServerTimingMiddleware"] if env.env_bool("HOSO_SERVER_TIMING") else []),
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Database down or disk full while a view runs: the Vietnamese 503 page (cms/faults.py).
    "cms.middleware.FaultPageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and auth: an anonymous hit costs one cache read (pagecache/).
    "pagecache.middleware.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionExpiryMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.AccessGateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "recordpages.middleware.DisabledAdminAreasMiddleware",
    "recordpages.middleware.ScopedPageChooserMiddleware",
    # The editor's save (revision, state row, audit entry) is one transaction.
    "workflow.middleware.AtomicRecordSaveMiddleware",
    "workflow.middleware.RefusedAccessAuditMiddleware",
    # Last, so that it turns a lockout into the login page with the reason.
    "axes.middleware.AxesMiddleware",
]

# The lockout backend first: it refuses a locked account or address before any password check.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "accounts.backends.PermissionsBackend",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# SQLite under var/ unless DATABASE_URL points elsewhere (PostgreSQL in production).
DATABASES = {"default": env.database_settings(var_dir=VAR_DIR)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Vietnamese first: the admin and the public pages speak Vietnamese.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["cms.formats"]
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"  # strftime codes: Wagtail's date widgets parse with them
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Media and static files under var/; the signed archive's object store (the filesystem,
# or any S3 API when S3_ENDPOINT_URL is set).
STORAGES, MEDIA_ROOT, STATIC_ROOT, OBJECT_STORE = env.storage_settings(var_dir=VAR_DIR)
MEDIA_URL = "/media/"

WAGTAIL_SITE_NAME = "Hồ sơ chuyên môn điện tử"
WAGTAILADMIN_BASE_URL = env.admin_base_url()
WAGTAIL_I18N_ENABLED = False
# The FSM on each record is the one source of truth for approval (DESIGN.md).
WAGTAIL_WORKFLOW_ENABLED = False
WAGTAIL_MODERATION_ENABLED = False
# Review notes go through the workflow's own steps, each with its reason
# (workflow.actions); Wagtail's inline comments are drawn on no editor and cost a
# draft's save seven queries (the comment rows read four times, the writer's
# subscription written twice; issue 18).
WAGTAILADMIN_COMMENTS_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods"]
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- search ---
# The database backend, or Elasticsearch when ELASTICSEARCH_URL is set (search/).
HOSO_SEARCH = env.search_settings()

# --- signing ---
# All of the signing configuration (archive/signing/): a TEST-ONLY dev PKI by default, a
# PKCS#12 file per school or a PKCS#11 token in production (production.py refuses less).
SIGNING = env.signing_settings(var_dir=VAR_DIR)

# --- e-mail ---
# SMTP when EMAIL_HOST is set, else EMAIL_BACKEND (the console by default).
(
    EMAIL_BACKEND,
    EMAIL_HOST,
    EMAIL_PORT,
    EMAIL_HOST_USER,
    EMAIL_HOST_PASSWORD,
    EMAIL_USE_TLS,
) = env.email_settings()
DEFAULT_FROM_EMAIL = env.env_str("DEFAULT_FROM_EMAIL", "hoso@localhost")

LOGIN_URL = "wagtailadmin_login"
LOGIN_REDIRECT_URL = "wagtailadmin_home"
SESSION_COOKIE_AGE = env.env_int("SESSION_COOKIE_AGE", 8 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        # Wagtail logs every page created or edited; its own log entries keep that.
        "wagtail": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # accounts.signals logs each lockout event once.
        "axes": {"level": "WARNING"},
    },
}

# --- archive ---
# PDF/A rendering, signed-archive jobs, public verification and backups (archive/).
ARCHIVE = env.archive_settings(var_dir=VAR_DIR, public_base_url=WAGTAILADMIN_BASE_URL)

# --- accounts ---
# Login security (accounts/): lockout (django-axes), TOTP two-factor (django-otp), session
# limits, password rules, upload checks. Production forces TWO_FACTOR_ENFORCED on.
# The test settings turn enforcement off for other apps' tests (tests/security turns it on).
ACCOUNTS = env.accounts_settings()
# The one list in effect (accounts/passwords.py): Vietnamese messages, a length cap,
# character kinds and the name check that ignores diacritics.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "accounts.passwords.CharacterKindsValidator", "OPTIONS": {"min_kinds": 3}},
    {"NAME": "accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.FoldedNameValidator"},
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.NumericPasswordValidator"},
]
AXES_HANDLER = "accounts.lockout.AccountOrAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = env.lockout_hours()
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
WAGTAILDOCS_DOCUMENT_FORM_BASE = "accounts.uploads.SafeDocumentForm"
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {"WIDGET": "accounts.richtext.SafeDraftailRichTextArea"},
}

# --- imports/reports ---
# CSDL ngành import limits (imports/), and documents served only through Wagtail's view so
# that its before_serve_document hook can refuse anonymous visitors.
IMPORTS = env.imports_settings()
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# --- pagecache ---
# Rendered public pages for anonymous visitors (pagecache/), in a cache every gunicorn
# worker and host shares: the database unless CACHE_URL or REDIS_URL names a Redis server.
PAGECACHE, _pagecache_backend = env.pagecache_settings()
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pagecache": _pagecache_backend,
}

# Content-Security-Policy (django-csp), in every settings so that a breaking template shows
# in development first. Scripts only from our origin or with the per-request nonce (no
# inline handlers); Wagtail's admin sets style attributes, so styles allow inline. Frames
# only from our origin: Wagtail's preview panel frames the page being edited.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:", "blob:"],
        "font-src": [csp.SELF, "data:"],
        # The signing agent on the signer's PC (static/js/hoso-signing.js).
        "connect-src": [csp.SELF, SIGNING["AGENT_URL"]],
        "frame-src": [csp.SELF],
        "frame-ancestors": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
    },
}
# Avatars from gravatar.com would be a third-party image (and tell it who uses the admin).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
