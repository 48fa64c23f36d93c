"""Request and response models: the only place item shapes meet Pydantic."""

import dataclasses
import re
from decimal import Decimal
from typing import Annotated, Any, Self, get_type_hints

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    create_model,
    model_validator,
)

from ..domain.items import Item, ItemPage

BASE_CONFIG = ConfigDict(validate_assignment=False, str_strip_whitespace=True)
REQUEST_CONFIG = ConfigDict(**BASE_CONFIG, extra="forbid")
RESPONSE_CONFIG = ConfigDict(**BASE_CONFIG, from_attributes=True)

# No control characters (PostgreSQL cannot even store NUL), C1 controls, bidirectional
# controls (which can make text read differently than it is stored) or line and paragraph
# separators in single-line fields; descriptions keep tabs and line breaks.
_NEVER = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_NOT_SINGLE_LINE = _NEVER + r"\t\n\r\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
SINGLE_LINE = rf"^[^{_NOT_SINGLE_LINE}]*$"
MULTI_LINE = rf"^[^{_NEVER}]*$"
# A name has a character besides white space, so it is not empty once stripped.
NAME_LINE = rf"^[^{_NOT_SINGLE_LINE}]*[^\s{_NOT_SINGLE_LINE}][^{_NOT_SINGLE_LINE}]*$"

# Lengths and patterns apply to the text as sent (what the schema can state); surrounding
# white space is stripped after that.
_STRIP = AfterValidator(str.strip)
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=100, pattern=NAME_LINE),
    _STRIP,
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=False, max_length=1000, pattern=MULTI_LINE), _STRIP
]

MAX_PRICE = Decimal("9999999999.99")
# ASCII digits, no sign, exponent, separator or leading zero, at most two decimals, above 0.
PRICE_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,9}(\.[0-9]{1,2})?)$"
_PRICE_NUMBER = {"exclusiveMinimum": 0, "maximum": float(MAX_PRICE), "multipleOf": 0.01}
_PRICE_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": PRICE_PATTERN},
        {"type": "number", **_PRICE_NUMBER},
    ],
    "examples": ["12.50"],
}


def _exact_price(value: object) -> object:
    """Only ASCII decimal strings and numbers: `Decimal()` alone would take "1_000", "١٢"."""
    if isinstance(value, bool) or (
        isinstance(value, str) and re.fullmatch(PRICE_PATTERN, value) is None
    ):
        raise ValueError('a price is a decimal with at most two decimals, such as "12.50"')
    return value


# JSON numbers reach this as exact Decimals (the item routes parse them so), so 12.501 is
# refused rather than rounded.
Price = Annotated[
    Decimal,
    BeforeValidator(_exact_price),
    Field(gt=0, le=MAX_PRICE, max_digits=12, decimal_places=2),
    WithJsonSchema(_PRICE_SCHEMA),
]
Active = Annotated[bool, Strict()]


class ItemCreate(BaseModel):
    model_config = REQUEST_CONFIG

    name: Name
    description: Description | None = None
    price: Price
    is_active: Active = True


class ItemReplace(ItemCreate):
    """PUT: the whole item; omitted optional fields return to their defaults."""


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # absent means "unchanged", not null


class _Changes(BaseModel):
    """The rules of a PATCH body, whose fields are ItemCreate's made optional (ItemUpdate)."""

    model_config = ConfigDict(**REQUEST_CONFIG, json_schema_extra={"minProperties": 1})

    @model_validator(mode="after")
    def _check_fields(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("at least one field must be given")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


def _optional_fields(model: type[BaseModel]) -> dict[str, Any]:
    """Each field of `model`, its constraints and nullability kept, absent by default."""
    return {
        name: (info.rebuild_annotation(), Field(default=None, json_schema_extra=_no_default))
        for name, info in model.model_fields.items()
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
    __doc__="PATCH: only the fields sent are changed; only `description` may be set to null.",
    **_optional_fields(ItemCreate),
)
ItemOut = create_model("ItemOut", __config__=RESPONSE_CONFIG, **_response_fields(Item))


class Page(BaseModel):
    model_config = RESPONSE_CONFIG

    items: list[ItemOut]
    page: int
    per_page: int
    total: int | None = Field(
        description="Matching items, counted exactly up to the count cap (LIST_COUNT_CAP; "
        "SEARCH_COUNT_CAP for a search with `q`) and the cap itself past it (see "
        "`total_is_exact`); null in keyset mode (`after`)"
    )
    total_is_exact: bool | None = Field(
        description="False when more items match than the cap counts: `total` is then a lower "
        "bound; null in keyset mode"
    )
    next_after: int | None = Field(
        description="Pass as `after` for the next page (also in the `Link` header); null on "
        "the last page"
    )


# `ItemOut` is made from `Item` field by field, and `Page` has `ItemPage`'s fields: the
# domain dataclasses serialize to the same JSON, without each being validated into a model
# first (an item 3.9 → 1.9 µs, a page of ten 28 → 11 µs). tests/unit/test_schemas.py checks
# that the bytes are the models' own.
_ITEM = TypeAdapter(Item)
_PAGE = TypeAdapter(ItemPage)


def encode_item(item: Item) -> bytes:
    """JSON bytes of an item, in the exact shape of `ItemOut`, straight from pydantic-core."""
    return _ITEM.dump_json(item)


def encode_page(page: ItemPage) -> bytes:
    """JSON bytes of a page, in the exact shape of `Page`."""
    return _PAGE.dump_json(page)
