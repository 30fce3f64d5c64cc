"""The Pocketsflow simulator: a seeded, stateful store and the handlers of all 29 endpoints.

Money is kept in integer cents and sent as a JSON number in major units (``4999`` -> ``49.99``).
An order's amounts are consistent: ``gross`` is what the buyer paid (the product's price, less a
discount code if one was used), ``taxes`` is the VAT included in it at the buyer's country's rate,
the platform fee is 5 % + $0.30 (never more than what is left), and
``net = gross - taxes - fee``. Every timestamp is a whole number of milliseconds, so the ISO
strings sent (millisecond precision) compare exactly with the ``startDate``/``endDate`` filters.

Orders are stored column-wise (``array`` columns of creation time, product, customer, gross and
discount), sorted by creation time, and turned into JSON only when a page asks for them, so a
store of millions of orders stays small. Their ids are computed from the column index, not
stored. A customer is a distinct buyer; ``numberOfOrders`` counts their orders and a discount's
``used`` counts the orders that carried its code (orders show it as ``discountCode``).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import math
import random
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias

from aiohttp import web
from aiohttp.typedefs import Middleware

from storeflow._operation import Rule
from storeflow.pocketsflow._params import ARGUMENTS
from storeflow.sandbox import _data
from storeflow.sandbox._common import (
    Body,
    Clock,
    HTTPFailure,
    Params,
    Scale,
    json_response,
    message_body,
    newest_first,
    parse_iso,
    read_json_object,
)
from storeflow.sandbox._webhooks import Listener

__all__ = [
    "Mode",
    "PocketsflowStore",
    "build_pocketsflow_app",
    "pocketsflow_jwt",
    "pocketsflow_key",
]

Mode: TypeAlias = Literal["test", "live"]
"""Which of a Pocketsflow account's two datasets a key opens."""

OBJECT_ID: Final = re.compile(r"[0-9a-f]{24}")
"""The ids this simulator makes (any other id names no record of it)."""
_BEARER_RE: Final = re.compile(r"pk_(test|live)_[A-Za-z0-9]+|[\w-]+\.[\w-]+\.[\w-]*")
"""An API key or a JWT (three base64url segments), the tokens the API accepts."""
_DAY_MS: Final = 86_400_000
_MAX_ORDERS: Final = 0xFFFFFF
"""Order ids carry the order's index in their 3-byte counter, so it must stay below 2**24."""
_MAX_CENTS: Final = 2**62
"""Bigger amounts (sent through the API) are clamped when an order copies a product's price."""

# VAT included in prices, by buyer country (0 elsewhere): enough for realistic `taxes` values.
_TAX_RATES: Final[Mapping[str, float]] = {
    "GB": 0.20, "DE": 0.19, "FR": 0.20, "NL": 0.21, "ES": 0.21, "IT": 0.22, "SE": 0.25,
    "PL": 0.23, "PT": 0.23, "IE": 0.23, "NO": 0.25, "CH": 0.081, "AU": 0.10, "JP": 0.10,
    "IN": 0.18, "ZA": 0.15, "MX": 0.16, "KR": 0.10, "SG": 0.09, "NG": 0.075, "KE": 0.16,
}  # fmt: skip
_PRICE_POINTS: Final = (
    499, 900, 999, 1200, 1500, 1900, 1999, 2400, 2900, 2999, 3900, 4900, 4999, 5900, 7900,
    9900, 12900, 14900, 19900, 24900,
)  # fmt: skip
_VARIANT_NAMES: Final = ("Premium Version", "Team License", "Extended License", "Bundle", "Lite")
_SUBSCRIPTION_SHARE: Final = 0.25
"""The share of products sold as subscriptions."""


def pocketsflow_key(seed: int, mode: Mode) -> str:
    """The sandbox's API key for ``mode`` (``pk_test_…`` / ``pk_live_…``), derived from ``seed``."""
    digest = hashlib.blake2b(f"storeflow-sandbox:{seed}:{mode}".encode(), digest_size=12)
    return f"pk_{mode}_{digest.hexdigest()}"


def pocketsflow_jwt(seed: int) -> str:
    """A JWT as Auth0 would issue one for the sandbox's account (HS256, derived from ``seed``).

    The sandbox accepts it as a bearer token opening the test dataset; it carries no mode, as
    a real Auth0 token does not.
    """

    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = segment(b'{"alg":"HS256","typ":"JWT"}')
    claims = {"iss": "https://storeflow-sandbox.auth0.com/", "sub": f"auth0|sandbox-{seed}"}
    payload = segment(json.dumps(claims, separators=(",", ":")).encode())
    secret = hashlib.blake2b(f"storeflow-sandbox-jwt:{seed}".encode()).digest()
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{segment(signature)}"


def _cents(amount: float) -> int:
    # Clamp before scaling: a huge (finite) amount times 100 overflows to infinity.
    return round(min(amount, _MAX_CENTS / 100) * 100)


def _money(cents: int) -> float:
    return cents / 100


def _iso_ms(ms: int) -> str:
    return _data.iso(ms / 1000)


class PocketsflowStore:
    """The records of one Pocketsflow dataset (the test or the live one), seeded and mutable.

    ``PocketsflowStore(seed=..., scale=..., clock=..., mode="test")``: the same arguments always
    give the same records. The handlers of :func:`build_pocketsflow_app` read and change it;
    tests read it through :meth:`dump` and change it with :meth:`add_orders`. The methods that
    take an id return ``None`` (or ``False``) when no such record exists. Not thread-safe: use
    it from the thread that runs the sandbox.
    """

    def __init__(self, *, seed: int, scale: Scale, clock: Clock, mode: Mode = "test") -> None:
        self.seed = seed
        self.scale = scale
        self.clock = clock
        self.mode: Mode = mode
        self.listener: Listener | None = None
        """Told of each state change that sends a webhook (see ``storeflow.sandbox._webhooks``)."""
        self._build()

    # -- the Store protocol ---------------------------------------------------------------------

    def reset(self) -> None:
        """Go back to the freshly seeded records."""
        self._build()

    def state(self) -> dict[str, Any]:
        """Record counts per collection (and the key mode), for ``GET /_admin/state``."""
        return {
            "mode": self.mode,
            "products": len(self._products),
            "variants": len(self._variants),
            "orders": len(self._o_ms),
            "customers": len(self._customers),
            "reviews": len(self._reviews),
            "discounts": len(self._discounts),
            "upsells": len(self._upsells),
            "subscriptions": len(self._subscriptions),
        }

    def collections(self) -> tuple[str, ...]:
        """The collections :meth:`dump` knows."""
        return (
            "products",
            "orders",
            "customers",
            "reviews",
            "discounts",
            "upsells",
            "subscriptions",
        )

    def dump(self, collection: str) -> Iterator[dict[str, Any]]:
        """Every record of ``collection`` as the API lists it (same JSON, same order).

        Orders and subscriptions come newest first, as their paged lists do; customers as
        ``GET /customers`` sorts them by default (newest first). Raises ``KeyError`` for an
        unknown collection.
        """
        if collection == "orders":
            return (self._order(i) for i in range(len(self._o_ms) - 1, -1, -1))
        if collection == "subscriptions":
            return iter(self.list_subscriptions(None, None))
        listing: Mapping[str, Callable[[], list[dict[str, Any]]]] = {
            "products": self.list_products,
            "customers": lambda: self.list_customers(None, "createdAt", "desc"),
            "reviews": lambda: self.list_reviews(None),
            "discounts": self.list_discounts,
            "upsells": lambda: self.list_upsells()["upsells"],
        }
        return iter(listing[collection]())

    def add_orders(self, n: int) -> list[dict[str, Any]]:
        """Create ``n`` orders stamped with the clock's "now", as live sales would arrive.

        Each is for a random existing product, by a returning customer or a new one. Returns
        the new orders as the API shows them. Raises ``ValueError`` if the store has no product
        or would exceed its capacity of 16,777,215 orders.
        """
        live = [self._product_index[pid] for pid in self._products]
        if not live:
            raise ValueError("the store has no product to sell")
        if len(self._o_ms) + n > _MAX_ORDERS:
            raise ValueError(f"a Pocketsflow store holds at most {_MAX_ORDERS:,} orders")
        rng = self._live_rng
        created = []
        for _ in range(n):
            ms = max(int(self.clock.now() * 1000), self._o_ms[-1] if self._o_ms else 0)
            product = rng.choice(live)
            if not self._customers or rng.random() < 0.3:
                customer = self._new_customer(ms, rng)
            else:
                customer = rng.randrange(len(self._customers))
            gross = _cents(self._products[self._product_ids[product]]["price"])
            created.append(self._append_order(ms, product, customer, gross, -1))
        if self.listener is not None:
            for i in created:
                self.listener("order.completed", self._order_detail(i))
        return [self._order(i) for i in created]

    def refund_order(
        self, order_id: str, amount: float | None = None, reason: str | None = None
    ) -> dict[str, Any] | None:
        """Refund ``amount`` (default: what is left) of an order, as the seller's dashboard
        would; the API has no refund endpoint, so only this and the admin route do it.

        Returns the refund. Raises ``ValueError`` when the order is refunded in full already
        or ``amount`` exceeds what is left.
        """
        i = self._order_index(order_id)
        if i is None:
            return None
        left = self._o_gross[i] - self._refunded.get(i, 0)
        cents = left if amount is None else _cents(amount)
        if left <= 0:
            raise ValueError("the order was already refunded in full")
        if cents > left:
            raise ValueError(f"at most {_money(left)} can be refunded")
        self._refunded[i] = self._refunded.get(i, 0) + cents
        refund = {
            "id": f"re_{order_id[-10:]}_{self._refunded[i]}",  # unique: the total only grows
            "amount": _money(cents),
            "reason": reason,
            "status": "succeeded",
        }
        if self.listener is not None:
            self.listener("order.refunded", {**self._order_detail(i), "refund": refund})
        return refund

    # -- seeding --------------------------------------------------------------------------------

    def _rng(self, purpose: str) -> random.Random:
        # One generator per purpose: changing how one collection is seeded leaves the others.
        return random.Random(f"pocketsflow:{self.seed}:{self.mode}:{purpose}")

    def _ids(self, collection: str) -> _data.ObjectIds:
        return _data.ObjectIds(self.seed, f"pocketsflow:{self.mode}:{collection}")

    def _build(self) -> None:
        scale = self.scale
        self._live_rng = self._rng("live")
        self._product_id_gen = self._ids("products")
        self._variant_id_gen = self._ids("variants")
        self._customer_id_gen = self._ids("customers")
        self._order_ids = self._ids("orders")
        self._review_id_gen = self._ids("reviews")
        self._discount_id_gen = self._ids("discounts")
        self._upsell_id_gen = self._ids("upsells")
        self._subscription_id_gen = self._ids("subscriptions")
        self._sale_id_gen = self._ids("upsell-sales")

        self._products: dict[str, dict[str, Any]] = {}
        self._variants: dict[str, dict[str, Any]] = {}
        self._product_variants: dict[str, list[str]] = {}
        # Orders point into this append-only table so that deleted products keep their name.
        self._product_ids: list[str] = []
        self._product_names: list[str] = []
        self._product_index: dict[str, int] = {}
        self._customers: list[dict[str, Any]] = []
        self._customer_index: dict[str, int] = {}
        self._customer_orders = array("I")
        self._discounts: dict[str, dict[str, Any]] = {}
        self._discount_ids: list[str] = []
        self._discount_index: dict[str, int] = {}
        self._discount_used: list[int] = []
        # Orders show the code of the discount they used, even after it was deleted.
        self._discount_codes: list[str] = []
        self._reviews: dict[str, dict[str, Any]] = {}
        self._review_of_order: dict[int, str] = {}
        self._upsells: dict[str, dict[str, Any]] = {}
        self._upsell_sales: list[dict[str, Any]] = []
        self._subscriptions: dict[str, dict[str, Any]] = {}
        self._o_ms = array("q")
        self._o_product = array("I")
        self._o_customer = array("I")
        self._o_gross = array("q")
        self._o_discount = array("h")
        self._by_product: dict[int, array[int]] | None = None
        self._by_customer: dict[int, array[int]] | None = None
        self._refunded: dict[int, int] = {}  # order index -> cents refunded

        self._seed_user()
        self._seed_products(scale.products)
        self._seed_discounts(scale.discounts)
        if scale.orders > _MAX_ORDERS:
            raise ValueError(f"a Pocketsflow store holds at most {_MAX_ORDERS:,} orders")
        orders = scale.orders if scale.products and scale.customers else 0
        self._seed_orders(orders, scale.customers)
        self._seed_reviews(min(scale.reviews, len(self._o_ms)))
        self._seed_upsells(scale.upsells if scale.products else 0)
        self._seed_subscriptions(scale.subscriptions if scale.customers else 0)

    def _seed_user(self) -> None:
        rng = self._rng("user")
        first, last = _data.person_name(rng).split(" ", 1)
        company = _data.company_name(rng)
        ids = self._ids("users")
        self._user: dict[str, Any] = {
            "_id": ids.new(_data.DATA_START - 400 * 86_400),
            "email": _data.email(f"{first} {last}", 1, rng),
            "subdomain": _data.slug(company),
            "firstName": first,
            "lastName": last,
            "currency": "USD",
            "country": _data.country(rng),
        }

    def _seed_products(self, n: int) -> None:
        rng = self._rng("products")
        start_ms = int((_data.DATA_START - 365 * 86_400) * 1000)
        times = sorted(rng.randrange(start_ms, int(_data.DATA_START * 1000)) for _ in range(n))
        for ms in times:
            product = self._insert_product(
                ms,
                name=_data.product_name(rng),
                price=_money(rng.choice(_PRICE_POINTS)),
                description=_data.sentence(rng, 8, 20),
                published=rng.random() < 0.9,
                showSales=rng.random() < 0.5,
                showReviews=rng.random() < 0.8,
            )
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
                self._insert_variant(
                    ms + rng.randrange(1, 30 * _DAY_MS),
                    product["_id"],
                    rng.choice(_VARIANT_NAMES),
                    _money(_cents(product["price"]) + rng.choice((500, 1000, 2000))),
                )

    def _seed_discounts(self, n: int) -> None:
        rng = self._rng("discounts")
        product_ids = list(self._products)
        for i in range(n):
            percentage = rng.random() < 0.7
            word = rng.choice(("SUMMER", "LAUNCH", "WELCOME", "BLACKFRIDAY", "VIP", "SPRING"))
            mains = rng.sample(product_ids, min(len(product_ids), rng.choice((0, 0, 1, 2, 3))))
            amount = rng.choice((10, 15, 20, 25, 30, 50) if percentage else (2, 5, 10))
            code = f"{word}{amount}"
            if self.code_taken(code):
                code = f"{code}-{i + 1}"
            self._insert_discount(
                _data.DATA_START + i * 3600,
                name=f"{word.title()} Sale {i + 1}",
                code=code,
                value=amount,
                valueType="percentage" if percentage else "fixed",
                active=rng.random() < 0.8,
                mainProductIds=mains,
            )

    def _seed_orders(self, n: int, n_customers: int) -> None:
        if n == 0:
            self._seed_unbought_customers(n_customers, 0)
            return
        rng = self._rng("orders")
        # Sorted uniform draws (normalised cumulative exponential gaps), pushed towards the end
        # by a square root: the store sells more as it grows.
        gaps = [rng.expovariate(1.0) for _ in range(n + 1)]
        total = math.fsum(gaps)
        span = (_data.DATA_END - _data.DATA_START) * 1000
        base = _data.DATA_START * 1000
        acc = 0.0
        o_ms = self._o_ms
        for gap in gaps[:n]:
            acc += gap
            o_ms.append(int(base + math.sqrt(acc / total) * span))
        del gaps

        product_count = len(self._product_ids)
        weights = [1.0 / (rank + 1) ** 0.8 for rank in range(product_count)]
        rng.shuffle(weights)
        self._o_product = array("I", rng.choices(range(product_count), weights=weights, k=n))

        applicable: list[list[int]] = []
        for pid in self._product_ids:
            applicable.append(
                [
                    d
                    for d, did in enumerate(self._discount_ids)
                    if not self._discounts[did]["mainProductIds"]
                    or pid in self._discounts[did]["mainProductIds"]
                ]
            )
        prices = [_cents(self._products[pid]["price"]) for pid in self._product_ids]
        discounts = [self._discounts[did] for did in self._discount_ids]

        customers = self._o_customer
        gross_col = self._o_gross
        discount_col = self._o_discount
        first_order = [0] * n_customers
        p_new = min(1.0, n_customers / n)
        used = self._discount_used
        next_new = 0
        rnd = rng.random
        product_col = self._o_product
        for i in range(n):
            if next_new < n_customers and (next_new == 0 or rnd() < p_new):
                customer = next_new
                first_order[customer] = o_ms[i]
                next_new += 1
            else:
                customer = int(rnd() * next_new)
            customers.append(customer)
            product = product_col[i]
            gross = prices[product]
            discount = -1
            if rnd() < 0.06 and applicable[product]:
                discount = applicable[product][int(rnd() * len(applicable[product]))]
                gross = _discounted(gross, discounts[discount])
                used[discount] += 1
            gross_col.append(gross)
            discount_col.append(discount)

        crng = self._rng("customers")
        for customer in range(next_new):
            self._new_customer(first_order[customer], crng)
        self._customer_orders = array("I", bytes(4 * next_new))
        counts = self._customer_orders
        for customer in customers:
            counts[customer] += 1
        self._seed_unbought_customers(n_customers - next_new, next_new)

    def _seed_unbought_customers(self, n: int, offset: int) -> None:
        # Customers without an order yet (more customers than orders): signed up, bought nothing.
        rng = self._rng(f"customers-unbought:{offset}")
        times = sorted(
            rng.randrange(int(_data.DATA_START * 1000), int(_data.DATA_END * 1000))
            for _ in range(n)
        )
        for ms in times:
            self._new_customer(ms, rng)

    def _seed_reviews(self, n: int) -> None:
        rng = self._rng("reviews")
        picked = sorted(rng.sample(range(len(self._o_ms)), n))
        reviews = []
        for i in picked:
            rating = rng.choices((1, 2, 3, 4, 5), weights=(3, 4, 10, 30, 53))[0]
            text = _data.sentence(rng, 5, 25) if rng.random() < 0.85 else None
            reviews.append(
                (self._o_ms[i] + rng.randrange(_DAY_MS // 4, 20 * _DAY_MS), i, rating, text)
            )
        reviews.sort()
        for ms, i, rating, text in reviews:
            self._insert_review(ms, i, rating, text)

    def _seed_upsells(self, n: int) -> None:
        rng = self._rng("upsells")
        product_ids = list(self._products)
        for i in range(n):
            upsell_product = rng.choice(product_ids)
            others = [pid for pid in product_ids if pid != upsell_product] or product_ids
            mains = rng.sample(others, min(len(others), rng.randint(1, 3)))
            price = _cents(self._products[upsell_product]["price"])
            upsell = self._insert_upsell(
                _data.DATA_START + i * 3600,
                name=f"{rng.choice(('Premium', 'Pro', 'Bonus', 'Add-on'))} upgrade {i + 1}",
                mainProductIds=mains,
                upsellProductId=upsell_product,
                upsellPrice=_money(max(price - price // 4, 100)),
                upsellDescription=_data.sentence(rng, 6, 14),
                primaryButtonText="Yes, add it!",
                secondaryButtonText="No thanks",
                active=rng.random() < 0.8,
            )
            self._seed_upsell_sales(upsell, rng)

    def _seed_upsell_sales(self, upsell: dict[str, Any], rng: random.Random) -> None:
        orders = [
            i
            for pid in upsell["mainProductIds"]
            for i in self._orders_of("product", self._product_index[pid])
        ]
        for i in sorted(rng.sample(orders, min(len(orders), rng.randint(0, 8)))):
            ms = self._o_ms[i] + rng.randrange(1000, 60_000)
            self._upsell_sales.append(
                {
                    "_id": self._sale_id_gen.new(ms / 1000),
                    "upsellId": upsell["_id"],
                    "orderId": self._order_id(i),
                    "buyerEmail": self._customers[self._o_customer[i]]["buyerEmail"],
                    "upsellProductId": upsell["upsellProductId"],
                    "amount": upsell["upsellPrice"],
                    "createdAt": _iso_ms(ms),
                }
            )

    def _seed_subscriptions(self, n: int) -> None:
        rng = self._rng("subscriptions")
        product_ids = list(self._products)
        if not product_ids:
            return
        plans = product_ids[: max(1, int(len(product_ids) * _SUBSCRIPTION_SHARE))]
        end_ms = int(_data.DATA_END * 1000)
        times = sorted(rng.randrange(int(_data.DATA_START * 1000), end_ms) for _ in range(n))
        for ms in times:
            product_id = rng.choice(plans)
            interval = "month" if rng.random() < 0.75 else "year"
            period = (30 if interval == "month" else 365) * _DAY_MS
            periods = (end_ms - ms) // period + 1
            status = rng.choices(("active", "canceled", "refunded"), weights=(75, 20, 5))[0]
            canceled = refunded = None
            if status == "canceled":
                canceled = ms + rng.randrange(0, max(1, end_ms - ms))
            elif status == "refunded":
                refunded = ms + rng.randrange(0, min(period, max(1, end_ms - ms)))
            price = _cents(self._products[product_id]["price"])
            customer = self._customers[rng.randrange(len(self._customers))]
            sid = self._subscription_id_gen.new(ms / 1000)
            self._subscriptions[sid] = {
                "_id": sid,
                "buyerEmail": customer["buyerEmail"],
                "product": {"_id": product_id, "name": self._products[product_id]["name"]},
                "price": _money(price if interval == "month" else price * 10),
                "interval": interval,
                "status": status,
                "createdAt": _iso_ms(ms),
                "currentPeriodEnd": None if refunded else _iso_ms(ms + periods * period),
                "canceledAt": None if canceled is None else _iso_ms(canceled),
                "refundedAt": None if refunded is None else _iso_ms(refunded),
                "_ms": ms,
            }

    # -- record helpers -------------------------------------------------------------------------

    def _insert_product(self, ms: int, **fields: Any) -> dict[str, Any]:
        pid = self._product_id_gen.new(ms / 1000)
        product: dict[str, Any] = {"_id": pid, "createdAt": _iso_ms(ms), **fields}
        self._products[pid] = product
        self._product_variants[pid] = []
        self._product_index[pid] = len(self._product_ids)
        self._product_ids.append(pid)
        self._product_names.append(product["name"])
        return product

    def _insert_variant(self, ms: int, product_id: str, name: str, price: float) -> dict[str, Any]:
        vid = self._variant_id_gen.new(ms / 1000)
        variant = {
            "_id": vid,
            "productId": product_id,
            "name": name,
            "price": price,
            "createdAt": _iso_ms(ms),
        }
        self._variants[vid] = variant
        self._product_variants[product_id].append(vid)
        return variant

    def _insert_discount(self, ts: float, **fields: Any) -> dict[str, Any]:
        did = self._discount_id_gen.new(ts)
        discount: dict[str, Any] = {"_id": did, **fields}
        self._discounts[did] = discount
        self._discount_index[did] = len(self._discount_ids)
        self._discount_ids.append(did)
        self._discount_used.append(0)
        self._discount_codes.append(discount["code"])
        return discount

    def _insert_review(self, ms: int, order: int, rating: int, text: str | None) -> None:
        rid = self._review_id_gen.new(ms / 1000)
        self._reviews[rid] = {
            "_id": rid,
            "productId": self._product_ids[self._o_product[order]],
            "buyerEmail": self._customers[self._o_customer[order]]["buyerEmail"],
            "rating": rating,
            "review": text,
            "createdAt": _iso_ms(ms),
        }
        self._review_of_order[order] = rid

    def _insert_upsell(self, ts: float, **fields: Any) -> dict[str, Any]:
        uid = self._upsell_id_gen.new(ts)
        upsell: dict[str, Any] = {
            "_id": uid,
            "upsellDescription": None,
            "primaryButtonText": None,
            "secondaryButtonText": None,
            "active": True,
            **fields,
        }
        self._upsells[uid] = upsell
        return upsell

    def _new_customer(self, ms: int, rng: random.Random) -> int:
        index = len(self._customers)
        cid = self._customer_id_gen.new(ms / 1000)
        name = _data.person_name(rng)
        self._customers.append(
            {
                "_id": cid,
                "buyerEmail": _data.email(name, index, rng),
                "country": _data.country(rng) if rng.random() < 0.97 else None,
                "createdAt": _iso_ms(ms),
            }
        )
        self._customer_index[cid] = index
        if len(self._customer_orders) <= index:
            self._customer_orders.append(0)
        return index

    def _append_order(self, ms: int, product: int, customer: int, gross: int, discount: int) -> int:
        index = len(self._o_ms)
        self._o_ms.append(ms)
        self._o_product.append(product)
        self._o_customer.append(customer)
        self._o_gross.append(gross)
        self._o_discount.append(discount)
        self._customer_orders[customer] += 1
        if discount >= 0:
            self._discount_used[discount] += 1
        if self._by_product is not None:
            self._by_product.setdefault(product, array("I")).append(index)
        if self._by_customer is not None:
            self._by_customer.setdefault(customer, array("I")).append(index)
        return index

    def _order_id(self, i: int) -> str:
        return self._order_ids.at(self._o_ms[i] / 1000, i)

    def _order_index(self, order_id: str) -> int | None:
        # Order ids are not stored: the counter part is the column index, so check it round-trips.
        if not OBJECT_ID.fullmatch(order_id):
            return None
        i = int(order_id[18:], 16)
        if i < len(self._o_ms) and self._order_id(i) == order_id:
            return i
        return None

    def _order(self, i: int) -> dict[str, Any]:
        gross = self._o_gross[i]
        customer = self._customers[self._o_customer[i]]
        rate = _TAX_RATES.get(customer["country"] or "", 0.0)
        taxes = round(gross * rate / (1 + rate))
        fee = min(round(gross * 0.05) + 30, gross - taxes) if gross else 0
        product = self._o_product[i]
        order: dict[str, Any] = {
            "_id": self._order_id(i),
            "buyerEmail": customer["buyerEmail"],
            "gross": _money(gross),
            "net": _money(gross - taxes - fee),
            "taxes": _money(taxes),
            "createdAt": _iso_ms(self._o_ms[i]),
            "product": {"_id": self._product_ids[product], "name": self._product_names[product]},
        }
        discount = self._o_discount[i]
        if discount >= 0:
            order["discountCode"] = self._discount_codes[discount]
        return order

    def _orders_of(self, by: Literal["product", "customer"], key: int) -> array[int]:
        if by == "product":
            if self._by_product is None:
                self._by_product = _group(self._o_product)
            return self._by_product.get(key, array("I"))
        if self._by_customer is None:
            self._by_customer = _group(self._o_customer)
        return self._by_customer.get(key, array("I"))

    def _customer(self, index: int) -> dict[str, Any]:
        return {**self._customers[index], "numberOfOrders": self._customer_orders[index]}

    def _product(self, product: dict[str, Any]) -> dict[str, Any]:
        variants = [self._variants[vid] for vid in self._product_variants[product["_id"]]]
        return {**product, "variants": variants}

    def _discount(self, discount: dict[str, Any]) -> dict[str, Any]:
        return {**discount, "used": self._discount_used[self._discount_index[discount["_id"]]]}

    # -- products and variants ------------------------------------------------------------------

    def list_products(self) -> list[dict[str, Any]]:
        """Every product, oldest first, with its variants."""
        return [self._product(p) for p in self._products.values()]

    def get_product(self, product_id: str) -> dict[str, Any] | None:
        """The product ``product_id`` with its variants."""
        product = self._products.get(product_id)
        return None if product is None else self._product(product)

    def create_product(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create a product from checked ``fields`` (name, price and optional flags)."""
        product = self._insert_product(
            int(self.clock.now() * 1000),
            name=fields["name"],
            price=fields["price"],
            description=fields.get("description"),
            published=fields.get("published", True),
            showSales=fields.get("showSales", False),
            showReviews=fields.get("showReviews", True),
        )
        return self._product(product)

    def update_product(self, product_id: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """Change the given fields of a product; later orders take its new name."""
        product = self._products.get(product_id)
        if product is None:
            return None
        product.update(fields)
        self._product_names[self._product_index[product_id]] = product["name"]
        return self._product(product)

    def delete_product(self, product_id: str) -> bool:
        """Delete a product and its variants (its past orders and reviews remain)."""
        if self._products.pop(product_id, None) is None:
            return False
        for vid in self._product_variants.pop(product_id):
            del self._variants[vid]
        return True

    def create_variant(self, product_id: str, name: str, price: float) -> dict[str, Any] | None:
        """Add a variant to the product ``product_id``."""
        if product_id not in self._products:
            return None
        return self._insert_variant(int(self.clock.now() * 1000), product_id, name, price)

    def delete_variant(self, variant_id: str) -> bool:
        """Delete one variant."""
        variant = self._variants.pop(variant_id, None)
        if variant is None:
            return False
        self._product_variants[variant["productId"]].remove(variant_id)
        return True

    # -- orders ---------------------------------------------------------------------------------

    def list_orders(
        self,
        *,
        start: dt.datetime | None,
        end: dt.datetime | None,
        product_id: str | None,
        page: int,
        page_size: int,
    ) -> dict[str, Any]:
        """One page of orders, newest first, created in ``[start, end]`` (both inclusive),
        optionally only of ``product_id`` (an unknown product gives an empty list)."""
        low = -math.inf if start is None else start.timestamp() * 1000
        high = math.inf if end is None else end.timestamp() * 1000
        o_ms = self._o_ms
        if product_id is None:
            rows: Sequence[int] = range(len(o_ms))
            lo, hi = bisect_left(o_ms, low), bisect_right(o_ms, high)
        else:
            product = self._product_index.get(product_id)
            rows = array("I") if product is None else self._orders_of("product", product)
            lo = bisect_left(rows, low, key=o_ms.__getitem__)
            hi = bisect_right(rows, high, key=o_ms.__getitem__)
        chosen = newest_first(rows[lo:hi], page, page_size)
        orders = [self._order(i) for i in chosen]
        return {"orders": orders, "pagination": _pagination(max(hi - lo, 0), page, page_size)}

    def get_order(self, order_id: str) -> dict[str, Any] | None:
        """An order with its customer and, if the buyer left one, its review."""
        i = self._order_index(order_id)
        return None if i is None else self._order_detail(i)

    def _order_detail(self, i: int) -> dict[str, Any]:
        review = self._review_of_order.get(i)
        return {
            **self._order(i),
            "customer": self._customer(self._o_customer[i]),
            "review": self._reviews.get(review) if review is not None else None,
        }

    # -- customers ------------------------------------------------------------------------------

    def list_customers(
        self, product_id: str | None, sort_by: str, sort_order: str
    ) -> list[dict[str, Any]]:
        """Every customer (only buyers of ``product_id`` if given), sorted by ``sort_by``.

        Ties keep creation order; customers without a country come last either way.
        """
        if product_id is None:
            chosen: Sequence[int] = range(len(self._customers))
        else:
            product = self._product_index.get(product_id)
            orders = array("I") if product is None else self._orders_of("product", product)
            chosen = sorted({self._o_customer[i] for i in orders})
        rows = [self._customer(c) for c in chosen]
        field = {"email": "buyerEmail"}.get(sort_by, sort_by)
        present = [row for row in rows if row[field] is not None]
        missing = [row for row in rows if row[field] is None]
        present.sort(key=lambda row: row[field], reverse=sort_order == "desc")
        return present + missing

    def get_customer(self, customer_id: str) -> dict[str, Any] | None:
        """A customer with their orders (newest first) and reviews."""
        index = self._customer_index.get(customer_id)
        if index is None:
            return None
        customer = self._customer(index)
        orders = self._orders_of("customer", index)
        email = customer["buyerEmail"]
        return {
            **customer,
            "orders": [self._order(orders[k]) for k in range(len(orders) - 1, -1, -1)],
            "reviews": [r for r in self.list_reviews(None) if r["buyerEmail"] == email],
        }

    # -- reviews --------------------------------------------------------------------------------

    def list_reviews(self, product_id: str | None) -> list[dict[str, Any]]:
        """Reviews of existing products (only of ``product_id`` if given), newest first."""
        return [
            review
            for review in reversed(self._reviews.values())
            if review["productId"] in self._products
            and (product_id is None or review["productId"] == product_id)
        ]

    def has_product(self, product_id: str) -> bool:
        """Whether the product ``product_id`` exists."""
        return product_id in self._products

    # -- discounts ------------------------------------------------------------------------------

    def list_discounts(self) -> list[dict[str, Any]]:
        """Every discount, oldest first, with its ``used`` count."""
        return [self._discount(d) for d in self._discounts.values()]

    def get_discount(self, discount_id: str) -> dict[str, Any] | None:
        """One discount."""
        discount = self._discounts.get(discount_id)
        return None if discount is None else self._discount(discount)

    def code_taken(self, code: str, *, by_other_than: str | None = None) -> bool:
        """Whether another discount already has ``code`` (codes are case-insensitive)."""
        folded = code.casefold()
        return any(
            d["code"].casefold() == folded and did != by_other_than
            for did, d in self._discounts.items()
        )

    def create_discount(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create a discount from checked ``fields``."""
        discount = self._insert_discount(
            self.clock.now(),
            name=fields["name"],
            code=fields["code"],
            value=fields["value"],
            valueType=fields["valueType"],
            active=fields.get("active", True),
            mainProductIds=list(fields.get("mainProductIds", [])),
        )
        return self._discount(discount)

    def update_discount(self, discount_id: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """Change the given fields of a discount (its ``used`` count stays)."""
        discount = self._discounts.get(discount_id)
        if discount is None:
            return None
        discount.update(fields)
        self._discount_codes[self._discount_index[discount_id]] = discount["code"]
        return self._discount(discount)

    def delete_discount(self, discount_id: str) -> bool:
        """Delete a discount; orders that used it keep showing its code."""
        return self._discounts.pop(discount_id, None) is not None

    # -- upsells --------------------------------------------------------------------------------

    def list_upsells(self) -> dict[str, Any]:
        """Every upsell and the sales made with one."""
        return {"upsells": list(self._upsells.values()), "salesWithUpsells": self._upsell_sales}

    def get_upsell(self, upsell_id: str) -> dict[str, Any] | None:
        """One upsell."""
        return self._upsells.get(upsell_id)

    def create_upsell(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create an upsell from checked ``fields`` (the products must exist)."""
        return dict(self._insert_upsell(self.clock.now(), **fields))

    def update_upsell(self, upsell_id: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """Change the given fields of an upsell."""
        upsell = self._upsells.get(upsell_id)
        if upsell is None:
            return None
        upsell.update(fields)
        return upsell

    def delete_upsell(self, upsell_id: str) -> bool:
        """Delete an upsell (its past sales remain)."""
        return self._upsells.pop(upsell_id, None) is not None

    # -- the user -------------------------------------------------------------------------------

    def user(self) -> dict[str, Any]:
        """The account's profile."""
        return dict(self._user)

    def update_user(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Change the given settings of the profile."""
        self._user.update(fields)
        return dict(self._user)

    # -- subscriptions --------------------------------------------------------------------------

    def list_subscriptions(
        self, start: dt.date | None, end: dt.date | None
    ) -> list[dict[str, Any]]:
        """Subscriptions started on days ``start`` to ``end`` (inclusive, UTC), newest first."""
        low = -math.inf if start is None else _day_ms(start)
        high = math.inf if end is None else _day_ms(end) + _DAY_MS
        return [
            _public(s) for s in reversed(self._subscriptions.values()) if low <= s["_ms"] < high
        ]

    def page_subscriptions(
        self, start: dt.date | None, end: dt.date | None, page: int, page_size: int
    ) -> dict[str, Any]:
        """One page of :meth:`list_subscriptions` with its ``pagination`` block."""
        rows = self.list_subscriptions(start, end)
        chunk = rows[(page - 1) * page_size : page * page_size]
        return {"subscriptions": chunk, "pagination": _pagination(len(rows), page, page_size)}

    def get_subscription(self, subscription_id: str) -> dict[str, Any] | None:
        """One subscription."""
        subscription = self._subscriptions.get(subscription_id)
        return None if subscription is None else _public(subscription)

    def cancel_subscription(self, subscription_id: str) -> dict[str, Any] | None:
        """Cancel an active subscription; a cancelled or refunded one is left as it is."""
        subscription = self._subscriptions.get(subscription_id)
        if subscription is None:
            return None
        if subscription["status"] == "active":
            subscription["status"] = "canceled"
            subscription["canceledAt"] = _iso_ms(int(self.clock.now() * 1000))
            if self.listener is not None:
                self.listener("customer.subscription.deleted", _public(subscription))
        return _public(subscription)

    def refund_subscription(self, subscription_id: str) -> dict[str, Any] | None:
        """Refund a subscription (ending it). Raises ``ValueError`` if it already was refunded."""
        subscription = self._subscriptions.get(subscription_id)
        if subscription is None:
            return None
        if subscription["status"] == "refunded":
            raise ValueError("the subscription was already refunded")
        now = _iso_ms(int(self.clock.now() * 1000))
        was_active = subscription["status"] == "active"
        subscription["status"] = "refunded"
        subscription["refundedAt"] = now
        subscription["currentPeriodEnd"] = None
        if subscription["canceledAt"] is None:
            subscription["canceledAt"] = now
        if self.listener is not None:
            # A refund ends an active subscription; a cancelled one only changes.
            event = "deleted" if was_active else "updated"
            self.listener(f"customer.subscription.{event}", _public(subscription))
        return _public(subscription)


def _discounted(cents: int, discount: Mapping[str, Any]) -> int:
    if discount["valueType"] == "percentage":
        return round(cents * (100 - min(float(discount["value"]), 100.0)) / 100)
    return max(cents - _cents(discount["value"]), 0)


def _group(column: array[int]) -> dict[int, array[int]]:
    groups: dict[int, array[int]] = {}
    for i, key in enumerate(column):
        rows = groups.get(key)
        if rows is None:
            rows = groups[key] = array("I")
        rows.append(i)
    return groups


def _pagination(total: int, page: int, page_size: int) -> dict[str, Any]:
    pages = -(-total // page_size)
    return {
        "totalCount": total,
        "totalPages": pages,
        "currentPage": page,
        "pageSize": page_size,
        "hasMore": page < pages,
    }


def _day_ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


def _public(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_") or k == "_id"}


# -- the HTTP layer ---------------------------------------------------------------------------

_Check: TypeAlias = Callable[[Body, str, bool], Any]
_STORES: Final = web.AppKey("storeflow_pocketsflow_stores", dict)
"""The application's API keys, each mapped to the store it opens."""


def _string(rule: Rule) -> _Check:
    return lambda body, name, required: body.string(
        name,
        required=required,
        min_length=rule.min_length,
        max_length=rule.max_length,
        pattern=rule.pattern,
    )


def _boolean(body: Body, name: str, required: bool) -> Any:
    return body.boolean(name, required=required)


def _money_field(body: Body, name: str, required: bool) -> Any:
    # The sandbox's own rule (the reference states none): its stores keep amounts as unsigned
    # cents, and a 400 in the documented error body is what a server may answer.
    return body.number(name, required=required, minimum=0)


def _enum(rule: Rule) -> _Check:
    values = rule.enum or ()
    return lambda body, name, required: body.enum(name, values, required=required)


def _strings(rule: Rule) -> _Check:
    return lambda body, name, required: body.string_list(
        name, required=required, min_items=rule.min_items, max_items=rule.max_items
    )


def _check_of(rule: Rule) -> _Check:
    """The sandbox's check of a body field: the client's generated rule, so no bound is typed
    twice (the rules the sandbox adds of its own are marked where they are made)."""
    if "array" in rule.types:
        return _strings(rule)
    if "boolean" in rule.types:
        return _boolean
    if rule.format == "decimal":
        return _money_field
    if rule.enum is not None:
        return _enum(rule)
    return _string(rule)


async def _fields(request: web.Request, op_id: str) -> dict[str, Any]:
    """The request's JSON body checked against the body rules of the operation ``op_id``
    (required fields, types, bounds; an empty update is accepted, as the reference does not
    forbid it). Raises HTTPFailure(400)."""
    arguments = ARGUMENTS[op_id]
    rules = {name: rule for name, rule in arguments.rules.items() if rule.location == "body"}
    body = Body(await read_json_object(request, message_body), message_body)
    if arguments.min_body_fields:
        body.not_empty()
    body.only(*rules)
    fields = {}
    for name, rule in rules.items():
        value = _check_of(rule)(body, name, rule.required)
        if value is not None:
            fields[name] = value
    return fields


def _unauthorized(message: str) -> HTTPFailure:
    return HTTPFailure(401, message_body(message))


def _not_found(what: str) -> HTTPFailure:
    return HTTPFailure(404, message_body(f"{what} not found"))


def _found(record: dict[str, Any] | None, what: str) -> web.Response:
    if record is None:
        raise _not_found(what)
    return json_response(record)


def _deleted(done: bool, what: str) -> web.Response:
    if not done:
        raise _not_found(what)
    return json_response({"message": f"{what} deleted"})


def _store(request: web.Request) -> PocketsflowStore:
    """The dataset the request's API key opens. Raises HTTPFailure(401); never echoes the key."""
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("Missing API key: send 'Authorization: Bearer <key>'")
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not _BEARER_RE.fullmatch(key):
        raise _unauthorized(
            "Malformed API key: expected 'Bearer pk_test_…', 'Bearer pk_live_…' or a JWT"
        )
    store: PocketsflowStore | None = request.app[_STORES].get(key)
    if store is None:
        raise _unauthorized("Invalid API key")
    return store


def _path_id(request: web.Request, name: str = "id") -> str:
    # Any id is looked up: one this simulator did not make names no record (404).
    return request.match_info[name]


def _check_products(store: PocketsflowStore, ids: Sequence[str], status: int) -> None:
    for product_id in ids:
        if not store.has_product(product_id):
            raise HTTPFailure(status, message_body(f"product {product_id} not found"))


def _check_discount(store: PocketsflowStore, fields: Mapping[str, Any], own: str | None) -> None:
    # The sandbox's own rule (the reference states none), answered the documented way.
    if fields.get("valueType") == "percentage" and fields.get("value", 0) > 100:
        raise HTTPFailure(400, message_body("value must be at most 100 for a percentage"))
    if "code" in fields and store.code_taken(fields["code"], by_other_than=own):
        raise HTTPFailure(400, message_body(f"a discount with code {fields['code']} exists"))
    _check_products(store, fields.get("mainProductIds", ()), 400)


async def _products_list(request: web.Request) -> web.Response:
    return json_response(_store(request).list_products())


async def _products_create(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "products_create")
    return json_response(store.create_product(fields))


async def _products_get(request: web.Request) -> web.Response:
    store = _store(request)
    return _found(store.get_product(_path_id(request)), "Product")


async def _products_update(request: web.Request) -> web.Response:
    store = _store(request)
    product_id = _path_id(request)
    fields = await _fields(request, "products_update")
    return _found(store.update_product(product_id, fields), "Product")


async def _products_delete(request: web.Request) -> web.Response:
    store = _store(request)
    return _deleted(store.delete_product(_path_id(request)), "Product")


async def _variants_create(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "variants_create")
    variant = store.create_variant(fields["productId"], fields["name"], fields["price"])
    return _found(variant, "Product")


async def _variants_delete(request: web.Request) -> web.Response:
    store = _store(request)
    return _deleted(store.delete_variant(_path_id(request)), "Variant")


async def _orders_list(request: web.Request) -> web.Response:
    store = _store(request)
    params = Params(request.query, message_body)
    page = store.list_orders(
        start=params.datetime("startDate"),
        end=params.datetime("endDate"),
        product_id=params.string("productId"),
        # The sandbox's own rules (the reference states no bound), answered the documented way.
        page=params.integer("page", 1, minimum=1) or 1,
        page_size=params.integer("pageSize", 20, minimum=1) or 20,
    )
    return json_response(page)


async def _orders_get(request: web.Request) -> web.Response:
    store = _store(request)
    return _found(store.get_order(_path_id(request)), "Order")


async def _customers_list(request: web.Request) -> web.Response:
    store = _store(request)
    params = Params(request.query, message_body)
    customers = store.list_customers(
        params.string("productId"),
        params.enum("sortBy", ("email", "country", "numberOfOrders", "createdAt"), "createdAt")
        or "createdAt",
        params.enum("sortOrder", ("asc", "desc"), "desc") or "desc",
    )
    return json_response(customers)


async def _customers_get(request: web.Request) -> web.Response:
    store = _store(request)
    return _found(store.get_customer(_path_id(request)), "Customer")


async def _reviews_list(request: web.Request) -> web.Response:
    return json_response(_store(request).list_reviews(None))


async def _reviews_of_product(request: web.Request) -> web.Response:
    product_id = _path_id(request, "productId")
    # Public: no key needed. With a valid key, that dataset; otherwise whichever has the product.
    stores: list[PocketsflowStore] = list(request.app[_STORES].values())
    if request.headers.get("Authorization"):
        with contextlib.suppress(HTTPFailure):
            stores = [_store(request)]
    for store in stores:
        if store.has_product(product_id):
            return json_response(store.list_reviews(product_id))
    raise _not_found("Product")


async def _discounts_list(request: web.Request) -> web.Response:
    return json_response(_store(request).list_discounts())


async def _discounts_create(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "discounts_create")
    _check_discount(store, fields, None)
    return json_response(store.create_discount(fields))


async def _discounts_get(request: web.Request) -> web.Response:
    store = _store(request)
    return _found(store.get_discount(_path_id(request)), "Discount")


async def _discounts_update(request: web.Request) -> web.Response:
    store = _store(request)
    discount_id = _path_id(request)
    fields = await _fields(request, "discounts_update")
    current = store.get_discount(discount_id)
    if current is None:
        raise _not_found("Discount")
    merged = {"value": current["value"], "valueType": current["valueType"], **fields}
    _check_discount(store, merged, discount_id)
    return _found(store.update_discount(discount_id, fields), "Discount")


async def _discounts_delete(request: web.Request) -> web.Response:
    store = _store(request)
    return _deleted(store.delete_discount(_path_id(request)), "Discount")


async def _upsells_list(request: web.Request) -> web.Response:
    return json_response(_store(request).list_upsells())


async def _upsells_create(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "upsells_create")
    _check_products(store, [*fields["mainProductIds"], fields["upsellProductId"]], 404)
    return json_response(store.create_upsell(fields))


async def _upsells_get(request: web.Request) -> web.Response:
    store = _store(request)
    return _found(store.get_upsell(_path_id(request)), "Upsell")


async def _upsells_update(request: web.Request) -> web.Response:
    store = _store(request)
    upsell_id = _path_id(request)
    fields = await _fields(request, "upsells_update")
    if store.get_upsell(upsell_id) is None:
        raise _not_found("Upsell")
    products = [*fields.get("mainProductIds", ())]
    if "upsellProductId" in fields:
        products.append(fields["upsellProductId"])
    _check_products(store, products, 404)
    return _found(store.update_upsell(upsell_id, fields), "Upsell")


async def _upsells_delete(request: web.Request) -> web.Response:
    store = _store(request)
    return _deleted(store.delete_upsell(_path_id(request)), "Upsell")


async def _users_me(request: web.Request) -> web.Response:
    return json_response(_store(request).user())


async def _users_update(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "users_update")
    return json_response(store.update_user(fields))


def _body_date(body: Body, name: str) -> dt.date | None:
    """The day of an ISO 8601 date or date-time (the day in the value's own offset)."""
    text = body.string(name)
    if text is None:
        return None
    when = parse_iso(text)
    if when is None:
        raise body.fail(f"{name} must be an ISO 8601 date such as 2024-01-31")
    return when.date()


async def _subscriptions_list(request: web.Request) -> web.Response:
    store = _store(request)
    body = Body(await read_json_object(request, message_body, required=False), message_body)
    body.only("page", "pageSize", "startDate", "endDate")
    # The sandbox's own rules (the reference states no bound), answered the documented way.
    page = body.integer("page", minimum=1) or 1
    page_size = body.integer("pageSize", minimum=1) or 20
    start, end = _body_date(body, "startDate"), _body_date(body, "endDate")
    return json_response(store.page_subscriptions(start, end, page, page_size))


async def _subscriptions_get(request: web.Request) -> web.Response:
    store = _store(request)
    return _found(store.get_subscription(_path_id(request)), "Subscription")


async def _subscriptions_cancel(request: web.Request) -> web.Response:
    store = _store(request)
    subscription_id = _path_id(request, "subscriptionId")
    return _found(store.cancel_subscription(subscription_id), "Subscription")


async def _subscriptions_refund(request: web.Request) -> web.Response:
    store = _store(request)
    subscription_id = _path_id(request, "subscriptionId")
    try:
        refunded = store.refund_subscription(subscription_id)
    except ValueError as exc:
        raise HTTPFailure(400, message_body(str(exc))) from None
    return _found(refunded, "Subscription")


def build_pocketsflow_app(
    stores: Mapping[str, PocketsflowStore], *, middlewares: Sequence[Middleware] = ()
) -> web.Application:
    """The Pocketsflow API as an aiohttp application.

    ``stores`` maps each valid API key to the dataset it opens (the test key to the test
    store, the live key to the live one); the public ``GET /reviews/{productId}`` looks in each
    in turn. ``middlewares`` run around every handler (the sandbox's limiter, faults, error
    mapping); handlers raise :class:`~storeflow.sandbox._common.HTTPFailure` for error answers.
    """
    app = web.Application(middlewares=middlewares)
    app[_STORES] = dict(stores)
    routes = app.router
    routes.add_get("/products", _products_list)
    routes.add_post("/products", _products_create)
    routes.add_post("/products/variants", _variants_create)
    routes.add_delete("/products/variants/{id}", _variants_delete)
    routes.add_post("/products/update/{id}", _products_update)
    routes.add_get("/products/{id}", _products_get)
    routes.add_delete("/products/{id}", _products_delete)
    routes.add_get("/orders", _orders_list)
    routes.add_post("/orders/subscriptions", _subscriptions_list)
    routes.add_post("/orders/subscriptions/cancel/{subscriptionId}", _subscriptions_cancel)
    routes.add_post("/orders/subscriptions/refund/{subscriptionId}", _subscriptions_refund)
    routes.add_get("/orders/subscriptions/{id}", _subscriptions_get)
    routes.add_get("/orders/{id}", _orders_get)
    routes.add_get("/customers", _customers_list)
    routes.add_get("/customers/{id}", _customers_get)
    routes.add_get("/reviews", _reviews_list)
    routes.add_get("/reviews/{productId}", _reviews_of_product)
    routes.add_get("/discounts", _discounts_list)
    routes.add_post("/discounts", _discounts_create)
    routes.add_get("/discounts/{id}", _discounts_get)
    routes.add_post("/discounts/{id}", _discounts_update)
    routes.add_delete("/discounts/{id}", _discounts_delete)
    routes.add_get("/upsells", _upsells_list)
    routes.add_post("/upsells", _upsells_create)
    routes.add_get("/upsells/{id}", _upsells_get)
    routes.add_post("/upsells/{id}", _upsells_update)
    routes.add_delete("/upsells/{id}", _upsells_delete)
    routes.add_get("/users/me", _users_me)
    routes.add_post("/users/update", _users_update)
    return app
