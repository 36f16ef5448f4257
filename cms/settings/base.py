"""Settings shared by every environment. Values come from the environment (cms.env)."""

from __future__ import annotations

from pathlib import Path

import csp.constants as csp
import dj_database_url

from cms.env import env_bool, env_int, env_list, env_str
from cms.settings.tasks import TASK_APPS, TASKS  # noqa: F401  (TASKS is a setting)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("HOSO_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts",
    "recordpages",
    "workflow",
    "search",
    "archive",
    "imports",
    "reports",
    "cms",
    "pagecache",
    "wagtail.contrib.forms",
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
    "django.contrib.auth.backends.ModelBackend",
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
# Health checks: a persistent connection cut by a database restart is replaced at the
# start of the next request instead of failing it (README, "Faults and recovery").
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the one writer work side by side under gunicorn workers.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            # Writers queue at BEGIN instead of failing mid-transaction: two
            # reviewers approving at once end as one approval and one refusal.
            "transaction_mode": "IMMEDIATE",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "cms.storage.MediaStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

WAGTAIL_SITE_NAME = "Hồ sơ chuyên môn điện tử"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# The FSM on each record is the one source of truth for approval (DESIGN.md).
WAGTAIL_WORKFLOW_ENABLED = False
WAGTAIL_MODERATION_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods"]
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Object storage: the filesystem by default, any S3 API when S3_ENDPOINT_URL is set.
OBJECT_STORE = {
    "ENDPOINT_URL": env_str("S3_ENDPOINT_URL"),
    "BUCKET": env_str("S3_BUCKET", "hoso-archive"),
    "ACCESS_KEY_ID": env_str("S3_ACCESS_KEY_ID"),
    "SECRET_ACCESS_KEY": env_str("S3_SECRET_ACCESS_KEY"),
    "REGION": env_str("S3_REGION", "us-east-1"),
    "LOCAL_ROOT": str(VAR_DIR / "objects"),
}

# Search: the database backend by default, Elasticsearch when ELASTICSEARCH_URL is set.
HOSO_SEARCH = {
    "BACKEND": "elasticsearch" if env_str("ELASTICSEARCH_URL") else "database",
    "ELASTICSEARCH_URL": env_str("ELASTICSEARCH_URL"),
    "INDEX_PREFIX": env_str("SEARCH_INDEX_PREFIX", "hoso"),
}

# Signing: a dev PKI by default (test only); a PKCS#12 file or PKCS#11 token in production.
SIGNING = {
    "BACKEND": env_str("SIGNING_BACKEND", "dev"),
    "PKCS12_DIR": env_str("SIGNING_PKCS12_DIR"),
    "PKCS12_PASSPHRASE": env_str("SIGNING_PKCS12_PASSPHRASE"),
    "PKCS11_MODULE": env_str("SIGNING_PKCS11_MODULE"),
    "TRUST_ROOTS": env_str("SIGNING_TRUST_ROOTS"),
    "TSA_URL": env_str("TSA_URL"),
    "DEV_PKI_DIR": str(VAR_DIR / "dev-pki"),
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hoso@localhost")

LOGIN_URL = "wagtailadmin_login"
LOGIN_REDIRECT_URL = "wagtailadmin_home"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        # Wagtail logs every page created or edited; its own log entries keep that.
        "wagtail": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- archive ---
# PDF/A rendering, signed-archive jobs and backups (archive/). Fonts: Debian fonts-noto-core.
ARCHIVE = {
    "PDF_VARIANT": env_str("ARCHIVE_PDF_VARIANT", "pdf/a-2u"),
    "FONT_DIR": env_str("ARCHIVE_FONT_DIR", "/usr/share/fonts/truetype/noto"),
    "PUBLIC_BASE_URL": env_str("ARCHIVE_PUBLIC_BASE_URL", WAGTAILADMIN_BASE_URL),
    "OBJECT_LOCK_MODE": env_str("ARCHIVE_OBJECT_LOCK_MODE", "GOVERNANCE"),
    "OBJECT_LOCK_DAYS": env_int("ARCHIVE_OBJECT_LOCK_DAYS", 3650),
    "JOB_BACKOFF_SECONDS": env_int("ARCHIVE_JOB_BACKOFF_SECONDS", 30),
    "JOB_BACKOFF_MAX_SECONDS": env_int("ARCHIVE_JOB_BACKOFF_MAX_SECONDS", 3600),
    # Public verification (/xac-thuc/), open to anyone: a record's PDF is under 5 MB, so
    # 10 MB leaves room and refuses (413, before the body is read) what is not one;
    # a PDF past the signature/revision/object counts or the seconds is "too complex";
    # uploads per address per window, counted in the shared cache (the page cache's).
    "UPLOAD_MAX_BYTES": env_int("ARCHIVE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
    "VERIFY_MAX_SIGNATURES": env_int("ARCHIVE_VERIFY_MAX_SIGNATURES", 8),
    "VERIFY_MAX_REVISIONS": env_int("ARCHIVE_VERIFY_MAX_REVISIONS", 16),
    "VERIFY_MAX_OBJECTS": env_int("ARCHIVE_VERIFY_MAX_OBJECTS", 100_000),
    "VERIFY_MAX_SECONDS": env_int("ARCHIVE_VERIFY_MAX_SECONDS", 5),
    "VERIFY_UPLOADS_PER_WINDOW": env_int("ARCHIVE_VERIFY_UPLOADS_PER_WINDOW", 10),
    "VERIFY_CODES_PER_WINDOW": env_int("ARCHIVE_VERIFY_CODES_PER_WINDOW", 120),
    "VERIFY_WINDOW_SECONDS": env_int("ARCHIVE_VERIFY_WINDOW_SECONDS", 600),
    "THROTTLE_CACHE": env_str("ARCHIVE_THROTTLE_CACHE", "pagecache"),
    "BACKUP_DIR": env_str("ARCHIVE_BACKUP_DIR", str(VAR_DIR / "backups")),
    "PROCESSES": env_int("ARCHIVE_PROCESSES", 0),
    # SIGNING_BACKEND=pkcs11: which token, and its user PIN (else the token's own PIN pad).
    "PKCS11_TOKEN_LABEL": env_str("SIGNING_PKCS11_TOKEN_LABEL"),
    "PKCS11_PIN": env_str("SIGNING_PKCS11_PIN"),
}
# The search app links a hit to its signed PDF through this callable (search/links.py).
HOSO_SEARCH["SIGNED_PDF_URL"] = "archive.selectors.signed_pdf_url"

# --- search ---
# Index layout and client behaviour for Elasticsearch; SIGNED_PDF_URL is the dotted path of
# the archive's `(page_id, revision_id) -> url | None` (search.links), set in the archive block.
HOSO_SEARCH.update(
    {
        "NUMBER_OF_SHARDS": env_int("SEARCH_NUMBER_OF_SHARDS", 1),
        "NUMBER_OF_REPLICAS": env_int("SEARCH_NUMBER_OF_REPLICAS", 0),
        "TIMEOUT": env_int("SEARCH_TIMEOUT", 10),
    }
)

# --- accounts ---
# Login security (accounts/): lockout (django-axes), TOTP two-factor (django-otp), session
# limits, password rules, upload checks. Production forces TWO_FACTOR_ENFORCED on.
# The test settings turn enforcement off for other apps' tests (tests/security turns it on).
ACCOUNTS = {
    "TWO_FACTOR_ENFORCED": env_bool("ACCOUNTS_TWO_FACTOR_ENFORCED", True),
    # The district office resets principals' credentials: it needs the second factor too.
    "TWO_FACTOR_ROLES": ("principal", "sysadmin", "district_office"),
    "IDLE_TIMEOUT_SECONDS": env_int("ACCOUNTS_IDLE_TIMEOUT_SECONDS", 30 * 60),
    "ABSOLUTE_TIMEOUT_SECONDS": env_int("ACCOUNTS_ABSOLUTE_TIMEOUT_SECONDS", 8 * 3600),
    "FAILURE_LIMIT_PER_ACCOUNT": env_int("ACCOUNTS_FAILURE_LIMIT_PER_ACCOUNT", 5),
    "FAILURE_LIMIT_PER_ADDRESS": env_int("ACCOUNTS_FAILURE_LIMIT_PER_ADDRESS", 30),
    # How many reverse proxies of ours add X-Forwarded-For in front of gunicorn.
    "TRUSTED_PROXY_COUNT": env_int("ACCOUNTS_TRUSTED_PROXY_COUNT", 0),
    "UPLOAD_MAX_BYTES": env_int("ACCOUNTS_UPLOAD_MAX_BYTES", 50 * 1024 * 1024),
    "UPLOAD_MAX_UNPACKED_BYTES": env_int("ACCOUNTS_UPLOAD_MAX_UNPACKED_BYTES", 200 * 1024 * 1024),
    "UPLOAD_MAX_MEMBERS": env_int("ACCOUNTS_UPLOAD_MAX_MEMBERS", 5000),
}
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
AXES_COOLOFF_TIME = env_int("ACCOUNTS_LOCKOUT_MINUTES", 15) / 60  # hours
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
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # accounts.signals logs each event once

# --- imports/reports ---
# CSDL ngành import limits (imports/), and documents served only through Wagtail's view so
# that its before_serve_document hook can refuse anonymous visitors.
IMPORTS = {
    "MAX_BYTES": env_int("IMPORTS_MAX_BYTES", 10 * 1024 * 1024),
    "MAX_UNZIPPED_BYTES": env_int("IMPORTS_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024),
    "MAX_ROWS": env_int("IMPORTS_MAX_ROWS", 20000),
}
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# --- pagecache ---
# Rendered public pages for anonymous visitors (pagecache/), in a cache every gunicorn
# worker and host shares: the database (table created by `migrate`) unless CACHE_URL or
# REDIS_URL names a Redis server. Invalidated on publish/unpublish; TIMEOUT bounds the rest.
PAGECACHE = {
    "ENABLED": env_bool("PAGECACHE_ENABLED", True),
    "ALIAS": "pagecache",
    "TIMEOUT": env_int("PAGECACHE_TIMEOUT", 300),
    # Cache-Control max-age of the public pages (browsers and the reverse proxy).
    "MAX_AGE": env_int("PAGECACHE_MAX_AGE", 60),
    "EXCLUDED_PREFIXES": (
        "/admin/",
        "/django-admin/",
        "/documents/",
        "/api/",
        "/tim-kiem/",
        "/xac-thuc/",
        "/ke-hoach/",
        "/sitemap.xml",
        "/static/",
        "/media/",
    ),
}
_pagecache_url = env_str("CACHE_URL") or env_str("REDIS_URL")
if _pagecache_url:
    if not _pagecache_url.startswith(("redis://", "rediss://", "unix://")):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("CACHE_URL/REDIS_URL must be a redis:// or rediss:// URL.")
    _pagecache_backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _pagecache_url,
        "KEY_PREFIX": "hoso",
        "TIMEOUT": PAGECACHE["TIMEOUT"],
    }
else:
    _pagecache_backend = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "pagecache_entries",
        "TIMEOUT": PAGECACHE["TIMEOUT"],
        "OPTIONS": {"MAX_ENTRIES": env_int("PAGECACHE_MAX_ENTRIES", 5000), "CULL_FREQUENCY": 3},
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    **globals().get("CACHES", {}),
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
        "connect-src": [csp.SELF],
        "frame-src": [csp.SELF],
        "frame-ancestors": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
    },
}
# Avatars from gravatar.com would be a third-party image (and tell it who uses the admin).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
