# Generated from schemas/pocketsflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""Every operation of the Pocketsflow HTTP API, keyed by operationId."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from storeflow._operation import Operation

OPERATIONS: Final[Mapping[str, Operation]] = MappingProxyType(
    {
        "products_list": Operation(
            id="products_list", method="GET", path="/products", idempotent=True, auth="required"
        ),
        "products_create": Operation(
            id="products_create", method="POST", path="/products", idempotent=False, auth="required"
        ),
        "products_get": Operation(
            id="products_get", method="GET", path="/products/{id}", idempotent=True, auth="required"
        ),
        "products_delete": Operation(
            id="products_delete",
            method="DELETE",
            path="/products/{id}",
            idempotent=True,
            auth="required",
        ),
        "products_update": Operation(
            id="products_update",
            method="POST",
            path="/products/update/{id}",
            idempotent=True,
            auth="required",
        ),
        "variants_create": Operation(
            id="variants_create",
            method="POST",
            path="/products/variants",
            idempotent=False,
            auth="required",
        ),
        "variants_delete": Operation(
            id="variants_delete",
            method="DELETE",
            path="/products/variants/{id}",
            idempotent=True,
            auth="required",
        ),
        "orders_list": Operation(
            id="orders_list", method="GET", path="/orders", idempotent=True, auth="required"
        ),
        "orders_get": Operation(
            id="orders_get", method="GET", path="/orders/{id}", idempotent=True, auth="required"
        ),
        "customers_list": Operation(
            id="customers_list", method="GET", path="/customers", idempotent=True, auth="required"
        ),
        "customers_get": Operation(
            id="customers_get",
            method="GET",
            path="/customers/{id}",
            idempotent=True,
            auth="required",
        ),
        "reviews_list": Operation(
            id="reviews_list", method="GET", path="/reviews", idempotent=True, auth="required"
        ),
        "reviews_list_for_product": Operation(
            id="reviews_list_for_product",
            method="GET",
            path="/reviews/{productId}",
            idempotent=True,
            auth="none",
        ),
        "discounts_list": Operation(
            id="discounts_list", method="GET", path="/discounts", idempotent=True, auth="required"
        ),
        "discounts_create": Operation(
            id="discounts_create",
            method="POST",
            path="/discounts",
            idempotent=False,
            auth="required",
        ),
        "discounts_get": Operation(
            id="discounts_get",
            method="GET",
            path="/discounts/{id}",
            idempotent=True,
            auth="required",
        ),
        "discounts_update": Operation(
            id="discounts_update",
            method="POST",
            path="/discounts/{id}",
            idempotent=True,
            auth="required",
        ),
        "discounts_delete": Operation(
            id="discounts_delete",
            method="DELETE",
            path="/discounts/{id}",
            idempotent=True,
            auth="required",
        ),
        "upsells_list": Operation(
            id="upsells_list", method="GET", path="/upsells", idempotent=True, auth="required"
        ),
        "upsells_create": Operation(
            id="upsells_create", method="POST", path="/upsells", idempotent=False, auth="required"
        ),
        "upsells_get": Operation(
            id="upsells_get", method="GET", path="/upsells/{id}", idempotent=True, auth="required"
        ),
        "upsells_update": Operation(
            id="upsells_update",
            method="POST",
            path="/upsells/{id}",
            idempotent=True,
            auth="required",
        ),
        "upsells_delete": Operation(
            id="upsells_delete",
            method="DELETE",
            path="/upsells/{id}",
            idempotent=True,
            auth="required",
        ),
        "users_me": Operation(
            id="users_me", method="GET", path="/users/me", idempotent=True, auth="required"
        ),
        "users_update": Operation(
            id="users_update", method="POST", path="/users/update", idempotent=True, auth="required"
        ),
        "subscriptions_list": Operation(
            id="subscriptions_list",
            method="POST",
            path="/orders/subscriptions",
            idempotent=True,
            auth="required",
        ),
        "subscriptions_get": Operation(
            id="subscriptions_get",
            method="GET",
            path="/orders/subscriptions/{id}",
            idempotent=True,
            auth="required",
        ),
        "subscriptions_cancel": Operation(
            id="subscriptions_cancel",
            method="POST",
            path="/orders/subscriptions/cancel/{subscriptionId}",
            idempotent=True,
            auth="required",
        ),
        "subscriptions_refund": Operation(
            id="subscriptions_refund",
            method="POST",
            path="/orders/subscriptions/refund/{subscriptionId}",
            idempotent=False,
            auth="required",
        ),
    }
)
"""Method, path template, idempotency and auth of each operation of the schema."""
