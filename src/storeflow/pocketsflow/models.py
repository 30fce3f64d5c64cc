# Generated from schemas/pocketsflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""The Pocketsflow HTTP API data models: one attrs class per object in the schema."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from attrs import define, field

from storeflow._serde import Model


@define(kw_only=True)
class Error(Model):
    """
    Documented. The error body of every failed request: `{"message": ...}` on the HTTP
    reference page, `{"error": ..., "code": ...}` in the vendor's machine-readable reference.
    Read whichever is present.

    Attributes:
        message: Documented. What went wrong.
        error: Documented (machine-readable reference). What went wrong.
        code: Documented (machine-readable reference). A code for the error.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    message: str | None = field(default=None, metadata={"wire": "message"})
    """Documented. What went wrong."""
    error: str | None = field(default=None, metadata={"wire": "error"})
    """Documented (machine-readable reference). What went wrong."""
    code: str | None = field(default=None, metadata={"wire": "code"})
    """Documented (machine-readable reference). A code for the error."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Deleted(Model):
    """
    Inferred. The answer to a successful delete. Servers answer a delete in many ways (a
    message, `{}`, `{"success": true}`, the deleted object, an empty 204); the SDK reads
    any of them, keeping whatever else the answer holds in `extra`.

    Attributes:
        message: Inferred. A confirmation.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    message: str | None = field(default=None, metadata={"wire": "message"})
    """Inferred. A confirmation."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


class SortOrder(StrEnum):
    """Documented. A sort direction."""

    ASC = "asc"
    DESC = "desc"


class CustomerSortBy(StrEnum):
    """Documented. The fields customers can be sorted by."""

    EMAIL = "email"
    COUNTRY = "country"
    NUMBER_OF_ORDERS = "numberOfOrders"
    CREATED_AT = "createdAt"


class ValueType(StrEnum):
    """
    Documented (`percentage`); `fixed` observed. How a discount's `value` applies: a
    percentage off, or a fixed amount of money off.
    """

    PERCENTAGE = "percentage"
    FIXED = "fixed"


class SubscriptionStatus(StrEnum):
    """Inferred. The state of a subscription."""

    ACTIVE = "active"
    CANCELED = "canceled"
    REFUNDED = "refunded"


class BillingInterval(StrEnum):
    """Inferred. How often a subscription bills."""

    MONTH = "month"
    YEAR = "year"


@define(kw_only=True)
class ProductCreate(Model):
    """
    The body of `POST /products`.

    Attributes:
        name: Documented.
        price: Observed. An amount in major units (29.99 means $29.99).
        description: Documented.
        published: Observed.
        show_sales (`showSales`): Observed.
        show_reviews (`showReviews`): Observed.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    name: str = field(metadata={"wire": "name"})
    """Documented."""
    price: Decimal = field(metadata={"wire": "price"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    description: str | None = field(default=None, metadata={"wire": "description"})
    """Documented."""
    published: bool | None = field(default=None, metadata={"wire": "published"})
    """Observed."""
    show_sales: bool | None = field(default=None, metadata={"wire": "showSales"})
    """Observed."""
    show_reviews: bool | None = field(default=None, metadata={"wire": "showReviews"})
    """Observed."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class ProductUpdate(Model):
    """
    The body of `POST /products/update/{id}`; the reference does not forbid an empty one.

    Attributes:
        name: Documented.
        price: Observed. An amount in major units (29.99 means $29.99).
        description: Observed.
        published: Observed.
        show_sales (`showSales`): Observed.
        show_reviews (`showReviews`): Observed.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    name: str | None = field(default=None, metadata={"wire": "name"})
    """Documented."""
    price: Decimal | None = field(default=None, metadata={"wire": "price"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    description: str | None = field(default=None, metadata={"wire": "description"})
    """Observed."""
    published: bool | None = field(default=None, metadata={"wire": "published"})
    """Observed."""
    show_sales: bool | None = field(default=None, metadata={"wire": "showSales"})
    """Observed."""
    show_reviews: bool | None = field(default=None, metadata={"wire": "showReviews"})
    """Observed."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Variant(Model):
    """
    A variant of a product (a different edition at its own price).

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        product_id (`productId`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        name: Documented.
        price: Observed. An amount in major units (29.99 means $29.99).
        created_at (`createdAt`): Inferred.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    product_id: str = field(metadata={"wire": "productId"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    name: str = field(metadata={"wire": "name"})
    """Documented."""
    price: Decimal = field(metadata={"wire": "price"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    created_at: datetime | None = field(default=None, metadata={"wire": "createdAt"})
    """Inferred."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class VariantCreate(Model):
    """
    The body of `POST /products/variants`.

    Attributes:
        product_id (`productId`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        name: Documented.
        price: Observed. An amount in major units (29.99 means $29.99).
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    product_id: str = field(metadata={"wire": "productId"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    name: str = field(metadata={"wire": "name"})
    """Documented."""
    price: Decimal = field(metadata={"wire": "price"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OrderProduct(Model):
    """
    Documented. The product an order is for, as embedded in the order.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        name: Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    name: str = field(metadata={"wire": "name"})
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Order(Model):
    """
    A sale of one product.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        buyer_email (`buyerEmail`): Documented.
        gross: Observed. An amount in major units (29.99 means $29.99).
        net: Observed. An amount in major units (29.99 means $29.99).
        taxes: Observed. An amount in major units (29.99 means $29.99).
        created_at (`createdAt`): Documented.
        product: `OrderProduct`
        discount_code (`discountCode`): Inferred. The discount code the buyer used, on
            orders that used one.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    buyer_email: str = field(metadata={"wire": "buyerEmail"})
    """Documented."""
    gross: Decimal = field(metadata={"wire": "gross"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    net: Decimal = field(metadata={"wire": "net"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    taxes: Decimal = field(metadata={"wire": "taxes"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    created_at: datetime = field(metadata={"wire": "createdAt"})
    """Documented."""
    product: OrderProduct = field(metadata={"wire": "product"})
    discount_code: str | None = field(default=None, metadata={"wire": "discountCode"})
    """Inferred. The discount code the buyer used, on orders that used one."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Pagination(Model):
    """
    Documented. Where a page sits in the whole list.

    Attributes:
        total_count (`totalCount`): Documented. Items in the whole list.
        total_pages (`totalPages`): Documented.
        current_page (`currentPage`): Documented.
        page_size (`pageSize`): Documented.
        has_more (`hasMore`): Documented. Whether a later page exists.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    total_count: int = field(metadata={"wire": "totalCount"})
    """Documented. Items in the whole list."""
    total_pages: int = field(metadata={"wire": "totalPages"})
    """Documented."""
    current_page: int = field(metadata={"wire": "currentPage"})
    """Documented."""
    page_size: int = field(metadata={"wire": "pageSize"})
    """Documented."""
    has_more: bool = field(metadata={"wire": "hasMore"})
    """Documented. Whether a later page exists."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OrderPage(Model):
    """
    Documented. One page of orders.

    Attributes:
        orders: `list[Order]`
        pagination: `Pagination`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    orders: list[Order] = field(metadata={"wire": "orders"})
    pagination: Pagination = field(metadata={"wire": "pagination"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Customer(Model):
    """
    Someone who bought from the store.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        buyer_email (`buyerEmail`): Documented.
        number_of_orders (`numberOfOrders`): Documented.
        created_at (`createdAt`): Documented.
        country: Documented. ISO 3166-1 alpha-2 code.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    buyer_email: str = field(metadata={"wire": "buyerEmail"})
    """Documented."""
    number_of_orders: int = field(metadata={"wire": "numberOfOrders"})
    """Documented."""
    created_at: datetime = field(metadata={"wire": "createdAt"})
    """Documented."""
    country: str | None = field(default=None, metadata={"wire": "country"})
    """Documented. ISO 3166-1 alpha-2 code."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Review(Model):
    """
    A buyer's review of a product.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        product_id (`productId`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        buyer_email (`buyerEmail`): Documented.
        rating: Documented. 1 to 5 stars.
        created_at (`createdAt`): Documented.
        review: Documented. The text of the review.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    product_id: str = field(metadata={"wire": "productId"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    buyer_email: str = field(metadata={"wire": "buyerEmail"})
    """Documented."""
    rating: int = field(metadata={"wire": "rating"})
    """Documented. 1 to 5 stars."""
    created_at: datetime = field(metadata={"wire": "createdAt"})
    """Documented."""
    review: str | None = field(default=None, metadata={"wire": "review"})
    """Documented. The text of the review."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Discount(Model):
    """
    A discount code.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        name: Documented.
        code: Documented. What buyers type at checkout.
        value: Observed. An amount in major units (29.99 means $29.99).
        value_type (`valueType`): `ValueType | str`
        active: Documented.
        used: Documented. How many orders used the code.
        main_product_ids (`mainProductIds`): Documented. The products the code applies to.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    name: str = field(metadata={"wire": "name"})
    """Documented."""
    code: str = field(metadata={"wire": "code"})
    """Documented. What buyers type at checkout."""
    value: Decimal = field(metadata={"wire": "value"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    value_type: ValueType | str = field(metadata={"wire": "valueType"})
    active: bool = field(metadata={"wire": "active"})
    """Documented."""
    used: int = field(metadata={"wire": "used"})
    """Documented. How many orders used the code."""
    main_product_ids: list[str] | None = field(default=None, metadata={"wire": "mainProductIds"})
    """Documented. The products the code applies to."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class DiscountCreate(Model):
    """
    The body of `POST /discounts`.

    Attributes:
        name: Documented.
        code: Documented. What buyers type at checkout; no format is documented.
        value: Observed. An amount in major units (29.99 means $29.99).
        value_type (`valueType`): `ValueType`
        active: Documented.
        main_product_ids (`mainProductIds`): Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    name: str = field(metadata={"wire": "name"})
    """Documented."""
    code: str = field(metadata={"wire": "code"})
    """Documented. What buyers type at checkout; no format is documented."""
    value: Decimal = field(metadata={"wire": "value"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    value_type: ValueType = field(metadata={"wire": "valueType"})
    active: bool | None = field(default=None, metadata={"wire": "active"})
    """Documented."""
    main_product_ids: list[str] | None = field(default=None, metadata={"wire": "mainProductIds"})
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class DiscountUpdate(Model):
    """
    The body of `POST /discounts/{id}`; the reference does not forbid an empty one.

    Attributes:
        name: Documented.
        code: Documented.
        value: Observed. An amount in major units (29.99 means $29.99).
        value_type (`valueType`): `ValueType | None`
        active: Documented.
        main_product_ids (`mainProductIds`): Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    name: str | None = field(default=None, metadata={"wire": "name"})
    """Documented."""
    code: str | None = field(default=None, metadata={"wire": "code"})
    """Documented."""
    value: Decimal | None = field(default=None, metadata={"wire": "value"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    value_type: ValueType | None = field(default=None, metadata={"wire": "valueType"})
    active: bool | None = field(default=None, metadata={"wire": "active"})
    """Documented."""
    main_product_ids: list[str] | None = field(default=None, metadata={"wire": "mainProductIds"})
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Upsell(Model):
    """
    An offer shown after checkout to buyers of the main products.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        name: Documented.
        upsell_product_id (`upsellProductId`): Observed. A MongoDB ObjectId, 24 lowercase
            hex characters.
        upsell_price (`upsellPrice`): Observed. An amount in major units (29.99 means
            $29.99).
        active: Documented.
        main_product_ids (`mainProductIds`): Documented.
        upsell_description (`upsellDescription`): Documented.
        primary_button_text (`primaryButtonText`): Documented.
        secondary_button_text (`secondaryButtonText`): Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    name: str = field(metadata={"wire": "name"})
    """Documented."""
    upsell_product_id: str = field(metadata={"wire": "upsellProductId"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    upsell_price: Decimal = field(metadata={"wire": "upsellPrice"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    active: bool = field(metadata={"wire": "active"})
    """Documented."""
    main_product_ids: list[str] = field(metadata={"wire": "mainProductIds"})
    """Documented."""
    upsell_description: str | None = field(default=None, metadata={"wire": "upsellDescription"})
    """Documented."""
    primary_button_text: str | None = field(default=None, metadata={"wire": "primaryButtonText"})
    """Documented."""
    secondary_button_text: str | None = field(
        default=None, metadata={"wire": "secondaryButtonText"}
    )
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class UpsellList(Model):
    """
    Documented. Every upsell, and the sales made with one.

    Attributes:
        upsells: `list[Upsell]`
        sales_with_upsells (`salesWithUpsells`): Documented; the shape of a sale is not.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    upsells: list[Upsell] = field(metadata={"wire": "upsells"})
    sales_with_upsells: list[dict[str, Any]] = field(metadata={"wire": "salesWithUpsells"})
    """Documented; the shape of a sale is not."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class UpsellCreate(Model):
    """
    The body of `POST /upsells`.

    Attributes:
        name: Documented.
        main_product_ids (`mainProductIds`): Documented.
        upsell_product_id (`upsellProductId`): Observed. A MongoDB ObjectId, 24 lowercase
            hex characters.
        upsell_price (`upsellPrice`): Observed. An amount in major units (29.99 means
            $29.99).
        upsell_description (`upsellDescription`): Documented.
        primary_button_text (`primaryButtonText`): Documented.
        secondary_button_text (`secondaryButtonText`): Documented.
        active: Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    name: str = field(metadata={"wire": "name"})
    """Documented."""
    main_product_ids: list[str] = field(metadata={"wire": "mainProductIds"})
    """Documented."""
    upsell_product_id: str = field(metadata={"wire": "upsellProductId"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    upsell_price: Decimal = field(metadata={"wire": "upsellPrice"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    upsell_description: str | None = field(default=None, metadata={"wire": "upsellDescription"})
    """Documented."""
    primary_button_text: str | None = field(default=None, metadata={"wire": "primaryButtonText"})
    """Documented."""
    secondary_button_text: str | None = field(
        default=None, metadata={"wire": "secondaryButtonText"}
    )
    """Documented."""
    active: bool | None = field(default=None, metadata={"wire": "active"})
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class UpsellUpdate(Model):
    """
    The body of `POST /upsells/{id}`; the reference does not forbid an empty one.

    Attributes:
        name: Documented.
        main_product_ids (`mainProductIds`): Documented.
        upsell_product_id (`upsellProductId`): Observed. A MongoDB ObjectId, 24 lowercase
            hex characters.
        upsell_price (`upsellPrice`): Observed. An amount in major units (29.99 means
            $29.99).
        upsell_description (`upsellDescription`): Documented.
        primary_button_text (`primaryButtonText`): Documented.
        secondary_button_text (`secondaryButtonText`): Documented.
        active: Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    name: str | None = field(default=None, metadata={"wire": "name"})
    """Documented."""
    main_product_ids: list[str] | None = field(default=None, metadata={"wire": "mainProductIds"})
    """Documented."""
    upsell_product_id: str | None = field(default=None, metadata={"wire": "upsellProductId"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    upsell_price: Decimal | None = field(default=None, metadata={"wire": "upsellPrice"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    upsell_description: str | None = field(default=None, metadata={"wire": "upsellDescription"})
    """Documented."""
    primary_button_text: str | None = field(default=None, metadata={"wire": "primaryButtonText"})
    """Documented."""
    secondary_button_text: str | None = field(
        default=None, metadata={"wire": "secondaryButtonText"}
    )
    """Documented."""
    active: bool | None = field(default=None, metadata={"wire": "active"})
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class User(Model):
    """
    The authenticated user's profile.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        email: Observed.
        subdomain: Observed. The store's subdomain.
        first_name (`firstName`): Documented (update body).
        last_name (`lastName`): Documented (update body).
        currency: Documented (update body). ISO 4217 code.
        country: Documented (update body). ISO 3166-1 alpha-2 code.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    email: str = field(metadata={"wire": "email"})
    """Observed."""
    subdomain: str | None = field(default=None, metadata={"wire": "subdomain"})
    """Observed. The store's subdomain."""
    first_name: str | None = field(default=None, metadata={"wire": "firstName"})
    """Documented (update body)."""
    last_name: str | None = field(default=None, metadata={"wire": "lastName"})
    """Documented (update body)."""
    currency: str | None = field(default=None, metadata={"wire": "currency"})
    """Documented (update body). ISO 4217 code."""
    country: str | None = field(default=None, metadata={"wire": "country"})
    """Documented (update body). ISO 3166-1 alpha-2 code."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class UserUpdate(Model):
    """
    The body of `POST /users/update`; the reference does not forbid an empty one.

    Attributes:
        first_name (`firstName`): Documented.
        last_name (`lastName`): Documented.
        currency: Documented ("USD"). No format is documented; the server decides.
        country: Documented ("US"). No format is documented; the server decides.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    first_name: str | None = field(default=None, metadata={"wire": "firstName"})
    """Documented."""
    last_name: str | None = field(default=None, metadata={"wire": "lastName"})
    """Documented."""
    currency: str | None = field(default=None, metadata={"wire": "currency"})
    """Documented ("USD"). No format is documented; the server decides."""
    country: str | None = field(default=None, metadata={"wire": "country"})
    """Documented ("US"). No format is documented; the server decides."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class SubscriptionQuery(Model):
    """
    Documented. The body of `POST /orders/subscriptions`.

    Attributes:
        page: Documented. No bound is documented.
        page_size (`pageSize`): Documented (default 20). No bound is documented.
        start_date (`startDate`): Documented ("ISO 8601"; the subscriptions example sends
            "2024-01-01"). An ISO 8601 date or date-time; storeflow sends a `date` as
            `YYYY-MM-DD` and an aware `datetime` with its offset.
        end_date (`endDate`): Documented ("ISO 8601"; the subscriptions example sends
            "2024-01-01"). An ISO 8601 date or date-time; storeflow sends a `date` as
            `YYYY-MM-DD` and an aware `datetime` with its offset.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    page: int | None = field(default=None, metadata={"wire": "page"})
    """Documented. No bound is documented."""
    page_size: int | None = field(default=None, metadata={"wire": "pageSize"})
    """Documented (default 20). No bound is documented."""
    start_date: str | None = field(default=None, metadata={"wire": "startDate"})
    """
    Documented ("ISO 8601"; the subscriptions example sends "2024-01-01"). An ISO 8601 date
    or date-time; storeflow sends a `date` as `YYYY-MM-DD` and an aware `datetime` with its
    offset.
    """
    end_date: str | None = field(default=None, metadata={"wire": "endDate"})
    """
    Documented ("ISO 8601"; the subscriptions example sends "2024-01-01"). An ISO 8601 date
    or date-time; storeflow sends a `date` as `YYYY-MM-DD` and an aware `datetime` with its
    offset.
    """
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Subscription(Model):
    """
    Inferred. A buyer's recurring subscription to a product.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters.
        buyer_email (`buyerEmail`): Inferred.
        product: `OrderProduct`
        price: Observed. An amount in major units (29.99 means $29.99).
        interval: `BillingInterval | str`
        status: `SubscriptionStatus | str`
        created_at (`createdAt`): Inferred. When the subscription started.
        current_period_end (`currentPeriodEnd`): Inferred. When the current billing period
            ends.
        canceled_at (`canceledAt`): Inferred. When it was cancelled.
        refunded_at (`refundedAt`): Inferred. When it was refunded.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    buyer_email: str = field(metadata={"wire": "buyerEmail"})
    """Inferred."""
    product: OrderProduct = field(metadata={"wire": "product"})
    price: Decimal = field(metadata={"wire": "price"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    interval: BillingInterval | str = field(metadata={"wire": "interval"})
    status: SubscriptionStatus | str = field(metadata={"wire": "status"})
    created_at: datetime = field(metadata={"wire": "createdAt"})
    """Inferred. When the subscription started."""
    current_period_end: datetime | None = field(default=None, metadata={"wire": "currentPeriodEnd"})
    """Inferred. When the current billing period ends."""
    canceled_at: datetime | None = field(default=None, metadata={"wire": "canceledAt"})
    """Inferred. When it was cancelled."""
    refunded_at: datetime | None = field(default=None, metadata={"wire": "refundedAt"})
    """Inferred. When it was refunded."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class SubscriptionPage(Model):
    """
    Inferred. One page of subscriptions, paged like orders.

    Attributes:
        subscriptions: `list[Subscription]`
        pagination: `Pagination`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    subscriptions: list[Subscription] = field(metadata={"wire": "subscriptions"})
    pagination: Pagination = field(metadata={"wire": "pagination"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class WebhookCustomer(Model):
    """
    Observed. The buyer named in a webhook.

    Attributes:
        email: `str | None`
        first_name (`firstName`): `str | None`
        last_name (`lastName`): `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    email: str | None = field(default=None, metadata={"wire": "email"})
    first_name: str | None = field(default=None, metadata={"wire": "firstName"})
    last_name: str | None = field(default=None, metadata={"wire": "lastName"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class WebhookProduct(Model):
    """
    Observed. The product an `order.*` event is about.

    Attributes:
        id: Observed. Not always an ObjectId in the vendor's examples (`prod_456def`).
        variant_id (`variantId`): `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "id"})
    """Observed. Not always an ObjectId in the vendor's examples (`prod_456def`)."""
    variant_id: str | None = field(default=None, metadata={"wire": "variantId"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class WebhookOrder(Model):
    """
    Observed. The order an `order.*` event is about.

    Attributes:
        id: Observed. Not always an ObjectId in the vendor's examples (`order_xyz123`).
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "id"})
    """Observed. Not always an ObjectId in the vendor's examples (`order_xyz123`)."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class WebhookTax(Model):
    """
    Observed. The tax charged on a webhook's order.

    Attributes:
        amount: Observed. An amount in a webhook body, kept as sent: the vendor's docs show
            major units (64.99) while its example repository says cents (6499).
        rate: `float | None`
        to_country (`ToCountry`): `str | None`
        to_zip (`ToZip`): `str | None`
        to_state (`ToState`): `str | None`
        percentage: `float | None`
        vat_number (`vatNumber`): `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    amount: Decimal | None = field(default=None, metadata={"wire": "amount"})
    """
    Observed. An amount in a webhook body, kept as sent: the vendor's docs show major units
    (64.99) while its example repository says cents (6499).
    """
    rate: float | None = field(default=None, metadata={"wire": "rate"})
    to_country: str | None = field(default=None, metadata={"wire": "ToCountry"})
    to_zip: str | None = field(default=None, metadata={"wire": "ToZip"})
    to_state: str | None = field(default=None, metadata={"wire": "ToState"})
    percentage: float | None = field(default=None, metadata={"wire": "percentage"})
    vat_number: str | None = field(default=None, metadata={"wire": "vatNumber"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class WebhookRefund(Model):
    """
    Observed. The refund of an `order.refunded` event.

    Attributes:
        id: `str | None`
        amount: Observed. An amount in a webhook body, kept as sent: the vendor's docs show
            major units (64.99) while its example repository says cents (6499).
        reason: `str | None`
        status: `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str | None = field(default=None, metadata={"wire": "id"})
    amount: Decimal | None = field(default=None, metadata={"wire": "amount"})
    """
    Observed. An amount in a webhook body, kept as sent: the vendor's docs show major units
    (64.99) while its example repository says cents (6499).
    """
    reason: str | None = field(default=None, metadata={"wire": "reason"})
    status: str | None = field(default=None, metadata={"wire": "status"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OrderCompletedEvent(Model):
    """
    Observed. The body of `order.completed`.

    Attributes:
        webhook_id (`webhookId`): Observed. The event's stable id (receivers deduplicate on
            it).
        event: Observed. The event name.
        product: `WebhookProduct | None`
        order: `WebhookOrder | None`
        currency: `str | None`
        customer: `WebhookCustomer | None`
        tax: `WebhookTax | None`
        amount: Observed. An amount in a webhook body, kept as sent: the vendor's docs show
            major units (64.99) while its example repository says cents (6499).
        amount_before_tax (`amountBeforeTax`): Observed. An amount in a webhook body, kept
            as sent: the vendor's docs show major units (64.99) while its example repository
            says cents (6499).
        metadata: Observed. What the seller attached at checkout.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    webhook_id: str = field(metadata={"wire": "webhookId"})
    """Observed. The event's stable id (receivers deduplicate on it)."""
    event: str | None = field(default=None, metadata={"wire": "event"})
    """Observed. The event name."""
    product: WebhookProduct | None = field(default=None, metadata={"wire": "product"})
    order: WebhookOrder | None = field(default=None, metadata={"wire": "order"})
    currency: str | None = field(default=None, metadata={"wire": "currency"})
    customer: WebhookCustomer | None = field(default=None, metadata={"wire": "customer"})
    tax: WebhookTax | None = field(default=None, metadata={"wire": "tax"})
    amount: Decimal | None = field(default=None, metadata={"wire": "amount"})
    """
    Observed. An amount in a webhook body, kept as sent: the vendor's docs show major units
    (64.99) while its example repository says cents (6499).
    """
    amount_before_tax: Decimal | None = field(default=None, metadata={"wire": "amountBeforeTax"})
    """
    Observed. An amount in a webhook body, kept as sent: the vendor's docs show major units
    (64.99) while its example repository says cents (6499).
    """
    metadata: dict[str, Any] | None = field(default=None, metadata={"wire": "metadata"})
    """Observed. What the seller attached at checkout."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OrderRefundedEvent(OrderCompletedEvent):
    """
    Observed. The body of `order.refunded`; `order.completed` plus the refund.

    Attributes:
        refund: `WebhookRefund | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    refund: WebhookRefund | None = field(default=None, metadata={"wire": "refund"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


class WebhookSubscriptionStatus(StrEnum):
    """Observed. The states a subscription event reports."""

    ACTIVE = "active"
    PAST_DUE = "past_due"
    PAUSED = "paused"
    CANCELED = "canceled"


@define(kw_only=True)
class WebhookSubscription(Model):
    """
    Observed. The subscription a subscription event is about.

    Attributes:
        id: `str`
        customer_id (`customerId`): `str | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "id"})
    customer_id: str | None = field(default=None, metadata={"wire": "customerId"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class SubscriptionCustomer(Model):
    """
    Observed. The subscriber's billing state.

    Attributes:
        id: `str | None`
        status: `WebhookSubscriptionStatus | str | None`
        active: `bool | None`
        cancel_at_period_end (`cancelAtPeriodEnd`): `bool | None`
        paused: `bool | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str | None = field(default=None, metadata={"wire": "id"})
    status: WebhookSubscriptionStatus | str | None = field(
        default=None, metadata={"wire": "status"}
    )
    active: bool | None = field(default=None, metadata={"wire": "active"})
    cancel_at_period_end: bool | None = field(default=None, metadata={"wire": "cancelAtPeriodEnd"})
    paused: bool | None = field(default=None, metadata={"wire": "paused"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class PaymentMethod(Model):
    """
    Observed. The card a subscription is paid with.

    Attributes:
        id: `str | None`
        type: `str | None`
        brand: `str | None`
        last4: `str | None`
        exp_month (`expMonth`): `int | None`
        exp_year (`expYear`): `int | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str | None = field(default=None, metadata={"wire": "id"})
    type: str | None = field(default=None, metadata={"wire": "type"})
    brand: str | None = field(default=None, metadata={"wire": "brand"})
    last4: str | None = field(default=None, metadata={"wire": "last4"})
    exp_month: int | None = field(default=None, metadata={"wire": "expMonth"})
    exp_year: int | None = field(default=None, metadata={"wire": "expYear"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class SubscriptionEvent(Model):
    """
    Observed. The body of the `customer.subscription.*` events.

    Attributes:
        webhook_id (`webhookId`): Observed. The event's stable id (receivers deduplicate on
            it).
        subscription: `WebhookSubscription | None`
        subscription_customer (`subscriptionCustomer`): `SubscriptionCustomer | None`
        customer: `WebhookCustomer | None`
        status: `WebhookSubscriptionStatus | str | None`
        payment_method (`paymentMethod`): Observed. Null when no card is on file.
        portal_url (`portalUrl`): `str | None`
        subscription_customer_id (`subscriptionCustomerId`): `str | None`
        client_reference_id (`clientReferenceId`): `str | None`
        metadata: `dict[str, Any] | None`
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    webhook_id: str = field(metadata={"wire": "webhookId"})
    """Observed. The event's stable id (receivers deduplicate on it)."""
    subscription: WebhookSubscription | None = field(
        default=None, metadata={"wire": "subscription"}
    )
    subscription_customer: SubscriptionCustomer | None = field(
        default=None, metadata={"wire": "subscriptionCustomer"}
    )
    customer: WebhookCustomer | None = field(default=None, metadata={"wire": "customer"})
    status: WebhookSubscriptionStatus | str | None = field(
        default=None, metadata={"wire": "status"}
    )
    payment_method: PaymentMethod | None = field(default=None, metadata={"wire": "paymentMethod"})
    """Observed. Null when no card is on file."""
    portal_url: str | None = field(default=None, metadata={"wire": "portalUrl"})
    subscription_customer_id: str | None = field(
        default=None, metadata={"wire": "subscriptionCustomerId"}
    )
    client_reference_id: str | None = field(default=None, metadata={"wire": "clientReferenceId"})
    metadata: dict[str, Any] | None = field(default=None, metadata={"wire": "metadata"})
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class InvoiceEvent(SubscriptionEvent):
    """
    Observed. The body of the `invoice.*` events (and, inferred, `payment_intent.*`): a
    subscription event plus the amount.

    Attributes:
        amount: Observed. Smallest currency unit (cents).
        currency: Observed. Lower-case ISO 4217 code (`usd`).
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    amount: int | None = field(default=None, metadata={"wire": "amount"})
    """Observed. Smallest currency unit (cents)."""
    currency: str | None = field(default=None, metadata={"wire": "currency"})
    """Observed. Lower-case ISO 4217 code (`usd`)."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class Product(Model):
    """
    A digital product.

    Attributes:
        id (`_id`): Observed. A MongoDB ObjectId, 24 lowercase hex characters. Public
            callers of `POST /products` read `_id ?? id`, so an answer with `id` instead is read
            the same.
        name: Documented.
        price: Observed. An amount in major units (29.99 means $29.99).
        description: Documented (create body).
        published: Documented.
        show_sales (`showSales`): Observed. Whether the product page shows its number of
            sales.
        show_reviews (`showReviews`): Observed. Whether the product page shows reviews.
        variants: Inferred. The variants created with `POST /products/variants`.
        created_at (`createdAt`): Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    id: str = field(metadata={"wire": "_id", "aliases": ("id",)})
    """
    Observed. A MongoDB ObjectId, 24 lowercase hex characters. Public callers of
    `POST /products` read `_id ?? id`, so an answer with `id` instead is read the same.
    """
    name: str = field(metadata={"wire": "name"})
    """Documented."""
    price: Decimal = field(metadata={"wire": "price"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    description: str | None = field(default=None, metadata={"wire": "description"})
    """Documented (create body)."""
    published: bool | None = field(default=None, metadata={"wire": "published"})
    """Documented."""
    show_sales: bool | None = field(default=None, metadata={"wire": "showSales"})
    """Observed. Whether the product page shows its number of sales."""
    show_reviews: bool | None = field(default=None, metadata={"wire": "showReviews"})
    """Observed. Whether the product page shows reviews."""
    variants: list[Variant] | None = field(default=None, metadata={"wire": "variants"})
    """Inferred. The variants created with `POST /products/variants`."""
    created_at: datetime | None = field(default=None, metadata={"wire": "createdAt"})
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class OrderDetail(Order):
    """
    Documented. An order with its customer and, if one was left, its review.

    Attributes:
        customer: Documented.
        review: Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    customer: Customer | None = field(default=None, metadata={"wire": "customer"})
    """Documented."""
    review: Review | None = field(default=None, metadata={"wire": "review"})
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""


@define(kw_only=True)
class CustomerDetail(Customer):
    """
    Documented. A customer with their order history and reviews.

    Attributes:
        orders: Documented.
        reviews: Documented.
        extra: The members of the JSON object that no attribute holds, by wire name (see
            `storeflow.Model`).
    """

    orders: list[Order] | None = field(default=None, metadata={"wire": "orders"})
    """Documented."""
    reviews: list[Review] | None = field(default=None, metadata={"wire": "reviews"})
    """Documented."""
    extra: dict[str, Any] = field(factory=dict)
    """What the API sent that no attribute holds, by wire name; written back by `to_dict()`."""
