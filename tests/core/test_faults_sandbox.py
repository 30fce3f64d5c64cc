"""The client under the sandbox's fault injection: reads recover, creates are never doubled.

The sandbox drops connections *after* its handler ran (the state changed, the answer is lost)
and replaces answers with 500/502/503 *before* it (nothing changed). A client cannot tell a
dropped create from one that never arrived, so it must not resend it; it may resend reads.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from conftest import SandboxFactory
from storeflow import ConnectionError, Pocketsflow, ServerError
from storeflow.sandbox import Faults

CREATES = 40


async def test_a_create_under_dropped_connections_never_produces_a_duplicate(
    sandbox_factory: SandboxFactory,
) -> None:
    sandbox = await sandbox_factory(faults=Faults(seed=11, drop_rate=0.3, error_rate=0.15))
    before = {product["_id"] for product in sandbox.pocketsflow.dump("products")}
    outcomes: Counter[str] = Counter()
    async with Pocketsflow(
        sandbox.pocketsflow_test_key, base_url=sandbox.pocketsflow_url, max_retries=5
    ) as pf:
        for n in range(CREATES):
            try:
                await pf.products.create(name=f"fault-test-{n}", price=Decimal("9.99"))
            except ConnectionError:
                outcomes["dropped"] += 1
            except ServerError:
                outcomes["refused"] += 1
            else:
                outcomes["created"] += 1

    # The faults did happen, and each create was sent exactly once despite max_retries=5.
    assert outcomes["dropped"] > 0
    assert outcomes["refused"] > 0
    assert sandbox.stats().pocketsflow.by_route["POST /products"] == CREATES

    # Every create the handler ran exists once: the acknowledged ones and the dropped ones; the
    # refused ones (5xx before the handler) do not exist at all.
    names = Counter(
        product["name"]
        for product in sandbox.pocketsflow.dump("products")
        if product["_id"] not in before
    )
    assert set(names.values()) == {1}
    assert len(names) == outcomes["created"] + outcomes["dropped"]


async def test_reads_recover_from_dropped_connections_and_5xx(
    sandbox_factory: SandboxFactory,
) -> None:
    sandbox = await sandbox_factory(faults=Faults(seed=5, drop_rate=0.2, error_rate=0.1))
    expected = list(sandbox.pocketsflow.dump("orders"))
    async with Pocketsflow(
        sandbox.pocketsflow_test_key, base_url=sandbox.pocketsflow_url, max_retries=8
    ) as pf:
        seen = [order.id async for order in pf.orders.iter(page_size=20)]
    assert seen == [order["_id"] for order in expected]
    stats = sandbox.stats().pocketsflow
    pages = -(-len(expected) // 20)
    assert stats.faults  # faults did happen, and the pages they hit were fetched again
    assert stats.by_route["GET /orders"] > pages
