"""Pocketsflow webhooks: check a delivery's signature, then parse it into a typed event.

```python
from storeflow.webhooks import pocketsflow

pocketsflow.verify(body, headers, secret)   # raises WebhookSignatureError
event = pocketsflow.parse(body, headers)
```

The event name comes from the ``X-Pocketsflow-Event`` header (or the body's ``event``); the
id from ``webhookId``. Pocketsflow delivers once, with a ~5 s timeout, and never retries.
"""

from __future__ import annotations

from collections.abc import Mapping

from storeflow.webhooks._event import WebhookEvent, parse_event, verify_delivery
from storeflow.webhooks._signature import Secret, Secrets

__all__ = ["parse", "verify"]


def verify(body: bytes, headers: Mapping[str, str], secret: Secret | Secrets) -> None:
    """Check the ``X-Pocketsflow-Signature`` header of a delivery against ``secret``.

    ``body`` is the raw request body exactly as received (a re-serialised body does not match);
    ``headers`` the request's headers (any mapping; names are matched in any case); ``secret``
    one secret or a sequence of them (during a rotation), ``str`` or ``bytes``. The hex
    signature may carry a ``sha256=`` prefix. Comparison is in constant time.

    Raises:
        WebhookSignatureError: the signature is missing, malformed or matches no secret.
        TypeError: ``body`` is not bytes.
        ValueError: no secret, or an empty one, was given.
    """
    verify_delivery("pocketsflow", body, headers, secret)


def parse(body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    """Parse a delivery into a :class:`~storeflow.webhooks.WebhookEvent` (verify it first).

    An event name the schema does not know gives an event with ``known=False`` and the JSON as
    ``data``, not an error.

    Raises:
        DecodeError: the body is not a JSON object, or does not fit its event's model.
        TypeError: ``body`` is not bytes.
    """
    return parse_event("pocketsflow", body, headers)
