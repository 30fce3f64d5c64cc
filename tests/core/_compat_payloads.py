"""The payloads the compatibility tests answer with, and how they call the public methods.

The references' examples and NOTES.md's payload shapes, each answered by a one-payload server
(:class:`Answer`) to the typed call a user would make (:data:`CASES`, :func:`call`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from _loopback import KEY
from storeflow import Model, Pocketsflow, Reflow, _serde

PROJECT = 267418190

# -- the payloads: the references' examples and NOTES.md's shapes ------------------------------

RF_CURRENCY = {"code": "USD", "name": "US Dollar", "zero_decimal": False}
RF_CATEGORY = {
    "object": "category",
    "id": 177837305,
    "handle": "accessories",
    "name": "Accessories",
    "description": None,
    "subcategories": [
        {
            "object": "category",
            "id": 177837306,
            "handle": "clocks",
            "name": "Clocks",
            "description": "Things that tick.",
            "subcategories": [],
        }
    ],
}
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
RF_IMAGE = {
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
    "currency": RF_CURRENCY,
    "price": 2000,
    "price_formatted": "$20.00",
    "price_range": [2000, 2400],
    "price_range_formatted": "$20.00 - $24.00",
    "image": RF_IMAGE,
    "media": [
        {"id": 1, "type": "image", "src": RF_IMAGE},
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
    "currency": RF_CURRENCY,
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
        "currency": RF_CURRENCY,
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
    "currency": RF_CURRENCY,
    "line_items": [
        {"product_id": "199976733", "name": "T-shirt", "quantity": 2, "price": 2000,
         "price_formatted": "$20.00"},
    ],
    "subtotal": 4000,
    "shipping": 500,
    "total": 4500,
    "total_formatted": "$45.00",
}  # fmt: skip


def rf_page(items: list[Any]) -> dict[str, Any]:
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
    "rf.products.list": ("rf", lambda c: c.products.list(), rf_page([RF_PRODUCT])),
    "rf.products.get": ("rf", lambda c: c.products.get("t-shirt"), RF_PRODUCT),
    "rf.categories.list": ("rf", lambda c: c.categories.list(), [RF_CATEGORY]),
    "rf.users.get": ("rf", lambda c: c.users.get(42), RF_USER),
    "rf.plans.get": ("rf", lambda c: c.plans.get(13156819), RF_PLAN),
    "rf.plans.list": ("rf", lambda c: c.plans.list(), {"data": [RF_PLAN]}),
    "rf.orders.list": ("rf", lambda c: c.orders.list(), rf_page([RF_ORDER])),
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
