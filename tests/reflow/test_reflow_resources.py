"""Every Reflow method end to end against the sandbox over loopback HTTP: reads return what the
store holds, filters and sort orders do what they say, updates round-trip, pagination and
``iter()`` agree, and invalid arguments are refused before anything is sent.

401 and 404 for every endpoint, and the key-less client, are in ``tests/core/test_surface.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from conftest import SandboxFactory, client_fixtures, collect, invoke, records
from storeflow import Reflow
from storeflow.errors import NotFoundError, ValidationError
from storeflow.reflow.models import (
    Category,
    FulfillmentStatus,
    InventoryType,
    Order,
    PaymentStatus,
    Plan,
    Product,
    ProductOrder,
    User,
)
from storeflow.sandbox import Clock, Sandbox


def connect(sandbox: Sandbox, *, key: bool = True) -> Reflow:
    return Reflow(
        sandbox.reflow_project_id,
        sandbox.reflow_api_key if key else None,
        base_url=sandbox.reflow_url,
        rate_limit=None,
        strict=True,  # an answer of the sandbox that leaves the schema fails the test
    )


rf, rf_shared = client_fixtures(connect, "rf")


# -- reads ----------------------------------------------------------------------------------------


async def test_lists_return_every_record_in_order(
    rf_shared: Reflow, shared_sandbox: Sandbox
) -> None:
    rf = rf_shared
    assert await rf.plans.list() == records(shared_sandbox.reflow, "plans", Plan)
    assert await rf.categories.list() == records(shared_sandbox.reflow, "categories", Category)
    assert await collect(rf.products.iter(fetch_hidden=True)) == records(
        shared_sandbox.reflow, "products", Product
    )
    assert await collect(rf.users.iter()) == records(shared_sandbox.reflow, "users", User)
    assert await collect(rf.orders.iter()) == records(shared_sandbox.reflow, "orders", Order)


async def test_gets_return_the_record(rf_shared: Reflow, shared_sandbox: Sandbox) -> None:
    rf = rf_shared
    plan = records(shared_sandbox.reflow, "plans", Plan)[0]
    assert await rf.plans.get(plan.id) == plan
    user = records(shared_sandbox.reflow, "users", User)[4]
    assert await rf.users.get(user.id) == user
    order = records(shared_sandbox.reflow, "orders", Order)[4]
    assert await rf.orders.get(order.id) == order

    product = (await rf.products.list(per_page=5)).items[2]
    assert product.handle is not None
    assert await rf.products.get(product.id) == product
    assert await rf.products.get(product.handle) == product

    tree = records(shared_sandbox.reflow, "categories", Category)
    category = await rf.categories.get(tree[1].id)
    assert category.handle is not None
    assert (category.id, category.name) == (tree[1].id, tree[1].name)
    assert await rf.categories.get(category.handle) == category

    root = tree[0]
    assert await rf.categories.list(root_category=root.id) == [root]


async def test_hidden_products_need_fetch_hidden_and_the_key(
    rf_shared: Reflow, shared_sandbox: Sandbox
) -> None:
    everything = records(shared_sandbox.reflow, "products", Product)
    visible = await collect(rf_shared.products.iter())
    hidden = [p for p in everything if p not in visible]
    assert hidden
    assert visible == [p for p in everything if p not in hidden]

    with pytest.raises(NotFoundError):
        await rf_shared.products.get(hidden[0].id)
    assert await rf_shared.products.get(hidden[0].id, fetch_hidden=True) == hidden[0]

    async with connect(shared_sandbox, key=False) as anonymous:
        assert await collect(anonymous.products.iter()) == visible
        # Without the key the server could only answer 401: refused before sending.
        sent_before = shared_sandbox.stats().reflow.requests
        refused: list[Callable[[Reflow], Any]] = [
            lambda rf: rf.products.get(hidden[0].id, fetch_hidden=True),
            lambda rf: rf.products.list(fetch_hidden=True),
            lambda rf: rf.products.iter(fetch_hidden=True),
        ]
        for call in refused:
            with pytest.raises(ValidationError) as caught:
                await invoke(call, anonymous)
            assert caught.value.argument == "fetch_hidden"
            assert "REFLOW_API_KEY" in caught.value.rule
        assert shared_sandbox.stats().reflow.requests == sent_before


async def test_product_filters_and_sort_orders(rf_shared: Reflow, shared_sandbox: Sandbox) -> None:
    rf = rf_shared
    everything = await collect(rf.products.iter())

    chosen = [everything[i].id for i in (1, 5, 9)]
    assert [p.id for p in await collect(rf.products.iter(ids=chosen))] == chosen
    assert (await rf.products.list(ids=range(1, 3))).items == []  # a generator of ids is fine

    for order in (
        [ProductOrder.PRICE_ASC, "name_asc"],
        ("price_asc", ProductOrder.NAME_ASC),
        "price_asc,name_asc",
    ):
        sorted_ = await collect(rf.products.iter(order=order, per_page=9))
        assert sorted_ == sorted(everything, key=lambda p: (p.price, p.name))
    oldest_first = await collect(rf.products.iter(order=ProductOrder.DATE_ASC))
    assert oldest_first == everything[::-1]

    term = everything[0].name.split()[-1]
    found = await collect(rf.products.iter(search=term.lower()))
    assert everything[0] in found
    assert all(
        term.lower() in f"{p.name} {p.description} {p.sku}".lower()
        or any(
            term.lower() in (v.sku or "").lower() for v in (p.variants and p.variants.items) or []
        )
        for p in found
    )

    category = records(shared_sandbox.reflow, "categories", Category)[0]
    in_category = await collect(rf.products.iter(category=category.id))
    assert in_category
    assert in_category == [
        p for p in everything if category.id in {c.id for c in p.categories or []}
    ]


async def test_pages_and_iter_agree(rf_shared: Reflow, shared_sandbox: Sandbox) -> None:
    users = records(shared_sandbox.reflow, "users", User)
    page = await rf_shared.users.list(page=2, per_page=7)
    assert page.items == users[7:14]
    assert (page.page, page.page_size, page.total) == (2, 7, len(users))
    assert page.total_pages == -(-len(users) // 7)
    pages = [await rf_shared.users.list(page=n, per_page=7) for n in range(1, page.total_pages + 1)]
    assert await collect(rf_shared.users.iter(per_page=7, concurrency=2)) == [
        user for p in pages for user in p
    ]

    orders = await rf_shared.orders.list(page=3, per_page=11)
    assert orders.items == records(shared_sandbox.reflow, "orders", Order)[22:33]


class SteppedClock(Clock):
    """The sandbox's clock, which a test can move ``ahead`` of the wall clock."""

    ahead = 0.0

    def now(self) -> float:
        return super().now() + self.ahead


async def test_orders_iter_is_not_shifted_by_orders_created_during_the_walk(
    sandbox_factory: SandboxFactory,
) -> None:
    clock = SteppedClock()
    sandbox = await sandbox_factory(clock=clock)
    before = records(sandbox.reflow, "orders", Order)

    async def walk_while_orders_arrive(rf: Reflow, **options: Any) -> list[Order]:
        walk = rf.orders.iter(per_page=10, concurrency=1, **options)
        async with contextlib.aclosing(walk):
            seen = [await anext(walk)]  # page 1 is in; no later page is fetched yet
            clock.ahead += 2  # new orders are stamped past the second iter() was called in
            sandbox.reflow.add_orders(25)
            seen += [order async for order in walk]
        return seen

    async with connect(sandbox) as rf:
        assert await walk_while_orders_arrive(rf) == before
        # Without the pin, the 25 new orders push every later page down: the walk repeats orders.
        future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        unpinned = await walk_while_orders_arrive(rf, created_before=future)
    assert len({order.id for order in unpinned}) < len(unpinned)


async def test_order_filters(rf_shared: Reflow, shared_sandbox: Sandbox) -> None:
    rf = rf_shared
    everything = records(shared_sandbox.reflow, "orders", Order)

    for filters, keep in [
        ({"payment_status": "paid"}, lambda o: o.payment_status is PaymentStatus.PAID),
        (
            {"fulfillment_status": FulfillmentStatus.SHIPPED, "is_canceled": False},
            lambda o: o.fulfillment_status is FulfillmentStatus.SHIPPED and not o.is_canceled,
        ),
        ({"is_archived": True}, lambda o: o.is_archived),
    ]:
        expected = [o for o in everything if keep(o)]
        assert expected
        assert await collect(rf.orders.iter(**filters)) == expected, filters

    email = everything[0].customer.email if everything[0].customer else ""
    mine = await collect(rf.orders.iter(customer_email=email))
    assert mine == [o for o in everything if o.customer and o.customer.email == email]

    # Bounds are exclusive and whole seconds: a datetime half a second either side of an order's
    # second is rounded outwards, so the order is kept.
    created = everything[10].created
    after = dt.datetime.fromtimestamp(created - 0.5, dt.UTC)
    before = dt.datetime.fromtimestamp(created + 0.5, dt.UTC)
    same_second = await collect(rf.orders.iter(created_after=after, created_before=before))
    assert everything[10] in same_second
    assert same_second == [o for o in everything if o.created == created]
    assert await collect(rf.orders.iter(created_after=created - 1, created_before=created + 1)) == (
        same_second
    )


# -- writes ---------------------------------------------------------------------------------------


async def test_product_updates_round_trip(rf: Reflow) -> None:
    product = (await rf.products.list(per_page=1)).items[0]
    assert product.handle is not None

    renamed = await rf.products.update(product.id, name="N" * 128, price=123456)
    assert (renamed.name, renamed.price) == ("N" * 128, 123456)
    assert renamed.description == product.description  # not sent: unchanged
    assert await rf.products.get(product.id) == renamed

    advanced = await rf.products.update(
        product.handle, inventory_type="advanced", stock_quantity=100_000
    )
    assert advanced.inventory_type is InventoryType.ADVANCED
    assert (advanced.available_quantity, advanced.in_stock) == (100_000, True)
    emptied = await rf.products.update(product.id, stock_quantity=0)
    assert (emptied.available_quantity, emptied.in_stock) == (0, False)

    simple = await rf.products.update(
        product.id, inventory_type=InventoryType.SIMPLE, in_stock=True
    )
    assert (simple.inventory_type, simple.in_stock) == (InventoryType.SIMPLE, True)
    assert await rf.products.get(product.handle) == simple


async def test_order_updates_round_trip(rf: Reflow, sandbox: Sandbox) -> None:
    order = next(o for o in records(sandbox.reflow, "orders", Order) if not o.is_archived)
    updated = await rf.orders.update(
        order.id,
        payment_status="refunded",
        fulfillment_status=FulfillmentStatus.RETURNED,
        is_canceled=True,
        is_archived=True,
        delivery_information="Left with the neighbour",
    )
    assert (updated.payment_status, updated.fulfillment_status) == (
        PaymentStatus.REFUNDED,
        FulfillmentStatus.RETURNED,
    )
    assert (updated.is_canceled, updated.is_archived) == (True, True)
    assert updated.delivery_information == "Left with the neighbour"
    assert (updated.id, updated.created, updated.customer) == (
        order.id,
        order.created,
        order.customer,
    )
    assert await rf.orders.get(order.id) == updated
    assert updated in await collect(rf.orders.iter(is_archived=True))

    unarchived = await rf.orders.update(order.id, is_archived=False)
    assert (unarchived.is_archived, unarchived.is_canceled) == (False, True)


# -- arguments refused before sending -------------------------------------------------------------

NAIVE = dt.datetime(2024, 1, 1)

INVALID: list[tuple[str, Callable[[Reflow], Any], str]] = [
    ("user id a bool", lambda rf: rf.users.get(True), "user_id"),
    ("per_page 0", lambda rf: rf.users.list(per_page=0), "per_page"),
    ("per_page 101", lambda rf: rf.products.list(per_page=101), "per_page"),
    ("float page", lambda rf: rf.products.list(page=2.0), "page"),
    ("iter per_page", lambda rf: rf.users.iter(per_page=101), "per_page"),
    ("iter concurrency 0", lambda rf: rf.products.iter(concurrency=0), "concurrency"),
    ("orders iter concurrency", lambda rf: rf.orders.iter(concurrency=-1), "concurrency"),
    ("101 ids", lambda rf: rf.products.list(ids=list(range(1, 102))), "ids"),
    ("a float id", lambda rf: rf.products.list(ids=[1, 2.5]), "ids[1]"),
    ("unknown order", lambda rf: rf.products.list(order="cheapest"), "order[0]"),
    ("unknown clause", lambda rf: rf.products.iter(order=["name_asc", "size_desc"]), "order[1]"),
    ("empty handle", lambda rf: rf.products.get(""), "product"),
    ("empty update", lambda rf: rf.products.update(1), "fields"),
    ("empty name", lambda rf: rf.products.update(1, name=""), "name"),
    ("129-char name", lambda rf: rf.products.update(1, name="n" * 129), "name"),
    ("float price", lambda rf: rf.products.update(1, price=10.0), "price"),
    ("bool price", lambda rf: rf.products.update(1, price=True), "price"),
    ("Decimal price", lambda rf: rf.products.update(1, price=Decimal(10)),
     "price"),
    ("negative stock", lambda rf: rf.products.update(1, stock_quantity=-1), "stock_quantity"),
    ("stock over 100000", lambda rf: rf.products.update(1, stock_quantity=100_001),
     "stock_quantity"),
    ("unknown inventory", lambda rf: rf.products.update(1, inventory_type="manual"),
     "inventory_type"),
    ("category a float", lambda rf: rf.categories.get(1.5), "category"),
    ("unknown payment", lambda rf: rf.orders.list(payment_status="settled"), "payment_status"),
    ("bad email", lambda rf: rf.orders.list(customer_email="nobody"), "customer_email"),
    ("naive after", lambda rf: rf.orders.list(created_after=NAIVE), "created_after"),
    ("empty order update", lambda rf: rf.orders.update(1), "fields"),
    ("unknown fulfillment", lambda rf: rf.orders.update(1, fulfillment_status="lost"),
     "fulfillment_status"),
    ("plan id letters", lambda rf: rf.plans.get("abc"), "plan_id"),
    ("endless ids", lambda rf: rf.products.list(ids=itertools.count(1)), "ids"),
    ("101 ids as a str", lambda rf: rf.products.list(ids=",".join(["7"] * 101)), "ids"),
    ("yes flag", lambda rf: rf.orders.list(is_canceled="yes"), "is_canceled"),
    ("0/1 flag", lambda rf: rf.orders.update(1, is_archived=1), "is_archived"),
    ("category letters", lambda rf: rf.products.list(category="shoes"), "category"),
    ("infinite before", lambda rf: rf.orders.list(created_before=math.inf), "created_before"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "argument"), [r[1:] for r in INVALID], ids=[r[0] for r in INVALID]
)
async def test_invalid_arguments_are_refused_before_sending(
    call: Callable[[Reflow], Any], argument: str, rf_shared: Reflow, shared_sandbox: Sandbox
) -> None:
    sent_before = shared_sandbox.stats().reflow.requests
    with pytest.raises(ValidationError) as info:
        await invoke(call, rf_shared)
    assert info.value.argument == argument
    assert shared_sandbox.stats().reflow.requests == sent_before


async def test_messages_name_the_rule(rf_shared: Reflow) -> None:
    with pytest.raises(ValidationError) as info:
        await rf_shared.orders.list(payment_status="settled")
    assert info.value.rule.startswith("must be one of 'pending', 'paid', 'failed', 'refunded'")
    with pytest.raises(ValidationError) as info:
        await rf_shared.users.list(per_page=101)
    assert info.value.rule.startswith("must be an integer from 1 to 100")
    with pytest.raises(ValidationError) as info:
        await rf_shared.products.update(1)
    assert info.value.rule.endswith("name, price, inventory_type, in_stock, stock_quantity")
