"""The Pocketsflow simulator's state over real loopback HTTP: lists, pagination, filters and
sorting, the consistency of the store through every change, and seeded determinism.

Every sandbox here checks its answers against schemas/pocketsflow.yaml (see conftest). Read-only
tests use the session's shared sandbox; tests that change state start their own.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from typing import Any

import aiohttp
import pytest

from _sandbox_tools import UNKNOWN_ID, Http, pf_of
from conftest import SandboxFactory
from storeflow.sandbox import Clock, Sandbox, Scale
from storeflow.sandbox._data import iso
from storeflow.sandbox._stores import newest_first


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
