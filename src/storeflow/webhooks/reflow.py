"""Reflow webhooks: check a delivery's signature, then parse it into a typed event.

```python
from storeflow.webhooks import reflow

reflow.verify(body, headers, secret)   # raises WebhookSignatureError
event = reflow.parse(body, headers)
```

The body is an ``evt_…`` envelope: its ``type`` names the event, ``id`` is the stable id,
``livemode`` says test or live. Reflow retries a delivery until it is answered 200.
"""

from __future__ import annotations

from collections.abc import Mapping

from storeflow.webhooks._event import WebhookEvent, parse_event, verify_delivery
from storeflow.webhooks._signature import Secret, Secrets

__all__ = ["parse", "verify"]


def verify(body: bytes, headers: Mapping[str, str], secret: Secret | Secrets) -> None:
    """Check the ``signature`` header of a delivery against ``secret``.

    ``body`` is the raw request body exactly as received (a re-serialised body does not match);
    ``headers`` the request's headers (any mapping; names are matched in any case); ``secret``
    one secret or a sequence of them (during a rotation), ``str`` or ``bytes``. The hex
    signature may carry a ``sha256=`` prefix. Comparison is in constant time.

    Raises:
        WebhookSignatureError: the signature is missing, malformed or matches no secret.
        TypeError: ``body`` is not bytes.
        ValueError: no secret, or an empty one, was given.
    """
    verify_delivery("reflow", body, headers, secret)


def parse(body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    """Parse a delivery into a :class:`~storeflow.webhooks.WebhookEvent` (verify it first).

    An event name the schema does not know gives an event with ``known=False`` and the JSON as
    ``data``, not an error.

    Raises:
        DecodeError: the body is not a JSON object, or does not fit its event's model.
        TypeError: ``body`` is not bytes.
    """
    return parse_event("reflow", body, headers)
