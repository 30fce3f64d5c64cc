# Generated from schemas/reflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""The Reflow API data models: one attrs class per object in the schema."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from attrs import define, field


@define(kw_only=True)
class Error:
    """
    Observed. The error body: public callers read `error`; Laravel-style `message` and `errors`
    (field -> messages) are also possible. Read whichever is present.
    """

    error: str | None = field(default=None, metadata={"wire": "error"})
    """Observed."""
    message: str | None = field(default=None, metadata={"wire": "message"})
    """Observed."""
    errors: dict[str, list[str]] | None = field(default=None, metadata={"wire": "errors"})
    """Observed. Field name to its error messages."""


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
class PageLinks:
    """Observed. Laravel pagination links."""

    first: str | None = field(metadata={"wire": "first"})
    last: str | None = field(metadata={"wire": "last"})
    prev: str | None = field(default=None, metadata={"wire": "prev"})
    next: str | None = field(default=None, metadata={"wire": "next"})


@define(kw_only=True)
class MetaLink:
    """Observed. One entry of the numbered page links."""

    url: str | None = field(default=None, metadata={"wire": "url"})
    label: str | None = field(default=None, metadata={"wire": "label"})
    active: bool | None = field(default=None, metadata={"wire": "active"})


@define(kw_only=True)
class PageMeta:
    """Observed. Where a page sits in the whole list."""

    current_page: int = field(metadata={"wire": "current_page"})
    last_page: int = field(metadata={"wire": "last_page"})
    per_page: int = field(metadata={"wire": "per_page"})
    total: int = field(metadata={"wire": "total"})
    from_: int | None = field(default=None, metadata={"wire": "from"})
    links: list[MetaLink] | None = field(default=None, metadata={"wire": "links"})
    path: str | None = field(default=None, metadata={"wire": "path"})
    to: int | None = field(default=None, metadata={"wire": "to"})


@define(kw_only=True)
class Currency:
    """Observed."""

    code: str = field(metadata={"wire": "code"})
    """Observed. ISO 4217 code."""
    name: str | None = field(default=None, metadata={"wire": "name"})
    """Observed."""
    zero_decimal: bool | None = field(default=None, metadata={"wire": "zero_decimal"})
    """Observed. Whether prices are whole units (JPY) rather than cents."""


@define(kw_only=True)
class ImageSet:
    """Observed. One image at three sizes (URLs)."""

    sm: str | None = field(default=None, metadata={"wire": "sm"})
    md: str | None = field(default=None, metadata={"wire": "md"})
    lg: str | None = field(default=None, metadata={"wire": "lg"})


@define(kw_only=True)
class Media:
    """Observed. An image (with `src`) or a video (with `url`) of a product."""

    id: int = field(metadata={"wire": "id"})
    type: MediaType = field(metadata={"wire": "type"})
    src: ImageSet | None = field(default=None, metadata={"wire": "src"})
    url: str | None = field(default=None, metadata={"wire": "url"})


@define(kw_only=True)
class VariantItem:
    """Observed. One purchasable variant of a product."""

    id: int = field(metadata={"wire": "id"})
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


@define(kw_only=True)
class Variants:
    """Observed."""

    enabled: bool | None = field(default=None, metadata={"wire": "enabled"})
    option_name: str | None = field(default=None, metadata={"wire": "option_name"})
    items: list[VariantItem] | None = field(default=None, metadata={"wire": "items"})


@define(kw_only=True)
class Category:
    """Observed. A product category; in lists, with its subcategories nested."""

    id: int = field(metadata={"wire": "id"})
    name: str = field(metadata={"wire": "name"})
    object: Literal["category"] | None = field(default=None, metadata={"wire": "object"})
    handle: str | None = field(default=None, metadata={"wire": "handle"})
    description: str | None = field(default=None, metadata={"wire": "description"})
    subcategories: list[Category] | None = field(default=None, metadata={"wire": "subcategories"})


@define(kw_only=True)
class Product:
    """Observed. A product of the store."""

    id: int = field(metadata={"wire": "id"})
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
    inventory_type: InventoryType | None = field(default=None, metadata={"wire": "inventory_type"})
    in_stock: bool | None = field(default=None, metadata={"wire": "in_stock"})
    available_quantity: int | None = field(default=None, metadata={"wire": "available_quantity"})
    personalization: list[dict[str, Any]] | None = field(
        default=None, metadata={"wire": "personalization"}
    )
    min_quantity: int | None = field(default=None, metadata={"wire": "min_quantity"})
    max_quantity: int | None = field(default=None, metadata={"wire": "max_quantity"})
    on_sale: bool | None = field(default=None, metadata={"wire": "on_sale"})
    sku: str | None = field(default=None, metadata={"wire": "sku"})
    livemode: bool | None = field(default=None, metadata={"wire": "livemode"})


@define(kw_only=True)
class ProductUpdate:
    """
    Documented. The body of a product update: one or more fields. `in_stock` applies only to
    `simple` inventory, `stock_quantity` only to `advanced`.
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


@define(kw_only=True)
class ProductPage:
    """Observed. One page of products."""

    data: list[Product] = field(metadata={"wire": "data"})
    links: PageLinks = field(metadata={"wire": "links"})
    meta: PageMeta = field(metadata={"wire": "meta"})


@define(kw_only=True)
class User:
    """Observed. A user account of the project."""

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


@define(kw_only=True)
class UserPage:
    """Observed. One page of users."""

    data: list[User] = field(metadata={"wire": "data"})
    links: PageLinks = field(metadata={"wire": "links"})
    meta: PageMeta = field(metadata={"wire": "meta"})


@define(kw_only=True)
class SetupFee:
    """Observed. A one-off fee charged when a subscription starts."""

    name: str | None = field(default=None, metadata={"wire": "name"})
    description: str | None = field(default=None, metadata={"wire": "description"})
    price: int | None = field(default=None, metadata={"wire": "price"})
    price_formatted: str | None = field(default=None, metadata={"wire": "price_formatted"})
    currency: Currency | None = field(default=None, metadata={"wire": "currency"})


@define(kw_only=True)
class Price:
    """Observed. One price of a plan."""

    id: int = field(metadata={"wire": "id"})
    price: int = field(metadata={"wire": "price"})
    """Observed. Smallest currency unit."""
    object: Literal["plan_price"] | None = field(default=None, metadata={"wire": "object"})
    price_formatted: str | None = field(default=None, metadata={"wire": "price_formatted"})
    currency: Currency | None = field(default=None, metadata={"wire": "currency"})
    billing_period: BillingPeriod | None = field(default=None, metadata={"wire": "billing_period"})
    is_taxed: bool | None = field(default=None, metadata={"wire": "is_taxed"})
    tax_behavior: str | None = field(default=None, metadata={"wire": "tax_behavior"})
    is_archived: bool | None = field(default=None, metadata={"wire": "is_archived"})
    created: int | None = field(default=None, metadata={"wire": "created"})


@define(kw_only=True)
class Plan:
    """Observed. A subscription plan."""

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


@define(kw_only=True)
class PlanList:
    """Documented. Every active plan."""

    data: list[Plan] = field(metadata={"wire": "data"})


@define(kw_only=True)
class Subscription:
    """Observed. A user's subscription to a plan (no endpoint returns it directly)."""

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


@define(kw_only=True)
class Customer:
    """Observed. Who placed an order."""

    email: str = field(metadata={"wire": "email"})
    name: str | None = field(default=None, metadata={"wire": "name"})


@define(kw_only=True)
class Order:
    """
    Documented fields only (the reference shows no more); other fields the API sends are
    ignored by the SDK's models.
    """

    id: int = field(metadata={"wire": "id"})
    created: int = field(metadata={"wire": "created"})
    """Documented (filters). Unix seconds."""
    payment_status: PaymentStatus = field(metadata={"wire": "payment_status"})
    fulfillment_status: FulfillmentStatus = field(metadata={"wire": "fulfillment_status"})
    is_canceled: bool = field(metadata={"wire": "is_canceled"})
    is_archived: bool = field(metadata={"wire": "is_archived"})
    object: Literal["order"] | None = field(default=None, metadata={"wire": "object"})
    customer: Customer | None = field(default=None, metadata={"wire": "customer"})
    delivery_information: str | None = field(
        default=None, metadata={"wire": "delivery_information"}
    )
    livemode: bool | None = field(default=None, metadata={"wire": "livemode"})


@define(kw_only=True)
class OrderUpdate:
    """Documented. The body of an order update: one or more fields."""

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


@define(kw_only=True)
class OrderPage:
    """Observed. One page of orders."""

    data: list[Order] = field(metadata={"wire": "data"})
    links: PageLinks = field(metadata={"wire": "links"})
    meta: PageMeta = field(metadata={"wire": "meta"})


@define(kw_only=True)
class EventEnvelope:
    """Observed. What every Reflow webhook body carries around its `data`."""

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


@define(kw_only=True)
class OrderEvent(EventEnvelope):
    """Observed. `order.created` and `order.updated`; `data` is the order."""

    data: Order | None = field(default=None, metadata={"wire": "data"})


@define(kw_only=True)
class UserEvent(EventEnvelope):
    """Observed. The `user.*` events; `data` is the user."""

    data: User | None = field(default=None, metadata={"wire": "data"})


class ChangeAction(StrEnum):
    """Observed. What happened to the items of a `*.changed` event."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@define(kw_only=True)
class Changed:
    """Observed. The `data` of `products.changed` and `categories.changed`."""

    action: ChangeAction | None = field(default=None, metadata={"wire": "action"})
    items: list[int] | None = field(default=None, metadata={"wire": "items"})
    """Observed. The ids of the changed records."""


@define(kw_only=True)
class ChangedEvent(EventEnvelope):
    """Observed. `products.changed` and `categories.changed`."""

    data: Changed | None = field(default=None, metadata={"wire": "data"})
