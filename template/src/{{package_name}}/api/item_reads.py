"""Item reads, answered before FastAPI's routing.

`GET /items/{item_id}` is the busiest request, and a list page the next. Routed, a cache hit
spent most of its time in Starlette's routing, FastAPI's parameter and dependency handling
and its exception middleware, far more than in the read (py-spy, one worker: the item
read's handler 4% of the samples, request_response and solve_dependencies around it 46%; a
cached list page 69% inside the router, 21% validating its query parameters).

This layer answers, with the same service calls and `body_response` as the routes:
- `GET /items/<id>` for ids written canonically (digits, no leading zero, within the id
  range, no query string);
- `GET /items` whose query, if any, is `page`, `per_page`, `after` (digits, no leading
  zero, within the route's bounds) and `is_active` (`true` or `false`), each at most once,
  on a page that starts within the count cap. A search (`q`), any other parameter or
  spelling, and a page too deep go to the route, which validates them.

Domain errors are mapped through the app's own exception handlers, so the answers are the
routes' (tests/api/test_item_reads.py compares them). A `guard` given here (the
authorization check of the item routes, when the service has one) runs first, as the
routes' dependency would. It is the innermost middleware: every defence, the metrics
(labelled with the route, which it sets in the scope) and the extensions' middleware still
see the request.
"""

import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..domain.items import ItemQuery
from ..services.items import Body, ItemService
from .routes.items import (
    DEFAULT_PER_PAGE,
    GIVES_WAY_TO_AFTER,
    MAX_ID,
    MAX_PAGE,
    MAX_PER_PAGE,
    body_response,
    cache_control,
    link_to_next,
    router,
)


def _route(name: str) -> Any:
    return next(route for route in router.routes if getattr(route, "name", None) == name)


ROUTE = _route("get_item")
"""The item read's route, set in the scope as the router sets it (for metrics)."""
LIST_ROUTE = _route("list_items")
_ITEM_PATH = re.compile(r"/items/([1-9][0-9]{0,9})")
_LIST_PATH = "/items"
_LIST_PARAMETER = re.compile(rb"(page|per_page|after)=(0|[1-9][0-9]{0,9})|is_active=(true|false)")
# Inclusive bounds of each numeric parameter, as the route declares them.
_BOUNDS = {b"page": (1, MAX_PAGE), b"per_page": (1, MAX_PER_PAGE), b"after": (0, MAX_ID)}
_IF_NONE_MATCH = b"if-none-match"
_LEFT_OUT_OF_NEXT = tuple(f"{name}=".encode() for name in GIVES_WAY_TO_AFTER)
Answer = Callable[[ItemService], Awaitable[Body]]


def _handler_for(handlers: Mapping[Any, Any], error: Exception) -> Any:
    """The app's handler for `error`, looked up along its class hierarchy as Starlette does."""
    for cls in type(error).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


@functools.lru_cache(maxsize=1024)
def list_query(query_string: bytes, *, count_cap: int) -> ItemQuery | None:
    """The list `query_string` asks for, when this layer may answer it; else None.

    Clients ask for the same few pages over and over: the answers for the last 1,024 query
    strings are kept, and a repeated one costs a dict lookup instead of a parse."""
    numbers: dict[bytes, int] = {}
    is_active: bool | None = None
    for part in query_string.split(b"&") if query_string else ():
        found = _LIST_PARAMETER.fullmatch(part)
        if found is None:
            return None
        if found[3] is not None:
            if is_active is not None:
                return None
            is_active = found[3] == b"true"
            continue
        name, value = found[1], int(found[2])
        low, high = _BOUNDS[name]
        if name in numbers or not low <= value <= high:
            return None
        numbers[name] = value
    query = ItemQuery(
        page=numbers.get(b"page", 1),
        per_page=numbers.get(b"per_page", DEFAULT_PER_PAGE),
        is_active=is_active,
        after=numbers.get(b"after"),
    )
    return query if query.offset <= count_cap else None


def page_link(query_string: bytes, next_after: int | None) -> str | None:
    """The `Link` of a list page this layer answers: `next_link`'s, made without parsing the
    query again (its parts are canonical, so none needs quoting). Built through Starlette's
    URL and urllib, it was a sixth of a cached page's samples."""
    if next_after is None:
        return None
    kept = [
        part.decode()
        for part in query_string.split(b"&")
        if part and not part.startswith(_LEFT_OUT_OF_NEXT)
    ]
    kept.append(f"after={next_after}")
    return link_to_next(_LIST_PATH, "&".join(kept))


def item_id(path: str, query_string: bytes) -> int | None:
    """The item a `GET` of `path` reads, when this layer may answer it; else None."""
    found = None if query_string else _ITEM_PATH.fullmatch(path)
    if found is None or int(found[1]) > MAX_ID:
        return None
    return int(found[1])


class ItemReadMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        http_cache_max_age: int,
        list_count_cap: int,
        guard: Callable[[Request], Awaitable[object]] | None = None,
    ) -> None:
        self.app = app
        self._cache_control = cache_control(http_cache_max_age)
        self._count_cap = list_count_cap
        self._guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        path, query_string = scope["path"], scope["query_string"]
        answer: Answer
        query = list_query(query_string, count_cap=self._count_cap) if path == _LIST_PATH else None
        if query is not None:
            scope["route"] = LIST_ROUTE
            scope["path_params"] = {}
            answer = lambda service: service.page_body(query)  # noqa: E731
        elif (read_id := item_id(path, query_string)) is not None:
            scope["route"] = ROUTE
            scope["path_params"] = {"item_id": str(read_id)}
            answer = lambda service: service.item_body(read_id)  # noqa: E731
        else:
            await self.app(scope, receive, send)
            return
        await self._answer(scope, receive, send, answer)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, answer: Answer) -> None:
        app = scope["app"]
        if_none_match = None
        for name, value in scope["headers"]:
            if name == _IF_NONE_MATCH:
                if_none_match = value.decode("latin-1")
                break
        response: Response
        try:
            if self._guard is not None:
                await self._guard(Request(scope, receive))
            body = await answer(app.state.item_service)
            link = page_link(scope["query_string"], body.next_after)
            response = body_response(body, self._cache_control, if_none_match, link)
        except Exception as error:
            handler = _handler_for(app.exception_handlers, error)
            if handler is None:
                raise
            answered = handler(Request(scope, receive), error)
            response = await answered if inspect.isawaitable(answered) else answered
        await response(scope, receive, send)
