"""Forward compatibility: what the real APIs send decodes, through the public client methods.

Every reference example and every payload shape of NOTES.md is answered, exactly, by a small
server on 127.0.0.1 and read back through the typed call a user would make. Then each reference
payload is mutated one place at a time in each way a real API drifts (an unknown field, a new
enum value, a null, a boolean as a string, an integer as a float, a number as a string, another
date spelling, a unix time, a value that cannot be read): the default client decodes it and
keeps the value (coerced, or raw in ``extra``), and a ``strict=True`` client raises
``DecodeError`` naming the model and the field.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import logging
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Any

import attrs
import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _loopback import KEY, Server, serve
from storeflow import DecodeError, Model, Pocketsflow, Reflow, _serde
from storeflow.errors import BadRequestError, NotFoundError
from storeflow.export import export
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf
from test_models import _CATEGORY as RF_CATEGORY
from test_models import _CURRENCY

PROJECT = 267418190

# -- the payloads: the references' examples and NOTES.md's shapes ------------------------------

PF_PRODUCTS = [
    {
        "_id": "65abc123...",
        "name": "My Digital Product",
        "price": 29.99,
        "published": True,
        "createdAt": "2024-01-15T10:30:00Z",
    }
]
PF_ORDERS = {
    "orders": [
        {
            "_id": "65xyz789...",
            "buyerEmail": "customer@example.com",
            "gross": 49.99,
            "net": 45.99,
            "taxes": 0,
            "createdAt": "2024-01-20T14:30:00Z",
            "product": {"_id": "65abc123...", "name": "My Product"},
        }
    ],
    "pagination": {
        "totalCount": 150,
        "totalPages": 15,
        "currentPage": 1,
        "pageSize": 10,
        "hasMore": True,
    },
}
PF_CUSTOMERS = [
    {
        "_id": "65cust123...",
        "buyerEmail": "customer@example.com",
        "country": "US",
        "numberOfOrders": 3,
        "createdAt": "2024-01-10T09:00:00Z",
    }
]
PF_REVIEWS = [
    {
        "_id": "65rev123...",
        "productId": "65abc123...",
        "buyerEmail": "customer@example.com",
        "rating": 5,
        "review": "Great product!",
        "createdAt": "2024-01-25T16:00:00Z",
    }
]
PF_DISCOUNTS = [
    {
        "_id": "65disc123...",
        "name": "Summer Sale",
        "code": "SUMMER20",
        "value": 20,
        "valueType": "percentage",
        "active": True,
        "used": 15,
    }
]
PF_UPSELLS = {
    "upsells": [
        {
            "_id": "65ups123...",
            "name": "Premium Upgrade",
            "upsellProductId": "65abc456...",
            "upsellPrice": 29.99,
            "active": True,
            "mainProductIds": ["65abc123..."],
        }
    ],
    "salesWithUpsells": [],
}

# NOTES.md: the profile fields public callers read from `GET /users/me`.
PF_ME = {
    "_id": "65f1c0de9a1b2c3d4e5f6a7b",
    "email": "john@example.com",
    "subdomain": "johns-store",
    "firstName": "John",
    "lastName": "Doe",
    "currency": "USD",
    "country": "US",
}
# The reference: an order "including the product, customer, and review if available".
PF_ORDER_DETAIL = {
    **PF_ORDERS["orders"][0],  # type: ignore[dict-item]
    "customer": PF_CUSTOMERS[0],
    "review": PF_REVIEWS[0],
}
_IMAGE = {
    "sm": "https://cdn.example.com/199976733-sm.jpg",
    "md": "https://cdn.example.com/199976733-md.jpg",
    "lg": "https://cdn.example.com/199976733-lg.jpg",
}
# NOTES.md, "Shapes that real responses carry": personalization and on_sale objects, string
# variant and product ids, the media union.
RF_PRODUCT = {
    "object": "product",
    "id": "199976733",
    "name": "T-shirt",
    "handle": "t-shirt",
    "excerpt": "Soft cotton.",
    "description": "Soft cotton.",
    "description_html": "<p>Soft cotton.</p>",
    "promo_badge": "Sale",
    "currency": _CURRENCY,
    "price": 2000,
    "price_formatted": "$20.00",
    "price_range": [2000, 2400],
    "price_range_formatted": "$20.00 - $24.00",
    "image": _IMAGE,
    "media": [
        {"id": 1, "type": "image", "src": _IMAGE},
        {"id": "m2", "type": "video", "url": "https://video.example.com/shirt.mp4"},
    ],
    "variants": {
        "enabled": True,
        "option_name": "Size",
        "items": [
            {"id": "199976733_s", "sku": "TS-S", "name": "S", "price": 2000,
             "price_formatted": "$20.00", "in_stock": True, "quantity": None,
             "original_price": 2500, "original_price_formatted": "$25.00"},
            {"id": "1234_m", "sku": "TS-M", "name": "M", "price": 2400,
             "price_formatted": "$24.00", "in_stock": False, "quantity": 0,
             "original_price": 3000, "original_price_formatted": "$30.00"},
        ],
    },
    "categories": [RF_CATEGORY],
    "inventory_type": "advanced",
    "in_stock": True,
    "available_quantity": 7,
    "personalization": {
        "enabled": True,
        "items": [
            {"id": "p1", "name": "Name on the back", "type": "text", "required": True,
             "min": 1, "max": 12, "dropdownOptions": None, "filetypes": None, "price": 300,
             "price_formatted": "$3.00", "instructions": "Capital letters only."},
            {"id": "p2", "name": "Colour", "type": "dropdown", "required": False, "min": None,
             "max": None, "dropdownOptions": "Red,Green,Blue", "filetypes": None, "price": 0,
             "price_formatted": "$0.00", "instructions": None},
            {"id": "p3", "name": "Logo", "type": "file", "required": False, "min": None,
             "max": None, "dropdownOptions": None, "filetypes": "png,svg", "price": 500,
             "price_formatted": "$5.00", "instructions": "A square image."},
        ],
    },
    "min_quantity": 1,
    "max_quantity": 10,
    "on_sale": {"enabled": True, "original_price": 2500, "original_price_formatted": "$25.00"},
    "sku": "TS",
    "created": 1635244789,
    "livemode": False,
}  # fmt: skip
RF_USER = {
    "object": "user",
    "id": 42,
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "photo": None,
    "provider": "google",
    "meta": {"plan": "gold"},
    "created": 1635244789,
    "livemode": False,
}
RF_PRICE = {
    "object": "plan_price",
    "id": 7,
    "price": 900,
    "price_formatted": "$9.00",
    "currency": _CURRENCY,
    "billing_period": "month",
    "is_taxed": False,
    "tax_behavior": "exclusive",
    "is_archived": False,
    "created": 1635244789,
}
RF_PLAN = {
    "object": "plan",
    "id": 13156819,
    "name": "Gold",
    "description": "Everything.",
    "parameters": {"seats": 5},
    "trial_days": 14,
    "subscription_setup_fee": {
        "name": "Setup",
        "description": "Once.",
        "price": 1000,
        "price_formatted": "$10.00",
        "currency": _CURRENCY,
    },
    "is_archived": False,
    "created": 1635244789,
    "prices": [RF_PRICE],
}
RF_ORDER = {
    "object": "order",
    "id": 300038680,
    "created": 1669852801,
    "payment_status": "paid",
    "fulfillment_status": "shipped",
    "is_canceled": False,
    "is_archived": False,
    "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
    "delivery_information": "Ada Lovelace, 12 Main St, London",
    "livemode": False,
    "currency": _CURRENCY,
    "line_items": [
        {"product_id": "199976733", "name": "T-shirt", "quantity": 2, "price": 2000,
         "price_formatted": "$20.00"},
    ],
    "subtotal": 4000,
    "shipping": 500,
    "total": 4500,
    "total_formatted": "$45.00",
}  # fmt: skip


def _page(items: list[Any]) -> dict[str, Any]:
    url = f"https://api.reflowhq.com/v2/projects/{PROJECT}/x"
    return {
        "data": items,
        "links": {"first": f"{url}?page=1", "last": f"{url}?page=1", "prev": None, "next": None},
        "meta": {"current_page": 1, "from": 1, "last_page": 1, "links": [], "path": url,
                 "per_page": 20, "to": len(items), "total": len(items)},
    }  # fmt: skip


# -- a server that answers exactly one payload, and clients of it ------------------------------


class Answer:
    """What the server answers next: a JSON payload (or raw bytes) with a status."""

    def __init__(self) -> None:
        self.body: bytes = b"null"
        self.status = 200
        self.content_type = "application/json"

    def set(self, payload: Any, status: int = 200) -> None:
        self.body = orjson.dumps(payload)
        self.status = status
        self.content_type = "application/json"

    async def handler(self, request: web.Request) -> web.Response:
        if self.status == 204:
            return web.Response(status=204)
        return web.Response(body=self.body, status=self.status, content_type=self.content_type)


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, Answer]]:
    answer = Answer()
    async with serve(answer.handler) as running:
        yield running, answer


def pocketsflow(url: str, *, strict: bool = False) -> Pocketsflow:
    return Pocketsflow(KEY, base_url=url, rate_limit=None, max_retries=0, strict=strict)


def reflow(url: str, *, strict: bool = False) -> Reflow:
    return Reflow(PROJECT, "rf-key", base_url=url, rate_limit=None, max_retries=0, strict=strict)


OID = "65abc1230000000000000000"

#: name -> (api, the public call, the payload it is answered with, the model of its records).
Call = Callable[[Any], Awaitable[Any]]
CASES: dict[str, tuple[str, Call, Any]] = {
    "pf.products.list": ("pf", lambda c: c.products.list(), PF_PRODUCTS),
    "pf.products.get": ("pf", lambda c: c.products.get(OID), PF_PRODUCTS[0]),
    "pf.orders.list": ("pf", lambda c: c.orders.list(page_size=10), PF_ORDERS),
    "pf.orders.get": ("pf", lambda c: c.orders.get(OID), PF_ORDER_DETAIL),
    "pf.users.me": ("pf", lambda c: c.users.me(), PF_ME),
    "pf.customers.list": ("pf", lambda c: c.customers.list(), PF_CUSTOMERS),
    "pf.reviews.list": ("pf", lambda c: c.reviews.list(), PF_REVIEWS),
    "pf.discounts.list": ("pf", lambda c: c.discounts.list(), PF_DISCOUNTS),
    "pf.upsells.list": ("pf", lambda c: c.upsells.list(), PF_UPSELLS),
    "rf.products.list": ("rf", lambda c: c.products.list(), _page([RF_PRODUCT])),
    "rf.products.get": ("rf", lambda c: c.products.get("t-shirt"), RF_PRODUCT),
    "rf.categories.list": ("rf", lambda c: c.categories.list(), [RF_CATEGORY]),
    "rf.users.get": ("rf", lambda c: c.users.get(42), RF_USER),
    "rf.plans.get": ("rf", lambda c: c.plans.get(13156819), RF_PLAN),
    "rf.plans.list": ("rf", lambda c: c.plans.list(), {"data": [RF_PLAN]}),
    "rf.orders.list": ("rf", lambda c: c.orders.list(), _page([RF_ORDER])),
}


async def call(url: str, case: str, *, strict: bool = False) -> Any:
    api, method, _ = CASES[case]
    client = pocketsflow(url, strict=strict) if api == "pf" else reflow(url, strict=strict)
    async with client:
        return await method(client)


def wire(result: Any) -> Any:
    """What a typed result says in wire form (pages and lists as the API spells them)."""
    if isinstance(result, Model):
        return result.to_dict()
    if isinstance(result, list):
        return [wire(item) for item in result]
    return [wire(item) for item in result.items]  # a Page


def records_of(payload: Any) -> Any:
    """The records a typed call returns for ``payload`` (a page's list, a plan list's data)."""
    if isinstance(payload, dict):
        for key in ("orders", "data"):
            if key in payload and isinstance(payload[key], list):
                return payload[key]
    return payload


def same_json(data: Any) -> Any:
    """``data`` as the client's JSON parser reads it back (exact money as the client sees it)."""
    return orjson.loads(_serde.dumps(data))


# -- every reference example and NOTES.md shape, through the public methods --------------------


@pytest.mark.parametrize("case", sorted(CASES))
async def test_each_reference_payload_decodes_strictly_and_reads_back(
    server: tuple[Server, Answer], case: str
) -> None:
    running, answer = server
    payload = CASES[case][2]
    answer.set(payload)
    result = await call(running.url, case, strict=True)
    assert same_json(wire(result)) == same_json(records_of(payload))
    assert await call(running.url, case) == result


async def test_the_reflow_product_fixture_keeps_its_objects_and_string_ids(
    server: tuple[Server, Answer],
) -> None:
    running, answer = server
    answer.set(RF_PRODUCT)
    product = await call(running.url, "rf.products.get", strict=True)
    assert product.id == "199976733"
    assert product.on_sale == rf.OnSale(
        enabled=True, original_price=2500, original_price_formatted="$25.00"
    )
    assert product.personalization is not None
    kinds = [item.type for item in product.personalization.items or []]
    assert kinds == [rf.PersonalizationType.TEXT, rf.PersonalizationType.DROPDOWN, "file"]
    assert product.personalization.items[1].dropdown_options == "Red,Green,Blue"
    assert product.variants is not None
    assert [v.id for v in product.variants.items or []] == ["199976733_s", "1234_m"]
    assert [(m.id, m.type) for m in product.media or []] == [(1, "image"), ("m2", "video")]
    assert product.media is not None
    assert product.media[0].src == rf.ImageSet(**_IMAGE)
    assert product.media[1].url == "https://video.example.com/shirt.mp4"


async def test_reflow_envelopes_need_only_data_and_paging_ends_at_a_short_page() -> None:
    per_page = 2
    everything = [{**RF_USER, "id": n} for n in range(1, 6)]  # 5 users: pages of 2, 2, 1

    async def users(request: web.Request) -> web.Response:
        page = int(request.query["page"])
        return web.json_response({"data": everything[(page - 1) * per_page : page * per_page]})

    async with serve(users) as running, reflow(running.url, strict=True) as client:
        first = await client.users.list(per_page=per_page)
        assert (first.page, first.page_size, first.total, first.total_pages) == (1, 2, None, None)
        assert first.has_more
        walked = [user.id async for user in client.users.iter(per_page=per_page)]
    assert walked == [1, 2, 3, 4, 5]
    assert [s.path_qs.split("page=")[1][0] for s in running.seen[1:]] == ["1", "2", "3"]


async def test_an_exact_multiple_ends_at_the_first_empty_page() -> None:
    async def products(request: web.Request) -> web.Response:
        page = int(request.query["page"])
        return web.json_response({"data": [RF_PRODUCT] * 2 if page <= 2 else []})

    async with serve(products) as running, reflow(running.url) as client:
        walked = [p async for p in client.products.iter(per_page=2)]
    assert len(walked) == 4
    assert running.hits() == 3


@pytest.mark.parametrize("count", [250, 200, 0])
async def test_an_export_of_envelopes_without_meta_reads_until_a_short_page(
    tmp_path: Path, count: int
) -> None:
    users = [{**RF_USER, "id": n} for n in range(1, count + 1)]

    async def pages(request: web.Request) -> web.Response:
        page, size = int(request.query["page"]), int(request.query["perpage"])
        return web.json_response({"data": users[(page - 1) * size : page * size]})

    async with serve(pages) as running, reflow(running.url) as client:
        summary = await export(client, "users", tmp_path / "users.jsonl")
    lines = (tmp_path / "users.jsonl").read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == [u["id"] for u in users]
    assert (summary.records, summary.expected_total, summary.mismatch) == (count, None, False)
    assert running.hits() == count // 100 + 1  # the last page is the first short (or empty) one


async def test_a_page_whose_records_cannot_be_read_is_an_error_not_an_empty_page(
    server: tuple[Server, Answer],
) -> None:
    running, answer = server
    answer.set({"data": "maintenance", "meta": None})
    async with reflow(running.url) as client:
        with pytest.raises(DecodeError, match=r"ProductPage\.data: expected an array"):
            await client.products.list()
    answer.set({"orders": [PF_ORDERS["orders"][0], "not an order"], "pagination": None})
    async with pocketsflow(running.url) as client:
        with pytest.raises(DecodeError, match=r"OrderPage\.orders"):
            await client.orders.list()


async def test_a_page_that_echoes_the_key_does_not_leak_it_through_the_error() -> None:
    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"data": request.headers["Authorization"]})

    async with serve(echo) as running, reflow(running.url) as client:
        with pytest.raises(DecodeError) as caught:
            await client.users.list()
    error = caught.value
    assert "rf-key" not in f"{error} {error!r} {error.body} {error.__cause__!r}"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
        (b'"just a string"', "application/json"),
        (b'{"orders": []}', "application/json"),
    ],
)
async def test_what_cannot_be_used_at_all_is_still_a_decode_error(
    server: tuple[Server, Answer], body: bytes, content_type: str
) -> None:
    running, answer = server
    answer.body, answer.content_type = body, content_type
    async with pocketsflow(running.url) as client:
        with pytest.raises(DecodeError):
            await client.products.list()  # an array belongs here


async def test_pocketsflow_reads_id_where_id_is_spelled_without_the_underscore(
    server: tuple[Server, Answer],
) -> None:
    running, answer = server
    answer.set({"id": OID, "name": "New Product", "price": 49.99})
    async with pocketsflow(running.url) as client:
        product = await client.products.get(OID)
    assert product.id == OID
    assert product.extra == {}
    assert product.price == Decimal("49.99")
    # With both spellings, `_id` is the id and `id` is kept as sent.
    both = {"_id": OID, "id": "other", "name": "New Product", "price": 49.99}
    assert _serde.structure(both, pf.Product).extra == {"id": "other"}
    assert _serde.structure(both, pf.Product).to_dict() == {**both, "price": Decimal("49.99")}


@pytest.mark.parametrize(
    ("api", "body", "message"),
    [
        ("pf", {"message": "Product not found"}, "Product not found"),
        ("pf", {"error": "Product not found", "code": "not_found"}, "Product not found"),
        ("rf", {"error": "Product not found."}, "Product not found."),
        ("rf", {"errors": {"system": "Project not found."}}, "Project not found."),
        ("rf", {"message": "Invalid.", "errors": {"name": ["Too long."]}}, "Invalid."),
    ],
)
async def test_every_error_body_dialect_gives_the_servers_words(
    server: tuple[Server, Answer], api: str, body: dict[str, Any], message: str
) -> None:
    running, answer = server
    answer.set(body, status=404 if "name" not in str(body) else 400)
    with pytest.raises((NotFoundError, BadRequestError)) as caught:
        await call(running.url, "pf.products.get" if api == "pf" else "rf.products.get")
    assert message in str(caught.value)


# -- write answers: a successful change is never an error ---------------------------------------

PF_PRODUCT = {"_id": OID, "name": "New Product", "price": 49.99, "description": "Product"}


def _subscription(status: str) -> dict[str, Any]:
    return {
        "_id": OID,
        "buyerEmail": "b@example.com",
        "product": {"_id": OID, "name": "P"},
        "price": 9.5,
        "interval": "month",
        "status": status,
        "createdAt": "2024-01-01T00:00:00Z",
    }


#: name -> (the write, the object it answers with, the key a wrapped answer uses)
WRITES: dict[str, tuple[Call, Any, str]] = {
    "pf.products.create": (
        lambda c: c.products.create(name="New Product", price=Decimal("49.99")),
        PF_PRODUCT,
        "product",
    ),
    "pf.products.update": (lambda c: c.products.update(OID, name="N"), PF_PRODUCT, "product"),
    "pf.variants.create": (
        lambda c: c.products.variants.create(product_id=OID, name="Premium", price=79),
        {"_id": OID, "productId": OID, "name": "Premium Version", "price": 79.99},
        "variant",
    ),
    "pf.discounts.create": (
        lambda c: c.discounts.create(name="S", code="S20", value=20, value_type="percentage"),
        PF_DISCOUNTS[0],
        "discount",
    ),
    "pf.upsells.update": (lambda c: c.upsells.update(OID, active=False), PF_UPSELLS["upsells"][0],
                          "upsell"),
    "pf.users.update": (lambda c: c.users.update(first_name="John"),
                        {"_id": OID, "email": "john@example.com", "firstName": "John"}, "user"),
    "pf.subscriptions.cancel": (
        lambda c: c.subscriptions.cancel(OID), _subscription("canceled"), "subscription"
    ),
    "pf.subscriptions.refund": (
        lambda c: c.subscriptions.refund(OID), _subscription("refunded"), "subscription"
    ),
    "rf.products.update": (lambda c: c.products.update("t-shirt", price=2100), RF_PRODUCT,
                           "product"),
    "rf.orders.update": (lambda c: c.orders.update(300038680, fulfillment_status="shipped"),
                         RF_ORDER, "order"),
}  # fmt: skip
EMPTY_ANSWERS: dict[str, tuple[int, bytes]] = {
    "{}": (200, b"{}"),
    "success": (200, b'{"success": true}'),
    "message": (200, b'{"message": "Updated."}'),
    "a JSON string": (200, b'"ok"'),
    "plain text": (200, b"Updated."),
    "empty 204": (204, b""),
    "empty 200": (200, b""),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("form", ["the object", "wrapped", "under data", "with id"])
async def test_a_write_answered_with_its_object_returns_it(
    server: tuple[Server, Answer], write: str, form: str
) -> None:
    running, answer = server
    method, obj, key = WRITES[write]
    if form == "with id" and not write.startswith("pf.products."):
        return  # public callers read `_id ?? id` from products (NOTES.md)
    body = {
        "the object": obj,
        "wrapped": {"success": True, key: obj},
        "under data": {"data": obj},
        "with id": {("id" if k == "_id" else k): v for k, v in obj.items()},
    }[form]
    answer.set(body)
    client = pocketsflow(running.url) if write.startswith("pf") else reflow(running.url)
    async with client:
        result = await method(client)
    assert result is not None
    assert same_json({k: v for k, v in result.to_dict().items() if k != "_id"}) == same_json(
        {k: v for k, v in obj.items() if k != "_id"}
    )


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("form", sorted(EMPTY_ANSWERS))
async def test_a_write_answered_without_its_object_succeeds_with_none(
    server: tuple[Server, Answer], write: str, form: str
) -> None:
    running, answer = server
    answer.status, answer.body = EMPTY_ANSWERS[form]
    answer.content_type = "text/plain" if form == "plain text" else "application/json"
    client = pocketsflow(running.url) if write.startswith("pf") else reflow(running.url)
    async with client:
        assert await WRITES[write][0](client) is None
    assert running.hits() == 1  # answered once: nothing was sent again


DELETES: dict[str, Call] = {
    "pf.products.delete": lambda c: c.products.delete(OID),
    "pf.variants.delete": lambda c: c.products.variants.delete(OID),
    "pf.discounts.delete": lambda c: c.discounts.delete(OID),
    "pf.upsells.delete": lambda c: c.upsells.delete(OID),
}


@pytest.mark.parametrize("delete", sorted(DELETES))
@pytest.mark.parametrize(
    ("status", "body", "message", "extra"),
    [
        (200, b'{"message": "Product deleted"}', "Product deleted", {}),
        (200, b"{}", None, {}),
        (200, b'{"success": true}', None, {"success": True}),
        (200, orjson.dumps(PF_PRODUCT), None, PF_PRODUCT),
        (200, b'"Deleted"', "Deleted", {}),
        (200, b"Deleted", "Deleted", {}),
        (204, b"", None, {}),
    ],
)
async def test_a_delete_succeeds_whatever_it_answers(
    server: tuple[Server, Answer],
    delete: str,
    status: int,
    body: bytes,
    message: str | None,
    extra: dict[str, Any],
) -> None:
    running, answer = server
    answer.status, answer.body = status, body
    async with pocketsflow(running.url, strict=True) as client:
        deleted = await DELETES[delete](client)
    assert deleted == pf.Deleted(message=message, extra=extra)


# -- the liberal rules, one by one --------------------------------------------------------------


def _order(**changes: Any) -> dict[str, Any]:
    return {**PF_ORDERS["orders"][0], **changes}  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("field", "sent", "read"),
    [
        ("taxes", "0.00", Decimal("0.00")),
        ("gross", "49.99", Decimal("49.99")),
        ("gross", 50, Decimal(50)),
        ("createdAt", "2024-01-20T14:30:00.123456+00:00",
         dt.datetime(2024, 1, 20, 14, 30, 0, 123456, tzinfo=dt.UTC)),
        ("createdAt", "2024-01-20T16:30:00+02:00", dt.datetime(2024, 1, 20, 14, 30, tzinfo=dt.UTC)),
        ("createdAt", "2024-01-20", dt.datetime(2024, 1, 20, tzinfo=dt.UTC)),
        ("createdAt", 1705761000, dt.datetime(2024, 1, 20, 14, 30, tzinfo=dt.UTC)),
        ("createdAt", 1705761000000, dt.datetime(2024, 1, 20, 14, 30, tzinfo=dt.UTC)),
        ("createdAt", 1705761000.5, dt.datetime(2024, 1, 20, 14, 30, 0, 500000, tzinfo=dt.UTC)),
        ("createdAt", "1705761000", dt.datetime(2024, 1, 20, 14, 30, tzinfo=dt.UTC)),
        ("buyerEmail", 12345, "12345"),
    ],
)  # fmt: skip
def test_unambiguous_spellings_are_coerced(field: str, sent: Any, read: Any) -> None:
    attribute = next(a.name for a in _serde.wire_fields(pf.Order) if a.metadata["wire"] == field)
    order = _serde.structure(_order(**{field: sent}), pf.Order)
    assert getattr(order, attribute) == read
    assert order.extra == {}


@pytest.mark.parametrize(
    ("sent", "read"),
    [("true", True), ("false", False), ("TRUE", True), (1, True), (0, False), ("1", True)],
)
def test_booleans_are_read_from_their_spellings(sent: Any, read: bool) -> None:
    assert _serde.structure({**PF_DISCOUNTS[0], "active": sent}, pf.Discount).active is read


@pytest.mark.parametrize(("sent", "read"), [(5.0, 5), ("5", 5), ("5.0", 5), (" 7 ", 7)])
def test_integers_are_read_from_integral_floats_and_numeric_strings(sent: Any, read: int) -> None:
    review = _serde.structure({**PF_REVIEWS[0], "rating": sent}, pf.Review)
    assert review.rating == read
    assert type(review.rating) is int


@pytest.mark.parametrize("sent", [5.5, "5.5", "five", True, "1_0", [5]])
def test_values_that_are_not_integers_are_not_guessed(sent: Any) -> None:
    review = _serde.structure({**PF_REVIEWS[0], "rating": sent}, pf.Review)
    assert review.rating is None
    assert review.extra == {"rating": sent}


def test_enums_are_open() -> None:
    order = _serde.structure({**RF_ORDER, "payment_status": "partially_refunded"}, rf.Order)
    assert order.payment_status == "partially_refunded"
    assert not isinstance(order.payment_status, Enum)
    assert order.fulfillment_status is rf.FulfillmentStatus.SHIPPED
    hints = typing.get_type_hints(rf.Order)
    assert hints["payment_status"] == rf.PaymentStatus | str


def test_null_and_missing_become_none_even_for_documented_fields() -> None:
    body = _order(buyerEmail=None)
    del body["product"]
    order = _serde.structure(body, pf.Order)
    assert (order.buyer_email, order.product) == (None, None)
    # Null stays null; a required field that was missing is written as null.
    assert same_json(order.to_dict()) == same_json({**body, "product": None})
    with pytest.raises(DecodeError, match=r"^Order\.buyer_email: expected a string, got None"):
        _serde.structure(body, pf.Order, strict=True)


def test_an_unreadable_value_is_kept_raw_and_warned_once_per_field(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The warning is once per process; forget an earlier one for this field, if any.
    _serde._WARNED.discard((f"{rf.PersonalizationItem.__module__}.PersonalizationItem", "max"))
    item = {"id": "p1", "name": "Name", "type": "text", "max": {"chars": 12}}
    with caplog.at_level(logging.WARNING, logger="storeflow"):
        first = _serde.structure(item, rf.PersonalizationItem)
        again = _serde.structure({**item, "max": "twelve"}, rf.PersonalizationItem)
    assert (first.max, again.max) == (None, None)
    assert (first.extra, again.extra) == ({"max": {"chars": 12}}, {"max": "twelve"})
    assert first.to_dict() == item
    warnings = [r for r in caplog.records if r.name == "storeflow"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    text = warnings[0].getMessage()
    assert "PersonalizationItem.max" in text
    assert "chars" not in text  # the kind of value, never the value
    with pytest.raises(DecodeError) as caught:
        _serde.structure(item, rf.PersonalizationItem, strict=True)
    assert (caught.value.model, caught.value.field) == ("PersonalizationItem", "max")


def test_the_converter_option_and_the_model_methods() -> None:
    body = {**PF_REVIEWS[0], "helpful": 3}
    review = pf.Review.from_dict(body)
    assert review.extra == {"helpful": 3}
    assert pf.Review.from_json(orjson.dumps(body)) == review
    assert orjson.loads(review.to_json()) == body
    with pytest.raises(DecodeError, match=r"^Review\.helpful: unknown field"):
        pf.Review.from_dict(body, strict=True)
    assert _serde.structure(body, pf.Review, strict=False) == review


def test_a_value_set_after_decoding_wins_over_the_raw_one() -> None:
    discount = _serde.structure({**PF_DISCOUNTS[0], "used": "lots"}, pf.Discount)
    assert discount.used is None
    assert discount.to_dict()["used"] == "lots"
    discount.used = 16
    assert discount.to_dict()["used"] == 16


def test_models_document_their_fields_for_help() -> None:
    doc = pf.Order.__doc__ or ""
    assert "Attributes:" in doc
    assert "buyer_email (`buyerEmail`): Documented." in doc
    assert "extra:" in doc
    assert "Unix seconds" in (rf.User.__doc__ or "")


# -- one change at a time: every reference payload, every place, every way ----------------------


@attrs.frozen
class Place:
    """A member of an object inside a payload, and what its model says about it."""

    path: tuple[str | int, ...]  # keys and indexes from the payload's root to the object
    wire: str
    model: type
    attribute: str
    annotation: Any


def _inner(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None``, and whether it allowed ``None``."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, UnionType) and NoneType in args:
        rest = [a for a in args if a is not NoneType]
        return (rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]), True  # noqa: UP007
    return annotation, False


def _places(value: Any, annotation: Any, path: tuple[str | int, ...]) -> Iterator[Place]:
    annotation, _ = _inner(annotation)
    if typing.get_origin(annotation) is list and isinstance(value, list):
        (item,) = typing.get_args(annotation)
        for index, entry in enumerate(value):
            yield from _places(entry, item, (*path, index))
    elif isinstance(annotation, type) and attrs.has(annotation) and isinstance(value, dict):
        hints = typing.get_type_hints(annotation)
        for a in _serde.wire_fields(annotation):
            wire = a.metadata["wire"]
            if wire in value:
                yield Place(path, wire, annotation, a.name, hints[a.name])
                yield from _places(value[wire], hints[a.name], (*path, wire))


def _union(inner: Any) -> tuple[Any, ...]:
    return typing.get_args(inner) if typing.get_origin(inner) in (typing.Union, UnionType) else ()


def _accepts_str(inner: Any) -> bool:
    return inner is str or str in _union(inner)


def _is_enum(inner: Any) -> bool:
    return any(isinstance(a, type) and issubclass(a, Enum) for a in _union(inner))


@attrs.frozen
class Mutation:
    """One change to one reference payload, and what decoding it must give."""

    case: str
    kind: str
    place: Place
    new: Any  # the value written (or, for an unknown field, the value of the new member)
    expected: Any  # the attribute afterwards; RAW means None with the raw value in extra
    strict_fails: bool


RAW = object()
UNKNOWN = "zzAddedByTheApi"


def _mutations_at(case: str, place: Place, old: Any) -> Iterator[Mutation]:
    inner, nullable = _inner(place.annotation)

    def make(kind: str, new: Any, expected: Any, strict_fails: bool = True) -> Mutation:
        return Mutation(case, kind, place, new, expected, strict_fails)

    yield make("null", None, None, strict_fails=not nullable)
    unreadable: Any = {"unexpected": [1]} if _accepts_str(inner) else "\x00unreadable"
    yield make("unreadable", unreadable, RAW)
    if _is_enum(inner) and isinstance(old, str):
        yield make("new enum value", "brand_new_value", "brand_new_value")
    if inner is bool and isinstance(old, bool):
        yield make("bool as string", "true" if old else "false", old)
    is_int = isinstance(old, int) and not isinstance(old, bool)
    if is_int and (inner is int or set(_union(inner)) == {int, str}):
        yield make("int as float", float(old), old)
        if inner is int:
            yield make("number as string", str(old), old)
    if inner is Decimal and isinstance(old, int | float):
        exact = Decimal(repr(old)) if isinstance(old, float) else Decimal(old)
        yield make("number as string", str(exact), exact)
    if inner is dt.datetime and isinstance(old, str):
        when = dt.datetime.fromisoformat(old)
        shifted = when.astimezone(dt.timezone(dt.timedelta(hours=-5)))
        yield make("date spelling", shifted.isoformat(), when, strict_fails=False)
        yield make("date spelling", when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), when, False)
        day = when.date().isoformat()
        yield make("date spelling", day, dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC))
        seconds = int(when.timestamp())
        yield make("unix time", seconds, when)
        yield make("unix time", seconds * 1000, when)
    if inner is int and place.wire in ("created", "last_billing", "next_billing", "cancel_at"):
        # A Reflow timestamp (unix seconds) spelled as ISO 8601: kept raw, never guessed at.
        iso = dt.datetime.fromtimestamp(old, dt.UTC).isoformat()
        yield make("date spelling", iso, RAW)


def _at(payload: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        payload = payload[step]
    return payload


def all_mutations() -> list[Mutation]:
    result = []
    for case, (_, _, payload) in sorted(CASES.items()):
        for place in _places(payload, _RESULTS[case], ()):
            old = _at(payload, place.path)[place.wire]
            result.extend(_mutations_at(case, place, old))
        for place in _objects(payload, _RESULTS[case]):
            result.append(Mutation(case, "unknown field", place, {"new": True}, None, True))
    return result


def _objects(value: Any, annotation: Any) -> Iterator[Place]:
    """A place for every object of the payload (the unknown member is added to it)."""
    root = _inner(annotation)[0]
    if isinstance(root, type) and attrs.has(root) and isinstance(value, dict):
        yield Place((), UNKNOWN, root, "", None)
    seen: set[tuple[str | int, ...]] = set()
    for place in _places(value, annotation, ()):
        inner = _inner(place.annotation)[0]
        targets = []
        if isinstance(inner, type) and attrs.has(inner):
            targets = [((*place.path, place.wire), inner)]
        elif typing.get_origin(inner) is list:
            (item,) = typing.get_args(inner)
            entries = _at(value, place.path)[place.wire]
            if isinstance(item, type) and attrs.has(item) and isinstance(entries, list):
                targets = [((*place.path, place.wire, i), item) for i in range(len(entries))]
        for path, model in targets:
            if path not in seen and isinstance(_at(value, path), dict):
                seen.add(path)
                yield Place(path, UNKNOWN, model, "", None)


#: The typed result of each call, for walking its payload.
_RESULTS: dict[str, Any] = {
    "pf.products.list": list[pf.Product],
    "pf.products.get": pf.Product,
    "pf.orders.list": pf.OrderPage,
    "pf.orders.get": pf.OrderDetail,
    "pf.users.me": pf.User,
    "pf.customers.list": list[pf.Customer],
    "pf.reviews.list": list[pf.Review],
    "pf.discounts.list": list[pf.Discount],
    "pf.upsells.list": pf.UpsellList,
    "rf.products.list": rf.ProductPage,
    "rf.products.get": rf.Product,
    "rf.categories.list": list[rf.Category],
    "rf.users.get": rf.User,
    "rf.plans.get": rf.Plan,
    "rf.plans.list": rf.PlanList,
    "rf.orders.list": rf.OrderPage,
}


MUTATIONS = all_mutations()
KINDS = (
    "unknown field",
    "new enum value",
    "null",
    "bool as string",
    "int as float",
    "number as string",
    "date spelling",
    "unix time",
    "unreadable",
)


def apply(mutation: Mutation) -> Any:
    payload = copy.deepcopy(CASES[mutation.case][2])
    target = _at(payload, mutation.place.path)
    target[mutation.place.wire] = mutation.new
    return payload


def _walk(node: Any, path: tuple[str | int, ...]) -> Any:
    """Follow wire names and indexes through typed results."""
    for step in path:
        if isinstance(step, int):
            node = node[step]
        else:
            wires = {a.metadata["wire"]: a.name for a in _serde.wire_fields(type(node))}
            node = getattr(node, wires[step])
    return node


def assert_kept(obj: Any, mutation: Mutation) -> None:
    """The model ``obj`` that the mutated member belongs to kept the mutated value."""
    place = mutation.place
    if mutation.kind == "unknown field":
        assert obj.extra[UNKNOWN] == mutation.new
        return
    value = getattr(obj, place.attribute)
    if mutation.expected is RAW:
        assert value is None
        assert obj.extra[place.wire] == mutation.new
    else:
        assert value == mutation.expected
        assert type(value) is type(mutation.expected) or isinstance(value, Enum)
        assert place.wire not in obj.extra


def _skipped_by_the_method(case: str) -> int:
    """How many leading steps of a payload path the public method's result leaves out (a page
    and a plan list return their records, not the envelope)."""
    payload = CASES[case][2]
    return 1 if isinstance(payload, dict) and _RESULTS[case] in _ENVELOPES else 0


_ENVELOPES = (pf.OrderPage, rf.ProductPage, rf.OrderPage, rf.PlanList)


def test_the_mutations_cover_every_kind_on_every_payload() -> None:
    counts = {kind: sum(m.kind == kind for m in MUTATIONS) for kind in KINDS}
    assert all(counts.values()), counts
    assert {m.case for m in MUTATIONS} == set(CASES)
    # 1,244 over 16 payloads when written: 447 nulls, 447 unreadable values, 92 numbers as
    # strings, 84 integers as floats, 67 unknown fields, 42 booleans as strings, 32 date
    # spellings, 17 new enum values, 16 unix times; 920 of them leave the schema (strict
    # mode must refuse those) and 1,126 show in a public method's result.
    assert len(MUTATIONS) > 1000, counts
    assert len(PUBLIC) > 900


@pytest.mark.parametrize("kind", KINDS)
def test_every_mutation_decodes_liberally_and_fails_strictly(kind: str) -> None:
    """Each mutation of its kind, decoded as the clients decode a body (the JSON bytes)."""
    for mutation in (m for m in MUTATIONS if m.kind == kind):
        body = orjson.dumps(apply(mutation))
        cls = _RESULTS[mutation.case]
        assert_kept(_walk(_serde.decode(body, cls), mutation.place.path), mutation)
        if mutation.strict_fails:
            with pytest.raises(DecodeError) as caught:
                _serde.decode(body, cls, strict=True)
            assert caught.value.model is not None
            named = (caught.value.field or "").rsplit(".", 1)[-1].split("[")[0]
            assert named in (mutation.place.attribute or UNKNOWN, mutation.place.wire), mutation
        else:
            _serde.decode(body, cls, strict=True)


#: The mutations the public methods' results show (a page's records, not its envelope).
PUBLIC = [
    m
    for m in MUTATIONS
    if not _skipped_by_the_method(m.case) or m.place.path[:1] in (("orders",), ("data",))
]


@pytest.fixture(scope="module")
def loop_server() -> Iterator[tuple[asyncio.Runner, Server, Answer]]:
    """One server for the property test, on a loop the (synchronous) examples run on."""
    answer = Answer()
    with asyncio.Runner() as runner:
        context = serve(answer.handler)
        running = runner.run(context.__aenter__())
        try:
            yield runner, running, answer
        finally:
            runner.run(context.__aexit__(None, None, None))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutation=st.sampled_from(PUBLIC))
def test_a_mutated_reference_payload_through_the_public_call(
    loop_server: tuple[asyncio.Runner, Server, Answer], mutation: Mutation
) -> None:
    runner, running, answer = loop_server
    answer.set(apply(mutation))
    result = runner.run(call(running.url, mutation.case))
    records = result if isinstance(result, Model) else list(result)
    skip = _skipped_by_the_method(mutation.case)
    assert_kept(_walk(records, mutation.place.path[skip:]), mutation)
    if mutation.strict_fails:
        with pytest.raises(DecodeError) as caught:
            runner.run(call(running.url, mutation.case, strict=True))
        assert caught.value.model is not None
        assert caught.value.field is not None
        assert caught.value.path is not None  # the request is named too
    else:
        runner.run(call(running.url, mutation.case, strict=True))
