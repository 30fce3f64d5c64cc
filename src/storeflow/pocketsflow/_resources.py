"""The typed methods of the Pocketsflow API, one resource class per group of endpoints.

Every method checks its arguments before sending (:class:`~storeflow.errors.ValidationError`
names the argument and the rule) and returns the generated models of
:mod:`storeflow.pocketsflow.models`; paginated lists return a :class:`~storeflow.Page` and have
an ``iter(...)`` that walks every page.

Conventions:

- Ids are ObjectIds (24 lowercase hex characters); anything else is refused before sending.
- Money (``price``, ``value``, ``upsell_price``) is a ``Decimal`` or an ``int`` in major units,
  sent as the exact JSON number. A ``float`` is refused: it cannot hold most amounts exactly.
  So are negative amounts and amounts with more than two decimal places.
- Update methods send only the fields given: ``None`` (the default) leaves a field unchanged,
  and an update with no field raises ValidationError before anything is sent.
- Datetimes must be timezone-aware.

Every method may also raise what :meth:`storeflow._transport.Transport.call` raises:
:class:`~storeflow.errors.AuthenticationError` (401), :class:`~storeflow.errors.NotFoundError`
(404), other :class:`~storeflow.errors.APIError` subclasses, ``ConnectionError`` and
``TimeoutError`` from :mod:`storeflow.errors`, and :class:`~storeflow.errors.DecodeError`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Final, TypeAlias, TypeVar

from storeflow import _validate as check
from storeflow._resource import Filters, Resource, operation, update_body
from storeflow._transport import Transport
from storeflow.errors import ValidationError
from storeflow.pagination import DEFAULT_CONCURRENCY, Page, iterate
from storeflow.pocketsflow._operations import OPERATIONS
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

PAGE_SIZE_MAX: Final = 100
"""The largest ``page_size`` (the schema's ``PageSize`` maximum)."""

PERCENT_MAX: Final = 100
"""The largest ``value`` of a ``percentage`` discount."""

_DISCOUNT_CODE: Final = re.compile(r"[A-Za-z0-9_-]+")
_CURRENCY: Final = re.compile(r"[A-Z]{3}")
_COUNTRY: Final = re.compile(r"[A-Z]{2}")
_CODE_RULE: Final = "must hold only letters, digits, '_' and '-'"

T = TypeVar("T")

Money: TypeAlias = Decimal | int
"""An amount in major units: ``Decimal("29.99")`` or ``30``. Never a float."""


def _page_number(page: object) -> int:
    return check.integer("page", page, minimum=1)


def _page_size(page_size: object) -> int:
    return check.integer("page_size", page_size, minimum=1, maximum=PAGE_SIZE_MAX)


def _name(argument: str, name: object) -> str:
    return check.text(argument, name, min_length=1)


def _product_ids(argument: str, ids: object, *, min_items: int = 0) -> list[str]:
    return check.items(argument, ids, check.object_id, min_items=min_items or None)


def _page(
    items: list[T], pagination: Pagination, fetch: Callable[[int], Awaitable[Page[T]]]
) -> Page[T]:
    return Page(
        fetch=fetch,
        items=items,
        page=pagination.current_page,
        page_size=pagination.page_size,
        total=pagination.total_count,
        total_pages=pagination.total_pages,
    )


def _order_filters(start_date: object, end_date: object, product_id: object) -> Filters:
    """The checked query filters of ``GET /orders`` (``None`` for those not given)."""
    return {
        "startDate": check.optional(check.aware_datetime, "start_date", start_date),
        "endDate": check.optional(check.aware_datetime, "end_date", end_date),
        "productId": check.optional(check.object_id, "product_id", product_id),
    }


def _day_range(start_date: object, end_date: object) -> tuple[dt.date | None, dt.date | None]:
    """The checked ``start_date`` and ``end_date`` of the subscription list."""
    return (
        check.optional(check.day, "start_date", start_date),
        check.optional(check.day, "end_date", end_date),
    )


def _percentage_rule(value: Decimal | None, value_type: ValueType | None) -> None:
    """Refuse a percentage discount of more than 100 %.

    An update that changes only one of the two is left to the server, which knows the other.
    """
    if value_type is ValueType.PERCENTAGE and value is not None and value > PERCENT_MAX:
        raise ValidationError("value", f"must be at most {PERCENT_MAX} for a percentage discount")


class _Resource(Resource):
    _operations = OPERATIONS


class Variants(_Resource):
    """Variants of a product (``pf.products.variants``): editions at their own price."""

    @operation("variants_create")
    async def create(self, *, product_id: str, name: str, price: Money) -> Variant:
        """Create a variant of the product ``product_id`` and return it.

        Raises ValidationError for a malformed ``product_id``, an empty ``name`` or an invalid
        ``price``; NotFoundError when the product does not exist.
        """
        body = VariantCreate(
            product_id=check.object_id("product_id", product_id),
            name=_name("name", name),
            price=check.money("price", price),
        )
        response = await self._call("variants_create", json=body)
        return response.decode(Variant)

    @operation("variants_delete")
    async def delete(self, variant_id: str) -> Deleted:
        """Delete the variant ``variant_id``.

        Raises ValidationError for a malformed id; NotFoundError when there is no such variant.
        """
        response = await self._call(
            "variants_delete", path_params={"id": check.object_id("variant_id", variant_id)}
        )
        return response.decode(Deleted)


class Products(_Resource):
    """Digital products (``pf.products``); their variants are ``pf.products.variants``."""

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

        Raises ValidationError for a malformed id; NotFoundError when there is no such product.
        """
        response = await self._call(
            "products_get", path_params={"id": check.object_id("product_id", product_id)}
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
    ) -> Product:
        """Create a product and return it. Options left as ``None`` are not sent.

        Sent exactly once: a create is never retried after it may have reached the server.
        Raises ValidationError for an empty ``name``, an invalid ``price`` (see the module
        notes on money) or a non-bool flag.
        """
        body = ProductCreate(
            name=_name("name", name),
            price=check.money("price", price),
            description=check.optional(check.text, "description", description),
            published=check.optional(check.boolean, "published", published),
            show_sales=check.optional(check.boolean, "show_sales", show_sales),
            show_reviews=check.optional(check.boolean, "show_reviews", show_reviews),
        )
        response = await self._call("products_create", json=body)
        return response.decode(Product)

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
    ) -> Product:
        """Change the fields given (``None`` leaves one unchanged) and return the product.

        Raises ValidationError for a malformed id, an invalid value, or no field at all;
        NotFoundError when there is no such product.
        """
        path = {"id": check.object_id("product_id", product_id)}
        changes = ProductUpdate(
            name=check.optional(_name, "name", name),
            price=check.optional(check.money, "price", price),
            description=check.optional(check.text, "description", description),
            published=check.optional(check.boolean, "published", published),
            show_sales=check.optional(check.boolean, "show_sales", show_sales),
            show_reviews=check.optional(check.boolean, "show_reviews", show_reviews),
        )
        response = await self._call("products_update", path_params=path, json=update_body(changes))
        return response.decode(Product)

    @operation("products_delete")
    async def delete(self, product_id: str) -> Deleted:
        """Delete the product ``product_id`` and its variants.

        Raises ValidationError for a malformed id; NotFoundError when there is no such product.
        """
        response = await self._call(
            "products_delete", path_params={"id": check.object_id("product_id", product_id)}
        )
        return response.decode(Deleted)


class Orders(_Resource):
    """Orders (``pf.orders``), newest first."""

    @operation("orders_list")
    async def list(
        self,
        *,
        page: int = 1,
        page_size: int = 20,
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        product_id: str | None = None,
    ) -> Page[Order]:
        """Return one page of orders, newest first.

        ``start_date`` and ``end_date`` (timezone-aware, both inclusive) bound when the orders
        were created; ``product_id`` keeps the orders of one product. Raises ValidationError for
        ``page`` below 1, ``page_size`` outside 1-100, a naive datetime or a malformed id.
        """
        filters = _order_filters(start_date, end_date, product_id)
        return await self._fetch(_page_number(page), _page_size(page_size), filters)

    def iter(
        self,
        *,
        start_date: dt.datetime | None = None,
        end_date: dt.datetime | None = None,
        product_id: str | None = None,
        page_size: int = PAGE_SIZE_MAX,
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
        size = _page_size(page_size)
        pinned_end = dt.datetime.now(dt.UTC) if end_date is None else end_date
        filters = _order_filters(start_date, pinned_end, product_id)
        return iterate(lambda page: self._fetch(page, size, filters), concurrency=concurrency)

    async def _fetch(self, page: int, page_size: int, filters: Filters) -> Page[Order]:
        response = await self._call(
            "orders_list", params={"page": page, "pageSize": page_size, **filters}
        )
        result = response.decode(OrderPage)
        return _page(result.orders, result.pagination, lambda n: self._fetch(n, page_size, filters))

    @operation("orders_get")
    async def get(self, order_id: str) -> OrderDetail:
        """Return the order ``order_id`` with its product, customer and review.

        Raises ValidationError for a malformed id; NotFoundError when there is no such order.
        """
        response = await self._call(
            "orders_get", path_params={"id": check.object_id("order_id", order_id)}
        )
        return response.decode(OrderDetail)


class Customers(_Resource):
    """Customers (``pf.customers``): everyone who bought from the store."""

    @operation("customers_list")
    async def list(
        self,
        *,
        product_id: str | None = None,
        sort_by: CustomerSortBy | str | None = None,
        sort_order: SortOrder | str | None = None,
    ) -> builtins.list[Customer]:
        """Return every customer, or those who bought ``product_id``, sorted as asked.

        ``sort_by`` is a :class:`~storeflow.pocketsflow.models.CustomerSortBy` (or its value:
        ``"email"``, ``"country"``, ``"numberOfOrders"``, ``"createdAt"``); ``sort_order``
        ``"asc"`` or ``"desc"``. Raises ValidationError for a malformed id or an unknown value.
        """
        params = {
            "productId": check.optional(check.object_id, "product_id", product_id),
            "sortBy": check.optional(check.choice, "sort_by", sort_by, CustomerSortBy),
            "sortOrder": check.optional(check.choice, "sort_order", sort_order, SortOrder),
        }
        response = await self._call("customers_list", params=params)
        return response.decode(list[Customer])

    @operation("customers_get")
    async def get(self, customer_id: str) -> CustomerDetail:
        """Return the customer ``customer_id`` with their orders and reviews.

        Raises ValidationError for a malformed id; NotFoundError when there is no such customer.
        """
        response = await self._call(
            "customers_get", path_params={"id": check.object_id("customer_id", customer_id)}
        )
        return response.decode(CustomerDetail)


class Reviews(_Resource):
    """Reviews of the store's products (``pf.reviews``)."""

    @operation("reviews_list")
    async def list(self) -> builtins.list[Review]:
        """Return every review of the authenticated user's products."""
        response = await self._call("reviews_list")
        return response.decode(list[Review])

    @operation("reviews_list_for_product")
    async def list_for_product(self, product_id: str) -> builtins.list[Review]:
        """Return the reviews of the product ``product_id``.

        A public endpoint: the request is sent without the API key. Raises ValidationError for
        a malformed id; NotFoundError when there is no such product.
        """
        response = await self._call(
            "reviews_list_for_product",
            path_params={"productId": check.object_id("product_id", product_id)},
        )
        return response.decode(list[Review])


class Discounts(_Resource):
    """Discount codes (``pf.discounts``)."""

    @operation("discounts_list")
    async def list(self) -> builtins.list[Discount]:
        """Return every discount code."""
        response = await self._call("discounts_list")
        return response.decode(list[Discount])

    @operation("discounts_get")
    async def get(self, discount_id: str) -> Discount:
        """Return the discount ``discount_id``.

        Raises ValidationError for a malformed id; NotFoundError when there is no such discount.
        """
        response = await self._call(
            "discounts_get", path_params={"id": check.object_id("discount_id", discount_id)}
        )
        return response.decode(Discount)

    @operation("discounts_create")
    async def create(
        self,
        *,
        name: str,
        code: str,
        value: Money,
        value_type: ValueType | str,
        active: bool | None = None,
        main_product_ids: Sequence[str] | None = None,
    ) -> Discount:
        """Create a discount code and return it.

        ``value`` is a percentage (``value_type="percentage"``, at most 100) or an amount of
        money off (``"fixed"``), checked as money either way. ``code`` holds letters, digits,
        ``_`` and ``-``. ``main_product_ids`` limits the code to those products. Sent exactly
        once. Raises ValidationError for an invalid argument.
        """
        body = DiscountCreate(
            name=_name("name", name),
            code=check.text("code", code, pattern=_DISCOUNT_CODE, rule=_CODE_RULE),
            value=check.money("value", value),
            value_type=check.choice("value_type", value_type, ValueType),
            active=check.optional(check.boolean, "active", active),
            main_product_ids=check.optional(_product_ids, "main_product_ids", main_product_ids),
        )
        _percentage_rule(body.value, body.value_type)
        response = await self._call("discounts_create", json=body)
        return response.decode(Discount)

    @operation("discounts_update")
    async def update(
        self,
        discount_id: str,
        *,
        name: str | None = None,
        code: str | None = None,
        value: Money | None = None,
        value_type: ValueType | str | None = None,
        active: bool | None = None,
        main_product_ids: Sequence[str] | None = None,
    ) -> Discount:
        """Change the fields given (``None`` leaves one unchanged) and return the discount.

        Raises ValidationError for a malformed id, an invalid value or no field at all;
        NotFoundError when there is no such discount.
        """
        path = {"id": check.object_id("discount_id", discount_id)}
        changes = DiscountUpdate(
            name=check.optional(_name, "name", name),
            code=check.optional(check.text, "code", code, pattern=_DISCOUNT_CODE, rule=_CODE_RULE),
            value=check.optional(check.money, "value", value),
            value_type=check.optional(check.choice, "value_type", value_type, ValueType),
            active=check.optional(check.boolean, "active", active),
            main_product_ids=check.optional(_product_ids, "main_product_ids", main_product_ids),
        )
        _percentage_rule(changes.value, changes.value_type)
        response = await self._call("discounts_update", path_params=path, json=update_body(changes))
        return response.decode(Discount)

    @operation("discounts_delete")
    async def delete(self, discount_id: str) -> Deleted:
        """Delete the discount ``discount_id``.

        Raises ValidationError for a malformed id; NotFoundError when there is no such discount.
        """
        response = await self._call(
            "discounts_delete", path_params={"id": check.object_id("discount_id", discount_id)}
        )
        return response.decode(Deleted)


class Upsells(_Resource):
    """Upsells (``pf.upsells``): offers shown after checkout to buyers of the main products."""

    @operation("upsells_list")
    async def list(self) -> UpsellList:
        """Return every upsell and the sales made with upsells."""
        response = await self._call("upsells_list")
        return response.decode(UpsellList)

    @operation("upsells_get")
    async def get(self, upsell_id: str) -> Upsell:
        """Return the upsell ``upsell_id``.

        Raises ValidationError for a malformed id; NotFoundError when there is no such upsell.
        """
        response = await self._call(
            "upsells_get", path_params={"id": check.object_id("upsell_id", upsell_id)}
        )
        return response.decode(Upsell)

    @operation("upsells_create")
    async def create(
        self,
        *,
        name: str,
        main_product_ids: Sequence[str],
        upsell_product_id: str,
        upsell_price: Money,
        upsell_description: str | None = None,
        primary_button_text: str | None = None,
        secondary_button_text: str | None = None,
        active: bool | None = None,
    ) -> Upsell:
        """Offer ``upsell_product_id`` at ``upsell_price`` to buyers of ``main_product_ids``.

        Returns the created upsell; sent exactly once. Raises ValidationError for an invalid
        argument (``main_product_ids`` needs at least one id); NotFoundError when a product does
        not exist.
        """
        body = UpsellCreate(
            name=_name("name", name),
            main_product_ids=_product_ids("main_product_ids", main_product_ids, min_items=1),
            upsell_product_id=check.object_id("upsell_product_id", upsell_product_id),
            upsell_price=check.money("upsell_price", upsell_price),
            upsell_description=check.optional(check.text, "upsell_description", upsell_description),
            primary_button_text=check.optional(
                check.text, "primary_button_text", primary_button_text
            ),
            secondary_button_text=check.optional(
                check.text, "secondary_button_text", secondary_button_text
            ),
            active=check.optional(check.boolean, "active", active),
        )
        response = await self._call("upsells_create", json=body)
        return response.decode(Upsell)

    @operation("upsells_update")
    async def update(
        self,
        upsell_id: str,
        *,
        name: str | None = None,
        main_product_ids: Sequence[str] | None = None,
        upsell_product_id: str | None = None,
        upsell_price: Money | None = None,
        upsell_description: str | None = None,
        primary_button_text: str | None = None,
        secondary_button_text: str | None = None,
        active: bool | None = None,
    ) -> Upsell:
        """Change the fields given (``None`` leaves one unchanged) and return the upsell.

        Raises ValidationError for a malformed id, an invalid value or no field at all;
        NotFoundError when the upsell (or a product named) does not exist.
        """
        path = {"id": check.object_id("upsell_id", upsell_id)}
        changes = UpsellUpdate(
            name=check.optional(_name, "name", name),
            main_product_ids=check.optional(
                _product_ids, "main_product_ids", main_product_ids, min_items=1
            ),
            upsell_product_id=check.optional(
                check.object_id, "upsell_product_id", upsell_product_id
            ),
            upsell_price=check.optional(check.money, "upsell_price", upsell_price),
            upsell_description=check.optional(check.text, "upsell_description", upsell_description),
            primary_button_text=check.optional(
                check.text, "primary_button_text", primary_button_text
            ),
            secondary_button_text=check.optional(
                check.text, "secondary_button_text", secondary_button_text
            ),
            active=check.optional(check.boolean, "active", active),
        )
        response = await self._call("upsells_update", path_params=path, json=update_body(changes))
        return response.decode(Upsell)

    @operation("upsells_delete")
    async def delete(self, upsell_id: str) -> Deleted:
        """Delete the upsell ``upsell_id``.

        Raises ValidationError for a malformed id; NotFoundError when there is no such upsell.
        """
        response = await self._call(
            "upsells_delete", path_params={"id": check.object_id("upsell_id", upsell_id)}
        )
        return response.decode(Deleted)


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
    ) -> User:
        """Change the settings given (``None`` leaves one unchanged) and return the profile.

        ``currency`` is an ISO 4217 code (``"USD"``), ``country`` an ISO 3166-1 alpha-2 code
        (``"US"``), both upper case. Raises ValidationError for a malformed code or no field.
        """
        changes = UserUpdate(
            first_name=check.optional(check.text, "first_name", first_name),
            last_name=check.optional(check.text, "last_name", last_name),
            currency=check.optional(
                check.text,
                "currency",
                currency,
                pattern=_CURRENCY,
                rule="must be a 3-letter upper-case ISO 4217 code such as 'USD'",
            ),
            country=check.optional(
                check.text,
                "country",
                country,
                pattern=_COUNTRY,
                rule="must be a 2-letter upper-case ISO 3166-1 code such as 'US'",
            ),
        )
        response = await self._call("users_update", json=update_body(changes))
        return response.decode(User)


class Subscriptions(_Resource):
    """Subscriptions (``pf.subscriptions``): buyers' recurring payments for a product."""

    @operation("subscriptions_list")
    async def list(
        self,
        *,
        page: int = 1,
        page_size: int = 20,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
    ) -> Page[Subscription]:
        """Return one page of subscriptions started between ``start_date`` and ``end_date``.

        Both bounds are days (``datetime.date``) and inclusive. The API reads this list with a
        POST and a JSON body; it changes nothing and is retried like a GET. Raises
        ValidationError for ``page`` below 1, ``page_size`` outside 1-100, or a bound that is
        not a ``date`` (a ``datetime`` is refused: its day depends on a timezone).
        """
        return await self._fetch(
            _page_number(page), _page_size(page_size), *_day_range(start_date, end_date)
        )

    def iter(
        self,
        *,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        page_size: int = PAGE_SIZE_MAX,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> AsyncGenerator[Subscription, None]:
        """Iterate over every matching subscription, fetching pages concurrently, in order.

        Filters as :meth:`list`; arguments are checked at once (ValidationError).
        """
        size = _page_size(page_size)
        start, end = _day_range(start_date, end_date)
        return iterate(lambda page: self._fetch(page, size, start, end), concurrency=concurrency)

    async def _fetch(
        self, page: int, page_size: int, start_date: dt.date | None, end_date: dt.date | None
    ) -> Page[Subscription]:
        query = SubscriptionQuery(
            page=page, page_size=page_size, start_date=start_date, end_date=end_date
        )
        response = await self._call("subscriptions_list", json=query)
        result = response.decode(SubscriptionPage)
        return _page(
            result.subscriptions,
            result.pagination,
            lambda n: self._fetch(n, page_size, start_date, end_date),
        )

    @operation("subscriptions_get")
    async def get(self, subscription_id: str) -> Subscription:
        """Return the subscription ``subscription_id``.

        Raises ValidationError for a malformed id; NotFoundError when there is none.
        """
        response = await self._call(
            "subscriptions_get",
            path_params={"id": check.object_id("subscription_id", subscription_id)},
        )
        return response.decode(Subscription)

    @operation("subscriptions_cancel")
    async def cancel(self, subscription_id: str) -> Subscription:
        """Cancel the subscription and return it; cancelling it again changes nothing.

        Raises ValidationError for a malformed id; NotFoundError when there is none.
        """
        response = await self._call(
            "subscriptions_cancel",
            path_params={"subscriptionId": check.object_id("subscription_id", subscription_id)},
        )
        return response.decode(Subscription)

    @operation("subscriptions_refund")
    async def refund(self, subscription_id: str) -> Subscription:
        """Refund the subscription and return it.

        Moves money, so it is sent exactly once: never retried after it may have reached the
        server. Raises ValidationError for a malformed id; NotFoundError when there is none.
        """
        response = await self._call(
            "subscriptions_refund",
            path_params={"subscriptionId": check.object_id("subscription_id", subscription_id)},
        )
        return response.decode(Subscription)
