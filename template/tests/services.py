"""Tests that need a real service (a database server, Redis) skip when it is absent.

With REQUIRE_SERVICES=1 in the environment (CI sets it) an absent service fails the tests
instead, so a run that silently skipped them cannot pass for a complete one.
"""

import os
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import pytest

REQUIRE_SERVICES = "REQUIRE_SERVICES"


def services_required() -> bool:
    return os.environ.get(REQUIRE_SERVICES, "").strip() == "1"


def redact(url: str) -> str:
    """`url` without its password, fit for a test report."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def require_service(name: str, url: str, probe: Callable[[], object]) -> None:
    """Call `probe()`, which raises if `name` at `url` cannot be used.

    If it raises, the calling test (or fixture) is skipped with a reason naming the service
    and the URL, or fails when REQUIRE_SERVICES=1. Call it from a session-scoped fixture:
    pytest then probes once and repeats the outcome for every test that needs the service.
    """
    try:
        probe()
    except Exception as error:
        reason = f"{name} is not reachable at {redact(url)} ({type(error).__name__}: {error})"
        if services_required():
            pytest.fail(f"{reason}; {REQUIRE_SERVICES}=1 makes this an error", pytrace=False)
        pytest.skip(f"{reason}; set {REQUIRE_SERVICES}=1 to fail instead")
