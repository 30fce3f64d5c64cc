# Generated from schemas/reflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""Every operation of the Reflow API, keyed by operationId."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from storeflow._operation import Operation

OPERATIONS: Final[Mapping[str, Operation]] = MappingProxyType(
    {
        "plans_list": Operation(
            id="plans_list",
            method="GET",
            path="/projects/{projectId}/plans/",
            idempotent=True,
            auth="optional",
        ),
        "plans_get": Operation(
            id="plans_get",
            method="GET",
            path="/projects/{projectId}/plans/{planId}",
            idempotent=True,
            auth="optional",
        ),
        "users_list": Operation(
            id="users_list",
            method="GET",
            path="/projects/{projectId}/users/",
            idempotent=True,
            auth="required",
        ),
        "users_get": Operation(
            id="users_get",
            method="GET",
            path="/projects/{projectId}/users/{userId}",
            idempotent=True,
            auth="required",
        ),
        "products_list": Operation(
            id="products_list",
            method="GET",
            path="/projects/{projectId}/products/",
            idempotent=True,
            auth="optional",
        ),
        "products_get": Operation(
            id="products_get",
            method="GET",
            path="/projects/{projectId}/products/{product}",
            idempotent=True,
            auth="optional",
        ),
        "products_update": Operation(
            id="products_update",
            method="POST",
            path="/projects/{projectId}/products/{product}",
            idempotent=True,
            auth="required",
        ),
        "categories_list": Operation(
            id="categories_list",
            method="GET",
            path="/projects/{projectId}/categories/",
            idempotent=True,
            auth="optional",
        ),
        "categories_get": Operation(
            id="categories_get",
            method="GET",
            path="/projects/{projectId}/categories/{category}",
            idempotent=True,
            auth="optional",
        ),
        "orders_list": Operation(
            id="orders_list",
            method="GET",
            path="/projects/{projectId}/orders/",
            idempotent=True,
            auth="required",
        ),
        "orders_get": Operation(
            id="orders_get",
            method="GET",
            path="/projects/{projectId}/orders/{orderId}",
            idempotent=True,
            auth="required",
        ),
        "orders_update": Operation(
            id="orders_update",
            method="POST",
            path="/projects/{projectId}/orders/{orderId}",
            idempotent=True,
            auth="required",
        ),
    }
)
"""Method, path template, idempotency and auth of each operation of the schema."""
