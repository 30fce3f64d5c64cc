"""The list protocol: how each list is asked for and answered, typed pages, and the ordered
concurrent page fan-out behind every ``iter()``.

Each API declares its lists once, as :class:`Listing` values in its ``_resources`` module (one
per resource that lists, as the resource's ``listing``; all of them as ``Pocketsflow.listings``
and ``Reflow.listings``). A listing names the operation, the page-size parameter, where the
records sit in the answer, the envelope that describes the whole list (Pocketsflow's
``pagination``, Reflow's ``meta``) and how the list's upper time bound is pinned
(:meth:`Listing.pin`, the one rule ``iter()`` and the export share). The typed ``list()`` and
``iter()`` methods build their :class:`Page` from it; ``client.<resource>.raw_page(...)``
serves the same pages as raw JSON records (:class:`RawPage`), which is how the export reads
them.

``list(...)`` methods return one :class:`Page`. ``iter(...)`` methods walk every item with
:func:`iterate`: page 1 first (it says how many pages there are), then the rest concurrently
through :func:`fetch_pages`, items delivered in order. :func:`fetch_pages` is generic over what a
page is, so the export engine uses it on raw JSON pages too.

Stop early with ``break`` inside ``async with contextlib.aclosing(...)`` (or let the iterator be
garbage-collected): outstanding fetches are cancelled and awaited, nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Final, Generic, Literal, TypeAlias, TypeVar

import attrs

from storeflow import _serde
from storeflow._operation import Operation
from storeflow._validate import integer
from storeflow.errors import DecodeError

__all__ = ["Listing", "Page", "RawPage", "fetch_pages", "iterate"]

T = TypeVar("T")
P = TypeVar("P")

#: Pages :func:`iterate` fetches at once by default. The rate limiter, not concurrency, bounds
#: throughput; a few requests in flight hide the latency of each.
DEFAULT_CONCURRENCY = 4


@attrs.frozen
class Page(Generic[T]):
    """One page of a list: its ``items`` and where it sits in the whole list.

    ``page`` counts from 1; ``page_size`` is the items per page the server used (or, when it
    did not say, the number asked for); ``total`` the items in the whole list and
    ``total_pages`` the number of pages, ``None`` when the answer did not say (a Reflow list
    without its ``meta``). Iterating a page iterates its items; ``len(page)`` is the number of
    items on it.
    """

    items: list[T]
    page: int
    page_size: int
    total: int | None
    total_pages: int | None
    _fetch: Callable[[int], Awaitable[Page[T]]] | None = attrs.field(
        default=None, eq=False, repr=False, alias="fetch"
    )
    """Fetches another page of the same list (same filters, page size and pins)."""

    @property
    def has_more(self) -> bool:
        """Whether a later page exists; without a page count, whether this page was full."""
        if self.total_pages is None:
            return bool(self.items) and len(self.items) >= self.page_size
        return self.page < self.total_pages

    def has_next_page(self) -> bool:
        """Whether a later page exists (as :attr:`has_more`; openai-python's spelling)."""
        return self.has_more

    async def next_page(self) -> Page[T]:
        """Fetch the page after this one, with the same filters, page size and pins.

        To walk a whole list, ``iter()`` is simpler and fetches pages concurrently.

        Raises:
            StopAsyncIteration: this is the last page (check :meth:`has_next_page` first).
            RuntimeError: the page was built by hand, not returned by a ``list()`` method.
            Exception: whatever the ``list()`` call would raise.
        """
        if not self.has_more:
            raise StopAsyncIteration(f"page {self.page} is the last of {self.total_pages}")
        if self._fetch is None:
            raise RuntimeError("this page was not fetched by a list() method: no next page")
        return await self._fetch(self.page + 1)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def fetch_pages(
    fetch: Callable[[int], Awaitable[P]],
    *,
    first: int = 1,
    last: int,
    concurrency: int,
    window: int | None = None,
) -> AsyncGenerator[P, None]:
    """Yield ``fetch(first)``, ..., ``fetch(last)`` in page order, fetching concurrently.

    At most ``concurrency`` fetches run at once, and at most ``window`` pages (default
    ``2 * concurrency``) are started but not yet yielded, so a slow page lets the next ones
    proceed while memory stays bounded however many pages there are. Nothing is fetched when
    ``last < first``, nor before the iteration starts.

    If a fetch fails, the pages before it are yielded first, then its exception propagates. When
    the consumer stops (``break``, an exception, ``aclose()``) or a fetch fails, every
    outstanding fetch is cancelled and awaited before the generator finishes.

    Raises:
        ValidationError: at once (not on the first ``anext``), when ``concurrency`` is not an
            integer of at least 1 or ``window`` not an integer of at least ``concurrency``.
        Exception: while iterating, whatever ``fetch`` raised, for the first failing page
            reached in order.
    """
    concurrency = _concurrency(concurrency)
    window = 2 * concurrency if window is None else integer("window", window, minimum=concurrency)
    return _fetch_pages(fetch, first, last, concurrency, window)


async def _fetch_pages(
    fetch: Callable[[int], Awaitable[P]], first: int, last: int, concurrency: int, window: int
) -> AsyncGenerator[P, None]:
    pending: deque[asyncio.Future[P]] = deque()
    next_page = first
    try:
        while pending or next_page <= last:
            running = [future for future in pending if not future.done()]
            while next_page <= last and len(pending) < window and len(running) < concurrency:
                started = asyncio.ensure_future(fetch(next_page))
                pending.append(started)
                running.append(started)
                next_page += 1
            if not pending[0].done():
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                continue
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        # Awaiting them retrieves their outcomes: no "exception was never retrieved", no
        # task still pending when the loop closes.
        await asyncio.gather(*pending, return_exceptions=True)


def iterate(
    fetch_page: Callable[[int], Awaitable[Page[T]]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> AsyncGenerator[T, None]:
    """Yield every item of a paginated list, in order.

    Fetches page 1, yields its items, then fetches pages 2 to ``total_pages`` (as page 1
    reported it) through :func:`fetch_pages` with ``concurrency`` and yields their items. When
    page 1 gives no page count, the pages are fetched one after another until one is short
    (fewer items than ``page_size``) or empty. Nothing is fetched before the iteration starts.

    Raises:
        ValidationError: at once (not on the first ``anext``), when ``concurrency`` is not an
            integer of at least 1.
        Exception: while iterating, whatever ``fetch_page`` raised.
    """
    return _items(fetch_page, _concurrency(concurrency))


async def _items(
    fetch_page: Callable[[int], Awaitable[Page[T]]], concurrency: int
) -> AsyncGenerator[T, None]:
    page = await fetch_page(1)
    for item in page.items:
        yield item
    if page.total_pages is None:
        # No page count: a short page means the end.
        while page.has_more:
            page = await fetch_page(page.page + 1)
            for item in page.items:
                yield item
        return
    rest = fetch_pages(fetch_page, first=2, last=page.total_pages, concurrency=concurrency)
    async with contextlib.aclosing(rest):
        async for later in rest:
            for item in later.items:
                yield item


def _concurrency(concurrency: object) -> int:
    return integer("concurrency", concurrency, minimum=1)


Envelope: TypeAlias = Literal["none", "pocketsflow", "reflow"]
TimeBound: TypeAlias = Literal["none", "instant", "unix"]
Record: TypeAlias = dict[str, Any]

MAX_PAGES: Final = 10_000_000
"""The most pages a list may claim (a billion records): a larger count is an error, not a
loop that never ends."""

_MAX_TOTAL: Final = 2**53  # the largest count every JSON reader holds exactly


@attrs.frozen
class RawPage:
    """One fetched page of raw records: ``number`` counts from 1; ``total`` and
    ``total_pages`` are what the API said about the whole list when it served this page
    (without a count, ``total`` is ``None`` and ``total_pages`` reaches one past a full page)."""

    records: list[Record]
    number: int
    total: int | None
    total_pages: int


@attrs.frozen(kw_only=True)
class Listing:
    """How one list operation is asked for and answered.

    ``name`` is the resource that lists (``orders`` for ``client.orders``); ``operation`` is
    the list's operation (its generated ``OPERATIONS`` entry); ``id_field``
    the records' id (wire name); ``items`` the key of the record list in the answer (``None``:
    the body is the list). ``envelope`` says how the answer describes the whole list:
    ``"pocketsflow"`` (a ``pagination`` block), ``"reflow"`` (a ``meta`` block, which may be
    missing) or ``"none"`` (one answer holds the whole list). ``size_param`` is the page-size
    parameter (``None``: not paginated) and ``page_size`` the size asked for by default (the
    most the API serves, or what it is asked for where it states no maximum); the query goes in
    the JSON body when ``query_in_body``. ``bound`` says how the list's upper time bound is
    pinned (see :meth:`pin`); ``reveal`` names a flag that also lists records hidden from the
    public (sent only with a key);
    ``tree`` the key under which records nest their children (a raw page flattens them).

    Raises:
        ValueError: ``operation`` is not idempotent. A page is fetched again after a failure
            that may have reached the server, which only an idempotent read allows.
    """

    name: str
    operation: Operation = attrs.field()
    id_field: str
    items: str | None = None
    envelope: Envelope = "none"
    size_param: str | None = None
    page_size: int = 1
    query_in_body: bool = False
    bound: TimeBound = "none"
    reveal: str | None = None
    tree: str | None = None

    @operation.validator
    def _check_idempotent(self, _: attrs.Attribute[Operation], operation: Operation) -> None:
        if not operation.idempotent:
            raise ValueError(f"{operation.method} {operation.path} is not marked idempotent")

    @property
    def paginated(self) -> bool:
        """Whether the list comes a page at a time."""
        return self.size_param is not None

    def query(self, page: int, page_size: int, filters: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters of page ``page`` of ``page_size`` records with ``filters``."""
        if self.size_param is None:
            return dict(filters)
        return {"page": page, self.size_param: page_size, **filters}

    def records(self, page: _serde.Model) -> list[Any]:
        """The records of ``page``, this list's answer decoded as its model.

        Raises:
            TypeError: the answer of this list is the record list itself (no ``items`` key).
            DecodeError: as :func:`storeflow._serde.records`.
        """
        if self.items is None:
            raise TypeError(f"the {self.name} list answers with a bare list")
        return _serde.records(page, self.items)

    def pin(self, now: dt.datetime) -> dt.datetime:
        """The upper time bound that pins this list for a walk starting at ``now`` (aware).

        ``now`` itself, except for whole-second (``"unix"``) bounds: the next whole second, so
        that every record created before the bound exists by the time it has passed, and every
        record created after it falls outside.
        """
        if self.bound != "unix":
            return now
        return dt.datetime.fromtimestamp(ceil_seconds(now), dt.UTC)

    def read(
        self,
        body: Any,
        number: int,
        page_size: int,
        fail: Callable[[str], DecodeError],
    ) -> RawPage:
        """Page ``number`` of raw records from the decoded JSON ``body``.

        Raises:
            DecodeError: ``fail(problem)`` when ``body`` is not shaped as a page of this list:
                no list of objects, an id that is not a string or integer, counts that are not
                whole numbers or beyond belief.
        """
        try:
            records = body if self.items is None else body[self.items]
            if not isinstance(records, list):
                raise TypeError(f"expected a list, got {type(records).__name__}")
            if self.tree is not None:
                records = flatten(records, self.tree, self.id_field)
            for index, record in enumerate(records):
                _check_record(record, index, self.id_field)
            total: int | None
            if self.envelope == "pocketsflow":
                paging = body["pagination"]
                total = _whole(paging["totalCount"], "totalCount", _MAX_TOTAL)
                total_pages = _whole(paging["totalPages"], "totalPages", MAX_PAGES)
            elif self.envelope == "reflow" and isinstance(body.get("meta"), dict):
                meta = body["meta"]
                total = _whole(meta["total"], "total", _MAX_TOTAL)
                total_pages = _whole(meta["last_page"], "last_page", MAX_PAGES)
            elif self.envelope == "reflow":
                # An envelope without its `meta` (only `data` is promised): a full page says
                # there may be one more, a short one that this is the last.
                total = None
                total_pages = number + 1 if len(records) >= page_size else number
            else:
                total, total_pages = len(records), 1
        except KeyError as exc:
            problem = f"no {exc}"
        except TypeError as exc:
            problem = str(exc)
        else:
            return RawPage(records=records, number=number, total=total, total_pages=total_pages)
        # Raised outside the except clauses so that it chains nothing: a misbehaving server may
        # quote the request's API key.
        raise fail(problem)


def ceil_seconds(instant: dt.datetime) -> int:
    """``instant`` in unix seconds, rounded up to a whole second."""
    whole = int(instant.timestamp())
    return whole if whole == instant.timestamp() else whole + 1


def _check_record(record: Any, index: int, id_field: str) -> None:
    """Raise ``TypeError`` unless ``record`` is an object whose id (if any) is a string or an
    integer: what de-duplication can compare and a checkpoint can store."""
    if not isinstance(record, dict):
        raise TypeError(f"record {index} is not an object but {type(record).__name__}")
    key = record.get(id_field)
    if key is not None and type(key) not in (str, int):
        raise TypeError(f"record {index} has an {id_field} of type {type(key).__name__}")


def _whole(value: Any, name: str, maximum: int) -> int:
    """``value`` as a count from 0 to ``maximum``; ``TypeError`` naming ``name`` otherwise.

    A count is read as liberally as the models read integers (``250``, ``250.0``, ``"250"``).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str) or value != value:
        raise TypeError(f"{name} is not a number")
    try:
        count: int = _serde.converter.structure(value, int)
    except (TypeError, ValueError):
        raise TypeError(f"{name} is not a whole number from 0 to {maximum}") from None
    if not 0 <= count <= maximum:
        raise TypeError(f"{name} is not a whole number from 0 to {maximum}")
    return count


def flatten(nodes: list[Record], children: str, id_field: str) -> list[Record]:
    """The nodes of a tree, depth first (each before its children), one flat record each.

    Each record is the node without its ``children`` key, plus ``parent_id``: the id of the
    node it was nested in, ``None`` for a root.

    Raises ``TypeError`` if a node is not an object or its ``children`` is not a list.
    """
    flat: list[Record] = []
    stack: list[tuple[Record, Any]] = [(node, None) for node in reversed(nodes)]
    while stack:
        node, parent_id = stack.pop()
        if not isinstance(node, dict):
            raise TypeError(f"expected an object, got {type(node).__name__}")
        record = {key: value for key, value in node.items() if key != children}
        record["parent_id"] = parent_id
        flat.append(record)
        nested = node.get(children) or []
        if not isinstance(nested, list):
            raise TypeError(f"expected {children} to be a list, got {type(nested).__name__}")
        stack.extend((child, node.get(id_field)) for child in reversed(nested))
    return flat
