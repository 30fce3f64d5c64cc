"""What both API clients share: the transport, the context manager, the escape hatch."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from storeflow._transport import Transport

__all__ = ["BaseClient"]


class BaseClient:
    """The shared half of :class:`~storeflow.Pocketsflow` and :class:`~storeflow.Reflow`.

    Holds the :class:`~storeflow._transport.Transport` that every resource sends through; each
    client builds it from its own arguments and attaches its resources to it. Use the client as
    an async context manager (``async with Pocketsflow() as pf:``), or call :meth:`aclose` when
    done; constructing one does no I/O and needs no running event loop.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @property
    def base_url(self) -> str:
        """The API's base URL, without a trailing slash."""
        return self._transport.base_url

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
        fields = ", ".join(f"{name}={value!r}" for name, value in self._repr_fields().items())
        return f"{type(self).__name__}({fields})"
