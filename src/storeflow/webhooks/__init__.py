"""Receive the vendors' webhooks: verify the signature, parse a typed event, act once.

```python
from storeflow.webhooks import Deduplicator, WebhookReceiver, aiohttp_handler, pocketsflow

pocketsflow.verify(body, headers, secret)   # WebhookSignatureError unless signed by secret
event = pocketsflow.parse(body, headers)    # WebhookEvent: name, id, data (a typed model)

receiver = WebhookReceiver("pocketsflow", secret=secret, callback=on_event, dedupe=Deduplicator())
app.router.add_post("/webhooks/pocketsflow", aiohttp_handler(receiver))     # aiohttp.web
app.add_api_route("/webhooks/reflow", starlette_endpoint(receiver), methods=["POST"])  # FastAPI
```

``storeflow.webhooks.pocketsflow`` and ``storeflow.webhooks.reflow`` hold each API's
``verify`` and ``parse``; :class:`WebhookReceiver` documents what each delivery is answered.
"""

from typing import TYPE_CHECKING

from storeflow._lazy import lazy_names
from storeflow.errors import WebhookSignatureError

if TYPE_CHECKING:
    from storeflow.webhooks import pocketsflow, reflow
    from storeflow.webhooks._aiohttp import aiohttp_handler
    from storeflow.webhooks._dedupe import Deduplicator, DedupStore, MemoryDedupStore
    from storeflow.webhooks._event import WebhookApi, WebhookEvent
    from storeflow.webhooks._receiver import Callback, Receipt, WebhookReceiver
    from storeflow.webhooks._signature import sign
    from storeflow.webhooks._starlette import starlette_endpoint
else:
    # aiohttp, Starlette and each API's models load only when asked for: see storeflow._lazy.
    # (`pocketsflow` and `reflow` are submodules, which `from ... import` finds by itself.)
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "Callback": "storeflow.webhooks._receiver",
            "DedupStore": "storeflow.webhooks._dedupe",
            "Deduplicator": "storeflow.webhooks._dedupe",
            "MemoryDedupStore": "storeflow.webhooks._dedupe",
            "Receipt": "storeflow.webhooks._receiver",
            "WebhookApi": "storeflow.webhooks._event",
            "WebhookEvent": "storeflow.webhooks._event",
            "WebhookReceiver": "storeflow.webhooks._receiver",
            "aiohttp_handler": "storeflow.webhooks._aiohttp",
            "sign": "storeflow.webhooks._signature",
            "starlette_endpoint": "storeflow.webhooks._starlette",
        },
    )

__all__ = [
    "Callback",
    "DedupStore",
    "Deduplicator",
    "MemoryDedupStore",
    "Receipt",
    "WebhookApi",
    "WebhookEvent",
    "WebhookReceiver",
    "WebhookSignatureError",
    "aiohttp_handler",
    "pocketsflow",
    "reflow",
    "sign",
    "starlette_endpoint",
]
