"""Many concurrent requests through the API against the real database."""

import asyncio
from decimal import Decimal

import httpx
import pytest

pytestmark = pytest.mark.anyio

WRITERS = 60


async def test_concurrent_writes_and_reads_are_all_kept(client: httpx.AsyncClient) -> None:
    async def write(n: int) -> int:
        response = await client.post("/items", json={"name": f"c{n}", "price": f"{n + 1}.25"})
        assert response.status_code == 201, response.text
        item_id: int = response.json()["id"]
        read = await client.get(f"/items/{item_id}")
        assert read.status_code == 200, read.text
        return item_id

    async def list_pages() -> None:
        response = await client.get("/items", params={"per_page": 100})
        assert response.status_code == 200, response.text

    results = await asyncio.gather(
        *(write(n) for n in range(WRITERS)), *(list_pages() for _ in range(WRITERS // 3))
    )
    ids = [result for result in results if isinstance(result, int)]
    assert len(set(ids)) == WRITERS

    listed = (await client.get("/items", params={"per_page": 100})).json()
    assert listed["total"] == WRITERS
    prices = {item["name"]: Decimal(item["price"]) for item in listed["items"]}
    assert prices == {f"c{n}": Decimal(f"{n + 1}.25") for n in range(WRITERS)}


async def test_concurrent_patches_each_bump_the_version(client: httpx.AsyncClient) -> None:
    item_id = (await client.post("/items", json={"name": "hot", "price": "1.00"})).json()["id"]
    responses = await asyncio.gather(
        *(client.patch(f"/items/{item_id}", json={"price": f"{n + 2}.00"}) for n in range(20))
    )
    assert all(response.status_code == 200 for response in responses)
    versions = sorted(response.json()["version"] for response in responses)
    assert versions == list(range(2, 22))
    assert (await client.get(f"/items/{item_id}")).json()["version"] == 21
