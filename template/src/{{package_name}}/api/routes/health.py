"""Liveness and readiness probes."""

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from ...services.health import readiness
from ..deps import CacheDep, ItemServiceDep

router = APIRouter(prefix="/health", tags=["health"])


@router.get("")
async def live() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "The database is unreachable"}})
async def ready(service: ItemServiceDep, cache: CacheDep) -> Response:
    """The database answers; the cache is reported but never makes the service unready."""
    checks = await readiness(service.repository, cache)
    ok = checks["database"] == "ok"
    return JSONResponse(
        {"status": "ready" if ok else "unavailable", "checks": checks},
        status_code=status.HTTP_200_OK if ok else status.HTTP_503_SERVICE_UNAVAILABLE,
    )
