"""Orders, customers, subscriptions and the user's own profile: the Pocketsflow sales side,
following the conventions of :mod:`storeflow.pocketsflow._resources`."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import AsyncGenerator

from storeflow._resource import Filters, operation
from storeflow.pagination import DEFAULT_CONCURRENCY, Page
from storeflow.pocketsflow._params import CustomerSortByLiteral, SortOrderLiteral
from storeflow.pocketsflow._resources import (
    CUSTOMERS,
    ITER_PAGE_SIZE,
    ORDERS,
    SUBSCRIPTIONS,
    Day,
    PocketsflowResource,
    arg,
)
from storeflow.pocketsflow.models import (
    Customer,
    CustomerDetail,
    CustomerSortBy,
    Order,
    OrderDetail,
    OrderPage,
    SortOrder,
    Subscription,
    SubscriptionPage,
    User,
    UserUpdate,
)

__all__ = ["Customers", "Orders", "Subscriptions", "Users"]


def _order_filters(start_date: object, end_date: object, product_id: object) -> Filters:
    """The checked query filters of ``GET /orders`` (``None`` for those not given)."""
    return {
        "startDate": arg("orders_list", "startDate", "start_date", start_date),
        "endDate": arg("orders_list", "endDate", "end_date", end_date),
        "productId": arg("orders_list", "productId", "product_id", product_id),
    }


def _day_range(start_date: object, end_date: object) -> Filters:
    """The checked ``start_date`` and ``end_date`` of the subscription list."""
    return {
        "startDate": arg("subscriptions_list", "startDate", "start_date", start_date),
        "endDate": arg("subscriptions_list", "endDate", "end_date", end_date),
    }


class Orders(PocketsflowResource):
    """Orders (``pf.orders``), newest first."""

    listing = ORDERS

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
        return await self._list(OrderPage, page, page_size, filters)

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
        size = self._page_size(page_size)
        pinned_end = ORDERS.pin(dt.datetime.now(dt.UTC)) if end_date is None else end_date
        filters = _order_filters(start_date, pinned_end, product_id)
        return self._walk(OrderPage, size, filters, concurrency)

    @operation("orders_get")
    async def get(self, order_id: str) -> OrderDetail:
        """Return the order ``order_id`` with its product, customer and review.

        Raises NotFoundError when there is no such order.
        """
        return await self._read("orders_get", OrderDetail, ("id", "order_id", order_id))


class Customers(PocketsflowResource):
    """Customers (``pf.customers``): everyone who bought from the store."""

    listing = CUSTOMERS

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
            "productId": arg("customers_list", "productId", "product_id", product_id),
            "sortBy": arg("customers_list", "sortBy", "sort_by", sort_by),
            "sortOrder": arg("customers_list", "sortOrder", "sort_order", sort_order),
        }
        return await self._read("customers_list", list[Customer], params=params)

    @operation("customers_get")
    async def get(self, customer_id: str) -> CustomerDetail:
        """Return the customer ``customer_id``, with orders and reviews; NotFoundError if none."""
        path = ("id", "customer_id", customer_id)
        return await self._read("customers_get", CustomerDetail, path)


class Users(PocketsflowResource):
    """The authenticated user's profile and settings (``pf.users``)."""

    @operation("users_me")
    async def me(self) -> User:
        """Return the authenticated user's profile."""
        return await self._read("users_me", User)

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
        """
        return await self._write(
            "users_update", User, wrapper="user", body=UserUpdate, values=locals()
        )


class Subscriptions(PocketsflowResource):
    """Subscriptions (``pf.subscriptions``): buyers' recurring payments for a product."""

    listing = SUBSCRIPTIONS

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
        return await self._list(SubscriptionPage, page, page_size, _day_range(start_date, end_date))

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
        size = self._page_size(page_size)
        return self._walk(SubscriptionPage, size, _day_range(start_date, end_date), concurrency)

    @operation("subscriptions_get")
    async def get(self, subscription_id: str) -> Subscription:
        """Return the subscription ``subscription_id``; NotFoundError when there is none."""
        path = ("id", "subscription_id", subscription_id)
        return await self._read("subscriptions_get", Subscription, path)

    @operation("subscriptions_cancel")
    async def cancel(self, subscription_id: str) -> Subscription | None:
        """Cancel the subscription and return it; cancelling it again changes nothing.

        Raises NotFoundError when there is no such subscription.
        """
        path = ("subscriptionId", "subscription_id", subscription_id)
        return await self._write("subscriptions_cancel", Subscription, path, wrapper="subscription")

    @operation("subscriptions_refund")
    async def refund(self, subscription_id: str) -> Subscription | None:
        """Refund the subscription and return it.

        Moves money, so it is sent exactly once: never retried after it may have reached the
        server. Raises NotFoundError when there is no such subscription.
        """
        path = ("subscriptionId", "subscription_id", subscription_id)
        return await self._write("subscriptions_refund", Subscription, path, wrapper="subscription")
