"""Item endpoints. Reads answer with the service's ready-made JSON bytes and entity tag."""

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.routing import APIRoute

from ...domain.items import NO_VERSION, Item, ItemQuery, NewItem, tagged_versions
from ...schemas.items import (
    SINGLE_LINE,
    ItemCreate,
    ItemOut,
    ItemReplace,
    ItemUpdate,
    Page,
    encode_item,
)
from ...services.items import Body, ItemService
from ..deps import ItemServiceDep
from ..errors import WRITE_ERRORS, problem, problem_response
from ..http_cache import none_match_hits, parse_entity_tags


class _ExactNumbersRequest(Request):
    """JSON numbers parsed as exact Decimals: a float would round 12.500000000000000000001
    to 12.5 before validation could refuse its third decimal."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, parse_float=Decimal)
            except ValueError as error:  # e.g. an integer longer than Python converts
                if isinstance(error, json.JSONDecodeError):
                    raise
                raise json.JSONDecodeError(str(error), body.decode("latin-1"), 0) from error
        return self._json


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ExactNumbersRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def exact(request: Request) -> Response:
            if request.method in _BODY_METHODS:
                request = _ExactNumbersRequest(request.scope, request.receive)
            return await handler(request)

        return exact


router = APIRouter(prefix="/items", tags=["items"], route_class=ExactNumbersRoute)

MAX_ID = 2_147_483_647
# The bounds of a list's query parameters, for the route and for api/item_reads.py.
MAX_PAGE = 100_000
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="Item id")]
IfMatch = Annotated[
    str | None,
    Header(description="Entity tag the item must still have (optimistic concurrency)"),
]
IfNoneMatch = Annotated[str | None, Header(description="Answer 304 if this tag is current")]
_IF_NONE_MATCH_DOC: dict[str, Any] = {
    "name": "if-none-match",
    "in": "header",
    "required": False,
    "description": "Answer 304 if this tag is current",
    "schema": {"type": "string"},
}

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: problem("No such item (or it was deleted)")
}
_PRECONDITION: dict[int | str, dict[str, Any]] = {
    status.HTTP_412_PRECONDITION_FAILED: problem("If-Match tag not current")
}
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    status.HTTP_304_NOT_MODIFIED: {"description": "If-None-Match names the current tag"}
}
JSON = "application/json"


def cache_control(max_age: int) -> str:
    return f"private, max-age={max_age}" if max_age else "no-cache"


def body_response(
    body: Body, cache_control: str, if_none_match: str | None, link: str | None = None
) -> Response:
    """A read's response: the body with its tag, or 304 when If-None-Match names the tag."""
    headers = {"ETag": body.etag, "Cache-Control": cache_control}
    if link is not None:  # on a 304 too: it stands for the 200 the client has kept
        headers["Link"] = link
    if none_match_hits(if_none_match, body.etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=body.content, media_type=JSON, headers=headers)


def _body_response(
    body: Body, request: Request, if_none_match: str | None, link: str | None = None
) -> Response:
    max_age: int = request.app.state.settings.http_cache_max_age
    return body_response(body, cache_control(max_age), if_none_match, link)


def _item_response(item: Item, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(
        content=encode_item(item),
        status_code=status_code,
        media_type=JSON,
        headers={"ETag": item.etag},
    )


async def _version(service: ItemService, if_match: str | None, item_id: int) -> int | None:
    """The version a write requires: None without `If-Match` or for `*`, NO_VERSION (so
    412) when no listed tag can be this item's. Several listed versions: the current one
    decides (one more read; a write in between makes this a 412, never a lost update)."""
    tags = None if if_match is None else parse_entity_tags(if_match)
    if tags is None:
        return None
    versions = tagged_versions((tag.opaque for tag in tags if not tag.weak), item_id)
    if len(versions) <= 1:
        return min(versions, default=NO_VERSION)
    current = (await service.item_body(item_id)).etag.strip('"')
    return min(tagged_versions([current], item_id) & versions, default=NO_VERSION)


def _location(request: Request, item_id: int) -> str:
    """Absolute only from a Host the service checked (TRUSTED_HOSTS); relative otherwise,
    so a forged Host never turns up in a Location."""
    if "*" in request.app.state.settings.trusted_hosts:
        path = request.app.url_path_for("get_item", item_id=str(item_id))
        return str(request.scope.get("root_path", "")) + str(path)
    return str(request.url_for("get_item", item_id=item_id))


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ItemOut, responses=WRITE_ERRORS
)
async def create_item(payload: ItemCreate, service: ItemServiceDep, request: Request) -> Response:
    item = await service.create(NewItem(**payload.model_dump()))
    response = _item_response(item, status.HTTP_201_CREATED)
    response.headers["Location"] = _location(request, item.id)
    return response


GIVES_WAY_TO_AFTER = ("page", "after")
"""The query parameters a next page's link leaves out, for the `after` it ends with."""


def link_to_next(path: str, query: str) -> str:
    """The `Link` header naming `path?query` as the next page (RFC 8288)."""
    return f'<{path}?{query}>; rel="next"'


def next_link(request: Request, next_after: int | None) -> str | None:
    """`<...>; rel="next"` for the page after this one, or None on the last.

    Root-relative (a client resolves it against the request's URL), so no Host header ends
    up in it; every other query parameter is kept, `page` gives way to `after`."""
    if next_after is None:
        return None
    params = [
        pair for pair in request.query_params.multi_items() if pair[0] not in GIVES_WAY_TO_AFTER
    ]
    params.append(("after", str(next_after)))
    path = str(request.scope.get("root_path", "")) + request.url.path
    return link_to_next(path, urlencode(params))


_LINK = {
    "Link": {
        "description": 'The next page, as `<url>; rel="next"`; absent on the last page',
        "schema": {"type": "string"},
    }
}
_LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {"headers": _LINK},
    status.HTTP_304_NOT_MODIFIED: {**_NOT_MODIFIED[status.HTTP_304_NOT_MODIFIED], "headers": _LINK},
}
DEEP_PAGE_HINT = "Follow the Link header, or pass the last id you saw as `after`"


@router.get("", response_model=Page, responses=_LIST_RESPONSES)
async def list_items(
    service: ItemServiceDep,
    request: Request,
    page: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_PAGE,
            description="Page number; pages starting past the count cap (LIST_COUNT_CAP) are "
            "refused (422): go deeper with `after`",
        ),
    ] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
    is_active: bool | None = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=SINGLE_LINE,
            description="Search name and description",
        ),
    ] = None,
    after: Annotated[
        int | None,
        Query(
            ge=0, le=MAX_ID, description="Keyset pagination: items after this id (page is ignored)"
        ),
    ] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Plain pages (`page`, `per_page`, `after`, `is_active`, spelled canonically) are
    answered the same way by api/item_reads.py, before routing: a dependency added here
    would not run for them; per-request logic belongs in middleware."""
    query = ItemQuery(page=page, per_page=per_page, is_active=is_active, q=q, after=after)
    cap: int = request.app.state.settings.list_count_cap
    if query.offset > cap:
        return problem_response(
            request.scope,
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"Page {page} starts past the {cap} items a list counts; use keyset pagination",
            errors=[{"loc": ["query", "page"], "msg": DEEP_PAGE_HINT, "type": "page_too_deep"}],
            extensions={"hint": DEEP_PAGE_HINT},
        )
    body = await service.page_body(query)
    return _body_response(body, request, if_none_match, next_link(request, body.next_after))


# The hottest route takes the fewest parameters FastAPI has to solve per request: the
# service and If-None-Match come straight from the app state and the raw headers (the
# header is still documented, through openapi_extra).
@router.get(
    "/{item_id}",
    response_model=ItemOut,
    responses={**_NOT_FOUND, **_NOT_MODIFIED},
    openapi_extra={"parameters": [_IF_NONE_MATCH_DOC]},
)
async def get_item(item_id: ItemId, request: Request) -> Response:
    """Canonical ids (`/items/42`) are answered the same way by api/item_reads.py, before
    routing: a dependency added here would not run for them; per-request logic belongs in
    middleware (extensions/middleware.py), which runs for both."""
    service: ItemService = request.app.state.item_service
    body = await service.item_body(item_id)
    return _body_response(body, request, request.headers.get("if-none-match"))


_WRITE = {**_NOT_FOUND, **_PRECONDITION, **WRITE_ERRORS}


async def _updated(
    service: ItemService, item_id: int, changes: dict[str, Any], if_match: str | None
) -> Response:
    """PUT and PATCH differ only in the changes they ask for."""
    item = await service.update(item_id, changes, await _version(service, if_match, item_id))
    return _item_response(item)


@router.put("/{item_id}", response_model=ItemOut, responses=_WRITE)
async def replace_item(
    item_id: ItemId, payload: ItemReplace, service: ItemServiceDep, if_match: IfMatch = None
) -> Response:
    return await _updated(service, item_id, payload.model_dump(), if_match)


@router.patch("/{item_id}", response_model=ItemOut, responses=_WRITE)
async def update_item(
    item_id: ItemId, payload: ItemUpdate, service: ItemServiceDep, if_match: IfMatch = None
) -> Response:
    return await _updated(service, item_id, payload.changes(), if_match)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_NOT_FOUND, **_PRECONDITION},
)
async def delete_item(
    item_id: ItemId,
    service: ItemServiceDep,
    permanent: Annotated[bool, Query(description="Remove the row instead of hiding it")] = False,
    if_match: IfMatch = None,
) -> Response:
    version = await _version(service, if_match, item_id)
    await service.delete(item_id, permanent=permanent, expected_version=version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
