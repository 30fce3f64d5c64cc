"""The exception tree: everything storeflow raises derives from :class:`StoreflowError`.

```
StoreflowError
├── ValidationError        an argument was refused before anything was sent
├── DecodeError            a response body cannot be used (strict: breaks the schema)
├── RateLimitBackendError  the shared rate-limit backend (Redis) did not answer in time
├── WebhookSignatureError  a webhook's signature is missing, malformed or wrong
├── ExportError            the files of an export do not allow this run
│   └── ExportStateError   its checkpoint or .part file is inconsistent (edited, damaged)
└── RequestError           tied to one request: ``method`` and ``path``
    ├── TransportError     no usable HTTP response (``unsent``: it never reached the server)
    │   ├── ConnectionError        the connection failed or dropped (also a builtin one)
    │   ├── TimeoutError           the request did not finish in time (also a builtin one)
    │   └── ResponseTooLargeError  the body is larger than the client accepts
    └── APIError           the server answered with an error status
        ├── BadRequestError    400, 409, 422
        ├── AuthenticationError 401, 403
        ├── NotFoundError      404
        ├── RateLimitError     429
        └── ServerError        5xx
```

No message built here ever contains an API key: the transport redacts request data before it
reaches an exception, and bodies are the server's words only.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, Unpack

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConnectionError",
    "DecodeError",
    "ExportError",
    "ExportStateError",
    "NotFoundError",
    "RateLimitBackendError",
    "RateLimitError",
    "RequestError",
    "ResponseTooLargeError",
    "ServerError",
    "StoreflowError",
    "TimeoutError",
    "TransportError",
    "ValidationError",
    "WebhookSignatureError",
]

#: How much of a response body an exception keeps, in characters.
BODY_EXCERPT_LIMIT = 500


def excerpt(text: str, limit: int = BODY_EXCERPT_LIMIT) -> str:
    """Return ``text`` cut to ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


class StoreflowError(Exception):
    """Base class of every exception storeflow raises.

    Every storeflow exception pickles with its attributes (so it crosses process boundaries,
    e.g. out of a ``ProcessPoolExecutor``), although the constructors take keyword arguments.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (type(self), self.args, self.__dict__)


def _restore(
    cls: type[StoreflowError], args: tuple[Any, ...], state: dict[str, Any]
) -> StoreflowError:
    """Rebuild a pickled exception without calling its keyword-only constructor."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class ValidationError(StoreflowError, ValueError):
    """An argument was refused before any request was sent.

    ``argument`` names the offending argument (as the caller spelled it) and ``rule`` says what
    it must satisfy.
    """

    def __init__(self, argument: str, rule: str) -> None:
        self.argument = argument
        self.rule = rule
        super().__init__(f"{argument}: {rule}")


class DecodeError(StoreflowError):
    """A response body could not be decoded into what the schema promises.

    Raised for HTML error pages where JSON was expected, truncated JSON, and a top-level value
    of the wrong JSON type (a string where a page object belongs); by a ``strict=True`` client,
    also for any value that breaks the schema (a wrong type, an unknown field or enum value, a
    missing required field). ``model`` and ``field`` say where decoding failed when that is
    known; ``body`` holds an excerpt of what the server sent.
    """

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        field: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        body: str | None = None,
    ) -> None:
        self.model, self.field = model, field
        self.method, self.path, self.status = method, path, status
        self.body = None if body is None else excerpt(body)
        where = f" ({method} {path} -> {status})" if method and path else ""
        super().__init__(f"{message}{where}")


class RateLimitBackendError(StoreflowError):
    """The shared rate-limit backend could not be reached, or did not answer in time.

    Raised by a Redis-backed limiter in its ``"raise"`` mode, before any request is sent: the
    request has no slot, so nothing went to the API. ``backend`` describes the backend with any
    password masked.
    """

    def __init__(self, message: str, *, backend: str) -> None:
        super().__init__(message)
        self.backend = backend


class WebhookSignatureError(StoreflowError, ValueError):
    """A webhook delivery's signature is missing, malformed, or matches none of the secrets.

    ``reason`` is ``"missing"``, ``"malformed"`` or ``"mismatch"``; ``header`` names the header
    that was read. Neither the secrets nor the signature received are kept or shown.
    """

    def __init__(self, reason: str, *, header: str) -> None:
        self.reason = reason
        self.header = header
        what = {
            "missing": "no signature",
            "malformed": "a signature that is not a hex HMAC-SHA256",
            "mismatch": "a signature that matches none of the secrets",
        }.get(reason, reason)
        super().__init__(f"webhook signature check failed: {what} in the {header} header")


class RequestError(StoreflowError):
    """A failure tied to one request: ``method`` and ``path`` (without base URL or query)."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        self.method = method
        self.path = path
        super().__init__(message)


class TransportError(RequestError):
    """No usable HTTP response was received for ``method`` ``path``.

    ``unsent`` is true when the request certainly never reached the server (connecting failed,
    a TLS handshake was refused), so repeating it is safe for any operation; false when it may
    have been received and acted on.
    """

    def __init__(self, message: str, *, method: str, path: str, unsent: bool = False) -> None:
        self.unsent = unsent
        super().__init__(f"{message} ({method} {path})", method=method, path=path)


# Shadows the builtin on purpose, and derives from it so `except ConnectionError:` (the
# builtin) catches it too; callers spell it `storeflow.errors.ConnectionError`.
class ConnectionError(TransportError, builtins.ConnectionError):
    """The connection could not be made, or was dropped before a full response arrived."""


# Shadows and derives from the builtin, like ConnectionError.
class TimeoutError(TransportError, builtins.TimeoutError):
    """The request did not complete within the configured timeout."""


class ResponseTooLargeError(TransportError):
    """The response body is larger than the client's ``max_response_size``.

    The connection is closed without reading the rest; ``limit`` is the cap in bytes.
    """

    def __init__(self, message: str, *, method: str, path: str, limit: int) -> None:
        self.limit = limit
        super().__init__(message, method=method, path=path)


class APIError(RequestError):
    """The server answered with an error status.

    Attributes: ``status`` (HTTP status), ``message`` (from the body's ``message`` or ``error``),
    ``method`` and ``path`` of the request, ``body`` (an excerpt of the response body) and
    ``request_id`` (from the response headers, when the server sends one), ``headers`` (the
    response's headers; empty for an error raised before anything was sent).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        path: str,
        body: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        # A plain dict: it pickles, unlike aiohttp's header multidict.
        self.headers: dict[str, str] = dict(headers or {})
        self.message = message
        self.status = status
        self.body = None if body is None else excerpt(body)
        self.request_id = request_id
        rid = f", request id {request_id}" if request_id else ""
        super().__init__(f"{status} {message} ({method} {path}{rid})", method=method, path=path)


class _Reply(TypedDict):
    """Where an error answer came from and what it carried (see :class:`APIError`)."""

    method: str
    path: str
    body: NotRequired[str | None]
    request_id: NotRequired[str | None]
    headers: NotRequired[Mapping[str, str] | None]


class _Response(_Reply):
    """What :class:`APIError` is built from besides its message (see its constructor)."""

    status: int


class BadRequestError(APIError):
    """400, 409 or 422: the server refused the request's parameters or body."""


class AuthenticationError(APIError):
    """401 or 403: the API key is missing, malformed, unknown, or lacks access."""


class NotFoundError(APIError):
    """404: the resource does not exist (or is hidden from this key)."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the pause the server asked for, in seconds."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, **response: Unpack[_Response]
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, **response)


class ServerError(APIError):
    """5xx: the server failed."""


def api_error(
    status: int, message: str, *, retry_after: float | None = None, **reply: Unpack[_Reply]
) -> APIError:
    """Build the :class:`APIError` subclass that stands for ``status``.

    400, 409 and 422 give :class:`BadRequestError`; 401 and 403 :class:`AuthenticationError`;
    404 :class:`NotFoundError`; 429 :class:`RateLimitError` (carrying ``retry_after``); any 5xx
    :class:`ServerError`; anything else a plain :class:`APIError`. ``reply`` holds the other
    arguments of :class:`APIError`.
    """
    response: _Response = {"status": status, **reply}
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, **response)
    cls: type[APIError]
    if status in (400, 409, 422):
        cls = BadRequestError
    elif status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = NotFoundError
    elif 500 <= status <= 599:
        cls = ServerError
    else:
        cls = APIError
    return cls(message, **response)


class ExportError(StoreflowError):
    """The files of an export do not allow this run.

    Raised when an unfinished export is in the way and neither ``resume`` nor ``overwrite`` was
    asked for, when the output exists and ``overwrite`` was not asked for, when another export
    of the same output is running, and when a checkpoint is corrupt, belongs to a different
    export, or no longer matches its ``.part`` file. The message says how to start over.
    """


class ExportStateError(ExportError):
    """An export's state on disk is inconsistent: its checkpoint was edited or damaged, or its
    ``.part`` file no longer matches it. Nothing is resumed; the message says how to start over.
    """
