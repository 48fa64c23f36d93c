"""Domain errors become HTTP responses here, and only here."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from ..domain.items import (
    DomainError,
    ItemNotFoundError,
    ServiceUnavailableError,
    VersionMismatchError,
)

_STATUS: dict[type[DomainError], int] = {
    ItemNotFoundError: status.HTTP_404_NOT_FOUND,
    VersionMismatchError: status.HTTP_412_PRECONDITION_FAILED,
    ServiceUnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
}


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    code = next(
        (code for kind, code in _STATUS.items() if isinstance(error, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    headers = None
    if isinstance(error, ServiceUnavailableError):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    return JSONResponse({"detail": str(error)}, status_code=code, headers=headers)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
