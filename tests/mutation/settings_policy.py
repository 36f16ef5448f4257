"""Settings for the mutation run over workflow/policy.py (who_may_take): the test settings with a fixed
SQLite file, so `pytest --reuse-db` migrates once and each mutant's run takes seconds."""

from cms.settings.test import *  # noqa: F403
from cms.settings.test import DATABASES

DATABASES["default"]["TEST"] = {"NAME": "/tmp/hoso-mutation-policy.sqlite3"}
