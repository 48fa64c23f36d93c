"""Item persistence with SQLAlchemy Core statements, run by db/execution.py.

Core statements skip the ORM's unit of work and identity map; for point reads that
measured about twice the throughput of `session.get`. Each statement shape is built and
compiled once (the list pages, counts and updates by the parameters they take), then run
with its values on a pooled connection in autocommit: a read, or a write that is one
statement, is one round trip. A request holds a connection only while it talks to the
database (and a cache hit never takes one at all).
"""

import dataclasses
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Integer,
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
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

from ..db.execution import Call, Database, Prepared
from ..db.models import items
from ..domain.items import (
    Item,
    ItemNotFoundError,
    ItemPage,
    ItemQuery,
    NewItem,
    VersionMismatchError,
)
from ..domain.search import search_text
from .search import EVERY_ITEM, Reading, search_reading

# Matching items a list counts exactly (Settings.list_count_cap); past it, "more than".
DEFAULT_COUNT_CAP = 1_000
# The same for a search (Settings.search_count_cap).
DEFAULT_SEARCH_COUNT_CAP = 100

# The columns are the domain's fields, selected in their order, so a row maps onto an Item by
# position (faster than by name). A field the table lacks fails here, at import.
_FIELDS = tuple(field.name for field in dataclasses.fields(Item))
_COLUMNS = tuple(items.c[name] for name in _FIELDS)
_NEW_FIELDS = tuple(field.name for field in dataclasses.fields(NewItem))
# What a create writes besides the new item's own fields.
_CREATED = ("is_deleted", "created_at", "updated_at", "version", "search_text")
_LIVE = items.c.is_deleted == false()
_ID = items.c.id == bindparam("item_id")
_GET_ANY = select(*_COLUMNS).where(_ID)
_GET_LIVE = _GET_ANY.where(_LIVE)
_EXISTS = select(literal(1)).where(_ID)
_PING = select(literal(1))


def _value(name: str) -> Any:
    """A value written to column `name`, bound under a name of its own (SQLAlchemy keeps
    the column's name for itself in an INSERT or UPDATE)."""
    return bindparam(f"new_{name}", type_=items.c[name].type)


_INSERT = insert(items).values({name: _value(name) for name in (*_NEW_FIELDS, *_CREATED)})
_INSERT_RETURNING = _INSERT.returning(*_COLUMNS)


def _filters(reading: Reading, *, active: bool) -> list[ColumnElement[bool]]:
    """The live rows `reading` finds (with the `is_active` value given, when `active`)."""
    conditions: list[ColumnElement[bool]] = [_LIVE, *reading.conditions]
    if active:
        conditions.append(items.c.is_active == bindparam("is_active"))
    return conditions


def _page(reading: Reading, *, active: bool, after: bool) -> Select[Any]:
    """A page of `reading`'s items in id order: `limit` rows from `offset`, or from the
    first id past `after`."""
    conditions = _filters(reading, active=active)
    if after:
        conditions.append(reading.key > bindparam("after"))
    return reading.read(
        select(*_COLUMNS)
        .select_from(reading.source)
        .where(*conditions)
        .order_by(reading.key)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


def capped_count(reading: Reading, *, active: bool) -> Select[Any]:
    """`SELECT count(*) FROM (SELECT 1 ... LIMIT count_limit)`: reads at most `count_limit`
    (the cap + 1) matching rows whatever the table holds, so a count above the cap only says
    "more than the cap"."""
    matching = (
        select(literal(1))
        .select_from(reading.source)
        .where(*_filters(reading, active=active))
        .limit(bindparam("count_limit", type_=Integer))
    )
    return select(func.count()).select_from(reading.read(matching).subquery())


def _counted_by_the_page(query: ItemQuery, rows: int) -> int | None:
    """The total when the page itself shows it, without a count: a page that holds its
    first row but not one past its end is the last, and an empty first page has nothing
    before it. A search for a rare term is then one statement, not two scans."""
    if 0 < rows <= query.per_page or (rows == 0 and query.offset == 0):
        return query.offset + rows
    return None


def _to_item(row: Sequence[Any]) -> Item:
    # Every statement selects _COLUMNS, one per field: the lengths match by construction,
    # and a strict zip would add about half again to the cost of this mapping.
    return Item(**dict(zip(_FIELDS, row, strict=False)))


def _changed(names: Sequence[str], *, versioned: bool) -> Update:
    """The UPDATE that writes the columns `names` (and bumps the version) of the live item
    `item_id`, at `expected_version` when `versioned`."""
    conditions = [_ID, _LIVE]
    if versioned:
        conditions.append(items.c.version == bindparam("expected_version"))
    return (
        update(items)
        .where(*conditions)
        .values(
            {
                **{name: _value(name) for name in names},
                "version": items.c.version + 1,
                "updated_at": _value("updated_at"),
            }
        )
    )


def _search_update() -> Update:
    return update(items).where(_ID).values(search_text=_value("search_text"))


class ItemRepository:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        call_timeout: float | None = None,
        count_cap: int = DEFAULT_COUNT_CAP,
        search_count_cap: int = DEFAULT_SEARCH_COUNT_CAP,
    ) -> None:
        self.database = Database(engine, call_timeout=call_timeout)
        self._dialect_name = engine.dialect.name
        self._count_cap = count_cap
        self._search_count_cap = search_count_cap
        self._prepared: dict[Hashable, Prepared] = {}
        self._get_live = self._statement("get live", lambda: _GET_LIVE)
        self._get_any = self._statement("get any", lambda: _GET_ANY)

    def _statement(self, shape: Hashable, build: Callable[[], ClauseElement]) -> Prepared:
        """The statement of `shape`, built and compiled the first time it is asked for."""
        prepared = self._prepared.get(shape)
        if prepared is None:
            prepared = self._prepared[shape] = self.database.prepare(build())
        return prepared

    async def get(self, item_id: int) -> Item | None:
        row = await self.database.run(lambda call: call.first(self._get_live, {"item_id": item_id}))
        return None if row is None else _to_item(row)

    async def list_page(self, query: ItemQuery) -> ItemPage:
        """One page, and in page mode the matching items counted up to the count cap (a
        search's own cap when searching)."""
        reading = search_reading(query.q, self._dialect_name) if query.q else EVERY_ITEM
        cap = self._search_count_cap if reading.searching else self._count_cap
        active = query.is_active is not None
        after = query.after is not None
        page = self._statement(
            ("page", reading.shape, active, after),
            lambda: _page(reading, active=active, after=after),
        )
        values = {
            **reading.values,
            "is_active": query.is_active,
            "after": query.after,
            "limit": query.per_page + 1,
            "offset": query.offset,
            "count_limit": cap + 1,
        }

        def read(call: Call) -> tuple[Sequence[Any], int | None]:
            rows = call.rows(page, values)
            if after:
                return rows, None
            counted = _counted_by_the_page(query, len(rows))
            if counted is None:
                count = self._statement(
                    ("count", reading.shape, active), lambda: capped_count(reading, active=active)
                )
                counted = call.scalar(count, values)
            return rows, counted

        rows, counted = await self.database.run(read)
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
            **{f"new_{name}": getattr(new, name) for name in _NEW_FIELDS},
            "new_is_deleted": False,
            "new_created_at": now,
            "new_updated_at": now,
            "new_version": 1,
            "new_search_text": search_text(new.name, new.description),
        }
        if self.database.dialect.insert_returning:
            inserted = self._statement("insert returning", lambda: _INSERT_RETURNING)
            row = await self.database.run(lambda call: call.first(inserted, values), write=True)
        else:
            insert_only = self._statement("insert", lambda: _INSERT)

            def insert_and_read(call: Call) -> Sequence[Any] | None:
                key = call.insert(insert_only, values)
                return call.first(self._get_any, {"item_id": key})

            row = await self.database.transaction(insert_and_read)
        if row is None:  # the row was inserted in this very call
            raise RuntimeError("inserted item could not be read back")
        return _to_item(row)

    async def update(
        self, item_id: int, changes: Mapping[str, Any], expected_version: int | None = None
    ) -> Item:
        """Apply `changes`, bump the version; raise if missing or not at `expected_version`."""
        changes = dict(changes)
        searched = {"name", "description"} & changes.keys()
        if searched == {"name", "description"}:
            changes["search_text"] = search_text(changes["name"], changes["description"])
        # One of the two changed: the other is the row's, read back under this update's lock.
        rewrite_search = bool(searched) and "search_text" not in changes
        returning = self.database.dialect.update_returning
        names = tuple(sorted(changes))
        versioned = expected_version is not None

        def build() -> ClauseElement:
            statement = _changed(names, versioned=versioned)
            return statement.returning(*_COLUMNS) if returning else statement

        statement = self._statement(("update", names, versioned), build)
        values = {f"new_{name}": value for name, value in changes.items()}
        values.update(
            item_id=item_id, expected_version=expected_version, new_updated_at=datetime.now(UTC)
        )

        def write(call: Call) -> Item | Exception:
            if returning:
                row = call.first(statement, values)
            elif call.execute(statement, values) != 1:
                row = None
            else:  # read back in the same transaction, even a row this update hid
                row = call.first(self._get_any, {"item_id": item_id})
            if row is None:
                return self._write_error(call, item_id, expected_version)
            item = _to_item(row)
            if rewrite_search:
                rewrite = self._statement("rewrite search text", _search_update)
                text = search_text(item.name, item.description)
                call.execute(rewrite, {"item_id": item_id, "new_search_text": text})
            return item

        if returning and not rewrite_search:  # one statement: atomic by itself
            written = await self.database.run(write, write=True)
        else:
            written = await self.database.transaction(write)
        if isinstance(written, Exception):
            raise written
        return written

    async def soft_delete(self, item_id: int, expected_version: int | None = None) -> None:
        await self.update(item_id, {"is_deleted": True}, expected_version)

    async def hard_delete(self, item_id: int, expected_version: int | None = None) -> None:
        """Remove the row itself, soft-deleted or not."""
        versioned = expected_version is not None

        def build() -> ClauseElement:
            statement = delete(items).where(_ID)
            if versioned:
                statement = statement.where(items.c.version == bindparam("expected_version"))
            return statement

        deleting = self._statement(("delete", versioned), build)
        exists = self._statement("exists", lambda: _EXISTS)
        values = {"item_id": item_id, "expected_version": expected_version}

        def remove(call: Call) -> Exception | None:
            if call.execute(deleting, values) == 1:
                return None
            if expected_version is None or call.first(exists, values) is None:
                return ItemNotFoundError(item_id)  # soft-deleted rows count: they are removed
            return VersionMismatchError(item_id, expected_version)

        error = await self.database.run(remove, write=True)
        if error is not None:
            raise error

    async def ping(self) -> None:
        ping = self._statement("ping", lambda: _PING)
        await self.database.run(lambda call: call.first(ping))

    def _write_error(self, call: Call, item_id: int, expected_version: int | None) -> Exception:
        """Why a write that matched no row did not: no such live item, or another version."""
        if expected_version is None or call.first(self._get_live, {"item_id": item_id}) is None:
            return ItemNotFoundError(item_id)
        return VersionMismatchError(item_id, expected_version)
