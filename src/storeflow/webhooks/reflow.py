"""Reflow webhooks: check a delivery's signature, then parse it into a typed event.

```python
from storeflow.webhooks import reflow

reflow.verify(body, headers, secret)   # raises WebhookSignatureError
event = reflow.parse(body, headers)
```

The body is an ``evt_…`` envelope: its ``type`` names the event, ``id`` is the stable id,
``livemode`` says test or live. Reflow retries a delivery until it is answered 200.
Both are the methods of a :class:`~storeflow.webhooks.WebhookApi`, which documents them.
"""

from storeflow.webhooks._event import WebhookApi

__all__ = ["parse", "verify"]

_API = WebhookApi("reflow")
verify = _API.verify
parse = _API.parse
