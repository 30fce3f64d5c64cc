"""storeflow inside aiohttp.web: one Pocketsflow client for the whole application.

The client is created when the application starts and closed when it stops (``cleanup_ctx``),
so every request shares one connection pool and one rate limiter. A handler waits at most
``MAX_WAIT`` seconds for a rate-limit slot: when the budget is spent it answers 503 with a
``Retry-After`` at once instead of hanging for up to a minute. Storeflow's errors become JSON
answers: a refused argument is a 400, a missing record a 404, any other failure upstream a 502.

Run it (needs only storeflow; the key comes from ``POCKETSFLOW_API_KEY``;
``POCKETSFLOW_BASE_URL`` points it at another server, such as a local sandbox). It listens on
127.0.0.1:8090 (``HOST`` and ``PORT`` change that; 8090 stays clear of the sandbox's 8080/8081)::

    POCKETSFLOW_API_KEY=pk_test_... python examples/aiohttp_app.py
    curl localhost:8090/products
    curl 'localhost:8090/orders/recent?limit=5'
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

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
from storeflow.pocketsflow.models import Order, Product

POCKETSFLOW = web.AppKey("pocketsflow", Pocketsflow)
"""Where the application keeps its one client."""

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
    """GET /orders/recent?limit=N: the N newest orders (default 10, at most 100)."""
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


def create_app(**client_options: Any) -> web.Application:
    """The application; ``client_options`` go to :class:`~storeflow.Pocketsflow`.

    Without options the client reads its key from ``POCKETSFLOW_API_KEY`` and its base URL
    from ``POCKETSFLOW_BASE_URL`` when that is set, and waits at most :data:`MAX_WAIT` for a
    rate-limit slot.
    """
    client_options.setdefault("rate_limit", RateLimit(max_wait=MAX_WAIT))

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
    return app


if __name__ == "__main__":
    web.run_app(
        create_app(),
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8090")),
    )
