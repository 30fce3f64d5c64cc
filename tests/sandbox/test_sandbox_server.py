"""The sandbox core over real loopback HTTP: starting and stopping, URLs, keys and ports, the
admin routes, the schema check of every answer, and a million orders in memory.

The sandboxes the conftest fixtures start validate every answer against the schemas; the few
started directly (threads, subprocesses) are about starting and stopping.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp
import attrs
import orjson
import pytest

from _sandbox_tools import UNKNOWN_ID, Http, ManualClock, env_with_src, pf_of
from conftest import ResponseLog, SandboxFactory
from storeflow.sandbox import Clock, Faults, Sandbox, Scale

# -- starting, keys, admin ----------------------------------------------------------------------


async def test_urls_keys_and_project_id(sandbox: Sandbox) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox.pocketsflow_url)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v2", sandbox.reflow_url)
    assert sandbox.pocketsflow_url.rsplit(":", 1)[1] != sandbox.reflow_url.split(":")[2]
    assert re.fullmatch(r"pk_test_[0-9a-f]{24}", sandbox.pocketsflow_test_key)
    assert re.fullmatch(r"pk_live_[0-9a-f]{24}", sandbox.pocketsflow_live_key)
    assert sandbox.reflow_project_id == 267418190
    assert sandbox.reflow_api_key


async def test_port_n_serves_pocketsflow_on_n_and_reflow_on_n_plus_1(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    for _attempt in range(5):  # another process may grab port N + 1 in between
        probe = await sandbox_factory()
        port = int(probe.pocketsflow_url.rsplit(":", 1)[1])
        await probe.stop()
        try:
            sandbox = await sandbox_factory(port=port)
        except OSError:
            continue
        break
    else:
        pytest.fail("no free pair of ports")
    assert sandbox.pocketsflow_url == f"http://127.0.0.1:{port}"
    assert sandbox.reflow_url == f"http://127.0.0.1:{port + 1}/v2"
    assert (await pf_of(sandbox, session).ok("GET", "/users/me"))["_id"]


async def test_not_running_raises() -> None:
    sandbox = Sandbox()
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.pocketsflow_url
    with pytest.raises(RuntimeError, match="not running"):
        sandbox.stats()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rate_limit": "leaky"}, "rate_limit"),
        ({"limit": 0}, "limit"),
        ({"window": 0}, "window"),
        ({"time_scale": 0}, "time_scale"),
        ({"port": 70000}, "port"),
        ({"reflow_project_id": 0}, "reflow_project_id"),
        ({"clock": Clock(), "time_scale": 2.0}, "clock"),
    ],
)
def test_invalid_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Sandbox(**options)


def test_running_in_thread_serves_sync_callers(response_log: ResponseLog) -> None:
    with Sandbox(rate_limit="off", validate=response_log).running_in_thread() as sandbox:
        request = urllib.request.Request(
            f"{sandbox.pocketsflow_url}/users/me",
            headers={"Authorization": f"Bearer {sandbox.pocketsflow_test_key}"},
        )
        with urllib.request.urlopen(request) as response:
            assert orjson.loads(response.read())["_id"] == sandbox.pocketsflow.user()["_id"]
    with pytest.raises(RuntimeError):
        _ = sandbox.pocketsflow_url


def test_running_in_thread_reports_a_failed_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        sandbox = Sandbox(port=taken.getsockname()[1])
        with pytest.raises(OSError, match="in use"), sandbox.running_in_thread():
            pytest.fail("the sandbox should not have started")
    assert not sandbox.running


async def test_a_taken_port_is_named(sandbox_factory: SandboxFactory) -> None:
    for _attempt in range(5):  # port - 1 may be taken by another process too
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            with pytest.raises(OSError, match=r"cannot listen on 127\.0\.0\.1:") as failure:
                await sandbox_factory(port=port - 1)  # Reflow's port, port, is the taken one
        if f"127.0.0.1:{port}:" in str(failure.value):
            assert "in use" in str(failure.value)
            return
    pytest.fail("no free port below a taken one")


def test_scale() -> None:
    assert Scale.demo().orders == 10_000
    assert Scale.empty() == Scale(**dict.fromkeys(attrs.asdict(Scale()), 0))
    live = Scale(orders=1_000, reviews=5, upsells=0).for_live()
    assert (live.orders, live.reviews, live.upsells) == (100, 1, 0)
    with pytest.raises(ValueError, match=r"Scale.orders must be >= 0"):
        Scale(orders=-1)


async def test_admin_routes(sandbox: Sandbox, pf: Http, session: aiohttp.ClientSession) -> None:
    created = await pf.ok("POST", "/products", json={"name": "Kit", "price": 5})
    await pf("GET", "/nowhere")
    admin = Http(session, sandbox.pocketsflow_url, None)
    stats = await admin.ok("GET", "/_admin/stats")
    assert stats["requests"] == 2
    assert stats["by_route"] == {"POST /products": 1, "unmatched": 1}
    assert stats["by_status"] == {"200": 1, "404": 1}
    state = await admin.ok("GET", "/_admin/state")
    assert state["test"]["products"] == Scale().products + 1
    assert state["live"]["products"] == Scale().for_live().products
    assert await admin.ok("POST", "/_admin/reset") == {"reset": True}
    assert (await pf("GET", f"/products/{created['_id']}")).status == 404
    assert (await admin.ok("GET", "/_admin/stats"))["requests"] == 1
    reflow_admin = Http(session, sandbox.reflow_url.removesuffix("/v2"), None)
    assert (await reflow_admin.ok("GET", "/_admin/stats"))["requests"] == 0
    reflow_state = await reflow_admin.ok("GET", "/_admin/state")
    assert reflow_state == sandbox.reflow.state()
    assert reflow_state["orders"] == Scale().reflow_orders
    assert await reflow_admin.ok("POST", "/_admin/reset") == {"reset": True}


async def test_unknown_route_and_wrong_method_answer_json(pf: Http) -> None:
    missing = await pf("GET", "/nope")
    assert missing.status == 404
    assert "message" in missing.json
    wrong = await pf("PUT", "/products")
    assert wrong.status == 405
    assert wrong.json["message"]
    assert "GET" in wrong.headers["Allow"]


# -- every answer is checked against the schemas -------------------------------------------------

ORDER = {
    "_id": "65abc1230000000000000001",
    "buyerEmail": "customer@example.com",
    "gross": 49.99,
    "net": 45.99,
    "taxes": 0,
    "createdAt": "2024-01-20T14:30:00Z",
    "product": {"_id": "65abc1230000000000000002", "name": "My Product"},
}
PAGINATION = {"totalCount": 1, "totalPages": 1, "currentPage": 1, "pageSize": 20, "hasMore": False}
LINKS = {"first": None, "last": None}
META = {"current_page": 1, "last_page": 1, "per_page": 20, "total": 1}


async def test_every_json_answer_is_checked(
    sandbox_factory: SandboxFactory, response_log: Any, session: aiohttp.ClientSession
) -> None:
    sandbox = await sandbox_factory(rate_limit="fixed", limit=5, clock=ManualClock(start=1.0))
    pf = pf_of(sandbox, session)
    reflow = Http(session, sandbox.reflow_url, None)
    plans = f"/projects/{sandbox.reflow_project_id}/plans/"
    statuses = [
        (await pf("GET", "/users/me")).status,
        (await pf("GET", "/users/me", key=None)).status,
        (await pf("GET", f"/products/{UNKNOWN_ID}")).status,
        (await pf("GET", "/orders", params={"page": "0"})).status,
        (await pf("POST", "/products", json={"name": "Kit", "price": 5})).status,
        (await pf("GET", "/users/me")).status,
        (await reflow("GET", plans)).status,
    ]
    assert statuses == [200, 401, 404, 400, 200, 429, 200]
    sandbox.faults = Faults(error_rate=1.0)
    assert (await reflow("GET", plans)).status in {500, 502, 503}
    sandbox.faults = Faults(html_rate=1.0)
    assert (await reflow("GET", plans)).status == 502  # HTML: nothing to check
    assert (await pf("GET", "/nowhere")).status == 429  # no route, no schema: not checked
    assert response_log.checked == len(statuses) + 1
    assert response_log.violations == []


@pytest.mark.parametrize(
    ("api", "method", "route", "status", "body", "problem"),
    [
        ("pocketsflow", "GET", "/orders", 200, {"orders": [ORDER], "pagination": PAGINATION}, None),
        ("pocketsflow", "GET", "/orders/{id}", 404, {"message": "Order not found"}, None),
        ("reflow", "GET", "/projects/{projectId}/plans", 503, {"error": "down"}, None),
        (
            "pocketsflow",
            "GET",
            "/orders",
            200,
            {"orders": [{**ORDER, "createdAt": "yesterday"}], "pagination": PAGINATION},
            "at orders/0/createdAt: 'yesterday' is not a 'date-time'",
        ),
        (
            "pocketsflow",
            "GET",
            "/orders",
            200,
            {"orders": []},
            "at (root): 'pagination' is a required property",
        ),
        (
            "pocketsflow",
            "GET",
            "/reviews",
            200,
            [{**ORDER, "productId": ORDER["_id"], "rating": 6}],
            "at 0/rating: 6 is greater than the maximum of 5",
        ),
        (
            "reflow",
            "GET",
            "/projects/{projectId}/products",
            200,
            {"data": [{"id": 1, "name": "P", "price": "10"}], "links": LINKS, "meta": META},
            "at data/0/price: '10' is not of type 'integer'",
        ),
        ("pocketsflow", "GET", "/users/me", 418, {"message": "x"}, "which pocketsflow.yaml does"),
        ("pocketsflow", "GET", "/nowhere", 200, {}, "no operation GET /nowhere"),
    ],
)
def test_the_schema_check_names_what_is_wrong(
    schema_checker: Any,
    api: str,
    method: str,
    route: str,
    status: int,
    body: Any,
    problem: str | None,
) -> None:
    found = schema_checker.check(api, method, route, status, orjson.dumps(body))
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_a_broken_answer_fails_the_test(new_response_log: Callable[[], Any]) -> None:
    log = new_response_log()
    log("pocketsflow", "GET", "/users/me", 200, b"{not json")
    log("pocketsflow", "GET", "/users/me", 200, b'{"email": "a@example.com"}')
    assert log.checked == 2
    with pytest.raises(pytest.fail.Exception, match="2 sandbox answer"):
        log.fail_if_violated()
    log.fail_if_violated(since=2)


MILLION_ORDERS = """
import asyncio, json, resource, sys
import aiohttp
from storeflow.sandbox import Sandbox, Scale

async def main():
    scale = Scale(orders=1_000_000, reflow_orders=1_000_000)
    async with Sandbox(scale=scale, rate_limit="off") as sb, aiohttp.ClientSession() as session:
        last = {"page": "50000"}
        headers = {"Authorization": f"Bearer {sb.pocketsflow_test_key}"}
        async with session.get(f"{sb.pocketsflow_url}/orders", params=last, headers=headers) as r:
            pocketsflow = await r.json()
        headers = {"Authorization": f"Bearer {sb.reflow_api_key}"}
        url = f"{sb.reflow_url}/projects/{sb.reflow_project_id}/orders/"
        async with session.get(url, params=last, headers=headers) as r:
            reflow = await r.json()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB (bytes on macOS)
    print(json.dumps({
        "pocketsflow": [pocketsflow["pagination"]["totalCount"], len(pocketsflow["orders"])],
        "reflow": [reflow["meta"]["total"], len(reflow["data"])],
        "peak": peak if sys.platform == "darwin" else peak * 1024,
    }))

asyncio.run(main())
"""


def test_a_million_orders_of_each_api_fit_in_a_gibibyte() -> None:
    # In its own process, so that the peak memory is the sandbox's alone.
    done = subprocess.run(
        [sys.executable, "-c", MILLION_ORDERS],
        capture_output=True,
        text=True,
        env=env_with_src(),
        timeout=120,
        check=True,
    )
    seen = orjson.loads(done.stdout)
    assert seen["pocketsflow"] == [1_000_000, 20]
    assert seen["reflow"] == [1_000_000, 20]
    assert seen["peak"] < 2**30


def test_a_schema_pattern_is_searched_for_as_json_schema_does() -> None:
    from storeflow._operation import Rule
    from storeflow.sandbox._checks import Body
    from storeflow.sandbox._http import HTTPFailure, message_body

    body = Body({}, message_body)
    digit = Rule(name="code", location="body", types=("string",), pattern="[0-9]")
    assert body.string("code", "ab1c", digit) == "ab1c"  # a match anywhere, as JSON Schema reads it
    anchored = attrs.evolve(digit, pattern="^[0-9]+$")
    assert body.string("code", "123", anchored) == "123"
    with pytest.raises(HTTPFailure):
        body.string("code", "12a", anchored)
