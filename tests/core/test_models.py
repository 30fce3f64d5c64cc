"""The generated models against the references' examples, and a round trip over every model.

The Pocketsflow examples are copied verbatim from the vendor's reference (the list answers live in
``_compat_payloads.py``, which the compatibility tests answer with too). Reflow's reference shows
JavaScript rather than JSON bodies, so its payloads are built from the object shapes public
callers observe (documented fields plus the observed ones the schema models).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import inspect
import types
import typing
from decimal import Decimal
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _compat_payloads import (
    PF_CUSTOMERS,
    PF_DISCOUNTS,
    PF_ME,
    PF_ORDERS,
    PF_PRODUCTS,
    PF_REVIEWS,
    PF_UPSELLS,
    RF_CATEGORY,
    RF_CURRENCY,
)
from storeflow import _serde
from storeflow.pocketsflow import models as pf
from storeflow.reflow import models as rf

UTC = dt.UTC


def _wire(obj: Any) -> Any:
    """The JSON a model serialises to, parsed back: what would go over the wire."""
    return orjson.loads(_serde.dumps(obj))


def _decoded(payload: Any, cls: Any) -> Any:
    """A reference answer sent as JSON and decoded as ``cls``."""
    return _serde.decode(orjson.dumps(payload), cls)


def _check_request(body: dict[str, Any], expected: Any) -> None:
    """A reference request body structures to ``expected`` and goes out as the same JSON."""
    model = _serde.structure(body, type(expected))
    assert model == expected
    assert _wire(model) == body


# --- Pocketsflow: every JSON example of the reference -----------------------------------------

#: The one record of each of the reference's list answers, as its model.
PRODUCT = pf.Product(
    id="65abc123...",
    name="My Digital Product",
    price=Decimal("29.99"),
    published=True,
    created_at=dt.datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
)

REVIEW = pf.Review(
    id="65rev123...",
    product_id="65abc123...",
    buyer_email="customer@example.com",
    rating=5,
    review="Great product!",
    created_at=dt.datetime(2024, 1, 25, 16, 0, tzinfo=UTC),
)

DISCOUNT = pf.Discount(
    id="65disc123...",
    name="Summer Sale",
    code="SUMMER20",
    value=Decimal("20"),
    value_type=pf.ValueType.PERCENTAGE,
    active=True,
    used=15,
)

CUSTOMER = pf.Customer(
    id="65cust123...",
    buyer_email="customer@example.com",
    country="US",
    number_of_orders=3,
    created_at=dt.datetime(2024, 1, 10, 9, 0, tzinfo=UTC),
)


def test_products_list_example() -> None:
    (product,) = _decoded(PF_PRODUCTS, list[pf.Product])
    assert product == PRODUCT
    assert str(product.price) == "29.99"
    assert product.created_at is not None
    assert product.created_at.utcoffset() == dt.timedelta(0)
    assert product.description is None
    assert product.variants is None


def test_product_create_example() -> None:
    body = {"name": "New Product", "price": 49.99, "description": "Product description"}
    create = _serde.structure(body, pf.ProductCreate)
    assert create == pf.ProductCreate(
        name="New Product", price=Decimal("49.99"), description="Product description"
    )
    # Unset optional fields are not sent, and the price goes out as the same JSON number.
    assert (
        _serde.dumps(create)
        == b'{"name":"New Product","price":49.99,"description":"Product description"}'
    )


def test_product_update_example() -> None:
    _check_request(
        {"name": "Updated Product Name", "price": 59.99},
        pf.ProductUpdate(name="Updated Product Name", price=Decimal("59.99")),
    )


def test_variant_create_example() -> None:
    _check_request(
        {"productId": "65abc123...", "name": "Premium Version", "price": 79.99},
        pf.VariantCreate(product_id="65abc123...", name="Premium Version", price=Decimal("79.99")),
    )


def test_orders_page_example() -> None:
    page = _decoded(PF_ORDERS, pf.OrderPage)
    assert page == pf.OrderPage(
        orders=[
            pf.Order(
                id="65xyz789...",
                buyer_email="customer@example.com",
                gross=Decimal("49.99"),
                net=Decimal("45.99"),
                taxes=Decimal("0"),
                created_at=dt.datetime(2024, 1, 20, 14, 30, tzinfo=UTC),
                product=pf.OrderProduct(id="65abc123...", name="My Product"),
            )
        ],
        pagination=pf.Pagination(
            total_count=150, total_pages=15, current_page=1, page_size=10, has_more=True
        ),
    )
    (order,) = page.orders
    assert [str(order.gross), str(order.net), str(order.taxes)] == ["49.99", "45.99", "0"]
    assert order.created_at.tzinfo is not None


def test_order_detail_is_an_order_with_customer_and_review() -> None:
    body = {**PF_ORDERS["orders"][0], "customer": PF_CUSTOMERS[0], "review": None}  # type: ignore[dict-item]
    detail = _serde.structure(body, pf.OrderDetail)
    assert isinstance(detail, pf.Order)
    assert detail.customer == CUSTOMER
    assert detail.review is None
    assert detail.product.name == "My Product"


def test_customers_list_example() -> None:
    assert _decoded(PF_CUSTOMERS, list[pf.Customer]) == [CUSTOMER]


def test_reviews_list_example() -> None:
    assert _decoded(PF_REVIEWS, list[pf.Review]) == [REVIEW]


def test_discounts_list_example() -> None:
    (discount,) = _decoded(PF_DISCOUNTS, list[pf.Discount])
    assert discount == DISCOUNT
    assert discount.value_type is pf.ValueType.PERCENTAGE


@pytest.mark.parametrize(
    ("cls", "name", "code", "value", "product_ids"),
    [
        (pf.DiscountCreate, "New Year Sale", "NEWYEAR25", 25, ["65abc123...", "65abc456..."]),
        (pf.DiscountUpdate, "Updated Sale", "NEWYEAR30", 30, ["65abc123..."]),
    ],
    ids=["create", "update"],
)
def test_discount_create_and_update_examples(
    cls: Any, name: str, code: str, value: int, product_ids: list[str]
) -> None:
    _check_request(
        {
            "name": name,
            "code": code,
            "value": value,
            "valueType": "percentage",
            "active": True,
            "mainProductIds": product_ids,
        },
        cls(
            name=name,
            code=code,
            value=Decimal(value),
            value_type=pf.ValueType.PERCENTAGE,
            active=True,
            main_product_ids=product_ids,
        ),
    )


def test_upsells_list_example() -> None:
    assert _decoded(PF_UPSELLS, pf.UpsellList) == pf.UpsellList(
        upsells=[
            pf.Upsell(
                id="65ups123...",
                name="Premium Upgrade",
                upsell_product_id="65abc456...",
                upsell_price=Decimal("29.99"),
                active=True,
                main_product_ids=["65abc123..."],
            )
        ],
        sales_with_upsells=[],
    )


def test_upsell_create_example() -> None:
    _check_request(
        {
            "name": "Premium Upgrade",
            "mainProductIds": ["65abc123..."],
            "upsellProductId": "65abc456...",
            "upsellPrice": 29.99,
            "upsellDescription": "Get the premium version at a discount!",
            "primaryButtonText": "Yes, upgrade me!",
            "secondaryButtonText": "No thanks",
            "active": True,
        },
        pf.UpsellCreate(
            name="Premium Upgrade",
            main_product_ids=["65abc123..."],
            upsell_product_id="65abc456...",
            upsell_price=Decimal("29.99"),
            upsell_description="Get the premium version at a discount!",
            primary_button_text="Yes, upgrade me!",
            secondary_button_text="No thanks",
            active=True,
        ),
    )


def test_user_update_example() -> None:
    _check_request(
        {"firstName": "John", "lastName": "Doe", "currency": "USD", "country": "US"},
        pf.UserUpdate(first_name="John", last_name="Doe", currency="USD", country="US"),
    )


def test_subscriptions_query_example() -> None:
    # Dates are sent as the ISO 8601 text the caller's value gives (a date, an aware datetime or
    # a string); the request model carries that text.
    _check_request(
        {"page": 1, "pageSize": 20, "startDate": "2024-01-01", "endDate": "2024-12-31"},
        pf.SubscriptionQuery(page=1, page_size=20, start_date="2024-01-01", end_date="2024-12-31"),
    )


def test_error_example() -> None:
    body = b'{"message": "Description of the error"}'
    assert _serde.decode(body, pf.Error) == pf.Error(message="Description of the error")


def test_user_profile_fields_public_callers_read() -> None:
    body = {**PF_ME, "stripeAccount": "acct_unknown_to_the_schema"}
    user = _serde.structure(body, pf.User)
    assert user == pf.User(
        id="65f1c0de9a1b2c3d4e5f6a7b",
        email="john@example.com",
        subdomain="johns-store",
        first_name="John",
        last_name="Doe",
        currency="USD",
        country="US",
        extra={"stripeAccount": "acct_unknown_to_the_schema"},
    )
    assert user.to_dict() == body


# --- Reflow: the payloads public callers observe ----------------------------------------------

_IMAGE = {
    "sm": "https://cdn.example.com/p/366797633-sm.jpg",
    "md": "https://cdn.example.com/p/366797633-md.jpg",
    "lg": "https://cdn.example.com/p/366797633-lg.jpg",
}
_PRODUCT = {
    "object": "product",
    "id": 366797633,
    "name": "Radio Clock",
    "handle": "radio-clock",
    "excerpt": "A clock with a radio.",
    "description": "A clock with a radio.",
    "description_html": "<p>A clock with a radio.</p>",
    "promo_badge": None,
    "currency": RF_CURRENCY,
    "price": 4999,
    "price_formatted": "$49.99",
    "price_range": [4999, 5999],
    "price_range_formatted": "$49.99 - $59.99",
    "image": _IMAGE,
    "media": [
        {"id": 1, "type": "image", "src": _IMAGE},
        {"id": 2, "type": "video", "url": "https://video.example.com/clock.mp4"},
    ],
    "variants": {
        "enabled": True,
        "option_name": "Color",
        "items": [
            {
                "id": "11_blk",
                "sku": "RC-BLK",
                "name": "Black",
                "price": 4999,
                "price_formatted": "$49.99",
                "in_stock": True,
                "quantity": 12,
                "original_price": 5999,
                "original_price_formatted": "$59.99",
            }
        ],
    },
    "categories": [RF_CATEGORY],
    "inventory_type": "advanced",
    "in_stock": True,
    "available_quantity": 12,
    "personalization": {
        "enabled": True,
        "items": [
            {
                "id": "p1",
                "name": "Engraving",
                "type": "text",
                "required": False,
                "min": 0,
                "max": 20,
                "dropdownOptions": None,
                "filetypes": None,
                "price": 500,
                "price_formatted": "$5.00",
                "instructions": "Up to 20 letters.",
            }
        ],
    },
    "min_quantity": 1,
    "max_quantity": None,
    "on_sale": {"enabled": True, "original_price": 5999, "original_price_formatted": "$59.99"},
    "sku": "RC",
    "livemode": False,
    "custom_sort": 3,
}
_LINKS = {
    "first": "https://api.reflowhq.com/v2/projects/267418190/products?page=1",
    "last": "https://api.reflowhq.com/v2/projects/267418190/products?page=3",
    "prev": None,
    "next": "https://api.reflowhq.com/v2/projects/267418190/products?page=2",
}
_META = {
    "current_page": 1,
    "from": 1,
    "last_page": 3,
    "links": [
        {"url": None, "label": "&laquo; Previous", "active": False},
        {
            "url": "https://api.reflowhq.com/v2/projects/267418190/products?page=1",
            "label": "1",
            "active": True,
        },
    ],
    "path": "https://api.reflowhq.com/v2/projects/267418190/products",
    "per_page": 20,
    "to": 20,
    "total": 45,
}


def test_reflow_product_page() -> None:
    page = _serde.decode(
        orjson.dumps({"data": [_PRODUCT], "links": _LINKS, "meta": _META}), rf.ProductPage
    )
    (product,) = page.data
    assert product.id == 366797633
    assert product.object == "product"
    assert product.price == 4999
    assert isinstance(product.price, int)
    assert product.currency == rf.Currency(code="USD", name="US Dollar", zero_decimal=False)
    assert product.image == rf.ImageSet(**{size: _IMAGE[size] for size in ("sm", "md", "lg")})
    assert product.media == [
        rf.Media(id=1, type=rf.MediaType.IMAGE, src=product.image),
        rf.Media(id=2, type=rf.MediaType.VIDEO, url="https://video.example.com/clock.mp4"),
    ]
    assert product.variants is not None
    assert product.variants.items == [
        rf.VariantItem(
            id="11_blk",
            sku="RC-BLK",
            name="Black",
            price=4999,
            price_formatted="$49.99",
            in_stock=True,
            quantity=12,
            original_price=5999,
            original_price_formatted="$59.99",
        )
    ]
    assert product.categories is not None
    assert product.categories[0].subcategories == [
        rf.Category(
            object="category",
            id=177837306,
            handle="clocks",
            name="Clocks",
            description="Things that tick.",
            subcategories=[],
        )
    ]
    assert product.inventory_type is rf.InventoryType.ADVANCED
    assert product.max_quantity is None
    assert product.on_sale == rf.OnSale(
        enabled=True, original_price=5999, original_price_formatted="$59.99"
    )
    assert product.personalization is not None
    assert product.personalization.enabled is True
    assert product.personalization.items is not None
    (engraving,) = product.personalization.items
    assert engraving.type is rf.PersonalizationType.TEXT
    assert (engraving.max, engraving.price) == (20, 500)
    assert product.extra == {"custom_sort": 3}
    assert product.to_dict() == _PRODUCT
    assert page.links == rf.PageLinks(
        first=_LINKS["first"], last=_LINKS["last"], prev=None, next=_LINKS["next"]
    )
    assert page.meta.from_ == 1
    assert page.meta.total == 45
    assert page.meta.links is not None
    assert page.meta.links[0] == rf.MetaLink(url=None, label="&laquo; Previous", active=False)


def test_reflow_categories_are_a_bare_nested_array() -> None:
    (category,) = _serde.decode(orjson.dumps([RF_CATEGORY]), list[rf.Category])
    assert category.name == "Accessories"
    assert category.subcategories is not None
    assert [c.name for c in category.subcategories] == ["Clocks"]


def test_reflow_plans_list() -> None:
    body = {
        "data": [
            {
                "object": "plan",
                "id": 13156819,
                "name": "Pro",
                "description": "Everything.",
                "parameters": {"max_projects": 10},
                "trial_days": 14,
                "subscription_setup_fee": {
                    "name": "Setup",
                    "description": None,
                    "price": 1000,
                    "price_formatted": "$10.00",
                    "currency": RF_CURRENCY,
                },
                "is_archived": False,
                "created": 1669852800,
                "prices": [
                    {
                        "object": "plan_price",
                        "id": 9001,
                        "price": 1999,
                        "price_formatted": "$19.99",
                        "currency": RF_CURRENCY,
                        "billing_period": "month",
                        "is_taxed": False,
                        "tax_behavior": "exclusive",
                        "is_archived": False,
                        "created": 1669852800,
                    }
                ],
            },
            {"object": "plan", "id": 13156820, "name": "Free", "subscription_setup_fee": None},
        ]
    }
    plans = _serde.structure(body, rf.PlanList).data
    assert plans[0].parameters == {"max_projects": 10}
    assert plans[0].subscription_setup_fee == rf.SetupFee(
        name="Setup", price=1000, price_formatted="$10.00", currency=rf.Currency(**RF_CURRENCY)
    )
    assert plans[0].prices is not None
    assert plans[0].prices[0].billing_period is rf.BillingPeriod.MONTH
    assert plans[0].prices[0].price == 1999
    assert plans[1] == rf.Plan(object="plan", id=13156820, name="Free")


def test_reflow_users_page() -> None:
    user = {
        "object": "user",
        "id": 4242,
        "name": "Ada",
        "email": "ada@example.com",
        "photo": None,
        "provider": "google",
        "meta": {"plan": "pro"},
        "created": 1669852800,
        "livemode": False,
    }
    page = _serde.structure({"data": [user], "links": _LINKS, "meta": _META}, rf.UserPage)
    assert page.data == [
        rf.User(
            object="user",
            id=4242,
            name="Ada",
            email="ada@example.com",
            provider="google",
            meta={"plan": "pro"},
            created=1669852800,
            livemode=False,
        )
    ]


def test_reflow_orders_page_and_update() -> None:
    order = {
        "object": "order",
        "id": 99,
        "created": 1672531199,
        "payment_status": "paid",
        "fulfillment_status": "ready_for_pickup",
        "is_canceled": False,
        "is_archived": False,
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "delivery_information": None,
        "livemode": True,
        "total": 4999,
    }
    page = _serde.structure({"data": [order], "links": _LINKS, "meta": _META}, rf.OrderPage)
    assert page.data == [
        rf.Order(
            object="order",
            id=99,
            created=1672531199,
            payment_status=rf.PaymentStatus.PAID,
            fulfillment_status=rf.FulfillmentStatus.READY_FOR_PICKUP,
            is_canceled=False,
            is_archived=False,
            customer=rf.Customer(name="Ada", email="ada@example.com"),
            livemode=True,
            total=4999,
        )
    ]
    # The reference's example body, and one that sets every documented field.
    assert _wire(_serde.structure({"fulfillment_status": "shipped"}, rf.OrderUpdate)) == {
        "fulfillment_status": "shipped"
    }
    update = rf.OrderUpdate(
        payment_status=rf.PaymentStatus.REFUNDED, is_canceled=True, delivery_information="Door 2"
    )
    assert _wire(update) == {
        "payment_status": "refunded",
        "is_canceled": True,
        "delivery_information": "Door 2",
    }


def test_reflow_product_update_example() -> None:
    body = {"name": "The new product name", "price": 123456}
    update = _serde.structure(body, rf.ProductUpdate)
    assert update == rf.ProductUpdate(name="The new product name", price=123456)
    assert _wire(update) == body


def test_reflow_error_bodies() -> None:
    assert _serde.decode(b'{"error": "Not found"}', rf.Error) == rf.Error(error="Not found")
    laravel = b'{"message": "The given data was invalid.", "errors": {"name": ["Too long."]}}'
    assert _serde.decode(laravel, rf.Error) == rf.Error(
        message="The given data was invalid.", errors={"name": ["Too long."]}
    )


# --- Every generated model survives unstructure -> JSON -> structure ---------------------------

_MODULES = (pf, rf)
MODELS = [
    cls
    for module in _MODULES
    for _, cls in inspect.getmembers(module, inspect.isclass)
    if cls.__module__ == module.__name__ and attrs.has(cls)
]
_OFFSETS = [dt.timedelta(0), dt.timedelta(hours=5, minutes=30), dt.timedelta(hours=-8)]

# Realistic money: two decimal places, below a billion; exact through a JSON number.
_money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
_aware = st.datetimes(
    min_value=dt.datetime(1970, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([dt.timezone(offset) for offset in _OFFSETS]),
)
_text = st.text(st.characters(codec="utf-8"), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)


def _strategy(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for values of the annotation ``tp`` that JSON can carry."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is type(None):
        return st.none()
    if origin in (types.UnionType, typing.Union):
        return st.one_of([_strategy(arg) for arg in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(_strategy(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(_text, _json if args[1] is Any else _strategy(args[1]), max_size=3)
    if attrs.has(tp):
        return st.deferred(lambda: _model(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(tp)
    return {
        str: _text,
        int: st.integers(-(2**63), 2**63 - 1),
        bool: st.booleans(),
        float: st.floats(allow_nan=False, allow_infinity=False),
        Decimal: _money,
        dt.datetime: _aware,
        dt.date: st.dates(),
    }[tp]


@functools.cache  # one strategy object per model, so recursive models form a finite graph
def _model(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = _serde.wire_fields(cls)
    wires = {a.metadata["wire"] for a in fields}
    unknown = st.dictionaries(_text.filter(lambda key: key not in wires), _json, max_size=2)
    return st.builds(cls, **{a.name: _strategy(hints[a.name]) for a in fields}, extra=unknown)


def test_models_are_discovered() -> None:
    names = {cls.__name__ for cls in MODELS}
    assert {"Order", "OrderDetail", "Product", "Category", "PageMeta", "Plan"} <= names
    assert len(MODELS) >= 50


@pytest.mark.parametrize(
    "cls", MODELS, ids=lambda cls: f"{cls.__module__.split('.')[1]}.{cls.__name__}"
)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip(cls: type, data: st.DataObject) -> None:
    original = data.draw(_model(cls))
    wire = _serde.dumps(_serde.unstructure(original))
    assert _serde.structure(_serde.loads(wire), cls) == original
    assert _serde.decode(wire, cls) == original
