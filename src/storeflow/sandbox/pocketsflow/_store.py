"""The Pocketsflow simulator's store: the queries and changes the handlers call.

:class:`PocketsflowStore` follows :class:`~storeflow.sandbox._stores.Store` (``reset``,
``state``, ``collections``, ``dump``, ``add_orders``) and offers one method per thing an
endpoint reads or changes; each change that the vendor announces by webhook tells the store's
``listener``. A customer is a distinct buyer; ``numberOfOrders`` counts their orders and a
discount's ``used`` counts the orders that carried its code (orders show it as
``discountCode``).
"""

from __future__ import annotations

import datetime as dt
import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from copy import copy
from typing import Any, Final

from storeflow.pocketsflow.models import SubscriptionStatus
from storeflow.sandbox._stores import newest_first
from storeflow.sandbox.pocketsflow._render import PocketsflowRecords, _pagination, _public
from storeflow.sandbox.pocketsflow._seed import _DAY_MS, _MAX_ORDERS, _cents, _iso_ms, _money

# A created record's fields in the order the API shows them, with the value of each one the
# request may leave out (the required ones, ``None`` here, are always sent).
_NEW_PRODUCT: Final[Mapping[str, Any]] = {
    "name": None,
    "price": None,
    "description": None,
    "published": True,
    "showSales": False,
    "showReviews": True,
}
_NEW_DISCOUNT: Final[Mapping[str, Any]] = {
    "name": None,
    "code": None,
    "value": None,
    "valueType": None,
    "active": True,
    "mainProductIds": [],
}


class PocketsflowStore(PocketsflowRecords):
    """The records of one Pocketsflow dataset (the test or the live one), seeded and mutable.

    ``PocketsflowStore(seed=..., scale=..., clock=..., mode="test")``: the same arguments always
    give the same records. The handlers of :func:`build_pocketsflow_app` read and change it;
    tests read it through :meth:`dump` and change it with :meth:`add_orders`. The methods that
    take an id return ``None`` (or ``False``) when no such record exists. Not thread-safe: use
    it from the thread that runs the sandbox.
    """

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

    def list_products(self) -> list[dict[str, Any]]:
        """Every product, oldest first, with its variants."""
        return [self._product(p) for p in self._products.values()]

    def get_product(self, product_id: str) -> dict[str, Any] | None:
        """The product ``product_id`` with its variants."""
        return _shown(self._products.get(product_id), self._product)

    def create_product(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create a product from checked ``fields`` (name, price and optional flags)."""
        ms = int(self.clock.now() * 1000)
        return self._product(self._insert_product(ms, **_filled(fields, _NEW_PRODUCT)))

    def update_product(self, product_id: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """Change the given fields of a product; its orders show its new name."""
        return _shown(_changed(self._products, product_id, fields), self._product)

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

    def list_discounts(self) -> list[dict[str, Any]]:
        """Every discount, oldest first, with its ``used`` count."""
        return [self._discount(d) for d in self._discounts.values()]

    def get_discount(self, discount_id: str) -> dict[str, Any] | None:
        """One discount."""
        return _shown(self._discounts.get(discount_id), self._discount)

    def create_discount(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Create a discount from checked ``fields``."""
        now = self.clock.now()
        return self._discount(self._insert_discount(now, **_filled(fields, _NEW_DISCOUNT)))

    def update_discount(self, discount_id: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
        """Change the given fields of a discount (its ``used`` count stays)."""
        return _shown(_changed(self._discounts, discount_id, fields), self._discount)

    def delete_discount(self, discount_id: str) -> bool:
        """Delete a discount; orders that used it keep showing its code."""
        return self._discounts.pop(discount_id, None) is not None

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
        return _changed(self._upsells, upsell_id, fields)

    def delete_upsell(self, upsell_id: str) -> bool:
        """Delete an upsell (its past sales remain)."""
        return self._upsells.pop(upsell_id, None) is not None

    def user(self) -> dict[str, Any]:
        """The account's profile."""
        return dict(self._user)

    def update_user(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Change the given settings of the profile."""
        self._user.update(fields)
        return dict(self._user)

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
        return _shown(self._subscriptions.get(subscription_id), _public)

    def cancel_subscription(self, subscription_id: str) -> dict[str, Any] | None:
        """Cancel an active subscription; a cancelled or refunded one is left as it is."""
        subscription = self._subscriptions.get(subscription_id)
        if subscription is None:
            return None
        if subscription["status"] == SubscriptionStatus.ACTIVE:
            subscription["status"] = SubscriptionStatus.CANCELED.value
            subscription["canceledAt"] = _iso_ms(int(self.clock.now() * 1000))
            if self.listener is not None:
                self.listener("customer.subscription.deleted", _public(subscription))
        return _public(subscription)

    def refund_subscription(self, subscription_id: str) -> dict[str, Any] | None:
        """Refund a subscription (ending it). Raises ``ValueError`` if it already was refunded."""
        subscription = self._subscriptions.get(subscription_id)
        if subscription is None:
            return None
        if subscription["status"] == SubscriptionStatus.REFUNDED:
            raise ValueError("the subscription was already refunded")
        now = _iso_ms(int(self.clock.now() * 1000))
        was_active = subscription["status"] == SubscriptionStatus.ACTIVE
        subscription["status"] = SubscriptionStatus.REFUNDED.value
        subscription["refundedAt"] = now
        subscription["currentPeriodEnd"] = None
        if subscription["canceledAt"] is None:
            subscription["canceledAt"] = now
        if self.listener is not None:
            # A refund ends an active subscription; a cancelled one only changes.
            event = "deleted" if was_active else "updated"
            self.listener(f"customer.subscription.{event}", _public(subscription))
        return _public(subscription)


def _shown(
    record: dict[str, Any] | None, render: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any] | None:
    """``record`` as the API shows it, or ``None`` when there is none."""
    return None if record is None else render(record)


def _changed(
    table: Mapping[str, dict[str, Any]], key: str, fields: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The record ``key`` of ``table`` with ``fields`` written into it (``None``: no record)."""
    record = table.get(key)
    if record is not None:
        record.update(fields)
    return record


def _filled(fields: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of ``defaults``, in its order: as sent in ``fields``, else a copy of the
    default."""
    return {
        name: fields[name] if name in fields else copy(value) for name, value in defaults.items()
    }


def _day_ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)
