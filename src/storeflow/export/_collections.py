"""The collections an export can fetch: per API, which lists, and how a date range filters them.

Each :class:`Collection` is one list the API declares (its
:class:`~storeflow.pagination.Listing`, found as ``Pocketsflow.listings[name]`` or
``Reflow.listings[name]``: operation, page parameters, envelope, id field, how its time bound
is pinned), plus what only an export needs: its model (for the CSV header), its CSV column
adjustments, and how the export's date range becomes query parameters. The records are
fetched through the client, as raw pages (:meth:`storeflow._resource.Resource.raw_page`), the
listing's page size at a time: 100 records, the most Reflow serves (its documented ``per_page``
maximum, read from the generated rules); Pocketsflow documents no maximum and is asked for as
many.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from storeflow._apis import API_NAMES, ApiName
from storeflow._client import BaseClient
from storeflow.errors import ValidationError
from storeflow.pagination import Listing, ceil_seconds
from storeflow.pocketsflow import Pocketsflow
from storeflow.pocketsflow import models as pocketsflow_models
from storeflow.reflow import Reflow
from storeflow.reflow import models as reflow_models

__all__ = [
    "COLLECTIONS",
    "Collection",
    "get",
]

DateStyle: TypeAlias = Literal["none", "iso", "day", "unix"]

_CLIENTS: Final[Mapping[ApiName, type[BaseClient]]] = {
    "pocketsflow": Pocketsflow,
    "reflow": Reflow,
}


@attrs.frozen(kw_only=True)
class Collection:
    """How to export one collection of one API: the list ``name`` of ``api``.

    ``dates`` says how a date range becomes parameters: ``"iso"`` (``startDate``/``endDate``
    instants), ``"day"`` (``startDate``/``endDate`` days), ``"unix"``
    (``created_after``/``created_before`` seconds) or ``"none"`` (not filterable).
    ``csv_exclude``/``csv_extra`` adjust the model's CSV columns.
    """

    api: ApiName
    name: str
    model: type
    dates: DateStyle = "none"
    csv_exclude: tuple[str, ...] = ()
    csv_extra: tuple[str, ...] = ()

    @property
    def listing(self) -> Listing:
        """The API's declaration of this list."""
        return _CLIENTS[self.api].listings[self.name]

    @property
    def pin(self) -> bool:
        """Whether the export pins the list's upper time bound at its start (to the list's own
        pin, :meth:`~storeflow.pagination.Listing.pin`, which the export waits for to pass
        before its first request)."""
        return self.listing.bound != "none"

    def params(
        self,
        *,
        pinned_at: dt.datetime | None,
        start_date: dt.date | dt.datetime | None,
        end_date: dt.date | dt.datetime | None,
        has_key: bool,
    ) -> dict[str, Any]:
        """The filter parameters sent with every page (besides the page number and size).

        ``pinned_at`` (the listing's pin, for collections with ``pin``) caps the upper
        bound, so records created during the export stay out of it. A ``date`` as
        ``start_date`` means from the start of that day (UTC); as ``end_date``, through the end
        of that day. A list that hides records from the public (Reflow products) is asked for
        them too when the client has a key.

        Raises:
            ValidationError: a date range for a collection the API cannot filter by date, a
                naive datetime, or ``start_date`` after ``end_date``.
        """
        params: dict[str, Any] = {}
        reveal = self.listing.reveal
        if reveal is not None and has_key:
            params[reveal] = "true"
        if self.dates == "none":
            if start_date is not None or end_date is not None:
                raise ValidationError(
                    "start_date" if start_date is not None else "end_date",
                    f"{self.api} {self.name} cannot be filtered by date",
                )
            return params
        low = None if start_date is None else _instant(start_date, "start_date", end=False)
        high = None if end_date is None else _instant(end_date, "end_date", end=True)
        if low is not None and high is not None and low > high:
            raise ValidationError("start_date", "must not be after end_date")
        if self.dates == "unix":
            # Reflow's bounds are exclusive whole seconds: after `low - 1`, before `high + 1`,
            # or before the pinned second, whichever is earlier.
            if low is not None:
                params["created_after"] = ceil_seconds(low) - 1
            befores = [] if high is None else [int(high.timestamp()) + 1]
            if pinned_at is not None:
                befores.append(int(pinned_at.timestamp()))
            if befores:
                params["created_before"] = min(befores)
            return params
        if pinned_at is not None:
            high = pinned_at if high is None else min(high, pinned_at)
        if self.dates == "iso":
            if low is not None:
                params["startDate"] = _iso(low)
            if high is not None:
                params["endDate"] = _iso(high)
        else:  # whole days, both inclusive
            if low is not None:
                params["startDate"] = low.date().isoformat()
            if high is not None:
                params["endDate"] = high.date().isoformat()
        return params


def _instant(value: dt.date | dt.datetime, name: str, *, end: bool) -> dt.datetime:
    if not isinstance(value, dt.date):
        raise ValidationError(
            name, f"must be a date or a timezone-aware datetime, got {type(value).__name__}"
        )
    try:
        if isinstance(value, dt.datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValidationError(name, "must be a timezone-aware datetime (or a date)")
            return value.astimezone(dt.UTC)
        day = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
        # An end day is inclusive: up to its last millisecond (the finest step ISO bounds carry).
        return day + dt.timedelta(days=1, milliseconds=-1) if end else day
    except OverflowError:
        raise ValidationError(name, f"is out of range: {value!r}") from None


def _iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _pocketsflow(name: str, model: type, **options: Any) -> Collection:
    return Collection(api="pocketsflow", name=name, model=model, **options)


def _reflow(name: str, model: type, **options: Any) -> Collection:
    return Collection(api="reflow", name=name, model=model, **options)


_TABLE: Final = (
    _pocketsflow("products", pocketsflow_models.Product),
    _pocketsflow("orders", pocketsflow_models.Order, dates="iso"),
    _pocketsflow("customers", pocketsflow_models.Customer),
    _pocketsflow("reviews", pocketsflow_models.Review),
    _pocketsflow("discounts", pocketsflow_models.Discount),
    _pocketsflow("upsells", pocketsflow_models.Upsell),
    _pocketsflow("subscriptions", pocketsflow_models.Subscription, dates="day"),
    _reflow("products", reflow_models.Product),
    _reflow(
        "categories",
        reflow_models.Category,
        csv_exclude=("subcategories",),
        csv_extra=("parent_id",),
    ),
    _reflow("orders", reflow_models.Order, dates="unix"),
    _reflow("users", reflow_models.User),
    _reflow("plans", reflow_models.Plan),
)

COLLECTIONS: Final[Mapping[ApiName, tuple[str, ...]]] = {
    api: tuple(_CLIENTS[api].listings) for api in API_NAMES
}
"""The collection names of each API, in the order ``all`` exports them."""

_BY_NAME: Final = {(c.api, c.name): c for c in _TABLE}


def get(api: ApiName, name: str) -> Collection:
    """The collection ``name`` of ``api``.

    Raises:
        ValidationError: no such collection; the message lists the valid names.
    """
    try:
        return _BY_NAME[(api, name)]
    except KeyError:
        valid = ", ".join(COLLECTIONS.get(api, ()))
        raise ValidationError(
            "collection", f"{api} has no {name!r}; choose one of {valid}"
        ) from None
