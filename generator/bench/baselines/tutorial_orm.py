"""Baseline 3, the plain tutorial app: an ORM session per request, no cache.

What a FastAPI tutorial builds: an `AsyncSession` from a dependency for every request,
`session.get` for a read, `session.add` + `commit` + `refresh` for a create, and a
`response_model`. It maps the service's own `items` table (reflected at startup) on the
same database, so the two read and write the same rows. DATABASE_URL comes from the
environment, as the service reads it.
"""

import os
from datetime import UTC, datetime
from decimal import Decimal

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry


class ItemRow:
    pass


class ItemIn(BaseModel):
    name: str
    description: str | None = None
    price: Decimal
    is_active: bool = True


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    price: Decimal
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int


def create_app():
    engine = create_async_engine(os.environ["DATABASE_URL"])
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    mapper_registry = registry()

    async def lifespan(_app):
        async with engine.connect() as conn:
            table = await conn.run_sync(
                lambda sync_conn: Table("items", MetaData(), autoload_with=sync_conn)
            )
        mapper_registry.map_imperatively(ItemRow, table)
        yield
        await engine.dispose()

    async def get_session():
        async with sessions() as session:
            yield session

    app = FastAPI(lifespan=lifespan)

    @app.get("/items/{item_id}", response_model=ItemOut)
    async def get_item(item_id: int, session: AsyncSession = Depends(get_session)):  # noqa: B008
        item = await session.get(ItemRow, item_id)
        if item is None:
            raise HTTPException(status_code=404, detail="Item not found")
        return item

    @app.post("/items", response_model=ItemOut, status_code=201)
    async def create_item(payload: ItemIn, session: AsyncSession = Depends(get_session)):  # noqa: B008
        now = datetime.now(UTC)
        if engine.dialect.name != "postgresql":
            now = now.replace(tzinfo=None)  # the service stores UTC wall time there
        values = payload.model_dump()
        if engine.dialect.name == "sqlite":
            # The service's table stores SQLite prices as integer cents.
            values["price"] = int(values["price"] * 100)
        item = ItemRow()
        for name, value in values.items():
            setattr(item, name, value)
        item.is_deleted = False
        item.created_at = now
        item.updated_at = now
        item.version = 1
        session.add(item)
        await session.commit()
        await session.refresh(item)
        return item

    return app
