# Generated from schemas/pocketsflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""The model of each successful answer of the Pocketsflow HTTP API."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from storeflow.pocketsflow import models

RESPONSES: Final[Mapping[str, tuple[type[Any], bool]]] = MappingProxyType(
    {
        "products_list": (models.Product, True),
        "products_create": (models.Product, False),
        "products_get": (models.Product, False),
        "products_delete": (models.Deleted, False),
        "products_update": (models.Product, False),
        "variants_create": (models.Variant, False),
        "variants_delete": (models.Deleted, False),
        "orders_list": (models.OrderPage, False),
        "orders_get": (models.OrderDetail, False),
        "customers_list": (models.Customer, True),
        "customers_get": (models.CustomerDetail, False),
        "reviews_list": (models.Review, True),
        "reviews_list_for_product": (models.Review, True),
        "discounts_list": (models.Discount, True),
        "discounts_create": (models.Discount, False),
        "discounts_get": (models.Discount, False),
        "discounts_update": (models.Discount, False),
        "discounts_delete": (models.Deleted, False),
        "upsells_list": (models.UpsellList, False),
        "upsells_create": (models.Upsell, False),
        "upsells_get": (models.Upsell, False),
        "upsells_update": (models.Upsell, False),
        "upsells_delete": (models.Deleted, False),
        "users_me": (models.User, False),
        "users_update": (models.User, False),
        "subscriptions_list": (models.SubscriptionPage, False),
        "subscriptions_get": (models.Subscription, False),
        "subscriptions_cancel": (models.Subscription, False),
        "subscriptions_refund": (models.Subscription, False),
    }
)
"""By operationId: the model of the JSON answer, and whether it is a bare array."""
