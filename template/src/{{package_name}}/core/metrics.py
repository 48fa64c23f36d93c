"""Prometheus metrics: HTTP requests by route template, cache lookups, database pool use.

With several worker processes, `serve` points PROMETHEUS_MULTIPROC_DIR at an empty directory
before any worker imports prometheus_client; each worker then writes its values there, and
`/metrics` (whichever worker answers) adds them up with a `MultiProcessCollector`. The gauge
uses the "sum" mode: the "live" modes need a hook when a worker dies, which only gunicorn has.
"""

import os
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from .multiprocess import MULTIPROCESS_DIR_ENV

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Metrics:
    """The instruments of one application; its own registry, so tests can build many apps."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    cache_lookups: Counter
    db_connections_checked_out: Gauge

    @classmethod
    def create(cls) -> "Metrics":
        registry = CollectorRegistry()
        http_labels = ("method", "route", "status")
        return cls(
            registry=registry,
            requests=Counter(
                "http_requests",
                "HTTP requests answered, by route template",
                http_labels,
                registry=registry,
            ),
            latency=Histogram(
                "http_request_duration_seconds",
                "Time from the request to the end of the response, by route template",
                http_labels,
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            cache_lookups=Counter(
                "cache_lookups",
                "Response cache lookups, by kind (item, list) and result (hit, miss)",
                ("kind", "result"),
                registry=registry,
            ),
            db_connections_checked_out=Gauge(
                "db_pool_connections_checked_out",
                "Database connections currently checked out of the pools",
                multiprocess_mode="sum",
                registry=registry,
            ),
        )

    def exposition(self) -> bytes:
        """The text format of every value; summed over all workers in multiprocess mode."""
        if os.environ.get(MULTIPROCESS_DIR_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
            return generate_latest(registry)
        return generate_latest(self.registry)
