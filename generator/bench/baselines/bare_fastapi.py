"""Baseline 2, the framework floor: one FastAPI route returning a constant response_model.

The same route shape as the service's item read (`GET /items/{item_id}`, an int path
parameter, `response_model`), with no dependencies, database or cache: the least a FastAPI
endpoint of that shape costs on this server.
"""

import inspect
from datetime import UTC, datetime
from decimal import Decimal

from fastapi import FastAPI
from pydantic import BaseModel


class ItemOut(BaseModel):
    id: int
    name: str
    description: str | None
    price: Decimal
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int


STAMP = datetime(2026, 1, 1, tzinfo=UTC)
ITEM = {
    "id": 1,
    "name": "Baseline item",
    "description": "A fixed item returned by the FastAPI baseline",
    "price": Decimal("9.99"),
    "is_active": True,
    "created_at": STAMP,
    "updated_at": STAMP,
    "version": 1,
}


def create_app():
    options = {}
    if "telemetry" in inspect.signature(FastAPI).parameters:
        # The floor is FastAPI at its cheapest: the service turns these hooks off too.
        options["telemetry"] = {"tracing": False, "metrics": False, "logs": False}
    app = FastAPI(**options)

    @app.get("/items/{item_id}", response_model=ItemOut)
    async def get_item(item_id: int):  # noqa: ARG001 - the route's shape, unused
        return ITEM

    return app
