"""Decode: one page of 100 records, bytes to models, in µs per record, on three fixtures.

Peers, each configured as tolerantly as the library allows, so that the comparison is fair:

- ``storeflow``: ``storeflow._serde.decode(body, Page)``, what ``pf.orders.list`` and
  ``rf.products.list`` run, liberal (the default): unknown fields kept, open enums, coercion;
- ``pydantic``: ``Page.model_validate_json(body)`` on equivalent pydantic v2 models with
  ``extra="allow"`` (unknown fields kept) in lax mode (pydantic's default coercion), ``Decimal``
  money (from the number's text), ``AwareDatetime``, the same aliases and fields;
- ``msgspec``: ``msgspec.json.Decoder(Page, strict=False).decode(body)`` on equivalent Structs,
  the floor: a C decoder building C-level objects, which drops unknown fields (it cannot keep
  them).

Both peers' models are declared once, in ``bench._peers``.

Fixtures (100 records a page, every page distinct):

- ``orders, typical``: Pocketsflow order pages of a seeded sandbox store, whose amounts repeat
  as a real store's do;
- ``orders, distinct amounts``: the same pages with every amount distinct from every other, so
  no cache of converted amounts can help (storeflow keeps none on its fast path; its tolerant
  path has a bounded one);
- ``products``: Reflow product pages with the full product shape of the reference notes
  (currency, price range, images, media, variants, categories, personalization with its items,
  on-sale object), every product carrying personalization items.

Times are CPU time of this process (``time.process_time``), libraries interleaved. Before
timing, the three results are checked to be equal, field by field.
"""

from __future__ import annotations

import copy
import gc
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import orjson

from bench._benchmark import Benchmark, Settings, Table
from bench._common import PAGE_SIZE, cpu_per_item, fmt_spread, log, order_pages, spread
from bench._peers import MSGSPEC, PYDANTIC
from storeflow import _serde
from storeflow.pocketsflow.models import OrderPage
from storeflow.reflow.models import ProductPage
from storeflow.sandbox import Clock, ReflowStore, Scale

LIBRARIES = ("storeflow", "pydantic", "msgspec")
CASES = ("orders, typical", "orders, distinct amounts", "products")


def decoders(case: str) -> dict[str, Callable[[bytes], Any]]:
    """Each library's decode of one page of ``case``."""
    if case == "products":
        model, pydantic, structs = ProductPage, PYDANTIC.products, MSGSPEC.products
    else:
        model, pydantic, structs = OrderPage, PYDANTIC.orders, MSGSPEC.orders
    ms = msgspec.json.Decoder(structs, strict=False)
    return {
        "storeflow": lambda body: _serde.decode(body, model),
        "pydantic": pydantic.model_validate_json,
        "msgspec": ms.decode,
    }


# -- the fixtures -------------------------------------------------------------------------------


def distinct(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


def product_pages(count: int) -> list[dict[str, Any]]:
    """``count`` distinct pages of 100 Reflow products in the full shape of the reference notes.

    The products come from a seeded sandbox store; each gets the personalization items of the
    notes (the sandbox gives them only to some), and each page its own ids and names, so no two
    pages are the same bytes.
    """
    store = ReflowStore(seed=0, scale=Scale(reflow_products=PAGE_SIZE), clock=Clock())
    products = [store.product_json(p) for p in store.list_products(include_hidden=True)]
    template = next(p["personalization"] for p in products if p["personalization"]["items"])
    pages = []
    for number in range(1, count + 1):
        data = []
        for index, product in enumerate(products):
            record = copy.deepcopy(product)
            record["id"] = product["id"] * 1000 + number
            record["name"] = f"{product['name']} {number}-{index}"
            personalization = copy.deepcopy(template)
            personalization["enabled"] = True
            for item in personalization["items"]:
                item["id"] = f"{record['id']}_gift"
            record["personalization"] = personalization
            data.append(record)
        pages.append(
            {
                "data": data,
                "links": {
                    "first": "?page=1",
                    "last": f"?page={count}",
                    "prev": None,
                    "next": None,
                },
                "meta": {
                    "current_page": number,
                    "from": 1,
                    "last_page": count,
                    "links": [],
                    "path": "/products/",
                    "per_page": PAGE_SIZE,
                    "to": PAGE_SIZE,
                    "total": PAGE_SIZE * count,
                },
            }
        )
    return pages


def fixtures(count: int) -> dict[str, list[bytes]]:
    """The bodies of each case, ``count`` distinct pages each."""
    orders = order_pages(count)
    return {
        "orders, typical": [orjson.dumps(p) for p in orders],
        "orders, distinct amounts": [orjson.dumps(p) for p in distinct(orders)],
        "products": [orjson.dumps(p) for p in product_pages(count)],
    }


def distinct_amounts(bodies: list[bytes]) -> int:
    """How many different amounts the order pages hold."""
    pages = [orjson.loads(b) for b in bodies]
    return len({o[k] for p in pages for o in p["orders"] for k in ("gross", "net", "taxes")})


# -- equivalence ----------------------------------------------------------------------------------


def _order_row(order: Any) -> tuple[Any, ...]:
    return (
        order.id,
        order.buyer_email,
        order.gross,
        order.net,
        order.taxes,
        order.created_at,
        order.product.id,
        order.product.name,
        order.discount_code,
    )


def _product_row(p: Any) -> tuple[Any, ...]:
    variants = p.variants.items or []
    return (
        p.id,
        p.name,
        p.price,
        p.currency.code,
        p.price_range,
        p.image.md if p.image else None,
        [(m.id, str(m.type), m.src.lg if m.src else m.url) for m in p.media],
        [(v.id, v.sku, v.price, v.in_stock, v.original_price) for v in variants],
        [(c.id, c.handle, c.subcategories) for c in p.categories],
        str(p.inventory_type),
        p.available_quantity,
        [(i.id, i.name, i.max, i.dropdown_options) for i in p.personalization.items],
        (p.on_sale.enabled, p.on_sale.original_price),
        p.sku,
        p.created,
    )


def check_equivalent(case: str, bodies: list[bytes]) -> None:
    """Raise if the three libraries decode a page differently."""
    decode = decoders(case)
    for body in bodies:
        results = {name: decode[name](body) for name in LIBRARIES}
        if case == "products":
            rows = {name: [_product_row(p) for p in r.data] for name, r in results.items()}
        else:
            rows = {name: [_order_row(o) for o in r.orders] for name, r in results.items()}
            for name, result in results.items():
                for order in result.orders:
                    if not isinstance(order.gross, Decimal) or order.created_at.tzinfo is None:
                        raise AssertionError(f"{name}: not Decimal money and aware datetimes")
        for name in LIBRARIES[1:]:
            if rows[name] != rows["storeflow"]:
                raise AssertionError(f"{case}: {name} decodes a page differently from storeflow")


# -- timing -------------------------------------------------------------------------------------


def _time(decode: Callable[[bytes], Any], bodies: list[bytes], passes: int) -> float:
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


def _drifted(body: bytes, key: str) -> bytes:
    """The page with one field no schema knows added to every record (the tolerant path)."""
    page = orjson.loads(body)
    for record in page[key]:
        record["addedLater"] = {"note": "a field the schema does not know yet"}
    return orjson.dumps(page)


def components(case: str, bodies: list[bytes]) -> dict[str, float]:
    """What the parts of a storeflow decode cost, in CPU µs per page, to explain the ratios.

    ``orjson_loads_us``: orjson alone (what the tolerant path parses with);
    ``fast_parse_us``: msgspec reading the page into storeflow's mirror Structs;
    ``fast_build_us``: building the attrs models from them; ``tolerant_us``: the tolerant path
    (orjson, then the generated decoders), what a body that the schema does not describe takes;
    ``drift_us`` and ``drift_pydantic_us``: a page whose every record carries one unknown field,
    through storeflow (tolerant path, the field kept) and pydantic (``extra="allow"``);
    ``gc_share``: the share of storeflow's decode time that the cyclic garbage collector takes
    (the same passes with ``gc.disable()``).
    """
    model = ProductPage if case == "products" else OrderPage
    key = "data" if case == "products" else "orders"
    fast = _serde._fast_model(model)
    assert fast is not None
    mirrors = [fast.decoder.decode(b) for b in bodies]
    drifted = [_drifted(b, key) for b in bodies]
    storeflow = decoders(case)["storeflow"]
    pydantic = decoders(case)["pydantic"]

    def tolerant(body: bytes) -> object:
        return _serde.structure(orjson.loads(body), model)

    with_gc = cpu_per_item(storeflow, bodies)
    gc.disable()
    try:
        without_gc = cpu_per_item(storeflow, bodies)
    finally:
        gc.enable()
    return {
        "orjson_loads_us": cpu_per_item(orjson.loads, bodies) * 1e6,
        "fast_parse_us": cpu_per_item(fast.decoder.decode, bodies) * 1e6,
        "fast_build_us": cpu_per_item(fast.build, mirrors) * 1e6,
        "tolerant_us": cpu_per_item(tolerant, bodies) * 1e6,
        "drift_us": cpu_per_item(storeflow, drifted) * 1e6,
        "drift_pydantic_us": cpu_per_item(pydantic, drifted) * 1e6,
        "gc_share": max(0.0, 1 - without_gc / with_gc),
    }


def run(settings: Settings) -> dict[str, Any]:
    """Time each library on every case, ``settings.repeats`` runs, libraries interleaved."""
    page_count = 20 if settings.quick else 50
    passes = 2 if settings.quick else 4
    result: dict[str, Any] = {
        "pages": page_count,
        "records_per_pass": page_count * PAGE_SIZE,
        "passes_per_run": passes,
        "repeats": settings.repeats,
        "peers": {
            "storeflow": "_serde.decode(body, Page): liberal (unknown fields kept, open enums, "
            "coercion); msgspec mirror Structs then attrs models, the tolerant path when the "
            "body is not what the schema describes; Decimal from the number's text",
            "pydantic": "Page.model_validate_json(body): extra='allow' (unknown fields kept), "
            "lax mode (pydantic's default), Decimal from the number's text, AwareDatetime",
            "msgspec": "msgspec.json.Decoder(Page, strict=False): Structs, unknown fields "
            "dropped (Structs cannot keep them), Decimal from the number's text",
        },
        "cases": {},
    }
    for case, bodies in fixtures(page_count).items():
        check_equivalent(case, bodies[:3])
        decode = decoders(case)
        for name in LIBRARIES:  # warm-up: build each library's decoders
            _time(decode[name], bodies[:2], 1)
        times: dict[str, list[float]] = {name: [] for name in LIBRARIES}
        for repeat in range(settings.repeats):
            order = LIBRARIES[repeat % 3 :] + LIBRARIES[: repeat % 3]
            for name in order:
                times[name].append(_time(decode[name], bodies, passes) * 1e6)
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
            "components": components(case, bodies[:10]),
            "distinct_amounts": None if case == "products" else distinct_amounts(bodies),
            "page_bytes": sum(map(len, bodies)) // len(bodies),
            "libraries": libs,
        }
        sf = libs["storeflow"]
        log(
            f"decode {case}: storeflow {sf['us_per_record']['median']:.2f} µs/record, "
            f"{fmt_spread(sf['ratio_to_pydantic'], '{:.2f}x')} pydantic"
        )
    return result


def table(result: dict[str, Any]) -> Table:
    """:func:`run`'s result as a table: a row per case and library."""
    return Table(
        f"Decode: {result['pages']} distinct 100-record pages per case, bytes to models, "
        f"median (min-max) of {result['repeats']} runs",
        [
            {
                "case: library": f"{case}: {name}",
                "µs/record": fmt_spread(lib["us_per_record"], "{:.2f}"),
                "µs/page": f"{lib['us_per_record']['median'] * PAGE_SIZE:.0f}",
                "vs pydantic": fmt_spread(lib["ratio_to_pydantic"], "{:.2f}x"),
                "vs msgspec": fmt_spread(lib["ratio_to_msgspec"], "{:.2f}x"),
            }
            for case, data in result["cases"].items()
            for name, lib in data["libraries"].items()
        ],
    )


def notes(result: dict[str, Any]) -> None:
    """What storeflow's decode is made of, a line per case (after the table)."""
    for case, data in result["cases"].items():
        c = data["components"]
        print(
            f"{case}: {data['page_bytes']} B/page; orjson.loads {c['orjson_loads_us']:.0f}, "
            f"fast parse {c['fast_parse_us']:.0f} + build {c['fast_build_us']:.0f}, tolerant "
            f"path {c['tolerant_us']:.0f}, drifted page {c['drift_us']:.0f} (pydantic "
            f"{c['drift_pydantic_us']:.0f}) µs/page; GC {c['gc_share']:.0%} of the decode"
        )


BENCHMARK = Benchmark(__doc__, run, table, notes)

if __name__ == "__main__":
    BENCHMARK.main()
