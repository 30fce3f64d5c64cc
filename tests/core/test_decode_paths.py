"""The fast decode (msgspec mirrors, then the models) gives what the tolerant path gives.

``decode(body, cls)`` first tries the fast path and falls back to the tolerant reading for any
body the schema does not describe. Every fixture here is decoded both ways: through ``decode``
and through the reference, ``structure(orjson.loads(body), cls)``, which never takes the fast
path; the models, their ``extra`` and their ``to_dict()`` must be equal.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import orjson
import pytest

from storeflow import _serde
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf
from storeflow.sandbox import Clock, PocketsflowStore, ReflowStore, Scale

SCALE = Scale(orders=300, reflow_products=40, reflow_orders=60, reflow_users=30)
PF_MODELS: dict[str, Any] = {
    "products": pf.Product,
    "orders": pf.Order,
    "customers": pf.Customer,
    "reviews": pf.Review,
    "discounts": pf.Discount,
    "upsells": pf.Upsell,
    "subscriptions": pf.Subscription,
}
RF_MODELS: dict[str, Any] = {
    "products": rf.Product,
    "categories": rf.Category,
    "orders": rf.Order,
    "users": rf.User,
    "plans": rf.Plan,
}


def _stores() -> tuple[PocketsflowStore, ReflowStore]:
    return (
        PocketsflowStore(seed=3, scale=SCALE, clock=Clock()),
        ReflowStore(seed=3, scale=SCALE, clock=Clock()),
    )


def _fixtures() -> list[tuple[str, bytes, Any]]:
    """Every record of every sandbox collection, pages of orders and products, and a list."""
    pocketsflow, reflow = _stores()
    out: list[tuple[str, bytes, Any]] = []
    for api, store, models in (("pf", pocketsflow, PF_MODELS), ("rf", reflow, RF_MODELS)):
        for collection, model in models.items():
            records = list(store.dump(collection))
            assert records, collection
            name = f"{api} {collection}"
            out += [(f"{name}[{i}]", orjson.dumps(r), model) for i, r in enumerate(records)]
            out.append((f"{name} list", orjson.dumps(records), list[model]))
    for page in range(1, 4):
        body = pocketsflow.list_orders(
            start=None, end=None, product_id=None, page=page, page_size=100
        )
        out.append((f"order page {page}", orjson.dumps(body), pf.OrderPage))
    products = [reflow.product_json(p) for p in reflow.list_products(include_hidden=True)]
    meta = {"current_page": 1, "last_page": 1, "per_page": 100, "total": len(products)}
    out.append(("product page", orjson.dumps({"data": products, "meta": meta}), rf.ProductPage))
    return out


def _drifted(body: bytes) -> list[bytes]:
    """The body with one drift at a time in its first record: what sends it down the tolerant
    path (or not) must not change what it decodes to."""
    data = orjson.loads(body)
    record = data[0] if isinstance(data, list) else data
    if not isinstance(record, dict) or not record:
        return []
    key = next(iter(record))
    variants = []
    for change in ("unknown", "null", "string", "float", "drop"):
        mutated = copy.deepcopy(record)
        if change == "unknown":
            mutated["addedLater"] = [1.5, {"x": 0.1}]
        elif change == "null":
            mutated[key] = None
        elif change == "string":
            mutated[key] = str(mutated[key])
        elif change == "float":
            mutated[key] = 0.1
        else:
            del mutated[key]
        variants.append(orjson.dumps([mutated, *data[1:]] if isinstance(data, list) else mutated))
    return variants


FIXTURES = _fixtures()


def _check_same(body: bytes, cls: Any) -> Any:
    fast = _serde.decode(body, cls)
    reference = _serde.structure(orjson.loads(body), cls)
    assert fast == reference
    if isinstance(cls, type):
        assert fast.to_dict() == reference.to_dict()
    else:
        assert [m.to_dict() for m in fast] == [m.to_dict() for m in reference]
    return fast


@pytest.mark.parametrize(("name", "body", "cls"), FIXTURES, ids=[f[0] for f in FIXTURES])
def test_every_fixture_decodes_the_same_on_both_paths(name: str, body: bytes, cls: Any) -> None:
    _check_same(body, cls)
    for variant in _drifted(body):
        _check_same(variant, cls)


def test_the_sandbox_pages_take_the_fast_path() -> None:
    # A body the schema describes is read by the mirrors (the speed the benchmark reports).
    for name, body, cls in FIXTURES:
        fast = _serde._fast_decoder(cls)
        assert fast is not None, name
        assert fast(body) == _serde.structure(orjson.loads(body), cls), name


def test_an_unknown_field_is_kept_whichever_path_reads_it() -> None:
    body = FIXTURES[0][1]
    record = orjson.loads(body)
    record["addedLater"] = {"rate": 0.1}
    decoded = _serde.decode(orjson.dumps(record), pf.Product)
    assert decoded.extra == {"addedLater": {"rate": 0.1}}
    assert isinstance(decoded.extra["addedLater"]["rate"], float)


def test_amounts_keep_the_digits_the_api_wrote() -> None:
    pocketsflow, _ = _stores()
    order = next(iter(pocketsflow.dump("orders")))
    text = orjson.dumps(order).replace(b'"gross":', b'"gross":29.90,"_g":', 1)
    text = text.replace(b',"_g":' + orjson.dumps(order["gross"]), b"", 1)
    decoded = _serde.decode(text, pf.Order)
    assert decoded.gross == Decimal("29.90")
    assert str(decoded.gross) == "29.90"
    assert decoded.to_json().count('"gross":29.90') == 1
    # 17 significant digits: more than a float holds.
    exact = text.replace(b'"gross":29.90', b'"gross":12345678901234.567', 1)
    assert _serde.decode(exact, pf.Order).gross == Decimal("12345678901234.567")
