"""`GET /items/<id>` is answered before routing (api/item_reads.py) exactly as the route
answers it: the route still serves the same item under a non-canonical id (`/items/007`)."""

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
