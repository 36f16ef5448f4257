"""Settings for the mutation run over the access gate (tests/mutation/accounts_gate.toml):
the test settings with their own fixed SQLite file, so `pytest --reuse-db` migrates
once and each mutant's run takes seconds."""

from cms.settings.test import *  # noqa: F403
from cms.settings.test import DATABASES

DATABASES["default"]["TEST"] = {"NAME": "/tmp/hoso-mutation-gate.sqlite3"}
