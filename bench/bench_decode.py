"""Decode: one 100-order page, bytes to models, in µs per record.

- ``storeflow``: ``storeflow._serde.decode(body, OrderPage)``, what ``pf.orders.list`` runs:
  orjson, then the cattrs converter into the generated attrs models;
- ``pydantic``: ``OrderPage.model_validate_json(body)`` on equivalent pydantic v2 models
  (``Decimal`` money, ``AwareDatetime``, the same aliases and fields);
- ``msgspec``: ``msgspec.json.decode(body, type=OrderPage)`` on equivalent Structs: the floor.

Times are CPU time of this process (``time.process_time``), so other load on the machine
counts only through shared caches.

Each library decodes the same rotating set of distinct pages, never one page over and over:
storeflow keeps a bounded cache of float amounts converted to ``Decimal``, and a benchmark that
decodes one page repeatedly would only ever hit it. Two cases:

- ``typical store``: pages of a seeded sandbox store (its products' prices, discounts and tax
  rates repeat, as a real store's do), the cache warm as it is in a long export;
- ``cold amounts``: the same pages with every amount replaced by a distinct value (more distinct
  values than the cache holds), so every amount is converted afresh.

Before timing, the three results are checked to be equal, field by field.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
import random
import time
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import orjson
from pydantic import AwareDatetime, BaseModel, Field

from bench._common import Settings, fmt_spread, log, parse_settings, print_table, spread
from storeflow import _serde
from storeflow.pocketsflow.models import Order, OrderPage, OrderProduct
from storeflow.sandbox import Clock, PocketsflowStore, Scale

LIBRARIES = ("storeflow", "pydantic", "msgspec")
PAGE_SIZE = 100


# -- equivalent models ------------------------------------------------------------------------


class PdOrderProduct(BaseModel):
    id: str = Field(alias="_id")
    name: str


class PdOrder(BaseModel):
    id: str = Field(alias="_id")
    buyer_email: str = Field(alias="buyerEmail")
    gross: Decimal
    net: Decimal
    taxes: Decimal
    created_at: AwareDatetime = Field(alias="createdAt")
    product: PdOrderProduct


class PdPagination(BaseModel):
    total_count: int = Field(alias="totalCount")
    total_pages: int = Field(alias="totalPages")
    current_page: int = Field(alias="currentPage")
    page_size: int = Field(alias="pageSize")
    has_more: bool = Field(alias="hasMore")


class PdOrderPage(BaseModel):
    orders: list[PdOrder]
    pagination: PdPagination


AwareDT = Annotated[dt.datetime, msgspec.Meta(tz=True)]


class MsOrderProduct(msgspec.Struct):
    id: str = msgspec.field(name="_id")
    name: str


class MsOrder(msgspec.Struct):
    id: str = msgspec.field(name="_id")
    buyer_email: str = msgspec.field(name="buyerEmail")
    gross: Decimal
    net: Decimal
    taxes: Decimal
    created_at: AwareDT = msgspec.field(name="createdAt")
    product: MsOrderProduct


class MsPagination(msgspec.Struct):
    total_count: int = msgspec.field(name="totalCount")
    total_pages: int = msgspec.field(name="totalPages")
    current_page: int = msgspec.field(name="currentPage")
    page_size: int = msgspec.field(name="pageSize")
    has_more: bool = msgspec.field(name="hasMore")


class MsOrderPage(msgspec.Struct):
    orders: list[MsOrder]
    pagination: MsPagination


_ms_decoder = msgspec.json.Decoder(MsOrderPage)

DECODERS: dict[str, Any] = {
    "storeflow": lambda body: _serde.decode(body, OrderPage),
    "pydantic": PdOrderPage.model_validate_json,
    "msgspec": _ms_decoder.decode,
}


# -- the pages ----------------------------------------------------------------------------------


def store_pages(count: int) -> list[dict[str, Any]]:
    """``count`` pages of 100 orders from a seeded sandbox store, as the sandbox serves them."""
    store = PocketsflowStore(seed=0, scale=Scale(orders=count * PAGE_SIZE), clock=Clock())
    return [
        store.list_orders(start=None, end=None, product_id=None, page=p, page_size=PAGE_SIZE)
        for p in range(1, count + 1)
    ]


def cold(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same pages with every amount distinct from every other (in cents, as money is)."""
    rng = random.Random(1)
    cents = rng.sample(range(100, 10_000_000), 3 * PAGE_SIZE * len(pages))
    fresh = []
    for page in pages:
        orders = []
        for order in page["orders"]:
            gross, net, taxes = (cents.pop() / 100 for _ in range(3))
            orders.append({**order, "gross": gross, "net": net, "taxes": taxes})
        fresh.append({**page, "orders": orders})
    return fresh


def distinct_amounts(pages: list[dict[str, Any]]) -> int:
    """How many different amounts the pages hold."""
    return len({o[k] for p in pages for o in p["orders"] for k in ("gross", "net", "taxes")})


def _fields(order: Any) -> tuple[Any, ...]:
    return (
        order.id,
        order.buyer_email,
        order.gross,
        order.net,
        order.taxes,
        order.created_at,
        order.product.id,
        order.product.name,
    )


def check_equivalent(bodies: list[bytes]) -> None:
    """Raise if the three libraries (or the hand-written variants) decode a page differently."""
    for body in bodies:
        results = {name: DECODERS[name](body) for name in LIBRARIES}
        rows = {name: [_fields(o) for o in page.orders] for name, page in results.items()}
        for name in LIBRARIES[1:]:
            if rows[name] != rows["storeflow"]:
                raise AssertionError(f"{name} decodes a page differently from storeflow")
            for order in results[name].orders:
                if not isinstance(order.gross, Decimal) or order.created_at.tzinfo is None:
                    raise AssertionError(f"{name} did not give Decimal money and aware datetimes")
        if _hand_decode(body) != results["storeflow"].orders:
            raise AssertionError("the hand-written Order constructor differs from storeflow")
        for order in orjson.loads(body)["orders"]:
            for key in ("gross", "net", "taxes"):
                exact, cents = Decimal(repr(order[key])), _cents_decimal(order[key])
                if exact.as_tuple() != cents.as_tuple():
                    raise AssertionError(f"cents path gives {cents!r} for {order[key]!r}")


# -- timing -------------------------------------------------------------------------------------


def _time(decode: Any, bodies: list[bytes], passes: int) -> float:
    """CPU seconds per record for ``passes`` passes over ``bodies``.

    CPU time, not wall time: the machine is shared, and a wall clock would count the time other
    processes held the core.
    """
    gc.collect()
    started = time.process_time()
    for _ in range(passes):
        for body in bodies:
            decode(body)
    return (time.process_time() - started) / (passes * len(bodies) * PAGE_SIZE)


def _hand_order(o: dict[str, Any]) -> Order:
    """``Order`` built by hand with every check inline: what cattrs' generated code could save."""
    oid, email, created, product = o["_id"], o["buyerEmail"], o["createdAt"], o["product"]
    pid, name = product["_id"], product["name"]
    if not (oid.__class__ is email.__class__ is created.__class__ is pid.__class__ is str):
        raise TypeError("expected strings")
    if name.__class__ is not str:
        raise TypeError("expected a string")
    when = dt.datetime.fromisoformat(created)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return Order(
        id=oid,
        buyer_email=email,
        gross=_serde._decimal(o["gross"], Decimal),
        net=_serde._decimal(o["net"], Decimal),
        taxes=_serde._decimal(o["taxes"], Decimal),
        created_at=when,
        product=OrderProduct(id=pid, name=name),
        discount_code=o.get("discountCode"),
    )


def _cents_decimal(value: float) -> Decimal:
    """The ``Decimal`` of ``repr(value)`` by integer arithmetic, for amounts with at most 2
    decimals (the alternative to a shortest repr that this benchmark prices)."""
    cents = round(value * 100)
    if cents / 100 != value or not 0 <= cents < 10**15:
        return Decimal(repr(value))
    units, rest = divmod(cents, 100)
    if rest == 0:
        return Decimal(f"{units}.0")
    return Decimal(f"{units}.{rest // 10}" if rest % 10 == 0 else f"{units}.{rest:02d}")


def _hand_decode(body: bytes) -> list[Order]:
    return [_hand_order(o) for o in orjson.loads(body)["orders"]]


def components(pages: list[dict[str, Any]], bodies: list[bytes]) -> dict[str, float]:
    """What the parts of a decode cost, to explain the ratios (CPU µs per page or ns per amount).

    ``float_to_decimal_ns``: storeflow's exact conversion of an amount orjson parsed as a float
    (shortest repr, then ``Decimal``), what each cache miss costs; ``text_to_decimal_ns``: a
    ``Decimal`` from the number's text, what a parser that keeps the text (pydantic, msgspec)
    pays; ``cents_to_decimal_ns``: the same ``Decimal`` as the first, from integer cents instead
    of a repr; ``json_decimal_us``: the standard library's ``json.loads(parse_float=Decimal)``, the
    one parser the SDK's dependencies allow that hands over the text. ``hand_inlined_us`` and
    ``storeflow_us``: a page through a hand-written ``Order`` constructor with every check
    inline (same orjson, same ``Decimal`` hook) and through storeflow's converter, measured the
    same way: how much of the cost cattrs' generated code is.
    """
    floats = [o[k] for p in pages for o in p["orders"] for k in ("gross", "net", "taxes")]
    texts = [repr(f) for f in floats]

    def per_item(fn: Any, items: list[Any]) -> float:
        best = math.inf
        for _ in range(3):
            started = time.process_time()
            for item in items:
                fn(item)
            best = min(best, time.process_time() - started)
        return best / len(items)

    to_decimal = Decimal
    return {
        "orjson_loads_us": per_item(orjson.loads, bodies) * 1e6,
        "json_decimal_us": per_item(lambda b: json.loads(b, parse_float=Decimal), bodies) * 1e6,
        "float_to_decimal_ns": per_item(lambda f: to_decimal(repr(f)), floats) * 1e9,
        "text_to_decimal_ns": per_item(to_decimal, texts) * 1e9,
        "cents_to_decimal_ns": per_item(_cents_decimal, floats) * 1e9,
        "hand_inlined_us": per_item(_hand_decode, bodies) * 1e6,
        "storeflow_us": per_item(DECODERS["storeflow"], bodies) * 1e6,
    }


def run(settings: Settings) -> dict[str, Any]:
    """Time each library on both cases, ``settings.repeats`` runs, libraries interleaved."""
    page_count = 50 if settings.quick else 100
    passes = 2 if settings.quick else 4
    pages = store_pages(page_count)
    cases = {"typical store": pages, "cold amounts": cold(pages)}
    result: dict[str, Any] = {
        "pages": page_count,
        "records_per_pass": page_count * PAGE_SIZE,
        "passes_per_run": passes,
        "repeats": settings.repeats,
        "cases": {},
    }
    for case, case_pages in cases.items():
        bodies = [orjson.dumps(page) for page in case_pages]
        check_equivalent(bodies[:3])
        for name in LIBRARIES:  # warm-up: build the converters, fill the cache as an export would
            _time(DECODERS[name], bodies, 1)
        times: dict[str, list[float]] = {name: [] for name in LIBRARIES}
        for repeat in range(settings.repeats):
            order = LIBRARIES[repeat % 3 :] + LIBRARIES[: repeat % 3]
            for name in order:
                times[name].append(_time(DECODERS[name], bodies, passes) * 1e6)
        libs: dict[str, Any] = {}
        for name in LIBRARIES:
            libs[name] = {
                "us_per_record": spread(times[name]),
                "ratio_to_pydantic": spread(
                    [a / b for a, b in zip(times[name], times["pydantic"], strict=True)]
                ),
                "ratio_to_msgspec": spread(
                    [a / b for a, b in zip(times[name], times["msgspec"], strict=True)]
                ),
            }
        result["cases"][case] = {
            "components": components(case_pages, bodies),
            "distinct_amounts": distinct_amounts(case_pages),
            "page_bytes": sum(map(len, bodies)) // len(bodies),
            "libraries": libs,
        }
        sf = libs["storeflow"]
        log(
            f"decode {case}: storeflow {sf['us_per_record']['median']:.2f} µs/record, "
            f"{sf['ratio_to_pydantic']['median']:.2f}x pydantic"
        )
    return result


def print_results(result: dict[str, Any]) -> None:
    """The table of :func:`run`'s result."""
    rows = []
    for case, data in result["cases"].items():
        for name in LIBRARIES:
            lib = data["libraries"][name]
            rows.append(
                [
                    f"{case}: {name}",
                    fmt_spread(lib["us_per_record"], "{:.2f}"),
                    f"{lib['us_per_record']['median'] * PAGE_SIZE:.0f}",
                    fmt_spread(lib["ratio_to_pydantic"], "{:.2f}x"),
                    fmt_spread(lib["ratio_to_msgspec"], "{:.2f}x"),
                ]
            )
    print_table(
        f"Decode: {result['pages']} distinct 100-order pages, bytes to models, "
        f"median (min-max) of {result['repeats']} runs",
        ["case: library", "µs/record", "µs/page", "vs pydantic", "vs msgspec"],
        rows,
    )
    for case, data in result["cases"].items():
        c = data["components"]
        print(
            f"{case}: {data['distinct_amounts']} distinct amounts, {data['page_bytes']} B/page; "
            f"orjson.loads {c['orjson_loads_us']:.0f} µs/page, json.loads(parse_float=Decimal) "
            f"{c['json_decimal_us']:.0f} µs/page; float->Decimal {c['float_to_decimal_ns']:.0f} "
            f"ns, text->Decimal {c['text_to_decimal_ns']:.0f} ns, cents->Decimal "
            f"{c['cents_to_decimal_ns']:.0f} ns per amount; hand-inlined "
            f"Order {c['hand_inlined_us']:.0f} vs converter {c['storeflow_us']:.0f} µs/page"
        )


def main() -> None:
    """``python -m bench.bench_decode [--quick]``."""
    print_results(run(parse_settings(__doc__ or "")))


if __name__ == "__main__":
    main()
