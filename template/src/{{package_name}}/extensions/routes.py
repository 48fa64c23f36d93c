"""Your routes: `create_app` includes `router` after the service's own routes.

Add endpoints to `router`, or include routers from modules of your own:

    from .reports import router as reports_router

    router.include_router(reports_router)

They are served behind every defence of the service (request ids, metrics, error documents,
the body limit, the rate limiter), like the item routes.
"""

from fastapi import APIRouter

router = APIRouter()
