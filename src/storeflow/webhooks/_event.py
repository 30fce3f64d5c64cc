"""Typed webhook events: the body's JSON structured into the generated model of its event name.

The event tables come from the schemas' ``webhooks`` sections (``storeflow.<api>._webhooks``).
An event name the schema does not know is not an error: its event carries the parsed JSON as
``data`` (``known`` is false), because vendors add events before SDKs learn them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

from attrs import field, frozen

from storeflow._serde import loads, structure
from storeflow.errors import DecodeError
from storeflow.webhooks._signature import Secret, Secrets, verify_signature

__all__ = [
    "POCKETSFLOW_EVENT_HEADER",
    "POCKETSFLOW_SIGNATURE_HEADER",
    "POCKETSFLOW_TIMESTAMP_HEADER",
    "REFLOW_SIGNATURE_HEADER",
    "Api",
    "WebhookEvent",
    "header",
    "parse_event",
    "verify_delivery",
]

Api: TypeAlias = Literal["pocketsflow", "reflow"]
"""The two APIs that send webhooks."""

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


def verify_delivery(
    api: Api, body: bytes, headers: Mapping[str, str], secret: Secret | Secrets
) -> None:
    """Check the signature header of one delivery of ``api`` against ``secret`` (or several).

    Raises:
        WebhookSignatureError: the signature is missing, malformed or matches no secret.
        TypeError: ``body`` is not bytes.
        ValueError: no secret, or an empty one, was given.
    """
    name = POCKETSFLOW_SIGNATURE_HEADER if api == "pocketsflow" else REFLOW_SIGNATURE_HEADER
    secrets = secret if isinstance(secret, Secrets) else Secrets(secret)
    verify_signature(_raw(body), header(headers, name), secrets, header=name)


def parse_event(api: Api, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    """Parse one delivery of ``api`` (``body`` as received, its request ``headers``).

    Checks no signature: verify first. Raises:
        TypeError: ``body`` is not bytes (the raw body is needed, not decoded text).
        DecodeError: the body is not a JSON object, or does not fit the event's model.
    """
    raw = _raw(body)
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
