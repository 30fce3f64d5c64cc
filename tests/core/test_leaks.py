"""Cancellation gives everything back and always ends a call cancelled; sessions close exactly
when they should; no deadlocks.

Warnings are errors in this suite, so an "Unclosed client session" or "Unclosed connector" from
any test here fails it.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis
from aiohttp import web

from _loopback import KEY, answering, json_response, make_transport, serve
from storeflow import Pocketsflow, Timeout
from storeflow.ratelimit import FileBackend, MemoryBackend, RateLimit, WindowLimiter

pytestmark = pytest.mark.looptime


async def settle(condition: Callable[[], bool], *, rounds: int = 200) -> None:
    """Let the loop run (real I/O included) until ``condition()`` holds."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


class Gate:
    """A server whose handlers wait until released, counting how many wait at once."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.open = asyncio.Event()
        self.waiting = 0
        self.most = 0
        self.arrived = asyncio.Event()  # set once ``expected`` handlers wait at once

    async def handler(self, request: web.Request) -> web.Response:
        self.waiting += 1
        self.most = max(self.most, self.waiting)
        if self.waiting >= self.expected:
            self.arrived.set()
        try:
            await self.open.wait()
        finally:
            self.waiting -= 1
        return json_response({"ok": True})


async def test_cancelled_calls_release_permits_and_connections() -> None:
    gate = Gate(expected=64)  # max_connections defaults to 64
    async with serve({"/wait": gate.handler}) as server, make_transport(server.url) as transport:
        calls = [asyncio.create_task(transport.request("GET", "/wait")) for _ in range(100)]
        await gate.arrived.wait()
        await asyncio.sleep(0.5)
        assert gate.most == 64  # the semaphore holds the other 36 back

        for call in calls:
            call.cancel()
        results = await asyncio.gather(*calls, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        # The cancelled requests' connections are closed, not parked in the pool.
        await settle(lambda: server.open_connections() == 0)

        # All 64 permits (and pooled connections) are free again: 64 new calls wait together.
        gate.arrived.clear()
        fresh = [asyncio.create_task(transport.request("GET", "/wait")) for _ in range(64)]
        async with asyncio.timeout(30):
            await gate.arrived.wait()
        gate.open.set()
        assert all(r == {"ok": True} for r in [(await c).json() for c in fresh])


async def test_cancelled_waits_give_their_limiter_slots_back() -> None:
    class Backend(MemoryBackend):
        reserved = 0
        all_queued = asyncio.Event()

        def reserve(self, now: float, rate: RateLimit) -> float:
            self.reserved += 1
            if self.reserved == 4 + 100:
                self.all_queued.set()
            return super().reserve(now, rate)

    backend = Backend()
    limiter = WindowLimiter(RateLimit(requests=4, period=60, margin=0.01), backend=backend)
    for _ in range(4):
        await limiter.acquire()  # this window's budget is spent: every call below must queue
    async with (
        serve(answering({"ok": True})) as server,
        make_transport(server.url, rate_limit=limiter, max_connections=100) as transport,
    ):
        start = asyncio.get_running_loop().time()
        calls = [asyncio.create_task(transport.request("GET", "/ok")) for _ in range(100)]
        await backend.all_queued.wait()  # 100 reservations, spread over the next 25 windows
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        assert server.hits() == 0

        # Had the 100 reservations been kept, the next slot would be 25 windows away.
        response = await transport.request("GET", "/ok")
        waited = asyncio.get_running_loop().time() - start
    assert response.json() == {"ok": True}
    assert waited == pytest.approx(60.6)


async def test_timeout_during_a_slow_body_closes_the_connection() -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"x" * 10)
            await asyncio.sleep(1)
        return response

    async with serve({"/slow": trickle}) as server, make_transport(server.url) as transport:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(3.5):
                await transport.request("GET", "/slow")
        await settle(lambda: server.open_connections() == 0)


async def test_closing_the_client_closes_the_session_it_created() -> None:
    async with serve({"/ok": answering({"ok": True})}) as server:
        async with Pocketsflow(KEY, base_url=server.url, rate_limit=None) as client:
            assert await client.request("GET", "/ok") == {"ok": True}
            session = client._transport._session
            assert session is not None
            assert not session.closed
        assert session.closed
        del session
        gc.collect()  # an unclosed session would warn here, and warnings are errors


async def test_a_caller_owned_session_is_used_and_left_open() -> None:
    async with serve({"/ok": answering({"ok": True})}) as server:
        async with aiohttp.ClientSession(headers={"X-Owner": "app"}) as session:
            async with Pocketsflow(KEY, base_url=server.url, session=session) as client:
                await client.request("GET", "/ok")
            assert not session.closed
            async with session.get(f"{server.url}/ok") as response:  # still usable
                assert response.status == 200
        assert server.seen[0].headers["X-Owner"] == "app"


async def test_a_thousand_concurrent_calls_complete() -> None:
    async def ping(request: web.Request) -> web.Response:
        await asyncio.sleep(0.01)
        return json_response({"n": int(request.query["n"])})

    async with (
        serve({"/ping": ping}) as server,
        make_transport(server.url, max_connections=64) as transport,
    ):
        async with asyncio.timeout(120):
            responses = await asyncio.gather(
                *(transport.request("GET", "/ping", params={"n": n}) for n in range(1000))
            )
    assert [r.json()["n"] for r in responses] == list(range(1000))
    assert server.hits() == 1000


# A cancelled call ends cancelled: never with another exception, never as if it went on. A
# caller that counts every ``Exception`` and tries again (a worker loop) would otherwise go on
# after its task was cancelled, and spin once its client is closed.


async def ends_cancelled(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` (still running) and check that it ends cancelled."""
    assert not task.done(), "the call ended before it could be cancelled"
    task.cancel()
    await asyncio.wait([task])
    assert task.cancelled(), task.exception() or "the call went on as if never cancelled"


async def cancelled_at_every_step(send: Callable[[], Awaitable[object]], steps: int) -> None:
    """Cancel ``send()`` after 0, 1, 2, ... ``steps - 1`` turns of the loop: each call that is
    still running when cancelled must end cancelled."""
    for step in range(steps):
        task = asyncio.create_task(send())
        for _ in range(step):
            await asyncio.sleep(0)
        if task.done():
            await task  # it finished first: fine, if it succeeded
        else:
            await ends_cancelled(task)


async def test_a_call_cancelled_at_any_step_ends_cancelled(tmp_path: Path) -> None:
    rates = {
        "in-memory limiter": RateLimit(10_000, 60),
        "file limiter": RateLimit(10_000, 60, backend=FileBackend(tmp_path / "budget")),
    }
    async with serve(answering({"ok": True})) as server:
        for rate in rates.values():
            async with make_transport(server.url, rate_limit=rate) as transport:
                await cancelled_at_every_step(lambda: transport.request("GET", "/ok"), 60)


@pytest.mark.looptime(False)  # the loop stalls for real
@pytest.mark.parametrize("reading", ["head", "body"])
@pytest.mark.parametrize("first", ["cancellation", "timeout"])
async def test_a_cancellation_meeting_the_request_timeout_stays_a_cancellation(
    reading: str, first: str
) -> None:
    # On a busy machine the loop stalls; the request's timeout and the task's cancellation
    # then run in one turn. aiohttp's own total timer turned that into a TimeoutError.
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        if reading == "body":
            await response.prepare(request)
            await response.write(b"[")
        await release.wait()
        return response

    async with (
        serve(stall) as server,
        make_transport(server.url, timeout=Timeout(total=0.5), max_retries=0) as transport,
    ):
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(transport.request("GET", "/stall"))
        await asyncio.sleep(0.2)  # in flight, its timeout 0.3 s away
        assert not task.done()
        if first == "cancellation":
            loop.call_soon(lambda: (time.sleep(0.6), task.cancel()))
        else:
            loop.call_soon(time.sleep, 0.6)
            loop.call_later(0.4, task.cancel)  # due after the timeout, both past when it wakes
        await asyncio.wait([task])
        release.set()
    assert task.cancelled(), task.exception()


async def test_a_call_cancelled_in_its_retry_backoff_ends_cancelled() -> None:
    async with (
        serve(answering({"message": "busy"}, status=503)) as server,
        make_transport(server.url, max_retries=1) as transport,  # a 0.5 s backoff
    ):
        task = asyncio.create_task(transport.request("GET", "/busy"))
        await settle(lambda: server.hits() == 1)
        await asyncio.sleep(0.25)
        await ends_cancelled(task)
    assert server.hits() == 1


async def test_a_call_cancelled_in_a_429_pause_ends_cancelled() -> None:
    limiter = WindowLimiter(RateLimit(100, 60))
    async with (
        serve(answering({"message": "slow down"}, status=429, Retry_After="30")) as server,
        make_transport(server.url, rate_limit=limiter, max_retries=1) as transport,
    ):
        task = asyncio.create_task(transport.request("GET", "/busy"))
        await settle(lambda: server.hits() == 1)
        await asyncio.sleep(10)  # the retry waits for the limiter's pause
        await ends_cancelled(task)
    assert server.hits() == 1


@pytest.mark.looptime(False)  # Redis's clock is real
async def test_a_call_cancelled_in_a_redis_limiter_ends_cancelled(redis_server: Any) -> None:
    async with serve(answering({"ok": True})) as server:
        # Redis-py writes each command through asyncio.wait_for, which on Python 3.11 drops a
        # cancellation that arrives as the write completes: the first steps of the sweep.
        rate = RateLimit(10_000, 60, backend=redis_server.url)
        async with make_transport(server.url, rate_limit=rate) as transport:
            await transport.request("GET", "/ok")  # connected
            await cancelled_at_every_step(lambda: transport.request("GET", "/ok"), 40)

        # Waiting for a slot in the shared log: the slot is given back, the call is cancelled.
        rate = RateLimit(1, 60, backend=f"{redis_server.url}?prefix=wait")
        async with make_transport(server.url, rate_limit=rate) as transport:
            await transport.request("GET", "/ok")  # this window's budget is spent
            sent = server.hits()
            task = asyncio.create_task(transport.request("GET", "/ok"))
            await asyncio.sleep(0.3)
            await ends_cancelled(task)
            assert server.hits() == sent

        # Redis does not answer (paused), within its timeout: still a cancellation.
        rate = RateLimit(10_000, 60, backend=f"{redis_server.url}?prefix=paused")
        async with make_transport(server.url, rate_limit=rate) as transport:
            await transport.request("GET", "/ok")
            sent = server.hits()
            with redis.Redis.from_url(redis_server.url) as admin:
                admin.client_pause(1000, all=True)
            task = asyncio.create_task(transport.request("GET", "/ok"))
            await asyncio.sleep(0.3)
            await ends_cancelled(task)
            assert server.hits() == sent
