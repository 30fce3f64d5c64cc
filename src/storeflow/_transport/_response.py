"""What came back: a successful :class:`Response`, and the raw :class:`Reply` of one attempt."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs

from storeflow import _serde, errors

__all__ = ["Reply", "Response", "collecting", "record", "request_id", "text"]

T = TypeVar("T")


def text(body: bytes) -> str:
    """``body`` as text, undecodable bytes replaced: for messages and excerpts."""
    return body.decode("utf-8", "replace")


def request_id(headers: Mapping[str, str]) -> str | None:
    """The request id a server put in ``headers`` (``x-request-id`` or ``request-id``)."""
    return headers.get("x-request-id") or headers.get("request-id")


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
        body = self._redact(text(self.body))
        where = ".".join(filter(None, (failure.model, failure.field))) or "the body"
        model, field = failure.model, failure.field
        if body == text(self.body):
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
class Reply:
    """What one attempt got back: any status, body read in full.

    Its repr leaves out the headers and body, which may echo the key: a traceback that shows
    frame locals shows this too.
    """

    status: int
    reason: str | None = attrs.field(repr=False)
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)


_collected: contextvars.ContextVar[list[Response] | None] = contextvars.ContextVar(
    "storeflow_raw_responses", default=None
)


def record(response: Response) -> None:
    """Keep ``response`` for the :func:`collecting` block running in this context, if any."""
    responses = _collected.get()
    if responses is not None:
        responses.append(response)


@contextlib.contextmanager
def collecting() -> Iterator[list[Response]]:
    """Collect every response the transport returns inside the block, in this context (the
    raw responses of :mod:`storeflow._raw`)."""
    responses: list[Response] = []
    token = _collected.set(responses)
    try:
        yield responses
    finally:
        _collected.reset(token)
