"""Query strings: Python values as the pairs both APIs read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from storeflow import errors

__all__ = ["encode_query"]


def _encode_scalar(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return _encode_scalar(name, value.value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise errors.ValidationError(name, "must be a timezone-aware datetime")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float | Decimal):
        return str(value)
    raise errors.ValidationError(name, f"cannot be sent as a query value: {type(value).__name__}")


def encode_query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Turn ``params`` into query pairs the way both APIs read them.

    ``None`` values are left out; booleans become ``true``/``false``; enums their value;
    ``datetime`` (timezone-aware only) and ``date`` ISO 8601; lists and tuples are joined with
    commas (an empty one is left out).

    Raises:
        ValidationError: a naive ``datetime``, or a value of a type a query cannot carry; the
            error names the parameter.
    """
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            if value:
                pairs.append((name, ",".join(_encode_scalar(name, item) for item in value)))
        else:
            pairs.append((name, _encode_scalar(name, value)))
    return pairs
