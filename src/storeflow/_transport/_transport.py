"""One HTTP exchange policy for both APIs: session, auth, limiter, retries, timeouts, errors.

Everything a request goes through lives here, so resources only say *what* to send
(:meth:`Transport.call` with an :class:`~storeflow._operation.Operation`) and get back a
:class:`Response` or a typed :mod:`storeflow.errors` exception.

One call, attempt by attempt::

    concurrency semaphore ─▶ limiter slot ─▶ aiohttp (no automatic redirects)
        ─▶ same-origin redirect? another slot, follow (at most 3)
        ─▶ 2xx: Response │ retryable and allowed: back off, next attempt │ else: typed error

The semaphore is taken before the limiter slot: a slot is only reserved once a connection is
free, so requests admitted by the limiter go out when it admitted them and cannot bunch up
behind the connection pool (which would defeat the limiter's any-interval guarantee).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import html
import ipaddress
import json as stdjson
import logging
import math
import random
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import Enum
from http import HTTPStatus
from typing import Any, Final, TypeVar
from urllib.parse import quote, quote_plus, urljoin, urlsplit

import aiohttp
import attrs
import orjson

from storeflow import _serde, errors
from storeflow._operation import Operation
from storeflow._version import __version__
from storeflow.ratelimit import (
    EndpointLimiter,
    Limiter,
    PausableLimiter,
    RateLimit,
    acquire,
    check_max_wait,
    limiter_for,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_SIZE",
    "MAX_RETRY_AFTER",
    "Response",
    "RetryPolicy",
    "Timeout",
    "Transport",
    "TransportStats",
    "encode_query",
    "mask_key",
    "request_id",
]

T = TypeVar("T")

logger: Final = logging.getLogger("storeflow")

USER_AGENT: Final = f"storeflow/{__version__}"

#: Methods whose repetition has the same effect as sending them once (RFC 9110, 9.2.2).
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})

_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS: Final = 3
_BACKOFF_BASE: Final = 0.5
_BACKOFF_CAP: Final = 8.0
#: A 429 asking for a longer pause than this is not waited out: the caller gets the
#: RateLimitError (with ``retry_after``) at once rather than a call that hangs for an hour.
MAX_RETRY_AFTER: Final = 120.0
#: The largest response body a client reads by default (``max_response_size``), in bytes.
DEFAULT_MAX_RESPONSE_SIZE: Final = 32 * 1024 * 1024
_CHUNK: Final = 64 * 1024
_MESSAGE_LIMIT: Final = 200
#: An HTTP method is a token (RFC 9110, 5.6.2).
_METHOD: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: A header name is a token too; a value may not hold CR, LF or NUL (RFC 9110, 5.5).
_FORBIDDEN_IN_VALUE: Final = re.compile(r"[\r\n\x00]")
_PLACEHOLDER: Final = re.compile(r"\{([^{}]+)\}")
_POCKETSFLOW_KEY_PREFIX: Final = re.compile(r"^pk_(?:test|live)_")


@attrs.frozen
class Timeout:
    """How long one attempt may take, in seconds.

    ``connect`` bounds getting a connection (DNS, TCP and TLS handshakes); ``total`` bounds the
    whole attempt, from connecting to the last byte of the response. Time spent waiting for the
    rate limiter or backing off between attempts is not counted.

    Raises:
        ValidationError: (a ``ValueError``) a value is not a positive number; the error names it.
    """

    connect: float = 10.0
    total: float = 60.0

    def __attrs_post_init__(self) -> None:
        for name in ("connect", "total"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise errors.ValidationError(
                    name, f"must be a positive number of seconds, got {value!r}"
                )

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """The equivalent :class:`aiohttp.ClientTimeout`."""
        return aiohttp.ClientTimeout(total=self.total, connect=self.connect)


def _statuses(values: Iterable[int]) -> frozenset[int]:
    return frozenset(values)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Which failures a call repeats, and how many times: the one retry policy.

    ``max_retries`` is the most attempts after the first. A 429 (after the pause the server
    asked for) and a failure to connect (nothing reached the server) are retried for every
    operation, the latter at most ``connect_retries`` times (default: ``max_retries``). Only for
    idempotent operations: failures after the request may have reached the server (a dropped
    connection, a timeout, a status in ``statuses``) and, with ``unreadable``, a 2xx body that
    is not JSON (cut short). So one call draws at most ``1 + max_retries`` requests, plus
    redirect hops.

    The clients use ``RetryPolicy(max_retries=2)`` (their ``max_retries``); the export reads its
    pages with three more retries, a 500 among the statuses and ``unreadable`` (see
    :func:`storeflow.export._engine.page_retry`).

    Raises:
        ValidationError: a retry count that is not an integer >= 0.
    """

    max_retries: int = 2
    statuses: frozenset[int] = attrs.field(default=frozenset({502, 503, 504}), converter=_statuses)
    connect_retries: int | None = None
    unreadable: bool = False

    def __attrs_post_init__(self) -> None:
        for name in ("max_retries", "connect_retries"):
            value = getattr(self, name)
            if value is None and name == "connect_retries":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise errors.ValidationError(name, f"must be an integer >= 0, got {value!r}")

    def allows(self, attempt: int, *, unsent: bool = False) -> bool:
        """Whether attempt number ``attempt`` (from 1) may be followed by another."""
        limit = self.max_retries
        if unsent and self.connect_retries is not None:
            limit = self.connect_retries
        return attempt <= limit


@attrs.frozen
class Response:
    """A successful (2xx) response, read in full.

    ``method`` and ``path`` are the request's (``path`` without the base URL or query);
    ``elapsed`` is the seconds the whole call took, every attempt, limiter wait and backoff
    included; ``attempts`` counts the attempts made (1 when the first one succeeded).
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)
    method: str
    path: str
    elapsed: float
    attempts: int
    strict: bool = False
    """Whether :meth:`decode` reads exactly the schema (see :mod:`storeflow._serde`)."""
    _redact: Callable[[str], str] = attrs.field(default=str, repr=False, eq=False, alias="redact")
    """Masks the API key in text from the body, for the errors :meth:`json` and :meth:`decode`
    raise (a server may echo the request's headers); leaves text unchanged by default."""
    _parsed: list[Any] = attrs.field(factory=list, init=False, repr=False, eq=False)

    def json(self) -> Any:
        """The body parsed as JSON (once; later calls return the same value); ``None`` for an
        empty body.

        Raises:
            DecodeError: the body is not JSON (an HTML page, a truncated document), with the
                request's method, path and status and an excerpt of the body.
        """
        if not self._parsed:
            self._parsed.append(self._parse(_serde.loads) if self.body else None)
        return self._parsed[0]

    def decode(self, cls: type[T]) -> T:
        """The body decoded into ``cls`` (a model, or e.g. ``list[Model]``).

        Liberal unless :attr:`strict` (see :mod:`storeflow._serde`).

        Raises:
            DecodeError: the body is not JSON, or not the JSON container ``cls`` needs (or, when
                strict, breaks the schema); it names the model and field when known and carries
                the request's method, path and status.
        """
        return self._parse(lambda body: _serde.decode(body, cls, strict=self.strict))

    @property
    def request_id(self) -> str | None:
        """The server's id for the request (``x-request-id`` or ``request-id``), if it sent one."""
        return request_id(self.headers)

    def _parse(self, parse: Callable[[bytes], T]) -> T:
        try:
            return parse(self.body)
        except errors.DecodeError as exc:
            failure: errors.DecodeError | None = exc
        # Raised outside the except clause, so an error that must not chain `failure` does not
        # carry it as its context either. No local keeps the raw text: a traceback that shows
        # frame locals would show it.
        assert failure is not None
        body = self._redact(_text(self.body))
        where = ".".join(filter(None, (failure.model, failure.field))) or "the body"
        model, field = failure.model, failure.field
        if body == _text(self.body):
            message, cause = str(failure), failure
        else:
            # The body quotes the API key, and so may the parser's words (a value cut short) and
            # the exceptions they chain: keep only where decoding failed.
            message, cause = f"{where}: cannot be decoded (the body quotes the API key)", None
        failure = None
        raise errors.DecodeError(
            message,
            model=model,
            field=field,
            method=self.method,
            path=self.path,
            status=self.status,
            body=body,
        ) from cause


@attrs.frozen
class _Reply:
    """What one attempt got back: any status, body read in full.

    Its repr leaves out the headers and body, which may echo the key: a traceback that shows
    frame locals shows this too.
    """

    status: int
    reason: str | None = attrs.field(repr=False)
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)


@attrs.frozen
class _Failure:
    """An attempt that got no usable response.

    ``error.unsent`` is true when nothing can have reached the server (connecting failed), which
    makes the attempt safe to repeat for any operation; ``retryable`` is false for failures that
    a repeat cannot fix (a TLS certificate refused, a body over the size cap). The aiohttp
    exception behind it is not kept: its repr can carry the request's headers, key included.
    """

    error: errors.TransportError
    retryable: bool = True


class _Masked(str):
    """A string whose ``repr`` is a masked form, and which refuses to be pickled.

    The ``Authorization`` header value is held as one, so a ``repr`` of the headers (a frame's
    locals in a traceback, an exception from a library) shows ``'Bearer …1234'``, never the key.
    """

    _shown: str

    def __new__(cls, value: str, shown: str) -> _Masked:
        self = super().__new__(cls, value)
        self._shown = shown
        return self

    def __repr__(self) -> str:
        return repr(self._shown)

    def __reduce__(self) -> Any:
        raise TypeError("a secret cannot be pickled")


def _key_forms(key: str) -> list[str]:
    """Every form in which a server may echo ``key``: raw, JSON-escaped (with and without
    ASCII escapes and escaped slashes), percent-encoded (plain and form style), HTML-escaped."""
    forms = {
        key,
        *_json_forms(key),
        quote(key, safe=""),
        quote(key),
        quote_plus(key),
        html.escape(key),
    }
    forms |= {form.replace("/", "\\/") for form in list(forms)}
    # Each form again inside a JSON string (a JSON body quoting an escaped or encoded echo).
    forms |= {json_form for form in list(forms) for json_form in _json_forms(form)}
    return sorted(forms, key=len, reverse=True)


def _json_forms(text: str) -> set[str]:
    """``text`` as the inside of a JSON string: escaped the way orjson and ``json`` do."""
    return {orjson.dumps(text).decode()[1:-1], stdjson.dumps(text)[1:-1]}


def request_id(headers: Mapping[str, str]) -> str | None:
    """The request id a server put in ``headers`` (``x-request-id`` or ``request-id``)."""
    return headers.get("x-request-id") or headers.get("request-id")


def mask_key(key: str | None) -> str | None:
    """A form of ``key`` safe to show: its ``pk_test_``/``pk_live_`` prefix and last 4 characters.

    Short keys (under 16 characters), and keys whose last 4 are not ASCII letters and digits,
    show nothing but ``…``: the mask must read the same in every encoding it lands in (JSON,
    CSV, a URL).
    """
    if key is None:
        return None
    match = _POCKETSFLOW_KEY_PREFIX.match(key)
    prefix = match.group(0) if match else ""
    tail = key[-4:] if len(key) - len(prefix) >= 16 else ""
    if not (tail.isascii() and tail.isalnum()):
        tail = ""
    return f"{prefix}…{tail}"


def _encode_scalar(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return _encode_scalar(name, value.value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise errors.ValidationError(name, "must be a timezone-aware datetime")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float | Decimal):
        return str(value)
    raise errors.ValidationError(name, f"cannot be sent as a query value: {type(value).__name__}")


def encode_query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Turn ``params`` into query pairs the way both APIs read them.

    ``None`` values are left out; booleans become ``true``/``false``; enums their value;
    ``datetime`` (timezone-aware only) and ``date`` ISO 8601; lists and tuples are joined with
    commas (an empty one is left out).

    Raises:
        ValidationError: a naive ``datetime``, or a value of a type a query cannot carry; the
            error names the parameter.
    """
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            if value:
                pairs.append((name, ",".join(_encode_scalar(name, item) for item in value)))
        else:
            pairs.append((name, _encode_scalar(name, value)))
    return pairs


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a URL's host name, lower case) is this machine: ``localhost`` itself or
    a loopback address (``127.0.0.0/8``, ``::1``, ``::ffff:127.x.y.z``).

    A name under ``.localhost`` does not count: whether it resolves to this machine is up to
    the resolver, and a key must not be sent in clear text on a guess.
    """
    if host.rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _endpoint(origin: tuple[str, str, int | None]) -> str:
    """The rate-limit key of an origin: every spelling of this machine is one host."""
    scheme, host, port = origin
    return f"{scheme}://{'loopback' if is_loopback(host) else host}:{port}"


def _check_headers(headers: Any) -> dict[str, str]:
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
        if not isinstance(name, str) or not _METHOD.fullmatch(name):
            raise errors.ValidationError("headers", f"{name!r} is not a valid header name")
        if not isinstance(value, str) or _FORBIDDEN_IN_VALUE.search(value):
            raise errors.ValidationError(
                "headers", f"the value of {name} must be a string without CR, LF or NUL"
            )
        if name.lower() == "authorization":
            raise errors.ValidationError(
                "headers", "must not set Authorization: pass the key as api_key"
            )
        checked[name] = value
    return checked


def _check_path(path: Any) -> str:
    """``path`` checked for :meth:`Transport.request`.

    Raises:
        ValidationError: not a string, not starting with ``/``, holding CR/LF/NUL, or with a
            ``.``/``..`` segment (also percent-encoded), which would leave the base URL's prefix.
    """
    if not isinstance(path, str):
        raise errors.ValidationError("path", f"must be a string, got {type(path).__name__}")
    if not path.startswith("/"):
        raise errors.ValidationError("path", "must start with '/' (relative to base_url)")
    if _FORBIDDEN_IN_VALUE.search(path):
        raise errors.ValidationError("path", "must not contain CR, LF or NUL")
    segments = urlsplit(path).path.split("/")
    if any(re.sub("%2e", ".", segment, flags=re.IGNORECASE) in (".", "..") for segment in segments):
        raise errors.ValidationError(
            "path", "must not contain '.' or '..' segments (it stays under base_url)"
        )
    return path


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header (delay seconds or HTTP-date); ``None`` if unusable."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return None  # unparseable, or a date no clock can reach: as if absent
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _error_message(reply: _Reply) -> str:
    """The server's own words for an error: ``message`` or ``error`` from a JSON body, else
    its ``errors`` (field -> messages, or field -> message).

    Falls back to the first line of a plain-text body, then to the reason phrase (for HTML
    pages and empty or unparseable bodies).
    """
    try:
        data = _serde.loads(reply.body) if reply.body else None
    except errors.DecodeError:
        data = None
    if isinstance(data, dict):
        details = data.get("errors")
        for key in ("message", "error"):
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
    text = _text(reply.body).strip()
    if text and not text.startswith(("<", "{", "[")):
        return errors.excerpt(text.splitlines()[0], _MESSAGE_LIMIT)
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


def _classify(exc: BaseException, method: str, path: str, redact: Callable[[str], str]) -> _Failure:
    """Map an aiohttp or timeout exception from one attempt to a storeflow error.

    The exception's text is passed through ``redact``: a malformed reply it quotes may echo the
    key.
    """
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return _Failure(
            errors.TimeoutError("timed out connecting", method=method, path=path, unsent=True)
        )
    if isinstance(exc, aiohttp.ClientSSLError):
        return _Failure(
            errors.ConnectionError(
                f"TLS failed: {redact(str(exc))}", method=method, path=path, unsent=True
            ),
            retryable=False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _Failure(
            errors.ConnectionError(
                f"could not connect: {redact(str(exc))}", method=method, path=path, unsent=True
            )
        )
    if isinstance(exc, TimeoutError):
        return _Failure(
            errors.TimeoutError("timed out waiting for the response", method=method, path=path)
        )
    detail = redact(str(exc)) or type(exc).__name__
    return _Failure(
        errors.ConnectionError(f"connection failed: {detail}", method=method, path=path)
    )


@attrs.define
class TransportStats:
    """Running counts of what a :class:`Transport` sent, since it was created.

    ``requests`` counts HTTP requests sent (every attempt and redirect hop, answered or not);
    ``retries`` the attempts after the first of each call; ``rate_limited`` the 429 answers
    received. Take the difference of two readings to measure a stretch of work (the export
    engine does, for its summary).
    """

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    outstanding: dict[int, tuple[float, int]] = attrs.field(factory=dict, repr=False)
    """Requests sent and not answered yet: for each, when it was sent (event-loop time) and its
    attempt number (1 for the first). What a progress display reports as "no answer yet"."""


class Transport:
    """Sends requests for one client: one session, one limiter, one retry policy.

    Construction does no I/O and needs no event loop. The aiohttp session is created inside the
    running loop on the first request, and the transport then belongs to that loop. A
    caller-owned ``session`` is used as it is and never closed; :meth:`aclose` closes an owned one.

    Arguments (all validated here, before anything is sent):

    - ``base_url``: ``https://host[/prefix]``; plain ``http`` only to a loopback host when an
      ``api_key`` is set, so the key never crosses a network in clear text.
    - ``api_key``: sent as ``Authorization: Bearer <key>`` to operations that need or accept it.
    - ``api_key_env``: the environment variable named in "key missing" errors.
    - ``timeout``: per attempt (:class:`Timeout`, or a number of seconds bounding both).
    - ``max_retries``: further attempts after the first (see :meth:`call` for which failures).
    - ``rate_limit``: a :class:`~storeflow.ratelimit.RateLimit` (the process-wide limiter for the
      base URL's host and port at that rate), any :class:`~storeflow.ratelimit.Limiter` (used as
      is), or ``None`` (no limiter).
    - ``session``: a caller-owned :class:`aiohttp.ClientSession`.
    - ``headers``: extra headers for every request (not ``Authorization``).
    - ``max_connections``: requests in flight at once (and the owned connector's limit).
    - ``path_params``: defaults for path placeholders (Reflow's ``projectId``).
    - ``strict``: decode responses exactly as the schema says, raising DecodeError otherwise
      (default: liberal; see :mod:`storeflow._serde`).
    - ``rng``: the source of backoff jitter (tests pass a predictable one).

    Raises:
        ValidationError: a malformed ``base_url``, plain http to a non-loopback host with a key,
            ``max_retries`` below 0, ``max_connections`` below 1, or an ``Authorization`` header.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None = None,
        api_key_env: str | None = None,
        timeout: Timeout | float = Timeout(),
        max_retries: int = 2,
        rate_limit: RateLimit | Limiter | None = RateLimit(),  # noqa: B008 - frozen
        session: aiohttp.ClientSession | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 64,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        path_params: Mapping[str, str | int] | None = None,
        rng: random.Random | None = None,
        strict: bool = False,
    ) -> None:
        if not isinstance(base_url, str):
            raise errors.ValidationError(
                "base_url", f"must be a string, got {type(base_url).__name__}"
            )
        try:
            parts = urlsplit(base_url)
            parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
        except ValueError as exc:
            raise errors.ValidationError("base_url", f"is not a valid URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.ValidationError("base_url", "must be an http(s) URL with a host")
        if parts.query or parts.fragment:
            raise errors.ValidationError("base_url", "must not have a query or fragment")
        if api_key is not None and not isinstance(api_key, str):
            raise errors.ValidationError(
                "api_key", f"must be a string, got {type(api_key).__name__}"
            )
        if api_key is not None and parts.scheme == "http" and not is_loopback(parts.hostname):
            raise errors.ValidationError(
                "base_url",
                "must use https: the API key is only sent over plain http to localhost or a "
                "loopback address",
            )
        if isinstance(timeout, int | float) and not isinstance(timeout, bool):
            if not timeout > 0:
                raise errors.ValidationError(
                    "timeout", f"must be a positive number of seconds, got {timeout!r}"
                )
            # A bare number bounds each attempt as a whole and its connecting alike (httpx's rule).
            timeout = Timeout(connect=timeout, total=timeout)
        if not isinstance(timeout, Timeout):
            raise errors.ValidationError(
                "timeout", "must be a number of seconds or a storeflow.Timeout"
            )
        retry = RetryPolicy(max_retries=max_retries)  # checks max_retries
        if (
            isinstance(max_connections, bool)
            or not isinstance(max_connections, int)
            or max_connections < 1
        ):
            raise errors.ValidationError(
                "max_connections", f"must be an integer >= 1, got {max_connections!r}"
            )
        if (
            isinstance(max_response_size, bool)
            or not isinstance(max_response_size, int)
            or max_response_size < 1
        ):
            raise errors.ValidationError(
                "max_response_size", f"must be an integer >= 1 (bytes), got {max_response_size!r}"
            )
        extra = _check_headers(headers)
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise errors.ValidationError(
                "session", f"must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        if not (rate_limit is None or isinstance(rate_limit, RateLimit | Limiter)):
            raise errors.ValidationError(
                "rate_limit", "must be a storeflow.RateLimit, a limiter with acquire(), or None"
            )

        self.base_url: Final = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._api_key = api_key
        self._key_forms = (
            re.compile("|".join(map(re.escape, _key_forms(api_key))), re.IGNORECASE)
            if api_key
            else None
        )
        self._authorization = (
            None if api_key is None else _Masked(f"Bearer {api_key}", f"Bearer {mask_key(api_key)}")
        )
        self._api_key_env = api_key_env
        self.max_response_size: Final = max_response_size
        self.timeout: Final = timeout
        self._client_timeout = timeout.to_aiohttp()
        self.retry: Final = retry
        """The retry policy of every call that does not pass its own."""
        self.limiter: Final[Limiter | None] = (
            # Keyed by the endpoint (scheme, host, port): each has its own budget (the sandbox
            # serves the two APIs on two ports of one loopback host), however it is spelled.
            limiter_for(_endpoint(self._origin), rate_limit)
            if isinstance(rate_limit, RateLimit)
            else rate_limit
        )
        self.max_wait: float | None = (
            check_max_wait(rate_limit.max_wait) if isinstance(rate_limit, RateLimit) else None
        )
        """The longest a request waits for a limiter slot (``RateLimit.max_wait``)."""
        self._headers: dict[str, str] = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            **extra,
        }
        self._path_params = dict(path_params or {})
        self._rng = rng or random.Random()
        self.strict: Final = bool(strict)

        self._session = session
        self._owns_session = session is None
        if session is not None and session.connector is not None:
            # Fewer permits than pooled connections keep the semaphore-before-slot rule true.
            # Every request goes to one host, so the per-host limit caps them too (0: none).
            connector = session.connector
            caps = [n for n in (connector.limit, connector.limit_per_host) if n]
            max_connections = min([max_connections, *caps])
        self.max_connections: Final = max_connections
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.stats: Final = TransportStats()
        """What this transport has sent so far (see :class:`TransportStats`)."""

    @property
    def has_api_key(self) -> bool:
        """Whether an API key is configured."""
        return self._api_key is not None

    @property
    def masked_api_key(self) -> str | None:
        """The API key in a form safe to show (see :func:`mask_key`), or ``None``."""
        return mask_key(self._api_key)

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has been called."""
        return self._closed

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r}, api_key={self.masked_api_key!r})"

    async def aclose(self) -> None:
        """Close the session if this transport created it; further requests are refused.

        Safe to call more than once. A caller-owned session is left open.
        """
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    def _open(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        """The session and semaphore of the running loop, created on first use."""
        if self._closed:
            raise RuntimeError("the client is closed")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._slots = asyncio.Semaphore(self.max_connections)
        elif self._loop is not loop:
            raise RuntimeError(
                "this client belongs to another event loop: create one client per event loop"
            )
        if self._session is None:
            trace = aiohttp.TraceConfig()
            trace.on_request_headers_sent.append(self._headers_sent)
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections),
                timeout=self._client_timeout,
                trace_configs=[trace],
            )
            if "_retry_connection" in aiohttp.ClientSession.ATTRS:
                # aiohttp silently resends an idempotent request once when a connection drops;
                # that extra request would bypass the limiter and the retry policy here.
                session._retry_connection = False
            self._session = session
        assert self._slots is not None
        return self._session, self._slots

    async def _headers_sent(
        self, _session: aiohttp.ClientSession, context: Any, _params: object
    ) -> None:
        """aiohttp's hook once a request's headers are written: the moment it really left.

        An event-loop stall between the limiter's admission and this moment (a new connection
        being opened) would make the request reach the server later than its slot; the shared
        limiter then holds everyone back (see :meth:`~storeflow.ratelimit.EndpointLimiter.sent`).
        """
        admitted_at = context.trace_request_ctx
        if isinstance(admitted_at, float) and isinstance(self.limiter, EndpointLimiter):
            self.limiter.sent(admitted_at)

    async def call(
        self,
        op: Operation,
        *,
        path_params: Mapping[str, str | int] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """Send operation ``op`` and return its successful response.

        ``path_params`` fill the ``{placeholders}`` of ``op.path`` (URL-quoted; the transport's
        defaults, e.g. Reflow's ``projectId``, fill the rest); ``params`` become the query (see
        :func:`encode_query`); ``json`` (plain data or a model) becomes the body, written by
        ``_serde.dumps`` so ``Decimal`` amounts stay exact.

        Each attempt takes a concurrency permit, then a limiter slot. Failures are retried as
        ``retry`` (default :attr:`retry`, from the client's ``max_retries``; see
        :class:`RetryPolicy`) says, with full-jitter exponential backoff; a 429 waits the pause
        the server asked for, through the shared limiter when it can pause. A non-idempotent
        request is never sent twice. A ``Retry-After`` of more than two minutes is not waited
        out: the error is raised at once, with the ``retry_after`` the server asked for.

        Raises:
            ValidationError: ``op`` needs the API key and none is set; a path parameter is
                missing or empty; a query or body value cannot be encoded.
            APIError: (a subclass per status) the final answer was an error status, a
                redirect to another origin, or too many redirects.
            ConnectionError: the connection failed or dropped on the final attempt.
            TimeoutError: the final attempt timed out.
            RuntimeError: the transport is closed, or used from another event loop.
        """
        if op.auth == "required" and self._api_key is None:
            where = f" or set {self._api_key_env}" if self._api_key_env else ""
            raise errors.ValidationError(
                "api_key", f"{op.method} {op.path} needs an API key: pass api_key{where}"
            )
        path = self._expand(op.path, path_params)
        return await self._send(
            op.method,
            path,
            params=params,
            json=json,
            idempotent=op.idempotent,
            auth=op.auth != "none",
            retry=retry or self.retry,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Response:
        """Send ``method`` ``path`` (relative to the base URL, starting with ``/``).

        The same policy as :meth:`call`, for requests no :class:`Operation` describes. The key
        is sent when set. ``idempotent`` defaults to whether ``method`` is GET, HEAD, OPTIONS,
        DELETE or PUT.

        Raises:
            ValidationError: ``method`` is not a method name; ``path`` is not a string starting
                with ``/`` or has a ``.``/``..`` segment; ``params`` is not a mapping; a value
                cannot be encoded.
            APIError, ConnectionError, TimeoutError, RuntimeError: as :meth:`call`.
        """
        if not isinstance(method, str) or not _METHOD.fullmatch(method):
            raise errors.ValidationError("method", f"must be an HTTP method name, got {method!r}")
        method = method.upper()
        path = _check_path(path)
        if params is not None and not isinstance(params, Mapping):
            raise errors.ValidationError(
                "params", f"must be a mapping of names to values, got {type(params).__name__}"
            )
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        return await self._send(
            method,
            path,
            params=params,
            json=json,
            idempotent=idempotent,
            auth=True,
            retry=self.retry,
        )

    def _expand(self, template: str, path_params: Mapping[str, str | int] | None) -> str:
        values = {**self._path_params, **(path_params or {})}

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise errors.ValidationError(name, "is required")
            text = str(values[name])
            if text in ("", ".", ".."):
                raise errors.ValidationError(name, "must not be empty, '.' or '..'")
            return quote(text, safe="")

        return _PLACEHOLDER.sub(fill, template)

    def _encode_body(self, json: Any) -> bytes:
        try:
            return _serde.dumps(json)
        except TypeError as exc:
            problem = str(exc)
        # Name the top-level field that cannot be encoded (``page``, not ``json``), if any: a
        # model's by its attribute name, which is the caller's argument name.
        fields: Iterable[tuple[Any, Any]] = ()
        if attrs.has(type(json)):
            fields = ((f.name, getattr(json, f.name)) for f in attrs.fields(type(json)))
        elif isinstance(json, Mapping):
            fields = json.items()
        for name, value in fields:
            try:
                _serde.dumps(value)
            except TypeError as exc:
                raise errors.ValidationError(str(name), f"cannot be sent: {exc}") from None
        raise errors.ValidationError("json", problem)

    def backoff(self, retry: int) -> float:
        """The pause before retry number ``retry`` (from 0), in seconds.

        Full jitter: uniform in ``[0, min(8, 0.5 * 2**retry)]``.
        """
        return self._rng.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**retry))

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        idempotent: bool,
        auth: bool,
        retry: RetryPolicy,
    ) -> Response:
        query = encode_query(params)
        body = None if json is None else self._encode_body(json)
        session, slots = self._open()
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        if auth and self._authorization is not None:
            headers["Authorization"] = self._authorization
        # Query values help debugging and never hold the key (it travels in a header); the
        # redaction is for a caller who put it in a parameter anyway.
        shown_query = "&".join(f"{name}={value}" for name, value in query)
        log_path = path + ("?" + self.redact(shown_query) if query else "")

        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1:
                self.stats.retries += 1
            async with slots:
                outcome = await self._attempt(
                    session, method, path, query, body, headers, log_path, attempt
                )
            retries_left = retry.allows(attempt)
            if isinstance(outcome, _Failure):
                unsent = outcome.error.unsent
                if (
                    retry.allows(attempt, unsent=unsent)
                    and outcome.retryable
                    and (unsent or idempotent)
                ):
                    await asyncio.sleep(self.backoff(attempt - 1))
                    continue
                raise outcome.error
            if 200 <= outcome.status < 300:
                response = Response(
                    status=outcome.status,
                    headers=outcome.headers,
                    body=outcome.body,
                    method=method,
                    path=path,
                    elapsed=loop.time() - started,
                    attempts=attempt,
                    strict=self.strict,
                    redact=self.redact,
                )
                if retry.unreadable and idempotent and retries_left:
                    try:
                        response.json()  # parsed once: the caller gets this value
                    except errors.DecodeError:
                        await asyncio.sleep(self.backoff(attempt - 1))
                        continue
                return response
            retry_after = _retry_after(outcome.headers)
            waitable = retry_after is None or retry_after <= MAX_RETRY_AFTER
            delay = self.backoff(attempt - 1) if retry_after is None else retry_after
            if outcome.status == 429 and waitable:
                # Pause the shared limiter even on the last attempt: every other request to this
                # host would be refused too until the server's window turns.
                limiter = self.limiter
                if isinstance(limiter, PausableLimiter):
                    limiter.pause(delay)
                if retries_left:
                    # The server refused the request, so resending is safe for any operation.
                    if not isinstance(limiter, PausableLimiter):
                        await asyncio.sleep(delay)
                    continue
            elif outcome.status in retry.statuses and idempotent and retries_left and waitable:
                await asyncio.sleep(delay)
                continue
            raise self._api_error(outcome, method, path, retry_after)

    def _api_error(
        self, reply: _Reply, method: str, path: str, retry_after: float | None
    ) -> errors.APIError:
        if reply.status in _REDIRECT_STATUSES:
            has_location = "Location" in reply.headers
            message = "too many redirects" if has_location else "redirect without a Location"
        else:
            message = self.redact(_error_message(reply))
        return errors.api_error(
            reply.status,
            message,
            method=method,
            path=path,
            body=self.redact(_text(reply.body)) if reply.body else None,
            request_id=self._request_id(reply.headers),
            retry_after=retry_after,
            # An error travels far (logs, pickles): mask the key should a header echo it.
            headers={name: self.redact(value) for name, value in reply.headers.items()},
        )

    def _request_id(self, headers: Mapping[str, str]) -> str | None:
        """The response's request id, masked: a server may build it from the request's headers."""
        value = request_id(headers)
        return None if value is None else self.redact(value)

    def redact(self, text: str) -> str:
        """``text`` with the API key masked in every form a server may echo it in.

        Raw, JSON-escaped (``\\"``, ``\\u00e9``, ``\\/``), percent-encoded (either case of hex,
        ``+`` for spaces) and HTML-escaped; the mask is :func:`mask_key`'s. Text without a key
        comes back unchanged.
        """
        if self._key_forms is None:
            return text
        return self._key_forms.sub(mask_key(self._api_key) or "…", text)

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        body: bytes | None,
        headers: dict[str, str],
        log_path: str,
        attempt: int,
    ) -> _Reply | _Failure:
        """One attempt: exchanges with the server, following same-origin redirects."""
        url = self.base_url + path
        for hop in range(_MAX_REDIRECTS + 1):
            admitted_at = None
            if self.limiter is not None:
                await acquire(self.limiter, self.max_wait, method=method, path=path)
                admitted_at = asyncio.get_running_loop().time()
            outcome = await self._exchange(
                session, method, url, query, body, headers, path, log_path, attempt, admitted_at
            )
            if (
                isinstance(outcome, _Failure)
                or outcome.status not in _REDIRECT_STATUSES
                or "Location" not in outcome.headers
                or hop == _MAX_REDIRECTS
            ):
                return outcome
            target = urljoin(url, outcome.headers["Location"])
            if _origin(target) != self._origin:
                scheme, host, port = _origin(target)
                # Following would hand the API key to another host; refuse instead.
                raise errors.api_error(
                    outcome.status,
                    f"refused to follow a redirect to another origin ({scheme}://{host}:{port})",
                    method=method,
                    path=path,
                )
            if (outcome.status == 303 and method != "HEAD") or (
                outcome.status in (301, 302) and method == "POST"
            ):
                method, body = "GET", None
                headers = {k: v for k, v in headers.items() if k != "Content-Type"}
            url, query = target, []
            log_path = urlsplit(target).path
        raise AssertionError("unreachable: the last hop always returns")

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        query: list[tuple[str, str]],
        body: bytes | None,
        headers: dict[str, str],
        path: str,
        log_path: str,
        attempt: int,
        admitted_at: float | None,
    ) -> _Reply | _Failure:
        """One HTTP request and its whole response; failures come back as :class:`_Failure`.

        ``admitted_at`` (the loop time the limiter admitted it) goes to :meth:`_headers_sent`,
        which tells the limiter when the request really left.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.stats.requests += 1
        ticket = self.stats.requests
        self.stats.outstanding[ticket] = (started, attempt)
        try:
            async with session.request(
                method,
                url,
                params=query,
                data=body,
                headers=headers,
                timeout=self._client_timeout,
                allow_redirects=False,
                raise_for_status=False,
                trace_request_ctx=admitted_at,
            ) as resp:
                body_read = await self._read_body(resp)
                if body_read is None:
                    resp.close()  # drop the connection rather than read the rest
            outcome: _Reply | _Failure
            if body_read is None:
                limit = self.max_response_size
                outcome = _Failure(
                    errors.ResponseTooLargeError(
                        f"the response body is larger than max_response_size ({limit} bytes)",
                        method=method,
                        path=path,
                        limit=limit,
                    ),
                    retryable=False,
                )
            else:
                outcome = _Reply(
                    status=resp.status, reason=resp.reason, headers=resp.headers, body=body_read
                )
            shown = str(resp.status)
            if resp.status == 429:
                self.stats.rate_limited += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            outcome = _classify(exc, method, path, self.redact)
            shown = type(exc).__name__
        finally:
            del self.stats.outstanding[ticket]
        elapsed_ms = (loop.time() - started) * 1000
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d)", method, log_path, shown, elapsed_ms, attempt
        )
        return outcome

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes | None:
        """The whole body of ``resp``, or ``None`` once it exceeds ``max_response_size``
        (announced by ``Content-Length`` or counted while reading, after decompression)."""
        limit = self.max_response_size
        if resp.content_length is not None and resp.content_length > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
