"""Fixtures of the security tests; the helpers live in security_helpers.py."""

import pytest
from security_helpers import captured_events


@pytest.fixture
def events():
    with captured_events() as captured:
        yield captured
