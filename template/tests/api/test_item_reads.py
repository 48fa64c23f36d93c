"""`GET /items/<id>` and plain list pages are answered before routing (api/item_reads.py)
exactly as the routes answer them: the routes still serve the same under a non-canonical
spelling (`/items/007`, `/items?page=02`)."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from ..items import create

pytestmark = pytest.mark.anyio

_PER_REQUEST = {"date", "x-request-id", "x-process-time"}


@pytest.fixture
def routed(app: FastAPI) -> list[str]:
    """The paths of the requests that reached the router."""
    paths: list[str] = []
    router = app.router.middleware_stack

    async def counting(scope: Scope, receive: Receive, send: Send) -> None:
        paths.append(scope["path"])
        await router(scope, receive, send)

    app.router.middleware_stack = counting
    return paths


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], Any]:
    headers = {name: value for name, value in response.headers.items() if name not in _PER_REQUEST}
    if not response.content:
        return response.status_code, headers, None
    body = response.json()
    if isinstance(body, dict) and "instance" in body:  # a problem names the path asked for
        body["instance"] = "<path>"
        headers.pop("content-length")
    return response.status_code, headers, body


async def _both(
    send: Callable[[str], Awaitable[httpx.Response]], item_id: int
) -> tuple[tuple[int, dict[str, str], Any], tuple[int, dict[str, str], Any]]:
    return _answer(await send(f"/items/{item_id}")), _answer(await send(f"/items/00{item_id}"))


async def test_item_reads_skip_the_router_and_answer_as_it_does(
    client: httpx.AsyncClient, routed: list[str]
) -> None:
    item = await create(client)
    routed.clear()
    item_id = item["id"]
    tag = (await client.get(f"/items/00{item_id}")).headers["etag"]

    for send in (
        client.get,  # a miss, then (with a cache) hits
        client.get,
        lambda url: client.get(url, headers={"If-None-Match": tag}),
        lambda url: client.get(url, headers={"If-None-Match": '"0-0", W/' + tag}),
        lambda url: client.get(url, headers={"If-None-Match": '"other"'}),
        client.head,
    ):
        fast, through_router = await _both(send, item_id)
        assert fast == through_router
    revalidated = await client.get(f"/items/{item_id}", headers={"If-None-Match": tag})
    assert revalidated.status_code == 304

    missing, missing_routed = await _both(client.get, item_id + 1000)
    assert missing[0] == 404
    assert missing == missing_routed
    assert all(path.startswith("/items/00") for path in routed)
    assert len(routed) == 8


@pytest.mark.parametrize("path", ["/items/0", "/items/2147483648", "/items/1?x=1", "/items/-1"])
async def test_other_spellings_go_to_the_router(
    client: httpx.AsyncClient, routed: list[str], path: str
) -> None:
    await client.get(path)
    assert routed == [path.partition("?")[0]]


# Canonical list queries, each answered before routing, and how each is spelled for the route
# (a leading zero on `page`, which the route reads as the same number and the Link drops).
LIST_QUERIES = [
    {},
    {"per_page": "2"},
    {"page": "2", "per_page": "2"},
    {"is_active": "true", "per_page": "2"},
    {"is_active": "false"},
    {"after": "1", "per_page": "2"},
    {"per_page": "2", "page": "3"},
]


def _list_paths(query: dict[str, str]) -> tuple[str, str]:
    canonical = "&".join(f"{name}={value}" for name, value in query.items())
    routed = {**query, "page": "0" + query.get("page", "1")}
    return (
        "/items" + (f"?{canonical}" if canonical else ""),
        "/items?" + "&".join(f"{name}={value}" for name, value in routed.items()),
    )


async def test_list_pages_skip_the_router_and_answer_as_it_does(
    client: httpx.AsyncClient, routed: list[str]
) -> None:
    for n in range(5):
        await create(client, name=f"Item {n}", is_active=n % 2 == 0)
    routed.clear()
    for query in LIST_QUERIES:
        fast_path, routed_path = _list_paths(query)
        fast = await client.get(fast_path)
        assert fast.status_code == 200, fast.text
        assert _answer(fast) == _answer(await client.get(routed_path)), fast_path
        tag = fast.headers["etag"]
        revalidated = await client.get(fast_path, headers={"If-None-Match": tag})
        assert revalidated.status_code == 304
        assert revalidated.headers.get("link") == fast.headers.get("link")
    assert routed == ["/items"] * len(LIST_QUERIES)


@pytest.mark.parametrize(
    "query",
    [
        "q=item",
        "page=0",
        "page=100001",
        "per_page=0",
        "per_page=101",
        "per_page=020",
        "after=2147483648",
        "is_active=1",
        "is_active=true&is_active=false",
        "page=1&page=1",
        "other=1",
        "page=502",  # starts past the count cap: the route's 422
    ],
)
async def test_other_list_queries_go_to_the_router(
    client: httpx.AsyncClient, routed: list[str], query: str
) -> None:
    await client.get(f"/items?{query}")
    assert routed == ["/items"]
