"""Pocketsflow webhooks: check a delivery's signature, then parse it into a typed event.

```python
from storeflow.webhooks import pocketsflow

pocketsflow.verify(body, headers, secret)   # raises WebhookSignatureError
event = pocketsflow.parse(body, headers)
```

The event name comes from the ``X-Pocketsflow-Event`` header (or the body's ``event``); the
id from ``webhookId``. Pocketsflow delivers once, with a ~5 s timeout, and never retries.
Both are the methods of a :class:`~storeflow.webhooks.WebhookApi`, which documents them.
"""

from storeflow.webhooks._event import WebhookApi

__all__ = ["parse", "verify"]

_API = WebhookApi("pocketsflow")
verify = _API.verify
parse = _API.parse
