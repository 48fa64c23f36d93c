"""Requests and their latency, by method, route template and status.

The route template (`/items/{item_id}`), never the raw path, keeps the number of series
bounded; unknown methods share the series of `OTHER`.
"""

from prometheus_client import Counter, Histogram
from starlette.types import Scope

from ..core.metrics import Metrics

_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"


class RouteMetrics:
    """The request counter and latency histogram of `metrics`, with each series' children
    looked up once (labelling a metric costs a lock and a tuple of strings per call)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def _children(self, scope: Scope, status: int) -> tuple[Counter, Histogram]:
        method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
        route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
        key = (method, route, status)
        children = self._series.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = (
                self._metrics.requests.labels(*labels),
                self._metrics.latency.labels(*labels),
            )
            self._series[key] = children
        return children

    def count(self, scope: Scope, status: int) -> None:
        """Count the request of `scope`, answered with `status`."""
        self._children(scope, status)[0].inc()

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Record how long the request of `scope` took, once its answer is complete."""
        self._children(scope, status)[1].observe(seconds)
