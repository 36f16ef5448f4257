"""Settings read from the environment, one builder per concern.

Every environment variable the project reads is read here, once, by the builder
of its concern (`database_settings()`, `signing_settings()`, ...). The settings
modules only assemble what the builders return: `base.py` for every environment,
`dev.py`/`test.py`/`production.py` by calling a builder again with one override
(`production=True`, another directory). With `production=True` a builder refuses
(ImproperlyConfigured) a missing or fake value instead of inventing one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


# --- typed readers ---------------------------------------------------------------------


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    raise ImproperlyConfigured(f"Environment variable {name} must be a boolean, got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable {name} must be an integer.") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


# --- site: secret key, hosts, base URL ---------------------------------------------------


def var_dir(base_dir: Path) -> Path:
    """Where the installation writes (database file, media, objects, backups)."""
    return Path(env_str("HOSO_VAR_DIR", str(base_dir / "var")))


def secret_key(*, fallback: str | None = None, production: bool = False) -> str | None:
    """SECRET_KEY. Development and tests may fall back on a clearly fake key; production
    takes only a real one (50+ characters, not one of the fake prefixes)."""
    if not production:
        return env_str("SECRET_KEY", fallback)
    key = env_str("SECRET_KEY", required=True)
    if len(key) < 50 or key.startswith(("dev-", "test-", "django-insecure")):
        raise ImproperlyConfigured("SECRET_KEY must be a real secret of at least 50 characters.")
    return key


def allowed_hosts(*, production: bool = False) -> list[str]:
    if not production:
        return env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
    hosts = env_list("ALLOWED_HOSTS")
    if not hosts:
        raise ImproperlyConfigured("ALLOWED_HOSTS is required in production (comma-separated).")
    return hosts


def csrf_trusted_origins(*, hosts: list[str], production: bool = False) -> list[str]:
    """Production trusts its own hosts over HTTPS unless told otherwise."""
    default = [f"https://{host}" for host in hosts] if production else []
    return env_list("CSRF_TRUSTED_ORIGINS", default)


def admin_base_url(*, production: bool = False) -> str:
    """WAGTAILADMIN_BASE_URL: the links in e-mails and the archive's public URLs."""
    if production:
        return env_str("WAGTAILADMIN_BASE_URL", required=True)
    return env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")


# --- database ------------------------------------------------------------------------------


def database_settings(
    *, var_dir: Path, production: bool = False, sqlite_test_name: Path | None = None
) -> dict[str, Any]:
    """DATABASES["default"]: SQLite under var/ unless DATABASE_URL points elsewhere.

    Health checks: a persistent connection cut by a database restart is replaced at the
    start of the next request instead of failing it (README, "Faults and recovery").
    Production requires PostgreSQL and keeps connections 600 s: opening one per request
    cost more than the request itself (public plan page 650 -> 1,480 req/s,
    benchmarks/load.py). `sqlite_test_name`: the test database as a file, not shared-cache
    memory, so that concurrent writers queue on the busy timeout as they do in production
    instead of failing on shared-cache table locks."""
    import dj_database_url

    url = env_str("DATABASE_URL")
    if production and not url:
        raise ImproperlyConfigured("DATABASE_URL is required in production (PostgreSQL).")
    database = dj_database_url.parse(
        url or f"sqlite:///{var_dir / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600 if production else 0),
        conn_health_checks=True,
    )
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("OPTIONS", {})
        database["OPTIONS"].update(
            {
                # WAL lets readers and the one writer work side by side under gunicorn.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "timeout": 20,
                # Writers queue at BEGIN instead of failing mid-transaction: two
                # reviewers approving at once end as one approval and one refusal.
                "transaction_mode": "IMMEDIATE",
            }
        )
        if sqlite_test_name is not None:
            database["TEST"] = {"NAME": str(sqlite_test_name)}
        if not str(database.get("NAME") or ":memory:").startswith((":memory:", "file:")):
            Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)  # no var/ yet
    return database


# --- files: media, static, object store ----------------------------------------------------


class StorageSettings(NamedTuple):
    STORAGES: dict[str, Any]
    MEDIA_ROOT: Path
    STATIC_ROOT: Path
    OBJECT_STORE: dict[str, Any]


def storage_settings(
    *, var_dir: Path, manifest_static: bool = True, compress_static: bool = True
) -> StorageSettings:
    """Media and static files under var/, and the object store of the signed archive:
    the filesystem by default, any S3 API when S3_ENDPOINT_URL is set. Tests serve
    static files without the manifest (no collectstatic), development uncompressed."""
    media_root = var_dir / "media"
    static_backend = "django.contrib.staticfiles.storage.StaticFilesStorage"
    if manifest_static:
        static_backend = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    if manifest_static and compress_static:
        static_backend = "whitenoise.storage.CompressedManifestStaticFilesStorage"
    return StorageSettings(
        STORAGES={
            "default": {
                "BACKEND": "cms.storage.MediaStorage",
                "OPTIONS": {"location": str(media_root)},
            },
            "staticfiles": {"BACKEND": static_backend},
        },
        MEDIA_ROOT=media_root,
        STATIC_ROOT=Path(env_str("STATIC_ROOT", str(var_dir / "static"))),
        OBJECT_STORE={
            "ENDPOINT_URL": env_str("S3_ENDPOINT_URL"),
            "BUCKET": env_str("S3_BUCKET", "hoso-archive"),
            "ACCESS_KEY_ID": env_str("S3_ACCESS_KEY_ID"),
            "SECRET_ACCESS_KEY": env_str("S3_SECRET_ACCESS_KEY"),
            "REGION": env_str("S3_REGION", "us-east-1"),
            "LOCAL_ROOT": str(var_dir / "objects"),
        },
    )


# --- search ---------------------------------------------------------------------------------


def search_settings() -> dict[str, Any]:
    """HOSO_SEARCH: the database backend by default, Elasticsearch when ELASTICSEARCH_URL
    is set; index layout and client behaviour for Elasticsearch. SIGNED_PDF_URLS is the
    dotted path of the archive's `[(page_id, revision_id)] -> {pair: url}` that links a
    page of hits to their signed PDFs (search/links.py) without importing archive."""
    url = env_str("ELASTICSEARCH_URL")
    return {
        "BACKEND": "elasticsearch" if url else "database",
        "ELASTICSEARCH_URL": url,
        "INDEX_PREFIX": env_str("SEARCH_INDEX_PREFIX", "hoso"),
        "NUMBER_OF_SHARDS": env_int("SEARCH_NUMBER_OF_SHARDS", 1),
        "NUMBER_OF_REPLICAS": env_int("SEARCH_NUMBER_OF_REPLICAS", 0),
        "TIMEOUT": env_int("SEARCH_TIMEOUT", 10),
        "SIGNED_PDF_URLS": "archive.selectors.signed_pdf_urls",
    }


# --- signing --------------------------------------------------------------------------------

SIGNING_BACKENDS = ("dev", "pkcs12", "pkcs11", "csc")


def signing_settings(
    *, var_dir: Path, production: bool = False, dev_pki_url: str | None = None
) -> dict[str, Any]:
    """SIGNING, all of the signing configuration (archive/signing/): a TEST-ONLY dev PKI
    by default; a PKCS#12 file per school (<PKCS12_DIR>/<school code>.p12) or a PKCS#11
    token per school (token, key and certificate labelled from the school code) in production, which must
    also name the trust roots that signatures are validated against."""
    signing = {
        "BACKEND": env_str("SIGNING_BACKEND", "dev"),
        "PKCS12_DIR": env_str("SIGNING_PKCS12_DIR"),
        "PKCS12_PASSPHRASE": env_str("SIGNING_PKCS12_PASSPHRASE"),
        "PKCS11_MODULE": env_str("SIGNING_PKCS11_MODULE"),
        # A token per school: token and key labels are templates of the school code (the
        # same for all without "{school_code}"); the user PIN is the school's file
        # <PKCS11_PIN_DIR>/<school code>, else PKCS11_PIN, else the token's PIN pad.
        "PKCS11_TOKEN_LABEL": _label_template("SIGNING_PKCS11_TOKEN_LABEL"),
        "PKCS11_KEY_LABEL": _label_template("SIGNING_PKCS11_KEY_LABEL"),
        "PKCS11_PIN": env_str("SIGNING_PKCS11_PIN"),
        "PKCS11_PIN_DIR": env_str("SIGNING_PKCS11_PIN_DIR"),
        # A remote signing service (Cloud Signature Consortium API, archive/signing/_csc.py):
        # its base URL, this installation's OAuth2 bearer token, the PIN its credentials
        # ask for (if any), seconds per request, and the seal's credential per school.
        "CSC_URL": env_str("SIGNING_CSC_URL"),
        "CSC_AUTH_TOKEN": env_str("SIGNING_CSC_AUTH_TOKEN"),
        "CSC_PIN": env_str("SIGNING_CSC_PIN"),
        "CSC_TIMEOUT": env_int("SIGNING_CSC_TIMEOUT", 30),
        "CSC_SEAL_CREDENTIAL": env_str("SIGNING_CSC_SEAL_CREDENTIAL", "{school_code}"),
        "TRUST_ROOTS": env_str("SIGNING_TRUST_ROOTS"),
        "TSA_URL": env_str("TSA_URL"),
        "DEV_PKI_DIR": str(var_dir / "dev-pki"),
        # Where the dev PKI's CRL, OCSP responder and TSA are published (written into
        # its certificates): the dev server's own /pki/ by default.
        "DEV_PKI_URL": dev_pki_url or env_str("SIGNING_DEV_PKI_URL", "http://127.0.0.1:8000/pki"),
        # The signer asks the dev PKI in-process (the demo load signs while no server
        # runs); off, it fetches over HTTP from DEV_PKI_URL as from any CA.
        "DEV_PKI_IN_PROCESS": env_bool("SIGNING_DEV_PKI_IN_PROCESS", True),
        # Where signers' pages find hoso-sign-agent (its --port; CSP connect-src too).
        "AGENT_URL": env_str("SIGNING_AGENT_URL", "http://127.0.0.1:28777"),
    }
    if production:
        _refuse_test_signing(signing)
    return signing


def _label_template(name: str) -> str:
    """A PKCS#11 label template: "{school_code}" is the only placeholder, so a typo
    ("{code}") stops the start instead of looking for a token nobody made."""
    template = env_str(name, "{school_code}") or "{school_code}"
    rest = template.replace("{school_code}", "")
    if "{" in rest or "}" in rest:
        raise ImproperlyConfigured(
            f"{name} may use only the placeholder {{school_code}} (got {template!r})."
        )
    return template


def _refuse_test_signing(signing: dict[str, Any]) -> None:
    """Signed archives must be signed by the school's real certificate and checked
    against real trust roots: the TEST-ONLY dev PKI is refused, and so is a missing
    key source."""
    backend = signing["BACKEND"]
    if backend not in ("pkcs12", "pkcs11", "csc"):
        raise ImproperlyConfigured(
            "SIGNING_BACKEND must be 'pkcs12' or 'pkcs11' (the school's own key) or 'csc' "
            "(a remote signing service) in production "
            f"(got {backend!r}; 'dev' is a TEST-ONLY certificate authority)."
        )
    if backend == "pkcs12" and not signing["PKCS12_DIR"]:
        raise ImproperlyConfigured(
            "SIGNING_PKCS12_DIR is required with SIGNING_BACKEND=pkcs12 "
            "(a directory holding <school code>.p12 for each school)."
        )
    if backend == "pkcs11" and not signing["PKCS11_MODULE"]:
        raise ImproperlyConfigured(
            "SIGNING_PKCS11_MODULE is required with SIGNING_BACKEND=pkcs11 "
            "(the path of the token's PKCS#11 library)."
        )
    if backend == "csc" and not signing["CSC_URL"]:
        raise ImproperlyConfigured(
            "SIGNING_CSC_URL is required with SIGNING_BACKEND=csc "
            "(the remote signing service's base URL, before /csc/v1/)."
        )
    if not signing["TRUST_ROOTS"]:
        raise ImproperlyConfigured(
            "SIGNING_TRUST_ROOTS is required in production: the PEM/DER file(s) of the "
            "certificate authorities that signatures are validated against, separated by ':'."
        )
    if not signing["TSA_URL"]:
        raise ImproperlyConfigured(
            "TSA_URL is required in production: archived records are PAdES B-LTA, which "
            "needs an RFC 3161 time-stamping authority (signature and document timestamps, "
            "and their renewal by archive_extend)."
        )


# --- archive --------------------------------------------------------------------------------


def archive_settings(*, var_dir: Path, public_base_url: str, production=False) -> dict[str, Any]:
    """ARCHIVE: PDF/A rendering, signed-archive jobs, public verification and backups
    (archive/). Fonts: Debian fonts-noto-core. Signing is SIGNING's (signing_settings).
    Public verification (/xac-thuc/) is open to anyone: a record's PDF is under 5 MB, so
    10 MB leaves room and refuses (413, before the body is read) what is not one; a PDF
    past the signature/revision/object counts or the seconds is "too complex"; uploads
    per address per window are counted in the shared cache (the page cache's)."""
    from cms.addresses import qr_base  # production refuses a loopback address

    return {
        "FONT_DIR": env_str("ARCHIVE_FONT_DIR", "/usr/share/fonts/truetype/noto"),
        "PUBLIC_BASE_URL": qr_base(env_str("ARCHIVE_PUBLIC_BASE_URL", public_base_url), production),
        "OBJECT_LOCK_MODE": env_str("ARCHIVE_OBJECT_LOCK_MODE", "GOVERNANCE"),
        "OBJECT_LOCK_DAYS": env_int("ARCHIVE_OBJECT_LOCK_DAYS", 3650),
        "JOB_BACKOFF_SECONDS": env_int("ARCHIVE_JOB_BACKOFF_SECONDS", 30),
        "JOB_BACKOFF_MAX_SECONDS": env_int("ARCHIVE_JOB_BACKOFF_MAX_SECONDS", 3600),
        "UPLOAD_MAX_BYTES": env_int("ARCHIVE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
        "VERIFY_MAX_SIGNATURES": env_int("ARCHIVE_VERIFY_MAX_SIGNATURES", 8),
        "VERIFY_MAX_REVISIONS": env_int("ARCHIVE_VERIFY_MAX_REVISIONS", 16),
        "VERIFY_MAX_OBJECTS": env_int("ARCHIVE_VERIFY_MAX_OBJECTS", 100_000),
        "VERIFY_MAX_SECONDS": env_int("ARCHIVE_VERIFY_MAX_SECONDS", 5),
        "VERIFY_UPLOADS_PER_WINDOW": env_int("ARCHIVE_VERIFY_UPLOADS_PER_WINDOW", 10),
        "VERIFY_CODES_PER_WINDOW": env_int("ARCHIVE_VERIFY_CODES_PER_WINDOW", 120),
        "VERIFY_WINDOW_SECONDS": env_int("ARCHIVE_VERIFY_WINDOW_SECONDS", 600),
        "THROTTLE_CACHE": env_str("ARCHIVE_THROTTLE_CACHE", "pagecache"),
        **backup_settings(var_dir=var_dir),
        "PROCESSES": env_int("ARCHIVE_PROCESSES", 0),
    }


def backup_settings(*, var_dir: Path) -> dict[str, Any]:
    """Backups (archive/backup.py): Thông tư 02/2019/TT-BNV asks for two copies on
    independent media. The first goes to BACKUP_DIR; the second to
    ARCHIVE_BACKUP_SECOND_TARGET, another directory (a mounted disk, a NAS) or
    s3://bucket/prefix. That bucket is reached with the object store's S3 settings
    unless ARCHIVE_BACKUP_SECOND_S3_* give its own (another provider, another key)."""
    return {
        "BACKUP_DIR": env_str("ARCHIVE_BACKUP_DIR", str(var_dir / "backups")),
        "BACKUP_SECOND_TARGET": env_str("ARCHIVE_BACKUP_SECOND_TARGET"),
        "BACKUP_REQUIRE_TWO": env_bool("ARCHIVE_BACKUP_REQUIRE_TWO", False),
        "BACKUP_SECOND_S3": {
            "ENDPOINT_URL": env_str("ARCHIVE_BACKUP_SECOND_S3_ENDPOINT_URL"),
            "ACCESS_KEY_ID": env_str("ARCHIVE_BACKUP_SECOND_S3_ACCESS_KEY_ID"),
            "SECRET_ACCESS_KEY": env_str("ARCHIVE_BACKUP_SECOND_S3_SECRET_ACCESS_KEY"),
            "REGION": env_str("ARCHIVE_BACKUP_SECOND_S3_REGION"),
        },
    }


# --- accounts -------------------------------------------------------------------------------


def accounts_settings(
    *, two_factor_enforced: bool | None = None, default_proxy_count: int = 0
) -> dict[str, Any]:
    """ACCOUNTS: login security (accounts/conf.py). `two_factor_enforced` set forces the
    second factor on (production) or off (other apps' tests) whatever the environment
    says; `default_proxy_count` is how many reverse proxies of ours add X-Forwarded-For
    in front of gunicorn when ACCOUNTS_TRUSTED_PROXY_COUNT is not set."""
    if two_factor_enforced is None:
        two_factor_enforced = env_bool("ACCOUNTS_TWO_FACTOR_ENFORCED", True)
    return {
        "TWO_FACTOR_ENFORCED": two_factor_enforced,
        # The district office resets principals' credentials: it needs the second factor too.
        "TWO_FACTOR_ROLES": ("principal", "sysadmin", "district_office"),
        "IDLE_TIMEOUT_SECONDS": env_int("ACCOUNTS_IDLE_TIMEOUT_SECONDS", 30 * 60),
        "ABSOLUTE_TIMEOUT_SECONDS": env_int("ACCOUNTS_ABSOLUTE_TIMEOUT_SECONDS", 8 * 3600),
        "FAILURE_LIMIT_PER_ACCOUNT": env_int("ACCOUNTS_FAILURE_LIMIT_PER_ACCOUNT", 5),
        "FAILURE_LIMIT_PER_ADDRESS": env_int("ACCOUNTS_FAILURE_LIMIT_PER_ADDRESS", 30),
        "TRUSTED_PROXY_COUNT": env_int("ACCOUNTS_TRUSTED_PROXY_COUNT", default_proxy_count),
        "UPLOAD_MAX_BYTES": env_int("ACCOUNTS_UPLOAD_MAX_BYTES", 50 * 1024 * 1024),
        "UPLOAD_MAX_UNPACKED_BYTES": env_int(
            "ACCOUNTS_UPLOAD_MAX_UNPACKED_BYTES", 200 * 1024 * 1024
        ),
        "UPLOAD_MAX_MEMBERS": env_int("ACCOUNTS_UPLOAD_MAX_MEMBERS", 5000),
    }


def lockout_hours() -> float:
    """AXES_COOLOFF_TIME, in hours as django-axes wants it, from minutes."""
    return env_int("ACCOUNTS_LOCKOUT_MINUTES", 15) / 60


# --- imports --------------------------------------------------------------------------------


def imports_settings() -> dict[str, int]:
    """IMPORTS: the CSDL ngành import limits (imports/)."""
    return {
        "MAX_BYTES": env_int("IMPORTS_MAX_BYTES", 10 * 1024 * 1024),
        "MAX_UNZIPPED_BYTES": env_int("IMPORTS_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024),
        "MAX_ROWS": env_int("IMPORTS_MAX_ROWS", 20000),
    }


# --- page cache -----------------------------------------------------------------------------


class PagecacheSettings(NamedTuple):
    PAGECACHE: dict[str, Any]
    CACHE: dict[str, Any]  # CACHES["pagecache"]


def pagecache_settings() -> PagecacheSettings:
    """Rendered public pages for anonymous visitors (pagecache/), in a cache every
    gunicorn worker and host shares: the database (table created by `migrate`) unless
    CACHE_URL or REDIS_URL names a Redis server. Invalidated on publish/unpublish;
    TIMEOUT bounds the rest."""
    timeout = env_int("PAGECACHE_TIMEOUT", 300)
    pagecache = {
        "ENABLED": env_bool("PAGECACHE_ENABLED", True),
        "ALIAS": "pagecache",
        "TIMEOUT": timeout,
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
    url = env_str("CACHE_URL") or env_str("REDIS_URL")
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ImproperlyConfigured("CACHE_URL/REDIS_URL must be a redis:// or rediss:// URL.")
        cache = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "hoso",
            "TIMEOUT": timeout,
        }
    else:
        cache = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "pagecache_entries",
            "TIMEOUT": timeout,
            "OPTIONS": {
                "MAX_ENTRIES": env_int("PAGECACHE_MAX_ENTRIES", 5000),
                "CULL_FREQUENCY": 3,
            },
        }
    return PagecacheSettings(PAGECACHE=pagecache, CACHE=cache)


# --- e-mail ---------------------------------------------------------------------------------


class EmailSettings(NamedTuple):
    EMAIL_BACKEND: str
    EMAIL_HOST: str
    EMAIL_PORT: int
    EMAIL_HOST_USER: str
    EMAIL_HOST_PASSWORD: str
    EMAIL_USE_TLS: bool


def email_settings() -> EmailSettings:
    """SMTP when EMAIL_HOST is set, else EMAIL_BACKEND (the console by default)."""
    host = env_str("EMAIL_HOST")
    backend = (
        "django.core.mail.backends.smtp.EmailBackend"
        if host
        else env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    )
    return EmailSettings(
        EMAIL_BACKEND=backend,
        EMAIL_HOST=host or "localhost",
        EMAIL_PORT=env_int("EMAIL_PORT", 587 if host else 25),
        EMAIL_HOST_USER=env_str("EMAIL_HOST_USER", ""),
        EMAIL_HOST_PASSWORD=env_str("EMAIL_HOST_PASSWORD", ""),
        EMAIL_USE_TLS=env_bool("EMAIL_USE_TLS", bool(host)),
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the test settings' dev PKI URL)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
