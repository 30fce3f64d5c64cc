# Generated from schemas/pocketsflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""The argument rules of every operation of the Pocketsflow HTTP API."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

from storeflow._operation import Arguments, Rule

SortOrderLiteral: TypeAlias = Literal["asc", "desc"]
"""The values of ``SortOrder`` as plain strings, for type checkers."""

CustomerSortByLiteral: TypeAlias = Literal["email", "country", "numberOfOrders", "createdAt"]
"""The values of ``CustomerSortBy`` as plain strings, for type checkers."""

ValueTypeLiteral: TypeAlias = Literal["percentage", "fixed"]
"""The values of ``ValueType`` as plain strings, for type checkers."""

SubscriptionStatusLiteral: TypeAlias = Literal["active", "canceled", "refunded"]
"""The values of ``SubscriptionStatus`` as plain strings, for type checkers."""

BillingIntervalLiteral: TypeAlias = Literal["month", "year"]
"""The values of ``BillingInterval`` as plain strings, for type checkers."""

WebhookSubscriptionStatusLiteral: TypeAlias = Literal["active", "past_due", "paused", "canceled"]
"""The values of ``WebhookSubscriptionStatus`` as plain strings, for type checkers."""

ARGUMENTS: Final[Mapping[str, Arguments]] = MappingProxyType(
    {
        "products_list": Arguments(rules=MappingProxyType({}), min_body_fields=None),
        "products_create": Arguments(
            rules=MappingProxyType(
                {
                    "name": Rule(name="name", location="body", types=("string",), required=True),
                    "price": Rule(
                        name="price",
                        location="body",
                        types=("number",),
                        format="decimal",
                        required=True,
                    ),
                    "description": Rule(name="description", location="body", types=("string",)),
                    "published": Rule(name="published", location="body", types=("boolean",)),
                    "showSales": Rule(name="showSales", location="body", types=("boolean",)),
                    "showReviews": Rule(name="showReviews", location="body", types=("boolean",)),
                }
            ),
            min_body_fields=None,
        ),
        "products_get": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "products_delete": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "products_update": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                    "name": Rule(name="name", location="body", types=("string",)),
                    "price": Rule(
                        name="price", location="body", types=("number",), format="decimal"
                    ),
                    "description": Rule(name="description", location="body", types=("string",)),
                    "published": Rule(name="published", location="body", types=("boolean",)),
                    "showSales": Rule(name="showSales", location="body", types=("boolean",)),
                    "showReviews": Rule(name="showReviews", location="body", types=("boolean",)),
                }
            ),
            min_body_fields=None,
        ),
        "variants_create": Arguments(
            rules=MappingProxyType(
                {
                    "productId": Rule(
                        name="productId", location="body", types=("string",), required=True
                    ),
                    "name": Rule(name="name", location="body", types=("string",), required=True),
                    "price": Rule(
                        name="price",
                        location="body",
                        types=("number",),
                        format="decimal",
                        required=True,
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "variants_delete": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "orders_list": Arguments(
            rules=MappingProxyType(
                {
                    "startDate": Rule(
                        name="startDate", location="query", types=("string",), format="iso-8601"
                    ),
                    "endDate": Rule(
                        name="endDate", location="query", types=("string",), format="iso-8601"
                    ),
                    "productId": Rule(name="productId", location="query", types=("string",)),
                    "page": Rule(name="page", location="query", types=("integer",)),
                    "pageSize": Rule(name="pageSize", location="query", types=("integer",)),
                }
            ),
            min_body_fields=None,
        ),
        "orders_get": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "customers_list": Arguments(
            rules=MappingProxyType(
                {
                    "productId": Rule(name="productId", location="query", types=("string",)),
                    "sortBy": Rule(
                        name="sortBy",
                        location="query",
                        types=("string",),
                        enum=("email", "country", "numberOfOrders", "createdAt"),
                    ),
                    "sortOrder": Rule(
                        name="sortOrder", location="query", types=("string",), enum=("asc", "desc")
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "customers_get": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "reviews_list": Arguments(rules=MappingProxyType({}), min_body_fields=None),
        "reviews_list_for_product": Arguments(
            rules=MappingProxyType(
                {
                    "productId": Rule(
                        name="productId",
                        location="path",
                        types=("string",),
                        required=True,
                        min_length=1,
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "discounts_list": Arguments(rules=MappingProxyType({}), min_body_fields=None),
        "discounts_create": Arguments(
            rules=MappingProxyType(
                {
                    "name": Rule(name="name", location="body", types=("string",), required=True),
                    "code": Rule(name="code", location="body", types=("string",), required=True),
                    "value": Rule(
                        name="value",
                        location="body",
                        types=("number",),
                        format="decimal",
                        required=True,
                    ),
                    "valueType": Rule(
                        name="valueType",
                        location="body",
                        types=("string",),
                        required=True,
                        enum=("percentage", "fixed"),
                    ),
                    "active": Rule(name="active", location="body", types=("boolean",)),
                    "mainProductIds": Rule(
                        name="mainProductIds",
                        location="body",
                        types=("array",),
                        items=Rule(name="mainProductIds", location="item", types=("string",)),
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "discounts_get": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "discounts_update": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                    "name": Rule(name="name", location="body", types=("string",)),
                    "code": Rule(name="code", location="body", types=("string",)),
                    "value": Rule(
                        name="value", location="body", types=("number",), format="decimal"
                    ),
                    "valueType": Rule(
                        name="valueType",
                        location="body",
                        types=("string",),
                        enum=("percentage", "fixed"),
                    ),
                    "active": Rule(name="active", location="body", types=("boolean",)),
                    "mainProductIds": Rule(
                        name="mainProductIds",
                        location="body",
                        types=("array",),
                        items=Rule(name="mainProductIds", location="item", types=("string",)),
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "discounts_delete": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "upsells_list": Arguments(rules=MappingProxyType({}), min_body_fields=None),
        "upsells_create": Arguments(
            rules=MappingProxyType(
                {
                    "name": Rule(name="name", location="body", types=("string",), required=True),
                    "mainProductIds": Rule(
                        name="mainProductIds",
                        location="body",
                        types=("array",),
                        required=True,
                        items=Rule(name="mainProductIds", location="item", types=("string",)),
                    ),
                    "upsellProductId": Rule(
                        name="upsellProductId", location="body", types=("string",), required=True
                    ),
                    "upsellPrice": Rule(
                        name="upsellPrice",
                        location="body",
                        types=("number",),
                        format="decimal",
                        required=True,
                    ),
                    "upsellDescription": Rule(
                        name="upsellDescription", location="body", types=("string",)
                    ),
                    "primaryButtonText": Rule(
                        name="primaryButtonText", location="body", types=("string",)
                    ),
                    "secondaryButtonText": Rule(
                        name="secondaryButtonText", location="body", types=("string",)
                    ),
                    "active": Rule(name="active", location="body", types=("boolean",)),
                }
            ),
            min_body_fields=None,
        ),
        "upsells_get": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "upsells_update": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                    "name": Rule(name="name", location="body", types=("string",)),
                    "mainProductIds": Rule(
                        name="mainProductIds",
                        location="body",
                        types=("array",),
                        items=Rule(name="mainProductIds", location="item", types=("string",)),
                    ),
                    "upsellProductId": Rule(
                        name="upsellProductId", location="body", types=("string",)
                    ),
                    "upsellPrice": Rule(
                        name="upsellPrice", location="body", types=("number",), format="decimal"
                    ),
                    "upsellDescription": Rule(
                        name="upsellDescription", location="body", types=("string",)
                    ),
                    "primaryButtonText": Rule(
                        name="primaryButtonText", location="body", types=("string",)
                    ),
                    "secondaryButtonText": Rule(
                        name="secondaryButtonText", location="body", types=("string",)
                    ),
                    "active": Rule(name="active", location="body", types=("boolean",)),
                }
            ),
            min_body_fields=None,
        ),
        "upsells_delete": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "users_me": Arguments(rules=MappingProxyType({}), min_body_fields=None),
        "users_update": Arguments(
            rules=MappingProxyType(
                {
                    "firstName": Rule(name="firstName", location="body", types=("string",)),
                    "lastName": Rule(name="lastName", location="body", types=("string",)),
                    "currency": Rule(name="currency", location="body", types=("string",)),
                    "country": Rule(name="country", location="body", types=("string",)),
                }
            ),
            min_body_fields=None,
        ),
        "subscriptions_list": Arguments(
            rules=MappingProxyType(
                {
                    "page": Rule(name="page", location="body", types=("integer",)),
                    "pageSize": Rule(name="pageSize", location="body", types=("integer",)),
                    "startDate": Rule(
                        name="startDate", location="body", types=("string",), format="iso-8601"
                    ),
                    "endDate": Rule(
                        name="endDate", location="body", types=("string",), format="iso-8601"
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "subscriptions_get": Arguments(
            rules=MappingProxyType(
                {
                    "id": Rule(
                        name="id", location="path", types=("string",), required=True, min_length=1
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "subscriptions_cancel": Arguments(
            rules=MappingProxyType(
                {
                    "subscriptionId": Rule(
                        name="subscriptionId",
                        location="path",
                        types=("string",),
                        required=True,
                        min_length=1,
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "subscriptions_refund": Arguments(
            rules=MappingProxyType(
                {
                    "subscriptionId": Rule(
                        name="subscriptionId",
                        location="path",
                        types=("string",),
                        required=True,
                        min_length=1,
                    ),
                }
            ),
            min_body_fields=None,
        ),
    }
)
"""What the schema states about each argument of each operation, by operationId."""
