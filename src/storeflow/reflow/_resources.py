"""The typed methods of the Reflow API, one resource class per group of endpoints.

Every method checks its arguments before sending (:class:`~storeflow.errors.ValidationError`
names the argument and the rule) and returns the generated models of
:mod:`storeflow.reflow.models`; paginated lists return a :class:`~storeflow.Page` and have an
``iter(...)`` that walks every page.

Conventions:

- Only what the reference states is checked before sending (the generated rules of
  :mod:`storeflow.reflow._params`: ``per_page`` 1-100, at most 100 ``ids``, ``name`` 1-128
  characters, ``stock_quantity`` 0-100,000, ``price`` an integer, the documented enums); every
  other rule is the server's, and its 400 comes back as :class:`~storeflow.errors.BadRequestError`.
- Ids are an ``int`` or the same digits as a ``str`` (``"13156819"``); products and categories
  are also addressed by handle (a non-empty ``str``). Path values are percent-encoded. Any other
  id (or an empty handle) raises ValidationError before sending.
- Prices are ``int`` in the currency's smallest unit (1000 is $10.00, 500 is ¥500), as the API
  sends them. Floats, bools and Decimals are refused rather than guessed at.
- Flags (``fetch_hidden``, ``is_canceled``, ``is_archived``) are ``True``/``False`` or the
  strings ``"true"``/``"false"`` the reference shows.
- Update methods send only the fields given: ``None`` (the default) leaves a field unchanged.
  The reference asks for "one or more" fields, so an update with none raises ValidationError
  before anything is sent.
- Plans, products and categories are public: they work without an API key (and send the key
  when the client has one). The other endpoints, and ``fetch_hidden=True``, need the key.

Every method may also raise what :meth:`storeflow._transport.Transport.call` raises:
:class:`~storeflow.errors.AuthenticationError` (401), :class:`~storeflow.errors.NotFoundError`
(404), other :class:`~storeflow.errors.APIError` subclasses, ``ConnectionError`` and
``TimeoutError`` from :mod:`storeflow.errors`, and :class:`~storeflow.errors.DecodeError`;
and ValidationError when an endpoint that needs the key (or ``fetch_hidden=True``) is called by a
client without one.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from storeflow import _validate as check
from storeflow._resource import Envelope, Filters, Resource, operation
from storeflow.errors import ValidationError
from storeflow.pagination import DEFAULT_CONCURRENCY, Listing, Page
from storeflow.reflow._operations import OPERATIONS
from storeflow.reflow._params import (
    ARGUMENTS,
    FulfillmentStatusLiteral,
    InventoryTypeLiteral,
    PaymentStatusLiteral,
    ProductOrderLiteral,
)
from storeflow.reflow.models import (
    Category,
    FulfillmentStatus,
    InventoryType,
    Order,
    OrderPage,
    OrderUpdate,
    PaymentStatus,
    Plan,
    PlanList,
    Product,
    ProductOrder,
    ProductPage,
    ProductUpdate,
    User,
    UserPage,
)

__all__ = ["Categories", "Orders", "Plans", "Products", "Users"]

PER_PAGE_MAX: Final = check.maximum(ARGUMENTS["users_list"].rules["perpage"])
"""The largest ``per_page`` the API allows (the schema's, from the reference)."""

Sort: TypeAlias = (
    ProductOrder | ProductOrderLiteral | str | Iterable[ProductOrder | ProductOrderLiteral]
)
"""A product sort order: one clause, several joined with commas, or several applied in turn."""

Id: TypeAlias = int | str
"""An integer id, or the same digits as a string (``13156819`` or ``"13156819"``)."""

Flag: TypeAlias = bool | Literal["true", "false"]
"""A flag as ``True``/``False`` or as the reference spells it (``"true"``/``"false"``)."""

Timestamp: TypeAlias = int | float | dt.datetime
"""Unix seconds (``int`` or ``float``) or a timezone-aware ``datetime``."""

_arg: Final = functools.partial(check.argument, ARGUMENTS)

# The lists of the API, each declared once (see storeflow.pagination). Paginated ones are asked
# for `page` and `perpage` and answer with a `meta` block (which may be missing).
_PLANS: Final = Listing(
    name="plans", operation=OPERATIONS["plans_list"], id_field="id", items="data"
)
_CATEGORIES: Final = Listing(
    name="categories", operation=OPERATIONS["categories_list"], id_field="id", tree="subcategories"
)
_USERS: Final = Listing(
    name="users",
    operation=OPERATIONS["users_list"],
    id_field="id",
    items="data",
    envelope="reflow",
    size_param="perpage",
    page_size=PER_PAGE_MAX,
)
_PRODUCTS: Final = attrs.evolve(
    _USERS, name="products", operation=OPERATIONS["products_list"], reveal="fetch_hidden"
)
_ORDERS: Final = attrs.evolve(
    _USERS, name="orders", operation=OPERATIONS["orders_list"], bound="unix"
)


class _Resource(Resource):
    api = "reflow"
    _operations = OPERATIONS
    _arguments = ARGUMENTS
    _page_size_name = "per_page"

    @staticmethod
    def _envelope(result: Any) -> Envelope:
        meta = result.meta
        if meta is None:
            return None, None, None, None
        return meta.current_page, meta.per_page, meta.total, meta.last_page


class Plans(_Resource):
    """Subscription plans (``rf.plans``). Public."""

    listing = _PLANS

    @operation("plans_list")
    async def list(self) -> builtins.list[Plan]:
        """Return every active plan, with its prices."""
        return (await self._read("plans_list", PlanList)).data

    @operation("plans_get")
    async def get(self, plan_id: Id) -> Plan:
        """Return the plan ``plan_id``, active or not; NotFoundError when there is none."""
        return await self._read("plans_get", Plan, ("planId", "plan_id", plan_id))


class Users(_Resource):
    """User accounts of the project (``rf.users``), newest first. Needs the API key."""

    listing = _USERS

    @operation("users_list")
    async def list(self, *, page: int = 1, per_page: int = 20) -> Page[User]:
        """Return one page of user accounts, newest first.

        Raises ValidationError for a non-integer ``page`` or ``per_page`` outside 1-100.
        """
        return await self._list(UserPage, page, per_page, {})

    def iter(
        self, *, per_page: int = PER_PAGE_MAX, concurrency: int = DEFAULT_CONCURRENCY
    ) -> AsyncGenerator[User, None]:
        """Iterate over every user account, newest first, fetching pages concurrently, in order.

        Raises ValidationError at once for ``per_page`` outside 1-100.
        """
        return self._walk(UserPage, self._page_size(per_page), {}, concurrency)

    @operation("users_get")
    async def get(self, user_id: Id) -> User:
        """Return the user account ``user_id``; NotFoundError when there is none."""
        return await self._read("users_get", User, ("userId", "user_id", user_id))


class Products(_Resource):
    """Products of the store (``rf.products``). Reading is public; updating needs the key."""

    listing = _PRODUCTS

    def _fetch_hidden(self, op_id: str, fetch_hidden: object) -> bool | None:
        """``True``, or ``None`` to leave the parameter out (``false`` would change nothing).

        Raises ValidationError for a value that is not a flag, and for a true one on a client
        without the key: the API shows hidden products only to the project's key, so the
        request could only fail.
        """
        if not _arg(op_id, "fetch_hidden", "fetch_hidden", fetch_hidden):
            return None
        if not self._transport.has_api_key:
            raise ValidationError(
                "fetch_hidden",
                f"needs the API key: pass api_key or set {self._transport.api.key_env}",
            )
        return True

    @operation("products_list")
    async def list(
        self,
        *,
        page: int = 1,
        per_page: int = 20,
        category: Id | None = None,
        search: str | None = None,
        ids: Iterable[Id] | str | None = None,
        order: Sort | None = None,
        fetch_hidden: Flag = False,
    ) -> Page[Product]:
        """Return one page of products (newest first unless ``order`` says otherwise).

        ``category`` keeps one category's products; ``search`` those whose name, description or
        SKU contains the text; ``ids`` those with these ids (at most 100: a list, any iterable, or
        the comma-joined ``"1,2,3"``). ``order`` is a
        :class:`~storeflow.reflow.models.ProductOrder` or its value, several joined with commas,
        or a sequence of them (``["custom_desc", "name_asc"]``) to sort by each in turn.
        ``fetch_hidden=True`` (or ``"true"``) also returns products hidden from the store, and
        needs the API key.

        Raises ValidationError for a non-integer ``page``, ``per_page`` outside 1-100, a
        ``category`` that is neither an integer nor digits, more than 100 ``ids``, an unknown
        sort clause, or ``fetch_hidden=True`` on a client without the key.
        """
        hidden = self._fetch_hidden("products_list", fetch_hidden)
        filters = _product_filters(category, search, ids, order, hidden)
        return await self._list(ProductPage, page, per_page, filters)

    def iter(
        self,
        *,
        per_page: int = PER_PAGE_MAX,
        category: Id | None = None,
        search: str | None = None,
        ids: Iterable[Id] | str | None = None,
        order: Sort | None = None,
        fetch_hidden: Flag = False,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> AsyncGenerator[Product, None]:
        """Iterate over every matching product, fetching pages concurrently, in order.

        Filters as :meth:`list`; they are checked at once (ValidationError).
        """
        size = self._page_size(per_page)
        hidden = self._fetch_hidden("products_list", fetch_hidden)
        filters = _product_filters(category, search, ids, order, hidden)
        return self._walk(ProductPage, size, filters, concurrency)

    @operation("products_get")
    async def get(self, product: int | str, *, fetch_hidden: Flag = False) -> Product:
        """Return the product with this id (``int``) or handle (``str``).

        A hidden product is found only with ``fetch_hidden=True``, which needs the API key.
        Raises ValidationError for an empty handle, or ``fetch_hidden=True`` on a client
        without the key; NotFoundError when there is no such product (or it is hidden).
        """
        params = {"fetch_hidden": self._fetch_hidden("products_get", fetch_hidden)}
        path = ("product", "product", product)
        return await self._read("products_get", Product, path, params=params)

    @operation("products_update")
    async def update(
        self,
        product: int | str,
        *,
        name: str | None = None,
        price: int | None = None,
        inventory_type: InventoryType | InventoryTypeLiteral | None = None,
        in_stock: bool | None = None,
        stock_quantity: int | None = None,
    ) -> Product | None:
        """Change the fields given (``None`` leaves one unchanged) and return the product.

        ``name`` is 1-128 characters; ``price`` an ``int`` in the currency's smallest unit;
        ``in_stock`` applies to ``simple`` inventory and ``stock_quantity`` (0-100,000) to
        ``advanced`` (the server decides what a field that does not apply does). Raises
        ValidationError for a value that breaks one of these rules, or for no field at all;
        NotFoundError when there is no such product.

        Returns ``None`` when the answer holds no product (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        path = ("product", "product", product)
        return await self._write(
            "products_update", Product, path, wrapper="product", body=ProductUpdate, values=locals()
        )


class Categories(_Resource):
    """Product categories (``rf.categories``). Public."""

    listing = _CATEGORIES

    @operation("categories_list")
    async def list(self, *, root_category: Id | None = None) -> builtins.list[Category]:
        """Return the categories, alphabetically, each with its subcategories nested.

        ``root_category`` returns only that category and its subcategories. Raises
        ValidationError for a ``root_category`` that is neither an integer nor digits.
        """
        params = {
            "root-category": _arg(
                "categories_list", "root-category", "root_category", root_category
            )
        }
        return await self._read("categories_list", list[Category], params=params)

    @operation("categories_get")
    async def get(self, category: int | str) -> Category:
        """Return the category with this id (``int``) or handle (``str``).

        Raises ValidationError for an empty handle; NotFoundError when there is no such
        category.
        """
        path = ("category", "category", category)
        return await self._read("categories_get", Category, path)


class Orders(_Resource):
    """Orders of the store (``rf.orders``), newest first. Needs the API key."""

    listing = _ORDERS

    @operation("orders_list")
    async def list(
        self,
        *,
        page: int = 1,
        per_page: int = 20,
        payment_status: PaymentStatus | PaymentStatusLiteral | None = None,
        fulfillment_status: FulfillmentStatus | FulfillmentStatusLiteral | None = None,
        is_canceled: Flag | None = None,
        is_archived: Flag | None = None,
        customer_email: str | None = None,
        created_after: Timestamp | None = None,
        created_before: Timestamp | None = None,
    ) -> Page[Order]:
        """Return one page of orders, newest first, filtered by the arguments given.

        ``created_after`` and ``created_before`` (both exclusive) are unix seconds (``int`` or
        ``float``) or timezone-aware datetimes; a value between two seconds is rounded outwards,
        which selects exactly the same orders on the API's whole-second timestamps. Raises
        ValidationError for a non-integer ``page``, ``per_page`` outside 1-100, an unknown
        status, a flag that is not ``True``/``False``/``"true"``/``"false"``, a malformed email
        or a naive datetime.
        """
        return await self._list(OrderPage, page, per_page, _order_filters(locals()))

    def iter(
        self,
        *,
        per_page: int = PER_PAGE_MAX,
        payment_status: PaymentStatus | PaymentStatusLiteral | None = None,
        fulfillment_status: FulfillmentStatus | FulfillmentStatusLiteral | None = None,
        is_canceled: Flag | None = None,
        is_archived: Flag | None = None,
        customer_email: str | None = None,
        created_after: Timestamp | None = None,
        created_before: Timestamp | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> AsyncGenerator[Order, None]:
        """Iterate over every matching order, newest first, fetching pages concurrently.

        Filters as :meth:`list`; they are checked at once (ValidationError). When
        ``created_before`` is not given it is pinned to the moment ``iter()`` is called: orders
        are listed newest first, so an order created during the walk would otherwise push every
        later order one place down, and the walk would see one order twice. The API counts in
        whole seconds, so the pin takes in the rest of the current second; orders created after
        that are not part of this walk.
        """
        size = self._page_size(per_page)
        if created_before is None:
            created_before = _ORDERS.pin(dt.datetime.now(dt.UTC))
        return self._walk(OrderPage, size, _order_filters(locals()), concurrency)

    @operation("orders_get")
    async def get(self, order_id: Id) -> Order:
        """Return the order ``order_id``; NotFoundError when there is none."""
        return await self._read("orders_get", Order, ("orderId", "order_id", order_id))

    @operation("orders_update")
    async def update(
        self,
        order_id: Id,
        *,
        payment_status: PaymentStatus | PaymentStatusLiteral | None = None,
        fulfillment_status: FulfillmentStatus | FulfillmentStatusLiteral | None = None,
        is_canceled: Flag | None = None,
        is_archived: Flag | None = None,
        delivery_information: str | None = None,
    ) -> Order | None:
        """Change the fields given (``None`` leaves one unchanged) and return the order.

        Raises ValidationError for an id that is neither an integer nor digits, an unknown
        status, a flag that is not ``True``/``False``/``"true"``/``"false"``, or no field at
        all; NotFoundError when there is no such order.

        Returns ``None`` when the answer holds no order (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        path = ("orderId", "order_id", order_id)
        return await self._write(
            "orders_update", Order, path, wrapper="order", body=OrderUpdate, values=locals()
        )


def _product_filters(
    category: object, search: object, ids: object, order: object, fetch_hidden: bool | None
) -> Filters:
    """The checked query filters of ``GET /products/`` (``None`` for those not given);
    ``fetch_hidden`` comes checked (see :meth:`Products._fetch_hidden`)."""
    return {
        "category": _arg("products_list", "category", "category", category),
        "search": _arg("products_list", "search", "search", search),
        "ids": _arg("products_list", "ids", "ids", ids),
        "order": _arg("products_list", "order", "order", order),
        "fetch_hidden": fetch_hidden,
    }


def _order_filters(values: Mapping[str, Any]) -> Filters:
    """The checked query filters of ``GET /orders/`` (``None`` for those not given), taken by
    name from ``values`` (the ``locals()`` of :meth:`Orders.list` or :meth:`Orders.iter`, whose
    filter arguments are named as the query's)."""
    rules = ARGUMENTS["orders_list"].rules
    # These are sent under their own names; the two bounds are rounded outwards.
    named = ("payment_status", "fulfillment_status", "is_canceled", "is_archived", "customer_email")
    return {
        **{name: _arg("orders_list", name, name, values[name]) for name in named},
        "created_after": check.unix_seconds(
            rules["created_after"], "created_after", values["created_after"], round_up=False
        ),
        "created_before": check.unix_seconds(
            rules["created_before"], "created_before", values["created_before"], round_up=True
        ),
    }


LISTINGS: Final[Mapping[str, Listing]] = {
    listing.name: listing for listing in (_PRODUCTS, _CATEGORIES, _ORDERS, _USERS, _PLANS)
}
"""Every list of the API by resource name (``client.<name>``), in the order an export of the
whole store reads them."""
