"""The output formats of an export: how a page of raw records becomes bytes in the file.

The engine owns the file; a writer only turns records into bytes (``encode``) and says what
goes first in a new file (``header``). Keeping writers free of I/O lets the engine know, after
each page, exactly how many bytes of the file are complete, which is what checkpoints record.

* **JSON Lines** (``"jsonl"``): one record per line, exactly as the API sent it — the wire field
  names and values, re-serialised by orjson (numbers keep their shortest round-trip form, so
  ``29.99`` stays ``29.99``), each line ending in ``\\n``.
* **CSV** (``"csv"``): one row per record under a header derived from the collection's model
  (see :func:`model_columns`), so the header is the same whatever records the store holds.
  Nested objects become dotted columns (``product._id``, ``product.name``); arrays and
  free-form objects are one cell holding their JSON text; numbers are written in their JSON text
  form (``29.99``, ``1500``), booleans as ``true``/``false``, strings (ISO dates included) as
  sent; ``null`` and an absent field are both an empty cell. The last column, ``extra``
  (:data:`EXTRA_COLUMN`), holds what the API sent that no column carries, as one JSON object
  shaped like the record (``{"discountCode": "X", "product": {"sku": "A1"}}``; empty when there
  is nothing): fields the model does not declare, at any depth, and a value whose type is not
  the object its dotted columns expect. So a row loses nothing but the difference between
  ``null`` and absent, and the header still does not depend on the records (columns discovered
  from the first page could not hold a field that first appears on a later page, nor survive a
  resumed export).
"""

from __future__ import annotations

import csv
import io
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Final, Literal, Protocol, TypeAlias, get_args, get_origin

import attrs
import orjson

from storeflow import _serde
from storeflow.errors import ValidationError

__all__ = [
    "DEFAULT_FORMAT",
    "EXTRA_COLUMN",
    "FORMATS",
    "Column",
    "CsvWriter",
    "Format",
    "JsonlWriter",
    "Writer",
    "cell",
    "check_format",
    "count_records",
    "make_writer",
    "model_columns",
]

Format: TypeAlias = Literal["jsonl", "csv"]
"""The name of an output format."""

FORMATS: Final[tuple[Format, ...]] = ("jsonl", "csv")
"""Every output format, the default first."""

DEFAULT_FORMAT: Final[Format] = FORMATS[0]
"""The format an export writes unless told otherwise."""


def check_format(format: str) -> Format:
    """``format``, if it names an output format.

    Raises:
        ValidationError: it does not.
    """
    if format not in FORMATS:
        raise ValidationError("format", f"must be one of {', '.join(FORMATS)}, got {format!r}")
    return format


Column: TypeAlias = tuple[str, ...]
"""A CSV column: the wire keys leading from a record to a value (``("product", "_id")``)."""

EXTRA_COLUMN: Final = "extra"
"""The name of the last CSV column: what no other column carries, as JSON."""

# The columns as a tree of wire keys: a key maps to the columns under it, or to None where a
# column holds the value itself.
_Tree: TypeAlias = dict[str, "_Tree | None"]


class Writer(Protocol):
    """Turns records into the bytes of one output format."""

    def header(self) -> bytes:
        """The bytes that start a new file (empty when the format has none)."""

    def encode(self, records: Iterable[Mapping[str, Any]]) -> bytes:
        """The bytes of ``records``, each complete (a resumed file can be cut between any two)."""


class JsonlWriter:
    """JSON Lines: each record as one line of compact JSON under its wire field names."""

    def header(self) -> bytes:
        """JSON Lines has no header: ``b""``."""
        return b""

    def encode(self, records: Iterable[Mapping[str, Any]]) -> bytes:
        """One ``\\n``-terminated line per record.

        Raises ``TypeError`` (from orjson) if a record holds a value JSON cannot carry, which a
        record parsed from a response never does.
        """
        dumps = orjson.dumps
        option = orjson.OPT_APPEND_NEWLINE
        return b"".join([dumps(record, option=option) for record in records])


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    cls = value.__class__
    if cls is str:
        return value  # type: ignore[no-any-return]
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return str(value)
    # Floats, arrays and free-form objects: their JSON text, the form the API sent them in.
    return orjson.dumps(value).decode()


def cell(record: Mapping[str, Any], column: Column) -> str:
    """The CSV cell of ``column`` in ``record``: the value's text, or ``""`` if null or absent."""
    value: Any = record
    for key in column:
        if value.__class__ is not dict:
            return ""
        value = value.get(key)
    return _scalar_text(value)


def _tree(columns: Iterable[Column]) -> _Tree:
    tree: _Tree = {}
    for column in columns:
        node = tree
        for key in column[:-1]:
            child = node.setdefault(key, {})
            if child is None:  # a column already holds this whole value
                break
            node = child
        else:
            node[column[-1]] = None
    return tree


def _rest(record: Mapping[str, Any], tree: _Tree) -> dict[str, Any]:
    """The members of ``record`` that no column of ``tree`` carries, shaped like the record."""
    rest: dict[str, Any] = {}
    for key, value in record.items():
        if key not in tree:
            rest[key] = value
            continue
        node = tree[key]
        if node is None:
            continue  # its own column
        if value.__class__ is dict:
            inner = _rest(value, node)
            if inner:
                rest[key] = inner
        elif value is not None:
            rest[key] = value  # not the object its columns expect: kept whole
    return rest


def _extra(record: Mapping[str, Any], tree: _Tree) -> str:
    """The ``extra`` cell: the JSON of what no column carries, or ``""`` if that is nothing."""
    rest = _rest(record, tree)
    return orjson.dumps(rest).decode() if rest else ""


class CsvWriter:
    """CSV with a fixed header of dotted column names (RFC 4180 quoting, ``\\r\\n`` rows).

    ``columns`` decide the header and which value lands in which cell (see :func:`cell`); the
    last column, ``extra``, holds the rest of each record (see the module notes). ``covered``
    names top-level members that the export represents otherwise (the ``subcategories`` of a
    flattened tree), which ``extra`` leaves out.

    Raises:
        ValueError: a column is already named ``extra``.
    """

    def __init__(self, columns: Sequence[Column], *, covered: Iterable[str] = ()) -> None:
        self.columns: tuple[Column, ...] = tuple(columns)
        if (EXTRA_COLUMN,) in self.columns:
            raise ValueError(f"a column is named {EXTRA_COLUMN!r}, the name of the last column")
        self._tree = _tree([*self.columns, *((name,) for name in covered)])

    @property
    def fieldnames(self) -> list[str]:
        """The header's column names: each column's keys joined by dots, then ``extra``."""
        return [*(".".join(column) for column in self.columns), EXTRA_COLUMN]

    def _rows(self, rows: Iterable[Iterable[str]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode()

    def header(self) -> bytes:
        """The header row."""
        return self._rows([self.fieldnames])

    def encode(self, records: Iterable[Mapping[str, Any]]) -> bytes:
        """One row per record, cells in header order."""
        columns, tree = self.columns, self._tree
        return self._rows(
            [*(cell(record, column) for column in columns), _extra(record, tree)]
            for record in records
        )


def _nested_model(annotation: Any) -> type | None:
    """The attrs class ``annotation`` is, alone or as ``X | None``; else ``None``."""
    if get_origin(annotation) in (typing.Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(args) != 1:
            return None
        annotation = args[0]
    return annotation if isinstance(annotation, type) and attrs.has(annotation) else None


def model_columns(
    model: type, *, exclude: Iterable[str] = (), extra: Iterable[str] = ()
) -> list[Column]:
    """The CSV columns of ``model`` (a generated attrs class), in field order.

    Each field contributes its wire name (``metadata["wire"]``); a field whose type is another
    model (or that model or ``None``) is replaced by that model's columns under its name as a
    prefix, recursively. Lists and free-form objects stay one column. ``exclude`` drops
    top-level wire names; ``extra`` appends top-level columns the export adds itself (the
    ``parent_id`` of flattened categories).

    Raises ``TypeError`` if ``model`` is not an attrs class, or ``KeyError`` if a field lacks
    its wire name.
    """
    dropped = frozenset(exclude)
    columns = [column for column in _columns(model, (), frozenset()) if column[0] not in dropped]
    columns.extend((name,) for name in extra)
    return columns


def _columns(model: type, prefix: Column, enclosing: frozenset[type]) -> list[Column]:
    hints = typing.get_type_hints(model)
    enclosing = enclosing | {model}
    columns: list[Column] = []
    for attribute in _serde.wire_fields(model):
        path = (*prefix, attribute.metadata["wire"])
        nested = _nested_model(hints[attribute.name])
        # A model that (indirectly) holds itself would have endless columns: keep it as JSON.
        if nested is None or nested in enclosing:
            columns.append(path)
        else:
            columns.extend(_columns(nested, path, enclosing))
    return columns


def make_writer(
    format: Format, model: type, *, exclude: Iterable[str] = (), extra: Iterable[str] = ()
) -> Writer:
    """The writer of ``format`` for records shaped like ``model``.

    Raises ``ValueError`` for an unknown format.
    """
    if format == "jsonl":
        return JsonlWriter()
    if format == "csv":
        return CsvWriter(model_columns(model, exclude=exclude, extra=extra), covered=exclude)
    raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")


def count_records(path: Path, format: Format) -> int:
    """How many records the complete export file ``path`` in ``format`` holds.

    Raises ``OSError`` if the file cannot be read, ``ValueError`` for an unknown format.
    """
    if format == "jsonl":
        count = 0
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                count += block.count(b"\n")
        return count
    if format == "csv":
        with path.open(newline="", encoding="utf-8") as file:
            return max(sum(1 for _ in csv.reader(file)) - 1, 0)  # minus the header
    raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
