"""The Reflow simulator's store: the queries and changes the handlers call.

:class:`ReflowStore` follows :class:`~storeflow.sandbox._stores.Store` (``reset``, ``state``,
``collections``, ``dump``, ``add_orders``) and offers one method per thing an endpoint reads or
changes: active plans, users by page, the category tree, products filtered and sorted
(:func:`_sorted`, ``date_desc`` unless ``order`` says otherwise), orders filtered by
:class:`OrderFilters` (one ``bytes.translate`` over the packed state column) and updates of
products and orders, each telling the store's ``listener`` when the vendor sends a webhook.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import compress
from typing import Any, Final

from attrs import frozen

from storeflow.sandbox.reflow._render import ReflowRecords
from storeflow.sandbox.reflow._seed import (
    _ARCHIVED_BIT,
    _CANCELED_BIT,
    _DIGITS_RE,
    _FULFILLMENT,
    _ID_DIGITS,
    _PAYMENT,
    _fulfillment,
    _pack,
    _payment,
    _Product,
)

_CUSTOMER_NUMBER_RE: Final = re.compile(r"[^@]*?([0-9]+)@.+")

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
    """Only orders whose payment status is this one."""
    fulfillment_status: str | None = None
    """Only orders whose fulfilment status is this one."""
    is_canceled: bool | None = None
    """Only canceled orders (``True``) or only the others (``False``)."""
    is_archived: bool | None = None
    """Only archived orders (``True``) or only the others (``False``)."""
    customer_email: str | None = None
    """Only the orders of the customer with this email (none when no customer has it)."""
    created_after: int | None = None
    """Only orders created strictly after this unix time (seconds)."""
    created_before: int | None = None
    """Only orders created strictly before this unix time (seconds)."""

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


class ReflowStore(ReflowRecords):
    """The records of one Reflow project, seeded and mutable.

    ``ReflowStore(seed=..., scale=..., clock=..., currency="USD")``: the same arguments always
    give the same records (``currency`` is one of USD, EUR, GBP or the zero-decimal JPY;
    ``ValueError`` otherwise). The handlers of :func:`build_reflow_app` read and change it; tests
    read it through :meth:`dump` and add orders with :meth:`add_orders`. Lookups return ``None``
    when no such record exists. Not thread-safe: use it from the thread that runs the sandbox.
    """

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

    def active_plans(self) -> list[dict[str, Any]]:
        """The plans that can be subscribed to, oldest first."""
        return [plan for plan in self._plans if not plan["is_archived"]]

    def get_plan(self, plan_id: int) -> dict[str, Any] | None:
        """A plan, active or archived."""
        return next((plan for plan in self._plans if plan["id"] == plan_id), None)

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

    def _customer_number(self, email: str) -> int | None:
        # Customer emails embed the customer's number just before the "@".
        match = _CUSTOMER_NUMBER_RE.fullmatch(email)
        if match is None or len(match[1]) > _ID_DIGITS:
            return None
        number = int(match[1])
        if number >= self._customer_count:
            return None
        return number if self._customer(number)["email"].lower() == email.lower() else None
