"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task and a copy per request)."""

import re
import time
import uuid

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Takes `X-Request-ID` from the request (or makes one), logs with it, echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = (
            next(
                (
                    value
                    for name, value in scope["headers"]
                    if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value)
                ),
                None,
            )
            or uuid.uuid4().hex.encode()
        )
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id.decode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id))
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
