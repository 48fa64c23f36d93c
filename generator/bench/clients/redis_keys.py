"""Delete the keys a bench run left in Redis: every key under one prefix.

    python redis_keys.py <redis url> <prefix>

Run with the benchmarked project's interpreter (a project with the redis cache has
redis-py). Keys are found with SCAN, which never blocks the server as KEYS can, and removed
with UNLINK in batches; the number removed is printed.
"""

from __future__ import annotations

import re
import sys

import redis

BATCH = 500
TIMEOUT_SECONDS = 5.0


def glob_escaped(text: str) -> str:
    """`text` matched literally by a Redis glob pattern."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def drop(url: str, prefix: str) -> int:
    removed = 0
    with redis.Redis.from_url(
        url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
    ) as client:
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{glob_escaped(prefix)}*", count=1000):
            batch.append(key)
            if len(batch) == BATCH:
                removed += client.unlink(*batch)
                batch.clear()
        if batch:
            removed += client.unlink(*batch)
    return removed


def main() -> None:
    print(drop(sys.argv[1], sys.argv[2]))  # noqa: T201 - the command's output


if __name__ == "__main__":
    main()
