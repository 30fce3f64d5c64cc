"""The limiter's guarantee under hostile conditions: one endpoint under several names, clients
asking for different rates, event-loop stalls of 0.5-5 s, and a tampered state file.

Stalls on the virtual clock are modelled as what they are: the loop's clock jumps while no
callback runs (as when a callback blocks the loop), between two of its iterations.
"""

from __future__ import annotations

import asyncio
import logging
import math
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from _admissions import max_in_any_interval
from _loopback import KEY, serve
from conftest import SandboxFactory
from storeflow import Pocketsflow, RateLimit, ratelimit
from storeflow.ratelimit import FileBackend, WindowLimiter

RATE = RateLimit(20, 60.0)


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    # Each test's virtual clock starts at 0: no limiter may carry reservations across tests.
    ratelimit._registry.limiters.clear()
    yield
    ratelimit._registry.limiters.clear()


def stall(seconds: float) -> None:
    """Block the running (looptime) loop for ``seconds`` of its virtual time: the clock jumps
    while nothing runs, exactly what a callback that blocks the loop does to a real clock."""
    loop = asyncio.get_running_loop()
    ticks = round(seconds * 1_000_000)  # looptime's default resolution is a microsecond
    loop._LoopTimeEventLoop__now += ticks  # type: ignore[attr-defined]


class Arrivals:
    """A loopback API that records the loop time at which each request arrives."""

    def __init__(self) -> None:
        self.times: list[float] = []

    async def handler(self, request: web.Request) -> web.Response:
        self.times.append(asyncio.get_running_loop().time())
        return web.json_response({"ok": True})


async def send(pf: Pocketsflow, count: int) -> None:
    await asyncio.gather(*(pf.request("GET", "/users/me") for _ in range(count)))


# --- one endpoint, one budget ----------------------------------------------------------------


@pytest.mark.looptime
async def test_one_endpoint_under_two_names_has_one_budget() -> None:
    arrivals = Arrivals()
    async with serve(arrivals.handler) as server:
        port = server.url.rsplit(":", 1)[1]
        async with (
            Pocketsflow(KEY, base_url=f"http://127.0.0.1:{port}", rate_limit=RATE) as a,
            Pocketsflow(KEY, base_url=f"http://localhost:{port}", rate_limit=RATE) as b,
        ):
            assert a._transport.limiter is b._transport.limiter
            await asyncio.gather(send(a, 30), send(b, 30))
    assert len(arrivals.times) == 60
    assert max_in_any_interval(arrivals.times, RATE.period) <= RATE.requests


@pytest.mark.looptime
async def test_clients_with_different_rates_share_the_stricter_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    arrivals = Arrivals()
    rates = [
        RateLimit(20, 60.0, margin=0.01),
        RateLimit(20, 60.0, margin=0.05),
        RateLimit(20, 60.0, strategy="paced"),
        RateLimit(15, 60.0),
    ]
    async with serve(arrivals.handler) as server:
        clients = [Pocketsflow(KEY, base_url=server.url, rate_limit=rate) for rate in rates]
        try:
            await asyncio.gather(*(send(pf, 15) for pf in clients))
        finally:
            for pf in clients:
                await pf.aclose()
    assert len(arrivals.times) == 60
    assert max_in_any_interval(arrivals.times, 60.0) <= 15
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings
    assert all("stricter" in r.getMessage() for r in warnings)
    assert clients[0]._transport.limiter.rate == RateLimit(  # type: ignore[union-attr]
        15, 60.0, margin=0.05, strategy="paced"
    )


# --- event-loop stalls -----------------------------------------------------------------------


@pytest.mark.looptime
@pytest.mark.parametrize("seconds", [0.5, 1.0, 2.0, 5.0])
async def test_a_stall_while_waiting_for_a_slot_takes_a_new_slot(seconds: float) -> None:
    # 60 requests: 20 at once, 20 waiting for 60.6, 20 for 121.2. The loop stalls just before
    # the second batch's slot, so it wakes late; sent then, it must be counted then.
    limiter = WindowLimiter(RATE)
    loop = asyncio.get_running_loop()
    sent: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        sent.append(loop.time())

    async def stall_at(t: float) -> None:
        await asyncio.sleep(t)
        stall(seconds)

    await asyncio.gather(stall_at(60.0), *(one() for _ in range(60)))
    assert len(sent) == 60
    assert max_in_any_interval(sent, RATE.period) <= RATE.requests


@pytest.mark.looptime
@pytest.mark.parametrize("seconds", [0.5, 1.0, 2.0, 5.0])
async def test_a_stall_between_admission_and_send_holds_the_next_window(seconds: float) -> None:
    # The hostile case: a burst of 20 is admitted at once, then the loop blocks while their
    # connections open, so they reach the server `seconds` late.
    arrivals = Arrivals()
    async with (
        serve(arrivals.handler) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=RATE, max_connections=20) as pf,
    ):

        async def stall_after_the_burst() -> None:
            while pf._transport.stats.requests < RATE.requests:  # noqa: ASYNC110 - a counter
                await asyncio.sleep(0)
            stall(seconds)

        await asyncio.gather(stall_after_the_burst(), send(pf, 60))
    assert len(arrivals.times) == 60
    assert min(arrivals.times) >= seconds  # the stall did delay the burst
    assert max_in_any_interval(arrivals.times, RATE.period) <= RATE.requests


@pytest.mark.parametrize("seconds", [0.5, 2.0])
async def test_a_stall_after_a_burst_draws_no_429_from_the_sandbox(
    sandbox_factory: SandboxFactory, seconds: float
) -> None:
    # Real time, scaled: the sandbox counts 20 per 60 of its seconds, which pass in 2 real ones.
    sandbox = await sandbox_factory(rate_limit="sliding", limit=20, window=60.0, time_scale=30.0)
    rate = RateLimit(20, 2.0, margin=0.05)
    async with Pocketsflow(
        sandbox.pocketsflow_test_key,
        base_url=sandbox.pocketsflow_url,
        rate_limit=rate,
        max_connections=20,
        max_retries=0,
    ) as pf:

        async def stall_after_the_burst() -> None:
            while pf._transport.stats.requests < rate.requests:  # noqa: ASYNC110 - a counter
                await asyncio.sleep(0)
            time.sleep(seconds)  # noqa: ASYNC251 - the blocking callback under test

        await asyncio.gather(
            stall_after_the_burst(), *(pf.users.me() for _ in range(3 * rate.requests))
        )
    stats = sandbox.stats().pocketsflow
    assert stats.rate_limited == 0
    assert stats.max_per_sliding_window <= 20


# --- a tampered FileBackend --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02",  # torn: not a whole number of doubles
        struct.pack("3d", 0.0, math.nan, 1.0),
        struct.pack("3d", -math.inf, 5.0, 1.0),  # slots out of order
        struct.pack("2d", math.inf, 1.0),
        struct.pack("2d", 1e300, 1.0),  # a pause no clock reaches
        struct.pack("2d", -math.inf, 1e300),
    ],
    ids=["torn", "nan", "unsorted", "inf", "far-pause", "far-slot"],
)
@pytest.mark.looptime
async def test_a_corrupt_state_file_is_reported_once_and_rebuilt_conservatively(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "limiter.state"
    state.write_bytes(content)
    limiter = WindowLimiter(RateLimit(5, 10.0), backend=FileBackend(state))
    loop = asyncio.get_running_loop()
    admitted = []
    for _ in range(7):
        await limiter.acquire()
        admitted.append(loop.time())
    reports = [r for r in caplog.records if "corrupt" in r.getMessage()]
    assert len(reports) == 1
    assert str(state) in reports[0].getMessage()
    # Nothing is known about what the lost log held: nobody is admitted for a whole window.
    window = RateLimit(5, 10.0).window
    assert admitted[0] == pytest.approx(window)
    assert admitted[:5] == pytest.approx([window] * 5)
    assert admitted[5:] == pytest.approx([2 * window] * 2)
    assert max_in_any_interval(admitted, 10.0) <= 5
