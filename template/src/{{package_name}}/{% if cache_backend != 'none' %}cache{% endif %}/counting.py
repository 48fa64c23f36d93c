"""A cache wrapper that counts lookups as hits and misses, whatever the backend."""

from prometheus_client import Counter

from .base import Cache

KINDS = ("item", "list")


class CountingCache:
    """Delegates to `inner`; every `get` counts as a hit or a miss of its kind of key."""

    def __init__(self, inner: Cache, lookups: Counter) -> None:
        self._inner = inner
        self._hits = {kind: lookups.labels(kind, "hit") for kind in KINDS}
        self._misses = {kind: lookups.labels(kind, "miss") for kind in KINDS}

    async def get(self, key: str) -> bytes | None:
        value = await self._inner.get(key)
        kind = "list" if ":list:" in key else "item"  # <prefix>:list:<generation>:<hash>
        (self._misses if value is None else self._hits)[kind].inc()
        return value

    async def set(self, key: str, value: bytes) -> None:
        await self._inner.set(key, value)

    async def set_if_generation(
        self, key: str, value: bytes, *, counter: str, generation: int
    ) -> None:
        await self._inner.set_if_generation(key, value, counter=counter, generation=generation)

    async def delete(self, *keys: str) -> None:
        await self._inner.delete(*keys)

    async def generation(self, name: str) -> int | None:
        return await self._inner.generation(name)

    async def bump(self, name: str) -> None:
        await self._inner.bump(name)

    async def ping(self) -> bool:
        return await self._inner.ping()

    async def close(self) -> None:
        await self._inner.close()
