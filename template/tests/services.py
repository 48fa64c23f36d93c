"""Reaching the real services the tests need, or saying clearly why not.

A test run that cannot reach a service skips the tests that need it, with a reason that
names the service and its URL, unless REQUIRE_SERVICES=1 (as in CI), where it fails.
"""

import os
from collections.abc import Callable

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def require_service(name: str, url: str, probe: Callable[[], object]) -> None:
    """Run `probe`; if it raises, skip (or fail under REQUIRE_SERVICES=1) naming the service."""
    try:
        probe()
    except Exception as error:  # any failure to connect means the service is not there
        message = f"{name} is not reachable at {url}: {error!r}"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} (REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)
