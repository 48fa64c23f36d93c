"""Engine construction: one pool per process, tuned for the dialect."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ..core.settings import Settings


def _sqlite_pragmas(busy_timeout_ms: int) -> list[str]:
    # WAL lets readers run beside the writer; NORMAL is durable in WAL mode except
    # for the last transactions on power loss, and doubles the insert rate.
    return [
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        f"PRAGMA busy_timeout={int(busy_timeout_ms)}",
        "PRAGMA foreign_keys=ON",
    ]


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url)
    engine = create_async_engine(url, echo=settings.database_echo)
    if url.get_backend_name() == "sqlite":
        pragmas = _sqlite_pragmas(settings.sqlite_busy_timeout_ms)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                for pragma in pragmas:
                    cursor.execute(pragma)
            finally:
                cursor.close()

    return engine
