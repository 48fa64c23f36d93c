"""The item read, answered before FastAPI's routing.

`GET /items/{item_id}` is the busiest request. Routed, a cache hit spent most of its time in
Starlette's routing, FastAPI's parameter and dependency handling and its exception
middleware, far more than in the read (py-spy, one worker: the service's handler 4% of the
samples, request_response and solve_dependencies around it 46%). This layer answers
`GET /items/<id>` for ids written canonically (digits, no leading zero, within the id range,
no query string) with the same service call and `body_response` as the route, and maps
domain errors through the app's own exception handlers, so the answers are the route's
(tests/api/test_item_reads.py compares them). A `guard` given here (the authorization check
of the item routes, when the service has one) runs first, as the route's dependency would.
Anything else goes on to the router unchanged. It is the innermost middleware: every
defence, the metrics (labelled with the route, which it sets in the scope) and the
extensions' middleware still see the request.
"""

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .routes.items import MAX_ID, body_response, cache_control, router

ROUTE = next(route for route in router.routes if getattr(route, "name", None) == "get_item")
"""The route this layer answers for, set in the scope as the router sets it (for metrics)."""
_ITEM_PATH = re.compile(r"/items/([1-9][0-9]{0,9})")
_IF_NONE_MATCH = b"if-none-match"


def _handler_for(handlers: Mapping[Any, Any], error: Exception) -> Any:
    """The app's handler for `error`, looked up along its class hierarchy as Starlette does."""
    for cls in type(error).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


class ItemReadMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        http_cache_max_age: int,
        guard: Callable[[Request], Awaitable[object]] | None = None,
    ) -> None:
        self.app = app
        self._cache_control = cache_control(http_cache_max_age)
        self._guard = guard

    def _item_id(self, scope: Scope) -> int | None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["query_string"]:
            return None
        if scope.get("root_path"):
            return None
        found = _ITEM_PATH.fullmatch(scope["path"])
        if found is None or int(found[1]) > MAX_ID:
            return None
        return int(found[1])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        item_id = self._item_id(scope)
        if item_id is None:
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        scope["route"] = ROUTE
        scope["path_params"] = {"item_id": str(item_id)}
        if_none_match = None
        for name, value in scope["headers"]:
            if name == _IF_NONE_MATCH:
                if_none_match = value.decode("latin-1")
                break
        request = Request(scope, receive)
        response: Response
        try:
            if self._guard is not None:
                await self._guard(request)
            body = await app.state.item_service.item_body(item_id)
            response = body_response(body, self._cache_control, if_none_match)
        except Exception as error:
            handler = _handler_for(app.exception_handlers, error)
            if handler is None:
                raise
            answered = handler(request, error)
            response = await answered if inspect.isawaitable(answered) else answered
        await response(scope, receive, send)
