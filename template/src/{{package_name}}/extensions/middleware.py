"""Your middleware: `create_app` calls `install(app, settings)` before adding its own.

What you add here runs inside the service's edge layers, so its errors still end in a
problem document, its log lines carry the request id and its time counts in the metrics:

    from starlette.middleware.gzip import GZipMiddleware

    app.add_middleware(GZipMiddleware, minimum_size=1024)
"""

from fastapi import FastAPI

from ..core.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add middleware of your own to `app`; `settings` are the service's settings."""
