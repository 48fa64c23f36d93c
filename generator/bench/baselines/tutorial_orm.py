"""Baseline 3, the plain tutorial app: an ORM session per request, no cache.

What a FastAPI tutorial builds: an `AsyncSession` from a dependency for every request,
`session.get` for a read, `select(...).offset().limit()` for a list page (what the popular
FastAPI templates serve: no count, no cursor), `session.add` + `commit` + `refresh` for a
create, and a `response_model`. DATABASE_URL comes from the environment, as the service reads it.

It maps an ORM class imperatively onto the project's own `items` Table
(`<package>.db.models.items`, the package named in launch.py's PACKAGE_ENV), so the two
read and write the same rows through the same column types (SQLite's integer cents, UTC
timestamps), and it builds its request and response models from that table's columns
instead of writing the fields out again. Nothing else of the service is used: no
repository, no service layer, no schemas, no cache.
"""

import importlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import Column, Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator

PACKAGE_ENV = "SLIPSTREAM_BENCH_PACKAGE"  # set by launch.py
# The soft-delete flag is the table's bookkeeping, not part of an item's answer.
HIDDEN = ("is_deleted",)


def set_on_create(now: datetime) -> dict[str, Any]:
    """The columns the app fills in on a create; the request gives the other non-key ones."""
    return {"is_deleted": False, "created_at": now, "updated_at": now, "version": 1}


SET_ON_CREATE = frozenset(set_on_create(datetime.now(UTC)))


class ItemRow:
    """An item row, its attributes mapped from the table's columns."""


def _value_type(column: Column[Any]) -> Any:
    """The Python type of the column's values (a decorated type's, through its impl)."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return kind.python_type


def _python_type(column: Column[Any]) -> Any:
    kind = _value_type(column)
    return kind | None if column.nullable else kind


def _input_field(column: Column[Any]) -> tuple[Any, Any]:
    """Required unless the database fills it in (NULL, or a server default)."""
    optional = column.nullable or column.server_default is not None
    return (_value_type(column) | None, None) if optional else (_python_type(column), ...)


def item_models(table: Table) -> tuple[type[BaseModel], type[BaseModel]]:
    """(ItemIn, ItemOut): what a create takes, and what every answer holds."""
    writable: dict[str, Any] = {
        column.name: _input_field(column)
        for column in table.columns
        if not column.primary_key and column.name not in SET_ON_CREATE
    }
    shown: dict[str, Any] = {
        column.name: (_python_type(column), ...)
        for column in table.columns
        if column.name not in HIDDEN
    }
    item_in = create_model("ItemIn", **writable)
    item_out = create_model("ItemOut", __config__=ConfigDict(from_attributes=True), **shown)
    return item_in, item_out


def create_app() -> FastAPI:
    table: Table = importlib.import_module(f"{os.environ[PACKAGE_ENV]}.db.models").items
    item_in, item_out = item_models(table)
    engine = create_async_engine(os.environ["DATABASE_URL"])
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        registry().map_imperatively(ItemRow, table)
        yield
        await engine.dispose()

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    app = FastAPI(lifespan=lifespan)
    Session = Annotated[AsyncSession, Depends(get_session)]

    @app.get("/items/{item_id}", response_model=item_out)
    async def get_item(item_id: int, session: Session) -> ItemRow:
        item = await session.get(ItemRow, item_id)
        if item is None:
            raise HTTPException(status_code=404, detail="Item not found")
        return item

    @app.get("/items", response_model=list[item_out])  # type: ignore[valid-type]
    async def list_items(
        session: Session, page: int = 1, per_page: int = 20, is_active: bool | None = None
    ) -> list[ItemRow]:
        query = select(ItemRow).order_by(table.c.id).offset((page - 1) * per_page).limit(per_page)
        if is_active is not None:
            query = query.where(table.c.is_active == is_active)
        return list((await session.scalars(query)).all())

    async def create_item(payload: BaseModel, session: Session) -> ItemRow:
        item = ItemRow()
        values = {**payload.model_dump(exclude_none=True), **set_on_create(datetime.now(UTC))}
        for name, value in values.items():
            setattr(item, name, value)
        session.add(item)
        await session.commit()
        await session.refresh(item)
        return item

    # The request model exists only once the table is read, so it is annotated here.
    create_item.__annotations__["payload"] = item_in
    app.post("/items", response_model=item_out, status_code=201)(create_item)
    return app
