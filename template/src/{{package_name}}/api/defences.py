"""Defensive pure ASGI middleware: each check runs before the request reaches FastAPI.

Every refusal is a problem document (api/errors.py), so clients see one error shape
whichever layer said no. See the "Defences" section of the README for the whole list.
"""

import asyncio
import contextlib
import math
import re
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.logging import get_logger
from ..rate_limits import RateLimitStore
from .errors import PROBLEM_JSON, problem_body, problem_response

# API responses are JSON and never framed; the docs page needs the Swagger UI assets.
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    b"default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    b"frame-ancestors 'none'"
)
_COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeadersMiddleware:
    """Adds nosniff, Referrer-Policy, X-Frame-Options and a Content-Security-Policy."""

    def __init__(self, app: ASGIApp, *, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self._docs_paths = frozenset(docs_paths)
        self._api_headers = [*_COMMON_HEADERS, (b"content-security-policy", API_CSP)]
        self._docs_headers = [*_COMMON_HEADERS, (b"content-security-policy", DOCS_CSP)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._docs_headers if scope["path"] in self._docs_paths else self._api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ErrorGuardMiddleware:
    """An unexpected exception becomes a 500 problem; the traceback goes to the log only.
    An HTTPException that escapes FastAPI's handlers becomes a problem with its own status.
    HEAD is answered wherever GET is: as GET, with the headers and without the body.

    It sits inside the request-id middleware, so the log line and the response both carry
    the request id, and the client sees neither a stack trace nor SQL text. The answer goes
    out before the traceback is logged: formatting one can take long, and a client (or a
    server's worker timeout) must not wait on it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except HTTPException as error:
            # Raised outside FastAPI's handlers, e.g. by RequestBodyMiddleware's `receive`
            # when a body the app never asked for passes the limit: an answer, not a fault.
            if started:
                raise
            await problem_response(scope, error.status_code, str(error.detail))(
                scope, receive, send_tracked
            )
        except Exception:
            if started:  # half a response is out; only closing the connection is left
                _log_unhandled(scope)
                raise
            response = problem_response(
                scope, 500, "Unexpected error; quote the X-Request-ID header when reporting it"
            )
            await response(scope, receive, send_tracked)
            _log_unhandled(scope)


def _log_unhandled(scope: Scope) -> None:
    log = get_logger(__name__)  # looked up now: logging may be reconfigured
    log.exception("unhandled error", method=scope["method"], path=scope["path"])


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS handling; a refused preflight (its plain-text 400) becomes a problem."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await super().__call__(scope, receive, send)
            return
        refused: Message | None = None

        async def send_as_problem(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 400:
                refused = message
                return
            if refused is None:
                await send(message)
                return
            body = problem_body(400, message.get("body", b"").decode(), instance=scope["path"])
            kept = [
                (name, value)
                for name, value in refused.get("headers", [])
                if name not in {b"content-type", b"content-length"}
            ]
            headers = [
                *kept,
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await super().__call__(scope, receive, send_as_problem)


# RFC 9110 Host: a name or an IP literal, then an optional port of digits. Anything else
# ("api.example:x/evil") is refused, so request URLs built from it stay well-formed.
_HOST = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9._~!$&'()*+,;=%-]*)(?::[0-9]{0,5})?")


def _host(value: bytes) -> str | None:
    """The host part of a Host header (lower case, port dropped); None if malformed."""
    found = _HOST.fullmatch(value.decode("latin-1").strip().lower())
    return None if found is None else found.group(1)


class TrustedHostMiddleware:
    """Refuses requests whose Host header is not listed (`example.com`, `*.example.com`)."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        hosts = [host.strip().lower() for host in allowed_hosts]
        self._exact = frozenset(host for host in hosts if not host.startswith("*."))
        self._suffixes = tuple(host[1:] for host in hosts if host.startswith("*."))

    def _allowed(self, host: str) -> bool:
        return host in self._exact or (bool(self._suffixes) and host.endswith(self._suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((_host(value) for name, value in scope["headers"] if name == b"host"), "")
        if host is None or not self._allowed(host):
            await problem_response(scope, 400, "Host header not allowed")(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyTooLargeError(HTTPException):
    """Raised from `receive` when a streamed body passes the limit; FastAPI re-raises it
    untouched (it is an HTTPException), and the error handlers turn it into a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body larger than {limit} bytes")


class BodyTimeoutError(HTTPException):
    """Raised from `receive` when the body has not arrived in time (a client that declared
    more than it sends); answered 408, and the connection is closed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            408, f"Request body not received within {seconds:g} s", {"Connection": "close"}
        )


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _is_json(content_type: bytes) -> bool:
    media_type = content_type.partition(b";")[0].strip().lower()
    return media_type == b"application/json" or (
        media_type.startswith(b"application/") and media_type.endswith(b"+json")
    )


def _body_headers(scope: Scope) -> tuple[int, bytes | None, bool]:
    """The declared length (0 without Content-Length, -1 when it is not a number), the
    Content-Type (None without one), and whether the body is chunked."""
    declared = 0
    content_type: bytes | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = int(value) if value.strip().isdigit() else -1
        elif name == b"content-type":
            content_type = value
        elif name == b"transfer-encoding":
            chunked = True
    return declared, content_type, chunked


_STOPPING_HEADERS = {"Retry-After": "1", "Connection": "close"}


async def _answer_stopping(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        scope, 503, "The server is stopping; retry the request", headers=_STOPPING_HEADERS
    )
    # RuntimeError: the response had started, so closing the connection is all that is left.
    with contextlib.suppress(RuntimeError, OSError):
        await response(scope, receive, send)


class RequestBodyMiddleware:
    """413 for bodies above `max_bytes`, 415 for writes whose body is not JSON, 408 for a
    body that has not arrived `timeout` seconds after the app first asked for it, and 503
    for a request the server cancels when it stops.

    A declared Content-Length is checked before any byte is read; a chunked body is
    counted as it streams in, so a large body is never held in memory whole. No server
    offers a body read timeout, so it is kept here, for every server mode alike.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float | None = None) -> None:
        self.app = app
        self._max_bytes = max_bytes
        self._timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, content_type, chunked = _body_headers(scope)
        refusal = self._refusal(scope["method"], declared, content_type, chunked=chunked)
        try:
            if refusal is not None:
                status, detail = refusal
                await problem_response(scope, status, detail)(scope, receive, send)
            elif declared > 0 or chunked:
                await self._limited(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        except asyncio.CancelledError:
            # The server gave up on the request (graceful shutdown past its limit): answer
            # 503, so the client knows to retry, rather than the server's bare 500.
            await _answer_stopping(scope, receive, send)
            raise

    def _refusal(
        self, method: str, declared: int, content_type: bytes | None, *, chunked: bool
    ) -> tuple[int, str] | None:
        """The status and detail to refuse the request with, checked from its headers."""
        if declared < 0:
            return 400, "Content-Length is not a number"
        if declared > self._max_bytes:
            return 413, f"Request body larger than {self._max_bytes} bytes"
        has_body = declared > 0 or chunked
        if method in _WRITE_METHODS and (
            (content_type is not None and not _is_json(content_type))
            or (content_type is None and has_body)
        ):
            return 415, "Send the body as application/json"
        return None

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count a streamed body; past the limit, `receive` raises BodyTooLargeError, and
        past the deadline BodyTimeoutError, which FastAPI's handlers (or
        ErrorGuardMiddleware, outside them) answer with a 413 or a 408."""
        received = 0
        deadline: float | None = None
        complete = False

        async def receive_limited() -> Message:
            nonlocal received, deadline, complete
            if complete or self._timeout is None:  # after the body: waiting for disconnect
                message = await receive()
            else:
                if deadline is None:
                    deadline = asyncio.get_running_loop().time() + self._timeout
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    raise BodyTimeoutError(self._timeout) from None
            if message["type"] == "http.request":
                complete = not message.get("more_body", False)
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    raise BodyTooLargeError(self._max_bytes)
            return message

        await self.app(scope, receive_limited, send)


class RateLimitMiddleware:
    """At most `limit` requests per client IP per `window_seconds`; then 429 + Retry-After.

    Probes and metrics are exempt, so a throttled client never makes the instance look
    unhealthy. The client IP is `scope["client"]`: the connection's peer, or, on
    connections from a proxy listed in `FORWARDED_ALLOW_IPS`, the address it forwards (the
    server sets it; nobody is trusted by default, so a forged header changes nothing).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: RateLimitStore,
        limit: int,
        window_seconds: int,
        exempt_prefixes: tuple[str, ...] = ("/health", "/metrics"),
    ) -> None:
        self.app = app
        self._store = store
        self._limit = limit
        self._window = window_seconds
        self._exempt = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self._exempt):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = await self._store.hit(address, limit=self._limit, window_seconds=self._window)
        if wait is not None:
            headers = {"Retry-After": str(max(1, math.ceil(wait)))}
            detail = f"More than {self._limit} requests in {self._window} s; retry later"
            await problem_response(scope, 429, detail, headers=headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)
