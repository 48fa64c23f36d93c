"""Item persistence with SQLAlchemy Core statements.

Core statements skip the ORM's unit of work and identity map; for point reads that
measured about twice the throughput of `session.get`. Each method runs in its own short
transaction, so a request holds a pooled connection only while it talks to the database
(and a cache hit never takes one at all).
"""

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Select,
    Update,
    bindparam,
    delete,
    false,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..db.models import items
from ..domain.items import (
    Item,
    ItemNotFoundError,
    ItemPage,
    ItemQuery,
    NewItem,
    ServiceUnavailableError,
    VersionMismatchError,
)
from ..domain.search import search_text
from .search import EVERY_ITEM, Reading, search_reading

# What an unreachable, restarting or saturated database raises. Constraint violations and
# programming errors are not among them: those stay errors (500) and get fixed.
_UNAVAILABLE = (
    PoolTimeoutError,
    OperationalError,
    InterfaceError,
    DisconnectionError,
    OSError,
    TimeoutError,
)
INSIST_AFTER_SECONDS = 1.0
# Matching items a list counts exactly (Settings.list_count_cap); past it, "more than".
DEFAULT_COUNT_CAP = 10_000
# The same for a search (Settings.search_count_cap).
DEFAULT_SEARCH_COUNT_CAP = 100
# SQLSTATE of a statement the server cancelled (PostgreSQL's statement_timeout).
QUERY_CANCELED = "57014"

# The columns are the domain's fields, selected in their order, so a row maps onto an Item by
# position (faster than by name). A field the table lacks fails here, at import.
_FIELDS = tuple(field.name for field in dataclasses.fields(Item))
_COLUMNS = tuple(items.c[name] for name in _FIELDS)
_NEW_FIELDS = tuple(field.name for field in dataclasses.fields(NewItem))
_LIVE = items.c.is_deleted == false()
# Built once: a point read is the hottest statement, and building it costs more than
# running it from SQLAlchemy's compiled cache.
_GET_ANY = select(*_COLUMNS).where(items.c.id == bindparam("item_id"))
_GET_LIVE = _GET_ANY.where(_LIVE)


def _to_item(row: Sequence[Any]) -> Item:
    # Every statement selects _COLUMNS, one per field: the lengths match by construction,
    # and a strict zip would add about half again to the cost of this mapping.
    return Item(**dict(zip(_FIELDS, row, strict=False)))


def _filters(query: ItemQuery, reading: Reading) -> list[Any]:
    conditions: list[Any] = [_LIVE, *reading.conditions]
    if query.is_active is not None:
        conditions.append(items.c.is_active == query.is_active)
    return conditions


def _counted_by_the_page(query: ItemQuery, rows: int) -> int | None:
    """The total when the page itself shows it, without a count: a page that holds its
    first row but not one past its end is the last, and an empty first page has nothing
    before it. A search for a rare term is then one statement, not two scans."""
    if 0 < rows <= query.per_page or (rows == 0 and query.offset == 0):
        return query.offset + rows
    return None


def capped_count(reading: Reading, conditions: Sequence[Any], cap: int) -> Select[Any]:
    """`SELECT count(*) FROM (SELECT 1 ... LIMIT cap + 1)`: reads at most cap + 1 matching
    rows whatever the table holds, so a count above `cap` only says "more than cap"."""
    matching = select(literal(1)).select_from(reading.source).where(*conditions).limit(cap + 1)
    return select(func.count()).select_from(reading.read(matching).subquery())


@asynccontextmanager
async def _deadline(seconds: float | None) -> AsyncIterator[None]:
    """`asyncio.timeout(seconds)` that insists: cancelled again `INSIST_AFTER_SECONDS` later
    if the first cancellation is held up. psycopg answers a cancellation by asking the
    server to cancel the query and waiting up to 10 s for it; a second one makes it close
    the connection at once."""
    task = asyncio.current_task()
    if seconds is None or task is None:
        yield
        return
    insisted = False

    def insist() -> None:
        nonlocal insisted
        insisted = True
        task.cancel()

    async with asyncio.timeout(seconds):
        handle = asyncio.get_running_loop().call_later(seconds + INSIST_AFTER_SECONDS, insist)
        try:
            yield
        finally:
            handle.cancel()
            if insisted:  # leave the timeout only its own cancellation, for TimeoutError
                task.uncancel()


def _is_unavailable(error: DBAPIError) -> bool:
    """A statement the server cancelled (statement timeout), or a connection that broke."""
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return sqlstate == QUERY_CANCELED


@asynccontextmanager
async def _bounded(conn: AsyncConnection, *, write: bool) -> AsyncIterator[AsyncConnection]:
    """`conn`, returned to the pool when done, or discarded when the call did not finish.

    Not `async with conn`: its exit waits for the ROLLBACK to finish, shielded from
    cancellation, so a database that stopped answering would hold the request for ever.
    After a timeout, a cancellation or a lost connection the connection is invalidated
    instead (closed without a word to the server) and the pool opens a new one.
    """
    try:
        if write:
            await conn.begin()
        yield conn
        if write:
            await conn.commit()
    except BaseException as error:
        await _give_back(conn, discard=_must_discard(error))
        raise
    await _give_back(conn, discard=False)


async def _give_back(conn: AsyncConnection, *, discard: bool) -> None:
    """Back to the pool: rolled back, or invalidated when it cannot be trusted any more (a
    failed rollback included)."""
    if not discard:
        try:
            await conn.close()  # rolls back what is left, within the caller's deadline
        except BaseException as error:
            if _must_discard(error):
                await _give_back(conn, discard=True)
            raise
        return
    try:
        await conn.invalidate()
    finally:
        await conn.close()  # after invalidate() no round trip: it only frees the pool's slot


def _must_discard(error: BaseException) -> bool:
    if isinstance(error, (asyncio.CancelledError, *_UNAVAILABLE)):
        return True
    return isinstance(error, DBAPIError) and _is_unavailable(error)


class ItemRepository:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        call_timeout: float | None = None,
        count_cap: int = DEFAULT_COUNT_CAP,
        search_count_cap: int = DEFAULT_SEARCH_COUNT_CAP,
    ) -> None:
        self._engine = engine
        self._count_cap = count_cap
        self._search_count_cap = search_count_cap
        # SQLite has one writer at a time. Writers queue here, in order, for at most the pool
        # timeout; left to the database they would poll its lock with growing sleeps
        # (busy_timeout), which cut the create rate and put seconds on the slowest writes.
        self._write_turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        pool_timeout = getattr(engine.pool, "timeout", None)
        self._write_wait = pool_timeout() if callable(pool_timeout) else None
        # Each call ends within this, whatever the database does (None: no deadline).
        self._call_timeout = call_timeout
        # Reads are single statements: on PostgreSQL they run in autocommit, without the
        # BEGIN and ROLLBACK around them (3 round trips become 1; both drivers switch modes on
        # the client). MySQL drivers pay round trips to switch, SQLite reads take no BEGIN.
        self._read_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )

    @asynccontextmanager
    async def _connect(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A pooled connection (in a transaction that commits on success when `write`).

        Outages, pool exhaustion and a call past its deadline become
        ServiceUnavailableError, which the API answers with 503 and Retry-After; dead
        connections are replaced (db/liveness.py), so the service recovers by itself once
        the database is back.
        """
        engine = self._engine if write else self._read_engine
        try:
            async with _deadline(self._call_timeout), self._turn(write=write):
                async with _bounded(await engine.connect(), write=write) as conn:
                    yield conn
        except _UNAVAILABLE as error:
            raise ServiceUnavailableError("the database") from error
        except DBAPIError as error:
            if not _is_unavailable(error):
                raise
            raise ServiceUnavailableError("the database") from error

    @asynccontextmanager
    async def _turn(self, *, write: bool) -> AsyncIterator[None]:
        """The SQLite writer's turn (nothing to wait for on other databases, or for reads)."""
        if not write or self._write_turn is None:
            yield
            return
        async with asyncio.timeout(self._write_wait):
            await self._write_turn.acquire()
        try:
            yield
        finally:
            self._write_turn.release()

    async def get(self, item_id: int) -> Item | None:
        async with self._connect() as conn:
            return await self._get(conn, item_id)

    async def list_page(self, query: ItemQuery) -> ItemPage:
        """One page, and in page mode the matching items counted up to the count cap (a
        search's own cap when searching)."""
        reading = search_reading(query.q, self._engine.dialect.name) if query.q else EVERY_ITEM
        cap = self._search_count_cap if reading.searching else self._count_cap
        conditions = _filters(query, reading)
        page_conditions = list(conditions)
        if query.after is not None:
            page_conditions.append(reading.key > query.after)
        statement = reading.read(
            select(*_COLUMNS)
            .select_from(reading.source)
            .where(*page_conditions)
            .order_by(reading.key)
            .limit(query.per_page + 1)
            .offset(query.offset)
        )
        async with self._connect() as conn:
            rows = (await conn.execute(statement)).all()
            counted: int | None = None
            if query.after is None:
                counted = _counted_by_the_page(query, len(rows))
                if counted is None:
                    count = capped_count(reading, conditions, cap)
                    counted = (await conn.execute(count)).scalar_one()
        found = [_to_item(row) for row in rows[: query.per_page]]
        has_more = len(rows) > query.per_page
        return ItemPage(
            items=found,
            page=query.page,
            per_page=query.per_page,
            total=None if counted is None else min(counted, cap),
            total_is_exact=None if counted is None else counted <= cap,
            next_after=found[-1].id if has_more and found else None,
        )

    async def create(self, new: NewItem) -> Item:
        now = datetime.now(UTC)
        values = {
            **{name: getattr(new, name) for name in _NEW_FIELDS},
            "is_deleted": False,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "search_text": search_text(new.name, new.description),
        }
        async with self._connect(write=True) as conn:
            if conn.dialect.insert_returning:
                row = (await conn.execute(insert(items).values(values).returning(*_COLUMNS))).one()
                return _to_item(row)
            result = await conn.execute(insert(items).values(values))
            key = result.inserted_primary_key
            item = None if key is None else await self._get(conn, key[0])
        if item is None:  # the row was inserted in this very transaction
            raise RuntimeError("inserted item could not be read back")
        return item

    async def update(
        self, item_id: int, changes: Mapping[str, Any], expected_version: int | None = None
    ) -> Item:
        """Apply `changes`, bump the version; raise if missing or not at `expected_version`."""
        conditions = [items.c.id == item_id, _LIVE]
        if expected_version is not None:
            conditions.append(items.c.version == expected_version)
        searched = {"name", "description"} & changes.keys()
        values = dict(changes)
        if searched == {"name", "description"}:
            values["search_text"] = search_text(changes["name"], changes["description"])
        statement = (
            update(items)
            .where(*conditions)
            .values(**values, version=items.c.version + 1, updated_at=datetime.now(UTC))
        )
        async with self._connect(write=True) as conn:
            item = await self._update(conn, statement, item_id)
            if item is None:
                raise await self._write_error(conn, item_id, expected_version)
            if searched and "search_text" not in values:
                # One of the two changed: the other is the row's, locked by this update.
                text = search_text(item.name, item.description)
                await conn.execute(
                    update(items).where(items.c.id == item_id).values(search_text=text)
                )
            return item

    @staticmethod
    async def _update(conn: AsyncConnection, statement: Update, item_id: int) -> Item | None:
        """The updated item, or None when no row matched."""
        if conn.dialect.update_returning:
            row = (await conn.execute(statement.returning(*_COLUMNS))).one_or_none()
            return None if row is None else _to_item(row)
        result = await conn.execute(statement)
        if result.rowcount != 1:
            return None
        # Read back in the same transaction, even a row this update hid.
        return await ItemRepository._get(conn, item_id, live_only=False)

    async def soft_delete(self, item_id: int, expected_version: int | None = None) -> None:
        await self.update(item_id, {"is_deleted": True}, expected_version)

    async def hard_delete(self, item_id: int, expected_version: int | None = None) -> None:
        """Remove the row itself, soft-deleted or not."""
        conditions = [items.c.id == item_id]
        if expected_version is not None:
            conditions.append(items.c.version == expected_version)
        async with self._connect(write=True) as conn:
            result = await conn.execute(delete(items).where(*conditions))
            if result.rowcount != 1:
                exists = await conn.execute(select(literal(1)).where(items.c.id == item_id))
                if exists.first() is None or expected_version is None:
                    raise ItemNotFoundError(item_id)
                raise VersionMismatchError(item_id, expected_version)

    async def ping(self) -> None:
        async with self._connect() as conn:
            await conn.execute(select(literal(1)))

    @staticmethod
    async def _get(conn: AsyncConnection, item_id: int, *, live_only: bool = True) -> Item | None:
        statement = _GET_LIVE if live_only else _GET_ANY
        row = (await conn.execute(statement, {"item_id": item_id})).one_or_none()
        return None if row is None else _to_item(row)

    async def _write_error(
        self, conn: AsyncConnection, item_id: int, expected_version: int | None
    ) -> Exception:
        if expected_version is None or await self._get(conn, item_id) is None:
            return ItemNotFoundError(item_id)
        return VersionMismatchError(item_id, expected_version)
