"""What every resource of both APIs shares: the operation tag and the one way each kind of
method (read, write, delete, list a page, walk a list) checks, sends and decodes.

A resource method says which schema operation it implements with :func:`operation`; the tag is
what ``tests/core/test_surface.py`` reads to prove that every operation of ``schemas/*.yaml``
has exactly one method, with the schema's HTTP method and path. The public methods keep their
typed signatures and docstrings; their bodies are one call of a :class:`Resource` helper.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any, ClassVar, Final, TypeAlias, TypeVar

import attrs

from storeflow import _serde
from storeflow import _validate as check
from storeflow._operation import Arguments, Operation
from storeflow._transport import Response, RetryPolicy, Transport, text
from storeflow.errors import DecodeError, ValidationError
from storeflow.pagination import Listing, Page, RawPage, iterate

__all__ = ["Envelope", "Filters", "PathArgument", "Resource", "operation", "operation_id"]

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=_serde.Model)
T = TypeVar("T")

_TAG: Final = "__storeflow_operation__"

Filters: TypeAlias = Mapping[str, object]
"""A list's checked query filters, ``None`` for those not given (the query leaves them out)."""

PathArgument: TypeAlias = tuple[str, str, object]
"""A path parameter as ``(wire name, argument name, value)``: ``("id", "product_id", "p1")``."""

Envelope: TypeAlias = tuple[int | None, int | None, int | None, int | None]
"""What a typed page's answer says about the list: page number, page size, total records and
total pages, ``None`` for what it does not say."""


def operation(op_id: str) -> Callable[[F], F]:
    """Mark a resource method as the one implementing the schema operation ``op_id``.

    The method is returned unchanged, with the id stored on it (see :func:`operation_id`).
    """

    def tag(method: F) -> F:
        setattr(method, _TAG, op_id)
        return method

    return tag


def operation_id(method: Callable[..., Any]) -> str | None:
    """The operation id :func:`operation` stored on ``method`` (bound or not), or ``None``."""
    return getattr(method, _TAG, None)


def _body(changes: Any, arguments: Arguments) -> dict[str, Any]:
    """The JSON body of a write: the fields of the request model ``changes`` that are set.

    Update methods take ``None`` to mean "leave this field unchanged": neither API's update
    bodies accept ``null`` for any field, so ``None`` never has to be sent. ``arguments`` are
    the operation's generated rules; where they state a minimum number of fields (Reflow's
    references ask for "one or more"), a smaller body is refused; elsewhere an empty update is
    sent and the server decides.

    Raises:
        ValidationError: fewer fields are set than the rules ask for; the error lists the
            arguments that can be given.
    """
    body: dict[str, Any] = _serde.unstructure(changes)
    if arguments.min_body_fields is not None and len(body) < arguments.min_body_fields:
        names = ", ".join(field.name for field in _serde.wire_fields(type(changes)))
        raise ValidationError("fields", f"give at least one field to change: {names}")
    return body


def _answer(response: Response) -> Any:
    """The JSON of a write's answer; ``None`` for an empty one, the text for one that is not
    JSON (a plain message)."""
    if not response.body.strip():
        return None
    try:
        return response.json()
    except DecodeError:
        return text(response.body).strip()


def _ids(cls: type) -> tuple[str, ...]:
    """The wire names under which ``cls`` carries its id."""
    for a in _serde.wire_fields(cls):
        if a.name == "id":
            return (a.metadata["wire"], *a.metadata.get("aliases", ()))
    return ()


def _written(response: Response, cls: type[M], *, wrapper: str) -> M | None:
    """The object a create, update, cancel or refund answered with; ``None`` when it answered
    without one.

    A successful change must never surface as an error (it invites a second, duplicate call),
    so every answer a server may give is accepted: the object itself (with ``_id`` or ``id``),
    the object under ``wrapper`` or ``data`` (``{"product": {...}}``), or no object at all
    (``{}``, ``{"success": true}``, a message, an empty 204), which gives ``None``. The object
    is decoded as the client decodes (strictly when the client is strict).

    Raises:
        DecodeError: only from a strict client, for an object that breaks the schema.
    """
    data = _answer(response)
    if not isinstance(data, dict):
        return None
    ids = _ids(cls)
    for candidate in (data, data.get(wrapper), data.get("data")):
        if isinstance(candidate, dict) and any(key in candidate for key in ids):
            return _serde.structure(candidate, cls, strict=response.strict)
    return None


def _confirmation(response: Response, cls: type[M]) -> M:
    """What a delete answered, as ``cls`` (a model whose fields are all optional, such as
    ``message``): everything the server said, never an error.

    An object is read liberally whatever the client's mode (its members beyond ``cls``'s fields
    land in ``extra``: ``success``, or the deleted object's fields); a message that is not JSON,
    or a JSON string, becomes the ``message``; an empty answer (204) gives an empty ``cls``.
    """
    data = _answer(response)
    if isinstance(data, dict):
        return _serde.structure(data, cls)
    if isinstance(data, str):
        return _serde.structure({"message": data}, cls)
    return cls()


class Resource:
    """Base of the resource classes: sends the operations of one API through one transport."""

    _operations: ClassVar[Mapping[str, Operation]]
    """The API's operations by id (its generated ``_operations.OPERATIONS``)."""

    _arguments: ClassVar[Mapping[str, Arguments]]
    """The API's argument rules by operation id (its generated ``_params.ARGUMENTS``)."""

    _page_size_name: ClassVar[str]
    """What the API's list methods call their page-size argument (``page_size``, ``per_page``)."""

    api: ClassVar[str]
    """The API's name (``"pocketsflow"``, ``"reflow"``)."""

    listing: ClassVar[Listing | None] = None
    """How this resource's list is asked for and answered (``None``: it has no list)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def _call(
        self,
        op_id: str,
        path: PathArgument | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """Send the operation ``op_id`` with its ``path`` parameter checked (``params`` and
        ``json`` come checked); see :meth:`storeflow._transport.Transport.call`.

        Raises:
            ValidationError: ``path`` breaks its rule.
        """
        path_params = None
        if path is not None:
            wire, name, value = path
            path_params = {wire: check.argument(self._arguments, op_id, wire, name, value)}
        op = self._operations[op_id]
        return await self._transport.call(
            op, path_params=path_params, params=params, json=json, retry=retry
        )

    async def _read(
        self,
        op_id: str,
        cls: type[T],
        path: PathArgument | None = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> T:
        """Send the read ``op_id`` (``path`` checked; ``params`` come checked) and decode its
        answer as ``cls``.

        Raises:
            ValidationError: ``path`` breaks its rule.
        """
        response = await self._call(op_id, path, params=params)
        return response.decode(cls)

    async def _write(
        self,
        op_id: str,
        cls: type[M],
        path: PathArgument | None = None,
        *,
        wrapper: str,
        body: type[Any] | None = None,
        values: Mapping[str, object] | None = None,
    ) -> M | None:
        """Send the change ``op_id`` (a create, update, cancel or refund) and return the object
        it answered with, if any (see :func:`_written`; ``wrapper`` is the key it may sit under).

        ``body`` is the operation's request model. Its fields are taken from ``values`` by
        attribute name (a public method passes its ``locals()``: its arguments, named as the
        model's fields), checked by the generated rules, and those given (not ``None``) are
        sent; where the rules ask for a minimum number of fields, fewer are refused (see
        :func:`_body`).

        Raises:
            ValidationError: ``path`` or a value breaks its rule, or too few fields are given.
        """
        json = None
        if body is not None:
            given = values or {}
            fields = {name: given[name] for name in attrs.fields_dict(body) if name in given}
            changes = check.body(self._arguments, op_id, body, **fields)
            json = _body(changes, self._arguments[op_id])
        response = await self._call(op_id, path, json=json)
        return _written(response, cls, wrapper=wrapper)

    async def _delete(self, op_id: str, cls: type[M], path: PathArgument) -> M:
        """Send the delete ``op_id`` and return its answer as ``cls`` (see :func:`_confirmation`).

        Raises:
            ValidationError: ``path`` breaks its rule.
        """
        response = await self._call(op_id, path)
        return _confirmation(response, cls)

    def _paged(self) -> tuple[Listing, str]:
        """This resource's list and its page-size parameter."""
        listing = self.listing
        if listing is None or listing.size_param is None:
            raise TypeError(f"{type(self).__name__} has no paginated list")
        return listing, listing.size_param

    def _page_size(self, page_size: object) -> int:
        """The checked page-size argument of this resource's list.

        Raises:
            ValidationError: ``page_size`` breaks the list's rule.
        """
        listing, wire = self._paged()
        name = self._page_size_name
        size: int = check.argument(self._arguments, listing.operation.id, wire, name, page_size)
        return size

    async def _list(
        self, cls: type[Any], page: object, page_size: object, filters: Filters
    ) -> Page[Any]:
        """Page ``page`` of this resource's list (the arguments checked, ``filters`` come
        checked), decoded as ``cls``, the list's page model.

        Raises:
            ValidationError: ``page`` or ``page_size`` breaks its rule.
        """
        op_id = self._paged()[0].operation.id
        number = check.argument(self._arguments, op_id, "page", "page", page)
        return await self._page(cls, number, self._page_size(page_size), filters)

    def _walk(
        self, cls: type[Any], page_size: int, filters: Filters, concurrency: int
    ) -> AsyncGenerator[Any, None]:
        """Every record of this resource's list, pages of ``page_size`` fetched ``concurrency``
        at a time (see :func:`~storeflow.pagination.iterate`).

        Raises:
            ValidationError: at once, for a ``concurrency`` that is not an integer of at least 1.
        """
        return iterate(lambda n: self._page(cls, n, page_size, filters), concurrency=concurrency)

    async def _page(self, cls: type[Any], page: int, page_size: int, filters: Filters) -> Page[Any]:
        listing = self._paged()[0]
        response = await self._send_list(listing, listing.query(page, page_size, filters), None)
        result = response.decode(cls)
        number, size, total, total_pages = self._envelope(result)
        return Page(
            fetch=lambda n: self._page(cls, n, page_size, filters),
            items=listing.records(result),
            page=number or page,
            page_size=size or page_size,
            total=total,
            total_pages=total_pages,
        )

    @staticmethod
    def _envelope(result: Any) -> Envelope:
        """What the decoded page ``result`` says about the whole list; each API reads its own
        envelope. Without one (or its numbers), the page knows only what was asked for, so that
        paging goes on until a short page."""
        raise NotImplementedError

    async def _send_list(
        self, listing: Listing, query: Mapping[str, Any], retry: RetryPolicy | None
    ) -> Response:
        """Ask for ``query`` of ``listing``: as the query string, or as the JSON body (without
        the filters not given) for a list read with a POST."""
        if listing.query_in_body:
            body = {key: value for key, value in query.items() if value is not None}
            return await self._call(listing.operation.id, json=body, retry=retry)
        return await self._call(listing.operation.id, params=query, retry=retry)

    async def raw_page(
        self,
        page: int = 1,
        *,
        params: Mapping[str, Any] | None = None,
        page_size: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> RawPage:
        """Page ``page`` of this resource's list as raw JSON records, the API key masked.

        ``params`` are wire-level filters, sent as given (with the page number and size of a
        paginated list: ``page_size`` records, by default the listing's); ``retry`` replaces
        the client's retry policy for this page (the export reads pages with more attempts).
        The key is masked in every form the body may quote it in (see
        :meth:`~storeflow._transport.Transport.redact`), so no record carries it. A list that
        nests records (categories) comes flat, each record with its ``parent_id``.

        Raises:
            TypeError: this resource has no list.
            ValidationError: ``page`` or ``page_size`` is not an integer of at least 1.
            APIError, ConnectionError, TimeoutError: as :meth:`Transport.call`.
            DecodeError: the response is not JSON, or is not shaped as a page of this list: no
                list of objects, an id that is not a string or integer, counts that are not
                whole numbers or beyond belief. The error says what is wrong, with an excerpt
                of the body (the key masked).
        """
        listing = self.listing
        if listing is None:
            raise TypeError(f"{type(self).__name__} has no list")
        page = check.integer("page", page, minimum=1)
        size = (
            listing.page_size
            if page_size is None
            else check.integer("page_size", page_size, minimum=1)
        )
        response = await self._send_list(listing, listing.query(page, size, params or {}), retry)
        # A server may echo the key inside records: mask it in the JSON text, in every form, so
        # that no output (JSON Lines, or CSV with its own quoting) can carry it.
        raw = text(response.body)
        masked = self._transport.redact(raw)
        body = response.json() if masked == raw else _serde.loads(masked.encode())

        def fail(problem: str) -> DecodeError:
            # Names what is wrong, never a value; the excerpt is the body with the key masked.
            return DecodeError(
                f"the {self.api} {listing.name} list is not shaped as expected on page {page}: "
                f"{problem}",
                method=response.method,
                path=response.path,
                status=response.status,
                body=masked,
            )

        return listing.read(body, page, size, fail)
