"""What the Pocketsflow resources share: the lists of the API, the argument types, the base class.

The resource classes live by group of endpoints: :mod:`storeflow.pocketsflow._catalog` (products
and their variants, reviews, discounts, upsells) and :mod:`storeflow.pocketsflow._sales` (orders,
customers, subscriptions, the user's profile).

Every method checks its arguments before sending (:class:`~storeflow.errors.ValidationError`
names the argument and the rule) and returns the generated models of
:mod:`storeflow.pocketsflow.models`; paginated lists return a :class:`~storeflow.Page` and have
an ``iter(...)`` that walks every page.

Conventions:

- Only what the reference states is checked before sending (the generated rules of
  :mod:`storeflow.pocketsflow._params`); every other rule is the server's, and its 400 comes
  back as :class:`~storeflow.errors.BadRequestError`.
- Ids are any non-empty string, sent percent-encoded (the REST examples show ObjectIds, the
  webhook examples other ids; whether one names an object is the server's answer). An empty id
  raises ValidationError before sending.
- Money (``price``, ``value``, ``upsell_price``) is a ``Decimal``, an ``int`` or a ``float`` in
  major units, sent as the exact JSON number; a float is read by its shortest repr, so
  ``49.99`` sends ``49.99``. No bound is documented, so none is checked.
- Update methods send only the fields given: ``None`` (the default) leaves a field unchanged.
  The reference does not forbid an update with no field, so it is sent (the server decides).
- A create, update, cancel or refund returns the object the server answered with, or ``None``
  when the answer holds none (``{}``, ``{"success": true}``, a message, an empty 204): the
  change was made all the same.
- A delete returns the answer as :class:`~storeflow.pocketsflow.models.Deleted`, whatever its
  form: ``message`` when there is one, the rest in ``extra``; an empty 204 gives an empty
  ``Deleted``.
- Dates (``start_date``, ``end_date``) are a ``date``, a timezone-aware ``datetime`` or an ISO
  8601 string; a naive ``datetime`` is refused.

Every method may also raise what :meth:`storeflow._transport.Transport.call` raises:
:class:`~storeflow.errors.AuthenticationError` (401), :class:`~storeflow.errors.NotFoundError`
(404), other :class:`~storeflow.errors.APIError` subclasses, ``ConnectionError`` and
``TimeoutError`` from :mod:`storeflow.errors`, and :class:`~storeflow.errors.DecodeError`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, TypeAlias

import attrs

from storeflow import _validate as check
from storeflow._resource import Envelope, Resource
from storeflow.pagination import Listing
from storeflow.pocketsflow._operations import OPERATIONS
from storeflow.pocketsflow._params import ARGUMENTS

__all__ = ["ITER_PAGE_SIZE", "LISTINGS", "Day", "Money", "PocketsflowResource"]

ITER_PAGE_SIZE: Final = 100
"""The page size ``iter()`` asks for unless told otherwise. The reference states no maximum;
100 is the most Reflow serves, and what the export asks both APIs for."""

Money: TypeAlias = Decimal | int | float
"""An amount in major units: ``Decimal("29.99")``, ``30`` or ``29.99``."""

Day: TypeAlias = dt.date | str
"""A ``date``, a timezone-aware ``datetime`` or an ISO 8601 string (``"2024-01-31"``)."""

arg: Final = functools.partial(check.argument, ARGUMENTS)
"""Check an argument of an operation (:func:`storeflow._validate.argument` on this API's rules)."""

# The lists of the API, each declared once (see storeflow.pagination). Paginated ones are asked
# for `page` and `pageSize` and answer with a `pagination` block.
PRODUCTS: Final = Listing(name="products", operation=OPERATIONS["products_list"], id_field="_id")
CUSTOMERS: Final = Listing(name="customers", operation=OPERATIONS["customers_list"], id_field="_id")
REVIEWS: Final = Listing(name="reviews", operation=OPERATIONS["reviews_list"], id_field="_id")
DISCOUNTS: Final = Listing(name="discounts", operation=OPERATIONS["discounts_list"], id_field="_id")
UPSELLS: Final = Listing(
    name="upsells", operation=OPERATIONS["upsells_list"], id_field="_id", items="upsells"
)
ORDERS: Final = Listing(
    name="orders",
    operation=OPERATIONS["orders_list"],
    id_field="_id",
    items="orders",
    envelope="pocketsflow",
    size_param="pageSize",
    page_size=ITER_PAGE_SIZE,
    bound="instant",
)
SUBSCRIPTIONS: Final = attrs.evolve(
    ORDERS,
    name="subscriptions",
    operation=OPERATIONS["subscriptions_list"],
    items="subscriptions",
    query_in_body=True,  # listed with a POST: the filters are its JSON body
    bound="none",  # filtered by whole days, never pinned
)

LISTINGS: Final[Mapping[str, Listing]] = {
    listing.name: listing
    for listing in (PRODUCTS, ORDERS, CUSTOMERS, REVIEWS, DISCOUNTS, UPSELLS, SUBSCRIPTIONS)
}
"""Every list of the API by resource name (``client.<name>``), in the order an export of the
whole store reads them."""


class PocketsflowResource(Resource):
    """Base of the Pocketsflow resources: its operations, rules and page envelope."""

    api = "pocketsflow"
    _operations = OPERATIONS
    _arguments = ARGUMENTS
    _page_size_name = "page_size"

    @staticmethod
    def _envelope(result: Any) -> Envelope:
        paging = result.pagination
        if paging is None:
            return None, None, None, None
        return paging.current_page, paging.page_size, paging.total_count, paging.total_pages
