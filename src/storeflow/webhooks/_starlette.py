"""The Starlette (and FastAPI) glue: an endpoint around a :class:`WebhookReceiver`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from storeflow.webhooks._receiver import WebhookReceiver

__all__ = ["starlette_endpoint"]


def starlette_endpoint(receiver: WebhookReceiver) -> Callable[[Request], Awaitable[Response]]:
    """Return a Starlette endpoint that reads the raw body and lets ``receiver`` answer.

    ```python
    receiver = WebhookReceiver("reflow", secret=..., callback=on_event)
    app.add_api_route("/webhooks/reflow", starlette_endpoint(receiver), methods=["POST"])
    # plain Starlette: Route("/webhooks/reflow", starlette_endpoint(receiver), methods=["POST"])
    # and in the lifespan, after the yield: await receiver.aclose()
    ```

    The answer is JSON with the status of the receiver's :class:`~storeflow.webhooks.Receipt`.
    Raises nothing the sender controls.
    """

    async def webhook_endpoint(request: Request) -> Response:
        receipt = await receiver.receive(await request.body(), request.headers)
        return JSONResponse(receipt.body, status_code=receipt.status)

    return webhook_endpoint
