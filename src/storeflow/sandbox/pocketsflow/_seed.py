"""The Pocketsflow simulator's seeding: the sandbox's keys and the dataset a seed builds.

:class:`PocketsflowData` holds one dataset's tables and fills them from ``(seed, scale, mode)``
so that the same arguments always give the same records; the record helpers (``_insert_*``,
``_new_customer``, ``_append_order``) are the only code that adds rows, used by the seeding and
by the store's changes alike, next to the lookups the seeding itself needs (``_order_id``,
``_orders_of``, ``code_taken``). Money is kept in integer cents (:func:`_cents`, :func:`_money`)
and every timestamp is a whole number of milliseconds, so the ISO strings sent (millisecond
precision) compare exactly with the ``startDate``/``endDate`` filters.

Orders are stored column-wise (``array`` columns of creation time, product, customer, gross and
discount), sorted by creation time, so a store of millions of orders stays small. Their ids are
computed from the column index, not stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import random
import re
from array import array
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

from storeflow.pocketsflow.models import BillingInterval, SubscriptionStatus, ValueType
from storeflow.sandbox import _data
from storeflow.sandbox._stores import Clock, Scale
from storeflow.sandbox._webhooks import Listener

Mode: TypeAlias = Literal["test", "live"]
"""Which of a Pocketsflow account's two datasets a key opens."""

OBJECT_ID: Final = re.compile(r"[0-9a-f]{24}")
"""The ids this simulator makes (any other id names no record of it)."""

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

_STATUSES: Final = (
    SubscriptionStatus.ACTIVE.value,
    SubscriptionStatus.CANCELED.value,
    SubscriptionStatus.REFUNDED.value,
)
"""The statuses a seeded subscription draws from (weighted 75 / 20 / 5)."""

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


class PocketsflowData:
    """One Pocketsflow dataset's tables, seeded from ``(seed, scale, mode)``: the base of
    :class:`~storeflow.sandbox.pocketsflow._store.PocketsflowStore`."""

    def __init__(self, *, seed: int, scale: Scale, clock: Clock, mode: Mode = "test") -> None:
        self.seed = seed
        self.scale = scale
        self.clock = clock
        self.mode: Mode = mode
        self.listener: Listener | None = None
        """Told of each state change that sends a webhook (see ``storeflow.sandbox._webhooks``)."""
        self._build()

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
        # Orders point into these append-only tables, so that they show a product's name as it
        # is now, and a deleted product's last name.
        self._product_ids: list[str] = []
        self._product_records: list[dict[str, Any]] = []
        self._product_index: dict[str, int] = {}
        self._customers: list[dict[str, Any]] = []
        self._customer_index: dict[str, int] = {}
        self._customer_orders = array("I")
        self._discounts: dict[str, dict[str, Any]] = {}
        self._discount_ids: list[str] = []
        self._discount_index: dict[str, int] = {}
        self._discount_used: list[int] = []
        # Orders show the code of the discount they used as it is now, even after it was deleted.
        self._discount_records: list[dict[str, Any]] = []
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
                valueType=ValueType.PERCENTAGE.value if percentage else ValueType.FIXED.value,
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
            interval = (
                BillingInterval.MONTH.value if rng.random() < 0.75 else BillingInterval.YEAR.value
            )
            period = (30 if interval == BillingInterval.MONTH else 365) * _DAY_MS
            periods = (end_ms - ms) // period + 1
            status = rng.choices(_STATUSES, weights=(75, 20, 5))[0]
            canceled = refunded = None
            if status == SubscriptionStatus.CANCELED:
                canceled = ms + rng.randrange(0, max(1, end_ms - ms))
            elif status == SubscriptionStatus.REFUNDED:
                refunded = ms + rng.randrange(0, min(period, max(1, end_ms - ms)))
            price = _cents(self._products[product_id]["price"])
            customer = self._customers[rng.randrange(len(self._customers))]
            sid = self._subscription_id_gen.new(ms / 1000)
            self._subscriptions[sid] = {
                "_id": sid,
                "buyerEmail": customer["buyerEmail"],
                "product": {"_id": product_id, "name": self._products[product_id]["name"]},
                "price": _money(price if interval == BillingInterval.MONTH else price * 10),
                "interval": interval,
                "status": status,
                "createdAt": _iso_ms(ms),
                "currentPeriodEnd": None if refunded else _iso_ms(ms + periods * period),
                "canceledAt": None if canceled is None else _iso_ms(canceled),
                "refundedAt": None if refunded is None else _iso_ms(refunded),
                "_ms": ms,
            }

    def _insert_product(self, ms: int, **fields: Any) -> dict[str, Any]:
        pid = self._product_id_gen.new(ms / 1000)
        product: dict[str, Any] = {"_id": pid, "createdAt": _iso_ms(ms), **fields}
        self._products[pid] = product
        self._product_variants[pid] = []
        self._product_index[pid] = len(self._product_ids)
        self._product_ids.append(pid)
        self._product_records.append(product)
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
        self._discount_records.append(discount)
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

    def _orders_of(self, by: Literal["product", "customer"], key: int) -> array[int]:
        if by == "product":
            if self._by_product is None:
                self._by_product = _group(self._o_product)
            return self._by_product.get(key, array("I"))
        if self._by_customer is None:
            self._by_customer = _group(self._o_customer)
        return self._by_customer.get(key, array("I"))

    def code_taken(self, code: str, *, by_other_than: str | None = None) -> bool:
        """Whether another discount already has ``code`` (codes are case-insensitive)."""
        folded = code.casefold()
        return any(
            d["code"].casefold() == folded and did != by_other_than
            for did, d in self._discounts.items()
        )


def _discounted(cents: int, discount: Mapping[str, Any]) -> int:
    if discount["valueType"] == ValueType.PERCENTAGE:
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
