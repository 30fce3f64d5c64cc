"""End to end: the example apps receive the sandbox's webhooks for real state changes.

Each example runs on loopback with both webhook routes; the sandbox sends it signed events for
changes made through the SDK (and for new orders, which neither API can create, through the
sandbox's admin route). The apps verify, parse and handle each event once, and refuse tampered
or wrongly signed deliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import aiohttp
import pytest

from _example_apps import SERVERS, client_options, load_example
from conftest import SandboxFactory
from storeflow import Pocketsflow, Reflow
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf
from storeflow.sandbox import Sandbox, Webhook, WebhookDelivery, WebhookFaults
from storeflow.webhooks import WebhookEvent, sign

PF_SECRET = "pf-endpoint-secret-0001"
RF_SECRET = "rf-endpoint-secret-0002"

EVENTS: dict[str, Callable[[ModuleType, Any], list[WebhookEvent]]] = {
    "aiohttp_app": lambda example, app: app[example.WEBHOOK_EVENTS],
    "fastapi_app": lambda example, app: app.state.webhook_events,
}


async def make_changes(sandbox: Sandbox) -> None:
    """Real state changes: through the SDK where the API allows, else the admin route."""
    active = next(s for s in sandbox.pocketsflow.dump("subscriptions") if s["status"] == "active")
    reflow_order = next(iter(sandbox.reflow.dump("orders")))
    reflow_product = next(iter(sandbox.reflow.dump("products")))
    async with Pocketsflow(**client_options(sandbox)) as client:
        await client.subscriptions.cancel(active["_id"])
    async with Reflow(
        sandbox.reflow_project_id,
        sandbox.reflow_api_key,
        base_url=sandbox.reflow_url,
        rate_limit=None,
    ) as client:
        await client.orders.update(reflow_order["id"], payment_status="paid", is_archived=True)
        await client.products.update(reflow_product["id"], price=1999)
    sandbox.webhook_faults = WebhookFaults(duplicate=1.0)  # the next events arrive twice
    async with aiohttp.ClientSession() as http:
        for admin in (sandbox.pocketsflow_url, sandbox.reflow_url.removesuffix("/v2")):
            async with http.post(f"{admin}/_admin/orders", json={"count": 1}) as response:
                assert response.status == 201


async def replay(
    base_url: str, delivery: WebhookDelivery, body: bytes, headers: dict[str, str]
) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base_url}/webhooks/{delivery.api}", data=body, headers=headers) as response,
    ):
        return response.status


@pytest.mark.parametrize("name", sorted(SERVERS))
async def test_example_receives_verifies_and_dedupes_the_sandbox_s_webhooks(
    name: str, sandbox_factory: SandboxFactory
) -> None:
    sandbox = await sandbox_factory()
    serving, _ = SERVERS[name]
    example = load_example(name)
    app = example.create_app(
        pocketsflow_webhook_secret=PF_SECRET,
        reflow_webhook_secret=RF_SECRET,
        **client_options(sandbox),
    )
    async with serving(app) as base_url:
        sandbox.add_webhook(
            Webhook(api="pocketsflow", url=f"{base_url}/webhooks/pocketsflow", secret=PF_SECRET)
        )
        sandbox.add_webhook(
            Webhook(api="reflow", url=f"{base_url}/webhooks/reflow", secret=RF_SECRET)
        )
        await make_changes(sandbox)
        await sandbox.wait_for_webhooks()

        deliveries = sandbox.webhook_deliveries()
        assert all([a.status for a in d.attempts] == [200] for d in deliveries), (
            "every delivery is acknowledged at the first attempt"
        )
        sent = {d.event_id: d for d in deliveries}
        repeats = [d for d in deliveries if d.repeat]
        assert len(repeats) == 2  # the duplicated new-order events

        # A tampered body, a wrong secret and a missing signature are refused; a correctly
        # signed body that is not an event is a 400.
        pf_delivery = next(d for d in deliveries if d.api == "pocketsflow")
        tampered = pf_delivery.body.replace(b'"metadata":{}', b'"metadata":{"x":1}')
        assert tampered != pf_delivery.body
        assert await replay(base_url, pf_delivery, tampered, pf_delivery.headers) == 401
        rf_delivery = next(d for d in deliveries if d.api == "reflow")
        wrong = {**rf_delivery.headers, "signature": sign("not-the-secret", rf_delivery.body)}
        assert await replay(base_url, rf_delivery, rf_delivery.body, wrong) == 401
        unsigned = {"Content-Type": "application/json"}
        assert await replay(base_url, rf_delivery, rf_delivery.body, unsigned) == 401
        junk = b"not json"
        signed_junk = {**rf_delivery.headers, "signature": sign(RF_SECRET, junk)}
        assert await replay(base_url, rf_delivery, junk, signed_junk) == 400
    # The application stopped: every callback has finished.
    handled = EVENTS[name](example, app)

    assert sorted(e.id for e in handled) == sorted(sent)  # each event once, repeats skipped
    by_name = {e.name: e for e in handled}
    assert set(by_name) == {
        "customer.subscription.deleted",
        "order.completed",
        "order.updated",
        "products.changed",
        "order.created",
    }
    assert isinstance(by_name["customer.subscription.deleted"].data, pf.SubscriptionEvent)
    assert isinstance(by_name["order.completed"].data, pf.OrderCompletedEvent)
    updated = by_name["order.updated"].data
    assert isinstance(updated, rf.OrderEvent)
    assert updated.data is not None
    assert updated.data.is_archived is True
    assert isinstance(by_name["products.changed"].data, rf.ChangedEvent)
    for event in handled:
        assert event.raw == sent[event.id].body
