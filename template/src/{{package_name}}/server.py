"""Runs the service under its ASGI server with settings from the environment."""

import sys

import uvicorn

from .core.settings import Settings

APP_FACTORY = f"{__package__}.main:create_app"


def run(settings: Settings, *, reload: bool = False) -> None:
    """Serve until SIGINT/SIGTERM.

    Uvicorn finishes in-flight requests (up to `graceful_shutdown_seconds`), runs the
    lifespan shutdown, then re-raises the signal, so the process ends with it
    (exit status 128 + 15 after SIGTERM) as the signal's default action would.
    """
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=None if reload else settings.web_concurrency,
        reload=reload,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http="httptools",
        lifespan="on",
        access_log=settings.access_log_enabled,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        timeout_keep_alive=5,
        backlog=2048,
        server_header=False,
    )
