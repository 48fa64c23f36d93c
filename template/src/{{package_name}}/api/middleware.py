"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task and a copy per request)."""

import itertools
import os
import re
import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.logging import REQUEST_ID
from ..core.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Takes `X-Request-ID` from the request (or makes one), logs with it, echoes it back.

    A made id is a random per-process prefix and a counter (32 hex digits): unique without
    a uuid4 per request. Log lines get it from one context variable (see core.logging).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id: bytes | None = None
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value):
                request_id = value
                break
        if request_id is None:
            request_id = f"{self._prefix}{next(self._counter):016x}".encode()
        REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id)]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"
PROCESS_TIME_HEADER = b"x-process-time"


class MetricsMiddleware:
    """Counts requests and their latency by method, route template and status.

    The route template (`/items/{item_id}`), never the raw path, keeps the number of series
    bounded. The request is counted when its response starts, before a client can see it;
    the latency is observed when the response body is complete.
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics, process_time_header: bool) -> None:
        self.app = app
        self._metrics = metrics
        self._process_time_header = process_time_header
        self._series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def _children(self, scope: Scope, status: int) -> tuple[Counter, Histogram]:
        method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
        route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
        key = (method, route, str(status))
        children = self._series.get(key)
        if children is None:
            children = (
                self._metrics.requests.labels(*key),
                self._metrics.latency.labels(*key),
            )
            self._series[key] = children
        return children

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self._children(scope, status)[0].inc()
                if self._process_time_header:
                    elapsed = f"{time.perf_counter() - started:.6f}".encode()
                    message["headers"] = [
                        *message.get("headers", []),
                        (PROCESS_TIME_HEADER, elapsed),
                    ]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            if not status:  # failed before answering: the error middleware outside sends a 500
                status = 500
                self._children(scope, status)[0].inc()
            self._children(scope, status)[1].observe(time.perf_counter() - started)
