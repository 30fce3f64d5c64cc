# Generated from schemas/reflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""The Reflow API data models: one attrs class per object in the schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from attrs import define, field

from storeflow._serde import Model


@define(kw_only=True)
class Error(Model):
    """
    Observed. The error body: public callers read `error`; Laravel-style `message` and `errors`
    (field -> messages) are also possible. Read whichever is present.

    Attributes:
        error: Observed (the vendor's toolkit reads it).
        message: Inferred (Laravel's default error body).
        errors: Observed. Field name to its error messages: a list of strings (Laravel
            validation) or one string (`{"errors": {"system": "..."}}`, seen from the vendor's
            own code).
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    error: str | None = field(default=None, metadata={"wire": "error"})
    """Observed (the vendor's toolkit reads it)."""
    message: str | None = field(default=None, metadata={"wire": "message"})
    """Inferred (Laravel's default error body)."""
    errors: dict[str, str | list[str]] | None = field(default=None, metadata={"wire": "errors"})
    """
    Observed. Field name to its error messages: a list of strings (Laravel validation) or
    one string (`{"errors": {"system": "..."}}`, seen from the vendor's own code).
    """
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


class ProductOrder(StrEnum):
    """Documented. One clause of a product sort order."""

    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    DATE_ASC = "date_asc"
    DATE_DESC = "date_desc"
    CUSTOM_ASC = "custom_asc"
    CUSTOM_DESC = "custom_desc"


class InventoryType(StrEnum):
    """
    Documented. `simple` products say `in_stock`; `advanced` ones count `stock_quantity`.
    """

    SIMPLE = "simple"
    ADVANCED = "advanced"


class PaymentStatus(StrEnum):
    """Documented."""

    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"


class FulfillmentStatus(StrEnum):
    """Documented."""

    UNFULFILLED = "unfulfilled"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    RETURNED = "returned"


class BillingPeriod(StrEnum):
    """Observed."""

    MONTH = "month"
    YEAR = "year"


class MediaType(StrEnum):
    """Observed."""

    IMAGE = "image"
    VIDEO = "video"


@define(kw_only=True)
class PageLinks(Model):
    """
    Observed. Laravel pagination links.

    Attributes:
        first: `str | None`
        last: `str | None`
        prev: `str | None`
        next: `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    first: str | None = field(metadata={"wire": "first"})
    last: str | None = field(metadata={"wire": "last"})
    prev: str | None = field(default=None, metadata={"wire": "prev"})
    next: str | None = field(default=None, metadata={"wire": "next"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class MetaLink(Model):
    """
    Observed. One entry of the numbered page links.

    Attributes:
        url: `str | None`
        label: `str | None`
        active: `bool | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    url: str | None = field(default=None, metadata={"wire": "url"})
    label: str | None = field(default=None, metadata={"wire": "label"})
    active: bool | None = field(default=None, metadata={"wire": "active"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class PageMeta(Model):
    """
    Observed. Where a page sits in the whole list.

    Attributes:
        current_page: `int`
        last_page: `int`
        per_page: `int`
        total: `int`
        from_ (`from`): `int | None`
        links: `list[MetaLink] | None`
        path: `str | None`
        to: `int | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    current_page: int = field(metadata={"wire": "current_page"})
    last_page: int = field(metadata={"wire": "last_page"})
    per_page: int = field(metadata={"wire": "per_page"})
    total: int = field(metadata={"wire": "total"})
    from_: int | None = field(default=None, metadata={"wire": "from"})
    links: list[MetaLink] | None = field(default=None, metadata={"wire": "links"})
    path: str | None = field(default=None, metadata={"wire": "path"})
    to: int | None = field(default=None, metadata={"wire": "to"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Currency(Model):
    """
    Observed.

    Attributes:
        code: Observed. ISO 4217 code.
        name: Observed.
        zero_decimal: Observed. Whether prices are whole units (JPY) rather than cents.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    code: str = field(metadata={"wire": "code"})
    """Observed. ISO 4217 code."""
    name: str | None = field(default=None, metadata={"wire": "name"})
    """Observed."""
    zero_decimal: bool | None = field(default=None, metadata={"wire": "zero_decimal"})
    """Observed. Whether prices are whole units (JPY) rather than cents."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class ImageSet(Model):
    """
    Observed. One image at three sizes (URLs).

    Attributes:
        sm: `str | None`
        md: `str | None`
        lg: `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    sm: str | None = field(default=None, metadata={"wire": "sm"})
    md: str | None = field(default=None, metadata={"wire": "md"})
    lg: str | None = field(default=None, metadata={"wire": "lg"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Media(Model):
    """
    Observed. An image (with `src`) or a video (with `url`) of a product.

    Attributes:
        id: Observed. Numbers in some answers, strings in others.
        type: `MediaType | str`
        src: Observed. The image at three sizes; for `type` image.
        url: Observed. The video's URL; for `type` video.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: int | str = field(metadata={"wire": "id"})
    """Observed. Numbers in some answers, strings in others."""
    type: MediaType | str = field(metadata={"wire": "type"})
    src: ImageSet | None = field(default=None, metadata={"wire": "src"})
    """Observed. The image at three sizes; for `type` image."""
    url: str | None = field(default=None, metadata={"wire": "url"})
    """Observed. The video's URL; for `type` video."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class VariantItem(Model):
    """
    Observed. One purchasable variant of a product.

    Attributes:
        id: Observed. A string such as `"199976733_s"` in the vendor's own fixtures; numbers
            are accepted too.
        name: `str`
        price: Observed. Smallest currency unit.
        sku: `str | None`
        price_formatted: `str | None`
        in_stock: `bool | None`
        quantity: `int | None`
        original_price: `int | None`
        original_price_formatted: `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str | int = field(metadata={"wire": "id"})
    """
    Observed. A string such as `"199976733_s"` in the vendor's own fixtures; numbers are
    accepted too.
    """
    name: str = field(metadata={"wire": "name"})
    price: int = field(metadata={"wire": "price"})
    """Observed. Smallest currency unit."""
    sku: str | None = field(default=None, metadata={"wire": "sku"})
    price_formatted: str | None = field(default=None, metadata={"wire": "price_formatted"})
    in_stock: bool | None = field(default=None, metadata={"wire": "in_stock"})
    quantity: int | None = field(default=None, metadata={"wire": "quantity"})
    original_price: int | None = field(default=None, metadata={"wire": "original_price"})
    original_price_formatted: str | None = field(
        default=None, metadata={"wire": "original_price_formatted"}
    )
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Variants(Model):
    """
    Observed.

    Attributes:
        enabled: `bool | None`
        option_name: `str | None`
        items: `list[VariantItem] | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    enabled: bool | None = field(default=None, metadata={"wire": "enabled"})
    option_name: str | None = field(default=None, metadata={"wire": "option_name"})
    items: list[VariantItem] | None = field(default=None, metadata={"wire": "items"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Category(Model):
    """
    Observed. A product category; in lists, with its subcategories nested.

    Attributes:
        id: `int`
        name: `str`
        object: `Literal['category'] | None`
        handle: `str | None`
        description: `str | None`
        subcategories: `list[Category] | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: int = field(metadata={"wire": "id"})
    name: str = field(metadata={"wire": "name"})
    object: Literal["category"] | None = field(default=None, metadata={"wire": "object"})
    handle: str | None = field(default=None, metadata={"wire": "handle"})
    description: str | None = field(default=None, metadata={"wire": "description"})
    subcategories: list[Category] | None = field(default=None, metadata={"wire": "subcategories"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


class PersonalizationType(StrEnum):
    """Observed."""

    TEXT = "text"
    DROPDOWN = "dropdown"
    FILE = "file"


@define(kw_only=True)
class PersonalizationItem(Model):
    """
    Observed. One field a buyer fills in.

    Attributes:
        id: Observed.
        name: Observed.
        type: `PersonalizationType | str | None`
        required: Observed.
        min: Observed. Shortest text.
        max: Observed. Longest text.
        dropdown_options (`dropdownOptions`): Observed. The choices of a dropdown,
            comma-separated.
        filetypes: Observed. The file types a file field accepts.
        price: Observed. What the field adds to the price, in the smallest unit.
        price_formatted: Observed.
        instructions: Observed.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str | int | None = field(default=None, metadata={"wire": "id"})
    """Observed."""
    name: str | None = field(default=None, metadata={"wire": "name"})
    """Observed."""
    type: PersonalizationType | str | None = field(default=None, metadata={"wire": "type"})
    required: bool | None = field(default=None, metadata={"wire": "required"})
    """Observed."""
    min: int | None = field(default=None, metadata={"wire": "min"})
    """Observed. Shortest text."""
    max: int | None = field(default=None, metadata={"wire": "max"})
    """Observed. Longest text."""
    dropdown_options: str | None = field(default=None, metadata={"wire": "dropdownOptions"})
    """Observed. The choices of a dropdown, comma-separated."""
    filetypes: str | None = field(default=None, metadata={"wire": "filetypes"})
    """Observed. The file types a file field accepts."""
    price: int | None = field(default=None, metadata={"wire": "price"})
    """Observed. What the field adds to the price, in the smallest unit."""
    price_formatted: str | None = field(default=None, metadata={"wire": "price_formatted"})
    """Observed."""
    instructions: str | None = field(default=None, metadata={"wire": "instructions"})
    """Observed."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Personalization(Model):
    """
    Observed. A product's personalization fields.

    Attributes:
        enabled: Observed.
        items: Observed.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    enabled: bool | None = field(default=None, metadata={"wire": "enabled"})
    """Observed."""
    items: list[PersonalizationItem] | None = field(default=None, metadata={"wire": "items"})
    """Observed."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OnSale(Model):
    """
    Observed. A product's sale.

    Attributes:
        enabled: Observed.
        original_price: Observed. The price before the sale, in the smallest unit.
        original_price_formatted: Observed.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    enabled: bool | None = field(default=None, metadata={"wire": "enabled"})
    """Observed."""
    original_price: int | None = field(default=None, metadata={"wire": "original_price"})
    """Observed. The price before the sale, in the smallest unit."""
    original_price_formatted: str | None = field(
        default=None, metadata={"wire": "original_price_formatted"}
    )
    """Observed."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class ProductUpdate(Model):
    """
    Documented. The body of a product update: one or more fields. `in_stock` applies only to
    `simple` inventory, `stock_quantity` only to `advanced`.

    Attributes:
        name: Documented.
        price: Documented. The smallest currency unit ($10.00 is 1000; ¥500 is 500).
        inventory_type: `InventoryType | None`
        in_stock: Documented. For `simple` inventory only.
        stock_quantity: Documented. For `advanced` inventory only.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    name: str | None = field(default=None, metadata={"wire": "name"})
    """Documented."""
    price: int | None = field(default=None, metadata={"wire": "price"})
    """Documented. The smallest currency unit ($10.00 is 1000; ¥500 is 500)."""
    inventory_type: InventoryType | None = field(default=None, metadata={"wire": "inventory_type"})
    in_stock: bool | None = field(default=None, metadata={"wire": "in_stock"})
    """Documented. For `simple` inventory only."""
    stock_quantity: int | None = field(default=None, metadata={"wire": "stock_quantity"})
    """Documented. For `advanced` inventory only."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class User(Model):
    """
    Observed. A user account of the project.

    Attributes:
        id: `int`
        email: `str`
        object: `Literal['user'] | None`
        name: `str | None`
        photo: `str | None`
        provider: `str | None`
        meta: `dict[str, Any] | None`
        created: Observed. Unix seconds.
        livemode: `bool | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: int = field(metadata={"wire": "id"})
    email: str = field(metadata={"wire": "email"})
    object: Literal["user"] | None = field(default=None, metadata={"wire": "object"})
    name: str | None = field(default=None, metadata={"wire": "name"})
    photo: str | None = field(default=None, metadata={"wire": "photo"})
    provider: str | None = field(default=None, metadata={"wire": "provider"})
    meta: dict[str, Any] | None = field(default=None, metadata={"wire": "meta"})
    created: int | None = field(default=None, metadata={"wire": "created"})
    """Observed. Unix seconds."""
    livemode: bool | None = field(default=None, metadata={"wire": "livemode"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class UserPage(Model):
    """
    Observed. One page of users.

    Attributes:
        data: `list[User]`
        links: Observed; optional (paging then goes on until a short page).
        meta: Observed; optional (paging then goes on until a short page).
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    data: list[User] = field(metadata={"wire": "data"})
    links: PageLinks | None = field(default=None, metadata={"wire": "links"})
    """Observed; optional (paging then goes on until a short page)."""
    meta: PageMeta | None = field(default=None, metadata={"wire": "meta"})
    """Observed; optional (paging then goes on until a short page)."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class SetupFee(Model):
    """
    Observed. A one-off fee charged when a subscription starts.

    Attributes:
        name: `str | None`
        description: `str | None`
        price: `int | None`
        price_formatted: `str | None`
        currency: `Currency | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    name: str | None = field(default=None, metadata={"wire": "name"})
    description: str | None = field(default=None, metadata={"wire": "description"})
    price: int | None = field(default=None, metadata={"wire": "price"})
    price_formatted: str | None = field(default=None, metadata={"wire": "price_formatted"})
    currency: Currency | None = field(default=None, metadata={"wire": "currency"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Price(Model):
    """
    Observed. One price of a plan.

    Attributes:
        id: `int`
        price: Observed. Smallest currency unit.
        object: `Literal['plan_price'] | None`
        price_formatted: `str | None`
        currency: `Currency | None`
        billing_period: `BillingPeriod | str | None`
        is_taxed: `bool | None`
        tax_behavior: `str | None`
        is_archived: `bool | None`
        created: `int | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: int = field(metadata={"wire": "id"})
    price: int = field(metadata={"wire": "price"})
    """Observed. Smallest currency unit."""
    object: Literal["plan_price"] | None = field(default=None, metadata={"wire": "object"})
    price_formatted: str | None = field(default=None, metadata={"wire": "price_formatted"})
    currency: Currency | None = field(default=None, metadata={"wire": "currency"})
    billing_period: BillingPeriod | str | None = field(
        default=None, metadata={"wire": "billing_period"}
    )
    is_taxed: bool | None = field(default=None, metadata={"wire": "is_taxed"})
    tax_behavior: str | None = field(default=None, metadata={"wire": "tax_behavior"})
    is_archived: bool | None = field(default=None, metadata={"wire": "is_archived"})
    created: int | None = field(default=None, metadata={"wire": "created"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Plan(Model):
    """
    Observed. A subscription plan.

    Attributes:
        id: `int`
        name: `str`
        object: `Literal['plan'] | None`
        description: `str | None`
        parameters: `dict[str, Any] | None`
        trial_days: `int | None`
        subscription_setup_fee: `SetupFee | None`
        is_archived: `bool | None`
        created: `int | None`
        prices: Inferred. The plan's prices, where present.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: int = field(metadata={"wire": "id"})
    name: str = field(metadata={"wire": "name"})
    object: Literal["plan"] | None = field(default=None, metadata={"wire": "object"})
    description: str | None = field(default=None, metadata={"wire": "description"})
    parameters: dict[str, Any] | None = field(default=None, metadata={"wire": "parameters"})
    trial_days: int | None = field(default=None, metadata={"wire": "trial_days"})
    subscription_setup_fee: SetupFee | None = field(
        default=None, metadata={"wire": "subscription_setup_fee"}
    )
    is_archived: bool | None = field(default=None, metadata={"wire": "is_archived"})
    created: int | None = field(default=None, metadata={"wire": "created"})
    prices: list[Price] | None = field(default=None, metadata={"wire": "prices"})
    """Inferred. The plan's prices, where present."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class PlanList(Model):
    """
    Documented. Every active plan.

    Attributes:
        data: `list[Plan]`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    data: list[Plan] = field(metadata={"wire": "data"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Subscription(Model):
    """
    Observed. A user's subscription to a plan (no endpoint returns it directly).

    Attributes:
        id: `int`
        object: `Literal['subscription'] | None`
        status: `str | None`
        last_billing: `int | None`
        next_billing: `int | None`
        cancel_at: `int | None`
        plan: `Plan | None`
        price: `Price | None`
        payment_provider: `str | None`
        livemode: `bool | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: int = field(metadata={"wire": "id"})
    object: Literal["subscription"] | None = field(default=None, metadata={"wire": "object"})
    status: str | None = field(default=None, metadata={"wire": "status"})
    last_billing: int | None = field(default=None, metadata={"wire": "last_billing"})
    next_billing: int | None = field(default=None, metadata={"wire": "next_billing"})
    cancel_at: int | None = field(default=None, metadata={"wire": "cancel_at"})
    plan: Plan | None = field(default=None, metadata={"wire": "plan"})
    price: Price | None = field(default=None, metadata={"wire": "price"})
    payment_provider: str | None = field(default=None, metadata={"wire": "payment_provider"})
    livemode: bool | None = field(default=None, metadata={"wire": "livemode"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Customer(Model):
    """
    Observed. Who placed an order.

    Attributes:
        email: `str`
        name: `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    email: str = field(metadata={"wire": "email"})
    name: str | None = field(default=None, metadata={"wire": "name"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class LineItem(Model):
    """
    Inferred. One product line of an order.

    Attributes:
        product_id: Inferred. The product's id (a string or a number, as product ids are).
        name: Inferred. The product's name when it was sold.
        quantity: Inferred.
        price: Inferred. The unit price
        price_formatted: Inferred.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    product_id: str | int | None = field(default=None, metadata={"wire": "product_id"})
    """Inferred. The product's id (a string or a number, as product ids are)."""
    name: str | None = field(default=None, metadata={"wire": "name"})
    """Inferred. The product's name when it was sold."""
    quantity: int | None = field(default=None, metadata={"wire": "quantity"})
    """Inferred."""
    price: int | None = field(default=None, metadata={"wire": "price"})
    """Inferred. The unit price"""
    price_formatted: str | None = field(default=None, metadata={"wire": "price_formatted"})
    """Inferred."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Order(Model):
    """
    An order of the store. The documented fields are the reference's filters; the amounts,
    currency and line items are inferred (every shop order carries them, and an export
    without them would be useless); any other field the API sends is kept in `extra`.

    Attributes:
        id: Documented (the path takes an order id).
        created: Documented (filters). Unix seconds.
        payment_status: `PaymentStatus | str`
        fulfillment_status: `FulfillmentStatus | str`
        is_canceled: Documented (filters).
        is_archived: Documented (filters).
        object: `Literal['order'] | None`
        customer: Documented (the `customer_email` filter).
        delivery_information: Documented (update body).
        livemode: Observed.
        currency: Inferred.
        line_items: Inferred. What was bought.
        subtotal: Inferred. The line items' total, in the smallest unit.
        shipping: Inferred. The shipping charged, in the smallest unit.
        total: Inferred. What the buyer paid, in the smallest unit.
        total_formatted: Inferred.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: int = field(metadata={"wire": "id"})
    """Documented (the path takes an order id)."""
    created: int = field(metadata={"wire": "created"})
    """Documented (filters). Unix seconds."""
    payment_status: PaymentStatus | str = field(metadata={"wire": "payment_status"})
    fulfillment_status: FulfillmentStatus | str = field(metadata={"wire": "fulfillment_status"})
    is_canceled: bool = field(metadata={"wire": "is_canceled"})
    """Documented (filters)."""
    is_archived: bool = field(metadata={"wire": "is_archived"})
    """Documented (filters)."""
    object: Literal["order"] | None = field(default=None, metadata={"wire": "object"})
    customer: Customer | None = field(default=None, metadata={"wire": "customer"})
    """Documented (the `customer_email` filter)."""
    delivery_information: str | None = field(
        default=None, metadata={"wire": "delivery_information"}
    )
    """Documented (update body)."""
    livemode: bool | None = field(default=None, metadata={"wire": "livemode"})
    """Observed."""
    currency: Currency | None = field(default=None, metadata={"wire": "currency"})
    """Inferred."""
    line_items: list[LineItem] | None = field(default=None, metadata={"wire": "line_items"})
    """Inferred. What was bought."""
    subtotal: int | None = field(default=None, metadata={"wire": "subtotal"})
    """Inferred. The line items' total, in the smallest unit."""
    shipping: int | None = field(default=None, metadata={"wire": "shipping"})
    """Inferred. The shipping charged, in the smallest unit."""
    total: int | None = field(default=None, metadata={"wire": "total"})
    """Inferred. What the buyer paid, in the smallest unit."""
    total_formatted: str | None = field(default=None, metadata={"wire": "total_formatted"})
    """Inferred."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OrderUpdate(Model):
    """
    Documented. The body of an order update: one or more fields.

    Attributes:
        payment_status: `PaymentStatus | None`
        fulfillment_status: `FulfillmentStatus | None`
        is_canceled: Documented ("true or false").
        is_archived: Documented ("true or false").
        delivery_information: Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    payment_status: PaymentStatus | None = field(default=None, metadata={"wire": "payment_status"})
    fulfillment_status: FulfillmentStatus | None = field(
        default=None, metadata={"wire": "fulfillment_status"}
    )
    is_canceled: bool | None = field(default=None, metadata={"wire": "is_canceled"})
    """Documented ("true or false")."""
    is_archived: bool | None = field(default=None, metadata={"wire": "is_archived"})
    """Documented ("true or false")."""
    delivery_information: str | None = field(
        default=None, metadata={"wire": "delivery_information"}
    )
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OrderPage(Model):
    """
    Observed. One page of orders.

    Attributes:
        data: `list[Order]`
        links: Observed; optional (paging then goes on until a short page).
        meta: Observed; optional (paging then goes on until a short page).
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    data: list[Order] = field(metadata={"wire": "data"})
    links: PageLinks | None = field(default=None, metadata={"wire": "links"})
    """Observed; optional (paging then goes on until a short page)."""
    meta: PageMeta | None = field(default=None, metadata={"wire": "meta"})
    """Observed; optional (paging then goes on until a short page)."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class EventEnvelope(Model):
    """
    Observed. What every Reflow webhook body carries around its `data`.

    Attributes:
        id: Observed. `evt_…` (`test_evt_…` for test events); stable across retries.
        type: Observed. The event name.
        object: `Literal['event'] | None`
        api_version (`api-version`): `str | None`
        created: Observed. Unix seconds.
        livemode: `bool | None`
        request_id: `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "id"})
    """Observed. `evt_…` (`test_evt_…` for test events); stable across retries."""
    type: str = field(metadata={"wire": "type"})
    """Observed. The event name."""
    object: Literal["event"] | None = field(default=None, metadata={"wire": "object"})
    api_version: str | None = field(default=None, metadata={"wire": "api-version"})
    created: int | None = field(default=None, metadata={"wire": "created"})
    """Observed. Unix seconds."""
    livemode: bool | None = field(default=None, metadata={"wire": "livemode"})
    request_id: str | None = field(default=None, metadata={"wire": "request_id"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OrderEvent(EventEnvelope):
    """
    Observed. `order.created` and `order.updated`; `data` is the order.

    Attributes:
        data: `Order | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    data: Order | None = field(default=None, metadata={"wire": "data"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class UserEvent(EventEnvelope):
    """
    Observed. The `user.*` events; `data` is the user.

    Attributes:
        data: `User | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    data: User | None = field(default=None, metadata={"wire": "data"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


class ChangeAction(StrEnum):
    """Observed. What happened to the items of a `*.changed` event."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@define(kw_only=True)
class Changed(Model):
    """
    Observed. The `data` of `products.changed` and `categories.changed`.

    Attributes:
        action: `ChangeAction | str | None`
        items: Observed. The ids of the changed records.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    action: ChangeAction | str | None = field(default=None, metadata={"wire": "action"})
    items: list[int] | None = field(default=None, metadata={"wire": "items"})
    """Observed. The ids of the changed records."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class ChangedEvent(EventEnvelope):
    """
    Observed. `products.changed` and `categories.changed`.

    Attributes:
        data: `Changed | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    data: Changed | None = field(default=None, metadata={"wire": "data"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Product(Model):
    """
    Observed. A product of the store.

    Attributes:
        id: Observed. A string in the vendor's own fixtures; the reference's URLs show
            digits (`/products/366797633`), so numbers are accepted too.
        name: `str`
        price: Observed. Smallest currency unit.
        object: `Literal['product'] | None`
        handle: `str | None`
        excerpt: `str | None`
        description: `str | None`
        description_html: `str | None`
        promo_badge: `str | None`
        currency: `Currency | None`
        price_formatted: `str | None`
        price_range: Observed. Lowest and highest variant price.
        price_range_formatted: `str | None`
        image: `ImageSet | None`
        media: `list[Media] | None`
        variants: `Variants | None`
        categories: `list[Category] | None`
        inventory_type: `InventoryType | str | None`
        in_stock: `bool | None`
        available_quantity: `int | None`
        personalization: Observed. The fields a buyer fills in when ordering.
        min_quantity: `int | None`
        max_quantity: `int | None`
        on_sale: Observed. Whether the product is discounted, and from what price.
        sku: `str | None`
        created: Inferred. Unix seconds, as every Reflow timestamp.
        livemode: `bool | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str | int = field(metadata={"wire": "id"})
    """
    Observed. A string in the vendor's own fixtures; the reference's URLs show digits
    (`/products/366797633`), so numbers are accepted too.
    """
    name: str = field(metadata={"wire": "name"})
    price: int = field(metadata={"wire": "price"})
    """Observed. Smallest currency unit."""
    object: Literal["product"] | None = field(default=None, metadata={"wire": "object"})
    handle: str | None = field(default=None, metadata={"wire": "handle"})
    excerpt: str | None = field(default=None, metadata={"wire": "excerpt"})
    description: str | None = field(default=None, metadata={"wire": "description"})
    description_html: str | None = field(default=None, metadata={"wire": "description_html"})
    promo_badge: str | None = field(default=None, metadata={"wire": "promo_badge"})
    currency: Currency | None = field(default=None, metadata={"wire": "currency"})
    price_formatted: str | None = field(default=None, metadata={"wire": "price_formatted"})
    price_range: list[int] | None = field(default=None, metadata={"wire": "price_range"})
    """Observed. Lowest and highest variant price."""
    price_range_formatted: str | None = field(
        default=None, metadata={"wire": "price_range_formatted"}
    )
    image: ImageSet | None = field(default=None, metadata={"wire": "image"})
    media: list[Media] | None = field(default=None, metadata={"wire": "media"})
    variants: Variants | None = field(default=None, metadata={"wire": "variants"})
    categories: list[Category] | None = field(default=None, metadata={"wire": "categories"})
    inventory_type: InventoryType | str | None = field(
        default=None, metadata={"wire": "inventory_type"}
    )
    in_stock: bool | None = field(default=None, metadata={"wire": "in_stock"})
    available_quantity: int | None = field(default=None, metadata={"wire": "available_quantity"})
    personalization: Personalization | None = field(
        default=None, metadata={"wire": "personalization"}
    )
    """Observed. The fields a buyer fills in when ordering."""
    min_quantity: int | None = field(default=None, metadata={"wire": "min_quantity"})
    max_quantity: int | None = field(default=None, metadata={"wire": "max_quantity"})
    on_sale: OnSale | None = field(default=None, metadata={"wire": "on_sale"})
    """Observed. Whether the product is discounted, and from what price."""
    sku: str | None = field(default=None, metadata={"wire": "sku"})
    created: int | None = field(default=None, metadata={"wire": "created"})
    """Inferred. Unix seconds, as every Reflow timestamp."""
    livemode: bool | None = field(default=None, metadata={"wire": "livemode"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class ProductPage(Model):
    """
    Observed. One page of products.

    Attributes:
        data: `list[Product]`
        links: Observed; optional (paging then goes on until a short page).
        meta: Observed; optional (paging then goes on until a short page).
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    data: list[Product] = field(metadata={"wire": "data"})
    links: PageLinks | None = field(default=None, metadata={"wire": "links"})
    """Observed; optional (paging then goes on until a short page)."""
    meta: PageMeta | None = field(default=None, metadata={"wire": "meta"})
    """Observed; optional (paging then goes on until a short page)."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""
