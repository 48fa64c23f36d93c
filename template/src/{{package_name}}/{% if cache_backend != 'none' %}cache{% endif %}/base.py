"""The cache interface the service layer depends on.

Values are opaque bytes (serialized responses), so every backend stores them as they are
and a hit needs no decoding. A backend never raises for being unreachable: a read answers
a miss (`None`) and the service goes to the database instead.
"""

from typing import Protocol


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None:
        """The stored value; None on a miss or when the cache cannot be reached."""

    async def set(self, key: str, value: bytes) -> None:
        """Store `value`; the backend applies its TTL."""

    async def set_if_generation(
        self, key: str, value: bytes, *, counter: str, generation: int
    ) -> None:
        """Store `value` only if `counter` still equals `generation`, as one atomic step."""

    async def delete(self, *keys: str) -> None: ...

    async def generation(self, name: str) -> int | None:
        """Current value of a counter that every `bump` changes to a value it never had
        before; None when it cannot be read."""

    async def bump(self, name: str) -> None:
        """Move a generation counter on; keys built from the old value go stale."""

    async def get_with_generation(self, key: str, counter: str) -> tuple[int | None, bytes | None]:
        """`counter`'s generation and the value stored under `key`, read together (one round
        trip where the backend has them); (None, None) when the cache cannot be reached."""

    async def get_under_generation(
        self, counter: str, *, head: str, tail: str
    ) -> tuple[int | None, bytes | None]:
        """`counter`'s generation and the value stored under `head + generation + tail`, read
        together (one round trip where the backend has them); (None, None) when the cache
        cannot be reached."""

    async def ping(self) -> bool:
        """True when the backend is usable."""

    async def close(self) -> None: ...
