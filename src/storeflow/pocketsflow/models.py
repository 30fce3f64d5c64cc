# Generated from schemas/pocketsflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""The Pocketsflow HTTP API data models: one attrs class per object in the schema."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from attrs import define, field


@define(kw_only=True)
class Error:
    """Documented. The error body of every failed request."""

    message: str = field(metadata={"wire": "message"})
    """Documented. What went wrong."""


@define(kw_only=True)
class Deleted:
    """Inferred. The answer to a successful delete."""

    message: str = field(metadata={"wire": "message"})
    """Inferred. A confirmation."""


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
class ProductCreate:
    """The body of `POST /products`."""

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


@define(kw_only=True)
class ProductUpdate:
    """The body of `POST /products/update/{id}`; the reference does not forbid an empty one."""

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


@define(kw_only=True)
class Variant:
    """A variant of a product (a different edition at its own price)."""

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


@define(kw_only=True)
class VariantCreate:
    """The body of `POST /products/variants`."""

    product_id: str = field(metadata={"wire": "productId"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    name: str = field(metadata={"wire": "name"})
    """Documented."""
    price: Decimal = field(metadata={"wire": "price"})
    """Observed. An amount in major units (29.99 means $29.99)."""


@define(kw_only=True)
class OrderProduct:
    """Documented. The product an order is for, as embedded in the order."""

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    name: str = field(metadata={"wire": "name"})
    """Documented."""


@define(kw_only=True)
class Order:
    """A sale of one product."""

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


@define(kw_only=True)
class Pagination:
    """Documented. Where a page sits in the whole list."""

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


@define(kw_only=True)
class OrderPage:
    """Documented. One page of orders."""

    orders: list[Order] = field(metadata={"wire": "orders"})
    pagination: Pagination = field(metadata={"wire": "pagination"})


@define(kw_only=True)
class Customer:
    """Someone who bought from the store."""

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


@define(kw_only=True)
class Review:
    """A buyer's review of a product."""

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


@define(kw_only=True)
class Discount:
    """A discount code."""

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    name: str = field(metadata={"wire": "name"})
    """Documented."""
    code: str = field(metadata={"wire": "code"})
    """Documented. What buyers type at checkout."""
    value: Decimal = field(metadata={"wire": "value"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    value_type: ValueType = field(metadata={"wire": "valueType"})
    active: bool = field(metadata={"wire": "active"})
    """Documented."""
    used: int = field(metadata={"wire": "used"})
    """Documented. How many orders used the code."""
    main_product_ids: list[str] | None = field(default=None, metadata={"wire": "mainProductIds"})
    """Documented. The products the code applies to."""


@define(kw_only=True)
class DiscountCreate:
    """The body of `POST /discounts`."""

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


@define(kw_only=True)
class DiscountUpdate:
    """The body of `POST /discounts/{id}`; the reference does not forbid an empty one."""

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


@define(kw_only=True)
class Upsell:
    """An offer shown after checkout to buyers of the main products."""

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


@define(kw_only=True)
class UpsellList:
    """Documented. Every upsell, and the sales made with one."""

    upsells: list[Upsell] = field(metadata={"wire": "upsells"})
    sales_with_upsells: list[dict[str, Any]] = field(metadata={"wire": "salesWithUpsells"})
    """Documented; the shape of a sale is not."""


@define(kw_only=True)
class UpsellCreate:
    """The body of `POST /upsells`."""

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


@define(kw_only=True)
class UpsellUpdate:
    """The body of `POST /upsells/{id}`; the reference does not forbid an empty one."""

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


@define(kw_only=True)
class User:
    """The authenticated user's profile."""

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


@define(kw_only=True)
class UserUpdate:
    """The body of `POST /users/update`; the reference does not forbid an empty one."""

    first_name: str | None = field(default=None, metadata={"wire": "firstName"})
    """Documented."""
    last_name: str | None = field(default=None, metadata={"wire": "lastName"})
    """Documented."""
    currency: str | None = field(default=None, metadata={"wire": "currency"})
    """Documented ("USD"). No format is documented; the server decides."""
    country: str | None = field(default=None, metadata={"wire": "country"})
    """Documented ("US"). No format is documented; the server decides."""


@define(kw_only=True)
class SubscriptionQuery:
    """Documented. The body of `POST /orders/subscriptions`."""

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


@define(kw_only=True)
class Subscription:
    """Inferred. A buyer's recurring subscription to a product."""

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
    buyer_email: str = field(metadata={"wire": "buyerEmail"})
    """Inferred."""
    product: OrderProduct = field(metadata={"wire": "product"})
    price: Decimal = field(metadata={"wire": "price"})
    """Observed. An amount in major units (29.99 means $29.99)."""
    interval: BillingInterval = field(metadata={"wire": "interval"})
    status: SubscriptionStatus = field(metadata={"wire": "status"})
    created_at: datetime = field(metadata={"wire": "createdAt"})
    """Inferred. When the subscription started."""
    current_period_end: datetime | None = field(default=None, metadata={"wire": "currentPeriodEnd"})
    """Inferred. When the current billing period ends."""
    canceled_at: datetime | None = field(default=None, metadata={"wire": "canceledAt"})
    """Inferred. When it was cancelled."""
    refunded_at: datetime | None = field(default=None, metadata={"wire": "refundedAt"})
    """Inferred. When it was refunded."""


@define(kw_only=True)
class SubscriptionPage:
    """Inferred. One page of subscriptions, paged like orders."""

    subscriptions: list[Subscription] = field(metadata={"wire": "subscriptions"})
    pagination: Pagination = field(metadata={"wire": "pagination"})


@define(kw_only=True)
class WebhookCustomer:
    """Observed. The buyer named in a webhook."""

    email: str | None = field(default=None, metadata={"wire": "email"})
    first_name: str | None = field(default=None, metadata={"wire": "firstName"})
    last_name: str | None = field(default=None, metadata={"wire": "lastName"})


@define(kw_only=True)
class WebhookProduct:
    """Observed. The product an `order.*` event is about."""

    id: str = field(metadata={"wire": "id"})
    """Observed. Not always an ObjectId in the vendor's examples (`prod_456def`)."""
    variant_id: str | None = field(default=None, metadata={"wire": "variantId"})


@define(kw_only=True)
class WebhookOrder:
    """Observed. The order an `order.*` event is about."""

    id: str = field(metadata={"wire": "id"})
    """Observed. Not always an ObjectId in the vendor's examples (`order_xyz123`)."""


@define(kw_only=True)
class WebhookTax:
    """Observed. The tax charged on a webhook's order."""

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


@define(kw_only=True)
class WebhookRefund:
    """Observed. The refund of an `order.refunded` event."""

    id: str | None = field(default=None, metadata={"wire": "id"})
    amount: Decimal | None = field(default=None, metadata={"wire": "amount"})
    """
    Observed. An amount in a webhook body, kept as sent: the vendor's docs show major units
    (64.99) while its example repository says cents (6499).
    """
    reason: str | None = field(default=None, metadata={"wire": "reason"})
    status: str | None = field(default=None, metadata={"wire": "status"})


@define(kw_only=True)
class OrderCompletedEvent:
    """Observed. The body of `order.completed`."""

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


@define(kw_only=True)
class OrderRefundedEvent(OrderCompletedEvent):
    """Observed. The body of `order.refunded`; `order.completed` plus the refund."""

    refund: WebhookRefund | None = field(default=None, metadata={"wire": "refund"})


class WebhookSubscriptionStatus(StrEnum):
    """Observed. The states a subscription event reports."""

    ACTIVE = "active"
    PAST_DUE = "past_due"
    PAUSED = "paused"
    CANCELED = "canceled"


@define(kw_only=True)
class WebhookSubscription:
    """Observed. The subscription a subscription event is about."""

    id: str = field(metadata={"wire": "id"})
    customer_id: str | None = field(default=None, metadata={"wire": "customerId"})


@define(kw_only=True)
class SubscriptionCustomer:
    """Observed. The subscriber's billing state."""

    id: str | None = field(default=None, metadata={"wire": "id"})
    status: WebhookSubscriptionStatus | None = field(default=None, metadata={"wire": "status"})
    active: bool | None = field(default=None, metadata={"wire": "active"})
    cancel_at_period_end: bool | None = field(default=None, metadata={"wire": "cancelAtPeriodEnd"})
    paused: bool | None = field(default=None, metadata={"wire": "paused"})


@define(kw_only=True)
class PaymentMethod:
    """Observed. The card a subscription is paid with."""

    id: str | None = field(default=None, metadata={"wire": "id"})
    type: str | None = field(default=None, metadata={"wire": "type"})
    brand: str | None = field(default=None, metadata={"wire": "brand"})
    last4: str | None = field(default=None, metadata={"wire": "last4"})
    exp_month: int | None = field(default=None, metadata={"wire": "expMonth"})
    exp_year: int | None = field(default=None, metadata={"wire": "expYear"})


@define(kw_only=True)
class SubscriptionEvent:
    """Observed. The body of the `customer.subscription.*` events."""

    webhook_id: str = field(metadata={"wire": "webhookId"})
    """Observed. The event's stable id (receivers deduplicate on it)."""
    subscription: WebhookSubscription | None = field(
        default=None, metadata={"wire": "subscription"}
    )
    subscription_customer: SubscriptionCustomer | None = field(
        default=None, metadata={"wire": "subscriptionCustomer"}
    )
    customer: WebhookCustomer | None = field(default=None, metadata={"wire": "customer"})
    status: WebhookSubscriptionStatus | None = field(default=None, metadata={"wire": "status"})
    payment_method: PaymentMethod | None = field(default=None, metadata={"wire": "paymentMethod"})
    """Observed. Null when no card is on file."""
    portal_url: str | None = field(default=None, metadata={"wire": "portalUrl"})
    subscription_customer_id: str | None = field(
        default=None, metadata={"wire": "subscriptionCustomerId"}
    )
    client_reference_id: str | None = field(default=None, metadata={"wire": "clientReferenceId"})
    metadata: dict[str, Any] | None = field(default=None, metadata={"wire": "metadata"})


@define(kw_only=True)
class InvoiceEvent(SubscriptionEvent):
    """
    Observed. The body of the `invoice.*` events (and, inferred, `payment_intent.*`): a
    subscription event plus the amount.
    """

    amount: int | None = field(default=None, metadata={"wire": "amount"})
    """Observed. Smallest currency unit (cents)."""
    currency: str | None = field(default=None, metadata={"wire": "currency"})
    """Observed. Lower-case ISO 4217 code (`usd`)."""


@define(kw_only=True)
class Product:
    """A digital product."""

    id: str = field(metadata={"wire": "_id"})
    """Observed. A MongoDB ObjectId, 24 lowercase hex characters."""
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


@define(kw_only=True)
class OrderDetail(Order):
    """Documented. An order with its customer and, if one was left, its review."""

    customer: Customer | None = field(default=None, metadata={"wire": "customer"})
    """Documented."""
    review: Review | None = field(default=None, metadata={"wire": "review"})
    """Documented."""


@define(kw_only=True)
class CustomerDetail(Customer):
    """Documented. A customer with their order history and reviews."""

    orders: list[Order] | None = field(default=None, metadata={"wire": "orders"})
    """Documented."""
    reviews: list[Review] | None = field(default=None, metadata={"wire": "reviews"})
    """Documented."""
