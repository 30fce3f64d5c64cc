"""The typed methods of the Pocketsflow API, one resource class per group of endpoints.

Every method checks its arguments before sending (:class:`~storeflow.errors.ValidationError`
names the argument and the rule) and returns the generated models of
:mod:`storeflow.pocketsflow.models`; paginated lists return a :class:`~storeflow.Page` and have
an ``iter(...)`` that walks every page.

Conventions:

- Only what the reference states is checked before sending (the generated rules of
  :mod:`storeflow.pocketsflow._params`); every other rule is the server's, and its 400 comes
  back as :class:`~storeflow.errors.BadRequestError`.
- Ids are any non-empty string, sent percent-encoded (the REST examples show ObjectIds, the
  webhook examples other ids; whether one names an object is the server's answer).
- Money (``price``, ``value``, ``upsell_price``) is a ``Decimal``, an ``int`` or a ``float`` in
  major units, sent as the exact JSON number; a float is read by its shortest repr, so
  ``49.99`` sends ``49.99``. No bound is documented, so none is checked.
- Update methods send only the fields given: ``None`` (the default) leaves a field unchanged.
  The reference does not forbid an update with no field, so it is sent (the server decides).
- Dates (``start_date``, ``end_date``) are a ``date``, a timezone-aware ``datetime`` or an ISO
  8601 string; a naive ``datetime`` is refused.

Every method may also raise what :meth:`storeflow._transport.Transport.call` raises:
:class:`~storeflow.errors.AuthenticationError` (401), :class:`~storeflow.errors.NotFoundError`
(404), other :class:`~storeflow.errors.APIError` subclasses, ``ConnectionError`` and
``TimeoutError`` from :mod:`storeflow.errors`, and :class:`~storeflow.errors.DecodeError`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Final, TypeAlias, TypeVar

import attrs

from storeflow import _validate as check
from storeflow._resource import (
    Filters,
    Resource,
    confirmation,
    operation,
    update_body,
    written,
)
from storeflow._transport import Transport
from storeflow.pagination import DEFAULT_CONCURRENCY, Listing, Page, iterate
from storeflow.pocketsflow._operations import OPERATIONS
from storeflow.pocketsflow._params import (
    ARGUMENTS,
    CustomerSortByLiteral,
    SortOrderLiteral,
    ValueTypeLiteral,
)
from storeflow.pocketsflow.models import (
    Customer,
    CustomerDetail,
    CustomerSortBy,
    Deleted,
    Discount,
    DiscountCreate,
    DiscountUpdate,
    Order,
    OrderDetail,
    OrderPage,
    Pagination,
    Product,
    ProductCreate,
    ProductUpdate,
    Review,
    SortOrder,
    Subscription,
    SubscriptionPage,
    SubscriptionQuery,
    Upsell,
    UpsellCreate,
    UpsellList,
    UpsellUpdate,
    User,
    UserUpdate,
    ValueType,
    Variant,
    VariantCreate,
)

__all__ = [
    "LISTINGS",
    "Customers",
    "Discounts",
    "Orders",
    "Products",
    "Reviews",
    "Subscriptions",
    "Upsells",
    "Users",
    "Variants",
]

ITER_PAGE_SIZE: Final = 100
"""The page size ``iter()`` asks for unless told otherwise. The reference states no maximum;
100 is the most Reflow serves, and what the export asks both APIs for."""

T = TypeVar("T")

Money: TypeAlias = Decimal | int | float
"""An amount in major units: ``Decimal("29.99")``, ``30`` or ``29.99``."""

Day: TypeAlias = dt.date | str
"""A ``date``, a timezone-aware ``datetime`` or an ISO 8601 string (``"2024-01-31"``)."""

_arg: Final = functools.partial(check.argument, ARGUMENTS)
_body: Final = functools.partial(check.body, ARGUMENTS)

# The lists of the API, each declared once (see storeflow.pagination). Paginated ones are asked
# for `page` and `pageSize` and answer with a `pagination` block.
_PRODUCTS: Final = Listing(name="products", operation=OPERATIONS["products_list"], id_field="_id")
_CUSTOMERS: Final = Listing(
    name="customers", operation=OPERATIONS["customers_list"], id_field="_id"
)
_REVIEWS: Final = Listing(name="reviews", operation=OPERATIONS["reviews_list"], id_field="_id")
_DISCOUNTS: Final = Listing(
    name="discounts", operation=OPERATIONS["discounts_list"], id_field="_id"
)
_UPSELLS: Final = Listing(
    name="upsells", operation=OPERATIONS["upsells_list"], id_field="_id", items="upsells"
)
_ORDERS: Final = Listing(
    name="orders",
    operation=OPERATIONS["orders_list"],
    id_field="_id",
    items="orders",
    envelope="pocketsflow",
    size_param="pageSize",
    page_size=ITER_PAGE_SIZE,
    bound="instant",
)
_SUBSCRIPTIONS: Final = attrs.evolve(
    _ORDERS,
    name="subscriptions",
    operation=OPERATIONS["subscriptions_list"],
    items="subscriptions",
    query_in_body=True,  # listed with a POST: the filters are its JSON body
    bound="none",  # filtered by whole days, never pinned
)


def _page(
    items: list[T],
    pagination: Pagination | None,
    page: int,
    page_size: int,
    fetch: Callable[[int], Awaitable[Page[T]]],
) -> Page[T]:
    """A :class:`Page` from the answer's ``pagination``; without it, one that knows only what
    was asked for, so that paging goes on until a short page."""
    if pagination is None:
        return Page(
            fetch=fetch, items=items, page=page, page_size=page_size, total=None, total_pages=None
        )
    return Page(
        fetch=fetch,
        items=items,
        page=pagination.current_page or page,
        page_size=pagination.page_size or page_size,
        total=pagination.total_count,
        total_pages=pagination.total_pages,
    )


def _order_filters(start_date: object, end_date: object, product_id: object) -> Filters:
    """The checked query filters of ``GET /orders`` (``None`` for those not given)."""
    return {
        "startDate": _arg("orders_list", "startDate", "start_date", start_date),
        "endDate": _arg("orders_list", "endDate", "end_date", end_date),
        "productId": _arg("orders_list", "productId", "product_id", product_id),
    }


def _day_range(start_date: object, end_date: object) -> tuple[str | None, str | None]:
    """The checked ``start_date`` and ``end_date`` of the subscription list."""
    return (
        _arg("subscriptions_list", "startDate", "start_date", start_date),
        _arg("subscriptions_list", "endDate", "end_date", end_date),
    )


class _Resource(Resource):
    api = "pocketsflow"
    _operations = OPERATIONS


class Variants(_Resource):
    """Variants of a product (``pf.products.variants``): editions at their own price."""

    @operation("variants_create")
    async def create(self, *, product_id: str, name: str, price: Money) -> Variant | None:
        """Create a variant of the product ``product_id`` and return it.

        Raises ValidationError for a ``product_id`` that is not a string or a ``price`` that is
        not an amount; NotFoundError when the product does not exist.

        Returns ``None`` when the answer holds no variant (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        body = _body(
            "variants_create", VariantCreate, product_id=product_id, name=name, price=price
        )
        response = await self._call("variants_create", json=body)
        return written(response, Variant, wrapper="variant")

    @operation("variants_delete")
    async def delete(self, variant_id: str) -> Deleted:
        """Delete the variant ``variant_id``.

        Raises ValidationError for an empty id; NotFoundError when there is no such variant.

        Returns the answer as :class:`Deleted`, whatever its form: ``message`` when there is one,
        the rest in ``extra``; an empty 204 gives an empty ``Deleted``.
        """
        response = await self._call(
            "variants_delete",
            path_params={"id": _arg("variants_delete", "id", "variant_id", variant_id)},
        )
        return confirmation(response, Deleted)


class Products(_Resource):
    """Digital products (``pf.products``); their variants are ``pf.products.variants``."""

    listing = _PRODUCTS

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        self.variants: Final = Variants(transport)
        """Create and delete variants of a product."""

    @operation("products_list")
    async def list(self) -> builtins.list[Product]:
        """Return every product of the authenticated user."""
        response = await self._call("products_list")
        return response.decode(list[Product])

    @operation("products_get")
    async def get(self, product_id: str) -> Product:
        """Return the product ``product_id``.

        Raises ValidationError for an empty id; NotFoundError when there is no such product.
        """
        response = await self._call(
            "products_get", path_params={"id": _arg("products_get", "id", "product_id", product_id)}
        )
        return response.decode(Product)

    @operation("products_create")
    async def create(
        self,
        *,
        name: str,
        price: Money,
        description: str | None = None,
        published: bool | None = None,
        show_sales: bool | None = None,
        show_reviews: bool | None = None,
    ) -> Product | None:
        """Create a product and return it. Options left as ``None`` are not sent.

        Sent exactly once: a create is never retried after it may have reached the server.
        Raises ValidationError for an empty ``name``, an invalid ``price`` (see the module
        notes on money) or a non-bool flag.

        Returns ``None`` when the answer holds no product (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        body = _body(
            "products_create",
            ProductCreate,
            name=name,
            price=price,
            description=description,
            published=published,
            show_sales=show_sales,
            show_reviews=show_reviews,
        )
        response = await self._call("products_create", json=body)
        return written(response, Product, wrapper="product")

    @operation("products_update")
    async def update(
        self,
        product_id: str,
        *,
        name: str | None = None,
        price: Money | None = None,
        description: str | None = None,
        published: bool | None = None,
        show_sales: bool | None = None,
        show_reviews: bool | None = None,
    ) -> Product | None:
        """Change the fields given (``None`` leaves one unchanged) and return the product.

        Raises ValidationError for an empty id or a value of the wrong type; NotFoundError when
        there is no such product.

        Returns ``None`` when the answer holds no product (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        path = {"id": _arg("products_update", "id", "product_id", product_id)}
        changes = _body(
            "products_update",
            ProductUpdate,
            name=name,
            price=price,
            description=description,
            published=published,
            show_sales=show_sales,
            show_reviews=show_reviews,
        )
        response = await self._call(
            "products_update",
            path_params=path,
            json=update_body(changes, ARGUMENTS["products_update"]),
        )
        return written(response, Product, wrapper="product")

    @operation("products_delete")
    async def delete(self, product_id: str) -> Deleted:
        """Delete the product ``product_id`` and its variants.

        Raises ValidationError for an empty id; NotFoundError when there is no such product.

        Returns the answer as :class:`Deleted`, whatever its form: ``message`` when there is one,
        the rest in ``extra``; an empty 204 gives an empty ``Deleted``.
        """
        response = await self._call(
            "products_delete",
            path_params={"id": _arg("products_delete", "id", "product_id", product_id)},
        )
        return confirmation(response, Deleted)


class Orders(_Resource):
    """Orders (``pf.orders``), newest first."""

    listing = _ORDERS

    @operation("orders_list")
    async def list(
        self,
        *,
        page: int = 1,
        page_size: int = 20,
        start_date: Day | None = None,
        end_date: Day | None = None,
        product_id: str | None = None,
    ) -> Page[Order]:
        """Return one page of orders, newest first.

        ``start_date`` and ``end_date`` (both inclusive; a ``date``, an aware ``datetime`` or an
        ISO 8601 string) bound when the orders were created; ``product_id`` keeps the orders of
        one product. Raises ValidationError for a non-integer ``page`` or ``page_size``, a naive
        datetime or a string that is not ISO 8601.
        """
        filters = _order_filters(start_date, end_date, product_id)
        return await self._fetch(
            _arg("orders_list", "page", "page", page),
            _arg("orders_list", "pageSize", "page_size", page_size),
            filters,
        )

    def iter(
        self,
        *,
        start_date: Day | None = None,
        end_date: Day | None = None,
        product_id: str | None = None,
        page_size: int = ITER_PAGE_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> AsyncGenerator[Order, None]:
        """Iterate over every matching order, newest first, fetching pages concurrently.

        Filters as :meth:`list`. When ``end_date`` is not given it is pinned to the moment
        ``iter()`` is called (UTC): orders are listed newest first, so an order created during
        the walk would otherwise push every later order one place down, and the walk would see
        one order twice. With the pin, orders created meanwhile are simply not part of this walk.

        Arguments are checked at once (ValidationError, as :meth:`list`); pages are fetched as
        the iteration proceeds, ``concurrency`` at a time, and delivered in order.
        """
        size = _arg("orders_list", "pageSize", "page_size", page_size)
        pinned_end = _ORDERS.pin(dt.datetime.now(dt.UTC)) if end_date is None else end_date
        filters = _order_filters(start_date, pinned_end, product_id)
        return iterate(lambda page: self._fetch(page, size, filters), concurrency=concurrency)

    async def _fetch(self, page: int, page_size: int, filters: Filters) -> Page[Order]:
        response = await self._call(
            _ORDERS.operation.id, params=_ORDERS.query(page, page_size, filters)
        )
        result = response.decode(OrderPage)
        return _page(
            _ORDERS.records(result),
            result.pagination,
            page,
            page_size,
            lambda n: self._fetch(n, page_size, filters),
        )

    @operation("orders_get")
    async def get(self, order_id: str) -> OrderDetail:
        """Return the order ``order_id`` with its product, customer and review.

        Raises ValidationError for an empty id; NotFoundError when there is no such order.
        """
        response = await self._call(
            "orders_get", path_params={"id": _arg("orders_get", "id", "order_id", order_id)}
        )
        return response.decode(OrderDetail)


class Customers(_Resource):
    """Customers (``pf.customers``): everyone who bought from the store."""

    listing = _CUSTOMERS

    @operation("customers_list")
    async def list(
        self,
        *,
        product_id: str | None = None,
        sort_by: CustomerSortBy | CustomerSortByLiteral | None = None,
        sort_order: SortOrder | SortOrderLiteral | None = None,
    ) -> builtins.list[Customer]:
        """Return every customer, or those who bought ``product_id``, sorted as asked.

        ``sort_by`` is a :class:`~storeflow.pocketsflow.models.CustomerSortBy` (or its value:
        ``"email"``, ``"country"``, ``"numberOfOrders"``, ``"createdAt"``); ``sort_order``
        ``"asc"`` or ``"desc"``. Raises ValidationError for an empty id or an unknown value.
        """
        params = {
            "productId": _arg("customers_list", "productId", "product_id", product_id),
            "sortBy": _arg("customers_list", "sortBy", "sort_by", sort_by),
            "sortOrder": _arg("customers_list", "sortOrder", "sort_order", sort_order),
        }
        response = await self._call("customers_list", params=params)
        return response.decode(list[Customer])

    @operation("customers_get")
    async def get(self, customer_id: str) -> CustomerDetail:
        """Return the customer ``customer_id`` with their orders and reviews.

        Raises ValidationError for an empty id; NotFoundError when there is no such customer.
        """
        response = await self._call(
            "customers_get",
            path_params={"id": _arg("customers_get", "id", "customer_id", customer_id)},
        )
        return response.decode(CustomerDetail)


class Reviews(_Resource):
    """Reviews of the store's products (``pf.reviews``)."""

    listing = _REVIEWS

    @operation("reviews_list")
    async def list(self) -> builtins.list[Review]:
        """Return every review of the authenticated user's products."""
        response = await self._call("reviews_list")
        return response.decode(list[Review])

    @operation("reviews_list_for_product")
    async def list_for_product(self, product_id: str) -> builtins.list[Review]:
        """Return the reviews of the product ``product_id``.

        A public endpoint: the request is sent without the API key. Raises ValidationError for
        an empty id; NotFoundError when there is no such product.
        """
        response = await self._call(
            "reviews_list_for_product",
            path_params={
                "productId": _arg("reviews_list_for_product", "productId", "product_id", product_id)
            },
        )
        return response.decode(list[Review])


class Discounts(_Resource):
    """Discount codes (``pf.discounts``)."""

    listing = _DISCOUNTS

    @operation("discounts_list")
    async def list(self) -> builtins.list[Discount]:
        """Return every discount code."""
        response = await self._call("discounts_list")
        return response.decode(list[Discount])

    @operation("discounts_get")
    async def get(self, discount_id: str) -> Discount:
        """Return the discount ``discount_id``.

        Raises ValidationError for an empty id; NotFoundError when there is no such discount.
        """
        response = await self._call(
            "discounts_get",
            path_params={"id": _arg("discounts_get", "id", "discount_id", discount_id)},
        )
        return response.decode(Discount)

    @operation("discounts_create")
    async def create(
        self,
        *,
        name: str,
        code: str,
        value: Money,
        value_type: ValueType | ValueTypeLiteral,
        active: bool | None = None,
        main_product_ids: Iterable[str] | None = None,
    ) -> Discount | None:
        """Create a discount code and return it.

        ``value`` is a percentage (``value_type="percentage"``) or an amount of money off
        (``"fixed"``), read as money either way. ``code`` is what buyers type; its format, and
        whether a percentage may exceed 100, are the server's to decide. ``main_product_ids``
        limits the code to those products. Sent exactly once. Raises ValidationError for an
        unknown ``value_type`` or a value of the wrong type.

        Returns ``None`` when the answer holds no discount (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        body = _body(
            "discounts_create",
            DiscountCreate,
            name=name,
            code=code,
            value=value,
            value_type=value_type,
            active=active,
            main_product_ids=main_product_ids,
        )
        response = await self._call("discounts_create", json=body)
        return written(response, Discount, wrapper="discount")

    @operation("discounts_update")
    async def update(
        self,
        discount_id: str,
        *,
        name: str | None = None,
        code: str | None = None,
        value: Money | None = None,
        value_type: ValueType | ValueTypeLiteral | None = None,
        active: bool | None = None,
        main_product_ids: Iterable[str] | None = None,
    ) -> Discount | None:
        """Change the fields given (``None`` leaves one unchanged) and return the discount.

        Raises ValidationError for an empty id, an unknown ``value_type`` or a value of the wrong
        type; NotFoundError when there is no such discount.

        Returns ``None`` when the answer holds no discount (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        path = {"id": _arg("discounts_update", "id", "discount_id", discount_id)}
        changes = _body(
            "discounts_update",
            DiscountUpdate,
            name=name,
            code=code,
            value=value,
            value_type=value_type,
            active=active,
            main_product_ids=main_product_ids,
        )
        response = await self._call(
            "discounts_update",
            path_params=path,
            json=update_body(changes, ARGUMENTS["discounts_update"]),
        )
        return written(response, Discount, wrapper="discount")

    @operation("discounts_delete")
    async def delete(self, discount_id: str) -> Deleted:
        """Delete the discount ``discount_id``.

        Raises ValidationError for an empty id; NotFoundError when there is no such discount.

        Returns the answer as :class:`Deleted`, whatever its form: ``message`` when there is one,
        the rest in ``extra``; an empty 204 gives an empty ``Deleted``.
        """
        response = await self._call(
            "discounts_delete",
            path_params={"id": _arg("discounts_delete", "id", "discount_id", discount_id)},
        )
        return confirmation(response, Deleted)


class Upsells(_Resource):
    """Upsells (``pf.upsells``): offers shown after checkout to buyers of the main products."""

    listing = _UPSELLS

    @operation("upsells_list")
    async def list(self) -> UpsellList:
        """Return every upsell and the sales made with upsells."""
        response = await self._call("upsells_list")
        return response.decode(UpsellList)

    @operation("upsells_get")
    async def get(self, upsell_id: str) -> Upsell:
        """Return the upsell ``upsell_id``.

        Raises ValidationError for an empty id; NotFoundError when there is no such upsell.
        """
        response = await self._call(
            "upsells_get", path_params={"id": _arg("upsells_get", "id", "upsell_id", upsell_id)}
        )
        return response.decode(Upsell)

    @operation("upsells_create")
    async def create(
        self,
        *,
        name: str,
        main_product_ids: Iterable[str],
        upsell_product_id: str,
        upsell_price: Money,
        upsell_description: str | None = None,
        primary_button_text: str | None = None,
        secondary_button_text: str | None = None,
        active: bool | None = None,
    ) -> Upsell | None:
        """Offer ``upsell_product_id`` at ``upsell_price`` to buyers of ``main_product_ids``.

        Returns the created upsell; sent exactly once. Raises ValidationError for a value of the
        wrong type; NotFoundError when a product does not exist.

        Returns ``None`` when the answer holds no upsell (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        body = _body(
            "upsells_create",
            UpsellCreate,
            name=name,
            main_product_ids=main_product_ids,
            upsell_product_id=upsell_product_id,
            upsell_price=upsell_price,
            upsell_description=upsell_description,
            primary_button_text=primary_button_text,
            secondary_button_text=secondary_button_text,
            active=active,
        )
        response = await self._call("upsells_create", json=body)
        return written(response, Upsell, wrapper="upsell")

    @operation("upsells_update")
    async def update(
        self,
        upsell_id: str,
        *,
        name: str | None = None,
        main_product_ids: Iterable[str] | None = None,
        upsell_product_id: str | None = None,
        upsell_price: Money | None = None,
        upsell_description: str | None = None,
        primary_button_text: str | None = None,
        secondary_button_text: str | None = None,
        active: bool | None = None,
    ) -> Upsell | None:
        """Change the fields given (``None`` leaves one unchanged) and return the upsell.

        Raises ValidationError for an empty id or a value of the wrong type; NotFoundError when
        the upsell (or a product named) does not exist.

        Returns ``None`` when the answer holds no upsell (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        path = {"id": _arg("upsells_update", "id", "upsell_id", upsell_id)}
        changes = _body(
            "upsells_update",
            UpsellUpdate,
            name=name,
            main_product_ids=main_product_ids,
            upsell_product_id=upsell_product_id,
            upsell_price=upsell_price,
            upsell_description=upsell_description,
            primary_button_text=primary_button_text,
            secondary_button_text=secondary_button_text,
            active=active,
        )
        response = await self._call(
            "upsells_update",
            path_params=path,
            json=update_body(changes, ARGUMENTS["upsells_update"]),
        )
        return written(response, Upsell, wrapper="upsell")

    @operation("upsells_delete")
    async def delete(self, upsell_id: str) -> Deleted:
        """Delete the upsell ``upsell_id``.

        Raises ValidationError for an empty id; NotFoundError when there is no such upsell.

        Returns the answer as :class:`Deleted`, whatever its form: ``message`` when there is one,
        the rest in ``extra``; an empty 204 gives an empty ``Deleted``.
        """
        response = await self._call(
            "upsells_delete",
            path_params={"id": _arg("upsells_delete", "id", "upsell_id", upsell_id)},
        )
        return confirmation(response, Deleted)


class Users(_Resource):
    """The authenticated user's profile and settings (``pf.users``)."""

    @operation("users_me")
    async def me(self) -> User:
        """Return the authenticated user's profile."""
        response = await self._call("users_me")
        return response.decode(User)

    @operation("users_update")
    async def update(
        self,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        currency: str | None = None,
        country: str | None = None,
    ) -> User | None:
        """Change the settings given (``None`` leaves one unchanged) and return the profile.

        ``currency`` is a currency code (``"USD"``), ``country`` a country code (``"US"``), sent
        as given. Raises ValidationError for a value that is not a string.

        Returns ``None`` when the answer holds no profile (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        changes = _body(
            "users_update",
            UserUpdate,
            first_name=first_name,
            last_name=last_name,
            currency=currency,
            country=country,
        )
        response = await self._call(
            "users_update", json=update_body(changes, ARGUMENTS["users_update"])
        )
        return written(response, User, wrapper="user")


class Subscriptions(_Resource):
    """Subscriptions (``pf.subscriptions``): buyers' recurring payments for a product."""

    listing = _SUBSCRIPTIONS

    @operation("subscriptions_list")
    async def list(
        self,
        *,
        page: int = 1,
        page_size: int = 20,
        start_date: Day | None = None,
        end_date: Day | None = None,
    ) -> Page[Subscription]:
        """Return one page of subscriptions started between ``start_date`` and ``end_date``.

        Both bounds are inclusive: a ``date``, an aware ``datetime`` or an ISO 8601 string
        (``"2024-01-01"``). The API reads this list with a POST and a JSON body; it changes
        nothing and is retried like a GET. Raises ValidationError for a non-integer ``page`` or
        ``page_size``, a naive datetime or a string that is not ISO 8601.
        """
        return await self._fetch(
            _arg("subscriptions_list", "page", "page", page),
            _arg("subscriptions_list", "pageSize", "page_size", page_size),
            *_day_range(start_date, end_date),
        )

    def iter(
        self,
        *,
        start_date: Day | None = None,
        end_date: Day | None = None,
        page_size: int = ITER_PAGE_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> AsyncGenerator[Subscription, None]:
        """Iterate over every matching subscription, fetching pages concurrently, in order.

        Filters as :meth:`list`; arguments are checked at once (ValidationError).
        """
        size = _arg("subscriptions_list", "pageSize", "page_size", page_size)
        start, end = _day_range(start_date, end_date)
        return iterate(lambda page: self._fetch(page, size, start, end), concurrency=concurrency)

    async def _fetch(
        self, page: int, page_size: int, start_date: str | None, end_date: str | None
    ) -> Page[Subscription]:
        query = SubscriptionQuery(
            page=page, page_size=page_size, start_date=start_date, end_date=end_date
        )
        response = await self._call(_SUBSCRIPTIONS.operation.id, json=query)
        result = response.decode(SubscriptionPage)
        return _page(
            _SUBSCRIPTIONS.records(result),
            result.pagination,
            page,
            page_size,
            lambda n: self._fetch(n, page_size, start_date, end_date),
        )

    @operation("subscriptions_get")
    async def get(self, subscription_id: str) -> Subscription:
        """Return the subscription ``subscription_id``.

        Raises ValidationError for an empty id; NotFoundError when there is none.
        """
        response = await self._call(
            "subscriptions_get",
            path_params={"id": _arg("subscriptions_get", "id", "subscription_id", subscription_id)},
        )
        return response.decode(Subscription)

    @operation("subscriptions_cancel")
    async def cancel(self, subscription_id: str) -> Subscription | None:
        """Cancel the subscription and return it; cancelling it again changes nothing.

        Raises ValidationError for an empty id; NotFoundError when there is none.

        Returns ``None`` when the answer holds no subscription (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        response = await self._call(
            "subscriptions_cancel",
            path_params={
                "subscriptionId": _arg(
                    "subscriptions_cancel", "subscriptionId", "subscription_id", subscription_id
                )
            },
        )
        return written(response, Subscription, wrapper="subscription")

    @operation("subscriptions_refund")
    async def refund(self, subscription_id: str) -> Subscription | None:
        """Refund the subscription and return it.

        Moves money, so it is sent exactly once: never retried after it may have reached the
        server. Raises ValidationError for an empty id; NotFoundError when there is none.

        Returns ``None`` when the answer holds no subscription (``{}``, ``{"success": true}``,
        a message, an empty 204): the change was made all the same.
        """
        response = await self._call(
            "subscriptions_refund",
            path_params={
                "subscriptionId": _arg(
                    "subscriptions_refund", "subscriptionId", "subscription_id", subscription_id
                )
            },
        )
        return written(response, Subscription, wrapper="subscription")


LISTINGS: Final[Mapping[str, Listing]] = {
    listing.name: listing
    for listing in (_PRODUCTS, _ORDERS, _CUSTOMERS, _REVIEWS, _DISCOUNTS, _UPSELLS, _SUBSCRIPTIONS)
}
"""Every list of the API by resource name (``client.<name>``), in the order an export of the
whole store reads them."""
