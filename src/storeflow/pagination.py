"""Typed pages, and the ordered concurrent page fan-out behind every ``iter()``.

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
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from typing import Generic, TypeVar

import attrs

from storeflow._validate import integer

__all__ = ["Page", "fetch_pages", "iterate"]

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
