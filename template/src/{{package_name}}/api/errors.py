"""Every error becomes an RFC 9457 problem (`application/problem+json`) here, and only here.

One body shape for every 4xx and 5xx, whoever raised it: a domain error, FastAPI's request
validation, Starlette's routing (404, 405), the defensive middleware (413, 415, 429) or an
unexpected exception (500, logged with the request id, never shown to the client).
"""

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from ..core.logging import get_logger
from ..domain.items import (
    DomainError,
    ItemNotFoundError,
    ServiceUnavailableError,
    VersionMismatchError,
)

PROBLEM_JSON = "application/problem+json"

_STATUS: dict[type[DomainError], int] = {
    ItemNotFoundError: status.HTTP_404_NOT_FOUND,
    VersionMismatchError: status.HTTP_412_PRECONDITION_FAILED,
    ServiceUnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def _title(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def problem_body(
    status_code: int,
    detail: str,
    *,
    instance: str,
    errors: Sequence[Mapping[str, Any]] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> bytes:
    """The problem document; `type` stays `about:blank`, so `title` is the status phrase."""
    problem: dict[str, Any] = {
        "type": "about:blank",
        "title": _title(status_code),
        "status": status_code,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        problem["errors"] = list(errors)
    problem.update(extensions or {})
    return json.dumps(problem, separators=(",", ":"), ensure_ascii=False).encode()


def problem_response(
    scope: Scope,
    status_code: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """A problem response for the request in `scope` (usable from pure ASGI middleware)."""
    instance = scope.get("path", "")
    return Response(
        problem_body(status_code, detail, instance=instance, errors=errors, extensions=extensions),
        status_code=status_code,
        media_type=PROBLEM_JSON,
        headers=dict(headers) if headers else None,
    )


async def _domain_error(request: Request, error: Exception) -> Response:
    code = next(
        (code for kind, code in _STATUS.items() if isinstance(error, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    headers = None
    if isinstance(error, ServiceUnavailableError):
        headers = {"Retry-After": str(error.retry_after_seconds)}
        # The request id (bound by RequestIdMiddleware) ties this line to the client's 503.
        get_logger(__name__).warning(
            "service unavailable", path=request.url.path, cause=repr(error.__cause__)
        )
    return problem_response(request.scope, code, str(error), headers=headers)


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


def allowed_methods(app: FastAPI, scope: Scope) -> str:
    """Every method some route serves at this path (Starlette's 405 names only the first
    matching route's), with HEAD wherever GET is (ErrorGuardMiddleware answers it)."""

    def served(method: str) -> bool:
        probe = {**scope, "method": method}
        return any(route.matches(probe)[0] is Match.FULL for route in app.router.routes)

    methods = {method for method in _METHODS if served(method)}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _http_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, HTTPException):  # registered for HTTPException only
        raise error
    detail = error.detail if isinstance(error.detail, str) else _title(error.status_code)
    if error.status_code < 400:
        return Response(status_code=error.status_code, headers=error.headers)
    headers = dict(error.headers or {})
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        headers["Allow"] = allowed_methods(request.app, request.scope)
    return problem_response(request.scope, error.status_code, detail, headers=headers)


def _field_error(error: Mapping[str, Any]) -> dict[str, Any]:
    # The offending input is left out on purpose: it can be large, or a secret sent by mistake.
    return {
        "loc": [part if isinstance(part, int) else str(part) for part in error["loc"]],
        "msg": str(error["msg"]),
        "type": str(error["type"]),
    }


async def _validation_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, RequestValidationError):  # registered for it only
        raise error
    return problem_response(
        request.scope,
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        "The request is not valid; see errors",
        errors=[_field_error(item) for item in error.errors()],
    )


def register_error_handlers(app: FastAPI) -> None:
    """The handlers, and the problem schemas among the OpenAPI document's components."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            components = generate().setdefault("components", {})
            components.setdefault("schemas", {}).update(PROBLEM_COMPONENTS)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


_FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "FieldError",
    "description": "One invalid field or parameter",
    "type": "object",
    "required": ["loc", "msg", "type"],
    "properties": {
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "type": {"type": "string"},
    },
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        "hint": {"type": "string", "description": "What to do instead, where there is a way"},
    },
}
# Components, referenced by every route, so that client generators build one error model.
PROBLEM_COMPONENTS: dict[str, dict[str, Any]] = {
    "Problem": PROBLEM_SCHEMA,
    "FieldError": _FIELD_ERROR_SCHEMA,
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def problem(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    """An OpenAPI response entry whose body is a problem document."""
    entry: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
    }
    if retry_after:
        entry["headers"] = _RETRY_AFTER
    return entry


# Answers any operation can give; routes add their own (404, 412, 413, 415).
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: problem("Bad request: an unlisted Host, or a malformed Content-Length"),
    422: problem("Invalid parameters or body; `errors` lists each field"),
    429: problem("Too many requests from this client", retry_after=True),
    500: problem("Unexpected error (logged with the request id)"),
    503: problem("A backing service is unavailable", retry_after=True),
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    413: problem("Body larger than MAX_BODY_BYTES"),
    415: problem("Body is not application/json"),
}
