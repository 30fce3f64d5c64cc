"""Per-call options, raw responses, limiter wait bounds, next pages and the client's environment,
over real loopback HTTP (small servers of our own, or the sandbox)."""

from __future__ import annotations

import asyncio
import logging
import math

import pytest
from aiohttp import web

import storeflow
from _loopback import KEY, answering, serve
from storeflow import (
    APIError,
    FileBackend,
    MemoryBackend,
    NotFoundError,
    PacedLimiter,
    Pocketsflow,
    RateLimit,
    RateLimitError,
    RawResponse,
    Reflow,
    Timeout,
    TimeoutError,
    ValidationError,
    WindowLimiter,
)
from storeflow._client import LOG_ENV, setup_logging
from storeflow.sandbox import Sandbox

ME = {"_id": "0123456789abcdef01234567", "email": "a@example.com"}


async def test_a_view_shares_session_limiter_and_stats_and_closes_nothing() -> None:
    async with serve(answering(ME, x_request_id="r-1")) as server:
        async with Pocketsflow(KEY, base_url=server.url) as pf:
            view = pf.with_options(timeout=5, max_retries=0, headers={"X-Trace": "t1"})
            async with view:
                await view.request("GET", "/users/me")
            await pf.request("GET", "/users/me")  # the view's exit closed nothing
            assert view._transport.limiter is pf._transport.limiter
            assert view._transport._open()[0] is pf._transport._open()[0]
            assert pf.stats.requests == 2
            assert view.stats is pf.stats
            assert server.seen[0].headers["X-Trace"] == "t1"
            assert "X-Trace" not in server.seen[1].headers
            assert view._transport.timeout == Timeout(connect=5, total=5)
            assert pf._transport.timeout == Timeout()
            nested = view.with_options(max_retries=1)
            assert nested._transport.timeout == Timeout(connect=5, total=5)
            await nested.aclose()
            await pf.request("GET", "/users/me")
        assert view._transport.closed
        with pytest.raises(RuntimeError, match="closed"):
            await view.request("GET", "/users/me")


async def test_view_options_apply_to_its_calls_only() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.json_response(ME)

    async with (
        serve({"/slow": slow, "/busy": answering({}, 503)}) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        with pytest.raises(TimeoutError):
            await pf.with_options(timeout=0.3, max_retries=0).request("GET", "/slow")
        with pytest.raises(APIError):
            await pf.with_options(max_retries=0).request("GET", "/busy")
        assert server.hits("/busy") == 1
        assert server.hits("/slow") == 1


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"timeout": -1}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"headers": {"Authorization": "x"}}, "headers"),
        ({"max_wait": -1}, "max_wait"),
    ],
)
def test_view_options_are_validated(options: dict[str, object], argument: str) -> None:
    pf = Pocketsflow(KEY)
    with pytest.raises(ValidationError) as caught:
        pf.with_options(**options)  # type: ignore[arg-type]
    assert caught.value.argument == argument


def test_max_wait_needs_a_limiter_that_can_predict() -> None:
    class Plain:
        async def acquire(self) -> None:
            return None

    with pytest.raises(ValidationError, match="max_wait"):
        Pocketsflow(KEY, rate_limit=Plain()).with_options(max_wait=1)


def test_a_number_is_a_timeout_and_base_urls_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Pocketsflow(KEY, timeout=5)._transport.timeout == Timeout(connect=5, total=5)
    monkeypatch.setenv("POCKETSFLOW_BASE_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("REFLOW_BASE_URL", "http://127.0.0.1:9998/v2")
    assert Pocketsflow(KEY).base_url == "http://127.0.0.1:9999"
    assert Reflow(1).base_url == "http://127.0.0.1:9998/v2"
    assert Pocketsflow(KEY, base_url="https://example.com").base_url == "https://example.com"


async def test_raw_responses_carry_status_headers_and_request_id(shared_sandbox: Sandbox) -> None:
    async with Pocketsflow(
        shared_sandbox.pocketsflow_test_key, base_url=shared_sandbox.pocketsflow_url
    ) as pf:
        raw = await pf.with_raw_response.orders.list(page_size=3)
        assert isinstance(raw, RawResponse)
        assert raw.status == 200
        assert raw.headers["Content-Type"].startswith("application/json")
        page = raw.parse()
        assert len(page.items) == 3
        assert page == await pf.orders.list(page_size=3)
        me = await pf.with_raw_response.users.me()
        assert me.parse().email
        assert callable(pf.with_raw_response.products.variants.delete)  # a nested resource
        with pytest.raises(TypeError, match="single response"):
            pf.with_raw_response.orders.iter  # noqa: B018 - the access itself is refused


async def test_raw_request_id_and_error_headers() -> None:
    routes = {
        "/users/me": answering(ME, x_request_id="req-42"),
        "/products/0123456789abcdef01234567": answering(
            {"message": "nope"}, 404, x_request_id="req-43", X_Extra="yes", X_Echo=KEY
        ),
    }
    async with serve(routes) as server, Pocketsflow(KEY, base_url=server.url) as pf:
        raw = await pf.with_raw_response.request("GET", "/users/me")
        assert raw.request_id == "req-42"
        assert raw.parse() == ME
        with pytest.raises(NotFoundError) as caught:
            await pf.products.get("0123456789abcdef01234567")
        assert caught.value.headers["X-Extra"] == "yes"
        assert KEY not in caught.value.headers["X-Echo"]
        assert caught.value.request_id == "req-43"


async def test_max_wait_refuses_at_once_and_sends_nothing() -> None:
    async with serve(answering(ME)) as server:
        rate = RateLimit(requests=1, period=60, max_wait=1)
        async with Pocketsflow(KEY, base_url=server.url, rate_limit=rate) as pf:
            await pf.request("GET", "/users/me")
            with pytest.raises(RateLimitError) as caught:
                await pf.request("GET", "/users/me")
            assert caught.value.retry_after == pytest.approx(60.6, abs=0.5)
            assert "nothing was sent" in str(caught.value)
            # The bound is per caller: a view may wait longer, or refuse sooner.
            assert pf.with_options(max_wait=None)._transport.max_wait is None
            with pytest.raises(RateLimitError):
                await pf.with_options(max_wait=0).request("GET", "/users/me")
        assert server.hits() == 1
        # Clients differing only in max_wait share one budget.
        async with Pocketsflow(KEY, base_url=server.url, rate_limit=RateLimit(1, 60)) as other:
            assert other._transport.limiter is pf._transport.limiter


@pytest.mark.looptime
async def test_limiters_bound_their_wait() -> None:
    window = WindowLimiter(RateLimit(requests=1, period=10, margin=0))
    await window.acquire()
    assert await window.acquire_within(5) == pytest.approx(10)
    assert window.next_slot() is None
    assert await window.acquire_within(11) is None  # the refused call reserved nothing
    assert asyncio.get_running_loop().time() == pytest.approx(10)

    paced = PacedLimiter(RateLimit(requests=2, period=10, margin=0))
    await paced.acquire()
    assert await paced.acquire_within(1) == pytest.approx(10)
    waiter = asyncio.ensure_future(paced.acquire())
    await asyncio.sleep(1)
    assert paced.next_slot() == pytest.approx(asyncio.get_running_loop().time() + 9, abs=0.5)
    await waiter
    assert paced.next_slot() is None


async def test_next_page_keeps_filters_and_page_size(shared_sandbox: Sandbox) -> None:
    async with Pocketsflow(
        shared_sandbox.pocketsflow_test_key, base_url=shared_sandbox.pocketsflow_url
    ) as pf:
        product = (await pf.orders.list(page_size=1)).items[0].product
        first = await pf.orders.list(page_size=2, product_id=product.id)
        assert first.has_next_page()
        second = await first.next_page()
        assert second.page == 2
        assert second == await pf.orders.list(page=2, page_size=2, product_id=product.id)
        last = await pf.orders.list(page=first.total_pages, page_size=2, product_id=product.id)
        assert not last.has_next_page()
        with pytest.raises(StopAsyncIteration):
            await last.next_page()
    async with Reflow(
        shared_sandbox.reflow_project_id,
        shared_sandbox.reflow_api_key,
        base_url=shared_sandbox.reflow_url,
    ) as rf:
        page = await rf.products.list(per_page=5, order=["price_asc"])
        following = await page.next_page()
        assert following == await rf.products.list(page=2, per_page=5, order=["price_asc"])


async def test_storeflow_log_shows_query_values_never_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("storeflow")
    level, handlers = logger.level, list(logger.handlers)
    monkeypatch.setenv(LOG_ENV, "debug")
    try:
        async with serve(answering(ME)) as server, Pocketsflow(KEY, base_url=server.url) as pf:
            await pf.request("GET", "/orders", params={"page": 2, "productId": "abc"})
        setup_logging()  # once per process: a second call adds no second handler
        assert len(logger.handlers) == len(handlers) + 1
    finally:
        logger.handlers[:] = handlers
        logger.setLevel(level)
    err = capsys.readouterr().err
    assert "GET /orders?page=2&productId=abc -> 200" in err
    assert "DEBUG" in err
    assert KEY not in err
    assert KEY[8:] not in err


def test_public_names_and_sandbox_repr() -> None:
    assert {"WindowLimiter", "PacedLimiter", "FileBackend", "MemoryBackend"} <= set(
        storeflow.__all__
    )
    assert WindowLimiter(RateLimit(), backend=MemoryBackend()).rate == RateLimit()
    assert FileBackend.__module__ == "storeflow.ratelimit._file"
    assert math.isfinite(RateLimit().window)
    sandbox = Sandbox(seed=3)
    assert repr(sandbox).startswith("Sandbox(not running, host='127.0.0.1', port=0")
    with sandbox.running_in_thread() as sb:
        shown = repr(sb)
        assert sb.pocketsflow_url in shown
        assert sb.reflow_url in shown
        assert sb.pocketsflow_test_key not in shown
        assert sb.reflow_api_key not in shown


@pytest.mark.looptime(noop_cycles=5)
@pytest.mark.parametrize("count", [1, 5, 15, 30, 47, 200])
async def test_the_forecast_matches_the_slots_the_limiter_then_hands_out(count: int) -> None:
    limiter = WindowLimiter(RateLimit(requests=10, period=64, margin=0))  # exact floats
    for _ in range(7):
        await limiter.acquire()
    loop = asyncio.get_running_loop()
    started = loop.time()
    predicted = limiter.forecast(count)
    for _ in range(count):
        await limiter.acquire()
    assert loop.time() - started == pytest.approx(predicted)
    paced = PacedLimiter(RateLimit(requests=3, period=8, margin=0))
    await paced.acquire()
    started = loop.time()
    predicted = paced.forecast(4)
    for _ in range(4):
        await paced.acquire()
    assert loop.time() - started == pytest.approx(predicted, abs=0.01)
