"""storeflow inside FastAPI: one Pocketsflow client for the whole application.

The client is created in the application's ``lifespan`` and closed when it ends, so every
request shares one connection pool and one rate limiter; handlers get it through a dependency.
A handler waits at most ``MAX_WAIT`` seconds for a rate-limit slot: when the budget is spent it
answers 503 with a ``Retry-After`` at once instead of hanging for up to a minute. Storeflow's
errors become JSON answers: a refused argument is a 400, a missing record a 404, any other
failure upstream a 502.

With a webhook secret (``POCKETSFLOW_WEBHOOK_SECRET``, ``REFLOW_WEBHOOK_SECRET``) it also receives
that API's webhooks at ``POST /webhooks/pocketsflow`` or ``/webhooks/reflow``: each delivery is
verified (401 when the signature is wrong), parsed into a typed event, answered 200 at once and
handled once (a repeat is acknowledged and skipped) after the answer.

Run it (``pip install '.[examples]'`` adds FastAPI and uvicorn; the key comes from
``POCKETSFLOW_API_KEY``; ``POCKETSFLOW_BASE_URL`` points it at another server, such as a local
sandbox). It listens on 127.0.0.1:8000::

    POCKETSFLOW_API_KEY=pk_test_... python examples/fastapi_app.py
    curl localhost:8000/products
    curl 'localhost:8000/orders/recent?limit=5'
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

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
from storeflow.webhooks import Deduplicator, WebhookEvent, WebhookReceiver, starlette_endpoint

logger = logging.getLogger("storeflow_example")

MAX_WAIT = 2.0
"""The longest a handler waits for a rate-limit slot, in seconds."""


def pocketsflow(request: Request) -> Pocketsflow:
    """The application's one client (a FastAPI dependency)."""
    client: Pocketsflow = request.app.state.pocketsflow
    return client


Client = Annotated[Pocketsflow, Depends(pocketsflow)]


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


def create_app(
    *,
    pocketsflow_webhook_secret: str | None = None,
    reflow_webhook_secret: str | None = None,
    **client_options: Any,
) -> FastAPI:
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
    receivers: list[WebhookReceiver] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Created inside the running loop at start-up, closed at shutdown.
        async with Pocketsflow(**client_options) as client:
            app.state.pocketsflow = client
            yield
            for receiver in receivers:  # let the webhook callbacks still running finish
                await receiver.aclose()

    app = FastAPI(title="storeflow example", lifespan=lifespan)
    app.state.webhook_events = []
    """Every webhook event the application handled, oldest first."""

    async def on_event(event: WebhookEvent) -> None:
        # Runs after the 200 went out: fulfil the order, grant access, and so on, here.
        if isinstance(event.data, OrderCompletedEvent) and event.data.order is not None:
            logger.info("order %s completed", event.data.order.id)
        app.state.webhook_events.append(event)

    dedupe = Deduplicator()  # one process; share a store across workers (see the README)
    for api, secret in secrets.items():
        if secret:
            receiver = WebhookReceiver(api, secret=secret, callback=on_event, dedupe=dedupe)
            receivers.append(receiver)
            app.add_api_route(f"/webhooks/{api}", starlette_endpoint(receiver), methods=["POST"])

    @app.exception_handler(ValidationError)
    async def refused(_: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=404)

    @app.exception_handler(RateLimitError)
    async def busy(_: Request, exc: RateLimitError) -> JSONResponse:
        # The budget is spent (or the API said 429): tell the caller when to come back.
        retry = str(math.ceil(exc.retry_after or 1))
        return JSONResponse(
            {"error": "busy, retry later"}, status_code=503, headers={"Retry-After": retry}
        )

    @app.exception_handler(APIError)
    async def upstream(_: Request, exc: APIError) -> JSONResponse:
        return JSONResponse({"error": f"upstream: {exc.message}"}, status_code=502)

    @app.exception_handler(StoreflowError)
    async def unavailable(_: Request, exc: StoreflowError) -> JSONResponse:
        # No usable answer (timed out, unreachable, undecodable); the details name internal
        # hosts and paths, which are not the caller's business.
        return JSONResponse({"error": "upstream unavailable"}, status_code=502)

    @app.get("/products")
    async def list_products(pf: Client) -> list[dict[str, Any]]:
        """Every product."""
        return [product_json(p) for p in await pf.products.list()]

    @app.get("/products/{product_id}")
    async def get_product(product_id: str, pf: Client) -> dict[str, Any]:
        """One product (404 when there is none)."""
        return product_json(await pf.products.get(product_id))

    @app.get("/orders/recent")
    async def recent_orders(pf: Client, limit: int = 10) -> dict[str, Any]:
        """The ``limit`` newest orders (default 10)."""
        page = await pf.orders.list(page_size=limit)
        return {"total": page.total, "orders": [order_json(o) for o in page]}

    return app


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(
        create_app(),
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
    )
