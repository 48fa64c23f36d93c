"""Readiness: can this process reach what it needs?"""

import asyncio

from ..cache.base import Cache
from ..repository.items import ItemRepository

CHECK_TIMEOUT_SECONDS = 2.0


async def readiness(repository: ItemRepository, cache: Cache) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(repository.ping(), CHECK_TIMEOUT_SECONDS)
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    try:
        healthy = await asyncio.wait_for(cache.ping(), CHECK_TIMEOUT_SECONDS)
        checks["cache"] = "ok" if healthy else "degraded"
    except Exception:
        checks["cache"] = "degraded"
    return checks
