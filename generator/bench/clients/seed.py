"""Replace the items of the benchmarked project's database with a fixed data set.

    python seed.py <project package> <count>

Run with the project's interpreter; DATABASE_URL comes from the environment, as the
service reads it. The rows are the same on every run (a seeded generator, fixed
timestamps); the ids the database gave them are printed as JSON for the load scripts,
with the search terms: every description holds three of `WORDS` (each word is in about
15% of the items) and only the first item holds `RARE`.

Rows go in through the project's own table and column types, straight to the driver in
batches of `BATCH` rows (COPY on PostgreSQL, executemany elsewhere), one transaction in
all; progress goes to standard error. On SQLite a trigger-kept FTS5 index is rebuilt once
after the load instead of row by row; on PostgreSQL and MariaDB the table is analyzed
after it (see `analyzed`). Columns the project derives from
the others (a stored search text) are filled by the project's own function for them when
the table has them, so the seeded rows are what the service itself would have written.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import json
import random
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

WORDS = (
    "alpha", "bravo", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo",
    "juniper", "kelp", "lumen", "maple", "nickel", "onyx", "pepper", "quartz", "russet",
    "saffron", "tundra",
)  # fmt: skip
RARE = "zircon"
SEED = 9
BATCH = 10_000
# A project's derived column, and where its function lives: (column, module, function).
DERIVED = (("search_text", "domain.search", "search_text"),)


def rows(count: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible data set, not a secret
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(1, count + 1):
        words = rng.sample(WORDS, 3)
        rare = f" {RARE}" if number == 1 else ""
        yield {
            "name": f"item {number:05d} {words[0]}",
            "description": f"A {words[1]} {words[2]} item for benchmarks{rare}",
            "price": Decimal(rng.randrange(100, 100_000)) / 100,
            "is_active": rng.random() < 0.9,
            "is_deleted": False,
            "created_at": stamp,
            "updated_at": stamp,
            "version": 1,
        }


def derived_columns(package: str, items: Table) -> dict[str, Callable[[str, str | None], str]]:
    """The derived columns this project's table has, each with the project's function."""
    found = {}
    for column, module, function in DERIVED:
        if column in items.c:
            found[column] = getattr(importlib.import_module(f"{package}.{module}"), function)
    return found


def driver_insert(items: Table, dialect: Any, names: list[str]) -> tuple[str, list[str], bool]:
    """The INSERT as the driver takes it: its SQL, the parameter order, positional or not."""
    compiled = (
        insert(items).values({name: bindparam(name) for name in names}).compile(dialect=dialect)
    )
    order = list(compiled.positiontup or names) if compiled.positional else names
    return str(compiled), order, compiled.positional


def bind_processors(
    items: Table, dialect: Any, names: list[str]
) -> dict[str, Callable[[Any], Any]]:
    """What SQLAlchemy does to a value of each column before the driver sees it (the
    project's own column types included), for the columns that need anything done. Each
    remembers its last results: most seeded values repeat (timestamps, flags, versions)."""
    processors: dict[str, Callable[[Any], Any]] = {}
    for name in names:
        processor = items.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = functools.lru_cache(maxsize=4096)(processor)
    return processors


Writer = Callable[[AsyncConnection, list[Any]], Awaitable[None]]


def batch_writer(items: Table, dialect: Any, order: list[str], sql: str) -> Writer:
    """How a batch of prepared rows goes in: COPY on PostgreSQL (asyncpg's binary
    `copy_records_to_table`, psycopg's `COPY ... FROM STDIN`), the driver's executemany
    elsewhere. Either way inside the seeding's one transaction."""
    preparer = dialect.identifier_preparer
    copy_sql = (
        f"COPY {preparer.format_table(items)} "
        f"({', '.join(preparer.quote(name) for name in order)}) FROM STDIN"
    )

    async def executemany(conn: AsyncConnection, batch: list[Any]) -> None:
        await conn.exec_driver_sql(sql, batch)

    async def asyncpg_copy(conn: AsyncConnection, batch: list[Any]) -> None:
        raw: Any = (await conn.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(items.name, records=batch, columns=order)

    async def psycopg_copy(conn: AsyncConnection, batch: list[Any]) -> None:
        raw: Any = (await conn.get_raw_connection()).driver_connection
        async with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in batch:
                await copy.write_row(tuple(row[name] for name in order))

    return {"asyncpg": asyncpg_copy, "psycopg": psycopg_copy}.get(dialect.driver, executemany)


@contextlib.asynccontextmanager
async def sqlite_search_rebuilt(conn: AsyncConnection, table: str) -> AsyncIterator[None]:
    """On SQLite, the triggers on `table` are set aside while the rows go in, and each
    external-content FTS5 table over it is rebuilt once at the end, then the triggers are
    put back, all inside the seeding's transaction: a third of the CPU time of keeping the
    index row by row. Elsewhere the database's own index maintenance is kept as it is."""
    if conn.dialect.name != "sqlite":
        yield
        return
    schema: list[tuple[str, str, str]] = [
        (row.type, row.name, row.sql)
        for row in await conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? OR sql LIKE ?",
            (table, f"%USING fts5(%content='{table}'%"),
        )
    ]
    triggers = [(name, sql) for kind, name, sql in schema if kind == "trigger"]
    searches = [name for kind, name, _sql in schema if kind == "table" and name != table]
    quote = conn.dialect.identifier_preparer.quote  # the names come from sqlite_master
    for name, _sql in triggers:
        await conn.exec_driver_sql(f"DROP TRIGGER {quote(name)}")
    yield
    for name in searches:
        rebuild = f"INSERT INTO {quote(name)}({quote(name)}) VALUES ('rebuild')"  # noqa: S608
        await conn.exec_driver_sql(rebuild)
    for _name, sql in triggers:
        await conn.exec_driver_sql(sql)


async def analyzed(conn: AsyncConnection, table: str) -> None:
    """The table's planner statistics brought up to date, as the server's own background
    work soon would after a bulk load (PostgreSQL's autovacuum, InnoDB's automatic
    statistics). Without them PostgreSQL guessed a term in 15% of a million items at 317
    rows and ordered all 150,000 matches for a page (360 ms) instead of reading the primary
    key until the page was full (0.2 ms). SQLite keeps no statistics unless asked: none."""
    quoted = conn.dialect.identifier_preparer.quote(table)
    statements = {
        "postgresql": "ANALYZE {}",
        "mysql": "ANALYZE TABLE {}",
        "mariadb": "ANALYZE TABLE {}",
    }
    statement = statements.get(conn.dialect.name)
    if statement is not None:
        await conn.exec_driver_sql(statement.format(quoted))


async def seed(package: str, count: int) -> list[int]:
    settings = importlib.import_module(f"{package}.core.settings").get_settings()
    items: Table = importlib.import_module(f"{package}.db.models").items
    engine = importlib.import_module(f"{package}.db.session").create_engine(settings)
    derived = derived_columns(package, items)
    names = [*next(rows(1)), *derived]
    sql, order, positional = driver_insert(items, engine.dialect, names)
    processors = bind_processors(items, engine.dialect, names)
    write = batch_writer(items, engine.dialect, order, sql)
    started = time.monotonic()

    def prepared(row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        for column, derive in derived.items():
            row[column] = derive(row["name"], row["description"])
        for name, process in processors.items():
            row[name] = process(row[name])
        return tuple(row[name] for name in order) if positional else row

    try:
        async with engine.begin() as conn, sqlite_search_rebuilt(conn, items.name):
            await conn.execute(delete(items))
            done = 0
            batch: list[Any] = []
            for row in rows(count):
                batch.append(prepared(row))
                done += 1
                if len(batch) == BATCH or done == count:
                    await write(conn, batch)  # SQLAlchemy's per-row work is done already
                    batch = []
                    rate = done / max(time.monotonic() - started, 1e-9)
                    sys.stderr.write(f"seeded {done:,} of {count:,} items ({rate:,.0f}/s)\n")
                    sys.stderr.flush()
        async with engine.begin() as conn:
            await analyzed(conn, items.name)
        async with engine.connect() as conn:
            ids: list[int] = list(
                (await conn.execute(select(items.c.id).order_by(items.c.id))).scalars()
            )
    finally:
        await engine.dispose()
    return ids


def main() -> None:
    ids = asyncio.run(seed(sys.argv[1], int(sys.argv[2])))
    json.dump({"ids": ids, "words": list(WORDS), "rare": RARE, "common": WORDS[0]}, sys.stdout)


if __name__ == "__main__":
    main()
