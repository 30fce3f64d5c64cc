# Generated from schemas/reflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""Every webhook event of the Reflow API, keyed by event name."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from storeflow.reflow import models

EVENTS: Final[Mapping[str, type[Any]]] = MappingProxyType(
    {
        "order.created": models.OrderEvent,
        "order.updated": models.OrderEvent,
        "user.created": models.UserEvent,
        "user.updated": models.UserEvent,
        "user.deleted": models.UserEvent,
        "products.changed": models.ChangedEvent,
        "categories.changed": models.ChangedEvent,
    }
)
"""The model of each event's body, from the schema's ``webhooks`` section."""
