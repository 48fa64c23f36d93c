"""Item use-cases, read from the repository and answered as serialized responses.

The API layer hands in the encoders (Pydantic lives there), so what the service returns
is the exact JSON body a client receives, with its entity tag.
"""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.items import Item, ItemNotFoundError, ItemPage, ItemQuery, NewItem
from ..repository.items import ItemRepository


@dataclass(slots=True, frozen=True)
class Body:
    """A serialized response and its strong entity tag; for a list page, the `after` of
    the next page (None on the last), from which the API writes its `Link` header."""

    etag: str
    content: bytes
    next_after: int | None = None


def body_etag(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


class ItemService:
    def __init__(
        self,
        repository: ItemRepository,
        *,
        encode_item: Callable[[Item], bytes],
        encode_page: Callable[[ItemPage], bytes],
    ) -> None:
        self.repository = repository
        self._encode_item = encode_item
        self._encode_page = encode_page

    async def item_body(self, item_id: int) -> Body:
        item = await self.repository.get(item_id)
        if item is None:
            raise ItemNotFoundError(item_id)
        return Body(item.etag, self._encode_item(item))

    async def page_body(self, query: ItemQuery) -> Body:
        page = await self.repository.list_page(query)
        content = self._encode_page(page)
        return Body(body_etag(content), content, page.next_after)

    async def create(self, new: NewItem) -> Item:
        return await self.repository.create(new)

    async def update(
        self, item_id: int, changes: Mapping[str, Any], expected_version: int | None = None
    ) -> Item:
        return await self.repository.update(item_id, changes, expected_version)

    async def delete(
        self, item_id: int, *, permanent: bool, expected_version: int | None = None
    ) -> None:
        if permanent:
            await self.repository.hard_delete(item_id, expected_version)
        else:
            await self.repository.soft_delete(item_id, expected_version)
