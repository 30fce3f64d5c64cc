"""The decode benchmark's peers: each model once, built for pydantic v2 and for msgspec.

The models mirror storeflow's order page (Pocketsflow) and product page (Reflow): the same
fields, wire names and money types. :func:`_declare` writes each model once; a :class:`_Kit`
says what differs by library:

- pydantic: ``BaseModel`` with ``extra="allow"`` (unknown fields kept) in lax mode (pydantic's
  default coercion), ``AwareDatetime``, open enums (``MediaType | str``);
- msgspec: ``msgspec.Struct`` (the floor: a C decoder building C-level objects, which drops
  unknown fields), tz-aware ``datetime``, enums read as ``str``.

This module has no ``from __future__ import annotations``: the annotations are evaluated where
they stand, inside :func:`_declare`, so that they can name the kit's types.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple

import msgspec
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from storeflow.reflow.models import InventoryType, MediaType


@dataclass(frozen=True)
class _Kit:
    """What a library's models are made of."""

    base: type
    wire: Callable[..., Any]  # wire(name) or wire(name, default): a field with a wire name
    aware_datetime: Any
    media_type: Any
    inventory_type: Any


class Pages(NamedTuple):
    """One library's two page models."""

    orders: type
    products: type


def _declare(kit: _Kit) -> Pages:
    """Every model once, out of ``kit``."""

    class OrderProduct(kit.base):
        id: str = kit.wire("_id")
        name: str

    class Order(kit.base):
        id: str = kit.wire("_id")
        buyer_email: str = kit.wire("buyerEmail")
        gross: Decimal
        net: Decimal
        taxes: Decimal
        created_at: kit.aware_datetime = kit.wire("createdAt")
        product: OrderProduct
        discount_code: str | None = kit.wire("discountCode", None)

    class Pagination(kit.base):
        total_count: int = kit.wire("totalCount")
        total_pages: int = kit.wire("totalPages")
        current_page: int = kit.wire("currentPage")
        page_size: int = kit.wire("pageSize")
        has_more: bool = kit.wire("hasMore")

    class OrderPage(kit.base):
        orders: list[Order]
        pagination: Pagination

    class Currency(kit.base):
        code: str
        name: str | None = None
        zero_decimal: bool | None = None

    class ImageSet(kit.base):
        sm: str | None = None
        md: str | None = None
        lg: str | None = None

    class Media(kit.base):
        id: int | str
        type: kit.media_type
        src: ImageSet | None = None
        url: str | None = None

    class VariantItem(kit.base):
        id: str | int
        name: str
        price: int
        sku: str | None = None
        price_formatted: str | None = None
        in_stock: bool | None = None
        quantity: int | None = None
        original_price: int | None = None
        original_price_formatted: str | None = None

    class Variants(kit.base):
        enabled: bool | None = None
        option_name: str | None = None
        items: list[VariantItem] | None = None

    class Category(kit.base):
        id: int
        name: str
        object: Literal["category"] | None = None
        handle: str | None = None
        description: str | None = None
        subcategories: "list[Category] | None" = None

    # msgspec looks a string annotation up in the module and the class only, neither of which
    # holds a class declared here: give it the type itself (pydantic has read it already).
    Category.__annotations__["subcategories"] = list[Category] | None

    class PersonalizationItem(kit.base):
        id: str | int | None = None
        name: str | None = None
        type: str | None = None
        required: bool | None = None
        min: int | None = None
        max: int | None = None
        dropdown_options: str | None = kit.wire("dropdownOptions", None)
        filetypes: str | None = None
        price: int | None = None
        price_formatted: str | None = None
        instructions: str | None = None

    class Personalization(kit.base):
        enabled: bool | None = None
        items: list[PersonalizationItem] | None = None

    class OnSale(kit.base):
        enabled: bool | None = None
        original_price: int | None = None
        original_price_formatted: str | None = None

    class Product(kit.base):
        id: str | int
        name: str
        price: int
        object: Literal["product"] | None = None
        handle: str | None = None
        excerpt: str | None = None
        description: str | None = None
        description_html: str | None = None
        promo_badge: str | None = None
        currency: Currency | None = None
        price_formatted: str | None = None
        price_range: list[int] | None = None
        price_range_formatted: str | None = None
        image: ImageSet | None = None
        media: list[Media] | None = None
        variants: Variants | None = None
        categories: list[Category] | None = None
        inventory_type: kit.inventory_type | None = None
        in_stock: bool | None = None
        available_quantity: int | None = None
        personalization: Personalization | None = None
        min_quantity: int | None = None
        max_quantity: int | None = None
        on_sale: OnSale | None = None
        sku: str | None = None
        created: int | None = None
        livemode: bool | None = None

    class PageLinks(kit.base):
        first: str | None = None
        last: str | None = None
        prev: str | None = None
        next: str | None = None

    class PageMeta(kit.base):
        current_page: int
        last_page: int
        per_page: int
        total: int
        from_: int | None = kit.wire("from", None)
        links: list[dict[str, Any]] | None = None
        path: str | None = None
        to: int | None = None

    class ProductPage(kit.base):
        data: list[Product]
        links: PageLinks | None = None
        meta: PageMeta | None = None

    return Pages(orders=OrderPage, products=ProductPage)


class _Pydantic(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


_REQUIRED = object()


def _pydantic_field(name: str, default: Any = _REQUIRED) -> Any:
    return Field(alias=name) if default is _REQUIRED else Field(default=default, alias=name)


def _msgspec_field(name: str, default: Any = _REQUIRED) -> Any:
    if default is _REQUIRED:
        return msgspec.field(name=name)
    return msgspec.field(default=default, name=name)


PYDANTIC = _declare(
    _Kit(
        base=_Pydantic,
        wire=_pydantic_field,
        aware_datetime=AwareDatetime,
        media_type=MediaType | str,
        inventory_type=InventoryType | str,
    )
)
MSGSPEC = _declare(
    _Kit(
        base=msgspec.Struct,
        wire=_msgspec_field,
        aware_datetime=Annotated[dt.datetime, msgspec.Meta(tz=True)],
        media_type=str,
        inventory_type=str,
    )
)
