"""The converter's rules: strict mode's errors, exact money and time, wire names both ways.

What the default (liberal) mode accepts is in ``test_compat.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
import pytest

from storeflow import _serde
from storeflow.errors import DecodeError
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf


def _order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "_id": "65f1c0de9a1b2c3d4e5f6a7b",
        "buyerEmail": "customer@example.com",
        "gross": 49.99,
        "net": 45.99,
        "taxes": 0,
        "createdAt": "2024-01-20T14:30:00Z",
        "product": {"_id": "65abc1230000000000000000", "name": "My Product"},
    }
    order.update(changes)
    return order


def test_unknown_fields_are_kept_by_wire_name_and_written_back() -> None:
    body = _order(couponCode="SPRING", product={"_id": "p", "name": "n", "slug": "x"})
    order = _serde.structure(body, pf.Order)
    assert order.product == pf.OrderProduct(id="p", name="n", extra={"slug": "x"})
    assert order.extra == {"couponCode": "SPRING"}
    assert not hasattr(order, "coupon_code")
    assert order.to_dict() == _serde.unstructure(order)
    assert orjson.loads(order.to_json()) == orjson.loads(orjson.dumps(body))


def test_missing_and_null_optional_fields_are_none() -> None:
    customer = {
        "_id": "c",
        "buyerEmail": "a@b.c",
        "numberOfOrders": 0,
        "createdAt": "2024-01-10T09:00:00Z",
    }
    assert _serde.structure(customer, pf.Customer).country is None
    assert _serde.structure({**customer, "country": None}, pf.Customer).country is None
    detail = _serde.structure(_order(customer=None, review=None), pf.OrderDetail)
    assert detail.customer is None
    assert detail.review is None
    product = _serde.structure(
        {"id": 1, "name": "n", "price": 0, "currency": None, "media": None}, rf.Product
    )
    assert product.currency is None
    assert product.media is None


@pytest.mark.parametrize(
    ("cls", "body", "message"),
    [
        (
            pf.OrderPage,
            {"orders": [_order(product={"_id": "p", "name": 7})], "pagination": {}},
            "OrderPage.orders[0].product.name: expected a string, got 7",
        ),
        (pf.Order, _order(gross="abc"), "Order.gross: expected a number, got 'abc'"),
        (pf.Order, _order(gross=True), "Order.gross: expected a number, got True"),
        (
            pf.Order,
            _order(createdAt="yesterday"),
            "Order.created_at: expected an ISO 8601 date-time, got 'yesterday'",
        ),
        (pf.Order, _order(product="65abc123"), "Order.product: expected an object, got '65abc123'"),
        (pf.Order, _order(_id=None), "Order.id: expected a string, got None"),
        (
            pf.Review,
            {
                "_id": "r",
                "productId": "p",
                "buyerEmail": "e",
                "rating": "5",
                "createdAt": "2024-01-25T16:00:00Z",
            },
            "Review.rating: expected an integer, got '5'",
        ),
        (
            pf.Discount,
            {
                "_id": "d",
                "name": "n",
                "code": "c",
                "value": 5,
                "valueType": "bogus",
                "active": True,
                "used": 1,
            },
            "Discount.value_type: expected one of 'percentage', 'fixed', got 'bogus'",
        ),
        (
            rf.Order,
            {
                "id": 1,
                "created": 2,
                "payment_status": "paid",
                "fulfillment_status": "shipped",
                "is_canceled": "false",
                "is_archived": False,
            },
            "Order.is_canceled: expected a boolean, got 'false'",
        ),
        (
            rf.Category,
            {"id": 1, "name": "a", "subcategories": [{"id": 2, "name": "b", "object": "product"}]},
            "Category.subcategories[0].object: expected 'category', got 'product'",
        ),
        (
            rf.Product,
            {"id": 1, "name": "n", "price": 0, "price_range": "100-200"},
            "Product.price_range: expected an array, got '100-200'",
        ),
        (
            rf.User,
            {"id": 1, "email": "e", "meta": ["not", "an", "object"]},
            "User.meta: expected an object, got ['not', 'an', 'object']",
        ),
        (
            list[pf.Product],
            [{"_id": "a", "name": "n", "price": 1}, {"_id": "b", "name": "n", "price": "x"}],
            "list[Product][1].price: expected a number, got 'x'",
        ),
        (rf.ImageSet, ["sm", "md"], "ImageSet: expected an object, got ['sm', 'md']"),
    ],
)
def test_wrong_type_names_model_and_field_when_strict(cls: Any, body: Any, message: str) -> None:
    with pytest.raises(DecodeError) as caught:
        _serde.structure(body, cls, strict=True)
    assert str(caught.value).startswith(message)


def test_decode_error_attributes_and_missing_field() -> None:
    body = orjson.dumps(_order(buyerEmail=7, net=None))
    with pytest.raises(DecodeError) as caught:
        _serde.decode(body, pf.Order, strict=True)
    error = caught.value
    assert str(error) == "Order.buyer_email: expected a string, got 7 (and 1 more)"
    assert error.model == "Order"
    assert error.field == "buyer_email"
    assert error.body == body.decode()
    missing = _order()
    del missing["createdAt"]
    with pytest.raises(
        DecodeError, match=r"^Order\.created_at: required field missing \(no 'createdAt' key\)$"
    ):
        _serde.structure(missing, pf.Order, strict=True)


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b'{"orders": [',
        b"",
        "not json at all",
    ],
)
def test_invalid_json_is_a_decode_error(body: bytes | str) -> None:
    with pytest.raises(DecodeError, match="not valid JSON") as caught:
        _serde.decode(body, pf.OrderPage)
    expected = body if isinstance(body, str) else body.decode()
    assert caught.value.body == expected
    with pytest.raises(DecodeError, match="not valid JSON"):
        _serde.loads(body)


def test_decimal_is_read_exactly_from_floats_ints_and_strings() -> None:
    cases = {
        "29.99": 29.99,
        "0.1": 0.1,
        "1234567.89": 1234567.89,
        "0": 0,
        "25": 25,
        "19.90": "19.90",
    }
    for text, value in cases.items():
        price = _serde.structure({"_id": "p", "name": "n", "price": value}, pf.Product).price
        assert price == Decimal(text)
        assert str(price) == (text if not isinstance(value, float) else repr(value))
    for bad in ["NaN", "-Infinity", "12,50", "1_000"]:
        body = {"_id": "p", "name": "n", "price": bad}
        product = _serde.structure(body, pf.Product)
        assert product.price is None
        assert product.extra == {"price": bad}
        with pytest.raises(DecodeError) as caught:
            _serde.structure(body, pf.Product, strict=True)
        assert str(caught.value) == f"Product.price: expected a number, got {bad!r}"
    # Strict mode reads money from JSON numbers only, as the schema says.
    with pytest.raises(DecodeError, match=r"expected a number, got '19\.90'"):
        _serde.structure({"_id": "p", "name": "n", "price": "19.90"}, pf.Product, strict=True)


def test_decimal_is_written_as_the_exact_number() -> None:
    update = pf.ProductUpdate(price=Decimal("29.99"))
    assert _serde.dumps(update) == b'{"price":29.99}'
    amounts = [
        Decimal("0.1"),
        Decimal("1234567.89"),
        Decimal("-0.01"),
        Decimal("1E+3"),
        Decimal("100.10"),
    ]
    assert _serde.dumps(amounts) == b"[0.1,1234567.89,-0.01,1E+3,100.10]"
    # The JSON number reads back as the same amount.
    assert [Decimal(repr(f)) for f in orjson.loads(_serde.dumps(amounts))] == amounts
    with pytest.raises(TypeError):
        _serde.dumps(Decimal("NaN"))


def test_naive_datetime_is_utc_and_offsets_are_kept() -> None:
    def created(text: str) -> dt.datetime:
        return _serde.structure(_order(createdAt=text), pf.Order).created_at

    naive = created("2024-01-20T14:30:00")
    assert naive == dt.datetime(2024, 1, 20, 14, 30, tzinfo=dt.UTC)
    assert naive.utcoffset() == dt.timedelta(0)
    assert created("2024-01-20T14:30:00.250Z").microsecond == 250000
    offset = created("2024-01-20T16:30:00+02:00")
    assert offset.utcoffset() == dt.timedelta(hours=2)
    assert offset == naive


def test_datetimes_and_dates_unstructure_to_iso_8601() -> None:
    subscription = pf.Subscription(
        id="s",
        buyer_email="e",
        product=pf.OrderProduct(id="p", name="n"),
        price=Decimal("9.50"),
        interval=pf.BillingInterval.MONTH,
        status=pf.SubscriptionStatus.ACTIVE,
        created_at=dt.datetime(2024, 1, 20, 14, 30, tzinfo=dt.UTC),
    )
    data = _serde.unstructure(subscription)
    assert data["createdAt"] == "2024-01-20T14:30:00Z"
    assert data["interval"] == "month"
    assert data["price"] == Decimal("9.50")
    assert "canceledAt" not in data
    assert _serde.unstructure(dt.date(2024, 1, 1)) == "2024-01-01"


def test_unstructure_uses_wire_names_and_leaves_out_unset_fields() -> None:
    create = pf.UpsellCreate(
        name="Premium Upgrade",
        main_product_ids=["65abc123"],
        upsell_product_id="65abc456",
        upsell_price=Decimal("29.99"),
    )
    assert _serde.unstructure(create) == {
        "name": "Premium Upgrade",
        "mainProductIds": ["65abc123"],
        "upsellProductId": "65abc456",
        "upsellPrice": Decimal("29.99"),
    }
    # A required field that may be null is still sent, as null.
    links = rf.PageLinks(first=None, last="https://example.com/?page=2")
    assert _serde.unstructure(links) == {"first": None, "last": "https://example.com/?page=2"}


def test_dumps_accepts_models_and_unstructured_data_alike() -> None:
    product = pf.Product(id="p", name="Book", price=Decimal("12.00"))
    assert _serde.dumps(product) == _serde.dumps(_serde.unstructure(product))
    assert orjson.loads(_serde.dumps([product])) == [{"_id": "p", "name": "Book", "price": 12.0}]
    with pytest.raises(TypeError):
        _serde.dumps(object())
