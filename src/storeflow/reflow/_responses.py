# Generated from schemas/reflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""The model of each successful answer of the Reflow API."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from storeflow.reflow import models

RESPONSES: Final[Mapping[str, tuple[type[Any], bool]]] = MappingProxyType(
    {
        "plans_list": (models.PlanList, False),
        "plans_get": (models.Plan, False),
        "users_list": (models.UserPage, False),
        "users_get": (models.User, False),
        "products_list": (models.ProductPage, False),
        "products_get": (models.Product, False),
        "products_update": (models.Product, False),
        "categories_list": (models.Category, True),
        "categories_get": (models.Category, False),
        "orders_list": (models.OrderPage, False),
        "orders_get": (models.Order, False),
        "orders_update": (models.Order, False),
    }
)
"""By operationId: the model of the JSON answer, and whether it is a bare array."""
