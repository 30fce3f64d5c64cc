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
import ipaddress
import logging
import math
import random
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import Enum
from http import HTTPStatus
from typing import Any, Final, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
import attrs

from storeflow import _serde, errors
from storeflow._operation import Operation
from storeflow._version import __version__
from storeflow.ratelimit import (
    Limiter,
    PausableLimiter,
    RateLimit,
    acquire,
    check_max_wait,
    limiter_for,
)

__all__ = [
    "MAX_RETRY_AFTER",
    "Response",
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

_RETRY_STATUSES: Final = frozenset({502, 503, 504})
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS: Final = 3
_BACKOFF_BASE: Final = 0.5
_BACKOFF_CAP: Final = 8.0
#: A 429 asking for a longer pause than this is not waited out: the caller gets the
#: RateLimitError (with ``retry_after``) at once rather than a call that hangs for an hour.
MAX_RETRY_AFTER: Final = 120.0
_MESSAGE_LIMIT: Final = 200
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
    _redact: Callable[[str], str] = attrs.field(default=str, repr=False, eq=False, alias="redact")
    """Masks the API key in text from the body, for the errors :meth:`json` and :meth:`decode`
    raise (a server may echo the request's headers); leaves text unchanged by default."""

    def json(self) -> Any:
        """The body parsed as JSON; ``None`` for an empty body.

        Raises:
            DecodeError: the body is not JSON (an HTML page, a truncated document), with the
                request's method, path and status and an excerpt of the body.
        """
        return self._parse(_serde.loads) if self.body else None

    def decode(self, cls: type[T]) -> T:
        """The body decoded into ``cls`` (a model, or e.g. ``list[Model]``).

        Raises:
            DecodeError: the body is not JSON or does not match ``cls``; it names the model and
                field when known and carries the request's method, path and status.
        """
        return self._parse(lambda body: _serde.decode(body, cls))

    @property
    def request_id(self) -> str | None:
        """The server's id for the request (``x-request-id`` or ``request-id``), if it sent one."""
        return request_id(self.headers)

    def _parse(self, parse: Callable[[bytes], T]) -> T:
        try:
            return parse(self.body)
        except errors.DecodeError as exc:
            failure = exc
        # Raised outside the except clause, so an error that must not chain `failure` does not
        # carry it as its context either.
        text = _text(self.body)
        body = self._redact(text)
        if body == text:
            message, cause = str(failure), failure
        else:
            # The body quotes the API key, and so may the parser's words (a value cut short) and
            # the exceptions they chain: keep only where decoding failed.
            where = ".".join(filter(None, (failure.model, failure.field))) or "the body"
            message, cause = f"{where}: cannot be decoded (the body quotes the API key)", None
        raise errors.DecodeError(
            message,
            model=failure.model,
            field=failure.field,
            method=self.method,
            path=self.path,
            status=self.status,
            body=body,
        ) from cause


@attrs.frozen
class _Reply:
    """What one attempt got back: any status, body read in full."""

    status: int
    reason: str | None
    headers: Mapping[str, str]
    body: bytes


@attrs.frozen
class _Failure:
    """An attempt that got no usable response.

    ``unsent`` is true when nothing can have reached the server (connecting failed), which makes
    the attempt safe to repeat for any operation; ``retryable`` is false for failures that a
    repeat cannot fix (a TLS certificate refused).
    """

    error: errors.TransportError
    cause: BaseException
    unsent: bool
    retryable: bool = True


def request_id(headers: Mapping[str, str]) -> str | None:
    """The request id a server put in ``headers`` (``x-request-id`` or ``request-id``)."""
    return headers.get("x-request-id") or headers.get("request-id")


def mask_key(key: str | None) -> str | None:
    """A form of ``key`` safe to show: its ``pk_test_``/``pk_live_`` prefix and last 4 characters.

    Short keys (under 16 characters) show nothing but ``…``.
    """
    if key is None:
        return None
    match = _POCKETSFLOW_KEY_PREFIX.match(key)
    prefix = match.group(0) if match else ""
    tail = key[-4:] if len(key) - len(prefix) >= 16 else ""
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


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _error_message(reply: _Reply) -> str:
    """The server's own words for an error: ``message`` or ``error`` from a JSON body.

    Falls back to the first line of a plain-text body, then to the reason phrase (for HTML
    pages and empty or unparseable bodies).
    """
    try:
        data = _serde.loads(reply.body) if reply.body else None
    except errors.DecodeError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value:
                details = data.get("errors")
                if isinstance(details, dict) and details:
                    value += " (" + "; ".join(_field_errors(details)) + ")"
                return errors.excerpt(value, _MESSAGE_LIMIT)
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


def _classify(exc: BaseException, method: str, path: str) -> _Failure:
    """Map an aiohttp or timeout exception from one attempt to a storeflow error."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return _Failure(
            errors.TimeoutError("timed out connecting", method=method, path=path),
            exc,
            unsent=True,
        )
    if isinstance(exc, aiohttp.ClientSSLError):
        return _Failure(
            errors.ConnectionError(f"TLS failed: {exc}", method=method, path=path),
            exc,
            unsent=True,
            retryable=False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _Failure(
            errors.ConnectionError(f"could not connect: {exc}", method=method, path=path),
            exc,
            unsent=True,
        )
    if isinstance(exc, TimeoutError):
        return _Failure(
            errors.TimeoutError("timed out waiting for the response", method=method, path=path),
            exc,
            unsent=False,
        )
    detail = str(exc) or type(exc).__name__
    return _Failure(
        errors.ConnectionError(f"connection failed: {detail}", method=method, path=path),
        exc,
        unsent=False,
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
        path_params: Mapping[str, str | int] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.ValidationError("base_url", "must be an http(s) URL with a host")
        if parts.query or parts.fragment:
            raise errors.ValidationError("base_url", "must not have a query or fragment")
        if api_key is not None and parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise errors.ValidationError(
                "base_url",
                "must use https: the API key is only sent over plain http to a loopback host",
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
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise errors.ValidationError(
                "max_retries", f"must be an integer >= 0, got {max_retries!r}"
            )
        if (
            isinstance(max_connections, bool)
            or not isinstance(max_connections, int)
            or max_connections < 1
        ):
            raise errors.ValidationError(
                "max_connections", f"must be an integer >= 1, got {max_connections!r}"
            )
        extra = dict(headers or {})
        if any(name.lower() == "authorization" for name in extra):
            raise errors.ValidationError(
                "headers", "must not set Authorization: pass the key as api_key"
            )
        if not (rate_limit is None or isinstance(rate_limit, RateLimit | Limiter)):
            raise errors.ValidationError(
                "rate_limit", "must be a storeflow.RateLimit, a limiter with acquire(), or None"
            )

        self.base_url: Final = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._api_key = api_key
        self._api_key_env = api_key_env
        self.timeout: Final = timeout
        self._client_timeout = timeout.to_aiohttp()
        self.max_retries: Final = max_retries
        self.limiter: Final[Limiter | None] = (
            # Keyed by host and port: each is one API endpoint with its own budget (the sandbox
            # serves the two APIs on two ports of one loopback host).
            limiter_for(f"{self._origin[1]}:{self._origin[2]}", rate_limit)
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
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections),
                timeout=self._client_timeout,
            )
            if "_retry_connection" in aiohttp.ClientSession.ATTRS:
                # aiohttp silently resends an idempotent request once when a connection drops;
                # that extra request would bypass the limiter and the retry policy here.
                session._retry_connection = False
            self._session = session
        assert self._slots is not None
        return self._session, self._slots

    async def call(
        self,
        op: Operation,
        *,
        path_params: Mapping[str, str | int] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Response:
        """Send operation ``op`` and return its successful response.

        ``path_params`` fill the ``{placeholders}`` of ``op.path`` (URL-quoted; the transport's
        defaults, e.g. Reflow's ``projectId``, fill the rest); ``params`` become the query (see
        :func:`encode_query`); ``json`` (plain data or a model) becomes the body, written by
        ``_serde.dumps`` so ``Decimal`` amounts stay exact.

        Each attempt takes a concurrency permit, then a limiter slot. Retried, up to
        ``max_retries`` times with full-jitter exponential backoff: a 429 (after the pause the
        server asked for, through the shared limiter when it can pause); a failure to connect;
        and, only when ``op.idempotent``, failures after the request may have reached the server
        (dropped connection, timeout, 502/503/504). So a non-idempotent request is never sent
        twice. A ``Retry-After`` of more than two minutes is not waited out: the error is raised
        at once, with the ``retry_after`` the server asked for.

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
            ValidationError: ``path`` does not start with ``/``; a value cannot be encoded.
            APIError, ConnectionError, TimeoutError, RuntimeError: as :meth:`call`.
        """
        method = method.upper()
        if not path.startswith("/"):
            raise errors.ValidationError("path", "must start with '/' (relative to base_url)")
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        return await self._send(
            method, path, params=params, json=json, idempotent=idempotent, auth=True
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
            raise errors.ValidationError("json", str(exc)) from None

    def backoff(self, retry: int) -> float:
        """The pause before retry number ``retry`` (from 0), in seconds.

        Full jitter: uniform in ``[0, min(8, 0.5 * 2**retry)]``. The export engine paces its own
        page retries with it, so both layers back off alike.
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
    ) -> Response:
        query = encode_query(params)
        body = None if json is None else self._encode_body(json)
        session, slots = self._open()
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        if auth and self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
        # Query values help debugging and never hold the key (it travels in a header); the
        # redaction is for a caller who put it in a parameter anyway.
        shown_query = "&".join(f"{name}={value}" for name, value in query)
        log_path = path + ("?" + self._redact(shown_query) if query else "")

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
            retries_left = attempt <= self.max_retries
            if isinstance(outcome, _Failure):
                if retries_left and outcome.retryable and (outcome.unsent or idempotent):
                    await asyncio.sleep(self.backoff(attempt - 1))
                    continue
                raise outcome.error from outcome.cause
            if 200 <= outcome.status < 300:
                return Response(
                    status=outcome.status,
                    headers=outcome.headers,
                    body=outcome.body,
                    method=method,
                    path=path,
                    elapsed=loop.time() - started,
                    attempts=attempt,
                    redact=self._redact,
                )
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
            elif outcome.status in _RETRY_STATUSES and idempotent and retries_left and waitable:
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
            message = self._redact(_error_message(reply))
        return errors.api_error(
            reply.status,
            message,
            method=method,
            path=path,
            body=self._redact(_text(reply.body)) if reply.body else None,
            request_id=request_id(reply.headers),
            retry_after=retry_after,
            # An error travels far (logs, pickles): mask the key should a header echo it.
            headers={name: self._redact(value) for name, value in reply.headers.items()},
        )

    def _redact(self, text: str) -> str:
        """``text`` with the API key masked: a server may echo the key it refused."""
        if self._api_key is None:
            return text
        return text.replace(self._api_key, mask_key(self._api_key) or "")

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
            if self.limiter is not None:
                await acquire(self.limiter, self.max_wait, method=method, path=path)
            outcome = await self._exchange(
                session, method, url, query, body, headers, path, log_path, attempt
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
    ) -> _Reply | _Failure:
        """One HTTP request and its whole response; failures come back as :class:`_Failure`."""
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
            ) as resp:
                body_read = await resp.read()
            outcome: _Reply | _Failure = _Reply(
                status=resp.status, reason=resp.reason, headers=resp.headers, body=body_read
            )
            shown = str(resp.status)
            if resp.status == 429:
                self.stats.rate_limited += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            outcome = _classify(exc, method, path)
            shown = type(exc).__name__
        finally:
            del self.stats.outstanding[ticket]
        elapsed_ms = (loop.time() - started) * 1000
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d)", method, log_path, shown, elapsed_ms, attempt
        )
        return outcome
