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
  sent; ``null`` and an absent field are both an empty cell. Wire fields that the model does not
  declare have no column and are left out of the CSV (JSON Lines keeps them).
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

__all__ = [
    "FORMATS",
    "Column",
    "CsvWriter",
    "Format",
    "JsonlWriter",
    "Writer",
    "cell",
    "count_records",
    "make_writer",
    "model_columns",
]

Format: TypeAlias = Literal["jsonl", "csv"]
"""The name of an output format."""

FORMATS: Final[tuple[Format, ...]] = ("jsonl", "csv")
"""Every output format, the default first."""

Column: TypeAlias = tuple[str, ...]
"""A CSV column: the wire keys leading from a record to a value (``("product", "_id")``)."""


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


class CsvWriter:
    """CSV with a fixed header of dotted column names (RFC 4180 quoting, ``\\r\\n`` rows).

    ``columns`` decide the header and which value lands in which cell (see :func:`cell`).
    """

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns: tuple[Column, ...] = tuple(columns)

    @property
    def fieldnames(self) -> list[str]:
        """The header's column names: each column's keys joined by dots."""
        return [".".join(column) for column in self.columns]

    def _rows(self, rows: Iterable[Iterable[str]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode()

    def header(self) -> bytes:
        """The header row."""
        return self._rows([self.fieldnames])

    def encode(self, records: Iterable[Mapping[str, Any]]) -> bytes:
        """One row per record, cells in header order."""
        columns = self.columns
        return self._rows([cell(record, column) for column in columns] for record in records)


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
        return CsvWriter(model_columns(model, exclude=exclude, extra=extra))
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
