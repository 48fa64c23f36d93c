"""Domain errors become HTTP responses here, and only here."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from ..domain.items import DomainError, ItemNotFoundError, VersionMismatchError

_STATUS: dict[type[DomainError], int] = {
    ItemNotFoundError: status.HTTP_404_NOT_FOUND,
    VersionMismatchError: status.HTTP_412_PRECONDITION_FAILED,
}


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    code = next(
        (code for kind, code in _STATUS.items() if isinstance(error, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    return JSONResponse({"detail": str(error)}, status_code=code)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
