# Generated from schemas/reflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""The argument rules of every operation of the Reflow API."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

from storeflow._operation import Arguments, Rule

ProductOrderLiteral: TypeAlias = Literal[
    "name_asc",
    "name_desc",
    "price_asc",
    "price_desc",
    "date_asc",
    "date_desc",
    "custom_asc",
    "custom_desc",
]
"""The values of ``ProductOrder`` as plain strings, for type checkers."""

InventoryTypeLiteral: TypeAlias = Literal["simple", "advanced"]
"""The values of ``InventoryType`` as plain strings, for type checkers."""

PaymentStatusLiteral: TypeAlias = Literal["pending", "paid", "failed", "refunded"]
"""The values of ``PaymentStatus`` as plain strings, for type checkers."""

FulfillmentStatusLiteral: TypeAlias = Literal[
    "unfulfilled", "shipped", "ready_for_pickup", "delivered", "returned"
]
"""The values of ``FulfillmentStatus`` as plain strings, for type checkers."""

BillingPeriodLiteral: TypeAlias = Literal["month", "year"]
"""The values of ``BillingPeriod`` as plain strings, for type checkers."""

MediaTypeLiteral: TypeAlias = Literal["image", "video"]
"""The values of ``MediaType`` as plain strings, for type checkers."""

PersonalizationTypeLiteral: TypeAlias = Literal["text", "dropdown", "file"]
"""The values of ``PersonalizationType`` as plain strings, for type checkers."""

ChangeActionLiteral: TypeAlias = Literal["create", "update", "delete"]
"""The values of ``ChangeAction`` as plain strings, for type checkers."""

ARGUMENTS: Final[Mapping[str, Arguments]] = MappingProxyType(
    {
        "plans_list": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "plans_get": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "planId": Rule(
                        name="planId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "users_list": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "page": Rule(name="page", location="query", types=("integer",)),
                    "perpage": Rule(
                        name="perpage", location="query", types=("integer",), minimum=1, maximum=100
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "users_get": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "userId": Rule(
                        name="userId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "products_list": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "page": Rule(name="page", location="query", types=("integer",)),
                    "perpage": Rule(
                        name="perpage", location="query", types=("integer",), minimum=1, maximum=100
                    ),
                    "category": Rule(
                        name="category",
                        location="query",
                        types=("integer", "string"),
                        pattern="^[0-9]+$",
                    ),
                    "search": Rule(name="search", location="query", types=("string",)),
                    "ids": Rule(
                        name="ids",
                        location="query",
                        types=("array",),
                        max_items=100,
                        items=Rule(name="ids", location="item", types=("integer", "string")),
                        comma_separated=True,
                    ),
                    "order": Rule(
                        name="order",
                        location="query",
                        types=("array",),
                        items=Rule(
                            name="order",
                            location="item",
                            types=("string",),
                            enum=(
                                "name_asc",
                                "name_desc",
                                "price_asc",
                                "price_desc",
                                "date_asc",
                                "date_desc",
                                "custom_asc",
                                "custom_desc",
                            ),
                        ),
                        comma_separated=True,
                    ),
                    "fetch_hidden": Rule(name="fetch_hidden", location="query", types=("boolean",)),
                }
            ),
            min_body_fields=None,
        ),
        "products_get": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "product": Rule(
                        name="product",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        min_length=1,
                    ),
                    "fetch_hidden": Rule(name="fetch_hidden", location="query", types=("boolean",)),
                }
            ),
            min_body_fields=None,
        ),
        "products_update": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "product": Rule(
                        name="product",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        min_length=1,
                    ),
                    "name": Rule(
                        name="name",
                        location="body",
                        types=("string",),
                        min_length=1,
                        max_length=128,
                    ),
                    "price": Rule(name="price", location="body", types=("integer",)),
                    "inventory_type": Rule(
                        name="inventory_type",
                        location="body",
                        types=("string",),
                        enum=("simple", "advanced"),
                    ),
                    "in_stock": Rule(name="in_stock", location="body", types=("boolean",)),
                    "stock_quantity": Rule(
                        name="stock_quantity",
                        location="body",
                        types=("integer",),
                        minimum=0,
                        maximum=100000,
                    ),
                }
            ),
            min_body_fields=1,
        ),
        "categories_list": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "root-category": Rule(
                        name="root-category",
                        location="query",
                        types=("integer", "string"),
                        pattern="^[0-9]+$",
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "categories_get": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "category": Rule(
                        name="category",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        min_length=1,
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "orders_list": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "page": Rule(name="page", location="query", types=("integer",)),
                    "perpage": Rule(
                        name="perpage", location="query", types=("integer",), minimum=1, maximum=100
                    ),
                    "payment_status": Rule(
                        name="payment_status",
                        location="query",
                        types=("string",),
                        enum=("pending", "paid", "failed", "refunded"),
                    ),
                    "fulfillment_status": Rule(
                        name="fulfillment_status",
                        location="query",
                        types=("string",),
                        enum=(
                            "unfulfilled",
                            "shipped",
                            "ready_for_pickup",
                            "delivered",
                            "returned",
                        ),
                    ),
                    "is_canceled": Rule(name="is_canceled", location="query", types=("boolean",)),
                    "is_archived": Rule(name="is_archived", location="query", types=("boolean",)),
                    "customer_email": Rule(
                        name="customer_email", location="query", types=("string",), format="email"
                    ),
                    "created_after": Rule(
                        name="created_after",
                        location="query",
                        types=("number",),
                        format="unix-time",
                    ),
                    "created_before": Rule(
                        name="created_before",
                        location="query",
                        types=("number",),
                        format="unix-time",
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "orders_get": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "orderId": Rule(
                        name="orderId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                }
            ),
            min_body_fields=None,
        ),
        "orders_update": Arguments(
            rules=MappingProxyType(
                {
                    "projectId": Rule(
                        name="projectId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "orderId": Rule(
                        name="orderId",
                        location="path",
                        types=("integer", "string"),
                        required=True,
                        pattern="^[0-9]+$",
                    ),
                    "payment_status": Rule(
                        name="payment_status",
                        location="body",
                        types=("string",),
                        enum=("pending", "paid", "failed", "refunded"),
                    ),
                    "fulfillment_status": Rule(
                        name="fulfillment_status",
                        location="body",
                        types=("string",),
                        enum=(
                            "unfulfilled",
                            "shipped",
                            "ready_for_pickup",
                            "delivered",
                            "returned",
                        ),
                    ),
                    "is_canceled": Rule(name="is_canceled", location="body", types=("boolean",)),
                    "is_archived": Rule(name="is_archived", location="body", types=("boolean",)),
                    "delivery_information": Rule(
                        name="delivery_information", location="body", types=("string",)
                    ),
                }
            ),
            min_body_fields=1,
        ),
    }
)
"""What the schema states about each argument of each operation, by operationId."""
