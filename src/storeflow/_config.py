"""What a client is configured with: the defaults, :class:`Timeout`, the options both clients
share (:class:`ClientOptions`, checked once) and what sets one API apart (:class:`ApiProfile`).

Both clients take the same keyword options and hand them to :class:`ClientOptions`, which checks
them all before anything is sent; ``with_options`` derives a changed copy with
:func:`attrs.evolve`, which checks the new values by the same rules. Each client also passes its
:class:`ApiProfile` (key environment variable, key prefix, error-body dialect) to the transport,
so the transport itself knows no API by name. Nothing here does I/O or imports aiohttp: the
session is checked by the transport, the one module that speaks aiohttp.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from storeflow import errors
from storeflow.ratelimit import Limiter, RateLimit

if TYPE_CHECKING:
    from storeflow._transport import Session

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_TOTAL_TIMEOUT",
    "TOKEN",
    "ApiProfile",
    "ClientOptions",
    "ErrorDialect",
    "Timeout",
    "check_count",
    "check_headers",
]

#: Seconds to get a connection (DNS, TCP and TLS handshakes), per attempt.
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
#: Seconds for a whole attempt, from connecting to the last byte of the response.
DEFAULT_TOTAL_TIMEOUT: Final = 60.0
#: Attempts after the first (see :class:`storeflow._transport.RetryPolicy`).
DEFAULT_MAX_RETRIES: Final = 2
#: Requests in flight at once, per client.
DEFAULT_MAX_CONNECTIONS: Final = 64
#: The largest response body a client reads by default (``max_response_size``), in bytes.
DEFAULT_MAX_RESPONSE_SIZE: Final = 32 * 1024 * 1024
#: The process-wide limiter's rate for each API host (frozen, so one shared default is safe).
DEFAULT_RATE_LIMIT: Final = RateLimit()

#: An HTTP method or header name is a token (RFC 9110, 5.6.2).
TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: A header value may not hold CR, LF or NUL (RFC 9110, 5.5).
FORBIDDEN_IN_VALUE: Final = re.compile(r"[\r\n\x00]")


@attrs.frozen
class Timeout:
    """How long one attempt may take, in seconds.

    ``connect`` bounds getting a connection (DNS, TCP and TLS handshakes); ``total`` bounds the
    whole attempt, from connecting to the last byte of the response. Time spent waiting for the
    rate limiter or backing off between attempts is not counted.

    Raises:
        ValidationError: (a ``ValueError``) a value is not a positive number; the error names it.
    """

    connect: float = DEFAULT_CONNECT_TIMEOUT
    total: float = DEFAULT_TOTAL_TIMEOUT

    def __attrs_post_init__(self) -> None:
        for name in ("connect", "total"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise errors.ValidationError(
                    name, f"must be a positive number of seconds, got {value!r}"
                )


def check_count(name: str, value: Any, minimum: int, unit: str = "") -> int:
    """``value`` if it is an integer (not a bool) of at least ``minimum``.

    Raises:
        ValidationError: it is not; the error names ``name`` (and ``unit``, e.g. ``" (bytes)"``).
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise errors.ValidationError(name, f"must be an integer >= {minimum}{unit}, got {value!r}")
    return value


def check_headers(headers: Any) -> dict[str, str]:
    """``headers`` as a dict, checked: strings only, names that are tokens, no CR/LF/NUL.

    Raises:
        ValidationError: ``headers`` is not a mapping of strings, a name is not a token, a value
            holds CR, LF or NUL (a header injection), or it sets ``Authorization``.
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise errors.ValidationError(
            "headers", f"must be a mapping of names to values, got {type(headers).__name__}"
        )
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not TOKEN.fullmatch(name):
            raise errors.ValidationError("headers", f"{name!r} is not a valid header name")
        if not isinstance(value, str) or FORBIDDEN_IN_VALUE.search(value):
            raise errors.ValidationError(
                "headers", f"the value of {name} must be a string without CR, LF or NUL"
            )
        if name.lower() == "authorization":
            raise errors.ValidationError(
                "headers", "must not set Authorization: pass the key as api_key"
            )
        checked[name] = value
    return checked


def _timeout(value: Any) -> Timeout:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not value > 0:
            raise errors.ValidationError(
                "timeout", f"must be a positive number of seconds, got {value!r}"
            )
        # A bare number bounds each attempt as a whole and its connecting alike (httpx's rule).
        return Timeout(connect=value, total=value)
    if not isinstance(value, Timeout):
        raise errors.ValidationError(
            "timeout", "must be a number of seconds or a storeflow.Timeout"
        )
    return value


def _max_retries(value: Any) -> int:
    return check_count("max_retries", value, 0)


def _max_connections(value: Any) -> int:
    return check_count("max_connections", value, 1)


def _max_response_size(value: Any) -> int:
    return check_count("max_response_size", value, 1, " (bytes)")


def _rate_limit(value: Any) -> RateLimit | Limiter | None:
    if not (value is None or isinstance(value, RateLimit | Limiter)):
        raise errors.ValidationError(
            "rate_limit", "must be a storeflow.RateLimit, a limiter with acquire(), or None"
        )
    return value


@attrs.frozen(kw_only=True)
class ClientOptions:
    """The options both clients take, checked on construction (and by :func:`attrs.evolve`).

    ``timeout`` per attempt (a :class:`Timeout`, or a number of seconds bounding both parts);
    ``max_retries`` after the first attempt; ``rate_limit`` (a
    :class:`~storeflow.ratelimit.RateLimit`, any :class:`~storeflow.ratelimit.Limiter`, or
    ``None``); ``session``, a caller-owned aiohttp session (checked by the transport);
    ``headers`` added to every request (not ``Authorization``); ``max_connections``, requests in
    flight at once; ``max_response_size``, the largest body read, in bytes; ``strict``, decode
    exactly as the schema says (see :mod:`storeflow._serde`).

    Raises:
        ValidationError: an option is invalid; the error names it.
    """

    timeout: Timeout = attrs.field(default=Timeout(), converter=_timeout)
    max_retries: int = attrs.field(default=DEFAULT_MAX_RETRIES, converter=_max_retries)
    rate_limit: RateLimit | Limiter | None = attrs.field(
        default=DEFAULT_RATE_LIMIT, converter=_rate_limit
    )
    session: Session | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=check_headers)
    max_connections: int = attrs.field(default=DEFAULT_MAX_CONNECTIONS, converter=_max_connections)
    max_response_size: int = attrs.field(
        default=DEFAULT_MAX_RESPONSE_SIZE, converter=_max_response_size
    )
    strict: bool = attrs.field(default=False, converter=bool)


@attrs.frozen(kw_only=True)
class ErrorDialect:
    """How an API words the error bodies it sends, for the message of an
    :class:`~storeflow.errors.APIError`.

    ``message_keys`` are the members that may hold the message, in the order tried (a string,
    or an object with a ``message``); ``details_key`` holds field problems (field -> messages,
    or field -> message), appended to the message or standing in for it.
    """

    message_keys: tuple[str, ...] = ("message", "error")
    details_key: str = "errors"


@attrs.frozen(kw_only=True)
class ApiProfile:
    """What sets one API apart for the transport: how its keys look and how it words errors.

    ``key_env`` is the environment variable a missing key is read from (and named in "key
    missing" errors); ``key_prefix`` a pattern for the part of a key that is safe to show (a
    mode prefix such as ``pk_test_``), or ``None``; ``errors`` its :class:`ErrorDialect`.
    """

    key_env: str | None = None
    key_prefix: re.Pattern[str] | None = None
    errors: ErrorDialect = ErrorDialect()

    def api_key(self, api_key: Any) -> str | None:
        """The key to send: ``api_key``, else :attr:`key_env`'s value; ``None`` if neither.

        Raises:
            ValidationError: the key is not a string, or contains whitespace or control
                characters (the message never repeats it).
        """
        if api_key is not None and not isinstance(api_key, str):
            raise errors.ValidationError(
                "api_key", f"must be a string, got {type(api_key).__name__}"
            )
        from_env = os.environ.get(self.key_env) if self.key_env else None
        key = (api_key if api_key is not None else from_env) or None
        # A header value cannot carry these; anything else is the server's to accept or refuse.
        if key is not None and (not key.isprintable() or any(c.isspace() for c in key)):
            raise errors.ValidationError(
                "api_key", "must not contain whitespace or control characters"
            )
        return key
