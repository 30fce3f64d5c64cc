"""The HTTP pieces both simulators' handlers share: error bodies, failures, JSON in and out, auth.

The simulators (the ``pocketsflow`` and ``reflow`` subpackages) are aiohttp.web applications
whose handlers use these pieces and nothing from each other:

* :class:`HTTPFailure` — raise it anywhere in a handler to answer with a status and a JSON body;
  the site's middleware (:mod:`storeflow.sandbox._site`) turns it into the response.
* :func:`json_response` — the one way handlers answer with JSON (orjson-encoded).
* :func:`read_json_object` — the request's body as one JSON object.
* :func:`bearer_token` — the token of an ``Authorization: Bearer`` header, for both APIs' auth.
* :func:`message_body` / :func:`error_body` — the two APIs' error bodies (Pocketsflow answers
  ``{"message": ...}``, Reflow ``{"error": ...}``); every checker takes one of them (or any
  other :data:`ErrorBody`) so its 400 answers speak the API's dialect.

Conventions for a simulator's handlers (what the site's middleware relies on):

* Route templates use the schema's own placeholder names (``/products/{id}``,
  ``/projects/{projectId}/plans/{planId}``) so a response can be matched to the schema's
  operation by ``request.match_info.route.resource.canonical``.
* Handlers never catch :class:`HTTPFailure`; the middleware also answers unknown paths and wrong
  methods with the API's error body, and applies rate limits and faults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import orjson
from aiohttp import web

__all__ = [
    "ErrorBody",
    "HTTPFailure",
    "bearer_token",
    "error_body",
    "json_response",
    "message_body",
    "read_json_object",
]


ErrorBody: TypeAlias = Callable[[str], dict[str, Any]]
"""Builds an API's JSON error body from a human-readable message."""


def message_body(message: str) -> dict[str, Any]:
    """Pocketsflow's error body: ``{"message": message}``."""
    return {"message": message}


def error_body(message: str) -> dict[str, Any]:
    """Reflow's error body as public callers read it: ``{"error": message}``."""
    return {"error": message}


class HTTPFailure(Exception):
    """Raised inside a handler to answer with ``status`` and the JSON ``body``.

    The sandbox's server middleware catches it; handlers let it propagate.
    """

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        super().__init__(status, body)


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization`` header value ``Bearer <token>`` (the scheme in any case,
    spaces around either part ignored), or ``None`` for another scheme."""
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return ``data`` encoded by orjson as an ``application/json`` response.

    Raises ``TypeError`` (from orjson) if ``data`` holds something JSON cannot carry.
    """
    return web.Response(
        body=orjson.dumps(data),
        status=status,
        content_type="application/json",
        headers=headers,
    )


async def read_json_object(
    request: web.Request, error_body: ErrorBody, *, required: bool = True
) -> dict[str, Any]:
    """Read the request's body as one JSON object.

    An absent (empty) body is ``{}`` when ``required`` is false. Raises
    ``HTTPFailure(400, error_body(...))`` for an empty required body, invalid JSON, or JSON that
    is not an object.
    """
    raw = await request.read()
    if not raw.strip():
        if required:
            raise HTTPFailure(400, error_body("the request body must be a JSON object"))
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise HTTPFailure(400, error_body("the request body is not valid JSON")) from None
    if not isinstance(data, dict):
        raise HTTPFailure(400, error_body("the request body must be a JSON object"))
    return data
