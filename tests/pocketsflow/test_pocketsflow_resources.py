"""Every Pocketsflow method end to end against the sandbox over loopback HTTP: reads return what
the store holds, writes round-trip and show up in later reads, pagination and ``iter()`` agree,
and invalid arguments are refused before anything is sent.

401 and 404 for every endpoint are in ``tests/core/test_surface.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from conftest import client_fixtures, collect, invoke, records
from storeflow import Pocketsflow
from storeflow._serde import structure, wire_fields
from storeflow.errors import NotFoundError, ValidationError
from storeflow.pocketsflow.models import (
    BillingInterval,
    Customer,
    Discount,
    Order,
    Product,
    Review,
    Subscription,
    SubscriptionStatus,
    Upsell,
    User,
    ValueType,
)
from storeflow.sandbox import Sandbox

OID = "0123456789abcdef01234567"  # well-formed; the checks below refuse before using it


def connect(sandbox: Sandbox) -> Pocketsflow:
    """A strict client: an answer of the sandbox that leaves the schema fails the test."""
    return Pocketsflow(
        sandbox.pocketsflow_test_key, base_url=sandbox.pocketsflow_url, rate_limit=None, strict=True
    )


pf, pf_shared = client_fixtures(connect, "pf")


def fields_of(obj: Any, model: type) -> dict[str, Any]:
    """The values of ``model``'s fields on ``obj`` (a subclass instance, e.g. OrderDetail)."""
    return {field.name: getattr(obj, field.name) for field in wire_fields(model)}


# -- reads ----------------------------------------------------------------------------------------


async def _upsells(pf: Pocketsflow) -> list[Upsell]:
    return (await pf.upsells.list()).upsells


READS: list[tuple[str, Callable[[Pocketsflow], Awaitable[list[Any]]], type]] = [
    ("products", lambda pf: pf.products.list(), Product),
    ("reviews", lambda pf: pf.reviews.list(), Review),
    ("customers", lambda pf: pf.customers.list(), Customer),
    ("discounts", lambda pf: pf.discounts.list(), Discount),
    ("upsells", _upsells, Upsell),
    ("orders", lambda pf: collect(pf.orders.iter()), Order),
    ("subscriptions", lambda pf: collect(pf.subscriptions.iter()), Subscription),
]


@pytest.mark.parametrize(("collection", "read", "model"), READS, ids=[r[0] for r in READS])
async def test_lists_return_every_record_in_order(
    collection: str,
    read: Callable[[Pocketsflow], Awaitable[list[Any]]],
    model: type,
    pf_shared: Pocketsflow,
    shared_sandbox: Sandbox,
) -> None:
    expected = records(shared_sandbox.pocketsflow, collection, model)
    assert len(expected) > 1
    assert await read(pf_shared) == expected


async def test_gets_return_the_record_with_its_details(
    pf_shared: Pocketsflow, shared_sandbox: Sandbox
) -> None:
    pf = pf_shared
    for collection, get, model in [
        ("products", pf.products.get, Product),
        ("discounts", pf.discounts.get, Discount),
        ("upsells", pf.upsells.get, Upsell),
        ("subscriptions", pf.subscriptions.get, Subscription),
    ]:
        for record in records(shared_sandbox.pocketsflow, collection, model)[:2]:
            assert await get(record.id) == record

    order = records(shared_sandbox.pocketsflow, "orders", Order)[3]
    detail = await pf.orders.get(order.id)
    assert fields_of(detail, Order) == fields_of(order, Order)
    assert detail.customer is not None
    assert detail.customer.buyer_email == order.buyer_email

    customer = records(shared_sandbox.pocketsflow, "customers", Customer)[0]
    profile = await pf.customers.get(customer.id)
    assert fields_of(profile, Customer) == fields_of(customer, Customer)
    assert profile.orders is not None
    assert len(profile.orders) == customer.number_of_orders
    assert {o.buyer_email for o in profile.orders} == {customer.buyer_email}

    reviews = records(shared_sandbox.pocketsflow, "reviews", Review)
    product_id = reviews[0].product_id
    expected = [r for r in reviews if r.product_id == product_id]
    assert await pf.reviews.list_for_product(product_id) == expected

    assert await pf.users.me() == structure(shared_sandbox.pocketsflow.user(), User)


async def test_the_public_reviews_endpoint_needs_no_valid_key(shared_sandbox: Sandbox) -> None:
    review = records(shared_sandbox.pocketsflow, "reviews", Review)[0]
    unknown_key = "pk_test_" + "1" * 24
    async with Pocketsflow(
        unknown_key, base_url=shared_sandbox.pocketsflow_url, rate_limit=None
    ) as stranger:
        assert review in await stranger.reviews.list_for_product(review.product_id)


async def test_customers_sort_and_filter(pf_shared: Pocketsflow, shared_sandbox: Sandbox) -> None:
    by_email = await pf_shared.customers.list(sort_by="email", sort_order="asc")
    emails = [c.buyer_email for c in by_email]
    assert emails == sorted(emails)
    assert len(by_email) == len(records(shared_sandbox.pocketsflow, "customers", Customer))

    orders = records(shared_sandbox.pocketsflow, "orders", Order)
    product_id = orders[0].product.id
    buyers = await pf_shared.customers.list(product_id=product_id)
    assert {c.buyer_email for c in buyers} == {
        o.buyer_email for o in orders if o.product.id == product_id
    }


# -- pagination -----------------------------------------------------------------------------------


async def test_orders_pages_iter_and_filters_agree(
    pf_shared: Pocketsflow, shared_sandbox: Sandbox
) -> None:
    pf = pf_shared
    everything = records(shared_sandbox.pocketsflow, "orders", Order)

    page = await pf.orders.list(page=3, page_size=7)
    assert page.items == everything[14:21]
    assert (page.page, page.page_size, page.total) == (3, 7, len(everything))
    assert page.total_pages == math.ceil(len(everything) / 7)

    pages = [await pf.orders.list(page=n, page_size=7) for n in range(1, page.total_pages + 1)]
    walked = await collect(pf.orders.iter(page_size=7, concurrency=3))
    assert walked == [order for p in pages for order in p] == everything

    product_id = everything[0].product.id
    assert await collect(pf.orders.iter(product_id=product_id)) == [
        o for o in everything if o.product.id == product_id
    ]

    start, end = everything[40].created_at, everything[10].created_at
    window = [o for o in everything if start <= o.created_at <= end]
    assert len(window) >= 31
    assert await collect(pf.orders.iter(start_date=start, end_date=end)) == window
    # Any offset names the same instants (and survives the query string's '+').
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    shifted = pf.orders.iter(start_date=start.astimezone(india), end_date=end.astimezone(india))
    assert await collect(shifted) == window


async def test_orders_iter_is_not_shifted_by_orders_created_during_the_walk(
    pf: Pocketsflow, sandbox: Sandbox
) -> None:
    store = sandbox.pocketsflow
    before = records(sandbox.pocketsflow, "orders", Order)

    async def walk_while_orders_arrive(**options: Any) -> list[Order]:
        walk = pf.orders.iter(page_size=10, concurrency=1, **options)
        called = sandbox.clock.now()
        async with contextlib.aclosing(walk):
            seen = [await anext(walk)]  # page 1 is in; no later page is fetched yet
            # The sandbox stamps new orders with its clock: let it pass the pin first.
            while sandbox.clock.now() <= called + 0.002:  # noqa: ASYNC110 - nothing to wait on
                await asyncio.sleep(0.001)
            store.add_orders(25)
            seen += [order async for order in walk]
        return seen

    assert await walk_while_orders_arrive() == before
    # Without the pin, the 25 new orders push every later page down: the walk repeats orders.
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    unpinned = await walk_while_orders_arrive(end_date=future)
    assert len({order.id for order in unpinned}) < len(unpinned)


async def test_subscriptions_pages_and_day_filters(
    pf_shared: Pocketsflow, shared_sandbox: Sandbox
) -> None:
    everything = records(shared_sandbox.pocketsflow, "subscriptions", Subscription)
    page = await pf_shared.subscriptions.list(page=2, page_size=10)
    assert page.items == everything[10:20]
    assert (page.page, page.total, page.total_pages) == (
        2,
        len(everything),
        -(-len(everything) // 10),
    )

    day = everything[5].created_at.astimezone(dt.UTC).date()
    first = everything[-1].created_at.astimezone(dt.UTC).date()
    expected = [s for s in everything if first <= s.created_at.astimezone(dt.UTC).date() <= day]
    walked = pf_shared.subscriptions.iter(start_date=first, end_date=day, page_size=7)
    assert await collect(walked) == expected
    assert len(expected) >= 6


# -- writes ---------------------------------------------------------------------------------------


async def test_product_and_variant_lifecycle(pf: Pocketsflow) -> None:
    created = await pf.products.create(
        name="E-book",
        price=Decimal("1234567.89"),
        description="A book",
        published=True,
        show_sales=True,
        show_reviews=False,
    )
    assert (created.name, created.price, created.description) == (
        "E-book",
        Decimal("1234567.89"),
        "A book",
    )
    assert (created.published, created.show_sales, created.show_reviews) == (True, True, False)
    assert await pf.products.get(created.id) == created
    assert created in await pf.products.list()

    updated = await pf.products.update(created.id, name="E-book 2", price=30, published=False)
    assert (updated.name, updated.price, updated.published) == ("E-book 2", Decimal(30), False)
    assert (updated.description, updated.show_sales) == ("A book", True)  # not sent: unchanged
    assert await pf.products.get(created.id) == updated

    variant = await pf.products.variants.create(
        product_id=created.id, name="Premium", price=Decimal("49.50")
    )
    assert (variant.product_id, variant.name, variant.price) == (
        created.id,
        "Premium",
        Decimal("49.50"),
    )
    assert (await pf.products.get(created.id)).variants == [variant]
    await pf.products.variants.delete(variant.id)
    assert (await pf.products.get(created.id)).variants == []
    with pytest.raises(NotFoundError):
        await pf.products.variants.delete(variant.id)

    await pf.products.delete(created.id)
    with pytest.raises(NotFoundError):
        await pf.products.get(created.id)
    assert created.id not in {p.id for p in await pf.products.list()}


async def test_discount_lifecycle(pf: Pocketsflow) -> None:
    product_id = (await pf.products.list())[0].id
    created = await pf.discounts.create(
        name="Summer",
        code="SUMMER_20",
        value=Decimal("12.5"),
        value_type="percentage",
        active=True,
        main_product_ids=[product_id],
    )
    assert (created.name, created.code, created.value, created.value_type) == (
        "Summer",
        "SUMMER_20",
        Decimal("12.5"),
        ValueType.PERCENTAGE,
    )
    assert (created.active, created.used, created.main_product_ids) == (True, 0, [product_id])
    assert await pf.discounts.get(created.id) == created
    assert created in await pf.discounts.list()

    updated = await pf.discounts.update(
        created.id, code="FIVE-OFF", value=Decimal("5.05"), value_type=ValueType.FIXED
    )
    assert (updated.code, updated.value, updated.value_type) == (
        "FIVE-OFF",
        Decimal("5.05"),
        ValueType.FIXED,
    )
    assert (updated.name, updated.active) == ("Summer", True)
    assert await pf.discounts.get(created.id) == updated

    await pf.discounts.delete(created.id)
    with pytest.raises(NotFoundError):
        await pf.discounts.get(created.id)


async def test_upsell_lifecycle(pf: Pocketsflow) -> None:
    main, offer, other = (p.id for p in (await pf.products.list())[:3])
    created = await pf.upsells.create(
        name="Premium upgrade",
        main_product_ids=[main],
        upsell_product_id=offer,
        upsell_price=Decimal("29.99"),
        upsell_description="Get more",
        primary_button_text="Yes",
        secondary_button_text="No thanks",
        active=True,
    )
    assert (created.name, created.main_product_ids, created.upsell_product_id) == (
        "Premium upgrade",
        [main],
        offer,
    )
    assert (created.upsell_price, created.upsell_description, created.active) == (
        Decimal("29.99"),
        "Get more",
        True,
    )
    assert (created.primary_button_text, created.secondary_button_text) == ("Yes", "No thanks")
    assert await pf.upsells.get(created.id) == created
    assert created in (await pf.upsells.list()).upsells

    updated = await pf.upsells.update(
        created.id, main_product_ids=[main, other], upsell_price=19, active=False
    )
    assert (updated.main_product_ids, updated.upsell_price, updated.active) == (
        [main, other],
        Decimal(19),
        False,
    )
    assert updated.name == "Premium upgrade"
    assert await pf.upsells.get(created.id) == updated

    await pf.upsells.delete(created.id)
    with pytest.raises(NotFoundError):
        await pf.upsells.get(created.id)


async def test_user_settings_update(pf: Pocketsflow) -> None:
    before = await pf.users.me()
    updated = await pf.users.update(first_name="Ada", currency="EUR", country="GB")
    assert (updated.first_name, updated.currency, updated.country) == ("Ada", "EUR", "GB")
    assert (updated.last_name, updated.email) == (before.last_name, before.email)
    assert await pf.users.me() == updated


async def test_subscription_cancel_and_refund(pf: Pocketsflow, sandbox: Sandbox) -> None:
    active = next(
        s for s in records(sandbox.pocketsflow, "subscriptions", Subscription)
        if s.status is SubscriptionStatus.ACTIVE
    )  # fmt: skip
    assert active.interval in set(BillingInterval)

    canceled = await pf.subscriptions.cancel(active.id)
    assert canceled.status is SubscriptionStatus.CANCELED
    assert canceled.canceled_at is not None
    assert await pf.subscriptions.cancel(active.id) == canceled  # a second cancel changes nothing
    assert await pf.subscriptions.get(active.id) == canceled

    refunded = await pf.subscriptions.refund(active.id)
    assert refunded.status is SubscriptionStatus.REFUNDED
    assert refunded.refunded_at is not None
    assert await pf.subscriptions.get(active.id) == refunded


# -- arguments refused before sending -------------------------------------------------------------

NAIVE = dt.datetime(2024, 1, 1)
AWARE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

INVALID: list[tuple[str, Callable[[Pocketsflow], Any], str]] = [
    ("id not a str", lambda pf: pf.orders.get(12), "order_id"),
    ("NaN price", lambda pf: pf.products.create(name="p", price=Decimal("NaN")), "price"),
    ("bool price", lambda pf: pf.products.create(name="p", price=True), "price"),
    ("str flag", lambda pf: pf.products.create(name="p", price=1, published="no"), "published"),
    ("float page", lambda pf: pf.orders.list(page=1.0), "page"),
    ("naive start", lambda pf: pf.orders.list(start_date=NAIVE), "start_date"),
    ("iter concurrency 0", lambda pf: pf.orders.iter(concurrency=0), "concurrency"),
    ("iter float concurrency", lambda pf: pf.subscriptions.iter(concurrency=2.5), "concurrency"),
    ("iter naive end", lambda pf: pf.orders.iter(end_date=NAIVE), "end_date"),
    ("unknown sort", lambda pf: pf.customers.list(sort_by="name"), "sort_by"),
    ("unknown order", lambda pf: pf.customers.list(sort_order="up"), "sort_order"),
    ("unknown value type", lambda pf: pf.discounts.create(name="d", code="C", value=5,
                                                          value_type="percent"), "value_type"),
    ("ids as a str", lambda pf: pf.discounts.create(name="d", code="C", value=5, value_type="fixed",
                                                    main_product_ids=OID), "main_product_ids"),
    ("empty id", lambda pf: pf.products.get(""), "product_id"),
    ("not ISO 8601", lambda pf: pf.orders.list(start_date="31/01/2024"), "start_date"),
    ("naive day", lambda pf: pf.subscriptions.list(start_date=NAIVE), "start_date"),
    ("infinite price", lambda pf: pf.products.create(name="p", price=math.inf), "price"),
    ("str price", lambda pf: pf.products.create(name="p", price="29.99"), "price"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "argument"), [r[1:] for r in INVALID], ids=[r[0] for r in INVALID]
)
async def test_invalid_arguments_are_refused_before_sending(
    call: Callable[[Pocketsflow], Any],
    argument: str,
    pf_shared: Pocketsflow,
    shared_sandbox: Sandbox,
) -> None:
    sent_before = shared_sandbox.stats().pocketsflow.requests
    with pytest.raises(ValidationError) as info:
        await invoke(call, pf_shared)
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument}: ")
    assert shared_sandbox.stats().pocketsflow.requests == sent_before


async def test_messages_name_the_rule(pf_shared: Pocketsflow) -> None:
    with pytest.raises(ValidationError) as info:
        await pf_shared.customers.list(sort_by="name")  # type: ignore[arg-type]
    assert info.value.rule.startswith(
        "must be one of 'email', 'country', 'numberOfOrders', 'createdAt'"
    )
    with pytest.raises(ValidationError) as info:
        await pf_shared.orders.list(start_date=NAIVE)
    assert info.value.rule.startswith(
        "must be timezone-aware (e.g. datetime(2024, 1, 31, tzinfo=timezone.utc))"
    )
