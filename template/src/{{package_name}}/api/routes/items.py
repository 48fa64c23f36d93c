"""Item endpoints. Reads answer with the service's ready-made JSON bytes and entity tag."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from ...domain.items import Item, ItemQuery, NewItem, expected_version
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
from ..errors import WRITE_ERRORS, problem
from ..http_cache import none_match_hits

router = APIRouter(prefix="/items", tags=["items"])

MAX_ID = 2_147_483_647
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


def _cache_control(request: Request) -> str:
    max_age: int = request.app.state.settings.http_cache_max_age
    return f"private, max-age={max_age}" if max_age else "no-cache"


def _body_response(body: Body, request: Request, if_none_match: str | None) -> Response:
    headers = {"ETag": body.etag, "Cache-Control": _cache_control(request)}
    if none_match_hits(if_none_match, body.etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=body.content, media_type=JSON, headers=headers)


def _item_response(item: Item, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(
        content=encode_item(item),
        status_code=status_code,
        media_type=JSON,
        headers={"ETag": item.etag},
    )


def _version(if_match: str | None, item_id: int) -> int | None:
    return None if if_match is None else expected_version(if_match, item_id)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ItemOut, responses=WRITE_ERRORS
)
async def create_item(payload: ItemCreate, service: ItemServiceDep, request: Request) -> Response:
    item = await service.create(NewItem(**payload.model_dump()))
    response = _item_response(item, status.HTTP_201_CREATED)
    response.headers["Location"] = str(request.url_for("get_item", item_id=item.id))
    return response


@router.get("", response_model=Page, responses=_NOT_MODIFIED)
async def list_items(
    service: ItemServiceDep,
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
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
    query = ItemQuery(page=page, per_page=per_page, is_active=is_active, q=q, after=after)
    return _body_response(await service.page_body(query), request, if_none_match)


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
    service: ItemService = request.app.state.item_service
    body = await service.item_body(item_id)
    return _body_response(body, request, request.headers.get("if-none-match"))


_WRITE = {**_NOT_FOUND, **_PRECONDITION, **WRITE_ERRORS}


async def _updated(
    service: ItemService, item_id: int, changes: dict[str, Any], if_match: str | None
) -> Response:
    """PUT and PATCH differ only in the changes they ask for."""
    item = await service.update(item_id, changes, _version(if_match, item_id))
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
    await service.delete(item_id, permanent=permanent, expected_version=_version(if_match, item_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
