"""The sandbox's fault injection over real loopback HTTP: errors, HTML pages, dropped
connections, truncated and slow bodies, latency, reproducibility and the option's syntax."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
import orjson
import pytest

from _sandbox_tools import Http
from storeflow.sandbox import Faults, Sandbox, Scale

# -- faults -------------------------------------------------------------------------------------


async def test_injected_errors_leave_state_alone(sandbox: Sandbox, pf: Http) -> None:
    sandbox.faults = Faults(error_rate=1.0)
    before = len(sandbox.pocketsflow.list_products())
    replies = [await pf("POST", "/products", json={"name": "x", "price": 1}) for _ in range(12)]
    assert {r.status for r in replies} == {500, 502, 503}
    assert all(r.json == {"message": "Injected server error"} for r in replies)
    assert len(sandbox.pocketsflow.list_products()) == before
    assert sandbox.stats().pocketsflow.faults == Counter(f"error_{r.status}" for r in replies)


async def test_html_error_page(sandbox: Sandbox, pf: Http) -> None:
    sandbox.faults = Faults(html_rate=1.0)
    reply = await pf("POST", "/products", json={"name": "x", "price": 1})
    assert reply.status == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "<html>" in reply.text
    assert len(sandbox.pocketsflow.list_products()) == Scale().products


async def test_dropped_connection_after_the_change(sandbox: Sandbox, pf: Http) -> None:
    sandbox.faults = Faults(drop_rate=1.0)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await pf("POST", "/products", json={"name": "Dropped", "price": 1})
    names = [p["name"] for p in sandbox.pocketsflow.list_products()]
    assert names.count("Dropped") == 1
    assert sandbox.stats().pocketsflow.faults == {"drop": 1}


async def test_truncated_json(sandbox: Sandbox, pf: Http) -> None:
    sandbox.faults = Faults(truncate_rate=1.0)
    reply = await pf("GET", "/products")
    assert reply.status == 200
    full = orjson.dumps(sandbox.pocketsflow.list_products()).decode()
    assert reply.text == full[: len(full.encode()) // 2]
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(reply.text)


async def test_slow_body_arrives_whole_and_late(sandbox: Sandbox, pf: Http) -> None:
    sandbox.faults = Faults(slow_body_rate=1.0, slow_body_delay=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    products = await pf.ok("GET", "/products")
    assert loop.time() - started >= 0.2
    assert products == sandbox.pocketsflow.list_products()


async def test_latency_is_added_before_the_answer(sandbox: Sandbox, pf: Http) -> None:
    sandbox.faults = Faults(latency=0.1, jitter=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await pf.ok("GET", "/users/me")
    assert loop.time() - started >= 0.1


async def test_faults_are_reproducible_and_spare_admin(
    sandbox: Sandbox, pf: Http, session: aiohttp.ClientSession
) -> None:
    async def outcomes(faults: Faults) -> list[int]:
        sandbox.faults = faults
        return [(await pf("GET", "/users/me")).status for _ in range(30)]

    first = await outcomes(Faults(seed=1, error_rate=0.3, html_rate=0.2))
    assert await outcomes(Faults(seed=1, error_rate=0.3, html_rate=0.2)) == first
    assert await outcomes(Faults(seed=2, error_rate=0.3, html_rate=0.2)) != first
    assert set(first) - {200}
    assert 200 in first
    sandbox.faults = Faults(error_rate=1.0, drop_rate=1.0)
    admin = Http(session, sandbox.pocketsflow_url, None)
    assert (await admin.ok("GET", "/_admin/stats"))["requests"] == 90
    sandbox.faults = Faults()
    assert (await pf("GET", "/users/me")).status == 200


def test_faults_parse_and_check() -> None:
    assert Faults.parse("latency=0.05, error_rate=0.1,seed=3") == Faults(
        seed=3, latency=0.05, error_rate=0.1
    )
    assert Faults.parse("") == Faults()
    assert not Faults().enabled
    assert Faults(jitter=0.1).enabled
    with pytest.raises(ValueError, match="bad fault 'nope=1'"):
        Faults.parse("nope=1")
    with pytest.raises(ValueError, match="is not a number"):
        Faults.parse("latency=fast")
    with pytest.raises(ValueError, match="error_rate must be between 0 and 1"):
        Faults(error_rate=1.5)
    with pytest.raises(ValueError, match="latency must be >= 0"):
        Faults(latency=-1)
