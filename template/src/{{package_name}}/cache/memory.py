"""In-process cache: bounded in size (LRU) and in age (TTL).

Each worker process holds its own copy. A write invalidates the cache of the worker that
served it; other workers may answer from their copy until the TTL expires, so the TTL is
the bound on cross-worker staleness. Use the Redis backend when that is not acceptable.
"""

import time
from collections.abc import Callable

from cachetools import TTLCache


class MemoryCache:
    def __init__(
        self,
        *,
        max_entries: int,
        ttl_seconds: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: TTLCache[str, bytes] = TTLCache(
            maxsize=max_entries, ttl=ttl_seconds, timer=timer
        )
        self._generations: dict[str, int] = {}

    async def get(self, key: str) -> bytes | None:
        return self._entries.get(key)

    async def set(self, key: str, value: bytes) -> None:
        self._entries[key] = value

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def generation(self, name: str) -> int:
        return self._generations.get(name, 0)

    async def bump(self, name: str) -> int:
        value = self._generations.get(name, 0) + 1
        self._generations[name] = value
        return value

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._entries.clear()
