"""The scalars: each JSON value read as ``str``, ``int``, ``bool``, ``float``, ``Decimal``,
``datetime``, ``date``, enum or literal, liberally (unambiguous coercions) or strictly."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from enum import Enum
from typing import Any, Final, get_args

from storeflow._serde._mismatch import _Hook, _Mismatch, _mismatch

# -- scalars ---------------------------------------------------------------------------------
# Each hook returns at once when JSON already gave the right Python type; the lenient ones then
# try the unambiguous conversions, the strict ones refuse (cattrs' own defaults would turn 12
# into "12" and "false" into True, which neither mode wants).

# A JSON-style number in a string: no underscores, no "inf"/"nan", no hex.
_NUMERIC: Final = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?\s*")
_BOOL_WORDS: Final = {"true": True, "false": False, "1": True, "0": False}
# Past 2e10 seconds (the year 2603) a unix time is read as milliseconds, as pydantic does.
_MILLISECONDS_FROM: Final = 2e10
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# A strict date-time has a time: "2024-01-20T14:30", not "2024-01-20".
_DATE_TIME: Final = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _exact(cls: type, expected: str) -> _Hook:
    """The strict hook for ``cls``: the value itself when JSON gave a ``cls``, else a mismatch."""

    def structure_exact(value: Any, _: Any) -> Any:
        if value.__class__ is cls:
            return value
        raise _mismatch(expected, value)

    return structure_exact


_str_strict: Final = _exact(str, "a string")
_int_strict: Final = _exact(int, "an integer")
_bool_strict: Final = _exact(bool, "a boolean")


def _str(value: Any, _: Any) -> str:
    cls = value.__class__
    if cls is str:
        return value  # type: ignore[no-any-return]
    if cls is int:  # an id one reference spells as a number
        return str(value)
    raise _mismatch("a string", value)


def _number(text: str) -> Decimal | None:
    """The number a numeric string spells, or ``None``."""
    return Decimal(text) if _NUMERIC.fullmatch(text) else None


def _int(value: Any, _: Any) -> int:
    cls = value.__class__
    if cls is int:
        return value  # type: ignore[no-any-return]
    if cls is float:
        if value.is_integer():
            return int(value)
    elif cls is str:
        number = _number(value)
        if number is not None and number == number.to_integral_value():
            return int(number)
    raise _mismatch("an integer", value)


def _bool(value: Any, _: Any) -> bool:
    cls = value.__class__
    if cls is bool:
        return value  # type: ignore[no-any-return]
    if cls is str:
        word = _BOOL_WORDS.get(value.strip().lower())
        if word is not None:
            return word
    elif cls is int and value in (0, 1):
        return bool(value == 1)
    raise _mismatch("a boolean", value)


def _float_strict(value: Any, _: Any) -> float:
    if value.__class__ is float or value.__class__ is int:
        return float(value)
    raise _mismatch("a number", value)


def _float(value: Any, _: Any) -> float:
    if value.__class__ is str:
        number = _number(value)
        if number is not None:
            return float(number)
    return _float_strict(value, _)


# Money repeats (a store has few prices), and the shortest repr of a float is most of the cost
# of reading it exactly, so each float amount is converted once. Bounded; Decimal is immutable.
# (0.0 and -0.0 share an entry: the amounts are equal.)
_FLOAT_DECIMALS: dict[float, Decimal] = {}
_FLOAT_DECIMALS_MAX = 4096


def _decimal_strict(value: Any, _: Any) -> Decimal:
    cls = value.__class__
    if cls is float:
        result = _FLOAT_DECIMALS.get(value)
        if result is None:
            # The shortest repr that round-trips is what the JSON said: 29.99, not 29.989999…
            result = Decimal(repr(value))
            if not result.is_finite():
                raise _mismatch("a finite number", value)
            if len(_FLOAT_DECIMALS) >= _FLOAT_DECIMALS_MAX:
                _FLOAT_DECIMALS.clear()
            _FLOAT_DECIMALS[value] = result
        return result
    if cls is int:
        return Decimal(value)
    raise _mismatch("a number", value)


def _decimal(value: Any, _: Any) -> Decimal:
    cls = value.__class__
    if cls is float:  # the common case first, without a further call
        result = _FLOAT_DECIMALS.get(value)
        if result is not None:
            return result
    elif cls is str:
        number = _number(value)
        if number is None:
            raise _mismatch("a number", value)
        return number
    return _decimal_strict(value, _)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _from_unix(value: float | Decimal) -> dt.datetime:
    try:
        if abs(float(value)) >= _MILLISECONDS_FROM:
            return _EPOCH + dt.timedelta(milliseconds=float(value))
        return _EPOCH + dt.timedelta(seconds=float(value))
    except OverflowError:
        raise _mismatch("a unix time", value) from None


def _text_out(value: Any) -> Any:
    # A text field documented as "an ISO 8601 date or date-time" (the Pocketsflow query dates)
    # also takes a `date` or `datetime` from the caller, and sends it as ISO 8601 text.
    if isinstance(value, dt.datetime):
        return _iso_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _iso_datetime(value: dt.datetime) -> str:
    """ISO 8601, with UTC spelled ``Z`` as both references write it."""
    text = value.isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def _datetime_strict(value: Any, _: Any) -> dt.datetime:
    if value.__class__ is not str:
        raise _mismatch("an ISO 8601 date-time string", value)
    if _DATE_TIME.match(value):
        try:
            return _aware(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
    raise _mismatch("an ISO 8601 date-time", value)


def _datetime(value: Any, _: Any) -> dt.datetime:
    cls = value.__class__
    if cls is str:
        try:
            result = dt.datetime.fromisoformat(value)
            return result if result.tzinfo is not None else result.replace(tzinfo=dt.UTC)
        except ValueError:
            number = _number(value)
            if number is not None and number.is_finite():
                return _from_unix(number)
        raise _mismatch("an ISO 8601 date-time or a unix time", value)
    if (cls is int or cls is float) and math.isfinite(value):
        return _from_unix(value)
    raise _mismatch("an ISO 8601 date-time or a unix time", value)


def _date_strict(value: Any, _: Any) -> dt.date:
    if value.__class__ is str and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _mismatch("an ISO 8601 date (YYYY-MM-DD)", value)


def _date(value: Any, _: Any) -> dt.date:
    if value.__class__ is str:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    try:
        return _datetime(value, _).date()
    except _Mismatch:
        raise _mismatch("an ISO 8601 date", value) from None


def _enum(value: Any, cls: type[Enum]) -> Enum:
    # The value-to-member map is what `cls(value)` consults, without the metaclass call around it.
    try:
        return cls._value2member_map_[value]
    except (KeyError, TypeError):  # TypeError: an unhashable value such as a list
        allowed = ", ".join(repr(member.value) for member in cls)
        raise _mismatch(f"one of {allowed}", value) from None


def _literal_factory(literal: Any) -> _Hook:
    allowed = get_args(literal)
    # Compared with their classes, so that True does not pass for 1, nor 1 for 1.0.
    allowed_keys = {(a.__class__, a) for a in allowed}

    def structure_literal(value: Any, _: Any) -> Any:
        try:
            if (value.__class__, value) in allowed_keys:
                return value
        except TypeError:  # unhashable: not a literal
            pass
        raise _mismatch(" or ".join(repr(a) for a in allowed), value)

    return structure_literal


_Scalars = dict[type, _Hook]
_LENIENT: Final[_Scalars] = {
    str: _str,
    int: _int,
    bool: _bool,
    float: _float,
    Decimal: _decimal,
    dt.datetime: _datetime,
    dt.date: _date,
}
_STRICT: Final[_Scalars] = {
    str: _str_strict,
    int: _int_strict,
    bool: _bool_strict,
    float: _float_strict,
    Decimal: _decimal_strict,
    dt.datetime: _datetime_strict,
    dt.date: _date_strict,
}
