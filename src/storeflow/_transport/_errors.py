"""What a failure becomes: an error status as a typed :class:`~storeflow.errors.APIError` (in
the API's :class:`~storeflow._config.ErrorDialect`), an aiohttp exception as a
:class:`~storeflow.errors.TransportError` saying whether the request may have been sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, Final

import aiohttp
import attrs

from storeflow import _serde, errors
from storeflow._config import ErrorDialect
from storeflow._transport._request import REDIRECT_STATUSES
from storeflow._transport._response import Reply, request_id, text

__all__ = ["Failure", "api_error", "classify", "error_message"]

_MESSAGE_LIMIT: Final = 200


@attrs.frozen
class Failure:
    """An attempt that got no usable response.

    ``error.unsent`` is true when nothing can have reached the server (connecting failed), which
    makes the attempt safe to repeat for any operation; ``retryable`` is false for failures that
    a repeat cannot fix (a TLS certificate refused, a body over the size cap). The aiohttp
    exception behind it is not kept: its repr can carry the request's headers, key included.
    """

    error: errors.TransportError
    retryable: bool = True


def error_message(reply: Reply, dialect: ErrorDialect) -> str:
    """The server's own words for an error: the first of ``dialect.message_keys`` in a JSON
    body, else its ``dialect.details_key`` (field -> messages, or field -> message).

    Falls back to the first line of a plain-text body, then to the reason phrase (for HTML
    pages and empty or unparseable bodies).
    """
    try:
        data = _serde.loads(reply.body) if reply.body else None
    except errors.DecodeError:
        data = None
    if isinstance(data, dict):
        details = data.get(dialect.details_key)
        for key in dialect.message_keys:
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value:
                if isinstance(details, dict) and details:
                    value += " (" + "; ".join(_field_errors(details)) + ")"
                return errors.excerpt(value, _MESSAGE_LIMIT)
        if isinstance(details, dict) and details:
            # Reflow's other dialect: only `errors`, e.g. {"errors": {"system": "..."}}.
            return errors.excerpt("; ".join(_field_errors(details)), _MESSAGE_LIMIT)
    shown = text(reply.body).strip()
    if shown and not shown.startswith(("<", "{", "[")):
        return errors.excerpt(shown.splitlines()[0], _MESSAGE_LIMIT)
    if reply.reason:
        return reply.reason
    try:
        return HTTPStatus(reply.status).phrase
    except ValueError:
        return "HTTP error"


def _field_errors(details: Mapping[str, Any]) -> Iterable[str]:
    """``field: first problem`` for a Laravel-style ``errors`` object."""
    for field, problems in details.items():
        first = problems[0] if isinstance(problems, list) and problems else problems
        yield f"{field}: {first}"


def api_error(
    reply: Reply,
    method: str,
    path: str,
    *,
    retry_after: float | None,
    dialect: ErrorDialect,
    redact: Callable[[str], str],
) -> errors.APIError:
    """The typed error for a final error status (or a redirect not followed).

    Everything taken from the reply passes through ``redact``: a server may echo the key.
    """
    if reply.status in REDIRECT_STATUSES:
        has_location = "Location" in reply.headers
        message = "too many redirects" if has_location else "redirect without a Location"
    else:
        message = redact(error_message(reply, dialect))
    # The request id is masked too: a server may build it from the request's headers.
    rid = request_id(reply.headers)
    return errors.api_error(
        reply.status,
        message,
        method=method,
        path=path,
        body=redact(text(reply.body)) if reply.body else None,
        request_id=None if rid is None else redact(rid),
        retry_after=retry_after,
        # An error travels far (logs, pickles): mask the key should a header echo it.
        headers={name: redact(value) for name, value in reply.headers.items()},
    )


def classify(exc: BaseException, method: str, path: str, redact: Callable[[str], str]) -> Failure:
    """Map an aiohttp or timeout exception from one attempt to a storeflow error.

    The exception's text is passed through ``redact``: a malformed reply it quotes may echo the
    key.
    """
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return Failure(
            errors.TimeoutError("timed out connecting", method=method, path=path, unsent=True)
        )
    if isinstance(exc, aiohttp.ClientSSLError):
        return Failure(
            errors.ConnectionError(
                f"TLS failed: {redact(str(exc))}", method=method, path=path, unsent=True
            ),
            retryable=False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Failure(
            errors.ConnectionError(
                f"could not connect: {redact(str(exc))}", method=method, path=path, unsent=True
            )
        )
    if isinstance(exc, TimeoutError):
        return Failure(
            errors.TimeoutError("timed out waiting for the response", method=method, path=path)
        )
    detail = redact(str(exc)) or type(exc).__name__
    return Failure(errors.ConnectionError(f"connection failed: {detail}", method=method, path=path))
