# Generated from schemas/pocketsflow.yaml by `python -m codegen`. Do not edit by hand:
# change the schema, then regenerate with `python -m codegen`.
"""Every webhook event of the Pocketsflow HTTP API, keyed by event name."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from storeflow.pocketsflow import models

EVENTS: Final[Mapping[str, type[Any]]] = MappingProxyType(
    {
        "order.completed": models.OrderCompletedEvent,
        "order.refunded": models.OrderRefundedEvent,
        "customer.subscription.created": models.SubscriptionEvent,
        "customer.subscription.updated": models.SubscriptionEvent,
        "customer.subscription.deleted": models.SubscriptionEvent,
        "customer.subscription.pause": models.SubscriptionEvent,
        "customer.subscription.paused": models.SubscriptionEvent,
        "customer.subscription.resumed": models.SubscriptionEvent,
        "customer.subscription.trial_will_end": models.SubscriptionEvent,
        "invoice.created": models.InvoiceEvent,
        "invoice.upcoming": models.InvoiceEvent,
        "invoice.paid": models.InvoiceEvent,
        "invoice.payment_succeeded": models.InvoiceEvent,
        "invoice.payment_failed": models.InvoiceEvent,
        "payment_intent.succeeded": models.InvoiceEvent,
        "payment_intent.payment_failed": models.InvoiceEvent,
    }
)
"""The model of each event's body, from the schema's ``webhooks`` section."""
