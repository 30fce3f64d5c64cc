"""The aiohttp.web glue: a request handler around a :class:`WebhookReceiver`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from storeflow.webhooks._receiver import WebhookReceiver

__all__ = ["aiohttp_handler"]


def aiohttp_handler(receiver: WebhookReceiver) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Return an aiohttp.web handler that reads the raw body and lets ``receiver`` answer.

    ```python
    receiver = WebhookReceiver("pocketsflow", secret=..., callback=on_event)
    app.router.add_post("/webhooks/pocketsflow", aiohttp_handler(receiver))
    app.on_shutdown.append(lambda _app: receiver.aclose())
    ```

    The answer is JSON with the status of the receiver's :class:`~storeflow.webhooks.Receipt`.
    Raises nothing the sender controls.
    """

    async def handle_webhook(request: web.Request) -> web.Response:
        receipt = await receiver.receive(await request.read(), request.headers)
        return web.json_response(receipt.body, status=receipt.status)

    return handle_webhook
