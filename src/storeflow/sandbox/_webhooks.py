"""Webhook delivery: the sandbox sends signed events to registered receivers, as the vendors do.

The stores report their state changes to a :data:`Listener` (``listener(event, record)``); the
:class:`WebhookSender` turns each into the vendor's body, signs it, and posts it to every
receiver registered for that API, one receiver's deliveries in order:

- **Pocketsflow**: headers ``X-Pocketsflow-Signature`` (hex HMAC-SHA256 of the body),
  ``X-Pocketsflow-Event``, ``X-Pocketsflow-Timestamp`` (epoch ms); one attempt with a 5 s
  (sandbox) timeout; any 2xx acknowledges; never retried.
- **Reflow**: an ``evt_…`` envelope, header ``signature``; anything but a 200 is retried after
  1, 2, 4, 8 and 16 sandbox seconds by default (:data:`REFLOW_RETRY_DELAYS`; the real schedule
  is not published), then given up.

Events sent: Pocketsflow ``order.completed`` (new orders), ``order.refunded``,
``customer.subscription.deleted`` (a cancel, or a refund of an active subscription) and
``customer.subscription.updated`` (a refund of a cancelled one); Reflow ``order.created``,
``order.updated`` and ``products.changed``. :class:`WebhookFaults` adds duplicate and
out-of-order deliveries. Every delivery and each attempt's answer is kept as a
:class:`WebhookDelivery` (``Sandbox.webhook_deliveries()``, ``GET /_admin/webhooks/deliveries``).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Protocol, TypeAlias

import aiohttp
import orjson
from aiohttp import web
from attrs import define, evolve, field, frozen

from storeflow._apis import API_NAMES
from storeflow._apis import ApiName as Api
from storeflow.sandbox._faults import _rate
from storeflow.sandbox._http import json_response
from storeflow.sandbox._stores import Clock
from storeflow.webhooks import sign

__all__ = [
    "POCKETSFLOW_TIMEOUT",
    "REFLOW_RETRY_DELAYS",
    "Listener",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookFaults",
    "WebhookSender",
]


Listener: TypeAlias = Callable[[str, Mapping[str, Any]], None]
"""``listener(event, record)``: a store reports a state change (``"order.completed"`` and the
order as the API shows it)."""


class Reporting(Protocol):
    """A store that reports its state changes to its ``listener`` (when one is set)."""

    listener: Listener | None


POCKETSFLOW_TIMEOUT: Final = 5.0
"""Sandbox seconds Pocketsflow waits for a receiver's answer, once."""
REFLOW_TIMEOUT: Final = 10.0
"""Sandbox seconds Reflow waits for each attempt's answer."""
REFLOW_RETRY_DELAYS: Final = (1.0, 2.0, 4.0, 8.0, 16.0)
"""Sandbox seconds before each Reflow retry; after the last one the delivery is given up."""
REORDER_HOLD: Final = 1.0
"""Sandbox seconds a delivery held back by the ``reorder`` fault waits for the next one."""


def _url(_instance: object, _attribute: object, value: str) -> None:
    if not value.startswith(("http://", "https://")):
        raise ValueError("a webhook url must start with http:// or https://")


def _secret(_instance: object, _attribute: object, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError("a webhook secret must be a non-empty string")


@frozen(kw_only=True)
class Webhook:
    """A receiver of one API's events: ``url`` and the signing ``secret`` (never shown).

    Raises ``ValueError`` for an unknown ``api``, a url that is not http(s) or an empty secret.
    """

    api: Api = field()
    url: str = field(validator=_url)
    secret: str = field(repr=False, validator=_secret)

    @api.validator
    def _api(self, _attribute: object, value: str) -> None:
        if value not in API_NAMES:
            raise ValueError("api must be 'pocketsflow' or 'reflow'")


@frozen(kw_only=True)
class WebhookFaults:
    """Delivery faults, drawn from ``random.Random(seed)``; off by default.

    ``duplicate``: the probability that a delivery is sent a second time right after (same body,
    same signature, same event id). ``reorder``: the probability that a delivery is held back
    and sent after the next one. Raises ``ValueError`` for a rate outside [0, 1].
    """

    seed: int = 0
    duplicate: float = field(default=0.0, validator=_rate)
    reorder: float = field(default=0.0, validator=_rate)


@frozen(kw_only=True)
class WebhookAttempt:
    """One try of a delivery: when (sandbox unix seconds), the receiver's ``status`` (``None``
    when there was no answer) and ``error`` (``"timeout"``, ``"connection failed"``)."""

    at: float
    status: int | None
    error: str | None = None


@define(kw_only=True)
class WebhookDelivery:
    """One event sent to one receiver, with every attempt and its answer.

    ``repeat`` marks a copy sent by the ``duplicate`` fault. ``delivered``: the sender took an
    attempt as acknowledged (Pocketsflow: any 2xx; Reflow: 200).
    """

    api: Api
    url: str
    event: str
    event_id: str
    body: bytes = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    repeat: bool = False
    attempts: list[WebhookAttempt] = field(factory=list)

    @property
    def delivered(self) -> bool:
        """Whether an attempt was acknowledged."""
        return any(_acknowledged(self.api, a.status) for a in self.attempts)

    def to_dict(self) -> dict[str, Any]:
        """The delivery as JSON-able data (``GET /_admin/webhooks/deliveries``)."""
        return {
            "api": self.api,
            "url": self.url,
            "event": self.event,
            "event_id": self.event_id,
            "repeat": self.repeat,
            "delivered": self.delivered,
            "headers": self.headers,
            "body": self.body.decode(),
            "attempts": [{"at": a.at, "status": a.status, "error": a.error} for a in self.attempts],
        }


def _acknowledged(api: Api, status: int | None) -> bool:
    if status is None:
        return False
    return status == 200 if api == "reflow" else 200 <= status < 300


def _pocketsflow_customer(email: str) -> dict[str, Any]:
    # The store keeps no names; the webhook carries them, null when unknown.
    return {"email": email, "firstName": None, "lastName": None}


def _pocketsflow_order(order: Mapping[str, Any]) -> dict[str, Any]:
    gross, taxes = order["gross"], order["taxes"]
    customer = order.get("customer") or {}
    rate = round(taxes / (gross - taxes), 4) if gross > taxes else 0.0
    return {
        "product": {"id": order["product"]["_id"], "variantId": None},
        "order": {"id": order["_id"]},
        "currency": "usd",
        "customer": _pocketsflow_customer(order["buyerEmail"]),
        "tax": {
            "amount": taxes,
            "rate": rate,
            "ToCountry": customer.get("country"),
            "ToZip": None,
            "ToState": None,
            "percentage": round(rate * 100, 2),
            "vatNumber": None,
        },
        "amount": gross,
        "amountBeforeTax": round(gross - taxes, 2),
        "metadata": {},
    }


def _pocketsflow_subscription(subscription: Mapping[str, Any]) -> dict[str, Any]:
    # The documented states are active, past_due, paused and canceled: a refund ends it.
    status = "active" if subscription["status"] == "active" else "canceled"
    customer_id = f"cus_{subscription['_id'][-12:]}"
    return {
        "subscription": {"id": subscription["_id"], "customerId": customer_id},
        "subscriptionCustomer": {
            "id": customer_id,
            "status": status,
            "active": status == "active",
            "cancelAtPeriodEnd": False,
            "paused": False,
        },
        "customer": _pocketsflow_customer(subscription["buyerEmail"]),
        "status": status,
        "paymentMethod": None,
        "portalUrl": None,
        "subscriptionCustomerId": customer_id,
        "clientReferenceId": None,
        "metadata": {},
    }


class WebhookSender:
    """Builds, signs and delivers the sandbox's webhook events (see the module docstring).

    ``WebhookSender(clock, seed=..., faults=..., webhooks=[...], retry_delays=...)``
    (``retry_delays``: sandbox seconds before each Reflow retry); :meth:`start` and :meth:`stop`
    run inside the sandbox's event loop; :meth:`attach` gives it the stores to listen to. Not
    thread-safe, except that stores may report changes from another thread. Raises
    ``ValueError`` for a negative delay.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int = 0,
        faults: WebhookFaults | None = None,
        webhooks: Sequence[Webhook] = (),
        retry_delays: Sequence[float] = REFLOW_RETRY_DELAYS,
    ) -> None:
        if any(not delay >= 0 for delay in retry_delays):
            raise ValueError("webhook retry delays must be >= 0 seconds")
        self.clock = clock
        self.retry_delays = tuple(retry_delays)
        self.faults = faults if faults is not None else WebhookFaults()
        self._ids = random.Random(f"sandbox-webhooks:{seed}")
        self._webhooks: list[Webhook] = []
        self._queues: list[asyncio.Queue[WebhookDelivery]] = []
        self._workers: list[asyncio.Task[None]] = []
        self._retries: set[asyncio.Task[None]] = set()
        self._deliveries: list[WebhookDelivery] = []
        self._unfinished = 0
        self._idle: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: aiohttp.ClientSession | None = None
        self._rng = random.Random(self.faults.seed)
        self._stores: dict[Api, list[Reporting]] = {"pocketsflow": [], "reflow": []}
        for webhook in webhooks:
            self.add(webhook)

    @property
    def faults(self) -> WebhookFaults:
        """The delivery faults; assigning new ones restarts their draws from the new seed."""
        return self._faults

    @faults.setter
    def faults(self, faults: WebhookFaults) -> None:
        self._faults = faults
        self._rng = random.Random(faults.seed)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the HTTP session and start one worker per receiver already registered."""
        self._loop = asyncio.get_running_loop()
        self._unfinished = 0  # what a previous run left undelivered was cancelled with it
        self._idle = asyncio.Event()
        self._idle.set()
        self._session = aiohttp.ClientSession()
        for index in range(len(self._webhooks)):
            self._start_worker(index)

    async def stop(self) -> None:
        """Cancel what is still being delivered and close the session."""
        tasks = [*self._workers, *self._retries]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        self._queues.clear()
        self._loop = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _start_worker(self, index: int) -> None:
        queue: asyncio.Queue[WebhookDelivery] = asyncio.Queue()
        self._queues.append(queue)
        self._workers.append(asyncio.create_task(self._work(queue)))

    # -- receivers and records ------------------------------------------------------------------

    def add(self, webhook: Webhook) -> None:
        """Register a receiver; events from now on are sent to it."""
        self._webhooks.append(webhook)
        if self._loop is not None:
            self._start_worker(len(self._webhooks) - 1)
        self._listen(webhook.api)

    def attach(self, api: Api, stores: Sequence[Reporting]) -> None:
        """Send the events of ``stores`` (of ``api``) to its receivers."""
        self._stores[api] = list(stores)
        self._listen(api)

    def _listen(self, api: Api) -> None:
        # A store without receivers keeps no listener, so its changes cost nothing extra.
        listener = self._listener(api) if self.receivers(api) else None
        for store in self._stores[api]:
            store.listener = listener

    def receivers(self, api: Api | None = None) -> list[Webhook]:
        """The registered receivers (of ``api``, or all)."""
        return [w for w in self._webhooks if api is None or w.api == api]

    def deliveries(self, api: Api | None = None) -> list[WebhookDelivery]:
        """Every delivery made so far (of ``api``, or all), in the order they were first sent."""
        return [d for d in self._deliveries if api is None or d.api == api]

    async def idle(self) -> None:
        """Wait until every event emitted so far is delivered or given up (Reflow retries
        included). Raises ``RuntimeError`` before :meth:`start`."""
        if self._idle is None:
            raise RuntimeError("the webhook sender is not running")
        await asyncio.sleep(0)  # let events handed over from another thread arrive
        await self._idle.wait()

    # -- events ---------------------------------------------------------------------------------

    def _listener(self, api: Api) -> Listener:
        def on_change(event: str, record: Mapping[str, Any]) -> None:
            if self._loop is None:
                return
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is self._loop:
                self._emit(api, event, record)
            else:
                self._loop.call_soon_threadsafe(self._emit, api, event, record)

        return on_change

    def _body(self, api: Api, event: str, record: Mapping[str, Any]) -> tuple[str, bytes]:
        token = self._ids.getrandbits(96).to_bytes(12, "big").hex()
        if api == "reflow":
            event_id = f"evt_{token}"
            data: Any = record
            envelope = {
                "id": event_id,
                "object": "event",
                "api-version": "2",
                "created": int(self.clock.now()),
                "data": data,
                "livemode": False,
                "request_id": f"req_{token[:16]}",
                "type": event,
            }
            return event_id, orjson.dumps(envelope)
        event_id = f"wh_{token}"
        if event.startswith("order."):
            body = {"webhookId": event_id, "event": event, **_pocketsflow_order(record)}
            if "refund" in record:
                body["refund"] = record["refund"]
        else:
            body = {"webhookId": event_id, **_pocketsflow_subscription(record)}
        return event_id, orjson.dumps(body)

    def _emit(self, api: Api, event: str, record: Mapping[str, Any]) -> None:
        event_id, body = self._body(api, event, record)
        for index, webhook in enumerate(self._webhooks):
            if webhook.api != api:
                continue
            signature = sign(webhook.secret, body)
            if api == "reflow":
                headers = {"Content-Type": "application/json", "signature": signature}
            else:
                headers = {
                    "Content-Type": "application/json",
                    "X-Pocketsflow-Signature": signature,
                    "X-Pocketsflow-Event": event,
                    "X-Pocketsflow-Timestamp": str(int(self.clock.now() * 1000)),
                }
            delivery = WebhookDelivery(
                api=api, url=webhook.url, event=event, event_id=event_id, body=body, headers=headers
            )
            self._begin()
            self._queues[index].put_nowait(delivery)

    def _begin(self) -> None:
        self._unfinished += 1
        assert self._idle is not None
        self._idle.clear()

    def _finish(self) -> None:
        self._unfinished -= 1
        if self._unfinished == 0 and self._idle is not None:
            self._idle.set()

    # -- delivery -------------------------------------------------------------------------------

    async def _work(self, queue: asyncio.Queue[WebhookDelivery]) -> None:
        while True:
            delivery = await queue.get()
            batch = [delivery]
            if self._rng.random() < self.faults.reorder:
                with contextlib.suppress(TimeoutError):
                    later = await asyncio.wait_for(queue.get(), self.clock.to_real(REORDER_HOLD))
                    batch.insert(0, later)
            for item in batch:
                # Drawn (and counted as unfinished) first, so the sender is never idle between.
                again = self._rng.random() < self.faults.duplicate
                if again:
                    self._begin()
                await self._deliver(item)
                if again:
                    copy = evolve(item, repeat=True, attempts=[])
                    await self._deliver(copy)

    async def _deliver(self, delivery: WebhookDelivery) -> None:
        self._deliveries.append(delivery)
        await self._attempt(delivery)
        if delivery.api == "reflow" and not delivery.delivered:
            task = asyncio.create_task(self._retry(delivery))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
        else:
            self._finish()

    async def _retry(self, delivery: WebhookDelivery) -> None:
        try:
            for delay in self.retry_delays:
                await asyncio.sleep(self.clock.to_real(delay))
                await self._attempt(delivery)
                if delivery.delivered:
                    return
        finally:
            self._finish()

    async def _attempt(self, delivery: WebhookDelivery) -> None:
        assert self._session is not None
        limit = POCKETSFLOW_TIMEOUT if delivery.api == "pocketsflow" else REFLOW_TIMEOUT
        at = self.clock.now()
        try:
            async with self._session.post(
                delivery.url,
                data=delivery.body,
                headers=delivery.headers,
                timeout=aiohttp.ClientTimeout(total=self.clock.to_real(limit)),
                allow_redirects=False,
            ) as response:
                await response.read()
                attempt = WebhookAttempt(at=at, status=response.status)
        except TimeoutError:
            attempt = WebhookAttempt(at=at, status=None, error="timeout")
        except aiohttp.ClientError:
            attempt = WebhookAttempt(at=at, status=None, error="connection failed")
        delivery.attempts.append(attempt)


def add_webhook_routes(
    app: web.Application,
    api: Api,
    sender: WebhookSender,
    add_orders: Callable[[int], object],
    refund_order: Callable[[str, float | None, str | None], object] | None,
) -> None:
    """Serve the webhook admin routes of ``api``'s site on ``app``.

    ``POST /_admin/webhooks`` ``{"url", "secret"}`` registers a receiver (201, the url back);
    ``GET /_admin/webhooks`` lists the receivers' urls; ``GET /_admin/webhooks/deliveries``
    lists the deliveries with their attempts; ``POST /_admin/orders`` ``{"count"}`` adds new
    orders (``add_orders``), which emits their events; on Pocketsflow ``POST
    /_admin/orders/{id}/refund`` ``{"amount"?, "reason"?}`` refunds an order (``refund_order``).
    """

    async def read(request: web.Request) -> dict[str, Any] | None:
        try:
            body = await request.json(loads=orjson.loads)
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    not_an_object = {"error": "the body must be a JSON object"}

    async def register(request: web.Request) -> web.Response:
        body = await read(request)
        if body is None:
            return json_response(not_an_object, 400)
        try:
            webhook = Webhook(api=api, url=body.get("url", ""), secret=body.get("secret", ""))
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)
        sender.add(webhook)
        return json_response({"api": api, "url": webhook.url}, 201)

    async def listed(_request: web.Request) -> web.Response:
        return json_response([{"api": w.api, "url": w.url} for w in sender.receivers(api)])

    async def deliveries(_request: web.Request) -> web.Response:
        return json_response([d.to_dict() for d in sender.deliveries(api)])

    async def new_orders(request: web.Request) -> web.Response:
        body = await read(request)
        count = body.get("count", 1) if body is not None else None
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
            return json_response({"error": "count must be an integer from 1 to 1000"}, 400)
        return json_response(add_orders(count), 201)

    async def refund(request: web.Request) -> web.Response:
        assert refund_order is not None
        body = await read(request)
        if body is None:
            return json_response(not_an_object, 400)
        amount, reason = body.get("amount"), body.get("reason")
        if amount is not None and (
            not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0
        ):
            return json_response({"error": "amount must be a positive number"}, 400)
        if reason is not None and not isinstance(reason, str):
            return json_response({"error": "reason must be a string"}, 400)
        try:
            refunded = refund_order(request.match_info["id"], amount, reason)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        if refunded is None:
            return json_response({"error": "Order not found"}, 404)
        return json_response(refunded)

    routes = app.router
    routes.add_post("/_admin/webhooks", register)
    routes.add_get("/_admin/webhooks", listed)
    routes.add_get("/_admin/webhooks/deliveries", deliveries)
    routes.add_post("/_admin/orders", new_orders)
    if refund_order is not None:
        routes.add_post("/_admin/orders/{id}/refund", refund)
