"""storeflow inside aiohttp.web: one Pocketsflow client for the whole application.

The client is created when the application starts and closed when it stops (``cleanup_ctx``),
so every request shares one connection pool and one rate limiter. A handler waits at most
``MAX_WAIT`` seconds for a rate-limit slot: when the budget is spent it answers 503 with a
``Retry-After`` at once instead of hanging for up to a minute. Storeflow's errors become JSON
answers: a refused argument is a 400, a missing record a 404, any other failure upstream a 502.

With a webhook secret (``POCKETSFLOW_WEBHOOK_SECRET``, ``REFLOW_WEBHOOK_SECRET``) it also receives
that API's webhooks at ``POST /webhooks/pocketsflow`` or ``/webhooks/reflow``: each delivery is
verified (401 when the signature is wrong), parsed into a typed event, answered 200 at once and
handled once (a repeat is acknowledged and skipped) after the answer.

Run it (needs only storeflow; the key comes from ``POCKETSFLOW_API_KEY``;
``POCKETSFLOW_BASE_URL`` points it at another server, such as a local sandbox). It listens on
127.0.0.1:8090 (``HOST`` and ``PORT`` change that; 8090 stays clear of the sandbox's 8080/8081)::

    POCKETSFLOW_API_KEY=pk_test_... python examples/aiohttp_app.py
    curl localhost:8090/products
    curl 'localhost:8090/orders/recent?limit=5'
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from aiohttp import web

from storeflow import (
    APIError,
    NotFoundError,
    Pocketsflow,
    RateLimit,
    RateLimitError,
    StoreflowError,
    ValidationError,
)
from storeflow.pocketsflow.models import Order, OrderCompletedEvent, Product
from storeflow.webhooks import Deduplicator, WebhookEvent, WebhookReceiver, aiohttp_handler

logger = logging.getLogger("storeflow_example")

POCKETSFLOW = web.AppKey("pocketsflow", Pocketsflow)
"""Where the application keeps its one client."""
WEBHOOK_EVENTS = web.AppKey("webhook_events", list)
"""Every webhook event the application handled, oldest first."""

MAX_WAIT = 2.0
"""The longest a handler waits for a rate-limit slot, in seconds."""


def product_json(product: Product) -> dict[str, Any]:
    # Money as a string keeps it exact: a JSON number would be read back as a float.
    return {"id": product.id, "name": product.name, "price": str(product.price)}


def order_json(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "buyer_email": order.buyer_email,
        "gross": str(order.gross),
        "created_at": order.created_at.isoformat(),
        "product": order.product.name,
    }


async def list_products(request: web.Request) -> web.Response:
    """GET /products: every product."""
    products = await request.app[POCKETSFLOW].products.list()
    return web.json_response([product_json(p) for p in products])


async def get_product(request: web.Request) -> web.Response:
    """GET /products/{id}: one product (404 when there is none)."""
    product = await request.app[POCKETSFLOW].products.get(request.match_info["id"])
    return web.json_response(product_json(product))


async def recent_orders(request: web.Request) -> web.Response:
    """GET /orders/recent?limit=N: the N newest orders (default 10)."""
    try:
        limit = int(request.query.get("limit", "10"))
    except ValueError:
        raise web.HTTPBadRequest(text="limit must be an integer") from None
    page = await request.app[POCKETSFLOW].orders.list(page_size=limit)
    return web.json_response({"total": page.total, "orders": [order_json(o) for o in page]})


@web.middleware
async def storeflow_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Answer storeflow's errors with JSON instead of a 500."""
    try:
        return await handler(request)
    except ValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    except NotFoundError as exc:
        return web.json_response({"error": exc.message}, status=404)
    except RateLimitError as exc:
        # The budget is spent (or the API said 429): tell the caller when to come back.
        retry = str(math.ceil(exc.retry_after or 1))
        return web.json_response(
            {"error": "busy, retry later"}, status=503, headers={"Retry-After": retry}
        )
    except APIError as exc:
        return web.json_response({"error": f"upstream: {exc.message}"}, status=502)
    except StoreflowError:
        # No usable answer (timed out, unreachable, undecodable); the details name internal
        # hosts and paths, which are not the caller's business.
        return web.json_response({"error": "upstream unavailable"}, status=502)


def add_webhook_route(
    app: web.Application, api: Literal["pocketsflow", "reflow"], secret: str, dedupe: Deduplicator
) -> None:
    """Receive ``api``'s webhooks at ``POST /webhooks/<api>``."""

    async def on_event(event: WebhookEvent) -> None:
        # Runs after the 200 went out: fulfil the order, grant access, and so on, here.
        if isinstance(event.data, OrderCompletedEvent) and event.data.order is not None:
            logger.info("order %s completed", event.data.order.id)
        app[WEBHOOK_EVENTS].append(event)

    receiver = WebhookReceiver(api, secret=secret, callback=on_event, dedupe=dedupe)
    app.router.add_post(f"/webhooks/{api}", aiohttp_handler(receiver))

    async def finish_callbacks(_app: web.Application) -> None:
        await receiver.aclose()

    app.on_shutdown.append(finish_callbacks)


def create_app(
    *,
    pocketsflow_webhook_secret: str | None = None,
    reflow_webhook_secret: str | None = None,
    **client_options: Any,
) -> web.Application:
    """The application; ``client_options`` go to :class:`~storeflow.Pocketsflow`.

    Without options the client reads its key from ``POCKETSFLOW_API_KEY`` and its base URL
    from ``POCKETSFLOW_BASE_URL`` when that is set, and waits at most :data:`MAX_WAIT` for a
    rate-limit slot; the webhook secrets come from ``POCKETSFLOW_WEBHOOK_SECRET`` and
    ``REFLOW_WEBHOOK_SECRET`` (no route without one).
    """
    client_options.setdefault("rate_limit", RateLimit(max_wait=MAX_WAIT))
    secrets: dict[Literal["pocketsflow", "reflow"], str | None] = {
        "pocketsflow": pocketsflow_webhook_secret or os.environ.get("POCKETSFLOW_WEBHOOK_SECRET"),
        "reflow": reflow_webhook_secret or os.environ.get("REFLOW_WEBHOOK_SECRET"),
    }

    async def pocketsflow_client(app: web.Application) -> AsyncIterator[None]:
        # Created inside the running loop at start-up, closed at shutdown.
        async with Pocketsflow(**client_options) as client:
            app[POCKETSFLOW] = client
            yield

    app = web.Application(middlewares=[storeflow_errors])
    app.cleanup_ctx.append(pocketsflow_client)
    app.router.add_get("/products", list_products)
    app.router.add_get("/products/{id}", get_product)
    app.router.add_get("/orders/recent", recent_orders)
    app[WEBHOOK_EVENTS] = []
    dedupe = Deduplicator()  # one process; share a store across workers (see the README)
    for api, secret in secrets.items():
        if secret:
            add_webhook_route(app, api, secret, dedupe)
    return app


if __name__ == "__main__":
    web.run_app(
        create_app(),
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8090")),
    )
