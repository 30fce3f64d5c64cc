"""The sandbox sends the vendors' webhooks: signed, in their shapes, with their delivery rules.

Receivers are small aiohttp.web servers on loopback that record each request and answer what
the test plans.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import http.server
import threading
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from conftest import SandboxFactory, SchemaChecker
from storeflow import Pocketsflow, Reflow
from storeflow._apis import ApiName
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf
from storeflow.sandbox import Sandbox, Webhook, WebhookFaults
from storeflow.sandbox._webhooks import REFLOW_RETRY_DELAYS
from storeflow.webhooks import pocketsflow, reflow

SECRET = "sandbox-webhook-secret-123"
FAST_RETRIES = tuple(delay / 100 for delay in REFLOW_RETRY_DELAYS)
"""Reflow's backoff (doubling from 1 s), a hundred times faster, for tests that retry."""


class Inbox:
    """A loopback webhook receiver: records every request, answers the planned statuses (then
    200), only once ``gate`` is set when one is given."""

    def __init__(self, statuses: Sequence[int] = (), gate: asyncio.Event | None = None) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses)
        self.gate = gate
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((dict(request.headers), body))
        if self.gate is not None:
            await self.gate.wait()
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    def bodies(self) -> list[dict[str, Any]]:
        return [orjson.loads(body) for _, body in self.requests]


@contextlib.asynccontextmanager
async def serving(inbox: Inbox) -> AsyncIterator[Inbox]:
    app = web.Application()
    app.router.add_post("/hook", inbox.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        inbox.url = str(server.make_url("/hook"))
        yield inbox


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    async with serving(Inbox()) as running:
        yield running


def hex_hmac(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def sending_to(
    sandbox_factory: SandboxFactory, api: ApiName, inbox: Inbox, **options: Any
) -> Sandbox:
    """A sandbox (started with ``options``) that sends ``api``'s webhooks to ``inbox``."""
    return await sandbox_factory(
        webhooks=[Webhook(api=api, url=inbox.url, secret=SECRET)], **options
    )


def pf_client(sandbox: Sandbox) -> Pocketsflow:
    return Pocketsflow(
        api_key=sandbox.pocketsflow_test_key, base_url=sandbox.pocketsflow_url, rate_limit=None
    )


def rf_client(sandbox: Sandbox) -> Reflow:
    return Reflow(
        sandbox.reflow_project_id,
        sandbox.reflow_api_key,
        base_url=sandbox.reflow_url,
        rate_limit=None,
    )


async def test_new_pocketsflow_orders_send_signed_order_completed_events(
    sandbox_factory: SandboxFactory, inbox: Inbox, schema_checker: SchemaChecker
) -> None:
    sandbox = await sending_to(sandbox_factory, "pocketsflow", inbox)
    orders = sandbox.pocketsflow.add_orders(2)
    await sandbox.wait_for_webhooks()
    assert len(inbox.requests) == 2
    for (headers, body), order in zip(inbox.requests, orders, strict=True):
        assert headers["X-Pocketsflow-Signature"] == hex_hmac(body)
        assert headers["X-Pocketsflow-Event"] == "order.completed"
        assert headers["X-Pocketsflow-Timestamp"].isdigit()
        assert headers["Content-Type"] == "application/json"
        assert schema_checker.check_webhook("pocketsflow", "order.completed", body) is None
        pocketsflow.verify(body, headers, SECRET)
        event = pocketsflow.parse(body, headers)
        assert isinstance(event.data, pf.OrderCompletedEvent)
        assert event.data.order == pf.WebhookOrder(id=order["_id"])
        assert event.data.product is not None
        assert event.data.product.id == order["product"]["_id"]
        assert event.data.customer is not None
        assert event.data.customer.email == order["buyerEmail"]
        assert str(event.data.amount) == str(order["gross"])
    ids = [orjson.loads(body)["webhookId"] for _, body in inbox.requests]
    assert len(set(ids)) == 2
    # Nothing else went out, and the log says how the receiver answered.
    deliveries = sandbox.webhook_deliveries("pocketsflow")
    assert [d.event_id for d in deliveries] == ids
    assert all(d.delivered and [a.status for a in d.attempts] == [200] for d in deliveries)
    assert sandbox.webhook_deliveries("reflow") == []


async def test_pocketsflow_subscription_and_refund_changes_send_their_events(
    sandbox_factory: SandboxFactory, inbox: Inbox, schema_checker: SchemaChecker
) -> None:
    sandbox = await sending_to(sandbox_factory, "pocketsflow", inbox)
    active = next(s for s in sandbox.pocketsflow.dump("subscriptions") if s["status"] == "active")
    order = next(iter(sandbox.pocketsflow.dump("orders")))
    async with pf_client(sandbox) as client:
        await client.subscriptions.cancel(active["_id"])
        await client.subscriptions.cancel(active["_id"])  # no change: no event
        await client.subscriptions.refund(active["_id"])
    async with aiohttp.ClientSession(sandbox.pocketsflow_url) as http:
        async with http.post(
            f"/_admin/orders/{order['_id']}/refund", json={"reason": "duplicate"}
        ) as response:
            assert response.status == 200
            refund = await response.json()
        async with http.post(f"/_admin/orders/{order['_id']}/refund", json={}) as response:
            assert response.status == 400  # refunded in full already
    await sandbox.wait_for_webhooks()
    names = [headers["X-Pocketsflow-Event"] for headers, _ in inbox.requests]
    assert names == [
        "customer.subscription.deleted",
        "customer.subscription.updated",
        "order.refunded",
    ]
    for (_, body), name in zip(inbox.requests, names, strict=True):
        assert schema_checker.check_webhook("pocketsflow", name, body) is None
    deleted = pocketsflow.parse(inbox.requests[0][1], inbox.requests[0][0])
    assert isinstance(deleted.data, pf.SubscriptionEvent)
    assert deleted.data.subscription is not None
    assert deleted.data.subscription.id == active["_id"]
    assert deleted.data.status is pf.WebhookSubscriptionStatus.CANCELED
    refunded = pocketsflow.parse(inbox.requests[2][1], inbox.requests[2][0])
    assert isinstance(refunded.data, pf.OrderRefundedEvent)
    assert refunded.data.refund is not None
    assert refunded.data.refund.reason == "duplicate"
    assert str(refunded.data.refund.amount) == str(order["gross"]) == str(refund["amount"])


async def test_pocketsflow_tries_once_with_a_5_second_timeout(
    sandbox_factory: SandboxFactory,
) -> None:
    # 5 sandbox seconds are half a real second here; the slow receiver answers only when told.
    gate = asyncio.Event()
    async with serving(Inbox(statuses=[500])) as failing, serving(Inbox(gate=gate)) as slow:
        sandbox = await sandbox_factory(
            time_scale=10.0,
            webhooks=[
                Webhook(api="pocketsflow", url=failing.url, secret=SECRET),
                Webhook(api="pocketsflow", url=slow.url, secret=SECRET),
            ],
        )
        sandbox.pocketsflow.add_orders(1)
        await sandbox.wait_for_webhooks()
        assert len(failing.requests) == 1
        by_url = {d.url: d for d in sandbox.webhook_deliveries()}
        assert [a.status for a in by_url[failing.url].attempts] == [500]
        assert [(a.status, a.error) for a in by_url[slow.url].attempts] == [(None, "timeout")]
        assert not any(d.delivered for d in by_url.values())
        gate.set()


async def test_reflow_retries_with_backoff_until_it_gets_a_200(
    sandbox_factory: SandboxFactory, schema_checker: SchemaChecker
) -> None:
    async with serving(Inbox(statuses=[500, 204, 503])) as inbox:
        sandbox = await sending_to(
            sandbox_factory, "reflow", inbox, webhook_retry_delays=FAST_RETRIES
        )
        (order,) = sandbox.reflow.add_orders(1)
        await sandbox.wait_for_webhooks()
    # A 204 is not the 200 Reflow waits for.
    (delivery,) = sandbox.webhook_deliveries()
    assert [a.status for a in delivery.attempts] == [500, 204, 503, 200]
    # Each retry waits at least its backoff delay.
    gaps = [b.at - a.at for a, b in zip(delivery.attempts, delivery.attempts[1:], strict=False)]
    assert all(gap >= 0.99 * delay for gap, delay in zip(gaps, FAST_RETRIES, strict=False))
    assert delivery.delivered
    bodies = {body for _, body in inbox.requests}
    assert len(bodies) == 1  # every retry is the same event, the same bytes
    headers, body = inbox.requests[-1]
    assert headers["signature"] == hex_hmac(body)
    assert schema_checker.check_webhook("reflow", "order.created", body) is None
    event = reflow.parse(body, headers)
    assert isinstance(event.data, rf.OrderEvent)
    assert event.id is not None
    assert event.id.startswith("evt_")
    assert (event.name, event.livemode) == ("order.created", False)
    assert event.data.data is not None
    assert event.data.data.id == order["id"]


async def test_reflow_gives_up_after_its_bounded_retries(sandbox_factory: SandboxFactory) -> None:
    async with serving(Inbox(statuses=[500] * 20)) as inbox:
        sandbox = await sending_to(
            sandbox_factory, "reflow", inbox, webhook_retry_delays=FAST_RETRIES
        )
        sandbox.reflow.add_orders(1)
        await sandbox.wait_for_webhooks()
        (delivery,) = sandbox.webhook_deliveries()
        assert [a.status for a in delivery.attempts] == [500] * (1 + len(FAST_RETRIES))
        assert not delivery.delivered
        assert len(inbox.requests) == 1 + len(FAST_RETRIES)


async def test_reflow_order_and_product_updates_through_the_sdk_send_events(
    sandbox_factory: SandboxFactory, inbox: Inbox, schema_checker: SchemaChecker
) -> None:
    sandbox = await sending_to(sandbox_factory, "reflow", inbox)
    order = next(iter(sandbox.reflow.dump("orders")))
    product = next(iter(sandbox.reflow.dump("products")))
    async with rf_client(sandbox) as client:
        await client.orders.update(order["id"], fulfillment_status="shipped")
        await client.products.update(product["id"], name="Renamed")
    await sandbox.wait_for_webhooks()
    events = [reflow.parse(body, headers) for headers, body in inbox.requests]
    assert [e.name for e in events] == ["order.updated", "products.changed"]
    for (_, body), event in zip(inbox.requests, events, strict=True):
        assert schema_checker.check_webhook("reflow", event.name, body) is None
    assert isinstance(events[0].data, rf.OrderEvent)
    assert events[0].data.data is not None
    assert events[0].data.data.fulfillment_status is rf.FulfillmentStatus.SHIPPED
    assert events[1].data.data == rf.Changed(action=rf.ChangeAction.UPDATE, items=[product["id"]])
    assert len({e.id for e in events}) == 2


async def test_the_duplicate_fault_sends_each_event_twice(
    sandbox_factory: SandboxFactory, inbox: Inbox
) -> None:
    sandbox = await sending_to(
        sandbox_factory, "pocketsflow", inbox, webhook_faults=WebhookFaults(duplicate=1.0)
    )
    sandbox.pocketsflow.add_orders(1)
    await sandbox.wait_for_webhooks()
    (first, second) = inbox.requests
    assert first == second
    assert [d.repeat for d in sandbox.webhook_deliveries()] == [False, True]


async def test_the_reorder_fault_sends_a_later_event_first(
    sandbox_factory: SandboxFactory, inbox: Inbox
) -> None:
    sandbox = await sending_to(
        sandbox_factory, "reflow", inbox, webhook_faults=WebhookFaults(reorder=1.0)
    )
    orders = sandbox.reflow.add_orders(2)
    await sandbox.wait_for_webhooks()
    received = [body["data"]["id"] for body in inbox.bodies()]
    assert received == [orders[1]["id"], orders[0]["id"]]
    sandbox.webhook_faults = WebhookFaults()
    sandbox.reflow.add_orders(2)
    await sandbox.wait_for_webhooks()
    later = [body["data"]["id"] for body in inbox.bodies()[2:]]
    assert later == sorted(later)


async def test_the_admin_routes_register_receivers_add_orders_and_list_deliveries(
    sandbox: Sandbox, inbox: Inbox
) -> None:
    async with aiohttp.ClientSession() as http:
        admin = f"{sandbox.reflow_url.removesuffix('/v2')}/_admin"
        for bad in ({"url": inbox.url}, {"url": "ftp://x", "secret": SECRET}, [1]):
            async with http.post(f"{admin}/webhooks", json=bad) as response:
                assert response.status == 400
        async with http.post(f"{admin}/webhooks", json={"url": inbox.url, "secret": SECRET}) as r:
            assert r.status == 201
            assert await r.json() == {"api": "reflow", "url": inbox.url}
        async with http.post(f"{admin}/orders", json={"count": 2}) as response:
            assert response.status == 201
            created = await response.json()
        async with http.post(f"{admin}/orders", json={"count": 0}) as response:
            assert response.status == 400
        await sandbox.wait_for_webhooks()
        async with http.get(f"{admin}/webhooks") as response:
            listed = await response.text()
        async with http.get(f"{admin}/webhooks/deliveries") as response:
            deliveries = await response.json()
    assert orjson.loads(listed) == [{"api": "reflow", "url": inbox.url}]
    assert [orjson.loads(d["body"])["data"]["id"] for d in deliveries] == [o["id"] for o in created]
    assert [d["attempts"][0]["status"] for d in deliveries] == [200, 200]
    assert all(d["delivered"] and d["event"] == "order.created" for d in deliveries)
    shown = listed + orjson.dumps(deliveries).decode() + repr(sandbox.webhook_deliveries())
    assert SECRET not in shown
    assert SECRET not in repr(Webhook(api="reflow", url=inbox.url, secret=SECRET))


async def test_an_unreachable_receiver_is_recorded_and_no_events_go_without_one(
    sandbox_factory: SandboxFactory,
) -> None:
    from _loopback import free_port

    sandbox = await sandbox_factory()
    sandbox.pocketsflow.add_orders(1)  # no receiver: nothing to send
    await sandbox.wait_for_webhooks()
    assert sandbox.webhook_deliveries() == []
    url = f"http://127.0.0.1:{free_port()}/hook"
    sandbox.add_webhook(Webhook(api="pocketsflow", url=url, secret=SECRET))
    sandbox.pocketsflow.add_orders(1)
    await sandbox.wait_for_webhooks()
    (delivery,) = sandbox.webhook_deliveries()
    assert [(a.status, a.error) for a in delivery.attempts] == [(None, "connection failed")]


def test_webhook_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="api"):
        Webhook(api="stripe", url="http://x", secret=SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="http"):
        Webhook(api="reflow", url="x", secret=SECRET)
    with pytest.raises(ValueError, match="secret"):
        Webhook(api="reflow", url="http://x", secret="")
    with pytest.raises(ValueError, match="duplicate"):
        WebhookFaults(duplicate=1.5)
    with pytest.raises(ValueError, match="retry delays"):
        Sandbox(webhook_retry_delays=[1.0, -1.0])


def test_a_sandbox_in_a_thread_sends_the_events_of_changes_made_from_another_thread() -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    arrived = threading.Event()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            arrived.set()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver) as server:
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        try:
            with Sandbox(
                rate_limit="off", webhooks=[Webhook(api="reflow", url=url, secret=SECRET)]
            ).running_in_thread() as sandbox:
                (order,) = sandbox.reflow.add_orders(1)  # from this thread, not the sandbox's
                assert arrived.wait(timeout=30)
        finally:
            server.shutdown()
    ((headers, body),) = received
    reflow.verify(body, headers, SECRET)
    event = reflow.parse(body, headers)
    assert isinstance(event.data, rf.OrderEvent)
    assert event.data.data is not None
    assert event.data.data.id == order["id"]
