"""The collections an export can fetch: per API, how to get each one as raw JSON records.

Each :class:`Collection` names the schema operation that lists it, where the records sit in the
response, whether (and how) it is paginated, its id field (for de-duplication), its model (for
the CSV header) and how the export's date range and pinned time bound become query parameters.

Paginated collections (Pocketsflow orders and subscriptions; Reflow products, orders and users)
are fetched 100 records a page: the most Reflow serves (its documented ``per_page`` maximum, read
from the generated rules); Pocketsflow documents no maximum and is asked for as many. The others
come in one response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from storeflow import _serde
from storeflow._apis import API_NAMES, ApiName
from storeflow._operation import Operation
from storeflow._transport import RetryPolicy, Transport
from storeflow._validate import maximum
from storeflow.errors import DecodeError, ValidationError
from storeflow.pocketsflow import models as pocketsflow_models
from storeflow.pocketsflow._operations import OPERATIONS as POCKETSFLOW_OPERATIONS
from storeflow.reflow import models as reflow_models
from storeflow.reflow._operations import OPERATIONS as REFLOW_OPERATIONS
from storeflow.reflow._params import ARGUMENTS as REFLOW_ARGUMENTS

__all__ = [
    "COLLECTIONS",
    "PAGE_SIZE",
    "Collection",
    "Page",
    "get",
]

PAGE_SIZE: Final = maximum(REFLOW_ARGUMENTS["users_list"].rules["perpage"])
"""Records per page: the largest page Reflow serves (Pocketsflow states no maximum)."""

MAX_PAGES: Final = 10_000_000
"""The most pages a list may claim (a billion records): a larger ``totalPages`` is an error,
not a loop that never ends."""

_MAX_TOTAL: Final = 2**53  # the largest count every JSON reader holds exactly

Paging: TypeAlias = Literal["none", "pocketsflow", "reflow"]
DateStyle: TypeAlias = Literal["none", "iso", "day", "unix"]
Record: TypeAlias = dict[str, Any]


@attrs.frozen
class Page:
    """One fetched page of raw records: ``number`` counts from 1; ``total`` and
    ``total_pages`` are what the API said about the whole list when it served this page
    (without a count, ``total`` is ``None`` and ``total_pages`` reaches one past a full page)."""

    records: list[Record]
    number: int
    total: int | None
    total_pages: int


@attrs.frozen(kw_only=True)
class Collection:
    """How to export one collection of one API.

    ``items`` is the key of the record list in the response (``None``: the body is the list).
    ``paging`` says how pages are asked for and described: ``"pocketsflow"`` (``page`` and
    ``pageSize``, a ``pagination`` block; sent in the JSON body when ``query_in_body``),
    ``"reflow"`` (``page`` and ``perpage``, a ``meta`` block) or ``"none"``. ``dates`` says how
    a date range becomes parameters: ``"iso"`` (``startDate``/``endDate`` instants), ``"day"``
    (``startDate``/``endDate`` days), ``"unix"`` (``created_after``/``created_before`` seconds)
    or ``"none"`` (not filterable). ``pin`` marks collections whose upper time bound the export
    pins at its start. ``flatten_tree`` turns a nested tree (``subcategories``) into one record
    per node with a ``parent_id``. ``csv_exclude``/``csv_extra`` adjust the model's CSV columns.

    Raises:
        ValueError: ``operation`` is not idempotent. The engine fetches a page again after a
            failure that may have reached the server, which only an idempotent read allows.
    """

    api: ApiName
    name: str
    operation: Operation = attrs.field()
    model: type
    id_field: str
    items: str | None = None
    paging: Paging = "none"
    query_in_body: bool = False
    dates: DateStyle = "none"
    pin: bool = False
    hidden_with_key: bool = False
    flatten_tree: str | None = None
    csv_exclude: tuple[str, ...] = ()
    csv_extra: tuple[str, ...] = ()

    @operation.validator
    def _check_idempotent(self, _: attrs.Attribute[Operation], operation: Operation) -> None:
        if not operation.idempotent:
            raise ValueError(f"{operation.method} {operation.path} is not marked idempotent")

    @property
    def paginated(self) -> bool:
        """Whether the collection comes a page at a time."""
        return self.paging != "none"

    def pin_time(self, now: dt.datetime) -> dt.datetime:
        """The upper time bound to pin for an export starting at ``now`` (timezone-aware).

        ``now`` itself, except for whole-second (``"unix"``) bounds: the next whole second,
        which the export waits for before its first request, so that every record created
        before the bound exists when the export starts and every record created after it falls
        outside the bound.
        """
        if self.dates != "unix":
            return now
        return dt.datetime.fromtimestamp(_ceil_seconds(now), dt.UTC)

    def params(
        self,
        *,
        pinned_at: dt.datetime | None,
        start_date: dt.date | dt.datetime | None,
        end_date: dt.date | dt.datetime | None,
        has_key: bool,
    ) -> dict[str, Any]:
        """The filter parameters sent with every page (besides the page number and size).

        ``pinned_at`` (from :meth:`pin_time`, for collections with ``pin``) caps the upper
        bound, so records created during the export stay out of it. A ``date`` as
        ``start_date`` means from the start of that day (UTC); as ``end_date``, through the end
        of that day. Reflow products ask for hidden products too when the client has a key.

        Raises:
            ValidationError: a date range for a collection the API cannot filter by date, a
                naive datetime, or ``start_date`` after ``end_date``.
        """
        params: dict[str, Any] = {}
        if self.hidden_with_key and has_key:
            params["fetch_hidden"] = "true"
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
                params["created_after"] = _ceil_seconds(low) - 1
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

    async def fetch(
        self,
        transport: Transport,
        number: int,
        params: Mapping[str, Any],
        retry: RetryPolicy | None = None,
    ) -> Page:
        """Fetch page ``number`` (1 for an unpaginated collection) with ``params``, retrying as
        ``retry`` says (default: the transport's policy). The API key is masked wherever the
        body quotes it (see :meth:`Transport.redact`).

        Raises:
            APIError, ConnectionError, TimeoutError: as :meth:`Transport.call`.
            DecodeError: the response is not JSON, or is not shaped as a page of this list: no
                list of objects, an id that is not a string or integer, counts that are not whole
                numbers or beyond belief. The error names the collection, the page and what is
                wrong, with an excerpt of the body (the key masked).
        """
        query: dict[str, Any] = dict(params)
        if self.paging == "pocketsflow":
            query.update(page=number, pageSize=PAGE_SIZE)
        elif self.paging == "reflow":
            query.update(page=number, perpage=PAGE_SIZE)
        if self.query_in_body:
            response = await transport.call(self.operation, json=query, retry=retry)
        else:
            response = await transport.call(self.operation, params=query, retry=retry)
        # A server may echo the key inside records: mask it in the JSON text, in every form, so
        # that no output format (JSON Lines, or CSV with its own quoting) can carry it.
        text = response.body.decode("utf-8", "replace")
        masked = transport.redact(text)
        body = response.json() if masked == text else _serde.loads(masked.encode())
        try:
            records = body if self.items is None else body[self.items]
            if not isinstance(records, list):
                raise TypeError(f"expected a list, got {type(records).__name__}")
            if self.flatten_tree is not None:
                records = list(flatten(records, self.flatten_tree, self.id_field))
            for index, record in enumerate(records):
                _check_record(record, index, self.id_field)
            if self.paging == "pocketsflow":
                paging = body["pagination"]
                total = _whole(paging["totalCount"], "totalCount", _MAX_TOTAL)
                total_pages = _whole(paging["totalPages"], "totalPages", MAX_PAGES)
            elif self.paging == "reflow" and isinstance(body.get("meta"), dict):
                meta = body["meta"]
                total = _whole(meta["total"], "total", _MAX_TOTAL)
                total_pages = _whole(meta["last_page"], "last_page", MAX_PAGES)
            elif self.paging == "reflow":
                # An envelope without its `meta` (only `data` is promised): a full page says
                # there may be one more, a short one that this is the last.
                total = None
                total_pages = number + 1 if len(records) >= PAGE_SIZE else number
            else:
                total, total_pages = len(records), 1
        except KeyError as exc:
            problem = f"no {exc}"
        except TypeError as exc:
            problem = str(exc)
        else:
            return Page(records=records, number=number, total=total, total_pages=total_pages)
        # Name what is wrong, never a value; the excerpt is the body with the key masked. Raised
        # outside the except clauses so that it chains nothing: a misbehaving server may quote
        # the request's API key.
        raise DecodeError(
            f"the {self.api} {self.name} list is not shaped as expected on page {number}: "
            f"{problem}",
            method=response.method,
            path=response.path,
            status=response.status,
            body=masked,
        )


def _check_record(record: Any, index: int, id_field: str) -> None:
    """Raise ``TypeError`` unless ``record`` is an object whose id (if any) is a string or an
    integer: what de-duplication can compare and a checkpoint can store."""
    if not isinstance(record, dict):
        raise TypeError(f"record {index} is not an object but {type(record).__name__}")
    key = record.get(id_field)
    if key is not None and type(key) not in (str, int):
        raise TypeError(f"record {index} has an {id_field} of type {type(key).__name__}")


def _whole(value: Any, name: str, maximum: int) -> int:
    """``value`` as a count from 0 to ``maximum``; ``TypeError`` naming ``name`` otherwise.

    A count is read as liberally as the models read integers (``250``, ``250.0``, ``"250"``).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str) or value != value:
        raise TypeError(f"{name} is not a number")
    try:
        count: int = _serde.converter.structure(value, int)
    except (TypeError, ValueError):
        raise TypeError(f"{name} is not a whole number from 0 to {maximum}") from None
    if not 0 <= count <= maximum:
        raise TypeError(f"{name} is not a whole number from 0 to {maximum}")
    return count


def flatten(nodes: list[Record], children: str, id_field: str) -> list[Record]:
    """The nodes of a tree, depth first (each before its children), one flat record each.

    Each record is the node without its ``children`` key, plus ``parent_id``: the id of the
    node it was nested in, ``None`` for a root.

    Raises ``TypeError`` if a node is not an object or its ``children`` is not a list.
    """
    flat: list[Record] = []
    stack: list[tuple[Record, Any]] = [(node, None) for node in reversed(nodes)]
    while stack:
        node, parent_id = stack.pop()
        if not isinstance(node, dict):
            raise TypeError(f"expected an object, got {type(node).__name__}")
        record = {key: value for key, value in node.items() if key != children}
        record["parent_id"] = parent_id
        flat.append(record)
        nested = node.get(children) or []
        if not isinstance(nested, list):
            raise TypeError(f"expected {children} to be a list, got {type(nested).__name__}")
        stack.extend((child, node.get(id_field)) for child in reversed(nested))
    return flat


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


def _ceil_seconds(instant: dt.datetime) -> int:
    whole = int(instant.timestamp())
    return whole if whole == instant.timestamp() else whole + 1


def _pocketsflow(name: str, operation: str, model: type, **options: Any) -> Collection:
    return Collection(
        api="pocketsflow",
        name=name,
        operation=POCKETSFLOW_OPERATIONS[operation],
        model=model,
        id_field="_id",
        **options,
    )


def _reflow(name: str, operation: str, model: type, **options: Any) -> Collection:
    return Collection(
        api="reflow",
        name=name,
        operation=REFLOW_OPERATIONS[operation],
        model=model,
        id_field="id",
        **options,
    )


_TABLE: Final = (
    _pocketsflow("products", "products_list", pocketsflow_models.Product),
    _pocketsflow(
        "orders",
        "orders_list",
        pocketsflow_models.Order,
        items="orders",
        paging="pocketsflow",
        dates="iso",
        pin=True,
    ),
    _pocketsflow("customers", "customers_list", pocketsflow_models.Customer),
    _pocketsflow("reviews", "reviews_list", pocketsflow_models.Review),
    _pocketsflow("discounts", "discounts_list", pocketsflow_models.Discount),
    _pocketsflow("upsells", "upsells_list", pocketsflow_models.Upsell, items="upsells"),
    _pocketsflow(
        "subscriptions",
        "subscriptions_list",
        pocketsflow_models.Subscription,
        items="subscriptions",
        paging="pocketsflow",
        query_in_body=True,
        dates="day",
    ),
    _reflow(
        "products",
        "products_list",
        reflow_models.Product,
        items="data",
        paging="reflow",
        hidden_with_key=True,
    ),
    _reflow(
        "categories",
        "categories_list",
        reflow_models.Category,
        flatten_tree="subcategories",
        csv_exclude=("subcategories",),
        csv_extra=("parent_id",),
    ),
    _reflow(
        "orders",
        "orders_list",
        reflow_models.Order,
        items="data",
        paging="reflow",
        dates="unix",
        pin=True,
    ),
    _reflow("users", "users_list", reflow_models.User, items="data", paging="reflow"),
    _reflow("plans", "plans_list", reflow_models.Plan, items="data"),
)

COLLECTIONS: Final[Mapping[ApiName, tuple[str, ...]]] = {
    api: tuple(c.name for c in _TABLE if c.api == api) for api in API_NAMES
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
