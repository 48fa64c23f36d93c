"""Baseline 1, the stack ceiling: a bare ASGI callable answering a fixed JSON item.

Runs inside the benchmarked project's virtual environment under the project's own server
settings (see launch.py). No framework, no routing, no validation: what remains is the
server, the event loop and the socket.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ITEM = json.dumps(
    {
        "id": 1,
        "name": "Baseline item",
        "description": "A fixed item returned by the raw ASGI baseline",
        "price": "9.99",
        "is_active": True,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "version": 1,
    },
    separators=(",", ":"),
).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ITEM)).encode())]


async def app(scope: Message, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ITEM})


def create_app() -> Callable[[Message, Receive, Send], Awaitable[None]]:
    return app
