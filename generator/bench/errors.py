"""The error every failed bench step raises."""

from __future__ import annotations

from generator.errors import SlipstreamError


class BenchError(SlipstreamError):
    """A benchmark step failed (install, migrate, seed, a server that did not start)."""
