"""Cancellation gives everything back; sessions close exactly when they should; no deadlocks.

Warnings are errors in this suite, so an "Unclosed client session" or "Unclosed connector" from
any test here fails it.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

import aiohttp
import pytest
from aiohttp import web

from _loopback import KEY, answering, json_response, make_transport, serve
from storeflow import Pocketsflow
from storeflow.ratelimit import MemoryBackend, RateLimit, WindowLimiter

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
