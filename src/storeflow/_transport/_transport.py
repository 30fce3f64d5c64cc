"""The :class:`Transport`: one session, one limiter, one retry policy for a client.

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
import logging
import random
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote, urljoin

import aiohttp

from storeflow import errors
from storeflow._config import ApiProfile, ClientOptions, Timeout
from storeflow._operation import Operation
from storeflow._transport._errors import Failure, api_error, classify
from storeflow._transport._origin import check_base_url, endpoint, origin
from storeflow._transport._query import encode_query
from storeflow._transport._redact import Masked, key_anchor, key_pattern, mask_key
from storeflow._transport._request import (
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    USER_AGENT,
    Request,
    check_method,
    check_path,
    encode_body,
)
from storeflow._transport._response import Reply, Response, record
from storeflow._transport._retry import (
    IDEMPOTENT_METHODS,
    MAX_RETRY_AFTER,
    RetryPolicy,
    backoff,
    retry_after,
)
from storeflow._transport._stats import TransportStats
from storeflow.ratelimit import (
    EndpointLimiter,
    Limiter,
    PausableLimiter,
    RateLimit,
    acquire,
    check_max_wait,
    limiter_for,
)

__all__ = ["Session", "Transport", "client_timeout"]

Session = aiohttp.ClientSession
"""The HTTP session type a caller may pass as a client's ``session``."""

logger: Final = logging.getLogger("storeflow")

_CHUNK: Final = 64 * 1024
_PLACEHOLDER: Final = re.compile(r"\{([^{}]+)\}")


def client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    """The part of ``timeout`` aiohttp enforces: ``connect``.

    The transport bounds each attempt by ``timeout.total`` itself, with :func:`asyncio.timeout`.
    aiohttp's own total timer is entered twice per request (around the request and around
    reading the response head) and undoes its cancellation twice: a task cancelled just as
    that timer fires would get a ``TimeoutError`` instead of its ``CancelledError``.
    """
    return aiohttp.ClientTimeout(connect=timeout.connect)


class Transport:
    """Sends requests for one client: one session, one limiter, one retry policy.

    Construction does no I/O and needs no event loop. The aiohttp session is created inside the
    running loop on the first request, and the transport then belongs to that loop. A
    caller-owned ``options.session`` is used as it is and never closed; :meth:`aclose` closes an
    owned one.

    Arguments (all validated here or by :class:`~storeflow._config.ClientOptions`, before
    anything is sent):

    - ``base_url``: ``https://host[/prefix]``; plain ``http`` only to a loopback host when an
      ``api_key`` is set, so the key never crosses a network in clear text.
    - ``api_key``: sent as ``Authorization: Bearer <key>`` to operations that need or accept it
      (read from ``api.key_env`` when ``None``).
    - ``api``: the API's :class:`~storeflow._config.ApiProfile`: key variable and prefix, error
      dialect.
    - ``options``: the :class:`~storeflow._config.ClientOptions` (timeout, retries, limiter,
      session, headers, connections, response cap, strictness). ``rate_limit`` is a
      :class:`~storeflow.ratelimit.RateLimit` (the process-wide limiter for the base URL's host
      and port at that rate), any :class:`~storeflow.ratelimit.Limiter` (used as is), or
      ``None`` (no limiter).
    - ``path_params``: defaults for path placeholders (Reflow's ``projectId``).
    - ``rng``: the source of backoff jitter (tests pass a predictable one).

    Raises:
        ValidationError: a malformed ``base_url``, plain http to a non-loopback host with a key,
            a key that is not a string, or a ``session`` that is not an aiohttp session.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None = None,
        api: ApiProfile = ApiProfile(),  # noqa: B008 - frozen
        options: ClientOptions = ClientOptions(),  # noqa: B008 - frozen
        path_params: Mapping[str, str | int] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        api_key = api.api_key(api_key)
        self.base_url: Final = check_base_url(base_url, with_key=api_key is not None)
        session = options.session
        if session is not None and not isinstance(session, Session):
            raise errors.ValidationError(
                "session", f"must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        self.api: Final = api
        self._origin = origin(self.base_url)
        self._api_key = api_key
        self._key_forms = key_pattern(api_key)
        self._key_anchor = key_anchor(api_key)
        self._authorization = (
            None
            if api_key is None
            else Masked(f"Bearer {api_key}", f"Bearer {mask_key(api_key, api.key_prefix)}")
        )
        self._configure(options)
        self.max_response_size: Final = options.max_response_size
        rate_limit = options.rate_limit
        self.limiter: Final[Limiter | None] = (
            # Keyed by the endpoint (scheme, host, port): each has its own budget (the sandbox
            # serves the two APIs on two ports of one loopback host), however it is spelled.
            limiter_for(endpoint(self._origin), rate_limit)
            if isinstance(rate_limit, RateLimit)
            else rate_limit
        )
        self.max_wait: float | None = (
            check_max_wait(rate_limit.max_wait) if isinstance(rate_limit, RateLimit) else None
        )
        """The longest a request waits for a limiter slot (``RateLimit.max_wait``)."""
        self._path_params = dict(path_params or {})
        self._rng = rng or random.Random()
        self.strict: Final = options.strict

        self._session = session
        self._owns_session = session is None
        max_connections = options.max_connections
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

    def _configure(self, options: ClientOptions) -> None:
        """Take the per-call options (timeout, retries, headers) from ``options``: a view of
        the transport (``with_options``) sets them again on its copy."""
        self.options = options
        """The options this transport was built (or, for a view, derived) with."""
        self.timeout = options.timeout
        self._client_timeout = client_timeout(options.timeout)
        self.retry = RetryPolicy(max_retries=options.max_retries)
        """The retry policy of every call that does not pass its own."""
        self._headers: dict[str, str] = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            **options.headers,
        }

    @property
    def has_api_key(self) -> bool:
        """Whether an API key is configured."""
        return self._api_key is not None

    @property
    def masked_api_key(self) -> str | None:
        """The API key in a form safe to show (see :func:`mask_key`), or ``None``."""
        return mask_key(self._api_key, self.api.key_prefix)

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

    def _open(self) -> tuple[Session, asyncio.Semaphore]:
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
            where = f" or set {self.api.key_env}" if self.api.key_env else ""
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
        method = check_method(method)
        path = check_path(path)
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

    def backoff(self, retry: int) -> float:
        """The pause before retry number ``retry`` (from 0), in seconds.

        Full jitter: uniform in ``[0, min(8, 0.5 * 2**retry)]``.
        """
        return backoff(self._rng, retry)

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
        body = None if json is None else encode_body(json)
        session, slots = self._open()
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        if auth and self._authorization is not None:
            headers["Authorization"] = self._authorization
        # Query values help debugging and never hold the key (it travels in a header); the
        # redaction is for a caller who put it in a parameter anyway.
        shown_query = "&".join(f"{name}={value}" for name, value in query)
        request = Request(
            method=method,
            path=path,
            url=self.base_url + path,
            query=query,
            body=body,
            headers=headers,
            log_path=path + ("?" + self.redact(shown_query) if query else ""),
            idempotent=idempotent,
        )

        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1:
                self.stats.retries += 1
            async with slots:
                outcome = await self._attempt(session, request, attempt)
            retries_left = retry.allows(attempt)
            if isinstance(outcome, Failure):
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
                record(response)
                return response
            pause = retry_after(outcome.headers)
            waitable = pause is None or pause <= MAX_RETRY_AFTER
            delay = self.backoff(attempt - 1) if pause is None else pause
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
            raise api_error(
                outcome,
                method,
                path,
                retry_after=pause,
                dialect=self.api.errors,
                redact=self.redact,
            )

    def redact(self, text: str) -> str:
        """``text`` with the API key masked in every form a server may echo it in.

        Raw, JSON-escaped (``\\"``, ``\\u00e9``, ``\\/``), percent-encoded (either case of hex,
        ``+`` for spaces) and HTML-escaped; the mask is :func:`mask_key`'s. Text without a key
        comes back unchanged.
        """
        if self._key_forms is None:
            return text
        # The case-insensitive search costs about 3 µs per kilobyte. In ASCII text it can only
        # match where the lowercased text holds the anchor, which a plain search rules out in a
        # fraction of that (outside ASCII, case folding has more pairs: always search).
        anchor = self._key_anchor
        if anchor is not None and text.isascii() and anchor not in text.lower():
            return text
        return self._key_forms.sub(self.masked_api_key or "…", text)

    async def _attempt(self, session: Session, request: Request, attempt: int) -> Reply | Failure:
        """One attempt: exchanges with the server, following same-origin redirects."""
        for hop in range(MAX_REDIRECTS + 1):
            admitted_at = None
            if self.limiter is not None:
                await acquire(self.limiter, self.max_wait, method=request.method, path=request.path)
                admitted_at = asyncio.get_running_loop().time()
            outcome = await self._exchange(session, request, attempt, admitted_at)
            if (
                isinstance(outcome, Failure)
                or outcome.status not in REDIRECT_STATUSES
                or "Location" not in outcome.headers
                or hop == MAX_REDIRECTS
            ):
                return outcome
            target = urljoin(request.url, outcome.headers["Location"])
            if origin(target) != self._origin:
                scheme, host, port = origin(target)
                # Following would hand the API key to another host; refuse instead.
                raise errors.api_error(
                    outcome.status,
                    f"refused to follow a redirect to another origin ({scheme}://{host}:{port})",
                    method=request.method,
                    path=request.path,
                )
            request = request.redirected(outcome.status, target)
        raise AssertionError("unreachable: the last hop always returns")

    async def _exchange(
        self, session: Session, request: Request, attempt: int, admitted_at: float | None
    ) -> Reply | Failure:
        """One HTTP request and its whole response; failures come back as :class:`Failure`.

        ``admitted_at`` (the loop time the limiter admitted it) goes to :meth:`_headers_sent`,
        which tells the limiter when the request really left.
        """
        method, path = request.method, request.path
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.stats.requests += 1
        ticket = self.stats.requests
        self.stats.outstanding[ticket] = (started, attempt)
        try:
            async with (
                asyncio.timeout(self.timeout.total),
                session.request(
                    method,
                    request.url,
                    params=request.query,
                    data=request.body,
                    headers=request.headers,
                    timeout=self._client_timeout,
                    allow_redirects=False,
                    raise_for_status=False,
                    trace_request_ctx=admitted_at,
                ) as resp,
            ):
                body_read = await self._read_body(resp)
                if body_read is None:
                    resp.close()  # drop the connection rather than read the rest
            outcome: Reply | Failure
            if body_read is None:
                limit = self.max_response_size
                outcome = Failure(
                    errors.ResponseTooLargeError(
                        f"the response body is larger than max_response_size ({limit} bytes)",
                        method=method,
                        path=path,
                        limit=limit,
                    ),
                    retryable=False,
                )
            else:
                outcome = Reply(
                    status=resp.status, reason=resp.reason, headers=resp.headers, body=body_read
                )
            shown = str(resp.status)
            if resp.status == 429:
                self.stats.rate_limited += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            outcome = classify(exc, method, path, self.redact)
            shown = type(exc).__name__
        finally:
            del self.stats.outstanding[ticket]
        elapsed_ms = (loop.time() - started) * 1000
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d)",
            method,
            request.log_path,
            shown,
            elapsed_ms,
            attempt,
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
