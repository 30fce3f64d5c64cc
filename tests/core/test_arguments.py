"""What the argument checks let through, and how it is sent; authentication without a key.

Only what the references state is refused before sending (see ``test_argument_rules.py`` for
the rules and where each comes from); everything else reaches the server, in every spelling the
references document. A small server on 127.0.0.1 records exactly what arrives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from yarl import URL

from _loopback import Seen, answering, serve
from storeflow import Pocketsflow, Reflow
from storeflow._apis import ApiName
from storeflow.errors import ValidationError
from storeflow.sandbox import Sandbox

OID = "0123456789abcdef01234567"
PF_KEY = "pk_test_0123456789abcdef"
RF_KEY = "rf_test_key_0123456789"
AWARE = dt.datetime(2024, 1, 31, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def path(seen: Seen) -> str:
    """The request's path as sent, percent-encoding kept."""
    return seen.raw_path.split("?")[0]


def query(seen: Seen) -> dict[str, str]:
    return dict(URL(seen.raw_path).query)


def body(seen: Seen) -> Any:
    return orjson.loads(seen.body)


async def sent(client: Any, call: Callable[[Any], Any]) -> Seen:
    """Run ``call(client)`` and return the one request it sent; the answer does not matter.

    Raises:
        ValidationError: the call was refused before sending (the test then fails).
    """
    try:
        result = call(client)
        if hasattr(result, "__anext__"):
            await anext(result)
        else:
            await result
    except ValidationError:
        raise
    except Exception:  # the recording server's answer need not decode: the request was sent
        pass
    (seen,) = client.server.seen
    return seen


CLIENTS: dict[ApiName, Callable[[str], Pocketsflow | Reflow]] = {
    "pocketsflow": lambda url: Pocketsflow(PF_KEY, base_url=url, rate_limit=None, max_retries=0),
    "reflow": lambda url: Reflow(267418190, RF_KEY, base_url=url, rate_limit=None, max_retries=0),
}
"""Each API's client, without retries, for a server at the given URL."""


@contextlib.asynccontextmanager
async def recording(api: ApiName) -> AsyncIterator[Any]:
    """A client of ``api`` whose server (``client.server``) records each request it receives."""
    async with serve(answering({})) as server, CLIENTS[api](server.url) as client:
        client.server = server  # type: ignore[union-attr]
        yield client


@pytest.fixture
async def client(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """:func:`recording` for the API the test names as its ``client`` parameter."""
    async with recording(request.param) as client:
        yield client


@pytest.fixture
async def rf() -> AsyncIterator[Any]:
    async with recording("reflow") as client:
        yield client


# Each of these was refused before sending; none is a rule the reference states.
PF_ACCEPTED: list[tuple[str, Callable[[Pocketsflow], Any], Callable[[Seen], bool]]] = [
    ("id that is no ObjectId", lambda pf: pf.products.get("prod_456def"),
     lambda s: path(s) == "/products/prod_456def"),
    ("id path-encoded", lambda pf: pf.orders.get("a b/c?d"),
     lambda s: path(s) == "/orders/a%20b%2Fc%3Fd"),
    ("upper-case hex id", lambda pf: pf.subscriptions.cancel(OID.upper()),
     lambda s: path(s) == f"/orders/subscriptions/cancel/{OID.upper()}"),
    ("page_size above 100", lambda pf: pf.orders.list(page_size=500),
     lambda s: query(s)["pageSize"] == "500"),
    ("page 0", lambda pf: pf.orders.list(page=0), lambda s: query(s)["page"] == "0"),
    ("subscription page_size above 100", lambda pf: pf.subscriptions.list(page_size=250),
     lambda s: body(s)["pageSize"] == 250),
    ("percentage above 100", lambda pf: pf.discounts.create(
        name="d", code="C", value=150, value_type="percentage"),
     lambda s: body(s)["value"] == 150 and body(s)["valueType"] == "percentage"),
    ("code with spaces and accents", lambda pf: pf.discounts.create(
        name="d", code="NOËL 2024", value=5, value_type="fixed"),
     lambda s: body(s)["code"] == "NOËL 2024"),
    ("lower-case currency and country", lambda pf: pf.users.update(currency="usd", country="us"),
     lambda s: body(s) == {"currency": "usd", "country": "us"}),
    ("upsell with no main product", lambda pf: pf.upsells.create(
        name="u", main_product_ids=[], upsell_product_id=OID, upsell_price=1),
     lambda s: body(s)["mainProductIds"] == []),
    ("negative amount", lambda pf: pf.products.create(name="p", price=Decimal("-5.50")),
     lambda s: b'"price":-5.50' in s.body),
    ("fraction of a cent", lambda pf: pf.products.variants.create(
        product_id=OID, name="v", price=Decimal("0.005")), lambda s: b'"price":0.005' in s.body),
    ("empty name", lambda pf: pf.products.create(name="", price=1),
     lambda s: body(s)["name"] == ""),
    ("update with no field", lambda pf: pf.products.update(OID), lambda s: body(s) == {}),
    ("discount update with no field", lambda pf: pf.discounts.update(OID),
     lambda s: body(s) == {}),
    ("user update with no field", lambda pf: pf.users.update(), lambda s: body(s) == {}),
]  # fmt: skip

# Every documented spelling, and what goes on the wire.
PF_SPELLINGS: list[tuple[str, Callable[[Pocketsflow], Any], Callable[[Seen], bool]]] = [
    ("float money by its repr", lambda pf: pf.products.create(name="p", price=49.99),
     lambda s: b'"price":49.99' in s.body),
    ("float money, binary sum", lambda pf: pf.products.update(OID, price=0.1 + 0.2),
     lambda s: b'"price":0.30000000000000004' in s.body),
    ("Decimal money", lambda pf: pf.products.create(name="p", price=Decimal("49.99")),
     lambda s: b'"price":49.99' in s.body),
    ("int money", lambda pf: pf.upsells.update(OID, upsell_price=30),
     lambda s: b'"upsellPrice":30' in s.body),
    ("start as a date", lambda pf: pf.orders.list(start_date=dt.date(2024, 1, 1)),
     lambda s: query(s)["startDate"] == "2024-01-01"),
    ("end as an aware datetime", lambda pf: pf.orders.list(end_date=AWARE),
     lambda s: query(s)["endDate"] == "2024-01-31T10:30:00+02:00"),
    ("start as an ISO string", lambda pf: pf.orders.list(start_date="2024-01-15T10:30:00Z"),
     lambda s: query(s)["startDate"] == "2024-01-15T10:30:00Z"),
    ("subscription days as dates", lambda pf: pf.subscriptions.list(
        start_date=dt.date(2024, 1, 1), end_date="2024-12-31"),
     lambda s: body(s) == {"page": 1, "pageSize": 20, "startDate": "2024-01-01",
                           "endDate": "2024-12-31"}),
    ("subscription day as an aware datetime", lambda pf: pf.subscriptions.list(start_date=AWARE),
     lambda s: body(s)["startDate"] == "2024-01-31T10:30:00+02:00"),
    ("flag as a string", lambda pf: pf.products.create(name="p", price=1, published="false"),
     lambda s: body(s)["published"] is False),
    ("enum member", lambda pf: pf.customers.list(sort_by="numberOfOrders", sort_order="desc"),
     lambda s: query(s) == {"sortBy": "numberOfOrders", "sortOrder": "desc"}),
    ("product ids from any iterable", lambda pf: pf.discounts.update(
        OID, main_product_ids=(i for i in ("a", "b"))),
     lambda s: body(s) == {"mainProductIds": ["a", "b"]}),
]  # fmt: skip

RF_ACCEPTED: list[tuple[str, Callable[[Reflow], Any], Callable[[Seen], bool]]] = [
    ("page 0", lambda rf: rf.products.list(page=0), lambda s: query(s)["page"] == "0"),
    ("negative price", lambda rf: rf.products.update(1, price=-100),
     lambda s: body(s) == {"price": -100}),
    ("in_stock with advanced inventory", lambda rf: rf.products.update(
        1, inventory_type="advanced", in_stock=True),
     lambda s: body(s) == {"inventory_type": "advanced", "in_stock": True}),
    ("id 0", lambda rf: rf.orders.get(0), lambda s: path(s).endswith("/orders/0")),
    ("negative timestamp", lambda rf: rf.orders.list(created_before=-1),
     lambda s: query(s)["created_before"] == "-1"),
]  # fmt: skip

RF_SPELLINGS: list[tuple[str, Callable[[Reflow], Any], Callable[[Seen], bool]]] = [
    ("ids as a list", lambda rf: rf.products.list(ids=[1, 2, 3]),
     lambda s: query(s)["ids"] == "1,2,3"),
    ("ids as a comma string", lambda rf: rf.products.list(ids="1,2,3"),
     lambda s: query(s)["ids"] == "1,2,3"),
    ("ids as strings from a generator", lambda rf: rf.products.iter(ids=(str(i) for i in (7, 8))),
     lambda s: query(s)["ids"] == "7,8"),
    ("100 ids", lambda rf: rf.products.list(ids=range(100)),
     lambda s: query(s)["ids"].count(",") == 99),
    ("fetch_hidden as a string", lambda rf: rf.products.get(5, fetch_hidden="true"),
     lambda s: query(s) == {"fetch_hidden": "true"}),
    ("fetch_hidden 'false' leaves it out", lambda rf: rf.products.list(fetch_hidden="false"),
     lambda s: "fetch_hidden" not in query(s)),
    ("is_canceled as a string", lambda rf: rf.orders.list(is_canceled="false", is_archived=True),
     lambda s: query(s)["is_canceled"] == "false" and query(s)["is_archived"] == "true"),
    ("is_archived as a string in a body", lambda rf: rf.orders.update(1, is_archived="true"),
     lambda s: body(s) == {"is_archived": True}),
    ("category as digits", lambda rf: rf.products.list(category="123456789"),
     lambda s: query(s)["category"] == "123456789"),
    ("category as an int", lambda rf: rf.products.list(category=123456789),
     lambda s: query(s)["category"] == "123456789"),
    ("root category as digits", lambda rf: rf.categories.list(root_category="177837305"),
     lambda s: query(s)["root-category"] == "177837305"),
    ("plan id as digits", lambda rf: rf.plans.get("13156819"),
     lambda s: path(s) == "/projects/267418190/plans/13156819"),
    ("order id as digits", lambda rf: rf.orders.update("42", fulfillment_status="shipped"),
     lambda s: path(s) == "/projects/267418190/orders/42"),
    ("created_after a float, rounded down", lambda rf: rf.orders.list(created_after=1669852800.5),
     lambda s: query(s)["created_after"] == "1669852800"),
    ("created_before a float, rounded up", lambda rf: rf.orders.list(created_before=1672531200.2),
     lambda s: query(s)["created_before"] == "1672531201"),
    ("created_after an aware datetime", lambda rf: rf.orders.list(created_after=AWARE),
     lambda s: query(s)["created_after"] == str(int(AWARE.timestamp()))),
    ("created_before an int", lambda rf: rf.orders.list(created_before=1672531200),
     lambda s: query(s)["created_before"] == "1672531200"),
    ("order clauses joined", lambda rf: rf.products.list(order="custom_desc,name_asc"),
     lambda s: query(s)["order"] == "custom_desc,name_asc"),
    ("order clauses as a list", lambda rf: rf.products.list(order=["custom_desc", "name_asc"]),
     lambda s: query(s)["order"] == "custom_desc,name_asc"),
]  # fmt: skip


def _cases(api: ApiName, *tables: list[Any]) -> list[Any]:
    return [
        pytest.param(api, call, check, id=f"{api}-{name}")
        for table in tables
        for name, call, check in table
    ]


@pytest.mark.parametrize(
    ("client", "call", "check"),
    [
        *_cases("pocketsflow", PF_ACCEPTED, PF_SPELLINGS),
        *_cases("reflow", RF_ACCEPTED, RF_SPELLINGS),
    ],
    indirect=["client"],
)
async def test_each_client_sends_what_the_reference_allows(
    client: Any, call: Callable[[Any], Any], check: Callable[[Seen], bool]
) -> None:
    seen = await sent(client, call)
    assert check(seen), (seen.raw_path, seen.body)


async def test_the_ids_limit_stops_reading_one_past_it(rf: Reflow) -> None:
    taken: list[int] = []

    def ids() -> Iterator[int]:
        for i in itertools.count(1):
            taken.append(i)
            yield i

    with pytest.raises(ValidationError) as info:
        await rf.products.list(ids=ids())
    assert info.value.argument == "ids"
    assert len(taken) == 101
    assert rf.server.seen == []  # type: ignore[attr-defined]


# -- authentication ---------------------------------------------------------------------------


async def test_pocketsflow_public_endpoint_works_without_a_key(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POCKETSFLOW_API_KEY", raising=False)
    product = next(iter(sandbox.pocketsflow.dump("products")))
    async with Pocketsflow(base_url=sandbox.pocketsflow_url, rate_limit=None) as pf:
        assert pf.mode is None
        reviews = await pf.reviews.list_for_product(product["_id"])
        assert all(review.product_id == product["_id"] for review in reviews)
        with pytest.raises(ValidationError) as info:
            await pf.orders.list()
    assert info.value.argument == "api_key"
    assert "POCKETSFLOW_API_KEY" in info.value.rule
    assert sandbox.stats().pocketsflow.by_route == {"GET /reviews/{productId}": 1}


async def test_pocketsflow_accepts_a_jwt(sandbox: Sandbox) -> None:
    token = sandbox.pocketsflow_jwt
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", token)
    async with Pocketsflow(token, base_url=sandbox.pocketsflow_url, rate_limit=None) as pf:
        assert pf.mode is None
        assert token not in repr(pf)
        me = await pf.users.me()
        page = await pf.orders.list(page_size=5)
    async with Pocketsflow(
        sandbox.pocketsflow_test_key, base_url=sandbox.pocketsflow_url, rate_limit=None
    ) as pf:
        assert pf.mode == "test"
        assert await pf.users.me() == me  # the token opens the test dataset
        assert (await pf.orders.list(page_size=5)).items == page.items


# -- enum-like parameters are typed, so that a type checker catches a typo ----------------------

TYPOS = """\
from storeflow import Pocketsflow, Reflow
from storeflow._apis import ApiName
from storeflow.pocketsflow.models import CustomerSortBy, SortOrder, ValueType
from storeflow.reflow.models import FulfillmentStatus, InventoryType, ProductOrder


async def main(pf: Pocketsflow, rf: Reflow) -> None:
    await pf.discounts.create(name="d", code="C", value=5, value_type="percentage")
    await pf.discounts.update("x", value_type=ValueType.FIXED)
    await pf.customers.list(sort_by="numberOfOrders", sort_order="asc")
    await pf.customers.list(sort_by=CustomerSortBy.EMAIL, sort_order=SortOrder.DESC)
    await rf.products.list(order=["custom_desc", "name_asc"])
    await rf.products.list(order=[ProductOrder.NAME_ASC], ids="1,2,3", fetch_hidden="true")
    await rf.products.list(order="custom_desc,name_asc", category="123")
    await rf.orders.list(payment_status="paid", is_canceled="false", created_after=1.5)
    await rf.orders.update(1, fulfillment_status=FulfillmentStatus.SHIPPED)
    await rf.products.update(1, inventory_type=InventoryType.SIMPLE)
    await rf.products.update(1, inventory_type="advanced")
    await pf.discounts.create(name="d", code="C", value=5, value_type="percent")  # typo
    await pf.customers.list(sort_by="nonsense")  # typo
    await pf.customers.list(sort_order="up")  # typo
    await rf.products.list(order=["nonsense"])  # typo
    await rf.orders.list(payment_status="settled")  # typo
    await rf.orders.update(1, fulfillment_status="lost")  # typo
    await rf.products.update(1, inventory_type="manual")  # typo
    await rf.orders.list(is_archived="yes")  # typo
"""


def test_mypy_reports_each_typo_and_nothing_else(tmp_path: Path) -> None:
    script = tmp_path / "user_script.py"
    script.write_text(TYPOS, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
         "--cache-dir", str(tmp_path / "cache"), str(script)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    lines = TYPOS.splitlines()
    expected = {i for i, line in enumerate(lines, 1) if line.endswith("# typo")}
    reported = {
        int(match.group(1))
        for match in re.finditer(r"user_script\.py:(\d+): error:", result.stdout)
    }
    assert reported == expected, result.stdout
