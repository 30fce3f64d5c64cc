"""Pages, and the ordered concurrent fan-out: order, bounds, early exit, errors, no leaks.

Fetches sleep on looptime's virtual clock for page-dependent times, so "page 3 finishes before
page 2" is arranged exactly, and every timing below is exact.
"""

from __future__ import annotations

import asyncio
import contextlib
import random

import pytest
from aiohttp import web

from _loopback import json_response, make_transport, serve
from storeflow.errors import ValidationError
from storeflow.pagination import Page, fetch_pages, iterate

pytestmark = pytest.mark.looptime


class Source:
    """Pages 1..N of a list with ``per_page`` items each; fetching page n takes ``delay(n)``."""

    def __init__(self, pages: int, *, per_page: int = 3, seed: int = 0) -> None:
        self.pages = pages
        self.per_page = per_page
        self.delays = random.Random(seed)
        self.running = 0
        self.most = 0
        self.started: list[int] = []
        self.cancelled: list[int] = []
        self.finished: list[int] = []
        self.fail_at: int | None = None

    async def fetch(self, number: int) -> Page[int]:
        self.started.append(number)
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(self.delays.uniform(0.1, 2.0))
            if number == self.fail_at:
                raise LookupError(f"page {number} is gone")
        except asyncio.CancelledError:
            self.cancelled.append(number)
            raise
        finally:
            self.running -= 1
        self.finished.append(number)
        first = (number - 1) * self.per_page
        return Page(
            items=list(range(first, first + self.per_page)),
            page=number,
            page_size=self.per_page,
            total=self.pages * self.per_page,
            total_pages=self.pages,
        )


def no_other_tasks() -> bool:
    return asyncio.all_tasks() == {asyncio.current_task()}


async def test_page_is_a_sequence_of_its_items() -> None:
    page = Page(items=["a", "b"], page=1, page_size=2, total=5, total_pages=3)
    assert list(page) == ["a", "b"]
    assert len(page) == 2
    assert page.has_more
    assert not Page(items=["e"], page=3, page_size=2, total=5, total_pages=3).has_more
    assert not Page(items=[], page=1, page_size=2, total=0, total_pages=0).has_more


@pytest.mark.parametrize("concurrency", [1, 3, 8])
async def test_pages_come_in_order_with_bounded_concurrency(concurrency: int) -> None:
    source = Source(pages=40)
    pages = [p.page async for p in fetch_pages(source.fetch, last=40, concurrency=concurrency)]
    assert pages == list(range(1, 41))
    assert source.most == concurrency
    assert no_other_tasks()


async def test_a_slow_page_does_not_stall_the_window_but_memory_stays_bounded() -> None:
    loop = asyncio.get_running_loop()
    started: dict[int, float] = {}

    async def fetch(number: int) -> int:
        started[number] = loop.time()
        await asyncio.sleep(10.0 if number == 2 else 1.0)
        return number

    yielded: dict[int, float] = {}
    async for number in fetch_pages(fetch, last=8, concurrency=2, window=4):
        yielded[number] = loop.time()
    assert list(yielded) == list(range(1, 9))
    # While page 2 takes 10 s, pages 3, 4 and 5 go ahead two at a time, until the window of 4
    # unyielded pages (2 to 5) is full; page 6 waits for page 2 to be yielded.
    assert started == {1: 0, 2: 0, 3: 1, 4: 2, 5: 3, 6: 10, 7: 10, 8: 11}
    assert yielded == {1: 1, 2: 10, 3: 10, 4: 10, 5: 10, 6: 11, 7: 11, 8: 12}


async def test_stopping_early_cancels_outstanding_fetches() -> None:
    source = Source(pages=50)
    taken: list[int] = []
    pages = fetch_pages(source.fetch, last=50, concurrency=5)
    async with contextlib.aclosing(pages):
        async for page in pages:
            taken.append(page.page)
            if page.page == 7:
                break
    assert taken == list(range(1, 8))
    assert source.running == 0
    assert source.cancelled  # some fetches were in flight and got cancelled
    assert max(source.started) <= 7 + 2 * 5
    assert no_other_tasks()


async def test_abandoned_iterator_is_cleaned_up_when_collected() -> None:
    source = Source(pages=50)
    async for page in fetch_pages(source.fetch, last=50, concurrency=5):
        if page.page == 3:
            break
    # No aclosing: the event loop finalises the generator; give it a few turns to do so.
    for _ in range(10):
        await asyncio.sleep(0)
    assert source.running == 0
    assert no_other_tasks()


async def test_an_error_propagates_after_the_pages_before_it() -> None:
    source = Source(pages=30)
    source.fail_at = 9
    taken: list[int] = []

    async def consume() -> None:
        async for page in fetch_pages(source.fetch, last=30, concurrency=4):
            taken.append(page.page)

    with pytest.raises(LookupError, match="page 9 is gone"):
        await consume()
    assert taken == list(range(1, 9))
    assert source.running == 0
    assert no_other_tasks()


async def test_the_consumer_s_error_cancels_fetches() -> None:
    source = Source(pages=30)

    async def consume() -> None:
        pages = fetch_pages(source.fetch, last=30, concurrency=4)
        async with contextlib.aclosing(pages):
            async for _ in pages:
                raise KeyError("consumer failed")

    with pytest.raises(KeyError):
        await consume()
    assert source.running == 0
    assert no_other_tasks()


async def test_cancelling_the_consumer_cancels_fetches() -> None:
    source = Source(pages=30)

    async def consume() -> None:
        async with contextlib.aclosing(fetch_pages(source.fetch, last=30, concurrency=4)) as it:
            async for _ in it:
                await asyncio.sleep(100)

    task = asyncio.create_task(consume())
    await asyncio.sleep(5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert source.running == 0
    assert no_other_tasks()


async def test_an_empty_range_fetches_nothing() -> None:
    source = Source(pages=1)
    assert [p async for p in fetch_pages(source.fetch, first=2, last=1, concurrency=3)] == []
    assert source.started == []


@pytest.mark.parametrize(
    ("concurrency", "window", "argument"),
    [(0, None, "concurrency"), (2.5, None, "concurrency"), (True, None, "concurrency"),
     (4, 3, "window"), (4, 4.5, "window")],
)  # fmt: skip
async def test_bounds_are_refused_when_called_not_when_iterated(
    concurrency: int, window: int | None, argument: str
) -> None:
    source = Source(pages=3)
    with pytest.raises(ValidationError) as caught:
        fetch_pages(source.fetch, last=3, concurrency=concurrency, window=window)
    assert caught.value.argument == argument
    if argument == "concurrency":
        with pytest.raises(ValidationError) as caught:
            iterate(source.fetch, concurrency=concurrency)
        assert caught.value.argument == argument
    assert source.started == []


async def test_iterate_yields_every_item_in_order() -> None:
    source = Source(pages=12, per_page=5)
    items = [item async for item in iterate(source.fetch, concurrency=3)]
    assert items == list(range(60))
    assert source.started[0] == 1
    assert source.finished[0] == 1  # page 1 says how many pages there are
    assert source.most == 3
    assert no_other_tasks()


async def test_iterate_a_single_page_or_an_empty_list() -> None:
    assert [i async for i in iterate(Source(pages=1).fetch)] == [0, 1, 2]

    async def empty(number: int) -> Page[int]:
        return Page(items=[], page=number, page_size=20, total=0, total_pages=0)

    assert [i async for i in iterate(empty)] == []


async def test_iterate_stopped_early_leaves_nothing_running() -> None:
    source = Source(pages=20)
    items = iterate(source.fetch, concurrency=4)
    async with contextlib.aclosing(items):
        async for item in items:
            if item == 10:
                break
    assert source.running == 0
    assert no_other_tasks()


async def test_iterate_over_http_through_the_transport() -> None:
    async def orders(request: web.Request) -> web.Response:
        page, size, total = int(request.query["page"]), 7, 30
        first = (page - 1) * size
        return json_response(
            {
                "orders": list(range(first, min(first + size, total))),
                "pagination": {"currentPage": page, "totalPages": 5, "totalCount": total},
            }
        )

    async with serve({"/orders": orders}) as server, make_transport(server.url) as transport:

        async def fetch_page(number: int) -> Page[int]:
            data = (await transport.request("GET", "/orders", params={"page": number})).json()
            meta = data["pagination"]
            return Page(
                items=data["orders"],
                page=meta["currentPage"],
                page_size=7,
                total=meta["totalCount"],
                total_pages=meta["totalPages"],
            )

        items = [item async for item in iterate(fetch_page, concurrency=2)]
    assert items == list(range(30))
    assert sorted(int(s.path_qs.split("=")[1]) for s in server.seen) == [1, 2, 3, 4, 5]
