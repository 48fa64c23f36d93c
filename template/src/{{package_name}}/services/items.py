"""Item use-cases: read-through caching of serialized responses and invalidation on writes.

The API layer hands in the encoders (Pydantic lives there), so what is cached is the exact
JSON body a client receives: a cache hit skips the database, the models and serialization.
"""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..cache.base import Cache
from ..cache.singleflight import SingleFlight
from ..domain.items import Item, ItemNotFoundError, ItemPage, ItemQuery, NewItem
from ..repository.items import ItemRepository

LIST_GENERATION = "list-generation"


@dataclass(slots=True, frozen=True)
class Body:
    """A serialized response and its strong entity tag."""

    etag: str
    content: bytes

    def pack(self) -> bytes:
        return self.etag.encode() + b"\n" + self.content

    @classmethod
    def unpack(cls, packed: bytes) -> "Body":
        etag, _, content = packed.partition(b"\n")
        return cls(etag.decode(), content)


def body_etag(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def query_key(query: ItemQuery) -> str:
    raw = f"{query.page}|{query.per_page}|{query.is_active}|{query.after}|{query.q or ''}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


class ItemService:
    def __init__(
        self,
        repository: ItemRepository,
        *,
        cache: Cache,
        key_prefix: str,
        encode_item: Callable[[Item], bytes],
        encode_page: Callable[[ItemPage], bytes],
    ) -> None:
        self.repository = repository
        self._cache = cache
        self._prefix = key_prefix
        self._encode_item = encode_item
        self._encode_page = encode_page
        self._flight: SingleFlight[Body] = SingleFlight()

    def item_key(self, item_id: int) -> str:
        return f"{self._prefix}:item:{item_id}"

    async def item_body(self, item_id: int) -> Body:
        key = self.item_key(item_id)
        cached = await self._cache.get(key)
        if cached is not None:
            return Body.unpack(cached)

        async def load() -> Body:
            generation = await self._cache.generation(self._generation_name)
            item = await self.repository.get(item_id)
            if item is None:
                raise ItemNotFoundError(item_id)
            body = Body(item.etag, self._encode_item(item))
            await self._store(key, body, generation)
            return body

        return await self._flight.run(key, load)

    async def page_body(self, query: ItemQuery) -> Body:
        generation = await self._cache.generation(self._generation_name)
        key = f"{self._prefix}:list:{generation}:{query_key(query)}"
        cached = await self._cache.get(key)
        if cached is not None:
            return Body.unpack(cached)

        async def load() -> Body:
            content = self._encode_page(await self.repository.list_page(query))
            body = Body(body_etag(content), content)
            await self._store(key, body, generation)
            return body

        return await self._flight.run(key, load)

    async def create(self, new: NewItem) -> Item:
        item = await self.repository.create(new)
        await self._cache.bump(self._generation_name)
        return item

    async def update(
        self, item_id: int, changes: Mapping[str, Any], expected_version: int | None = None
    ) -> Item:
        try:
            return await self.repository.update(item_id, changes, expected_version)
        finally:
            await self._invalidate(item_id)

    async def delete(
        self, item_id: int, *, permanent: bool, expected_version: int | None = None
    ) -> None:
        try:
            if permanent:
                await self.repository.hard_delete(item_id, expected_version)
            else:
                await self.repository.soft_delete(item_id, expected_version)
        finally:
            await self._invalidate(item_id)

    @property
    def _generation_name(self) -> str:
        return f"{self._prefix}:{LIST_GENERATION}"

    async def _store(self, key: str, body: Body, generation: int) -> None:
        # A write that committed while this body was loading has bumped the generation:
        # storing the body now could keep stale data alive, so it is dropped instead.
        if await self._cache.generation(self._generation_name) == generation:
            await self._cache.set(key, body.pack())

    async def _invalidate(self, item_id: int) -> None:
        # Bump first: a load that started before this write sees the new generation
        # and does not store what it read.
        await self._cache.bump(self._generation_name)
        await self._cache.delete(self.item_key(item_id))
