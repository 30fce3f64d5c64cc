"""The window limiter against the sandbox's own limiter, on a time-scaled clock.

The sandbox counts 200 requests per 60 s of its (scaled) time, per client address, in fixed
clock-aligned windows or in sliding ones, and answers 429 past that. A client with the window
limiter must draw no 429 in either mode, and still sustain at least 95% of the nominal rate once
its first burst is spent. Latency jitter makes answers arrive out of step with admissions.
"""

from __future__ import annotations

import asyncio

import pytest

from conftest import SandboxFactory
from storeflow import Pocketsflow, RateLimit
from storeflow.sandbox import Faults, Sandbox

LIMIT = 200
WINDOW = 60.0  # sandbox seconds
TIME_SCALE = 10.0  # a 60 s window passes in 6 s
# The limiter's margin is its tolerance for requests arriving later than they were admitted
# (loop lag, scheduling; here the sandbox shares the test's event loop). The default 1% of a
# real 60 s window is 600 ms; compressing time does not compress that lag, so the test keeps a
# 120 ms tolerance: 2% of its 6 s window, still five times stricter than the real default.
MARGIN = 0.02
REQUESTS = 3 * LIMIT  # the first burst, then two windows' worth
WORKERS = 32


async def saturate(sandbox: Sandbox) -> list[float]:
    """Send ``REQUESTS`` calls from ``WORKERS`` tasks as fast as the client admits them.

    Returns the loop time at which each call completed, in order of completion.
    """
    done: list[float] = []
    remaining = iter(range(REQUESTS))
    loop = asyncio.get_running_loop()
    async with Pocketsflow(
        sandbox.pocketsflow_test_key,
        base_url=sandbox.pocketsflow_url,
        rate_limit=RateLimit(LIMIT, WINDOW / TIME_SCALE, margin=MARGIN),
    ) as pf:

        async def worker() -> None:
            for _ in remaining:
                await pf.users.me()
                done.append(loop.time())

        await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return done


@pytest.mark.parametrize("mode", ["fixed", "sliding"])
async def test_the_window_limiter_draws_no_429_and_sustains_the_rate(
    sandbox_factory: SandboxFactory, mode: str
) -> None:
    sandbox = await sandbox_factory(
        rate_limit=mode,
        limit=LIMIT,
        window=WINDOW,
        time_scale=TIME_SCALE,
        faults=Faults(seed=7, latency=0.002, jitter=0.02),
    )
    started = asyncio.get_running_loop().time()
    done = await saturate(sandbox)

    stats = sandbox.stats().pocketsflow
    assert stats.rate_limited == 0
    assert stats.requests == REQUESTS
    assert stats.max_per_sliding_window <= LIMIT
    assert stats.max_per_window <= LIMIT

    # The first LIMIT go at once; each later LIMIT waits for a window (plus the margin) to pass
    # since the previous ones. The sustained rate is the requests beyond the first burst over
    # the time they took, in sandbox seconds (a whole number of windows, as REQUESTS is).
    paced = REQUESTS - LIMIT
    elapsed = (done[-1] - started) * TIME_SCALE
    sustained = paced / elapsed * WINDOW
    assert sustained >= 0.95 * LIMIT, f"{sustained:.1f} requests per window"
