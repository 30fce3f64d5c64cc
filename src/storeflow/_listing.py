"""The one list protocol: how each list operation of each API is asked for and answered.

Each API declares its lists once, as :class:`Listing` values in its ``_resources`` module (one
per resource that lists, as the resource's ``listing``). A listing names the operation, the
page and page-size parameters, where the records sit in the answer, the envelope that
describes the whole list (Pocketsflow's ``pagination``, Reflow's ``meta``) and how the list's
upper time bound is pinned. The typed ``list()``/``iter()`` methods build their
:class:`~storeflow.pagination.Page` from it; :meth:`storeflow._resource.Resource.raw_page`
serves the same pages as raw JSON records (:class:`RawPage`), which is how the export reads
them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from storeflow import _serde
from storeflow._operation import Operation
from storeflow.errors import DecodeError

__all__ = ["MAX_PAGES", "Listing", "RawPage", "TimeBound", "flatten"]

Envelope: TypeAlias = Literal["none", "pocketsflow", "reflow"]
TimeBound: TypeAlias = Literal["none", "instant", "unix"]
Record: TypeAlias = dict[str, Any]

MAX_PAGES: Final = 10_000_000
"""The most pages a list may claim (a billion records): a larger count is an error, not a
loop that never ends."""

_MAX_TOTAL: Final = 2**53  # the largest count every JSON reader holds exactly


@attrs.frozen
class RawPage:
    """One fetched page of raw records: ``number`` counts from 1; ``total`` and
    ``total_pages`` are what the API said about the whole list when it served this page
    (without a count, ``total`` is ``None`` and ``total_pages`` reaches one past a full page)."""

    records: list[Record]
    number: int
    total: int | None
    total_pages: int


@attrs.frozen(kw_only=True)
class Listing:
    """How one list operation is asked for and answered.

    ``name`` is the resource that lists (``orders`` for ``client.orders``); ``operation`` is
    the list's operation (its generated ``OPERATIONS`` entry); ``id_field``
    the records' id (wire name); ``items`` the key of the record list in the answer (``None``:
    the body is the list). ``envelope`` says how the answer describes the whole list:
    ``"pocketsflow"`` (a ``pagination`` block), ``"reflow"`` (a ``meta`` block, which may be
    missing) or ``"none"`` (one answer holds the whole list). ``size_param`` is the page-size
    parameter (``None``: not paginated) and ``page_size`` the size asked for by default (the
    most the API serves, or what it is asked for where it states no maximum); the query goes in
    the JSON body when ``query_in_body``. ``bound`` says how the list's upper time bound is
    pinned (see :meth:`pin`); ``reveal`` names a flag that also lists records hidden from the
    public (sent only with a key);
    ``tree`` the key under which records nest their children (a raw page flattens them).

    Raises:
        ValueError: ``operation`` is not idempotent. A page is fetched again after a failure
            that may have reached the server, which only an idempotent read allows.
    """

    name: str
    operation: Operation = attrs.field()
    id_field: str
    items: str | None = None
    envelope: Envelope = "none"
    size_param: str | None = None
    page_size: int = 1
    query_in_body: bool = False
    bound: TimeBound = "none"
    reveal: str | None = None
    tree: str | None = None

    @operation.validator
    def _check_idempotent(self, _: attrs.Attribute[Operation], operation: Operation) -> None:
        if not operation.idempotent:
            raise ValueError(f"{operation.method} {operation.path} is not marked idempotent")

    @property
    def paginated(self) -> bool:
        """Whether the list comes a page at a time."""
        return self.size_param is not None

    def query(self, page: int, page_size: int, filters: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters of page ``page`` of ``page_size`` records with ``filters``."""
        if self.size_param is None:
            return dict(filters)
        return {"page": page, self.size_param: page_size, **filters}

    def records(self, page: _serde.Model) -> list[Any]:
        """The records of ``page``, this list's answer decoded as its model.

        Raises:
            TypeError: the answer of this list is the record list itself (no ``items`` key).
            DecodeError: as :func:`storeflow._serde.records`.
        """
        if self.items is None:
            raise TypeError(f"the {self.name} list answers with a bare list")
        return _serde.records(page, self.items)

    def pin(self, now: dt.datetime) -> dt.datetime:
        """The upper time bound that pins this list for a walk starting at ``now`` (aware).

        ``now`` itself, except for whole-second (``"unix"``) bounds: the next whole second, so
        that every record created before the bound exists by the time it has passed, and every
        record created after it falls outside.
        """
        if self.bound != "unix":
            return now
        return dt.datetime.fromtimestamp(ceil_seconds(now), dt.UTC)

    def read(
        self,
        body: Any,
        number: int,
        page_size: int,
        fail: Callable[[str], DecodeError],
    ) -> RawPage:
        """Page ``number`` of raw records from the decoded JSON ``body``.

        Raises:
            DecodeError: ``fail(problem)`` when ``body`` is not shaped as a page of this list:
                no list of objects, an id that is not a string or integer, counts that are not
                whole numbers or beyond belief.
        """
        try:
            records = body if self.items is None else body[self.items]
            if not isinstance(records, list):
                raise TypeError(f"expected a list, got {type(records).__name__}")
            if self.tree is not None:
                records = flatten(records, self.tree, self.id_field)
            for index, record in enumerate(records):
                _check_record(record, index, self.id_field)
            total: int | None
            if self.envelope == "pocketsflow":
                paging = body["pagination"]
                total = _whole(paging["totalCount"], "totalCount", _MAX_TOTAL)
                total_pages = _whole(paging["totalPages"], "totalPages", MAX_PAGES)
            elif self.envelope == "reflow" and isinstance(body.get("meta"), dict):
                meta = body["meta"]
                total = _whole(meta["total"], "total", _MAX_TOTAL)
                total_pages = _whole(meta["last_page"], "last_page", MAX_PAGES)
            elif self.envelope == "reflow":
                # An envelope without its `meta` (only `data` is promised): a full page says
                # there may be one more, a short one that this is the last.
                total = None
                total_pages = number + 1 if len(records) >= page_size else number
            else:
                total, total_pages = len(records), 1
        except KeyError as exc:
            problem = f"no {exc}"
        except TypeError as exc:
            problem = str(exc)
        else:
            return RawPage(records=records, number=number, total=total, total_pages=total_pages)
        # Raised outside the except clauses so that it chains nothing: a misbehaving server may
        # quote the request's API key.
        raise fail(problem)


def ceil_seconds(instant: dt.datetime) -> int:
    """``instant`` in unix seconds, rounded up to a whole second."""
    whole = int(instant.timestamp())
    return whole if whole == instant.timestamp() else whole + 1


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
