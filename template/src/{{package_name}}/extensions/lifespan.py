"""Your startup and shutdown: the service's lifespan runs `lifespan(app, settings)` inside its own.

The code before `yield` runs at startup, once the service's own parts are open
(`app.state.engine`, `app.state.item_service`, `app.state.settings`); the code after it runs at
shutdown, before they close. An exception before `yield` stops the start.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ..core.settings import Settings


@asynccontextmanager
async def lifespan(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Open what your code needs, `yield`, then close it."""
    yield
