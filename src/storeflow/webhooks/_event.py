"""Typed webhook events: the body's JSON structured into the generated model of its event name.

The event tables come from the schemas' ``webhooks`` sections (``storeflow.<api>._webhooks``).
An event name the schema does not know is not an error: its event carries the parsed JSON as
``data`` (``known`` is false), because vendors add events before SDKs learn them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from attrs import field, frozen

from storeflow._apis import API_NAMES
from storeflow._apis import ApiName as Api
from storeflow._serde import loads, structure
from storeflow.errors import DecodeError
from storeflow.webhooks._signature import Secret, Secrets, verify_signature

__all__ = [
    "POCKETSFLOW_EVENT_HEADER",
    "POCKETSFLOW_SIGNATURE_HEADER",
    "POCKETSFLOW_TIMESTAMP_HEADER",
    "REFLOW_SIGNATURE_HEADER",
    "Api",
    "WebhookApi",
    "WebhookEvent",
    "header",
]


POCKETSFLOW_SIGNATURE_HEADER: Final = "X-Pocketsflow-Signature"
"""Where Pocketsflow puts the hex HMAC-SHA256 of the body."""
POCKETSFLOW_EVENT_HEADER: Final = "X-Pocketsflow-Event"
"""Where Pocketsflow names the event."""
POCKETSFLOW_TIMESTAMP_HEADER: Final = "X-Pocketsflow-Timestamp"
"""When Pocketsflow sent the delivery, in epoch milliseconds (not signed)."""
REFLOW_SIGNATURE_HEADER: Final = "signature"
"""Where Reflow puts the hex HMAC-SHA256 of the body."""


@frozen(kw_only=True)
class WebhookEvent:
    """One webhook delivery, parsed.

    ``name`` is the event name (``"order.completed"``; ``""`` when the delivery names none);
    ``id`` the event's stable id (Pocketsflow ``webhookId``, Reflow ``evt_…``), the key to
    deduplicate on; ``livemode`` what Reflow says (Pocketsflow says nothing: ``None``);
    ``created`` when the event was made (Reflow ``created``; Pocketsflow's timestamp header).
    ``data`` is the generated model of the event's body (``storeflow.pocketsflow.models
    .OrderCompletedEvent``, ``storeflow.reflow.models.OrderEvent``, ...) when ``known``, else
    the parsed JSON object. ``payload`` is always the parsed JSON and ``raw`` the exact bytes
    received (what the signature covers).
    """

    api: Api
    name: str
    id: str | None
    livemode: bool | None
    created: dt.datetime | None
    known: bool
    data: Any
    payload: dict[str, Any] = field(repr=False)
    raw: bytes = field(repr=False)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` in ``headers``, whatever the case of its key."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def _text(value: Any) -> str | None:
    # Ids are strings, but a sender that writes a number still names the same event.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _from_seconds(value: Any) -> dt.datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _events(api: Api) -> Mapping[str, type[Any]]:
    # Imported here: each table loads its API's models, which a receiver of one API never needs.
    if api == "pocketsflow":
        from storeflow.pocketsflow._webhooks import EVENTS
    else:
        from storeflow.reflow._webhooks import EVENTS
    return EVENTS


def _raw(body: bytes) -> bytes:
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError("pass the raw request body as bytes, exactly as received")
    return bytes(body)


class WebhookApi:
    """Signature checks and parsing for the deliveries of one ``api``.

    ``storeflow.webhooks.pocketsflow.verify`` and ``.parse`` (and Reflow's) are the methods of
    one instance each. Raises ``ValueError`` for an unknown ``api``.
    """

    def __init__(self, api: Api) -> None:
        if api not in API_NAMES:
            raise ValueError("api must be 'pocketsflow' or 'reflow'")
        self.api: Api = api
        self.signature_header = (
            POCKETSFLOW_SIGNATURE_HEADER if api == "pocketsflow" else REFLOW_SIGNATURE_HEADER
        )

    def __repr__(self) -> str:
        return f"WebhookApi({self.api!r})"

    def verify(self, body: bytes, headers: Mapping[str, str], secret: Secret | Secrets) -> None:
        """Check a delivery's signature header against ``secret``.

        ``body`` is the raw request body exactly as received (a re-serialised body does not
        match); ``headers`` the request's headers (any mapping; names match in any case);
        ``secret`` one secret or a sequence of them (during a rotation), ``str`` or ``bytes``.
        The hex signature may carry a ``sha256=`` prefix. Comparison is in constant time.

        Raises:
            WebhookSignatureError: the signature is missing, malformed or matches no secret.
            TypeError: ``body`` is not bytes.
            ValueError: no secret, or an empty one, was given.
        """
        secrets = secret if isinstance(secret, Secrets) else Secrets(secret)
        name = self.signature_header
        verify_signature(_raw(body), header(headers, name), secrets, header=name)

    def parse(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Parse a delivery (``body`` as received, its request ``headers``) into its event.

        Checks no signature: verify first. An event name the schema does not know gives an
        event with ``known=False`` and the JSON as ``data``, not an error.

        Raises:
            DecodeError: the body is not a JSON object, or does not fit its event's model.
            TypeError: ``body`` is not bytes (the raw body is needed, not decoded text).
        """
        return _parse(self.api, _raw(body), headers)


def _parse(api: Api, raw: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    payload = loads(raw)
    if not isinstance(payload, dict):
        raise DecodeError(
            "a webhook body must be a JSON object", body=raw.decode("utf-8", "replace")
        )
    if api == "pocketsflow":
        name = header(headers, POCKETSFLOW_EVENT_HEADER) or _text(payload.get("event")) or ""
        event_id = _text(payload.get("webhookId"))
        livemode = None
        stamp = header(headers, POCKETSFLOW_TIMESTAMP_HEADER)
        created = _from_seconds(int(stamp) / 1000) if stamp and stamp.isdigit() else None
    else:
        name = _text(payload.get("type")) or ""
        event_id = _text(payload.get("id"))
        livemode = payload.get("livemode") if isinstance(payload.get("livemode"), bool) else None
        created = _from_seconds(payload.get("created"))
    model = _events(api).get(name)
    return WebhookEvent(
        api=api,
        name=name,
        id=event_id,
        livemode=livemode,
        created=created,
        known=model is not None,
        data=payload if model is None else structure(payload, model),
        payload=payload,
        raw=raw,
    )
