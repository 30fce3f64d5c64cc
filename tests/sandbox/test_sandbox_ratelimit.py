"""The sandbox's rate limiter over real loopback HTTP: fixed and sliding windows, what counts,
per-site budgets, Retry-After, and the statistics, on a clock the test sets."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from _sandbox_tools import Http, ManualClock, Reply, pf_of
from conftest import SandboxFactory

# -- rate limiting ------------------------------------------------------------------------------


async def burst(http: Http, n: int) -> list[Reply]:
    return [await http("GET", "/users/me") for _ in range(n)]


async def test_fixed_window_limit(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock(start=6_000.0 + 10.0)  # 10 s into a 60 s window
    sandbox = await sandbox_factory(rate_limit="fixed", clock=clock)
    http = pf_of(sandbox, session)
    assert [r.status for r in await burst(http, 200)] == [200] * 200
    refused = await http("GET", "/users/me")
    assert refused.status == 429
    assert refused.json == {"message": "Too many requests, please try again later."}
    assert refused.headers["Retry-After"] == "50"
    clock.t = 6_000.0 + 59.5
    assert (await http("GET", "/users/me")).headers["Retry-After"] == "1"
    clock.t = 6_060.0  # the next window
    assert [r.status for r in await burst(http, 200)] == [200] * 200
    assert (await http("GET", "/users/me")).status == 429
    stats = sandbox.stats().pocketsflow
    assert stats.rate_limited == 3
    assert stats.requests == 403
    assert stats.max_per_window == 202  # every arrival counts, refused ones too
    assert stats.per_window == {6_000: 202, 6_060: 201}
    # Reflow is another host with its own budget.
    reflow = Http(session, sandbox.reflow_url, None)
    plans = await reflow("GET", f"/projects/{sandbox.reflow_project_id}/plans/")
    assert plans.status == 200


async def test_sliding_window_refuses_across_the_boundary(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    clocks = {mode: ManualClock(start=6_030.0, time_scale=60.0) for mode in ("fixed", "sliding")}
    sites = {
        mode: pf_of(await sandbox_factory(rate_limit=mode, clock=clock), session)
        for mode, clock in clocks.items()
    }
    for http in sites.values():
        assert {r.status for r in await burst(http, 200)} == {200}
    for clock in clocks.values():
        clock.t = 6_061.0  # a new fixed window, but within 60 s of the burst
    assert (await sites["fixed"]("GET", "/users/me")).status == 200
    refused = await sites["sliding"]("GET", "/users/me")
    assert refused.status == 429
    # 29 sandbox seconds until the burst leaves the interval: 29/60 real seconds at 60x.
    assert refused.headers["Retry-After"] == "0.483"
    clocks["sliding"].t = 6_089.999
    assert (await sites["sliding"]("GET", "/users/me")).status == 429
    clocks["sliding"].t = 6_090.0  # the interval (6030, 6090] no longer holds the burst
    assert [r.status for r in await burst(sites["sliding"], 200)] == [200] * 200


async def test_refused_requests_do_not_count(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock(start=0.0)
    http = pf_of(
        await sandbox_factory(rate_limit="sliding", limit=3, window=10, clock=clock), session
    )
    assert [r.status for r in await burst(http, 6)] == [200, 200, 200, 429, 429, 429]
    clock.t = 10.0
    assert [r.status for r in await burst(http, 4)] == [200, 200, 200, 429]


async def test_limit_is_per_site_and_admin_is_exempt(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    sandbox = await sandbox_factory(rate_limit="fixed", limit=2, clock=ManualClock(start=1.0))
    http = pf_of(sandbox, session)
    assert [r.status for r in await burst(http, 3)] == [200, 200, 429]
    live = pf_of(sandbox, session, sandbox.pocketsflow_live_key)
    assert (await live("GET", "/users/me")).status == 429  # per address, not per key
    admin = Http(session, sandbox.pocketsflow_url, None)
    for _ in range(3):
        await admin.ok("GET", "/_admin/stats")
    reflow = Http(session, sandbox.reflow_url, None)
    statuses = [
        (await reflow("GET", f"/projects/{sandbox.reflow_project_id}/plans/")).status
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert (await reflow("GET", "/projects/1/plans/")).json == {
        "error": "Too many requests, please try again later."
    }


async def test_retry_after_is_enough_in_scaled_real_time(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    sandbox = await sandbox_factory(rate_limit="sliding", limit=5, window=60, time_scale=600)
    http = pf_of(sandbox, session)
    statuses = [r.status for r in await burst(http, 5)]
    assert statuses == [200] * 5
    refused = await http("GET", "/users/me")
    assert refused.status == 429
    wait = float(refused.headers["Retry-After"])
    assert 0 < wait <= 0.1  # a minute at 600x is 0.1 s
    assert re.fullmatch(r"\d+\.\d{3}", refused.headers["Retry-After"])
    await asyncio.sleep(wait + 0.01)
    assert (await http("GET", "/users/me")).status == 200


async def test_stats_measure_the_busiest_sliding_interval(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock(start=50.0)
    sandbox = await sandbox_factory(rate_limit="off", clock=clock)
    http = pf_of(sandbox, session)
    await burst(http, 7)
    clock.t = 65.0
    await burst(http, 5)
    clock.t = 111.0
    await burst(http, 2)
    stats = sandbox.stats().pocketsflow
    assert stats.per_window == {0: 7, 60: 7}
    assert stats.max_per_window == 7
    assert stats.max_per_sliding_window == 12
    assert stats.by_route == {"GET /users/me": 14}


async def test_stats_keep_windows_shorter_than_a_second_apart(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    clock = ManualClock(start=10.1)
    sandbox = await sandbox_factory(rate_limit="fixed", limit=1, window=0.5, clock=clock)
    http = pf_of(sandbox, session)
    assert (await http("GET", "/users/me")).status == 200
    clock.t = 10.6  # the next half-second window
    assert (await http("GET", "/users/me")).status == 200
    stats = sandbox.stats().pocketsflow
    assert stats.per_window == {10.0: 1, 10.5: 1}
    assert stats.max_per_window == 1
    admin = Http(session, sandbox.pocketsflow_url, None)
    assert (await admin.ok("GET", "/_admin/stats"))["per_window"] == {"10": 1, "10.5": 1}
