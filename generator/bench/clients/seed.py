"""Replace the items of the benchmarked project's database with a fixed data set.

    python seed.py <project package> <count>

Run with the project's interpreter; DATABASE_URL comes from the environment, as the
service reads it. The rows are the same on every run (a seeded generator, fixed
timestamps); the ids the database gave them are printed as JSON for the load scripts.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, insert, select

WORDS = (
    "alpha", "bravo", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo",
    "juniper", "kelp", "lumen", "maple", "nickel", "onyx", "pepper", "quartz", "russet",
    "saffron", "tundra",
)  # fmt: skip
SEED = 9
BATCH = 1000


def rows(count: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible data set, not a secret
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(1, count + 1):
        words = rng.sample(WORDS, 3)
        yield {
            "name": f"item {number:05d} {words[0]}",
            "description": f"A {words[1]} {words[2]} item for benchmarks",
            "price": Decimal(rng.randrange(100, 100_000)) / 100,
            "is_active": rng.random() < 0.9,
            "is_deleted": False,
            "created_at": stamp,
            "updated_at": stamp,
            "version": 1,
        }


async def seed(package: str, count: int) -> list[int]:
    settings = importlib.import_module(f"{package}.core.settings").get_settings()
    items: Table = importlib.import_module(f"{package}.db.models").items
    engine = importlib.import_module(f"{package}.db.session").create_engine(settings)
    try:
        async with engine.begin() as conn:
            await conn.execute(delete(items))
            batch: list[dict[str, Any]] = []
            for row in rows(count):
                batch.append(row)
                if len(batch) == BATCH:
                    await conn.execute(insert(items), batch)
                    batch = []
            if batch:
                await conn.execute(insert(items), batch)
        async with engine.connect() as conn:
            ids: list[int] = list(
                (await conn.execute(select(items.c.id).order_by(items.c.id))).scalars()
            )
    finally:
        await engine.dispose()
    return ids


def main() -> None:
    ids = asyncio.run(seed(sys.argv[1], int(sys.argv[2])))
    json.dump({"ids": ids, "words": list(WORDS)}, sys.stdout)


if __name__ == "__main__":
    main()
