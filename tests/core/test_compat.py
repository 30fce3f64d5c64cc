"""Forward compatibility: what the real APIs send decodes, through the public client methods.

Every reference example and every payload shape of NOTES.md is answered, exactly, by a small
server on 127.0.0.1 and read back through the typed call a user would make; writes answered
in each form succeed, and the liberal rules hold one by one. Each reference payload mutated one
place at a time, in each way a real API drifts, is in ``test_compat_mutations.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing
from collections.abc import AsyncIterator
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from _compat_payloads import (
    CASES,
    OID,
    PF_DISCOUNTS,
    PF_ORDERS,
    PF_REVIEWS,
    PF_UPSELLS,
    RF_IMAGE,
    RF_ORDER,
    RF_PRODUCT,
    RF_USER,
    Answer,
    Call,
    call,
    pocketsflow,
    records_of,
    reflow,
    same_json,
    wire,
)
from _loopback import Server, serve
from storeflow import DecodeError, _serde
from storeflow.errors import BadRequestError, NotFoundError
from storeflow.export import export
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, Answer]]:
    answer = Answer()
    async with serve(answer.handler) as running:
        yield running, answer


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
    assert product.media[0].src == rf.ImageSet(**RF_IMAGE)
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
