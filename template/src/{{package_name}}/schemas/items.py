"""Request and response models: the only place item shapes meet Pydantic."""

import dataclasses
from decimal import Decimal
from typing import Annotated, Any, Self, get_args, get_type_hints

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    create_model,
    model_validator,
)

from ..domain.items import Item, ItemPage

BASE_CONFIG = ConfigDict(validate_assignment=False, str_strip_whitespace=True)
REQUEST_CONFIG = ConfigDict(**BASE_CONFIG, extra="forbid")
RESPONSE_CONFIG = ConfigDict(**BASE_CONFIG, from_attributes=True)

# No control characters (PostgreSQL cannot even store NUL); descriptions keep tabs and
# line breaks.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=SINGLE_LINE)]
Description = Annotated[str, StringConstraints(max_length=1000, pattern=MULTI_LINE)]
MAX_PRICE = Decimal("9999999999.99")
Price = Annotated[Decimal, Field(gt=0, le=MAX_PRICE, max_digits=12, decimal_places=2)]


class ItemCreate(BaseModel):
    model_config = REQUEST_CONFIG

    name: Name
    description: Description | None = None
    price: Price
    is_active: bool = True


class ItemReplace(ItemCreate):
    """PUT: the whole item; omitted optional fields return to their defaults."""


# PATCH may set to null only what a new item may leave null.
_NOT_NULL = tuple(
    name
    for name, info in ItemCreate.model_fields.items()
    if type(None) not in get_args(info.annotation)
)


class _Changes(BaseModel):
    """The rules of a PATCH body, whose fields are ItemCreate's made optional (ItemUpdate)."""

    model_config = REQUEST_CONFIG

    @model_validator(mode="after")
    def _check_fields(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("at least one field must be given")
        for field in _NOT_NULL:
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


def _optional_fields(model: type[BaseModel]) -> dict[str, Any]:
    """Each field of `model`, its constraints kept, made nullable and absent by default."""
    return {
        name: (info.rebuild_annotation() | None, None) for name, info in model.model_fields.items()
    }


def _response_fields(shape: type[Any]) -> dict[str, Any]:
    """Each field of a domain dataclass, required, with the dataclass's own type."""
    hints = get_type_hints(shape)
    return {field.name: (hints[field.name], ...) for field in dataclasses.fields(shape)}


# Both derived, so that a new item field is written down once for requests (ItemCreate) and
# once for responses (the domain's Item). The pydantic mypy plugin types `create_model`
# results as classes.
ItemUpdate = create_model(
    "ItemUpdate",
    __base__=_Changes,
    __doc__="PATCH: only the fields sent are changed; `description` may be set to null.",
    **_optional_fields(ItemCreate),
)
ItemOut = create_model("ItemOut", __config__=RESPONSE_CONFIG, **_response_fields(Item))


class Page(BaseModel):
    model_config = RESPONSE_CONFIG

    items: list[ItemOut]
    page: int
    per_page: int
    total: int | None = Field(description="Matching items; null in keyset mode (`after`)")
    next_after: int | None = Field(description="Pass as `after` for the next keyset page")


_ITEM = TypeAdapter(ItemOut)
_PAGE = TypeAdapter(Page)


def encode_item(item: Item) -> bytes:
    """JSON bytes of an item, in the exact shape of `ItemOut`, straight from pydantic-core."""
    return _ITEM.dump_json(ItemOut.model_validate(item))


def encode_page(page: ItemPage) -> bytes:
    return _PAGE.dump_json(Page.model_validate(page))
