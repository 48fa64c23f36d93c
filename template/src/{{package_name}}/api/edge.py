"""The edge: the outermost of the service's pure ASGI layers, and the only one that wraps
`send` on every request.

For each HTTP request it
- takes `X-Request-ID` from the request (or makes one), binds it for the log lines
  (core.logging) and echoes it back;
- adds the security headers (api/security_headers.py) and, when configured, X-Process-Time;
- answers HEAD wherever GET is: as GET, with the headers and without the body;
- counts the request when its response starts, before a client can see it, and observes its
  latency when the response is complete (api/route_metrics.py);
- turns an unexpected exception into a 500 problem, whose traceback goes to the log only,
  and an HTTPException that escaped FastAPI's handlers (RequestBodyMiddleware's `receive`
  raises them) into a problem with its own status.

These were four layers, each with a `send` wrapper of its own: a closure made per request and
a call and an await per message. Their own work was 3-5% of a cached list page's samples
(py-spy). One layer does all of it with one wrapper and one copy of the response headers.
The answer to an error goes out before the traceback is logged: formatting one can take
long, and a client (or a server's worker timeout) must not wait on it. Every layer inside
this one, the defences included, answers with the request id, the security headers and a
count.
"""

import time
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.logging import REQUEST_ID, get_logger
from ..core.metrics import Metrics
from .errors import problem_response
from .request_ids import REQUEST_ID_HEADER, RequestIds
from .route_metrics import RouteMetrics
from .security_headers import Headers, SecurityHeaders

PROCESS_TIME_HEADER = b"x-process-time"
UNEXPECTED_ERROR = "Unexpected error; quote the X-Request-ID header when reporting it"


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        process_time_header: bool = False,
        docs_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self._ids = RequestIds()
        self._metrics = RouteMetrics(metrics)
        self._security_headers = SecurityHeaders(docs_paths=docs_paths)
        self._process_time_header = process_time_header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = self._ids.of(scope["headers"])
        REQUEST_ID.set(request_id)
        extra = ((REQUEST_ID_HEADER, request_id), *self._security_headers.for_path(scope["path"]))
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        status = 0

        async def send_from_edge(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self._metrics.count(scope, status)
                message["headers"] = self._headers(message, extra, started)
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, send_from_edge)
        except Exception as error:
            if status:  # half a response is out; only closing the connection is left
                if not isinstance(error, HTTPException):
                    _log_unhandled(scope)
                raise
            await _answer_error(error, scope, receive, send_from_edge)
        finally:
            if not status:  # not even the answer to an error went out
                status = 500
                self._metrics.count(scope, status)
            self._metrics.observe(scope, status, time.perf_counter() - started)

    def _headers(self, start: Message, extra: Headers, started: float) -> list[tuple[bytes, bytes]]:
        """The headers of the response `start`, and the edge's own."""
        headers = [*start.get("headers", ()), *extra]
        if self._process_time_header:
            headers.append((PROCESS_TIME_HEADER, f"{time.perf_counter() - started:.6f}".encode()))
        return headers


async def _answer_error(error: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    if isinstance(error, HTTPException):  # an answer, not a fault
        await problem_response(scope, error.status_code, str(error.detail))(scope, receive, send)
        return
    await problem_response(scope, 500, UNEXPECTED_ERROR)(scope, receive, send)
    _log_unhandled(scope)


def _log_unhandled(scope: Scope) -> None:
    log = get_logger(__name__)  # looked up now: logging may be reconfigured
    log.exception("unhandled error", method=scope["method"], path=scope["path"])
