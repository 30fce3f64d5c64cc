"""What both API clients share: the transport, the context manager, the escape hatch, per-call
options and raw responses."""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import sys
from collections.abc import Mapping
from types import TracebackType
from typing import Any, ClassVar, Final, Generic, Self, TypeVar, overload

import attrs

from storeflow import _raw
from storeflow._config import ClientOptions, Timeout
from storeflow._options import UNSET, TransportView, Unset
from storeflow._transport import RetryPolicy, Transport, TransportStats
from storeflow.pagination import Listing
from storeflow.ratelimit import Limiter

__all__ = ["LOG_ENV", "BaseClient", "setup_logging"]

T = TypeVar("T")

LOG_ENV: Final = "STOREFLOW_LOG"
"""Set to ``debug`` or ``info`` to see the ``storeflow`` logger's records on stderr."""


def setup_logging() -> None:
    """Send the ``storeflow`` logger's records to stderr when ``STOREFLOW_LOG`` asks for it.

    ``debug`` shows one line per HTTP attempt (method, path with its query, status, time);
    ``info`` the less chatty records. Done once per process; anything else leaves logging to the
    application, as a library should.
    """
    level = {"debug": logging.DEBUG, "info": logging.INFO}.get(
        os.environ.get(LOG_ENV, "").strip().lower()
    )
    logger = logging.getLogger("storeflow")
    if level is None or any(getattr(h, "storeflow_env", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    handler.storeflow_env = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)


class _FromTransport(Generic[T]):
    """A read-only client attribute that is its transport's attribute ``name``, documented by
    ``doc``: the one way a client shows what its transport knows."""

    def __init__(self, name: str, doc: str) -> None:
        self._name = self._public = name
        self.__doc__ = doc

    def __set_name__(self, owner: type[Any], public: str) -> None:
        self._public = public

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, client: BaseClient, owner: type[Any]) -> T: ...
    def __get__(self, client: BaseClient | None, owner: type[Any]) -> Self | T:
        if client is None:
            return self
        value: T = getattr(client._transport, self._name)
        return value

    def __set__(self, client: BaseClient, value: object) -> None:
        raise AttributeError(f"{self._public} is read-only")


class BaseClient:
    """The shared half of :class:`~storeflow.Pocketsflow` and :class:`~storeflow.Reflow`.

    Holds the :class:`~storeflow._transport.Transport` that every resource sends through; each
    client builds it from its own arguments and attaches its resources to it. Use the client as
    an async context manager (``async with Pocketsflow() as pf:``), or call :meth:`aclose` when
    done; constructing one does no I/O and needs no running event loop.
    """

    listings: ClassVar[Mapping[str, Listing]]
    """How each list of the API is asked for and answered, by resource name (``orders`` for
    ``client.orders``), in the order an export of the whole store reads them."""

    def __init__(self, transport: Transport, *, api: str, store: str) -> None:
        setup_logging()
        self._attach(transport)
        # Only a digest of the key, if one names the store, is kept.
        identity = f"{api}\0{transport.base_url}\0{store}"
        self._store_id = hashlib.sha256(identity.encode()).hexdigest()[:12]

    @staticmethod
    def _options(arguments: Mapping[str, Any]) -> ClientOptions:
        """The :class:`~storeflow._config.ClientOptions` among a client constructor's
        ``arguments`` (its ``locals()``: the options keep their names in every client).

        Raises:
            ValidationError: an option is invalid.
        """
        return ClientOptions(**{name: arguments[name] for name in attrs.fields_dict(ClientOptions)})

    def _attach(self, transport: Transport) -> None:
        """Send through ``transport``: subclasses also build their resources on it here."""
        self._transport = transport

    def with_options(
        self,
        *,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        max_wait: float | Unset | None = UNSET,
    ) -> Self:
        """A view of this client with other options, for a call or a group of calls::

            page = await pf.with_options(timeout=5, max_retries=0).orders.list()

        The view shares this client's session, connection pool, rate limiter and stats;
        closing it (or leaving its ``async with``) closes nothing. Options not given stay as
        they are: ``timeout`` (a number or a :class:`~storeflow.Timeout`), ``max_retries``,
        ``headers`` (added to the client's), ``max_wait`` (the longest a request may wait for
        a rate-limit slot before :class:`~storeflow.RateLimitError` is raised with nothing
        sent; ``None`` for no bound).

        Raises:
            ValidationError: an option is invalid, or ``max_wait`` is given for a client whose
                limiter cannot predict its wait (one not built from a ``RateLimit``).
        """
        view = copy.copy(self)
        view._attach(
            TransportView(
                self._transport,
                timeout=timeout,
                max_retries=max_retries,
                headers=headers,
                max_wait=max_wait,
            )
        )
        return view

    @property
    def with_raw_response(self) -> Any:
        """This client's methods, returning a :class:`~storeflow.RawResponse` each::

            raw = await pf.with_raw_response.orders.list()
            raw.status, raw.headers, raw.request_id
            page = raw.parse()

        Every method that sends one request is there (``iter()`` is not: it sends many).
        """
        return _raw.RawProxy(self)

    @property
    def store_id(self) -> str:
        """A short, stable id of the store this client reads (12 hex digits), safe to show.

        A Pocketsflow store is its key (one key, one account) and a Reflow store its project,
        each at its base URL; the id is a SHA-256 digest of that, from which the key cannot be
        recovered.
        """
        return self._store_id

    stats: _FromTransport[TransportStats] = _FromTransport(
        "stats", "What this client (and every view of it) has sent so far."
    )
    timeout: _FromTransport[Timeout] = _FromTransport(
        "timeout", "The timeouts each request of this client (or view) is sent with."
    )
    retry_policy: _FromTransport[RetryPolicy] = _FromTransport(
        "retry", "When this client (or view) retries a request (from its ``max_retries``)."
    )
    limiter: _FromTransport[Limiter | None] = _FromTransport(
        "limiter", "The rate limiter every request waits for (shared by the views); ``None``: none."
    )
    has_api_key: _FromTransport[bool] = _FromTransport(
        "has_api_key", "Whether requests carry an API key (never the key itself)."
    )
    base_url: _FromTransport[str] = _FromTransport(
        "base_url", "The API's base URL, without a trailing slash."
    )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session this client created (a caller-owned one stays open).

        Safe to call more than once; the client refuses requests afterwards.
        """
        await self._transport.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send any request the typed methods lack and return its JSON body, decoded.

        ``path`` is relative to :attr:`base_url` and starts with ``/``; ``params`` become the
        query string (``None`` values dropped, booleans ``true``/``false``, lists comma-joined,
        datetimes ISO 8601); ``json`` is the body. The request goes through the same limiter,
        retries and error mapping as every other; the key is sent when one is set. GET, HEAD,
        OPTIONS, DELETE and PUT are retried after failures that may have reached the server;
        other methods only when they certainly did not. An empty body gives ``None``.

        Raises:
            ValidationError: ``path`` does not start with ``/``, or a value cannot be encoded.
            APIError: (a subclass per status) the server answered with an error status.
            ConnectionError, TimeoutError: no response, after the retries allowed.
            DecodeError: a successful response whose body is not JSON.
        """
        response = await self._transport.request(method, path, params=params, json=json)
        return response.json()

    def _repr_fields(self) -> dict[str, object]:
        return {
            "base_url": self._transport.base_url,
            "api_key": self._transport.masked_api_key,
        }

    def __repr__(self) -> str:
        if "_transport" not in vars(self):
            # A constructor that raised: a debugger or error tracker showing its frame's
            # ``self`` must not fail on the attributes it never set.
            return f"{type(self).__name__}(<not constructed>)"
        fields = ", ".join(f"{name}={value!r}" for name, value in self._repr_fields().items())
        return f"{type(self).__name__}({fields})"
