"""Item endpoints over ASGI against a real, migrated database."""

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ..items import PEN, create, create_and_read

pytestmark = pytest.mark.anyio


async def test_create_returns_item_with_location_and_etag(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={**PEN, "name": "  Pen  "})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Pen"
    assert Decimal(body["price"]) == Decimal("12.50")
    assert body["is_active"] is True
    assert body["version"] == 1
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert response.headers["location"].endswith(f"/items/{body['id']}")
    assert response.headers["etag"] == f'"{body["id"]}-1"'


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**PEN, "name": ""}, "name"),
        ({**PEN, "name": "   "}, "name"),
        ({**PEN, "name": "x" * 101}, "name"),
        ({**PEN, "description": "x" * 1001}, "description"),
        ({**PEN, "price": "0"}, "price"),
        ({**PEN, "price": "-1"}, "price"),
        ({**PEN, "price": "1.001"}, "price"),
        ({**PEN, "price": "12345678901.00"}, "price"),
        ({**PEN, "price": "abc"}, "price"),
        ({**PEN, "colour": "blue"}, "colour"),
        ({**PEN, "name": "nul\x00byte"}, "name"),
        ({"name": "No price"}, "price"),
    ],
)
async def test_create_rejects_invalid_fields(
    client: httpx.AsyncClient, payload: dict[str, Any], field: str
) -> None:
    response = await client.post("/items", json=payload)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {error["loc"][-1] for error in response.json()["errors"]}


async def test_boundary_values_are_accepted(client: httpx.AsyncClient) -> None:
    body = await create(client, name="x" * 100, description="d" * 1000, price="0.01")
    assert len(body["name"]) == 100
    assert body["price"] == "0.01"


async def test_malformed_json_is_a_client_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/items", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_get_item_and_conditional_get(client: httpx.AsyncClient) -> None:
    created = await create(client)
    first = await client.get(f"/items/{created['id']}")
    assert first.status_code == 200
    assert first.json() == created
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"

    again = await client.get(f"/items/{created['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    other = await client.get(f"/items/{created['id']}", headers={"If-None-Match": '"0-0"'})
    assert other.status_code == 200


@pytest.mark.parametrize("item_id", ["0", "-3", "abc", "99999999999"])
async def test_invalid_item_id_is_422(client: httpx.AsyncClient, item_id: str) -> None:
    assert (await client.get(f"/items/{item_id}")).status_code == 422


async def test_missing_item_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/items/424242")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Item 424242 not found",
        "instance": "/items/424242",
    }


async def test_put_replaces_whole_item(client: httpx.AsyncClient) -> None:
    created = await create(client)
    response = await client.put(
        f"/items/{created['id']}", json={"name": "Pencil", "price": "1.20", "is_active": False}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Pencil"
    assert body["description"] is None
    assert body["is_active"] is False
    assert body["version"] == 2
    assert body["updated_at"] >= body["created_at"]
    assert response.headers["etag"] == f'"{created["id"]}-2"'

    missing_field = await client.put(f"/items/{created['id']}", json={"name": "Only name"})
    assert missing_field.status_code == 422


async def test_patch_changes_only_given_fields(client: httpx.AsyncClient) -> None:
    created = await create(client)
    url = f"/items/{created['id']}"
    response = await client.patch(url, json={"price": "20.00"})
    assert response.status_code == 200
    body = response.json()
    assert body["price"] == "20.00"
    assert body["name"] == PEN["name"]
    assert body["description"] == PEN["description"]
    assert body["version"] == 2

    cleared = await client.patch(url, json={"description": None})
    assert cleared.json()["description"] is None


@pytest.mark.parametrize(
    "payload", [{}, {"name": None}, {"price": None}, {"is_active": None}, {"nme": "typo"}]
)
async def test_patch_rejects_empty_or_null_required(
    client: httpx.AsyncClient, payload: dict[str, Any]
) -> None:
    created = await create(client)
    response = await client.patch(f"/items/{created['id']}", json=payload)
    assert response.status_code == 422


async def test_writes_to_missing_item_are_404(client: httpx.AsyncClient) -> None:
    assert (await client.patch("/items/999999", json={"name": "x"})).status_code == 404
    replacement = {"name": "x", "price": "1.00"}
    assert (await client.put("/items/999999", json=replacement)).status_code == 404
    assert (await client.delete("/items/999999")).status_code == 404


async def test_if_match_guards_concurrent_writes(client: httpx.AsyncClient) -> None:
    url, etag = await create_and_read(client)

    ok = await client.patch(url, json={"name": "First"}, headers={"If-Match": etag})
    assert ok.status_code == 200

    stale = await client.patch(url, json={"name": "Second"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert (await client.get(url)).json()["name"] == "First"

    wildcard = await client.patch(url, json={"name": "Third"}, headers={"If-Match": "*"})
    assert wildcard.status_code == 200
    bogus = await client.delete(url, headers={"If-Match": "nonsense"})
    assert bogus.status_code == 412
    current = wildcard.headers["etag"]
    assert (await client.delete(url, headers={"If-Match": current})).status_code == 204


async def test_soft_delete_hides_item(client: httpx.AsyncClient) -> None:
    created = await create(client)
    url = f"/items/{created['id']}"
    assert (await client.get(url)).status_code == 200
    response = await client.delete(url)
    assert response.status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.patch(url, json={"name": "back"})).status_code == 404
    listed = (await client.get("/items")).json()
    assert created["id"] not in {item["id"] for item in listed["items"]}
    # The row is still there and can be purged.
    assert (await client.delete(url, params={"permanent": "true"})).status_code == 204
    assert (await client.delete(url, params={"permanent": "true"})).status_code == 404


async def test_hard_delete_removes_item(client: httpx.AsyncClient) -> None:
    created = await create(client)
    url = f"/items/{created['id']}"
    assert (await client.delete(url, params={"permanent": "true"})).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(url)).status_code == 404


async def test_list_paginates_with_total(client: httpx.AsyncClient) -> None:
    ids = [(await create(client, name=f"Item {n}"))["id"] for n in range(5)]
    first = (await client.get("/items", params={"per_page": 2})).json()
    assert first["total"] == 5
    assert first["total_is_exact"] is True
    assert [item["id"] for item in first["items"]] == ids[:2]
    assert first["next_after"] == ids[1]
    third = (await client.get("/items", params={"per_page": 2, "page": 3})).json()
    assert [item["id"] for item in third["items"]] == ids[4:]
    assert third["next_after"] is None
    whole = (await client.get("/items", params={"per_page": 5})).json()
    beyond = (await client.get("/items", params={"per_page": 2, "page": 9})).json()
    assert beyond["items"] == []
    # The last page, a page that ends with the last item, and one past the end (counted
    # apart) report the same total.
    assert [page["total"] for page in (third, whole, beyond)] == [5, 5, 5]
    active = (await client.get("/items", params={"per_page": 5, "is_active": "false"})).json()
    assert (active["items"], active["total"], active["total_is_exact"]) == ([], 0, True)


async def test_keyset_pagination_walks_all_items(client: httpx.AsyncClient) -> None:
    ids = [(await create(client, name=f"Item {n}"))["id"] for n in range(7)]
    seen: list[int] = []
    after: int | None = 0
    while after is not None:
        page = (await client.get("/items", params={"per_page": 3, "after": after})).json()
        assert page["total"] is None
        seen += [item["id"] for item in page["items"]]
        after = page["next_after"]
    assert seen == ids


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": 101},
        {"per_page": 0},
        {"page": 0},
        {"q": ""},
        {"q": "x" * 101},
        {"q": "nul\x00byte"},
        {"after": -1},
    ],
)
async def test_list_rejects_bad_parameters(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    assert (await client.get("/items", params=params)).status_code == 422


async def test_list_filters_active_and_searches(client: httpx.AsyncClient) -> None:
    await create(client, name="Red Apple", description="fruit")
    await create(client, name="Green pear", description="Crisp APPLE-like", is_active=False)
    await create(client, name="100% cotton", description="shirt")
    await create(client, name="1000 cotton", description="shirt")
    await create(client, name="snake_case", description=None)

    def names(response: httpx.Response) -> set[str]:
        return {item["name"] for item in response.json()["items"]}

    assert names(await client.get("/items", params={"q": "apple"})) == {"Red Apple", "Green pear"}
    assert names(await client.get("/items", params={"q": "apple", "is_active": "false"})) == {
        "Green pear"
    }
    assert names(await client.get("/items", params={"q": "0%"})) == {"100% cotton"}
    assert names(await client.get("/items", params={"q": "e_c"})) == {"snake_case"}
    active = (await client.get("/items", params={"is_active": "true"})).json()
    assert active["total"] == 4


async def test_search_matches_wildcards_literally(client: httpx.AsyncClient) -> None:
    """`%`, `_`, the escape characters and quotes in `q` are text, on every database."""
    names = ["50% off", "50 pct off", "a_b", "axb", "back\\slash", "back/slash", "it's", "its"]
    for name in names:
        await create(client, name=name, description=None)

    async def found(q: str) -> set[str]:
        response = await client.get("/items", params={"q": q})
        assert response.status_code == 200, response.text
        return {item["name"] for item in response.json()["items"]}

    assert await found("%") == {"50% off"}
    assert await found("0%") == {"50% off"}
    assert await found("a_b") == {"a_b"}
    assert await found("_") == {"a_b"}
    assert await found("\\") == {"back\\slash"}
    assert await found("k/s") == {"back/slash"}
    assert await found("'") == {"it's"}
    assert await found("%' OR '1'='1") == set()


async def test_reads_after_writes_are_fresh(client: httpx.AsyncClient) -> None:
    created = await create(client)
    url = f"/items/{created['id']}"
    before_list = await client.get("/items")
    assert (await client.get(url)).json()["name"] == PEN["name"]  # now cached

    await client.patch(url, json={"name": "Renamed"})
    assert (await client.get(url)).json()["name"] == "Renamed"
    after_list = await client.get("/items")
    assert after_list.json()["items"][0]["name"] == "Renamed"
    assert after_list.headers["etag"] != before_list.headers["etag"]

    await create(client, name="Another")
    assert (await client.get("/items")).json()["total"] == 2

    await client.delete(url)
    assert (await client.get(url)).status_code == 404
    assert (await client.get("/items")).json()["total"] == 1


async def test_list_conditional_get(client: httpx.AsyncClient) -> None:
    await create(client)
    first = await client.get("/items")
    etag = first.headers["etag"]
    assert (await client.get("/items", headers={"If-None-Match": etag})).status_code == 304
    await create(client, name="Second")
    assert (await client.get("/items", headers={"If-None-Match": etag})).status_code == 200
