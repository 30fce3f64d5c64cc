"""The typed methods of the Reflow API, one resource class per group of endpoints.

Every method checks its arguments before sending (:class:`~storeflow.errors.ValidationError`
names the argument and the rule) and returns the generated models of
:mod:`storeflow.reflow.models`; paginated lists return a :class:`~storeflow.Page` and have an
``iter(...)`` that walks every page.

Conventions:

- Ids are integers of at least 1; products and categories are also addressed by handle (a
  non-empty ``str``).
- Prices are ``int`` in the currency's smallest unit (1000 is $10.00, 500 is ¥500), as the API
  sends them. Floats, bools and Decimals are refused rather than guessed at.
- Update methods send only the fields given: ``None`` (the default) leaves a field unchanged,
  and an update with no field raises ValidationError before anything is sent.
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
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Final, TypeAlias, TypeVar

from storeflow import _validate as check
from storeflow._resource import Filters, Resource, operation, update_body
from storeflow.errors import ValidationError
from storeflow.pagination import DEFAULT_CONCURRENCY, Page, iterate
from storeflow.reflow._operations import OPERATIONS
from storeflow.reflow.models import (
    Category,
    FulfillmentStatus,
    InventoryType,
    Order,
    OrderPage,
    OrderUpdate,
    PageMeta,
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

T = TypeVar("T")

PER_PAGE_MAX: Final = 100
"""The largest ``per_page`` the API allows."""
IDS_MAX: Final = 100
"""The most product ids one ``ids=`` filter may hold."""
NAME_MAX: Final = 128
"""The longest product name, in characters."""
STOCK_MAX: Final = 100_000
"""The largest ``stock_quantity``."""

_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+")

Sort: TypeAlias = ProductOrder | str | Sequence[ProductOrder | str]
"""A product sort order: one clause, or several applied in turn."""


def _page_number(page: object) -> int:
    return check.integer("page", page, minimum=1)


def _per_page(per_page: object) -> int:
    return check.integer("per_page", per_page, minimum=1, maximum=PER_PAGE_MAX)


def _positive(argument: str, value: object) -> int:
    return check.integer(argument, value, minimum=1)


def _page(items: list[T], meta: PageMeta, fetch: Callable[[int], Awaitable[Page[T]]]) -> Page[T]:
    return Page(
        fetch=fetch,
        items=items,
        page=meta.current_page,
        page_size=meta.per_page,
        total=meta.total,
        total_pages=meta.last_page,
    )


def _clause(argument: str, clause: object) -> str:
    return check.choice(argument, clause, ProductOrder).value


def _sort(argument: str, order: object) -> str:
    """``order`` as the query spells it: clauses joined with commas (``custom_desc,name_asc``).

    A ``str`` may itself hold several clauses separated by commas.
    """
    if isinstance(order, str):
        return ",".join(_clause(argument, clause) for clause in order.split(","))
    return ",".join(check.items(argument, order, _clause, min_items=1))


def _inventory_rules(
    inventory_type: InventoryType | None, in_stock: bool | None, stock_quantity: int | None
) -> None:
    """Refuse the field that the inventory type being set ignores.

    With no ``inventory_type`` in the update the product's current type decides, which only
    the server knows; it answers 400 when the field does not apply.
    """
    if inventory_type is InventoryType.ADVANCED and in_stock is not None:
        raise ValidationError(
            "in_stock", "applies only to inventory_type='simple'; set stock_quantity instead"
        )
    if inventory_type is InventoryType.SIMPLE and stock_quantity is not None:
        raise ValidationError(
            "stock_quantity", "applies only to inventory_type='advanced'; set in_stock instead"
        )


class _Resource(Resource):
    _operations = OPERATIONS


class Plans(_Resource):
    """Subscription plans (``rf.plans``). Public."""

    @operation("plans_list")
    async def list(self) -> builtins.list[Plan]:
        """Return every active plan, with its prices."""
        response = await self._call("plans_list")
        return response.decode(PlanList).data

    @operation("plans_get")
    async def get(self, plan_id: int) -> Plan:
        """Return the plan ``plan_id``, active or not.

        Raises ValidationError for an id below 1; NotFoundError when there is no such plan.
        """
        response = await self._call(
            "plans_get", path_params={"planId": _positive("plan_id", plan_id)}
        )
        return response.decode(Plan)


class Users(_Resource):
    """User accounts of the project (``rf.users``), newest first. Needs the API key."""

    @operation("users_list")
    async def list(self, *, page: int = 1, per_page: int = 20) -> Page[User]:
        """Return one page of user accounts, newest first.

        Raises ValidationError for ``page`` below 1 or ``per_page`` outside 1-100.
        """
        return await self._fetch(_page_number(page), _per_page(per_page))

    def iter(
        self, *, per_page: int = PER_PAGE_MAX, concurrency: int = DEFAULT_CONCURRENCY
    ) -> AsyncGenerator[User, None]:
        """Iterate over every user account, newest first, fetching pages concurrently, in order.

        Raises ValidationError at once for ``per_page`` outside 1-100.
        """
        size = _per_page(per_page)
        return iterate(lambda page: self._fetch(page, size), concurrency=concurrency)

    async def _fetch(self, page: int, per_page: int) -> Page[User]:
        response = await self._call("users_list", params={"page": page, "perpage": per_page})
        result = response.decode(UserPage)
        return _page(result.data, result.meta, lambda n: self._fetch(n, per_page))

    @operation("users_get")
    async def get(self, user_id: int) -> User:
        """Return the user account ``user_id``.

        Raises ValidationError for an id below 1; NotFoundError when there is no such user.
        """
        response = await self._call(
            "users_get", path_params={"userId": _positive("user_id", user_id)}
        )
        return response.decode(User)


class Products(_Resource):
    """Products of the store (``rf.products``). Reading is public; updating needs the key."""

    def _fetch_hidden(self, fetch_hidden: object) -> bool | None:
        """``True``, or ``None`` to leave the parameter out (``false`` would change nothing).

        Raises ValidationError for a non-bool, and for ``True`` on a client without the key: the
        API shows hidden products only to the project's key, so the request could only fail.
        """
        if not check.boolean("fetch_hidden", fetch_hidden):
            return None
        if not self._transport.has_api_key:
            raise ValidationError(
                "fetch_hidden", "needs the API key: pass api_key or set REFLOW_API_KEY"
            )
        return True

    @operation("products_list")
    async def list(
        self,
        *,
        page: int = 1,
        per_page: int = 20,
        category: int | None = None,
        search: str | None = None,
        ids: Sequence[int] | None = None,
        order: Sort | None = None,
        fetch_hidden: bool = False,
    ) -> Page[Product]:
        """Return one page of products (newest first unless ``order`` says otherwise).

        ``category`` keeps one category's products; ``search`` those whose name, description or
        SKU contains the text; ``ids`` those with these ids (at most 100). ``order`` is a
        :class:`~storeflow.reflow.models.ProductOrder` or its value, or a sequence of them
        (``["custom_desc", "name_asc"]``) to sort by each in turn. ``fetch_hidden=True`` also
        returns products hidden from the store, and needs the API key.

        Raises ValidationError for ``page`` below 1, ``per_page`` outside 1-100, ``category``
        below 1, an empty or too long ``ids`` or an id below 1, an unknown sort clause, or
        ``fetch_hidden=True`` on a client without the key.
        """
        filters = _product_filters(category, search, ids, order, self._fetch_hidden(fetch_hidden))
        return await self._fetch(_page_number(page), _per_page(per_page), filters)

    def iter(
        self,
        *,
        per_page: int = PER_PAGE_MAX,
        category: int | None = None,
        search: str | None = None,
        ids: Sequence[int] | None = None,
        order: Sort | None = None,
        fetch_hidden: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> AsyncGenerator[Product, None]:
        """Iterate over every matching product, fetching pages concurrently, in order.

        Filters as :meth:`list`; they are checked at once (ValidationError).
        """
        size = _per_page(per_page)
        filters = _product_filters(category, search, ids, order, self._fetch_hidden(fetch_hidden))
        return iterate(lambda page: self._fetch(page, size, filters), concurrency=concurrency)

    async def _fetch(self, page: int, per_page: int, filters: Filters) -> Page[Product]:
        response = await self._call(
            "products_list", params={"page": page, "perpage": per_page, **filters}
        )
        result = response.decode(ProductPage)
        return _page(result.data, result.meta, lambda n: self._fetch(n, per_page, filters))

    @operation("products_get")
    async def get(self, product: int | str, *, fetch_hidden: bool = False) -> Product:
        """Return the product with this id (``int``) or handle (``str``).

        A hidden product is found only with ``fetch_hidden=True``, which needs the API key.
        Raises ValidationError for an id below 1, an empty handle, or ``fetch_hidden=True`` on
        a client without the key; NotFoundError when there is no such product (or it is hidden).
        """
        response = await self._call(
            "products_get",
            path_params={"product": check.id_or_handle("product", product)},
            params={"fetch_hidden": self._fetch_hidden(fetch_hidden)},
        )
        return response.decode(Product)

    @operation("products_update")
    async def update(
        self,
        product: int | str,
        *,
        name: str | None = None,
        price: int | None = None,
        inventory_type: InventoryType | str | None = None,
        in_stock: bool | None = None,
        stock_quantity: int | None = None,
    ) -> Product:
        """Change the fields given (``None`` leaves one unchanged) and return the product.

        ``name`` is 1-128 characters; ``price`` an ``int`` of at least 0 in the currency's
        smallest unit; ``in_stock`` applies to ``simple`` inventory and ``stock_quantity``
        (0-100,000) to ``advanced``. Raises ValidationError for an invalid value, for
        ``in_stock`` with ``inventory_type="advanced"`` or ``stock_quantity`` with ``"simple"``,
        or for no field at all; NotFoundError when there is no such product.
        """
        path = {"product": check.id_or_handle("product", product)}
        changes = ProductUpdate(
            name=check.optional(check.text, "name", name, min_length=1, max_length=NAME_MAX),
            price=check.optional(check.integer, "price", price, minimum=0),
            inventory_type=check.optional(
                check.choice, "inventory_type", inventory_type, InventoryType
            ),
            in_stock=check.optional(check.boolean, "in_stock", in_stock),
            stock_quantity=check.optional(
                check.integer, "stock_quantity", stock_quantity, minimum=0, maximum=STOCK_MAX
            ),
        )
        _inventory_rules(changes.inventory_type, changes.in_stock, changes.stock_quantity)
        response = await self._call("products_update", path_params=path, json=update_body(changes))
        return response.decode(Product)


class Categories(_Resource):
    """Product categories (``rf.categories``). Public."""

    @operation("categories_list")
    async def list(self, *, root_category: int | None = None) -> builtins.list[Category]:
        """Return the categories, alphabetically, each with its subcategories nested.

        ``root_category`` returns only that category and its subcategories. Raises
        ValidationError for a ``root_category`` below 1.
        """
        params = {"root-category": check.optional(_positive, "root_category", root_category)}
        response = await self._call("categories_list", params=params)
        return response.decode(list[Category])

    @operation("categories_get")
    async def get(self, category: int | str) -> Category:
        """Return the category with this id (``int``) or handle (``str``).

        Raises ValidationError for an id below 1 or an empty handle; NotFoundError when there
        is no such category.
        """
        response = await self._call(
            "categories_get", path_params={"category": check.id_or_handle("category", category)}
        )
        return response.decode(Category)


class Orders(_Resource):
    """Orders of the store (``rf.orders``), newest first. Needs the API key."""

    @operation("orders_list")
    async def list(
        self,
        *,
        page: int = 1,
        per_page: int = 20,
        payment_status: PaymentStatus | str | None = None,
        fulfillment_status: FulfillmentStatus | str | None = None,
        is_canceled: bool | None = None,
        is_archived: bool | None = None,
        customer_email: str | None = None,
        created_after: dt.datetime | int | None = None,
        created_before: dt.datetime | int | None = None,
    ) -> Page[Order]:
        """Return one page of orders, newest first, filtered by the arguments given.

        ``created_after`` and ``created_before`` (both exclusive) are timezone-aware datetimes
        or unix seconds; a datetime between two seconds is rounded outwards, so no order inside
        the bounds is lost. Raises ValidationError for ``page`` below 1, ``per_page`` outside
        1-100, an unknown status, a non-bool flag, a malformed email, a naive datetime or a
        negative timestamp.
        """
        filters = _order_filters(
            payment_status,
            fulfillment_status,
            is_canceled,
            is_archived,
            customer_email,
            created_after,
            created_before,
        )
        return await self._fetch(_page_number(page), _per_page(per_page), filters)

    def iter(
        self,
        *,
        per_page: int = PER_PAGE_MAX,
        payment_status: PaymentStatus | str | None = None,
        fulfillment_status: FulfillmentStatus | str | None = None,
        is_canceled: bool | None = None,
        is_archived: bool | None = None,
        customer_email: str | None = None,
        created_after: dt.datetime | int | None = None,
        created_before: dt.datetime | int | None = None,
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
        size = _per_page(per_page)
        filters = _order_filters(
            payment_status,
            fulfillment_status,
            is_canceled,
            is_archived,
            customer_email,
            created_after,
            dt.datetime.now(dt.UTC) if created_before is None else created_before,
        )
        return iterate(lambda page: self._fetch(page, size, filters), concurrency=concurrency)

    async def _fetch(self, page: int, per_page: int, filters: Filters) -> Page[Order]:
        response = await self._call(
            "orders_list", params={"page": page, "perpage": per_page, **filters}
        )
        result = response.decode(OrderPage)
        return _page(result.data, result.meta, lambda n: self._fetch(n, per_page, filters))

    @operation("orders_get")
    async def get(self, order_id: int) -> Order:
        """Return the order ``order_id``.

        Raises ValidationError for an id below 1; NotFoundError when there is no such order.
        """
        response = await self._call(
            "orders_get", path_params={"orderId": _positive("order_id", order_id)}
        )
        return response.decode(Order)

    @operation("orders_update")
    async def update(
        self,
        order_id: int,
        *,
        payment_status: PaymentStatus | str | None = None,
        fulfillment_status: FulfillmentStatus | str | None = None,
        is_canceled: bool | None = None,
        is_archived: bool | None = None,
        delivery_information: str | None = None,
    ) -> Order:
        """Change the fields given (``None`` leaves one unchanged) and return the order.

        Raises ValidationError for an id below 1, an unknown status, a non-bool flag or no
        field at all; NotFoundError when there is no such order.
        """
        path = {"orderId": _positive("order_id", order_id)}
        changes = OrderUpdate(
            payment_status=check.optional(
                check.choice, "payment_status", payment_status, PaymentStatus
            ),
            fulfillment_status=check.optional(
                check.choice, "fulfillment_status", fulfillment_status, FulfillmentStatus
            ),
            is_canceled=check.optional(check.boolean, "is_canceled", is_canceled),
            is_archived=check.optional(check.boolean, "is_archived", is_archived),
            delivery_information=check.optional(
                check.text, "delivery_information", delivery_information
            ),
        )
        response = await self._call("orders_update", path_params=path, json=update_body(changes))
        return response.decode(Order)


def _product_filters(
    category: object, search: object, ids: object, order: object, fetch_hidden: bool | None
) -> Filters:
    """The checked query filters of ``GET /products/`` (``None`` for those not given);
    ``fetch_hidden`` comes checked (see :meth:`Products._fetch_hidden`)."""
    return {
        "category": check.optional(_positive, "category", category),
        "search": check.optional(check.text, "search", search),
        "ids": check.optional(check.items, "ids", ids, _positive, min_items=1, max_items=IDS_MAX),
        "order": check.optional(_sort, "order", order),
        "fetch_hidden": fetch_hidden,
    }


def _order_filters(
    payment_status: object,
    fulfillment_status: object,
    is_canceled: object,
    is_archived: object,
    customer_email: object,
    created_after: object,
    created_before: object,
) -> Filters:
    """The checked query filters of ``GET /orders/`` (``None`` for those not given)."""
    return {
        "payment_status": check.optional(
            check.choice, "payment_status", payment_status, PaymentStatus
        ),
        "fulfillment_status": check.optional(
            check.choice, "fulfillment_status", fulfillment_status, FulfillmentStatus
        ),
        "is_canceled": check.optional(check.boolean, "is_canceled", is_canceled),
        "is_archived": check.optional(check.boolean, "is_archived", is_archived),
        "customer_email": check.optional(
            check.text,
            "customer_email",
            customer_email,
            pattern=_EMAIL,
            rule="must be an email address",
        ),
        "created_after": check.optional(
            check.unix_seconds, "created_after", created_after, round_up=False
        ),
        "created_before": check.optional(
            check.unix_seconds, "created_before", created_before, round_up=True
        ),
    }
