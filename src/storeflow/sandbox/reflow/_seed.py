"""The Reflow simulator's seeding: one project's records, built from a seed.

:class:`ReflowData` fills one project's tables from ``(seed, scale, currency)`` so that the
same arguments always give the same records: categories (nested), products (with variants,
media and the fields a request can filter, sort or change: :class:`_Product`), orders, users
and plans. Prices are integers in the currency's smallest unit (``ReflowData.money`` formats
them); with ``currency="JPY"`` (zero-decimal) they are whole yen.

Orders are stored column-wise (``array`` columns of id, creation time, customer, and one byte
packing both statuses and both flags: :func:`_pack`), sorted by creation time, so a store of a
million orders stays small and starts in about a second. Customers are numbered; a customer's
email address embeds the number, which is how ``customer_email`` finds them.
"""

from __future__ import annotations

import math
import random
import re
from array import array
from collections.abc import Container
from itertools import accumulate
from typing import Any, Final

from attrs import define, frozen

from storeflow.reflow.models import FulfillmentStatus, InventoryType, PaymentStatus
from storeflow.sandbox import _data
from storeflow.sandbox._stores import Clock, Scale
from storeflow.sandbox._webhooks import Listener

_CURRENCIES: Final = {
    # code: (name, symbol, zero_decimal)
    "USD": ("US Dollar", "$", False),
    "EUR": ("Euro", "€", False),
    "GBP": ("British Pound", "£", False),
    "JPY": ("Japanese Yen", "¥", True),
}

_PRICE_POINTS: Final = (
    500, 900, 1200, 1500, 1900, 2400, 2900, 3500, 3900, 4500, 4900, 5900, 7500, 8900, 9900,
    12900, 14900, 19900, 24900, 34900,
)  # fmt: skip

_YEN_PRICE_POINTS: Final = (
    500, 800, 980, 1200, 1500, 1980, 2500, 2980, 3500, 4800, 5500, 6800, 9800, 12800, 19800,
)  # fmt: skip

_CATEGORY_NAMES: Final = (
    "Accessories", "Apparel", "Art Prints", "Audio", "Books", "Bundles", "Courses",
    "Design Assets", "E-books", "Fonts", "Gift Cards", "Home Decor", "Icons", "Illustrations",
    "Kits", "Merchandise", "Music", "Photography", "Planners", "Posters", "Presets", "Software",
    "Stationery", "Stickers", "Templates", "Tutorials", "Video", "Wallpapers", "Workshops",
)  # fmt: skip

_PLAN_NAMES: Final = (
    "Starter", "Pro", "Business", "Premium", "Team", "Creator", "Studio", "Agency", "Basic",
    "Enterprise",
)  # fmt: skip

_PLAN_MONTHLY: Final = (500, 900, 1500, 2900, 4900, 9900, 19900)

_PLAN_FEATURES: Final = ("projects", "seats", "storage_gb", "downloads")

_PROVIDERS: Final = ("google", "google", "github", "facebook", "email", "email", "apple")

_VARIANT_OPTIONS: Final = {
    "License": ("Personal", "Commercial", "Extended"),
    "Format": ("PDF", "ePub", "Print"),
    "Size": ("A5", "A4", "A3"),
    "Edition": ("Standard", "Deluxe", "Collector's"),
}

_PROMO_BADGES: Final = ("New", "Sale", "Bestseller", "Limited")

_STREETS: Final = (
    "Maple Avenue", "High Street", "Rue de Rivoli", "Hauptstraße", "Elm Street", "Kings Road",
    "Calle Mayor", "Oak Lane", "Station Road", "Via Roma", "Harbour Drive", "Birch Close",
)  # fmt: skip

_CITIES: Final = (
    "Springfield", "London", "Berlin", "Paris", "Toronto", "Bangalore", "São Paulo", "Sydney",
    "Amsterdam", "Madrid", "Milan", "Osaka", "Stockholm", "Kraków", "Guadalajara", "Lagos",
)  # fmt: skip

_CDN: Final = "https://cdn.example.com/reflow"

_PAYMENT: Final = tuple(status.value for status in PaymentStatus)

_FULFILLMENT: Final = tuple(status.value for status in FulfillmentStatus)

_ID_DIGITS: Final = 18
"""A longer id cannot be any record's id (ids are at most nine digits)."""

_DIGITS_RE: Final = re.compile(r"[0-9]+")


# An order's statuses and flags, packed in one byte so that a filter on any of them is one
# ``bytes.translate`` over the column: payment in bits 0-1, fulfilment in bits 2-4, cancelled in
# bit 5, archived in bit 6.
_FULFILLMENT_SHIFT: Final = 2


_CANCELED_BIT: Final = 1 << 5

_ARCHIVED_BIT: Final = 1 << 6


def _pack(payment: int, fulfillment: int, canceled: bool, archived: bool) -> int:
    return (
        payment
        | fulfillment << _FULFILLMENT_SHIFT
        | (_CANCELED_BIT if canceled else 0)
        | (_ARCHIVED_BIT if archived else 0)
    )


def _payment(state: int) -> int:
    return state & 0b11


def _fulfillment(state: int) -> int:
    return (state >> _FULFILLMENT_SHIFT) & 0b111


def _draw_state(rng: random.Random) -> int:
    """One order's statuses, with the correlations a real store shows."""
    payment = rng.choices(range(4), weights=(6, 80, 5, 9))[0]  # pending, paid, failed, refunded
    if _PAYMENT[payment] == "paid":
        fulfillment = rng.choices(range(5), weights=(15, 20, 5, 55, 5))[0]
    elif _PAYMENT[payment] == "refunded":
        fulfillment = rng.choice((0, 4))  # unfulfilled or returned
    else:
        fulfillment = 0
    cancel_odds = {"pending": 0.1, "paid": 0.01, "failed": 0.7, "refunded": 0.5}
    canceled = rng.random() < cancel_odds[_PAYMENT[payment]]
    return _pack(payment, fulfillment, canceled, rng.random() < 0.12)


def _original_price(price: int) -> int:
    """The price a product on sale had before it (the sale takes a fifth off)."""
    return price * 5 // 4


def _money_format(amount: int, code: str) -> str:
    _name, symbol, zero_decimal = _CURRENCIES[code]
    if zero_decimal:
        return f"{symbol}{amount:,}"
    return f"{symbol}{amount // 100:,}.{amount % 100:02d}"


def _timeline(n: int, rng: random.Random, first_id: int) -> tuple[array[int], array[int]]:
    """``n`` increasing ids from ``first_id`` and ``n`` sorted creation times spread over the
    seeded period, drawn in bulk so that a million records take a fraction of a second."""
    span = int(_data.DATA_END - _data.DATA_START)
    start = int(_data.DATA_START)
    step = span / n if n else 0.0
    jitter = rng.randbytes(n)
    created = array("q", (start + int((i + b / 256) * step) for i, b in enumerate(jitter)))
    gaps = rng.randbytes(n)
    ids = array("q", accumulate((1 + g for g in gaps), initial=first_id))
    ids.pop(0)
    return ids, created


@define(kw_only=True)
class _Category:
    id: int
    handle: str
    name: str
    description: str | None
    parent: int | None
    children: list[int]


@frozen(kw_only=True)
class _Variant:
    id: int
    sku: str
    name: str
    price: int
    in_stock: bool
    quantity: int | None


@define(kw_only=True)
class _Product:
    """A product: the fields a request can filter, sort or change, and what the JSON needs."""

    id: int
    handle: str
    name: str
    excerpt: str
    description: str
    sku: str
    price: int
    created: int
    custom_sort: int
    hidden: bool
    inventory_type: str
    in_stock: bool
    stock_quantity: int
    categories: tuple[int, ...]
    media: tuple[tuple[int, str], ...]
    option_name: str | None
    variants: tuple[_Variant, ...]
    on_sale: bool
    promo_badge: str | None
    personalization: bool
    max_quantity: int | None
    sold_as: tuple[str, int]
    """The name and price orders were placed at (seeded orders predate any update)."""

    def matches(self, needle: str) -> bool:
        return (
            needle in self.name.casefold()
            or needle in self.description.casefold()
            or needle in self.sku.casefold()
            or any(needle in variant.sku.casefold() for variant in self.variants)
        )


class ReflowData:
    """One Reflow project's tables, seeded from ``(seed, scale, currency)``: the base of
    :class:`~storeflow.sandbox.reflow._store.ReflowStore`."""

    def __init__(self, *, seed: int, scale: Scale, clock: Clock, currency: str = "USD") -> None:
        if currency not in _CURRENCIES:
            raise ValueError(f"currency must be one of {', '.join(_CURRENCIES)}")
        self.seed = seed
        self.scale = scale
        self.clock = clock
        self.currency_code = currency
        self.listener: Listener | None = None
        """Told of each state change that sends a webhook (see ``storeflow.sandbox._webhooks``)."""
        self._build()

    def _rng(self, purpose: str) -> random.Random:
        # One generator per purpose: changing how one collection is seeded leaves the others.
        return random.Random(f"reflow:{self.seed}:{purpose}")

    def _build(self) -> None:
        scale = self.scale
        name, _symbol, zero_decimal = _CURRENCIES[self.currency_code]
        self.currency: dict[str, Any] = {
            "code": self.currency_code,
            "name": name,
            "zero_decimal": zero_decimal,
        }
        self._live_rng = self._rng("live")
        self._seed_categories(scale.reflow_categories)
        self._seed_products(scale.reflow_products)
        self._seed_orders(scale.reflow_orders)
        self._seed_users(scale.reflow_users)
        self._seed_plans(scale.reflow_plans)

    def _seed_categories(self, n: int) -> None:
        rng = self._rng("categories")
        ids = rng.sample(range(100_000_000, 1_000_000_000), n)
        vocabulary = len(_CATEGORY_NAMES)
        names = rng.sample(_CATEGORY_NAMES, min(n, vocabulary))
        # More categories than names: the same names again, numbered ("Posters 2").
        names += [
            f"{_CATEGORY_NAMES[i % vocabulary]} {2 + i // vocabulary}"
            for i in range(n - len(names))
        ]
        self._categories: dict[int, _Category] = {}
        self._category_handles: dict[str, int] = {}
        top_level = max(1, math.ceil(n / 2))
        depth: dict[int, int] = {}
        for i, (category_id, category_name) in enumerate(zip(ids, names, strict=True)):
            parents = [c for c in ids[:i] if depth[c] < 2] if i >= top_level else []
            parent = rng.choice(parents) if parents else None
            depth[category_id] = 0 if parent is None else depth[parent] + 1
            description = _data.sentence(rng, 6, 14) if rng.random() < 0.7 else None
            handle = self._unique_handle(_data.slug(category_name), self._category_handles)
            self._categories[category_id] = _Category(
                id=category_id,
                handle=handle,
                name=category_name,
                description=description,
                parent=parent,
                children=[],
            )
            self._category_handles[handle] = category_id
            if parent is not None:
                self._categories[parent].children.append(category_id)
        for category in self._categories.values():
            category.children.sort(key=lambda c: self._categories[c].name.casefold())
        self._category_roots = sorted(
            (c for c in self._categories.values() if c.parent is None),
            key=lambda c: c.name.casefold(),
        )

    @staticmethod
    def _unique_handle(base: str, taken: Container[str]) -> str:
        # A handle is never all digits, so that a path segment is either an id or a handle.
        base = base if base and not base.isdigit() else f"item-{base}".rstrip("-")
        handle, n = base, 2
        while handle in taken:
            handle, n = f"{base}-{n}", n + 1
        return handle

    def _seed_products(self, n: int) -> None:
        rng = self._rng("products")
        yen = self.currency_code == "JPY"
        ids = rng.sample(range(100_000_000, 1_000_000_000), n)
        start = int(_data.DATA_START) - 365 * 86_400
        times = sorted(rng.randrange(start, int(_data.DATA_END)) for _ in range(n))
        media_ids = iter(rng.sample(range(10_000_000, 100_000_000), 8 * n))
        variant_ids = iter(rng.sample(range(100_000_000, 1_000_000_000), 3 * n))
        category_ids = list(self._categories)
        self._products: list[_Product] = []
        self._product_by_id: dict[int, _Product] = {}
        self._product_by_handle: dict[str, _Product] = {}
        for i, (product_id, created) in enumerate(zip(ids, times, strict=True)):
            product_name = _data.product_name(rng)
            handle = self._unique_handle(_data.slug(product_name), self._product_by_handle)
            initials = "".join(word[0] for word in product_name.split()).upper()
            sku = f"{initials}-{1000 + i}"
            price = rng.choice(_YEN_PRICE_POINTS if yen else _PRICE_POINTS)
            advanced = rng.random() < 0.3
            stock = rng.choice((0, 3, 12, 40, 150, 900)) if advanced else 0
            option_name = rng.choice(list(_VARIANT_OPTIONS)) if rng.random() < 0.3 else None
            variants: tuple[_Variant, ...] = ()
            if option_name is not None:
                choices = _VARIANT_OPTIONS[option_name][: rng.choice((2, 3))]
                variants = tuple(
                    _Variant(
                        id=next(variant_ids),
                        sku=f"{sku}-{k + 1}",
                        name=choice,
                        price=price + k * rng.choice((500, 1000)),
                        in_stock=rng.random() < 0.9,
                        quantity=rng.choice((0, 5, 20, 80)) if advanced else None,
                    )
                    for k, choice in enumerate(choices)
                )
            n_media = rng.choice((0, 1, 1, 2, 3, 4))
            media = tuple(
                (next(media_ids), "video" if k and rng.random() < 0.15 else "image")
                for k in range(n_media)
            )
            on_sale = rng.random() < 0.15
            product = _Product(
                id=product_id,
                handle=handle,
                name=product_name,
                excerpt=_data.sentence(rng, 5, 10),
                description=" ".join(_data.sentence(rng, 6, 16) for _ in range(rng.randint(2, 4))),
                sku=sku,
                price=price,
                created=created,
                custom_sort=rng.choice((1, 2, 3, 5, 8, 10, 20)) if rng.random() < 0.35 else 0,
                hidden=rng.random() < 0.12,
                inventory_type=(
                    InventoryType.ADVANCED.value if advanced else InventoryType.SIMPLE.value
                ),
                in_stock=rng.random() < 0.9,
                stock_quantity=stock,
                categories=tuple(
                    rng.sample(category_ids, min(len(category_ids), rng.choice((0, 1, 1, 2))))
                ),
                media=media,
                option_name=option_name,
                variants=variants,
                on_sale=on_sale,
                promo_badge=(
                    "Sale" if on_sale else rng.choice(_PROMO_BADGES) if rng.random() < 0.1 else None
                ),
                personalization=rng.random() < 0.1,
                max_quantity=rng.choice((5, 10)) if rng.random() < 0.2 else None,
                sold_as=(product_name, price),
            )
            self._products.append(product)
            self._product_by_id[product_id] = product
            self._product_by_handle[handle] = product

    def _seed_orders(self, n: int) -> None:
        rng = self._rng("orders")
        self._first_order_id = 300_000_000
        self._o_id, self._o_created = _timeline(n, rng, self._first_order_id)
        # Roughly three orders per customer: most buy once, some come back.
        self._customer_count = max(1, n // 3)
        draws = array("I", rng.randbytes(4 * n))
        self._o_customer = array("I", (d % self._customer_count for d in draws))
        # Statuses drawn once into a 256-entry table, then one random byte per order picks one:
        # the distribution of _draw_state at C speed.
        states = bytes(_draw_state(rng) for _ in range(256))
        self._o_state = bytearray(rng.randbytes(n).translate(states))
        self._o_delivery: dict[int, str] = {}

    def _seed_users(self, n: int) -> None:
        rng = self._rng("users")
        self._u_id, self._u_created = _timeline(n, rng, 40_000_000)

    def _seed_plans(self, n: int) -> None:
        rng = self._rng("plans")
        ids = rng.sample(range(10_000_000, 100_000_000), 3 * n)
        created = sorted(
            rng.randrange(int(_data.DATA_START), int(_data.DATA_END)) for _ in range(n)
        )
        self._plans: list[dict[str, Any]] = []
        for i in range(n):
            name = _PLAN_NAMES[i % len(_PLAN_NAMES)]
            if i >= len(_PLAN_NAMES):
                name = f"{name} {1 + i // len(_PLAN_NAMES)}"
            monthly = _PLAN_MONTHLY[min(i, len(_PLAN_MONTHLY) - 1)]
            # Every fourth plan has been retired: reachable by id, absent from the list.
            archived = i % 4 == 3
            prices = [
                self._plan_price(ids[3 * i + k], amount, period, created[i], rng)
                for k, (period, amount) in enumerate((("month", monthly), ("year", monthly * 10)))
            ]
            fee = None
            if rng.random() < 0.3:
                fee_amount = monthly * 2
                fee = {
                    "name": "Setup fee",
                    "description": "One-off onboarding and account setup.",
                    "price": fee_amount,
                    "price_formatted": self.money(fee_amount),
                    "currency": dict(self.currency),
                }
            self._plans.append(
                {
                    "object": "plan",
                    "id": ids[3 * i + 2],
                    "name": name,
                    "description": _data.sentence(rng, 6, 14),
                    "parameters": {
                        feature: rng.choice((1, 3, 5, 10, 25, 100)) * (1 + i)
                        for feature in rng.sample(_PLAN_FEATURES, rng.randint(1, 3))
                    },
                    "trial_days": rng.choice((0, 0, 7, 14, 30)),
                    "subscription_setup_fee": fee,
                    "is_archived": archived,
                    "created": created[i],
                    "prices": prices,
                }
            )

    def _plan_price(
        self, price_id: int, amount: int, period: str, created: int, rng: random.Random
    ) -> dict[str, Any]:
        taxed = rng.random() < 0.5
        return {
            "object": "plan_price",
            "id": price_id,
            "price": amount,
            "price_formatted": self.money(amount),
            "currency": dict(self.currency),
            "billing_period": period,
            "is_taxed": taxed,
            "tax_behavior": ("inclusive" if rng.random() < 0.5 else "exclusive") if taxed else None,
            "is_archived": False,
            "created": created,
        }

    def money(self, amount: int) -> str:
        """``amount`` (smallest currency unit) as the API formats it: ``"$1,234.50"``."""
        return _money_format(amount, self.currency_code)
