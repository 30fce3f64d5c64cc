"""HMAC-SHA256 webhook signatures over the exact raw body, checked in constant time.

Both vendors sign the same way: the header holds the lower-case hex HMAC-SHA256 of the request
body as received, keyed with the endpoint's secret. Some senders (and proxies) prefix it with
``sha256=``; that prefix is accepted. Several secrets can be active at once, so a secret can be
rotated without dropping deliveries signed with the old one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import TypeAlias

from storeflow.errors import WebhookSignatureError

__all__ = ["Secret", "Secrets", "sign", "verify_signature"]

Secret: TypeAlias = str | bytes | Sequence[str | bytes]
"""A webhook secret, or several (every one is tried: rotation)."""

_DIGEST_HEX = hashlib.sha256().digest_size * 2
_PREFIX = "sha256="


class Secrets:
    """One or more webhook secrets, as keys; shown nowhere (``repr`` says only how many).

    Raises ``ValueError`` when no secret, or an empty one, is given, and ``TypeError`` for a
    value that is neither ``str`` nor ``bytes``.
    """

    __slots__ = ("_keys",)

    def __init__(self, secret: Secret) -> None:
        given = [secret] if isinstance(secret, str | bytes) else list(secret)
        keys: list[bytes] = []
        for value in given:
            if isinstance(value, str):
                value = value.encode()
            if not isinstance(value, bytes):
                raise TypeError("a webhook secret must be str or bytes")
            if not value:
                raise ValueError("a webhook secret must not be empty")
            keys.append(value)
        if not keys:
            raise ValueError("give at least one webhook secret")
        self._keys = tuple(keys)

    def __repr__(self) -> str:
        return f"Secrets(<{len(self._keys)} hidden>)"

    def digests(self, body: bytes) -> list[bytes]:
        """The HMAC-SHA256 of ``body`` under each secret."""
        return [hmac.new(key, body, hashlib.sha256).digest() for key in self._keys]


def sign(secret: str | bytes, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of ``body`` keyed with ``secret``: the signature header value.

    Raises ``ValueError`` for an empty secret and ``TypeError`` for one of another type.
    """
    return Secrets(secret).digests(body)[0].hex()


def verify_signature(body: bytes, signature: str | None, secrets: Secrets, *, header: str) -> None:
    """Check that ``signature`` (a header value) signs ``body`` under one of ``secrets``.

    Raises:
        WebhookSignatureError: ``reason="missing"`` without a signature, ``"malformed"`` when
            it is not 64 hex digits (after an optional ``sha256=`` prefix), ``"mismatch"``
            when no secret produces it. ``header`` names the header in the message.
    """
    if not signature or not signature.strip():
        raise WebhookSignatureError("missing", header=header)
    text = signature.strip()
    if text[: len(_PREFIX)].lower() == _PREFIX:
        text = text[len(_PREFIX) :]
    if len(text) != _DIGEST_HEX:
        raise WebhookSignatureError("malformed", header=header)
    try:
        received = bytes.fromhex(text)
    except ValueError:
        raise WebhookSignatureError("malformed", header=header) from None
    # Every secret is compared (no early exit), each in constant time.
    matched = False
    for expected in secrets.digests(body):
        matched |= hmac.compare_digest(expected, received)
    if not matched:
        raise WebhookSignatureError("mismatch", header=header)
