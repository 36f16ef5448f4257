"""Local development: `make run`. Embedded defaults, a clearly fake secret."""

from cms import env

from .base import *  # noqa: F403

DEBUG = env.env_bool("DEBUG", True)
SECRET_KEY = env.secret_key(fallback="dev-only-insecure-key-never-use-in-production")

# Static files with hashed names and long caching as in production, without WhiteNoise
# compressing every file twice (gzip and brotli, ~15 s of CPU per `make run`): the
# browser is on this machine.
STORAGES, MEDIA_ROOT, STATIC_ROOT, OBJECT_STORE = env.storage_settings(
    var_dir=VAR_DIR,  # noqa: F405
    compress_static=False,
)
