"""Adaptive slow-down against a sandbox that enforces half what the client believes.

The sandbox allows 100 requests per 60 s (Pocketsflow's "100 per minute standard"); the client
believes 200 (its "200 per IP"). With ``adaptive=True`` the limiter halves its rate on the first
429 of an episode and recovers by 10 a window up to 90% of the rate that drew the 429: two
episodes at most (at 200, then at 110), each drawing about the requests in flight (bound here:
3 x max_connections in all), then none.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from _redis_server import RedisServer
from conftest import SandboxFactory
from storeflow import Pocketsflow, RateLimit
from storeflow.errors import RateLimitError

TRUE_LIMIT = 100
BELIEVED = 200
WINDOW = 60.0  # sandbox seconds
TIME_SCALE = 120.0  # a 60 s window passes in 0.5 s
PERIOD = WINDOW / TIME_SCALE
IN_FLIGHT = 8
WINDOWS = 16  # 2 episodes and 6 windows of recovery fit in the first 10
QUIET = 5  # the last windows, which must see no 429


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> str | None:
    if request.param == "memory":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


async def test_adaptive_limiter_learns_the_real_limit_with_a_bounded_number_of_429s(
    sandbox_factory: SandboxFactory, backend: str | None
) -> None:
    sandbox = await sandbox_factory(
        rate_limit="sliding", limit=TRUE_LIMIT, window=WINDOW, time_scale=TIME_SCALE
    )
    # A 10% margin: 50 ms of arrival jitter tolerated in these half-second windows, so that
    # a 429 in the quiet windows can only mean the limiter did not learn.
    rate = RateLimit(BELIEVED, PERIOD, margin=0.1, adaptive=True, backend=backend)
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + WINDOWS * PERIOD
    refused_before_quiet = -1
    async with Pocketsflow(
        sandbox.pocketsflow_test_key,
        base_url=sandbox.pocketsflow_url,
        rate_limit=rate,
        max_connections=IN_FLIGHT,
    ) as pf:

        async def worker() -> None:
            while loop.time() < deadline:
                # Retried and refused again: the 429s are what this test counts.
                with contextlib.suppress(RateLimitError):
                    await pf.users.me()

        async def watch() -> None:
            nonlocal refused_before_quiet
            await asyncio.sleep((WINDOWS - QUIET) * PERIOD)
            refused_before_quiet = sandbox.stats().pocketsflow.rate_limited

        await asyncio.gather(watch(), *(worker() for _ in range(IN_FLIGHT)))

    stats = sandbox.stats().pocketsflow
    # Two episodes, each drawing about the requests in flight when its first 429 came (and a
    # few of their retries, or requests admitted before the pause reached Redis).
    assert 1 <= stats.rate_limited <= 3 * IN_FLIGHT, stats
    assert stats.rate_limited == refused_before_quiet, "429s after the limiter had learnt"
    # And it still uses most of what the server allows: the ceiling settles at 90-99 of 100.
    ok = stats.by_status.get(200, 0)
    assert ok >= 0.6 * TRUE_LIMIT * WINDOWS, stats
