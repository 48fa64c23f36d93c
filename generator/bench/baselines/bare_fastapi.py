"""Baseline 2, the framework floor: one FastAPI route returning a constant response_model.

The same route shape as the service's item read (`GET /items/{item_id}`, an int path
parameter, `response_model`), with no dependencies, database or cache: the least a FastAPI
endpoint of that shape costs on this server.

The response model is derived from the constant item (each field typed by its value), so
the item's fields are written once here; the values keep the service's types (Decimal
price, datetimes), so the floor serialises what the service's read serialises.
"""

import inspect
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, create_model

STAMP = datetime(2026, 1, 1, tzinfo=UTC)
ITEM: dict[str, Any] = {
    "id": 1,
    "name": "Baseline item",
    "description": "A fixed item returned by the FastAPI baseline",
    "price": Decimal("9.99"),
    "is_active": True,
    "created_at": STAMP,
    "updated_at": STAMP,
    "version": 1,
}
FIELDS: dict[str, Any] = {name: (type(value), ...) for name, value in ITEM.items()}
ItemOut: type[BaseModel] = create_model("ItemOut", **FIELDS)


def create_app() -> FastAPI:
    options: dict[str, Any] = {}
    if "telemetry" in inspect.signature(FastAPI).parameters:
        # The floor is FastAPI at its cheapest: the service turns these hooks off too.
        options["telemetry"] = {"tracing": False, "metrics": False, "logs": False}
    app = FastAPI(**options)

    @app.get("/items/{item_id}", response_model=ItemOut)
    async def get_item(item_id: int) -> dict[str, Any]:  # noqa: ARG001 - the route's shape
        return ITEM

    return app
