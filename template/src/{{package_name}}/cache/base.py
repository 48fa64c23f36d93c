"""The cache interface the service layer depends on.

Values are opaque bytes (serialized responses), so every backend stores them as they are
and a hit needs no decoding.
"""

from typing import Protocol


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes) -> None:
        """Store `value`; the backend applies its TTL."""

    async def delete(self, *keys: str) -> None: ...

    async def generation(self, name: str) -> int:
        """Current value of a counter that `bump` increases (0 when never bumped)."""

    async def bump(self, name: str) -> int:
        """Increase a generation counter; keys built from the old value go stale."""

    async def ping(self) -> bool:
        """True when the backend is usable."""

    async def close(self) -> None: ...
