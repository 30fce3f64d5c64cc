"""The sandbox core and the Pocketsflow simulator, over real loopback HTTP.

The sandboxes the conftest fixtures start validate every answer against the schemas; the few
started directly (threads, subprocesses, the CLI) are about starting and stopping.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import tomllib
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import orjson
import pytest
from attrs import frozen

from conftest import ResponseLog
from storeflow.sandbox import Clock, Faults, Sandbox, Scale
from storeflow.sandbox._common import newest_first
from storeflow.sandbox._data import iso

SandboxFactory = Callable[..., Awaitable[Sandbox]]
UNKNOWN_ID = "0123456789abcdef01234567"
_DEFAULT = object()


@frozen
class Reply:
    status: int
    headers: Mapping[str, str]
    text: str

    @property
    def json(self) -> Any:
        return orjson.loads(self.text)


class Http:
    """A tiny JSON client for one site (the SDK's client is tested elsewhere)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, key: str | None) -> None:
        self.session = session
        self.base = base
        self.key = key

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        key: Any = _DEFAULT,
        json: Any = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        key = self.key if key is _DEFAULT else key
        sent = dict(headers or {})
        if key is not None:
            sent.setdefault("Authorization", f"Bearer {key}")
        async with self.session.request(
            method, self.base + path, json=json, data=data, params=params, headers=sent
        ) as response:
            return Reply(response.status, dict(response.headers), await response.text())

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        reply = await self(method, path, **kwargs)
        assert reply.status == 200, (reply.status, reply.text)
        return reply.json


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def pf_of(sandbox: Sandbox, session: aiohttp.ClientSession, key: str | None = None) -> Http:
    return Http(session, sandbox.pocketsflow_url, key or sandbox.pocketsflow_test_key)


@pytest.fixture
def pf(sandbox: Sandbox, session: aiohttp.ClientSession) -> Http:
    return pf_of(sandbox, session)


@pytest.fixture
def shared_pf(shared_sandbox: Sandbox, session: aiohttp.ClientSession) -> Http:
    return pf_of(shared_sandbox, session)


class ManualClock(Clock):
    """A clock whose time the test sets."""

    def __init__(self, start: float, time_scale: float = 1.0) -> None:
        super().__init__(time_scale)
        self.t = start

    def now(self) -> float:
        return self.t


def fee(gross: float, taxes: float) -> float:
    gross_cents, taxes_cents = round(gross * 100), round(taxes * 100)
    if not gross_cents:
        return 0.0
    return min(round(gross_cents * 0.05) + 30, gross_cents - taxes_cents) / 100


async def all_orders(http: Http, **params: str) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = []
    page = 1
    while True:
        body = await http.ok(
            "GET", "/orders", params={**params, "page": str(page), "pageSize": "100"}
        )
        orders += body["orders"]
        if not body["pagination"]["hasMore"]:
            return orders
        page += 1


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


# -- auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Missing API key"),
        ("", "Missing API key"),
        ("pk_test_abc", "Malformed API key"),
        ("Basic pk_test_abc", "Malformed API key"),
        ("Bearer abc", "Malformed API key"),
        ("Bearer pk_prod_abc", "Malformed API key"),
        ("Bearer pk_test_", "Malformed API key"),
        ("Bearer pk_test_0000", "Invalid API key"),
        ("Bearer pk_live_0000", "Invalid API key"),
    ],
)
async def test_auth_refusals(shared_pf: Http, header: str | None, message: str) -> None:
    headers = {} if header is None else {"Authorization": header}
    reply = await shared_pf("GET", "/products", key=None, headers=headers)
    assert reply.status == 401
    assert reply.json["message"].startswith(message)


async def test_error_messages_never_echo_the_key(shared_pf: Http) -> None:
    reply = await shared_pf("GET", "/products", key="pk_test_secret0000secret")
    assert reply.status == 401
    assert "secret" not in reply.text


async def test_bearer_scheme_is_case_insensitive(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    headers = {"Authorization": f"bearer {shared_sandbox.pocketsflow_test_key}"}
    assert (await shared_pf("GET", "/users/me", key=None, headers=headers)).status == 200


async def test_test_and_live_keys_see_separate_datasets(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    test = pf_of(sandbox, session)
    live = pf_of(sandbox, session, sandbox.pocketsflow_live_key)
    test_products = await test.ok("GET", "/products")
    live_products = await live.ok("GET", "/products")
    assert len(test_products) == Scale().products
    assert len(live_products) == Scale().for_live().products
    assert not {p["_id"] for p in test_products} & {p["_id"] for p in live_products}
    assert (await live("GET", f"/products/{test_products[0]['_id']}")).status == 404
    created = await live.ok("POST", "/products", json={"name": "Live only", "price": 1})
    assert (await test("GET", f"/products/{created['_id']}")).status == 404
    assert created == sandbox.pocketsflow_store("live").get_product(created["_id"])
    assert (await test.ok("GET", "/users/me")) != (await live.ok("GET", "/users/me"))


async def test_product_reviews_are_public(sandbox: Sandbox, pf: Http) -> None:
    reviews = sandbox.pocketsflow.list_reviews(None)
    product_id = reviews[0]["productId"]
    public = await pf.ok("GET", f"/reviews/{product_id}", key=None)
    assert public == sandbox.pocketsflow.list_reviews(product_id)
    assert public
    assert all(r["productId"] == product_id for r in public)
    live_product = sandbox.pocketsflow_store("live").list_products()[0]["_id"]
    assert await pf.ok("GET", f"/reviews/{live_product}", key=None) == (
        sandbox.pocketsflow_store("live").list_reviews(live_product)
    )
    assert (await pf("GET", f"/reviews/{UNKNOWN_ID}", key=None)).status == 404
    assert (await pf("GET", "/reviews/nope", key=None)).status == 404
    assert (await pf("GET", "/reviews", key=None)).status == 401


# -- 404 and malformed ids ----------------------------------------------------------------------

ID_ROUTES = [
    ("GET", "/products/{}", None),
    ("DELETE", "/products/{}", None),
    ("POST", "/products/update/{}", {"name": "x"}),
    ("DELETE", "/products/variants/{}", None),
    ("GET", "/orders/{}", None),
    ("GET", "/customers/{}", None),
    ("GET", "/discounts/{}", None),
    ("POST", "/discounts/{}", {"name": "x"}),
    ("DELETE", "/discounts/{}", None),
    ("GET", "/upsells/{}", None),
    ("POST", "/upsells/{}", {"name": "x"}),
    ("DELETE", "/upsells/{}", None),
    ("GET", "/orders/subscriptions/{}", None),
    ("POST", "/orders/subscriptions/cancel/{}", None),
    ("POST", "/orders/subscriptions/refund/{}", None),
]


@pytest.mark.parametrize(("method", "template", "body"), ID_ROUTES)
async def test_unknown_ids_are_404(shared_pf: Http, method: str, template: str, body: Any) -> None:
    reply = await shared_pf(method, template.format(UNKNOWN_ID), json=body)
    assert reply.status == 404
    assert reply.json["message"].endswith("not found")


@pytest.mark.parametrize(("method", "template", "body"), ID_ROUTES)
@pytest.mark.parametrize("unknown", ["65ABC123", "prod_456def", UNKNOWN_ID.upper()])
async def test_ids_that_are_no_objectid_are_looked_up_too(
    shared_pf: Http, method: str, template: str, body: Any, unknown: str
) -> None:
    # The reference does not say ids are ObjectIds (its webhook examples show others): an id
    # the sandbox did not make names no record.
    reply = await shared_pf(method, template.format(unknown), json=body)
    assert reply.status == 404
    assert reply.json["message"].endswith("not found")


async def test_variant_of_unknown_product_is_404(shared_pf: Http) -> None:
    body = {"productId": UNKNOWN_ID, "name": "Pro", "price": 10}
    assert (await shared_pf("POST", "/products/variants", json=body)).status == 404


async def test_upsell_of_unknown_product_is_404(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    product = shared_sandbox.pocketsflow.list_products()[0]["_id"]
    body = {
        "name": "Up",
        "mainProductIds": [product],
        "upsellProductId": UNKNOWN_ID,
        "upsellPrice": 5,
    }
    reply = await shared_pf("POST", "/upsells", json=body)
    assert reply.status == 404
    assert UNKNOWN_ID in reply.json["message"]


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"page": "0"}, "page must be an integer of at least 1"),
        ({"page": "one"}, "page must be an integer"),
        ({"page": "1.5"}, "page must be an integer"),
        ({"page": ""}, "page must be an integer"),
        ({"page": "9" * 30}, "page must be an integer between 1 and 9223372036854775807"),
        ({"page": "9223372036854775808"}, "page must be an integer between 1 and 9223"),
        ({"pageSize": "9" * 30}, "pageSize must be an integer between 1 and 9223372036854775807"),
        ({"page": "-" + "9" * 30}, "page must be an integer of at least 1"),
        ({"pageSize": "0"}, "pageSize must be an integer of at least 1"),
        ({"startDate": "yesterday"}, "startDate must be an ISO 8601 date-time"),
        ({"endDate": "2024-13-01"}, "endDate must be an ISO 8601 date-time"),
    ],
)
async def test_orders_parameters_are_checked(
    shared_pf: Http, params: dict[str, str], needle: str
) -> None:
    reply = await shared_pf("GET", "/orders", params=params)
    assert reply.status == 400
    assert needle in reply.json["message"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"sortBy": "name"}, "sortBy must be one of email, country, numberOfOrders, createdAt"),
        ({"sortOrder": "up"}, "sortOrder must be one of asc, desc"),
    ],
)
async def test_customers_parameters_are_checked(
    shared_pf: Http, params: dict[str, str], needle: str
) -> None:
    reply = await shared_pf("GET", "/customers", params=params)
    assert reply.status == 400
    assert needle in reply.json["message"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"price": 10}, "name is required"),
        ({"name": "x"}, "price is required"),
        ({"name": 5, "price": 10}, "name must be a string"),
        ({"name": "x", "price": -1}, "price must be a number of at least 0"),
        ({"name": "x", "price": "10"}, "price must be a number"),
        ({"name": "x", "price": True}, "price must be a number"),
        ({"name": "x", "price": None}, "price must be a number"),
        ({"name": "x", "price": 1, "published": "yes"}, "published must be true or false"),
        ({"name": "x", "price": 1, "description": None}, "description must be a string"),
        ({"name": "x", "price": 1, "color": "red"}, "unknown field 'color'"),
        ([1, 2], "the request body must be a JSON object"),
    ],
)
async def test_product_create_body_is_checked(shared_pf: Http, body: Any, needle: str) -> None:
    reply = await shared_pf("POST", "/products", json=body)
    assert reply.status == 400
    assert needle in reply.json["message"]


@pytest.mark.parametrize(
    ("data", "needle"),
    [(b"{not json", "not valid JSON"), (b"", "must be a JSON object"), (b"42", "JSON object")],
)
async def test_bodies_must_be_json_objects(shared_pf: Http, data: bytes, needle: str) -> None:
    headers = {"Content-Type": "application/json"}
    reply = await shared_pf("POST", "/products", data=data, headers=headers)
    assert reply.status == 400
    assert needle in reply.json["message"]


async def test_an_empty_update_changes_nothing(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    # The reference does not forbid an update with no field: the record comes back unchanged.
    store = shared_sandbox.pocketsflow
    product = store.list_products()[0]
    discount = store.list_discounts()[0]
    upsell = store.list_upsells()["upsells"][0]
    for path, record in (
        (f"/products/update/{product['_id']}", product),
        (f"/discounts/{discount['_id']}", discount),
        (f"/upsells/{upsell['_id']}", upsell),
        ("/users/update", store.user()),
    ):
        assert await shared_pf.ok("POST", path, json={}) == record, path


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", "/orders", {"pageSize": "101"}, None),
        ("GET", "/orders", {"productId": "abc"}, None),
        ("GET", "/customers", {"productId": "x"}, None),
        ("POST", "/orders/subscriptions", None, {"pageSize": 250}),
        ("POST", "/orders/subscriptions", None, {"startDate": "2024-01-01T10:00:00+02:00"}),
        ("POST", "/products", None, {"name": "", "price": 10}),
        ("POST", "/discounts", None,
         {"name": "Noël", "code": "NOËL 24", "value": 5, "valueType": "fixed"}),
        ("POST", "/users/update", None, {"currency": "usd", "country": "us"}),
    ],
)  # fmt: skip
async def test_what_the_reference_does_not_forbid_is_served(
    pf: Http, method: str, path: str, query: dict[str, str] | None, body: Any
) -> None:
    reply = await pf(method, path, params=query, json=body)
    assert reply.status == 200, reply.json


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"valueType": "ratio"}, "valueType must be one of percentage, fixed"),
        ({"value": 150}, "value must be at most 100 for a percentage"),
        ({"value": -5}, "value must be a number of at least 0"),
        ({"mainProductIds": "abc"}, "mainProductIds must be an array"),
        ({"mainProductIds": ["abc"]}, "product abc not found"),
        ({"mainProductIds": [UNKNOWN_ID]}, f"product {UNKNOWN_ID} not found"),
        ({"active": 1}, "active must be true or false"),
        ({"used": 3}, "unknown field 'used'"),
    ],
)
async def test_discount_create_body_is_checked(
    shared_pf: Http, body: dict[str, Any], needle: str
) -> None:
    full = {"name": "Sale", "code": "SALE", "value": 10, "valueType": "percentage", **body}
    reply = await shared_pf("POST", "/discounts", json=full)
    assert reply.status == 400
    assert needle in reply.json["message"]


async def test_discount_codes_are_unique(sandbox: Sandbox, pf: Http) -> None:
    existing = sandbox.pocketsflow.list_discounts()
    body = {"name": "Dup", "code": existing[0]["code"].lower(), "value": 5, "valueType": "fixed"}
    reply = await pf("POST", "/discounts", json=body)
    assert reply.status == 400
    assert "exists" in reply.json["message"]
    renamed = await pf("POST", f"/discounts/{existing[1]['_id']}", json=body)
    assert renamed.status == 400
    same = await pf.ok("POST", f"/discounts/{existing[0]['_id']}", json={"code": body["code"]})
    assert same["code"] == body["code"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"upsellPrice": "5"}, "upsellPrice must be a number"),
        ({"upsellDescription": None}, "upsellDescription must be a string"),
    ],
)
async def test_upsell_create_body_is_checked(
    shared_sandbox: Sandbox, shared_pf: Http, body: dict[str, Any], needle: str
) -> None:
    product = shared_sandbox.pocketsflow.list_products()[0]["_id"]
    full = {
        "name": "Up",
        "mainProductIds": [product],
        "upsellProductId": product,
        "upsellPrice": 5,
        **body,
    }
    reply = await shared_pf("POST", "/upsells", json=full)
    assert reply.status == 400
    assert needle in reply.json["message"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"firstName": 3}, "firstName must be a string"),
        ({"email": "a@b.c"}, "unknown field 'email'"),
    ],
)
async def test_user_update_body_is_checked(
    shared_pf: Http, body: dict[str, Any], needle: str
) -> None:
    reply = await shared_pf("POST", "/users/update", json=body)
    assert reply.status == 400
    assert needle in reply.json["message"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"page": 0}, "page must be an integer of at least 1"),
        ({"page": 1.5}, "page must be an integer"),
        ({"page": 1e20}, "page must be an integer between 1 and 9223372036854775807"),
        ({"page": 2**64}, "page must be an integer between 1 and 9223372036854775807"),
        ({"pageSize": 0}, "pageSize must be an integer of at least 1"),
        ({"startDate": "2024/01/01"}, "startDate must be an ISO 8601 date such as 2024-01-31"),
        ({"endDate": "2024-02-30"}, "endDate must be an ISO 8601 date such as 2024-01-31"),
        ({"status": "active"}, "unknown field 'status'"),
    ],
)
async def test_subscriptions_query_is_checked(
    shared_pf: Http, body: dict[str, Any], needle: str
) -> None:
    reply = await shared_pf("POST", "/orders/subscriptions", json=body)
    assert reply.status == 400
    assert needle in reply.json["message"]


async def test_variant_body_is_checked(shared_pf: Http) -> None:
    reply = await shared_pf("POST", "/products/variants", json={"name": "x", "price": 1})
    assert reply.status == 400
    assert "productId is required" in reply.json["message"]


# -- lists, pagination, filters, sorting --------------------------------------------------------


async def test_orders_are_newest_first_and_pages_cover_the_store(
    shared_sandbox: Sandbox, shared_pf: Http
) -> None:
    orders = await all_orders(shared_pf)
    assert orders == list(shared_sandbox.pocketsflow.dump("orders"))
    assert len(orders) == Scale().orders
    assert len({o["_id"] for o in orders}) == len(orders)
    created = [o["createdAt"] for o in orders]
    assert created == sorted(created, reverse=True)


async def test_pagination_block_and_edges(shared_pf: Http) -> None:
    total = Scale().orders
    first = await shared_pf.ok("GET", "/orders")
    assert first["pagination"] == {
        "totalCount": total,
        "totalPages": math.ceil(total / 20),
        "currentPage": 1,
        "pageSize": 20,
        "hasMore": True,
    }
    assert len(first["orders"]) == 20
    size = 30
    last_page = math.ceil(total / size)
    last = await shared_pf.ok("GET", "/orders", params={"page": str(last_page), "pageSize": "30"})
    assert len(last["orders"]) == total - (last_page - 1) * size
    assert last["pagination"]["hasMore"] is False
    past = await shared_pf.ok(
        "GET", "/orders", params={"page": str(last_page + 1), "pageSize": "30"}
    )
    assert past["orders"] == []
    assert past["pagination"]["hasMore"] is False
    assert past["pagination"]["currentPage"] == last_page + 1
    assert past["pagination"]["totalCount"] == total


async def test_integers_up_to_64_bits_are_taken_as_sent(shared_pf: Http) -> None:
    padded = await shared_pf.ok("GET", "/orders", params={"page": "0" * 30 + "2"})
    assert padded["pagination"]["currentPage"] == 2
    largest = await shared_pf.ok("GET", "/orders", params={"page": str(2**63 - 1)})
    assert largest["orders"] == []
    assert largest["pagination"]["currentPage"] == 2**63 - 1
    body = {"page": 2**63 - 1}
    assert (await shared_pf.ok("POST", "/orders/subscriptions", json=body))["subscriptions"] == []


def test_newest_first_pages_from_the_end() -> None:
    for rows in (range(5), [0, 1, 2, 3, 4]):
        pages = [list(newest_first(rows, page, 2)) for page in (1, 2, 3, 4)]
        assert pages == [[4, 3], [2, 1], [0], []]
    assert list(newest_first(range(0), 1, 20)) == []


async def test_empty_store(sandbox_factory: SandboxFactory, session: aiohttp.ClientSession) -> None:
    http = pf_of(await sandbox_factory(scale=Scale.empty()), session)
    page = await http.ok("GET", "/orders")
    assert page == {
        "orders": [],
        "pagination": {
            "totalCount": 0,
            "totalPages": 0,
            "currentPage": 1,
            "pageSize": 20,
            "hasMore": False,
        },
    }
    for path in ("/products", "/customers", "/reviews", "/discounts"):
        assert await http.ok("GET", path) == []
    assert await http.ok("GET", "/upsells") == {"upsells": [], "salesWithUpsells": []}
    subscriptions = await http.ok("POST", "/orders/subscriptions")
    assert subscriptions["subscriptions"] == []
    assert subscriptions["pagination"]["totalPages"] == 0


async def test_date_filters_are_inclusive(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    orders = list(shared_sandbox.pocketsflow.dump("orders"))
    newer, older = orders[100], orders[199]
    params = {"startDate": older["createdAt"], "endDate": newer["createdAt"]}
    window = await all_orders(shared_pf, **params)
    expected = [o for o in orders if older["createdAt"] <= o["createdAt"] <= newer["createdAt"]]
    assert window == expected
    assert window[0] == newer
    assert window[-1] == older
    offset = {"startDate": older["createdAt"].replace("Z", "+00:00")}
    assert (await shared_pf.ok("GET", "/orders", params=offset))["pagination"]["totalCount"] == 200
    naive = {"endDate": newer["createdAt"].removesuffix("Z")}
    total = (await shared_pf.ok("GET", "/orders", params=naive))["pagination"]["totalCount"]
    assert total == len(orders) - 100


async def test_product_filter(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    orders = list(shared_sandbox.pocketsflow.dump("orders"))
    product_id = Counter(o["product"]["_id"] for o in orders).most_common(1)[0][0]
    filtered = await all_orders(shared_pf, productId=product_id)
    assert filtered == [o for o in orders if o["product"]["_id"] == product_id]
    start = filtered[4]["createdAt"]
    both = await all_orders(shared_pf, productId=product_id, startDate=start)
    assert both == filtered[:5]
    nobody = await shared_pf.ok("GET", "/orders", params={"productId": UNKNOWN_ID})
    assert nobody["orders"] == []
    assert nobody["pagination"]["totalCount"] == 0


@pytest.mark.parametrize("sort_by", ["email", "country", "numberOfOrders", "createdAt"])
@pytest.mark.parametrize("sort_order", ["asc", "desc"])
async def test_customer_sorting(shared_pf: Http, sort_by: str, sort_order: str) -> None:
    params = {"sortBy": sort_by, "sortOrder": sort_order}
    customers = await shared_pf.ok("GET", "/customers", params=params)
    assert len(customers) == Scale().customers
    field = "buyerEmail" if sort_by == "email" else sort_by
    values = [c[field] for c in customers if c[field] is not None]
    assert values == sorted(values, reverse=sort_order == "desc")
    nulls = [i for i, c in enumerate(customers) if c[field] is None]
    assert nulls == list(range(len(customers) - len(nulls), len(customers)))


async def test_customers_default_order_and_product_filter(
    shared_sandbox: Sandbox, shared_pf: Http
) -> None:
    customers = await shared_pf.ok("GET", "/customers")
    created = [c["createdAt"] for c in customers]
    assert created == sorted(created, reverse=True)
    orders = list(shared_sandbox.pocketsflow.dump("orders"))
    product_id = orders[0]["product"]["_id"]
    buyers = {o["buyerEmail"] for o in orders if o["product"]["_id"] == product_id}
    filtered = await shared_pf.ok("GET", "/customers", params={"productId": product_id})
    assert {c["buyerEmail"] for c in filtered} == buyers
    assert await shared_pf.ok("GET", "/customers", params={"productId": UNKNOWN_ID}) == []


async def test_subscription_pages_and_dates(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    everything = list(shared_sandbox.pocketsflow.dump("subscriptions"))
    page = await shared_pf.ok("POST", "/orders/subscriptions", json={"page": 2, "pageSize": 7})
    assert page["subscriptions"] == everything[7:14]
    assert page["pagination"]["totalCount"] == Scale().subscriptions
    day = everything[10]["createdAt"][:10]
    same_day = await shared_pf.ok(
        "POST", "/orders/subscriptions", json={"startDate": day, "endDate": day, "pageSize": 100}
    )
    assert same_day["subscriptions"] == [s for s in everything if s["createdAt"][:10] == day]
    assert everything[10] in same_day["subscriptions"]


async def test_reads_match_the_store(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    store = shared_sandbox.pocketsflow
    assert await shared_pf.ok("GET", "/products") == list(store.dump("products"))
    assert await shared_pf.ok("GET", "/reviews") == list(store.dump("reviews"))
    assert await shared_pf.ok("GET", "/discounts") == list(store.dump("discounts"))
    upsells = await shared_pf.ok("GET", "/upsells")
    assert upsells["upsells"] == list(store.dump("upsells"))
    assert upsells["salesWithUpsells"]
    order = list(store.dump("orders"))[3]
    detail = await shared_pf.ok("GET", f"/orders/{order['_id']}")
    assert {k: detail[k] for k in order} == order
    assert detail["customer"]["buyerEmail"] == order["buyerEmail"]
    customer = detail["customer"]
    history = await shared_pf.ok("GET", f"/customers/{customer['_id']}")
    assert len(history["orders"]) == customer["numberOfOrders"]
    assert order in history["orders"]
    assert all(r["buyerEmail"] == customer["buyerEmail"] for r in history["reviews"])
    reviewed = store.list_reviews(None)[0]
    for candidate in store.dump("orders"):
        if (
            candidate["buyerEmail"] == reviewed["buyerEmail"]
            and candidate["product"]["_id"] == reviewed["productId"]
        ):
            detail = await shared_pf.ok("GET", f"/orders/{candidate['_id']}")
            if detail["review"] is not None:
                assert detail["review"]["buyerEmail"] == reviewed["buyerEmail"]
                break
    else:
        pytest.fail("no order shows the review its buyer left")


# -- consistency of state -----------------------------------------------------------------------


async def test_seeded_data_is_consistent(shared_sandbox: Sandbox) -> None:
    store = shared_sandbox.pocketsflow
    orders = list(store.dump("orders"))
    per_buyer = Counter(o["buyerEmail"] for o in orders)
    for customer in store.dump("customers"):
        assert customer["numberOfOrders"] == per_buyer[customer["buyerEmail"]]
    per_code = Counter(o["discountCode"] for o in orders if "discountCode" in o)
    assert per_code, "some seeded orders use a discount code"
    for discount in store.dump("discounts"):
        assert discount["used"] == per_code[discount["code"]]
    for order in orders:
        assert order["gross"] >= 0
        assert order["net"] >= 0
        assert order["taxes"] >= 0
        total = order["net"] + order["taxes"] + fee(order["gross"], order["taxes"])
        assert round(total, 2) == order["gross"], order
    product_ids = {p["_id"] for p in store.dump("products")}
    assert all(r["productId"] in product_ids for r in store.dump("reviews"))
    assert {r["rating"] for r in store.dump("reviews")} <= {1, 2, 3, 4, 5}


async def test_product_lifecycle(sandbox: Sandbox, pf: Http) -> None:
    body = {"name": "Notion OS", "price": 29.99, "description": "All-in-one", "showSales": True}
    created = await pf.ok("POST", "/products", json=body)
    assert {k: created[k] for k in body} == body
    assert created["variants"] == []
    assert created["published"] is True
    assert created in await pf.ok("GET", "/products")
    updated = await pf.ok("POST", f"/products/update/{created['_id']}", json={"price": 39})
    assert updated["price"] == 39
    assert updated["name"] == "Notion OS"
    assert await pf.ok("GET", f"/products/{created['_id']}") == updated
    variant_body = {"productId": created["_id"], "name": "Team", "price": 99.5}
    variant = await pf.ok("POST", "/products/variants", json=variant_body)
    assert {k: variant[k] for k in variant_body} == variant_body
    assert (await pf.ok("GET", f"/products/{created['_id']}"))["variants"] == [variant]
    other = await pf.ok("POST", "/products/variants", json={**variant_body, "name": "Solo"})
    assert (await pf.ok("DELETE", f"/products/variants/{other['_id']}"))["message"]
    assert (await pf("DELETE", f"/products/variants/{other['_id']}")).status == 404
    assert (await pf.ok("GET", f"/products/{created['_id']}"))["variants"] == [variant]
    assert (await pf.ok("DELETE", f"/products/{created['_id']}"))["message"]
    assert (await pf("GET", f"/products/{created['_id']}")).status == 404
    assert (await pf("DELETE", f"/products/variants/{variant['_id']}")).status == 404
    assert created["_id"] not in {p["_id"] for p in await pf.ok("GET", "/products")}


async def test_renaming_a_product_renames_it_in_orders(sandbox: Sandbox, pf: Http) -> None:
    order = (await pf.ok("GET", "/orders"))["orders"][0]
    product_id = order["product"]["_id"]
    await pf.ok("POST", f"/products/update/{product_id}", json={"name": "Renamed"})
    again = await pf.ok("GET", f"/orders/{order['_id']}")
    assert again["product"] == {"_id": product_id, "name": "Renamed"}


async def test_discount_lifecycle(sandbox: Sandbox, pf: Http) -> None:
    product = sandbox.pocketsflow.list_products()[0]["_id"]
    body = {
        "name": "Launch",
        "code": "LAUNCH-42",
        "value": 5,
        "valueType": "fixed",
        "mainProductIds": [product],
    }
    created = await pf.ok("POST", "/discounts", json=body)
    assert created == {**body, "_id": created["_id"], "active": True, "used": 0}
    updated = await pf.ok("POST", f"/discounts/{created['_id']}", json={"active": False})
    assert updated == {**created, "active": False}
    assert await pf.ok("GET", f"/discounts/{created['_id']}") == updated
    percent = await pf("POST", f"/discounts/{created['_id']}", json={"valueType": "percentage"})
    assert percent.status == 200  # 5 % is fine
    too_much = await pf("POST", f"/discounts/{created['_id']}", json={"value": 101})
    assert too_much.status == 400
    await pf.ok("DELETE", f"/discounts/{created['_id']}")
    assert (await pf("GET", f"/discounts/{created['_id']}")).status == 404


async def test_used_counts_survive_renaming_and_deleting_a_code(sandbox: Sandbox, pf: Http) -> None:
    used = next(d for d in await pf.ok("GET", "/discounts") if d["used"])
    renamed = await pf.ok("POST", f"/discounts/{used['_id']}", json={"code": "RENAMED"})
    assert renamed["used"] == used["used"]
    orders = list(sandbox.pocketsflow.dump("orders"))
    assert sum(o.get("discountCode") == "RENAMED" for o in orders) == used["used"]
    await pf.ok("DELETE", f"/discounts/{used['_id']}")
    orders = list(sandbox.pocketsflow.dump("orders"))
    assert sum(o.get("discountCode") == "RENAMED" for o in orders) == used["used"]


async def test_upsell_lifecycle(sandbox: Sandbox, pf: Http) -> None:
    first, second = (p["_id"] for p in sandbox.pocketsflow.list_products()[:2])
    body = {
        "name": "Bundle",
        "mainProductIds": [first],
        "upsellProductId": second,
        "upsellPrice": 9,
    }
    created = await pf.ok("POST", "/upsells", json=body)
    assert {k: created[k] for k in body} == body
    assert created["active"] is True
    assert created["upsellDescription"] is None
    assert created in (await pf.ok("GET", "/upsells"))["upsells"]
    updated = await pf.ok("POST", f"/upsells/{created['_id']}", json={"upsellPrice": 7.5})
    assert updated["upsellPrice"] == 7.5
    assert await pf.ok("GET", f"/upsells/{created['_id']}") == updated
    missing = await pf("POST", f"/upsells/{created['_id']}", json={"upsellProductId": UNKNOWN_ID})
    assert missing.status == 404
    await pf.ok("DELETE", f"/upsells/{created['_id']}")
    assert (await pf("GET", f"/upsells/{created['_id']}")).status == 404


async def test_user_update(pf: Http) -> None:
    before = await pf.ok("GET", "/users/me")
    after = await pf.ok("POST", "/users/update", json={"currency": "EUR", "firstName": "Ada"})
    assert after == {**before, "currency": "EUR", "firstName": "Ada"}
    assert await pf.ok("GET", "/users/me") == after


async def test_subscription_cancel_and_refund(sandbox: Sandbox, pf: Http) -> None:
    active = next(s for s in sandbox.pocketsflow.dump("subscriptions") if s["status"] == "active")
    path = f"/orders/subscriptions/{{}}/{active['_id']}"
    cancelled = await pf.ok("POST", path.format("cancel"))
    assert cancelled["status"] == "canceled"
    assert cancelled["canceledAt"] is not None
    assert await pf.ok("GET", f"/orders/subscriptions/{active['_id']}") == cancelled
    assert await pf.ok("POST", path.format("cancel")) == cancelled
    refunded = await pf.ok("POST", path.format("refund"))
    assert refunded["status"] == "refunded"
    assert refunded["refundedAt"] is not None
    assert refunded["canceledAt"] == cancelled["canceledAt"]
    again = await pf("POST", path.format("refund"))
    assert again.status == 400
    assert "already refunded" in again.json["message"]
    assert (await pf.ok("POST", path.format("cancel")))["status"] == "refunded"
    listed = await pf.ok("POST", "/orders/subscriptions", json={"pageSize": 100})
    assert refunded in listed["subscriptions"]


async def test_add_orders_arrive_first_and_update_counts(sandbox: Sandbox, pf: Http) -> None:
    new = sandbox.pocketsflow.add_orders(3)
    page = await pf.ok("GET", "/orders", params={"pageSize": "3"})
    assert page["orders"] == new[::-1]
    assert page["pagination"]["totalCount"] == Scale().orders + 3
    newest = new[-1]
    assert newest["createdAt"] >= iso(sandbox.clock.now() - 60)
    customers = {c["buyerEmail"]: c for c in await pf.ok("GET", "/customers")}
    orders = list(sandbox.pocketsflow.dump("orders"))
    assert customers[newest["buyerEmail"]]["numberOfOrders"] == sum(
        o["buyerEmail"] == newest["buyerEmail"] for o in orders
    )
    detail = await pf.ok("GET", f"/orders/{newest['_id']}")
    assert detail["customer"]["buyerEmail"] == newest["buyerEmail"]
    by_product = await pf.ok("GET", "/orders", params={"productId": newest["product"]["_id"]})
    assert by_product["orders"][0] == newest


async def test_an_order_of_a_huge_price_is_clamped(
    sandbox_factory: SandboxFactory, session: aiohttp.ClientSession
) -> None:
    sandbox = await sandbox_factory(scale=Scale.empty())
    http = pf_of(sandbox, session)
    await http.ok("POST", "/products", json={"name": "Priceless", "price": 1e307})
    (order,) = sandbox.pocketsflow.add_orders(1)
    assert order["gross"] == 2**62 / 100
    assert await http.ok("GET", f"/orders/{order['_id']}") == {
        **order,
        "customer": sandbox.pocketsflow.list_customers(None, "createdAt", "desc")[0],
        "review": None,
    }


async def test_reset_restores_the_seeded_state(sandbox: Sandbox, pf: Http) -> None:
    before = {c: list(sandbox.pocketsflow.dump(c)) for c in sandbox.pocketsflow.collections()}
    await pf.ok("POST", "/products", json={"name": "Temp", "price": 1})
    sandbox.pocketsflow.add_orders(2)
    sandbox.reset()
    after = {c: list(sandbox.pocketsflow.dump(c)) for c in sandbox.pocketsflow.collections()}
    assert after == before
    assert sandbox.stats().pocketsflow.requests == 0


# -- determinism --------------------------------------------------------------------------------


def test_same_seed_same_data_different_seed_different_data() -> None:
    from storeflow.sandbox import PocketsflowStore

    def snapshot(seed: int) -> dict[str, list[dict[str, Any]]]:
        store = PocketsflowStore(seed=seed, scale=Scale(), clock=Clock())
        return {c: list(store.dump(c)) for c in store.collections()}

    first, again, other = snapshot(3), snapshot(3), snapshot(4)
    assert first == again
    for collection in first:
        assert first[collection], collection
        assert first[collection] != other[collection], collection
    assert Sandbox(seed=3).pocketsflow_test_key == Sandbox(seed=3).pocketsflow_test_key
    assert Sandbox(seed=3).pocketsflow_test_key != Sandbox(seed=4).pocketsflow_test_key
    assert Sandbox(seed=3).reflow_api_key != Sandbox(seed=4).reflow_api_key


def test_names_become_ascii_slugs_and_emails() -> None:
    from storeflow.sandbox._data import email, slug

    assert slug("Sofía Núñez") == "sofia-nunez"
    assert slug("Nikolai O'Brien") == "nikolai-o-brien"
    assert email("Tomás Kowalski", 7, random.Random(0)).startswith("tomas.kowalski7@")


def test_seeded_values_look_real() -> None:
    from storeflow.sandbox import PocketsflowStore

    store = PocketsflowStore(seed=0, scale=Scale(), clock=Clock())
    oid = re.compile(r"[0-9a-f]{24}")
    customers = list(store.dump("customers"))
    assert len({c["buyerEmail"] for c in customers}) == len(customers)
    assert all(re.fullmatch(r"[a-z.]+\d+@[a-z.]+", c["buyerEmail"]) for c in customers)
    countries = Counter(c["country"] for c in customers)
    assert countries.most_common(1)[0][0] == "US"
    assert all(c is None or re.fullmatch("[A-Z]{2}", c) for c in countries)
    orders = list(store.dump("orders"))
    assert all(oid.fullmatch(o["_id"]) for o in orders)
    years = Counter(o["createdAt"][:4] for o in orders)
    assert set(years) == {"2023", "2024"}
    assert len({o["product"]["_id"] for o in orders}) > 10


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
        env=_env_with_src(),
        timeout=120,
        check=True,
    )
    seen = orjson.loads(done.stdout)
    assert seen["pocketsflow"] == [1_000_000, 20]
    assert seen["reflow"] == [1_000_000, 20]
    assert seen["peak"] < 2**30


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


# -- the command line ---------------------------------------------------------------------------

SRC = Path(__file__).resolve().parents[2] / "src"


def _env_with_src() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def test_cli_sandbox_serves_until_ctrl_c() -> None:
    command = [
        *(sys.executable, "-m", "storeflow.cli", "sandbox", "--port", "0", "--seed", "5"),
        *("--orders", "30", "--rate-limit", "sliding", "--faults", "latency=0.001"),
        *("--drift", "2"),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env_with_src()
    )
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        shown = "".join(lines)
        expected = Sandbox(seed=5)
        assert expected.pocketsflow_test_key in shown
        assert expected.pocketsflow_live_key in shown
        assert expected.reflow_api_key in shown
        assert "267418190" in shown
        url = re.search(r"Pocketsflow\s+(http://127\.0\.0\.1:\d+)", shown)
        assert url is not None, shown
        request = urllib.request.Request(
            f"{url.group(1)}/orders",
            headers={"Authorization": f"Bearer {expected.pocketsflow_test_key}"},
        )
        with urllib.request.urlopen(request) as response:
            # Drift may spell the count 30.0 or "30".
            assert float(orjson.loads(response.read())["pagination"]["totalCount"]) == 30
        with urllib.request.urlopen(f"{url.group(1)}/_admin/stats") as response:
            assert sum(orjson.loads(response.read())["drift"].values()) > 0
        assert re.search(r"Reflow\s+http://127\.0\.0\.1:\d+/v2", shown)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "Sandbox stopped." in process.stdout.read()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


async def test_cli_sandbox_serves_where_the_loop_cannot_handle_signals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from storeflow.cli import _serve

    def unsupported(*_args: Any) -> None:
        raise NotImplementedError  # as on Windows, where Ctrl-C is a KeyboardInterrupt instead

    monkeypatch.setattr(asyncio.get_running_loop(), "add_signal_handler", unsupported)
    sandbox = Sandbox(rate_limit="off", scale=Scale.empty())
    ready = asyncio.Event()
    serving = asyncio.create_task(_serve(sandbox, lambda _sandbox: ready.set()))
    started = asyncio.create_task(ready.wait())
    await asyncio.wait({serving, started}, return_when=asyncio.FIRST_COMPLETED)
    assert started.done()
    assert not serving.done(), serving.exception()
    assert sandbox.running
    serving.cancel()  # what asyncio.run does with the main task on Ctrl-C
    with pytest.raises(asyncio.CancelledError):
        await serving
    assert not sandbox.running


def test_cli_without_rich_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storeflow.cli import main

    monkeypatch.setitem(sys.modules, "rich", None)
    assert main(["sandbox"]) == 2
    assert capsys.readouterr().err.strip() == (
        "storeflow: the command line needs its extra: pip install 'storeflow[cli]' "
        "(from a clone of the repository: pip install '.[cli]')"
    )


@pytest.mark.parametrize(
    "arguments",
    [["--faults", "nope=1"], ["--port", "-1"], ["--limit", "0"], ["--rate-limit", "leaky"]],
)
def test_cli_refuses_bad_arguments(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from storeflow.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", *arguments])
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_cli_reports_a_taken_port() -> None:
    # In a subprocess: asyncio.run inside a synchronous test leaves pytest-asyncio a stray loop.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "storeflow.cli", "sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            env=_env_with_src(),
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert done.stdout.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")


# -- the pytest plugin --------------------------------------------------------------------------


def test_pytest_plugin_is_registered() -> None:
    pyproject = tomllib.loads((SRC.parent / "pyproject.toml").read_text())
    entry_points = pyproject["project"]["entry-points"]["pytest11"]
    assert entry_points == {"storeflow_sandbox": "storeflow.sandbox.pytest_plugin"}


def test_pytest_plugin_fixtures(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(
        """
        import aiohttp
        import pytest
        from storeflow.sandbox import Sandbox, Scale

        started = []

        @pytest.mark.asyncio
        async def test_default(storeflow_sandbox):
            started.append(storeflow_sandbox)
            headers = {"Authorization": f"Bearer {storeflow_sandbox.pocketsflow_test_key}"}
            async with aiohttp.ClientSession() as session:
                url = f"{storeflow_sandbox.pocketsflow_url}/users/me"
                async with session.get(url, headers=headers) as response:
                    assert response.status == 200
            assert storeflow_sandbox.rate_limit == "fixed"

        @pytest.mark.asyncio
        async def test_factory(storeflow_sandbox_factory):
            first = await storeflow_sandbox_factory(seed=1, scale=Scale(orders=3))
            second = await storeflow_sandbox_factory(seed=2, rate_limit="off")
            started.extend([first, second])
            assert first.pocketsflow.state()["orders"] == 3
            assert first.pocketsflow_url != second.pocketsflow_url

        def test_all_stopped():
            assert len(started) == 3
            assert not any(sandbox.running for sandbox in started)

        def test_loaded_through_the_entry_point(request):
            plugin = request.config.pluginmanager.get_plugin("storeflow_sandbox")
            assert plugin is not None
            assert plugin.__name__ == "storeflow.sandbox.pytest_plugin"
        """
    )
    monkeypatch.setenv("PYTHONPATH", _env_with_src()["PYTHONPATH"])
    # The installed package's pytest11 entry point must load the plugin by itself. (The slow
    # plugins this suite has installed are left out: they take seconds to load.)
    result = pytester.runpytest_subprocess(
        *("-o", "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function"),
        *("-W", "error", "-p", "no:cacheprovider"),
        *("-p", "no:schemathesis", "-p", "no:hypothesispytest"),
    )
    result.assert_outcomes(passed=4)


def test_pytest_plugin_without_pytest_asyncio_says_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        # Shadows the installed package, as if it were not there.
        pytest_asyncio="raise ImportError('pytest-asyncio is not installed')",
        test_fixture="def test_fixture(storeflow_sandbox):\n    pass\n",
    )
    monkeypatch.setenv("PYTHONPATH", _env_with_src()["PYTHONPATH"])
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "storeflow.sandbox.pytest_plugin")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*the storeflow_sandbox fixture runs on the test's event loop and needs pytest-asyncio*"]
    )
