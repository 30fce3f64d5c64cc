"""Raw responses: ``client.with_raw_response.orders.list()`` gives the parsed model together
with the HTTP response it came from (status, headers, request id), in openai-python's style.

Every response the transport returns is recorded for a raw call collecting in the current
context (:func:`storeflow._transport.collecting`). The proxies here run the ordinary method
inside such a block, so no method needs a raw twin.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from storeflow._transport import Response, collecting

__all__ = ["RawProxy", "RawResponse"]

T = TypeVar("T")


@attrs.frozen
class RawResponse(Generic[T]):
    """A typed method's result with the HTTP response behind it.

    ``status``, ``headers``, ``request_id`` (the server's ``x-request-id``), ``elapsed`` and
    ``attempts`` describe the response; :meth:`parse` returns what the method returns.
    ``http_response`` is the whole :class:`~storeflow._transport.Response` (its ``body`` too).
    """

    http_response: Response = attrs.field(repr=False)
    _parsed: T = attrs.field(repr=False, alias="parsed")
    status: int = attrs.field(init=False)
    """The HTTP status (2xx: errors are raised, with their headers, as :class:`APIError`)."""
    headers: Mapping[str, str] = attrs.field(init=False, repr=False)
    """The response headers (case-insensitive)."""
    request_id: str | None = attrs.field(init=False)
    """The server's id for the request, when it sent one."""
    elapsed: float = attrs.field(init=False, repr=False)
    """Seconds the call took, every attempt and wait included."""
    attempts: int = attrs.field(init=False, repr=False)
    """Attempts made (1 when the first one succeeded)."""

    def __attrs_post_init__(self) -> None:
        # The fields not given are the response's own, read once under the same names.
        for field in attrs.fields(type(self)):
            if not field.init:
                object.__setattr__(self, field.name, getattr(self.http_response, field.name))

    def parse(self) -> T:
        """What the typed method returns: the model, page or list."""
        return self._parsed


class RawProxy:
    """Stands for a client or resource; its methods return :class:`RawResponse` objects.

    Attributes that are resources come back as proxies too; ``iter()`` (which walks many pages,
    so has no one response) is refused with a ``TypeError``.
    """

    def __init__(self, target: object) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        from storeflow._resource import Resource

        attribute = getattr(self._target, name)
        if isinstance(attribute, Resource):
            return RawProxy(attribute)
        if not inspect.iscoroutinefunction(attribute):
            raise TypeError(
                f"{name} has no single response: with_raw_response covers the methods that "
                "send one request (list, get, create, ...)"
            )
        return _raw_method(attribute)

    def __repr__(self) -> str:
        return f"RawProxy({self._target!r})"


def _raw_method(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[RawResponse[T]]]:
    async def call(*args: Any, **kwargs: Any) -> RawResponse[T]:
        with collecting() as responses:
            parsed = await method(*args, **kwargs)
        return RawResponse(http_response=responses[-1], parsed=parsed)

    call.__name__ = getattr(method, "__name__", "call")
    call.__doc__ = method.__doc__
    return call
