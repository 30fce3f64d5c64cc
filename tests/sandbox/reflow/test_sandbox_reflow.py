"""The Reflow simulator over real loopback HTTP: auth, errors, validation, lists and state.

Every sandbox here checks its answers against schemas/reflow.yaml (see conftest). Read-only
tests use the session's shared sandbox; tests that change state start their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import pytest
from attrs import frozen

from conftest import SandboxFactory
from storeflow.sandbox import ReflowStore, Sandbox, Scale

KEY = object()
"""Send the sandbox's API key (the default of :meth:`Reflow.call`)."""


@frozen
class Reply:
    status: int
    body: Any


class Reflow:
    """A tiny JSON client for one sandbox's Reflow project."""

    def __init__(self, session: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.session = session
        self.sandbox = sandbox
        self.base = f"{sandbox.reflow_url}/projects/{sandbox.reflow_project_id}"

    async def call(
        self, method: str, path: str, *, key: object = KEY, url: str | None = None, **sent: Any
    ) -> Reply:
        """Send ``method`` to ``path`` (or to ``url``), with ``sent`` (``params``, ``json``,
        ``data``) as aiohttp takes them; ``key`` is a whole Authorization header, or ``None``."""
        headers = {}
        if key is KEY:
            headers["Authorization"] = f"Bearer {self.sandbox.reflow_api_key}"
        elif isinstance(key, str):
            headers["Authorization"] = key
        target = url if url is not None else self.base + path
        async with self.session.request(method, target, headers=headers, **sent) as response:
            return Reply(response.status, await response.json(content_type=None))

    async def ok(self, path: str, **kwargs: Any) -> Any:
        reply = await self.call("GET", path, **kwargs)
        assert reply.status == 200, reply
        return reply.body

    async def walk(self, path: str, params: Mapping[str, str] | None = None) -> list[Any]:
        """Every item of a paged list, following ``links.next`` from the first page."""
        page = await self.ok(path, params=params)
        items: list[Any] = list(page["data"])
        while page["links"]["next"] is not None:
            page = await self.ok("", url=page["links"]["next"])
            items += page["data"]
        assert len(items) == page["meta"]["total"]
        return items


@pytest.fixture
def shared(shared_sandbox: Sandbox, session: aiohttp.ClientSession) -> Reflow:
    return Reflow(session, shared_sandbox)


@pytest.fixture
async def own(sandbox: Sandbox, session: aiohttp.ClientSession) -> Reflow:
    """A client of a fresh sandbox that the test may change."""
    return Reflow(session, sandbox)


def dump(reflow: Reflow, collection: str) -> list[dict[str, Any]]:
    return list(reflow.sandbox.reflow.dump(collection))


def public_products(reflow: Reflow) -> list[dict[str, Any]]:
    store = reflow.sandbox.reflow
    return [p for p in dump(reflow, "products") if not store_product(store, p["id"]).hidden]


def store_product(store: ReflowStore, product_id: int) -> Any:
    product = store.find_product(str(product_id))
    assert product is not None
    return product


def hidden_product(reflow: Reflow) -> dict[str, Any]:
    store = reflow.sandbox.reflow
    return next(p for p in dump(reflow, "products") if store_product(store, p["id"]).hidden)


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


# -- auth -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/plans/", "/plans", "/products/", "/products", "/categories/", "/categories"],
)
async def test_public_lists_answer_without_a_key(shared: Reflow, path: str) -> None:
    assert (await shared.call("GET", path, key=None)).status == 200
    # A public endpoint does not look at the key, right or wrong.
    assert (await shared.call("GET", path, key="Bearer wrong-key")).status == 200


async def test_public_records_answer_without_a_key(shared: Reflow) -> None:
    plan = dump(shared, "plans")[0]
    product = public_products(shared)[0]
    category = dump(shared, "categories")[0]
    for path in (
        f"/plans/{plan['id']}",
        f"/products/{product['id']}",
        f"/products/{product['handle']}",
        f"/categories/{category['id']}",
        f"/categories/{category['handle']}",
    ):
        assert (await shared.call("GET", path, key=None)).status == 200, path


def protected_calls(reflow: Reflow) -> list[tuple[str, str, dict[str, str], Any]]:
    user = dump(reflow, "users")[0]
    order = dump(reflow, "orders")[0]
    product = public_products(reflow)[0]
    hidden = hidden_product(reflow)
    return [
        ("GET", "/users/", {}, None),
        ("GET", f"/users/{user['id']}", {}, None),
        ("GET", "/orders/", {}, None),
        ("GET", "/orders", {"payment_status": "paid"}, None),
        ("GET", f"/orders/{order['id']}", {}, None),
        ("GET", "/products/", {"fetch_hidden": "true"}, None),
        ("GET", f"/products/{hidden['id']}", {"fetch_hidden": "true"}, None),
        ("GET", f"/products/{product['id']}", {"fetch_hidden": "true"}, None),
    ]


async def test_protected_reads_need_the_key(shared: Reflow) -> None:
    key = shared.sandbox.reflow_api_key
    for method, path, params, body in protected_calls(shared):
        for header in (None, "Bearer wrong-key", f"Basic {key}", f"Bearer {key}x", "Bearer"):
            reply = await shared.call(method, path, params=params, key=header, json=body)
            assert reply.status == 401, (path, header, reply)
            assert isinstance(reply.body["error"], str)
            assert key not in reply.body["error"]
        assert (await shared.call(method, path, params=params, json=body)).status == 200, path
        # The scheme is case-insensitive, as HTTP says.
        lower = await shared.call(method, path, params=params, key=f"bearer {key}", json=body)
        assert lower.status == 200


async def test_updates_need_the_key(own: Reflow) -> None:
    product = public_products(own)[0]
    order = dump(own, "orders")[0]
    for path, body in (
        (f"/products/{product['id']}", {"name": "Renamed"}),
        (f"/orders/{order['id']}", {"is_archived": True}),
    ):
        for header in (None, "Bearer nope"):
            reply = await own.call("POST", path, key=header, json=body)
            assert reply.status == 401
            assert set(reply.body) == {"error"}
    # Nothing changed.
    assert (await own.ok(f"/products/{product['id']}"))["name"] == product["name"]
    assert (await own.ok(f"/orders/{order['id']}"))["is_archived"] == order["is_archived"]


# -- 404s ---------------------------------------------------------------------------------------


async def test_unknown_project_is_404(shared: Reflow) -> None:
    project = shared.sandbox.reflow_project_id
    root = shared.sandbox.reflow_url
    for other in (project + 1, "abc", f"0{project}"):
        for tail in ("/plans/", "/products", "/categories/", "/users/", "/orders/"):
            reply = await shared.call("GET", "", url=f"{root}/projects/{other}{tail}")
            assert reply.status == 404, (other, tail)
            assert reply.body == {"error": "Project not found"}


async def test_unknown_records_are_404(shared: Reflow) -> None:
    for path, params in (
        ("/plans/1", {}),
        ("/plans/abc", {}),
        ("/users/1", {}),
        ("/users/x1", {}),
        ("/orders/1", {}),
        ("/orders/99999999999999999999999", {}),
        ("/products/1", {}),
        ("/products/no-such-handle", {}),
        ("/products/1", {"fetch_hidden": "true"}),
        ("/categories/1", {}),
        ("/categories/no-such-category", {}),
        ("/categories/", {"root-category": "1"}),
    ):
        reply = await shared.call("GET", path, params=params)
        assert reply.status == 404, (path, reply)
        assert reply.body["error"].endswith("not found")


async def test_unknown_records_are_404_on_update(own: Reflow) -> None:
    for path, body in (
        ("/products/1", {"name": "x"}),
        ("/products/no-such-handle", {"price": 1}),
        ("/orders/1", {"is_archived": True}),
    ):
        reply = await own.call("POST", path, json=body)
        assert reply.status == 404, path


async def test_hidden_products_need_fetch_hidden(shared: Reflow) -> None:
    hidden = hidden_product(shared)
    for ref in (hidden["id"], hidden["handle"]):
        for params in ({}, {"fetch_hidden": "false"}):
            reply = await shared.call("GET", f"/products/{ref}", params=params)
            assert reply.status == 404
            assert reply.body == {"error": "Product not found"}
        shown = await shared.ok(f"/products/{ref}", params={"fetch_hidden": "true"})
        assert shown == hidden
    listed = await shared.walk("/products/", {"perpage": "100"})
    assert hidden["id"] not in ids(listed)
    assert ids(listed) == ids(public_products(shared))
    everything = await shared.walk("/products/", {"perpage": "100", "fetch_hidden": "true"})
    assert ids(everything) == ids(dump(shared, "products"))
    assert len(everything) > len(listed)


# -- parameter and body validation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/products/", {"page": "0"}, "page"),
        ("/products/", {"page": "abc"}, "page"),
        ("/products/", {"page": ""}, "page"),
        ("/products/", {"perpage": "0"}, "perpage"),
        ("/products/", {"perpage": "101"}, "perpage"),
        ("/products/", {"perpage": "1.5"}, "perpage"),
        ("/products/", {"category": "abc"}, "category"),
        ("/products/", {"ids": "abc"}, "ids"),
        ("/products/", {"ids": "1,,2"}, "ids"),
        ("/products/", {"ids": ""}, "ids"),
        ("/products/", {"ids": ",".join(str(n) for n in range(1, 102))}, "ids"),
        ("/products/", {"order": "cheapest"}, "order"),
        ("/products/", {"order": "name_asc,"}, "order"),
        ("/products/", {"order": "custom_desc,name_up"}, "order"),
        ("/products/", {"fetch_hidden": "yes"}, "fetch_hidden"),
        ("/products/1", {"fetch_hidden": "1"}, "fetch_hidden"),
        ("/users/", {"perpage": "500"}, "perpage"),
        ("/users/", {"page": "-1"}, "page"),
        ("/orders/", {"payment_status": "settled"}, "payment_status"),
        ("/orders/", {"fulfillment_status": "sent"}, "fulfillment_status"),
        ("/orders/", {"is_canceled": "1"}, "is_canceled"),
        ("/orders/", {"is_archived": "True"}, "is_archived"),
        ("/orders/", {"customer_email": "not-an-email"}, "customer_email"),
        ("/orders/", {"created_after": "yesterday"}, "created_after"),
        ("/orders/", {"created_after": "9" * 25}, "created_after"),
        ("/orders/", {"created_before": "1.5"}, "created_before"),
        ("/categories/", {"root-category": "abc"}, "root-category"),
    ],
)
async def test_bad_parameters_are_400_naming_them(
    shared: Reflow, path: str, params: dict[str, str], name: str
) -> None:
    reply = await shared.call("GET", path, params=params)
    assert reply.status == 400, reply
    assert name in reply.body["error"]


async def test_a_hundred_ids_are_allowed(shared: Reflow) -> None:
    products = public_products(shared)[:3]
    wanted = [str(p["id"]) for p in products] + [str(n) for n in range(1, 98)]
    page = await shared.ok("/products/", params={"ids": ",".join(wanted)})
    assert sorted(ids(page["data"])) == sorted(ids(products))


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({}, "at least one field"),
        ({"colour": "red"}, "colour"),
        ({"name": ""}, "name"),
        ({"name": "x" * 129}, "name"),
        ({"name": 5}, "name"),
        ({"price": 10.5}, "price"),
        ({"price": -1}, "price"),
        ({"price": 2**63}, "price must be an integer between 0 and 9223372036854775807"),
        ({"price": True}, "price"),
        ({"price": "1000"}, "price"),
        ({"price": None}, "price"),
        ({"inventory_type": "complex"}, "inventory_type"),
        ({"in_stock": "yes"}, "in_stock"),
        ({"stock_quantity": -1}, "stock_quantity"),
        ({"stock_quantity": 100_001}, "stock_quantity"),
        ({"stock_quantity": 2.5}, "stock_quantity"),
        ({"inventory_type": "advanced", "in_stock": True}, "in_stock"),
        ({"inventory_type": "simple", "stock_quantity": 5}, "stock_quantity"),
    ],
)
async def test_bad_product_updates_are_400(own: Reflow, body: Any, name: str) -> None:
    product = public_products(own)[0]
    reply = await own.call("POST", f"/products/{product['id']}", json=body)
    assert reply.status == 400, reply
    assert name in reply.body["error"]
    assert await own.ok(f"/products/{product['id']}") == product


async def test_inventory_fields_follow_the_products_inventory_type(own: Reflow) -> None:
    store = own.sandbox.reflow
    products = public_products(own)
    simple = next(p for p in products if p["inventory_type"] == "simple")
    advanced = next(p for p in products if p["inventory_type"] == "advanced")
    reply = await own.call("POST", f"/products/{simple['id']}", json={"stock_quantity": 3})
    assert reply.status == 400
    assert "stock_quantity" in reply.body["error"]
    reply = await own.call("POST", f"/products/{advanced['id']}", json={"in_stock": True})
    assert reply.status == 400
    assert "in_stock" in reply.body["error"]
    assert store_product(store, simple["id"]).inventory_type == "simple"


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"[1, 2]", b'"name"', b"null"],
    ids=["empty", "broken", "array", "str", "null"],
)
async def test_update_bodies_must_be_json_objects(own: Reflow, raw: bytes) -> None:
    product = public_products(own)[0]
    order = dump(own, "orders")[0]
    for path in (f"/products/{product['id']}", f"/orders/{order['id']}"):
        reply = await own.call("POST", path, data=raw)
        assert reply.status == 400, (path, raw)
        assert "body" in reply.body["error"]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({}, "at least one field"),
        ({"status": "paid"}, "status"),
        ({"payment_status": "settled"}, "payment_status"),
        ({"fulfillment_status": "lost"}, "fulfillment_status"),
        ({"is_canceled": "yes"}, "is_canceled"),
        ({"is_archived": 1}, "is_archived"),
        ({"delivery_information": 42}, "delivery_information"),
    ],
)
async def test_bad_order_updates_are_400(own: Reflow, body: Any, name: str) -> None:
    order = dump(own, "orders")[0]
    reply = await own.call("POST", f"/orders/{order['id']}", json=body)
    assert reply.status == 400, reply
    assert name in reply.body["error"]
    assert await own.ok(f"/orders/{order['id']}") == order


# -- updates change what later reads return ---------------------------------------------------


async def test_product_update_persists(own: Reflow) -> None:
    product = next(p for p in public_products(own) if p["inventory_type"] == "simple")
    assert await own.ok(f"/products/{product['handle']}") == product
    reply = await own.call(
        "POST",
        f"/products/{product['handle']}",
        json={"name": "Radio Clock", "price": 123456, "in_stock": False},
    )
    assert reply.status == 200
    changed = reply.body
    assert changed["name"] == "Radio Clock"
    assert changed["price"] == 123456
    assert changed["price_formatted"] == "$1,234.56"
    assert changed["in_stock"] is False
    assert changed["handle"] == product["handle"]
    assert await own.ok(f"/products/{product['id']}") == changed
    listed = await own.walk("/products/", {"perpage": "100"})
    assert next(p for p in listed if p["id"] == product["id"]) == changed
    assert next(p for p in dump(own, "products") if p["id"] == product["id"]) == changed
    found = await own.ok("/products/", params={"search": "radio CLOCK"})
    assert ids(found["data"]) == [product["id"]]


async def test_switching_inventory_type(own: Reflow) -> None:
    product = next(p for p in public_products(own) if p["inventory_type"] == "simple")
    path = f"/products/{product['id']}"
    advanced = await own.call(
        "POST", path, json={"inventory_type": "advanced", "stock_quantity": 100_000}
    )
    assert advanced.status == 200
    assert advanced.body["inventory_type"] == "advanced"
    assert advanced.body["available_quantity"] == 100_000
    assert advanced.body["in_stock"] is True
    emptied = (await own.call("POST", path, json={"stock_quantity": 0})).body
    assert emptied["available_quantity"] == 0
    assert emptied["in_stock"] is False
    simple = await own.call("POST", path, json={"inventory_type": "simple", "in_stock": True})
    assert simple.status == 200
    assert simple.body["inventory_type"] == "simple"
    assert simple.body["in_stock"] is True
    assert simple.body["available_quantity"] is None
    assert await own.ok(path) == simple.body


async def test_hidden_product_can_be_updated_by_handle(own: Reflow) -> None:
    hidden = hidden_product(own)
    reply = await own.call("POST", f"/products/{hidden['handle']}", json={"price": 0})
    assert reply.status == 200
    assert reply.body["price"] == 0
    assert reply.body["price_formatted"] == "$0.00"
    shown = await own.ok(f"/products/{hidden['id']}", params={"fetch_hidden": "true"})
    assert shown["price"] == 0


async def test_order_update_persists(own: Reflow) -> None:
    order = next(o for o in dump(own, "orders") if not o["is_archived"])
    path = f"/orders/{order['id']}"
    reply = await own.call(
        "POST",
        path,
        json={
            "payment_status": "refunded",
            "fulfillment_status": "returned",
            "is_canceled": "true",
            "is_archived": True,
            "delivery_information": "Leave at the back door",
        },
    )
    assert reply.status == 200
    expected = {
        **order,
        "payment_status": "refunded",
        "fulfillment_status": "returned",
        "is_canceled": True,
        "is_archived": True,
        "delivery_information": "Leave at the back door",
    }
    assert reply.body == expected
    assert await own.ok(path) == expected
    filtered = await own.walk(
        "/orders/", {"perpage": "100", "is_archived": "true", "payment_status": "refunded"}
    )
    assert order["id"] in ids(filtered)
    back = await own.call("POST", path, json={"is_canceled": False, "is_archived": "false"})
    assert back.body["is_canceled"] is False
    assert back.body["is_archived"] is False
    assert back.body["payment_status"] == "refunded"


async def test_new_orders_come_first(own: Reflow) -> None:
    store = own.sandbox.reflow
    before = await own.ok("/orders/", params={"perpage": "5"})
    start = int(store.clock.now())
    added = store.add_orders(3)
    end = int(store.clock.now())
    assert [o["id"] for o in added] == sorted(o["id"] for o in added)
    assert min(ids(added)) > max(ids(dump(own, "orders")[3:]))
    assert all(start <= o["created"] <= end for o in added)
    after = await own.ok("/orders/", params={"perpage": "5"})
    assert after["meta"]["total"] == before["meta"]["total"] + 3
    assert after["data"][:3] == added[::-1]
    assert after["data"][3:] == before["data"][:2]
    for order in added:
        assert await own.ok(f"/orders/{order['id']}") == order


# -- pagination ----------------------------------------------------------------------------------


async def test_envelope_links_and_meta(shared: Reflow) -> None:
    users = dump(shared, "users")
    per_page = 7
    last = -(-len(users) // per_page)
    for page in (1, 2, last):
        body = await shared.ok("/users/", params={"perpage": str(per_page), "page": str(page)})
        meta, links = body["meta"], body["links"]
        start = (page - 1) * per_page
        assert body["data"] == users[start : start + per_page]
        assert meta["current_page"] == page
        assert meta["per_page"] == per_page
        assert meta["total"] == len(users)
        assert meta["last_page"] == last
        assert meta["from"] == start + 1
        assert meta["to"] == min(start + per_page, len(users))
        assert meta["path"] == f"{shared.base}/users/"
        assert links["first"] == f"{shared.base}/users/?perpage=7&page=1"
        assert links["last"] == f"{shared.base}/users/?perpage=7&page={last}"
        assert links["prev"] == (
            None if page == 1 else f"{shared.base}/users/?perpage=7&page={page - 1}"
        )
        assert links["next"] == (
            None if page == last else f"{shared.base}/users/?perpage=7&page={page + 1}"
        )
        labels = [link["label"] for link in meta["links"]]
        assert labels[0] == "&laquo; Previous"
        assert labels[-1] == "Next &raquo;"
        assert meta["links"][0]["url"] == links["prev"]
        assert meta["links"][-1]["url"] == links["next"]
        active = [link["label"] for link in meta["links"] if link["active"]]
        assert active == [str(page)]


async def test_walking_next_links_keeps_the_filters(shared: Reflow) -> None:
    paid = [o for o in dump(shared, "orders") if o["payment_status"] == "paid"]
    walked = await shared.walk("/orders", {"payment_status": "paid", "perpage": "30"})
    assert walked == paid


async def test_page_past_the_end_is_empty(shared: Reflow) -> None:
    total = len(dump(shared, "users"))
    past = -(-total // 20) + 2
    body = await shared.ok("/users/", params={"page": str(past)})
    assert body["data"] == []
    assert body["meta"]["from"] is None
    assert body["meta"]["to"] is None
    assert body["meta"]["current_page"] == past
    assert body["meta"]["total"] == total
    assert body["links"]["next"] is None
    assert body["links"]["prev"] == f"{shared.base}/users/?page={past - 1}"


async def test_empty_lists(sandbox_factory: SandboxFactory, session: aiohttp.ClientSession) -> None:
    reflow = Reflow(session, await sandbox_factory(scale=Scale.empty()))
    for path in ("/users/", "/orders/", "/products/"):
        body = await reflow.ok(path)
        assert body["data"] == []
        assert body["meta"]["total"] == 0
        assert body["meta"]["last_page"] == 1
        assert body["meta"]["from"] is None
        assert body["meta"]["to"] is None
        assert body["links"]["prev"] is None
        assert body["links"]["next"] is None
        assert body["links"]["first"] == body["links"]["last"] == f"{reflow.base}{path}?page=1"
        assert [link["label"] for link in body["meta"]["links"]] == [
            "&laquo; Previous",
            "1",
            "Next &raquo;",
        ]
    assert await reflow.ok("/plans/") == {"data": []}
    assert await reflow.ok("/categories/") == []


def page_window(current: int, last: int) -> list[str]:
    """The numbered labels Laravel shows (3 on each side of the current page)."""
    if last < 14:
        pages: list[int | str] = list(range(1, last + 1))
    elif current <= 7:
        pages = [*range(1, 11), "...", last - 1, last]
    elif current > last - 7:
        pages = [1, 2, "...", *range(last - 9, last + 1)]
    else:
        pages = [1, 2, "...", *range(current - 3, current + 4), "...", last - 1, last]
    return [str(p) for p in pages]


async def test_meta_links_stay_bounded_for_many_pages(shared: Reflow) -> None:
    total = len(dump(shared, "orders"))
    assert total >= 30
    for page in (1, 7, 8, total // 2, total - 7, total - 6, total, total + 5):
        body = await shared.ok("/orders/", params={"perpage": "1", "page": str(page)})
        links = body["meta"]["links"]
        assert [link["label"] for link in links[1:-1]] == page_window(page, total), page
        for link in links[1:-1]:
            if link["label"] == "...":
                assert link["url"] is None
            else:
                assert link["url"] == f"{shared.base}/orders/?perpage=1&page={link['label']}"


# -- products: filters and sorting ----------------------------------------------------------------


async def test_search_is_a_case_insensitive_substring(shared: Reflow) -> None:
    products = public_products(shared)
    word = products[0]["name"].split()[1]
    sku = products[1]["sku"]
    for term in (word.upper(), word.lower(), sku.lower(), "e"):
        expected = [
            p
            for p in products
            if term.casefold() in p["name"].casefold()
            or term.casefold() in p["description"].casefold()
            or term.casefold() in p["sku"].casefold()
            or any(term.casefold() in v["sku"].casefold() for v in p["variants"]["items"])
        ]
        found = await shared.walk("/products/", {"search": term, "perpage": "100"})
        assert found == expected, term
        assert found
    assert (await shared.ok("/products/", params={"search": "zzqx"}))["data"] == []


async def test_category_filter(shared: Reflow) -> None:
    products = public_products(shared)
    category = next(c for p in products for c in p["categories"])
    expected = [p for p in products if category["id"] in ids(p["categories"])]
    found = await shared.walk("/products/", {"category": str(category["id"]), "perpage": "100"})
    assert found == expected
    assert (await shared.ok("/products/", params={"category": "1"}))["data"] == []


async def test_ids_filter(shared: Reflow) -> None:
    products = public_products(shared)
    hidden = hidden_product(shared)
    wanted = [products[5]["id"], products[0]["id"], hidden["id"], 123]
    query = {"ids": ",".join(str(i) for i in wanted)}
    found = await shared.ok("/products/", params=query)
    assert ids(found["data"]) == [products[0]["id"], products[5]["id"]]  # newest first
    with_hidden = await shared.ok("/products/", params={**query, "fetch_hidden": "true"})
    assert set(ids(with_hidden["data"])) == {products[0]["id"], products[5]["id"], hidden["id"]}


@pytest.mark.parametrize(
    ("order", "key"),
    [
        ("name_asc", lambda p: (p["name"].casefold(),)),
        ("name_desc", lambda p: (_Reversed(p["name"].casefold()),)),
        ("price_asc", lambda p: (p["price"],)),
        ("price_desc", lambda p: (-p["price"],)),
        ("date_asc", lambda p: (p["created"],)),
        ("date_desc", lambda p: (-p["created"],)),
        ("price_asc,name_desc", lambda p: (p["price"], _Reversed(p["name"].casefold()))),
    ],
)
async def test_orders_by_field(shared: Reflow, order: str, key: Callable[[Any], Any]) -> None:
    found = await shared.walk("/products/", {"order": order, "perpage": "100"})
    assert sorted(ids(found)) == sorted(ids(public_products(shared)))
    keys = [key(p) for p in found]
    assert keys == sorted(keys)


class _Reversed:
    """Sorts strings backwards inside a sort key."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


async def test_custom_sort_then_name(shared: Reflow) -> None:
    store = shared.sandbox.reflow
    found = await shared.walk("/products/", {"order": "custom_desc,name_asc", "perpage": "100"})
    custom = [store_product(store, p["id"]).custom_sort for p in found]
    assert 0 < custom.count(0) < len(custom)  # both kinds are present
    keys = [(-c, p["name"].casefold()) for c, p in zip(custom, found, strict=True)]
    assert keys == sorted(keys)
    assert custom[: len(custom) - custom.count(0)] == [c for c in custom if c > 0]
    ascending = await shared.walk("/products/", {"order": "custom_asc", "perpage": "100"})
    assert [store_product(store, p["id"]).custom_sort for p in ascending] == sorted(custom)


async def test_default_order_is_newest_first(shared: Reflow) -> None:
    found = await shared.walk("/products/", {"perpage": "100"})
    assert found == await shared.walk("/products/", {"perpage": "100", "order": "date_desc"})
    created = [p["created"] for p in found]
    assert created == sorted(created, reverse=True)


# -- categories ---------------------------------------------------------------------------------


def walk_tree(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for c in categories for n in (c, *walk_tree(c["subcategories"]))]


async def test_categories_are_alphabetical_and_nested(shared: Reflow) -> None:
    tree = await shared.ok("/categories")
    assert tree == dump(shared, "categories")
    nodes = walk_tree(tree)
    assert len(nodes) == shared.sandbox.reflow.state()["categories"]
    assert any(node["subcategories"] for node in tree)
    for level in [tree, *(node["subcategories"] for node in nodes)]:
        names = [c["name"].casefold() for c in level]
        assert names == sorted(names)
    for node in nodes:
        assert await shared.ok(f"/categories/{node['id']}") == node
        assert await shared.ok(f"/categories/{node['handle']}") == node
        rooted = await shared.ok("/categories/", params={"root-category": str(node["id"])})
        assert rooted == [node]


# -- orders and users -------------------------------------------------------------------------


async def test_order_filters(shared: Reflow) -> None:
    orders = dump(shared, "orders")
    created = sorted({o["created"] for o in orders})
    middle = created[len(created) // 2]
    email = orders[10]["customer"]["email"]
    cases: list[tuple[dict[str, str], Callable[[dict[str, Any]], bool]]] = [
        ({"payment_status": "refunded"}, lambda o: o["payment_status"] == "refunded"),
        ({"fulfillment_status": "shipped"}, lambda o: o["fulfillment_status"] == "shipped"),
        ({"is_canceled": "true"}, lambda o: o["is_canceled"]),
        ({"is_canceled": "false"}, lambda o: not o["is_canceled"]),
        ({"is_archived": "true"}, lambda o: o["is_archived"]),
        ({"customer_email": email}, lambda o: o["customer"]["email"] == email),
        ({"customer_email": email.upper()}, lambda o: o["customer"]["email"] == email),
        ({"customer_email": "nobody@example.com"}, lambda o: False),
        ({"created_after": str(middle)}, lambda o: o["created"] > middle),
        ({"created_before": str(middle)}, lambda o: o["created"] < middle),
        (
            {"payment_status": "paid", "is_archived": "false", "created_before": str(middle)},
            lambda o: (
                o["payment_status"] == "paid" and not o["is_archived"] and o["created"] < middle
            ),
        ),
    ]
    for params, keep in cases:
        expected = [o for o in orders if keep(o)]
        found = await shared.walk("/orders/", {**params, "perpage": "100"})
        assert found == expected, params
        if "nobody" not in params.get("customer_email", "nobody"):
            assert found, params


async def test_orders_and_users_are_newest_first(shared: Reflow) -> None:
    for collection in ("orders", "users"):
        items = await shared.walk(f"/{collection}/", {"perpage": "100"})
        assert items == dump(shared, collection)
        created = [item["created"] for item in items]
        assert created == sorted(created, reverse=True)
        assert len(set(ids(items))) == len(items)
        for item in (items[0], items[-1]):
            assert await shared.ok(f"/{collection}/{item['id']}") == item


async def test_plans_list_shows_only_active_plans(shared: Reflow) -> None:
    store = shared.sandbox.reflow
    listed = (await shared.ok("/plans/"))["data"]
    assert listed == dump(shared, "plans")
    assert all(not plan["is_archived"] for plan in listed)
    assert len(listed) < store.state()["plans"]
    for plan in listed:
        assert await shared.ok(f"/plans/{plan['id']}") == plan
        assert {price["billing_period"] for price in plan["prices"]} == {"month", "year"}
    archived_ids = {p["id"] for p in store._plans} - set(ids(listed))
    for plan_id in archived_ids:
        archived = await shared.ok(f"/plans/{plan_id}")
        assert archived["is_archived"] is True
