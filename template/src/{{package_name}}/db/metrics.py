"""Pool gauge: connections checked out, kept up to date by the pool's own events."""

from typing import Any

from prometheus_client import Gauge
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


def watch_pool(engine: AsyncEngine, checked_out: Gauge) -> None:
    """Count checkouts and checkins of `engine`'s pool (and of the pools that replace it)."""

    def on_checkout(*_: Any) -> None:
        checked_out.inc()

    def on_checkin(*_: Any) -> None:
        checked_out.dec()

    event.listen(engine.sync_engine, "checkout", on_checkout)
    event.listen(engine.sync_engine, "checkin", on_checkin)
