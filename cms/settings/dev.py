"""Local development: `make run`. Embedded defaults, a clearly fake secret."""

from cms import env

from .base import *  # noqa: F403

DEBUG = env.env_bool("DEBUG", True)
SECRET_KEY = env.secret_key(fallback="dev-only-insecure-key-never-use-in-production")
