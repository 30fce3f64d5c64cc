"""The Reflow simulator: a seeded, stateful store and the handlers of all 12 endpoints.

Public API (what :mod:`storeflow.sandbox._server` uses):

* ``ReflowStore(*, seed: int, scale: Scale, clock: Clock, currency: str = "USD")`` — one
  project's records, built from ``scale.reflow_products``, ``reflow_categories``,
  ``reflow_orders``, ``reflow_users`` and ``reflow_plans``; the same arguments always give the
  same records. It follows :class:`~storeflow.sandbox._common.Store` (``reset``, ``state``,
  ``collections``, ``dump``, ``add_orders``).
* ``build_reflow_app(store, *, project_id: int, api_key: str, middlewares=()) ->
  web.Application`` — the API under ``/projects/{projectId}/...``, to be mounted at ``/v2``.

Behaviour, as the vendor's reference describes it:

* Plans, products (list, get) and categories are public; users, orders, product updates and
  any ``fetch_hidden=true`` need ``Authorization: Bearer <api_key>`` (401 otherwise). Another
  project id, an unknown id or handle, or a hidden product fetched without ``fetch_hidden=true``
  answer 404. Bad parameters and bodies answer 400 naming the parameter. Error bodies are
  ``{"error": "..."}``.
* Lists are newest first (products: ``date_desc`` unless ``order`` says otherwise) in Laravel's
  ``data``/``links``/``meta`` envelope; ``GET /plans/`` is ``{"data": [...]}`` (active plans
  only) and ``GET /categories/`` a bare array of categories, alphabetical and nested.
* Prices are integers in the currency's smallest unit; with ``currency="JPY"`` (zero-decimal)
  they are whole yen.

Orders are stored column-wise (``array`` columns of id, creation time, customer, and one byte
packing both statuses and both flags), sorted by creation time, and turned into JSON only when a
page asks for them, so a store of a million orders stays small and starts in about a second.
What a filter cannot ask about (line items, delivery address) is drawn from a generator seeded
with the order's position, so it is the same whenever it is built. Customers are numbered; a
customer's email address embeds the number, which is how ``customer_email`` finds them.
"""

from __future__ import annotations

import hmac
import html
import math
import random
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Container, Iterator, Sequence
from itertools import accumulate, compress
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Middleware
from attrs import define, frozen

from storeflow.reflow._params import ARGUMENTS
from storeflow.reflow.models import FulfillmentStatus, InventoryType, PaymentStatus, ProductOrder
from storeflow.sandbox import _data
from storeflow.sandbox._common import (
    Body,
    Clock,
    HTTPFailure,
    Params,
    Scale,
    error_body,
    json_response,
    newest_first,
    read_json_object,
)
from storeflow.sandbox._webhooks import Listener

__all__ = ["OrderFilters", "ReflowStore", "build_reflow_app"]

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
_INVENTORY: Final = tuple(kind.value for kind in InventoryType)
_ORDERINGS: Final = tuple(order.value for order in ProductOrder)
_PRODUCT_FIELDS: Final = ("name", "price", "inventory_type", "in_stock", "stock_quantity")
_ORDER_FIELDS: Final = (
    "payment_status",
    "fulfillment_status",
    "is_canceled",
    "is_archived",
    "delivery_information",
)
# The documented bounds, read from the client's generated rules so that none is typed twice.
_PER_PAGE: Final = ARGUMENTS["users_list"].rules["perpage"]
_IDS: Final = ARGUMENTS["products_list"].rules["ids"]
_NAME: Final = ARGUMENTS["products_update"].rules["name"]
_STOCK: Final = ARGUMENTS["products_update"].rules["stock_quantity"]
_ID_DIGITS: Final = 18
"""A longer id cannot be any record's id (ids are at most nine digits)."""
_EMAIL_RE: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CUSTOMER_NUMBER_RE: Final = re.compile(r"[^@]*?([0-9]+)@.+")
_DIGITS_RE: Final = re.compile(r"[0-9]+")
_IDS_RE: Final = re.compile(r"[0-9]+(,[0-9]+)*")
_LINKS_ON_EACH_SIDE: Final = 3
"""Laravel's default: page links shown on each side of the current page in ``meta.links``."""

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


# -- records ----------------------------------------------------------------------------------


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


_SORT_KEYS: Final = {
    "name": lambda p: p.name.casefold(),
    "price": lambda p: p.price,
    "date": lambda p: p.created,
    "custom": lambda p: p.custom_sort,
}


def _sorted(products: Sequence[_Product], clauses: Sequence[str]) -> list[_Product]:
    """``products`` in the order of ``clauses`` (``"custom_desc"``, ``"name_asc"``, ...).

    Python's sort is stable, so sorting by the last clause first and the first clause last
    sorts by each in turn; ties left by every clause keep the default order (newest first).
    """
    rows = sorted(products, key=lambda p: (p.created, p.id), reverse=True)
    for clause in reversed(clauses):
        field, direction = clause.rsplit("_", 1)
        rows.sort(key=_SORT_KEYS[field], reverse=direction == "desc")
    return rows


@frozen(kw_only=True)
class OrderFilters:
    """The documented filters of ``GET /orders/`` (``None``: not filtered)."""

    payment_status: str | None = None
    fulfillment_status: str | None = None
    is_canceled: bool | None = None
    is_archived: bool | None = None
    customer_email: str | None = None
    created_after: int | None = None
    created_before: int | None = None

    def state_table(self) -> bytes | None:
        """A ``bytes.translate`` table mapping each packed state to 1 if it passes, else 0."""
        checks = (
            self.payment_status,
            self.fulfillment_status,
            self.is_canceled,
            self.is_archived,
        )
        if all(check is None for check in checks):
            return None
        return bytes(int(self._passes(state)) for state in range(256))

    def _passes(self, state: int) -> bool:
        return (
            (self.payment_status is None or _PAYMENT[_payment(state)] == self.payment_status)
            and (
                self.fulfillment_status is None
                # The table covers all 256 bytes, including fulfilment codes 5-7 that no order has.
                or _FULFILLMENT[_fulfillment(state) % len(_FULFILLMENT)] == self.fulfillment_status
            )
            and (self.is_canceled is None or bool(state & _CANCELED_BIT) == self.is_canceled)
            and (self.is_archived is None or bool(state & _ARCHIVED_BIT) == self.is_archived)
        )


# -- the store --------------------------------------------------------------------------------


class ReflowStore:
    """The records of one Reflow project, seeded and mutable.

    ``ReflowStore(seed=..., scale=..., clock=..., currency="USD")``: the same arguments always
    give the same records (``currency`` is one of USD, EUR, GBP or the zero-decimal JPY;
    ``ValueError`` otherwise). The handlers of :func:`build_reflow_app` read and change it; tests
    read it through :meth:`dump` and add orders with :meth:`add_orders`. Lookups return ``None``
    when no such record exists. Not thread-safe: use it from the thread that runs the sandbox.
    """

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

    # -- the Store protocol ---------------------------------------------------------------------

    def reset(self) -> None:
        """Go back to the freshly seeded records."""
        self._build()

    def state(self) -> dict[str, Any]:
        """Record counts per collection, for ``GET /_admin/state``."""
        return {
            "products": len(self._products),
            "hidden_products": sum(p.hidden for p in self._products),
            "categories": len(self._categories),
            "orders": len(self._o_id),
            "users": len(self._u_id),
            "plans": len(self._plans),
            "active_plans": sum(not plan["is_archived"] for plan in self._plans),
        }

    def collections(self) -> tuple[str, ...]:
        """The collections :meth:`dump` knows."""
        return ("products", "categories", "orders", "users", "plans")

    def dump(self, collection: str) -> Iterator[dict[str, Any]]:
        """Every record of ``collection`` as the API lists it (same JSON, same order).

        Products: all of them, hidden ones included, newest first (``fetch_hidden=true``);
        categories: the nested tree of ``GET /categories/``; orders and users: newest first;
        plans: the active ones of ``GET /plans/``. Raises ``KeyError`` for an unknown collection.
        """
        if collection == "products":
            rows = self.list_products(include_hidden=True)
            return (self.product_json(p) for p in rows)
        if collection == "categories":
            return iter(self.category_tree())
        if collection == "orders":
            return (self.order_json(i) for i in range(len(self._o_id) - 1, -1, -1))
        if collection == "users":
            return (self._user_json(i) for i in range(len(self._u_id) - 1, -1, -1))
        if collection == "plans":
            return iter(self.active_plans())
        raise KeyError(collection)

    def add_orders(self, n: int) -> list[dict[str, Any]]:
        """Create ``n`` orders stamped with the clock's "now", as live sales would arrive.

        Returns the new orders as the API shows them (the newest last).
        """
        rng = self._live_rng
        first = len(self._o_id)
        for _ in range(n):
            last_created = self._o_created[-1] if self._o_created else 0
            last_id = self._o_id[-1] if self._o_id else self._first_order_id
            self._o_created.append(max(int(self.clock.now()), last_created))
            self._o_id.append(last_id + rng.randint(1, 256))
            self._o_customer.append(rng.randrange(self._customer_count))
            # A new sale: paid (or still pending), nothing shipped yet.
            self._o_state.append(_pack(0 if rng.random() < 0.2 else 1, 0, False, False))
        created = [self.order_json(i) for i in range(first, len(self._o_id))]
        if self.listener is not None:
            for order in created:
                self.listener("order.created", order)
        return created

    # -- seeding --------------------------------------------------------------------------------

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
                inventory_type="advanced" if advanced else "simple",
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

    # -- money ----------------------------------------------------------------------------------

    def money(self, amount: int) -> str:
        """``amount`` (smallest currency unit) as the API formats it: ``"$1,234.50"``."""
        return _money_format(amount, self.currency_code)

    # -- plans ----------------------------------------------------------------------------------

    def active_plans(self) -> list[dict[str, Any]]:
        """The plans that can be subscribed to, oldest first."""
        return [plan for plan in self._plans if not plan["is_archived"]]

    def get_plan(self, plan_id: int) -> dict[str, Any] | None:
        """A plan, active or archived."""
        return next((plan for plan in self._plans if plan["id"] == plan_id), None)

    # -- users ----------------------------------------------------------------------------------

    def user_count(self) -> int:
        """How many user accounts the project has."""
        return len(self._u_id)

    def users_page(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Users ``offset`` to ``offset + limit`` counted from the newest."""
        newest = len(self._u_id) - 1
        return [self._user_json(newest - k) for k in range(offset, min(offset + limit, newest + 1))]

    def get_user(self, user_id: int) -> dict[str, Any] | None:
        """A user account."""
        i = bisect_left(self._u_id, user_id)
        if i < len(self._u_id) and self._u_id[i] == user_id:
            return self._user_json(i)
        return None

    def _user_json(self, i: int) -> dict[str, Any]:
        rng = self._rng(f"user:{i}")
        user_id = self._u_id[i]
        name = _data.person_name(rng)
        provider = rng.choice(_PROVIDERS)
        meta: dict[str, Any] = {}
        if rng.random() < 0.4:
            meta["newsletter"] = rng.random() < 0.5
        if rng.random() < 0.3:
            meta["country"] = _data.country(rng)
        return {
            "object": "user",
            "id": user_id,
            "name": name,
            "email": _data.email(name, i, rng),
            "photo": f"{_CDN}/avatars/{user_id}.jpg" if provider != "email" else None,
            "provider": provider,
            "meta": meta,
            "created": self._u_created[i],
            "livemode": False,
        }

    # -- categories -----------------------------------------------------------------------------

    def category_tree(self, root: int | None = None) -> list[dict[str, Any]]:
        """Every category (or only ``root`` and its subcategories), alphabetical and nested.

        An unknown ``root`` gives ``[]``.
        """
        if root is None:
            return [self._category_json(c, nested=True) for c in self._category_roots]
        category = self._categories.get(root)
        return [] if category is None else [self._category_json(category, nested=True)]

    def get_category(self, ref: str) -> dict[str, Any] | None:
        """A category by id or handle, with its subcategories nested."""
        if _DIGITS_RE.fullmatch(ref):
            category = self._categories.get(int(ref)) if len(ref) <= _ID_DIGITS else None
        else:
            category_id = self._category_handles.get(ref)
            category = None if category_id is None else self._categories[category_id]
        return None if category is None else self._category_json(category, nested=True)

    def _category_json(self, category: _Category, *, nested: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "object": "category",
            "id": category.id,
            "handle": category.handle,
            "name": category.name,
            "description": category.description,
        }
        if nested:
            data["subcategories"] = [
                self._category_json(self._categories[c], nested=True) for c in category.children
            ]
        return data

    # -- products -------------------------------------------------------------------------------

    def list_products(
        self,
        *,
        search: str | None = None,
        category: int | None = None,
        ids: Sequence[int] | None = None,
        order: Sequence[str] = ("date_desc",),
        include_hidden: bool = False,
    ) -> list[_Product]:
        """The products passing every filter given, sorted by ``order``'s clauses in turn.

        ``search`` is a case-insensitive substring of the name, description or a SKU; an
        unknown ``category`` gives no products.
        """
        wanted = None if ids is None else set(ids)
        needle = search.casefold() if search else None
        rows = [
            p
            for p in self._products
            if (include_hidden or not p.hidden)
            and (category is None or category in p.categories)
            and (wanted is None or p.id in wanted)
            and (needle is None or p.matches(needle))
        ]
        return _sorted(rows, order)

    def find_product(self, ref: str) -> _Product | None:
        """A product by id or handle, hidden or not."""
        if _DIGITS_RE.fullmatch(ref):
            return self._product_by_id.get(int(ref)) if len(ref) <= _ID_DIGITS else None
        return self._product_by_handle.get(ref)

    def update_product(self, product: _Product, fields: dict[str, Any]) -> dict[str, Any]:
        """Apply checked ``fields`` (see :func:`_product_update`) and return the new JSON."""
        if "inventory_type" in fields:
            was_in_stock = self._in_stock(product)
            product.inventory_type = fields["inventory_type"]
            # Switching to simple keeps what the shop could sell; advanced keeps its count.
            product.in_stock = was_in_stock
        for name in ("name", "price", "in_stock"):
            if name in fields:
                setattr(product, name, fields[name])
        if "stock_quantity" in fields:
            product.stock_quantity = fields["stock_quantity"]
        if self.listener is not None:
            self.listener("products.changed", {"action": "update", "items": [product.id]})
        return self.product_json(product)

    @staticmethod
    def _in_stock(product: _Product) -> bool:
        if product.inventory_type == "advanced":
            return product.stock_quantity > 0
        return product.in_stock

    def product_json(self, product: _Product) -> dict[str, Any]:
        """The product as the API sends it."""
        prices = [v.price for v in product.variants] or [product.price]
        low, high = min(prices), max(prices)
        media = [self._media_json(product.id, media_id, kind) for media_id, kind in product.media]
        image = next((m["src"] for m in media if m["type"] == "image"), None)
        advanced = product.inventory_type == "advanced"
        return {
            "object": "product",
            "id": product.id,
            "name": product.name,
            "handle": product.handle,
            "excerpt": product.excerpt,
            "description": product.description,
            "description_html": f"<p>{html.escape(product.description)}</p>",
            "promo_badge": product.promo_badge,
            "currency": dict(self.currency),
            "price": product.price,
            "price_formatted": self.money(product.price),
            "price_range": [low, high],
            "price_range_formatted": (
                self.money(low) if low == high else f"{self.money(low)} - {self.money(high)}"
            ),
            "image": dict(image) if image is not None else None,
            "media": media,
            "variants": {
                "enabled": bool(product.variants),
                "option_name": product.option_name,
                "items": [self._variant_json(v, product.on_sale) for v in product.variants],
            },
            "categories": [
                self._category_json(self._categories[c], nested=False) for c in product.categories
            ],
            "inventory_type": product.inventory_type,
            "in_stock": self._in_stock(product),
            "available_quantity": product.stock_quantity if advanced else None,
            "personalization": self._personalization_json(product),
            "min_quantity": 1,
            "max_quantity": product.max_quantity,
            "on_sale": self._on_sale_json(product.price, product.on_sale),
            "sku": product.sku,
            "created": product.created,
            "livemode": False,
        }

    def _personalization_json(self, product: _Product) -> dict[str, Any]:
        # The object the vendor's own fixtures show: a switch and the fields a buyer fills in.
        items = [
            {
                "id": f"{product.id}_gift",
                "name": "Gift message",
                "type": "text",
                "required": False,
                "min": 0,
                "max": 140,
                "dropdownOptions": None,
                "filetypes": None,
                "price": 0,
                "price_formatted": self.money(0),
                "instructions": "Printed on the card that comes with the order.",
            }
        ]
        return {
            "enabled": product.personalization,
            "items": items if product.personalization else [],
        }

    def _on_sale_json(self, price: int, on_sale: bool) -> dict[str, Any]:
        original = _original_price(price) if on_sale else None
        return {
            "enabled": on_sale,
            "original_price": original,
            "original_price_formatted": None if original is None else self.money(original),
        }

    def _variant_json(self, variant: _Variant, on_sale: bool) -> dict[str, Any]:
        original = _original_price(variant.price) if on_sale else None
        return {
            # Variant ids are strings in the vendor's fixtures ("199976733_s").
            "id": f"{variant.id}_{variant.sku.rsplit('-', 1)[-1]}",
            "sku": variant.sku,
            "name": variant.name,
            "price": variant.price,
            "price_formatted": self.money(variant.price),
            "in_stock": variant.in_stock if variant.quantity is None else variant.quantity > 0,
            "quantity": variant.quantity,
            "original_price": original,
            "original_price_formatted": None if original is None else self.money(original),
        }

    @staticmethod
    def _media_json(product_id: int, media_id: int, kind: str) -> dict[str, Any]:
        if kind == "video":
            return {"id": media_id, "type": "video", "src": None,
                    "url": f"{_CDN}/products/{product_id}/{media_id}.mp4"}  # fmt: skip
        base = f"{_CDN}/products/{product_id}/{media_id}"
        src = {size: f"{base}-{size}.webp" for size in ("sm", "md", "lg")}
        return {"id": media_id, "type": "image", "src": src, "url": None}

    # -- orders ---------------------------------------------------------------------------------

    def order_rows(self, filters: OrderFilters) -> Sequence[int]:
        """The positions of the orders passing ``filters``, oldest first."""
        created = self._o_created
        lo = 0 if filters.created_after is None else bisect_right(created, filters.created_after)
        hi = len(created)
        if filters.created_before is not None:
            hi = bisect_left(created, filters.created_before)
        rows: Sequence[int] = range(lo, max(lo, hi))
        table = filters.state_table()
        if table is not None and rows:
            rows = list(compress(rows, self._o_state[lo:hi].translate(table)))
        if filters.customer_email is not None:
            customer = self._customer_number(filters.customer_email)
            column = self._o_customer
            rows = [] if customer is None else [i for i in rows if column[i] == customer]
        return rows

    def find_order(self, order_id: int) -> int | None:
        """The position of the order ``order_id``."""
        i = bisect_left(self._o_id, order_id)
        return i if i < len(self._o_id) and self._o_id[i] == order_id else None

    def update_order(self, position: int, fields: dict[str, Any]) -> dict[str, Any]:
        """Apply checked ``fields`` (see :func:`_order_update`) and return the new JSON."""
        state = self._o_state[position]
        payment, fulfillment = _payment(state), _fulfillment(state)
        canceled, archived = bool(state & _CANCELED_BIT), bool(state & _ARCHIVED_BIT)
        if "payment_status" in fields:
            payment = _PAYMENT.index(fields["payment_status"])
        if "fulfillment_status" in fields:
            fulfillment = _FULFILLMENT.index(fields["fulfillment_status"])
        canceled = fields.get("is_canceled", canceled)
        archived = fields.get("is_archived", archived)
        self._o_state[position] = _pack(payment, fulfillment, canceled, archived)
        if "delivery_information" in fields:
            self._o_delivery[position] = fields["delivery_information"]
        order = self.order_json(position)
        if self.listener is not None:
            self.listener("order.updated", order)
        return order

    def _customer(self, number: int) -> dict[str, str]:
        rng = self._rng(f"customer:{number}")
        name = _data.person_name(rng)
        return {"name": name, "email": _data.email(name, number, rng)}

    def _customer_number(self, email: str) -> int | None:
        # Customer emails embed the customer's number just before the "@".
        match = _CUSTOMER_NUMBER_RE.fullmatch(email)
        if match is None or len(match[1]) > _ID_DIGITS:
            return None
        number = int(match[1])
        if number >= self._customer_count:
            return None
        return number if self._customer(number)["email"].lower() == email.lower() else None

    def order_json(self, i: int) -> dict[str, Any]:
        """The order at position ``i`` (as :meth:`order_rows` gives it) as the API sends it."""
        rng = self._rng(f"order:{i}")
        state = self._o_state[i]
        customer = self._customer(self._o_customer[i])
        items: list[dict[str, Any]] = []
        subtotal = 0
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3)) if self._products else 0):
            product = self._products[rng.randrange(len(self._products))]
            name, price = product.sold_as
            quantity = rng.choice((1, 1, 1, 2, 3))
            items.append(
                {
                    "product_id": product.id,
                    "name": name,
                    "quantity": quantity,
                    "price": price,
                    "price_formatted": self.money(price),
                }
            )
            subtotal += price * quantity
        shipping = rng.choice((0, 0, 500, 800, 1500))
        delivery = None
        if shipping:
            delivery = (
                f"{customer['name']}, {rng.randint(1, 240)} {rng.choice(_STREETS)}, "
                f"{rng.choice(_CITIES)} {rng.randint(10_000, 99_999)}, {_data.country(rng)}"
            )
        delivery = self._o_delivery.get(i, delivery)
        total = subtotal + shipping
        return {
            "object": "order",
            "id": self._o_id[i],
            "created": self._o_created[i],
            "payment_status": _PAYMENT[_payment(state)],
            "fulfillment_status": _FULFILLMENT[_fulfillment(state)],
            "is_canceled": bool(state & _CANCELED_BIT),
            "is_archived": bool(state & _ARCHIVED_BIT),
            "customer": customer,
            "delivery_information": delivery,
            "livemode": False,
            "currency": dict(self.currency),
            "line_items": items,
            "subtotal": subtotal,
            "shipping": shipping,
            "total": total,
            "total_formatted": self.money(total),
        }


# -- the HTTP layer ---------------------------------------------------------------------------


@frozen(kw_only=True)
class _Project:
    store: ReflowStore
    project_id: int
    api_key: str


_PROJECT: Final = web.AppKey("storeflow_reflow_project", _Project)


def _not_found(what: str) -> HTTPFailure:
    return HTTPFailure(404, error_body(f"{what} not found"))


def _project(request: web.Request) -> _Project:
    """The project the path names. Raises HTTPFailure(404) for any other project id."""
    project = request.app[_PROJECT]
    if request.match_info["projectId"] != str(project.project_id):
        raise _not_found("Project")
    return project


def _authenticate(request: web.Request, project: _Project) -> None:
    """Raises HTTPFailure(401) unless the request carries the project's API key (never echoed)."""
    header = request.headers.get("Authorization")
    if header is None:
        raise HTTPFailure(
            401, error_body("This endpoint needs an API key: send 'Authorization: Bearer <key>'")
        )
    scheme, _, key = header.strip().partition(" ")
    sent = key.strip().encode("utf-8", "surrogateescape")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent, project.api_key.encode()):
        raise HTTPFailure(401, error_body("Invalid API key"))


def _path_id(request: web.Request, name: str, what: str) -> int:
    """An integer id from the path; anything else cannot name a record (404)."""
    text = request.match_info[name]
    if not _DIGITS_RE.fullmatch(text) or len(text) > _ID_DIGITS:
        raise _not_found(what)
    return int(text)


def _paging(params: Params) -> tuple[int, int]:
    page = params.integer("page", minimum=1)
    # Page numbers from 1 are the sandbox's own rule (the reference states no bound).
    per_page = params.integer("perpage", minimum=_PER_PAGE.minimum, maximum=_PER_PAGE.maximum)
    return page or 1, per_page or 20


def _page_numbers(current: int, last: int) -> list[int | None]:
    """The numbered links of Laravel's ``meta.links`` (``None`` for a "..." gap)."""
    each = _LINKS_ON_EACH_SIDE
    window = each + 4
    if last < each * 2 + 8:
        return list(range(1, last + 1))
    if current <= window:
        return [*range(1, window + each + 1), None, last - 1, last]
    if current > last - window:
        return [1, 2, None, *range(last - (window + each - 1), last + 1)]
    return [1, 2, None, *range(current - each, current + each + 1), None, last - 1, last]


def _envelope(
    request: web.Request, data: list[dict[str, Any]], *, total: int, page: int, per_page: int
) -> dict[str, Any]:
    """Laravel's paginated answer: ``data``, ``links`` and ``meta``, links keeping the query."""
    last = max(1, math.ceil(total / per_page))
    path = request.url.with_query(None)
    kept = [(k, v) for k, v in request.query.items() if k != "page"]

    def url(n: int) -> str:
        return str(path.with_query([*kept, ("page", str(n))]))

    prev_url = url(page - 1) if page > 1 else None
    next_url = url(page + 1) if page < last else None
    first_item = (page - 1) * per_page + 1 if data else None
    meta_links: list[dict[str, Any]] = [
        {"url": prev_url, "label": "&laquo; Previous", "active": False}
    ]
    for n in _page_numbers(page, last):
        if n is None:
            meta_links.append({"url": None, "label": "...", "active": False})
        else:
            meta_links.append({"url": url(n), "label": str(n), "active": n == page})
    meta_links.append({"url": next_url, "label": "Next &raquo;", "active": False})
    return {
        "data": data,
        "links": {"first": url(1), "last": url(last), "prev": prev_url, "next": next_url},
        "meta": {
            "current_page": page,
            "from": first_item,
            "last_page": last,
            "links": meta_links,
            "path": str(path),
            "per_page": per_page,
            "to": None if first_item is None else first_item + len(data) - 1,
            "total": total,
        },
    }


async def _plans_list(request: web.Request) -> web.Response:
    return json_response({"data": _project(request).store.active_plans()})


async def _plans_get(request: web.Request) -> web.Response:
    store = _project(request).store
    plan = store.get_plan(_path_id(request, "planId", "Plan"))
    if plan is None:
        raise _not_found("Plan")
    return json_response(plan)


async def _users_list(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    page, per_page = _paging(Params(request.query, error_body))
    store = project.store
    data = store.users_page((page - 1) * per_page, per_page)
    return json_response(
        _envelope(request, data, total=store.user_count(), page=page, per_page=per_page)
    )


async def _users_get(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    user = project.store.get_user(_path_id(request, "userId", "User"))
    if user is None:
        raise _not_found("User")
    return json_response(user)


def _fetch_hidden(request: web.Request, project: _Project, params: Params) -> bool:
    """The ``fetch_hidden`` parameter; ``true`` needs the API key (HTTPFailure 400/401)."""
    fetch_hidden = params.bool_string("fetch_hidden", False)
    if fetch_hidden:
        _authenticate(request, project)
    return bool(fetch_hidden)


def _product_query(params: Params) -> dict[str, Any]:
    """The checked filters and order of ``GET /products/``. Raises HTTPFailure(400)."""
    query: dict[str, Any] = {
        "category": params.integer("category"),
        "search": params.string("search"),
    }
    ids = params.string("ids", pattern=_IDS_RE, rule="must be a comma-separated list of ids")
    if ids is not None:
        parts = ids.split(",")
        if _IDS.max_items is not None and len(parts) > _IDS.max_items:
            raise params.fail(f"ids must list at most {_IDS.max_items} ids")
        # A longer number cannot be an id: keep it out of the match without overflowing.
        query["ids"] = [int(part) if len(part) <= _ID_DIGITS else -1 for part in parts]
    order = params.raw("order")
    if order is not None:
        clauses = order.split(",")
        if not all(clause in _ORDERINGS for clause in clauses):
            raise params.fail(
                f"order must be one of {', '.join(_ORDERINGS)}, or several joined with commas"
            )
        query["order"] = clauses
    return query


async def _products_list(request: web.Request) -> web.Response:
    project = _project(request)
    params = Params(request.query, error_body)
    page, per_page = _paging(params)
    query = _product_query(params)
    include_hidden = _fetch_hidden(request, project, params)
    store = project.store
    rows = store.list_products(include_hidden=include_hidden, **query)
    offset = (page - 1) * per_page
    data = [store.product_json(p) for p in rows[offset : offset + per_page]]
    return json_response(_envelope(request, data, total=len(rows), page=page, per_page=per_page))


def _found_product(request: web.Request, store: ReflowStore, *, hidden_ok: bool) -> _Product:
    product = store.find_product(request.match_info["product"])
    if product is None or (product.hidden and not hidden_ok):
        raise _not_found("Product")
    return product


async def _products_get(request: web.Request) -> web.Response:
    project = _project(request)
    include_hidden = _fetch_hidden(request, project, Params(request.query, error_body))
    product = _found_product(request, project.store, hidden_ok=include_hidden)
    return json_response(project.store.product_json(product))


async def _product_update(request: web.Request, product: _Product) -> dict[str, Any]:
    """The checked body of a product update. Raises HTTPFailure(400) naming the problem."""
    body = Body(await read_json_object(request, error_body), error_body)
    body.not_empty()
    body.only(*_PRODUCT_FIELDS)
    checked = {
        "name": body.string("name", min_length=_NAME.min_length, max_length=_NAME.max_length),
        # Non-negative prices are the sandbox's own rule (the reference says only "integer").
        "price": body.integer("price", minimum=0),
        "inventory_type": body.enum("inventory_type", _INVENTORY),
        "in_stock": body.boolean("in_stock"),
        "stock_quantity": body.integer(
            "stock_quantity", minimum=_STOCK.minimum, maximum=_STOCK.maximum
        ),
    }
    fields = {name: value for name, value in checked.items() if value is not None}
    inventory = fields.get("inventory_type", product.inventory_type)
    if "in_stock" in fields and inventory != "simple":
        raise body.fail("in_stock applies only to products whose inventory_type is simple")
    if "stock_quantity" in fields and inventory != "advanced":
        raise body.fail("stock_quantity applies only to products whose inventory_type is advanced")
    return fields


async def _products_update(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    product = _found_product(request, project.store, hidden_ok=True)
    fields = await _product_update(request, product)
    return json_response(project.store.update_product(product, fields))


async def _categories_list(request: web.Request) -> web.Response:
    store = _project(request).store
    root = Params(request.query, error_body).integer("root-category")
    tree = store.category_tree(root)
    if root is not None and not tree:
        raise _not_found("Category")
    return json_response(tree)


async def _categories_get(request: web.Request) -> web.Response:
    category = _project(request).store.get_category(request.match_info["category"])
    if category is None:
        raise _not_found("Category")
    return json_response(category)


def _order_filters(params: Params) -> OrderFilters:
    """The checked filters of ``GET /orders/``. Raises HTTPFailure(400)."""
    return OrderFilters(
        payment_status=params.enum("payment_status", _PAYMENT),
        fulfillment_status=params.enum("fulfillment_status", _FULFILLMENT),
        is_canceled=params.bool_string("is_canceled"),
        is_archived=params.bool_string("is_archived"),
        customer_email=params.string(
            "customer_email", pattern=_EMAIL_RE, rule="must be a valid email address"
        ),
        created_after=params.integer("created_after"),
        created_before=params.integer("created_before"),
    )


async def _orders_list(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    params = Params(request.query, error_body)
    page, per_page = _paging(params)
    store = project.store
    rows = store.order_rows(_order_filters(params))
    data = [store.order_json(i) for i in newest_first(rows, page, per_page)]
    return json_response(_envelope(request, data, total=len(rows), page=page, per_page=per_page))


def _found_order(request: web.Request, store: ReflowStore) -> int:
    position = store.find_order(_path_id(request, "orderId", "Order"))
    if position is None:
        raise _not_found("Order")
    return position


async def _orders_get(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    return json_response(project.store.order_json(_found_order(request, project.store)))


def _flag(body: Body, name: str) -> bool | None:
    # The reference spells these "string, true or false": take the strings as well as booleans.
    value = body.data.get(name)
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return body.boolean(name)


async def _order_update(request: web.Request) -> dict[str, Any]:
    """The checked body of an order update. Raises HTTPFailure(400) naming the problem."""
    body = Body(await read_json_object(request, error_body), error_body)
    body.not_empty()
    body.only(*_ORDER_FIELDS)
    checked = {
        "payment_status": body.enum("payment_status", _PAYMENT),
        "fulfillment_status": body.enum("fulfillment_status", _FULFILLMENT),
        "is_canceled": _flag(body, "is_canceled"),
        "is_archived": _flag(body, "is_archived"),
        "delivery_information": body.string("delivery_information"),
    }
    return {name: value for name, value in checked.items() if value is not None}


async def _orders_update(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    position = _found_order(request, project.store)
    fields = await _order_update(request)
    return json_response(project.store.update_order(position, fields))


def build_reflow_app(
    store: ReflowStore,
    *,
    project_id: int,
    api_key: str,
    middlewares: Sequence[Middleware] = (),
) -> web.Application:
    """The Reflow API of the project ``project_id`` as an aiohttp application.

    Routes are ``/projects/{projectId}/...`` (mount the app at ``/v2``); the list endpoints
    answer with and without their trailing slash. ``api_key`` opens the endpoints that need
    one. ``middlewares`` run around every handler; handlers raise
    :class:`~storeflow.sandbox._common.HTTPFailure` for error answers, which the sandbox's
    middleware turns into responses.
    """
    app = web.Application(middlewares=middlewares)
    app[_PROJECT] = _Project(store=store, project_id=project_id, api_key=api_key)
    routes = app.router
    base = "/projects/{projectId}"
    for collection, list_handler in (
        ("plans", _plans_list),
        ("users", _users_list),
        ("products", _products_list),
        ("categories", _categories_list),
        ("orders", _orders_list),
    ):
        routes.add_get(f"{base}/{collection}/", list_handler)
        routes.add_get(f"{base}/{collection}", list_handler)
    routes.add_get(f"{base}/plans/{{planId}}", _plans_get)
    routes.add_get(f"{base}/users/{{userId}}", _users_get)
    routes.add_get(f"{base}/products/{{product}}", _products_get)
    routes.add_post(f"{base}/products/{{product}}", _products_update)
    routes.add_get(f"{base}/categories/{{category}}", _categories_get)
    routes.add_get(f"{base}/orders/{{orderId}}", _orders_get)
    routes.add_post(f"{base}/orders/{{orderId}}", _orders_update)
    return app
