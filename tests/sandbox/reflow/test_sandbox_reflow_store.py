"""The Reflow simulator's store without a server: seeded determinism, reset, realistic records,
zero-decimal currencies, and order filters against a brute-force scan."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import evolve

from storeflow.sandbox import Clock, ReflowStore, Scale
from storeflow.sandbox.reflow import OrderFilters

SMALL = Scale(
    reflow_products=40, reflow_categories=12, reflow_orders=200, reflow_users=30, reflow_plans=5
)


def everything(store: ReflowStore) -> dict[str, list[dict[str, Any]]]:
    return {name: list(store.dump(name)) for name in store.collections()}


def test_same_seed_same_data() -> None:
    first = everything(ReflowStore(seed=5, scale=SMALL, clock=Clock()))
    assert first == everything(ReflowStore(seed=5, scale=SMALL, clock=Clock()))
    assert first != everything(ReflowStore(seed=6, scale=SMALL, clock=Clock()))
    assert [len(first[name]) for name in ("products", "orders", "users")] == [40, 200, 30]


def test_reset_restores_the_seeded_data() -> None:
    store = ReflowStore(seed=5, scale=SMALL, clock=Clock())
    seeded = everything(store)
    store.add_orders(4)
    product = store.find_product(str(seeded["products"][0]["id"]))
    assert product is not None
    store.update_product(product, {"name": "Changed"})
    assert everything(store) != seeded
    store.reset()
    assert everything(store) == seeded


def test_records_look_real() -> None:
    store = ReflowStore(seed=9, scale=Scale.demo(), clock=Clock())
    products = list(store.dump("products"))
    handles = [p["handle"] for p in products]
    assert len(set(handles)) == len(handles)
    assert all(100_000_000 <= p["id"] <= 999_999_999 for p in products)
    assert all(
        p["price_formatted"] == f"${p['price'] // 100:,}.{p['price'] % 100:02d}" for p in products
    )
    assert any(p["variants"]["enabled"] for p in products)
    assert {p["inventory_type"] for p in products} == {"simple", "advanced"}
    orders = list(store.dump("orders"))
    assert {o["payment_status"] for o in orders} == {"pending", "paid", "failed", "refunded"}
    assert len({o["fulfillment_status"] for o in orders}) == 5
    assert all(o["total"] == o["subtotal"] + o["shipping"] for o in orders)
    assert all(
        o["subtotal"] == sum(i["price"] * i["quantity"] for i in o["line_items"]) for o in orders
    )
    assert all(10_000_000 <= o["id"] <= 999_999_999 for o in orders)
    years = {o["created"] // (365 * 86_400) for o in orders}
    assert len(years) >= 2  # spread over time


def test_zero_decimal_currency() -> None:
    store = ReflowStore(seed=1, scale=SMALL, clock=Clock(), currency="JPY")
    product = next(store.dump("products"))
    assert product["currency"] == {"code": "JPY", "name": "Japanese Yen", "zero_decimal": True}
    assert product["price_formatted"] == f"¥{product['price']:,}"
    with pytest.raises(ValueError, match="currency"):
        ReflowStore(seed=1, scale=SMALL, clock=Clock(), currency="XYZ")


def test_unknown_collection() -> None:
    store = ReflowStore(seed=1, scale=Scale.empty(), clock=Clock())
    with pytest.raises(KeyError):
        store.dump("customers")


def test_a_large_store_filters_like_a_brute_force_scan() -> None:
    store = ReflowStore(seed=3, scale=evolve(Scale.empty(), reflow_orders=10_000), clock=Clock())
    orders = list(store.dump("orders"))
    assert len(orders) == 10_000
    email = orders[123]["customer"]["email"]
    for filters in (
        OrderFilters(payment_status="failed", is_canceled=True),
        OrderFilters(
            fulfillment_status="delivered",
            is_archived=False,
            created_after=orders[4_000]["created"],
        ),
        OrderFilters(customer_email=email),
    ):
        expected = sorted(
            o["id"]
            for o in orders
            if (filters.payment_status in (None, o["payment_status"]))
            and (filters.fulfillment_status in (None, o["fulfillment_status"]))
            and (filters.is_canceled in (None, o["is_canceled"]))
            and (filters.is_archived in (None, o["is_archived"]))
            and (filters.customer_email in (None, o["customer"]["email"]))
            and (filters.created_after is None or o["created"] > filters.created_after)
        )
        rows = store.order_rows(filters)
        assert [store.order_json(i)["id"] for i in rows] == expected
        assert expected
