"""Argument checks that run before anything is sent.

Each check takes the argument's name (as the caller spelled it) and the value, and either returns
the value in the form the request needs or raises :class:`~storeflow.errors.ValidationError`
naming the argument and the rule it breaks. They check the runtime value, not just its declared
type: ``True`` is not an integer, ``3.0`` is not an integer, a ``float`` is not money and
``"false"`` is not a boolean, whatever a caller's type checker let through.

The bounds the resources pass in come from the schemas; ``tests/test_surface.py`` reads the
schemas and checks that the resources refuse exactly what the schemas refuse at every boundary.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from enum import Enum
from typing import Any, Final, TypeVar

from storeflow.errors import ValidationError

__all__ = [
    "aware_datetime",
    "boolean",
    "choice",
    "day",
    "id_or_handle",
    "integer",
    "items",
    "money",
    "object_id",
    "optional",
    "text",
    "unix_seconds",
]

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

_SHOWN: Final = 40  # characters of an offending value quoted in a message

OBJECT_ID: Final = re.compile(r"[0-9a-f]{24}")
"""A MongoDB ObjectId as Pocketsflow writes it: 24 lowercase hex characters."""

MONEY_PLACES: Final = 2
"""Decimal places a Pocketsflow amount may have (cents; finer amounts cannot be charged)."""


def _got(value: object) -> str:
    text = repr(value)
    return f", got {text if len(text) <= _SHOWN else text[:_SHOWN] + '…'}"


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def optional(
    check: Callable[..., T], argument: str, value: object, *args: Any, **kwargs: Any
) -> T | None:
    """``None`` when ``value`` is ``None`` (an argument not given), otherwise what
    ``check(argument, value, *args, **kwargs)`` returns (or raises)."""
    return None if value is None else check(argument, value, *args, **kwargs)


def integer(
    argument: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) within the bounds.

    Raises ValidationError for floats (even ``3.0``), Decimals, bools, strings and values out of
    bounds.
    """
    rule = f"must be an integer{_bounds(minimum, maximum)}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(argument, rule + _got(value))
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValidationError(argument, rule + _got(value))
    return value


def boolean(argument: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False``.

    Raises ValidationError for anything else: ``"false"`` or ``0`` would otherwise be read the
    wrong way round.
    """
    if not isinstance(value, bool):
        raise ValidationError(argument, "must be True or False" + _got(value))
    return value


def text(
    argument: str,
    value: object,
    *,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: re.Pattern[str] | None = None,
    rule: str | None = None,
) -> str:
    """Return ``value`` if it is a ``str`` of an allowed length that fully matches ``pattern``.

    ``rule`` describes the pattern for the message ("must be a 3-letter upper-case ISO 4217
    code"). Raises ValidationError otherwise.
    """
    if not isinstance(value, str):
        raise ValidationError(argument, "must be a string" + _got(value))
    if (min_length is not None and len(value) < min_length) or (
        max_length is not None and len(value) > max_length
    ):
        if max_length is None:
            length = f"at least {min_length} character{'s' if min_length != 1 else ''}"
        elif min_length is None:
            length = f"at most {max_length} characters"
        else:
            length = f"{min_length} to {max_length} characters"
        raise ValidationError(argument, f"must be {length} long, got {len(value)}")
    if pattern is not None and not pattern.fullmatch(value):
        raise ValidationError(
            argument, (rule or f"must match the pattern {pattern.pattern}") + _got(value)
        )
    return value


def object_id(argument: str, value: object) -> str:
    """Return ``value`` if it is a Pocketsflow id: 24 lowercase hex characters.

    Raises ValidationError otherwise (a malformed id would only come back as a 400 or 404).
    """
    return text(
        argument, value, pattern=OBJECT_ID, rule="must be an ObjectId: 24 lowercase hex characters"
    )


def id_or_handle(argument: str, value: object) -> str:
    """Return the path form of a Reflow id (an ``int`` of at least 1) or handle (a non-empty
    ``str``). Raises ValidationError for anything else."""
    if isinstance(value, str):
        return text(argument, value, min_length=1)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(integer(argument, value, minimum=1))
    raise ValidationError(argument, "must be an integer id or a string handle" + _got(value))


def choice(argument: str, value: object, enum: type[E]) -> E:
    """Return the member of ``enum`` that ``value`` is or names (``"paid"`` or ``PAID``).

    Raises ValidationError listing the allowed values otherwise.
    """
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in enum)
        raise ValidationError(argument, f"must be one of {allowed}" + _got(value)) from None


def money(argument: str, value: object) -> Decimal:
    """Return ``value`` as an exact ``Decimal`` amount in major units (``29.99`` dollars).

    Accepts a ``Decimal`` or an ``int``. Raises ValidationError for a ``float`` (it cannot hold
    most amounts exactly: ``0.1 + 0.2 != 0.3``), a ``bool``, a non-finite or negative amount,
    and an amount with more than two decimal places (a fraction of a cent cannot be charged, and
    silently rounding someone's price is worse than refusing it).
    """
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValidationError(
            argument,
            "must be a Decimal or an int (floats cannot hold money exactly; "
            "write Decimal('29.99'))" + _got(value),
        )
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValidationError(argument, "must be a finite amount" + _got(value))
    if amount < 0:
        raise ValidationError(argument, "must not be negative" + _got(value))
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MONEY_PLACES:
        raise ValidationError(
            argument, f"must have at most {MONEY_PLACES} decimal places" + _got(value)
        )
    return amount


def aware_datetime(argument: str, value: object) -> dt.datetime:
    """Return ``value`` if it is a timezone-aware ``datetime``.

    Raises ValidationError for a naive ``datetime`` (whose meaning depends on the machine's
    clock settings), a ``date`` or anything else.
    """
    if not isinstance(value, dt.datetime):
        raise ValidationError(argument, "must be a datetime" + _got(value))
    if value.utcoffset() is None:
        raise ValidationError(
            argument,
            "must be timezone-aware (e.g. datetime(2024, 1, 31, tzinfo=timezone.utc))"
            + _got(value),
        )
    return value


def day(argument: str, value: object) -> dt.date:
    """Return ``value`` if it is a ``date`` (a calendar day, not a ``datetime``).

    Raises ValidationError otherwise: the API takes days, and which day a ``datetime`` falls
    on depends on a timezone the SDK would have to guess.
    """
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(argument, "must be a date (not a datetime)" + _got(value))
    return value


def unix_seconds(argument: str, value: object, *, round_up: bool) -> int:
    """Return a unix timestamp (whole seconds) from an ``int`` or a timezone-aware ``datetime``.

    A ``datetime`` between two whole seconds is rounded so an exclusive bound keeps its meaning
    on integer timestamps: down for a lower bound ("after"), up (``round_up``) for an upper one
    ("before"). Raises ValidationError for negative integers, naive datetimes, floats, bools.
    """
    if isinstance(value, dt.datetime):
        seconds = aware_datetime(argument, value).timestamp()
        return math.ceil(seconds) if round_up else math.floor(seconds)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            argument, "must be a timezone-aware datetime or unix seconds (int)" + _got(value)
        )
    return integer(argument, value, minimum=0)


def items(
    argument: str,
    values: object,
    check: Callable[[str, object], T],
    *,
    min_items: int | None = None,
    max_items: int | None = None,
) -> list[T]:
    """Check each item of the iterable ``values`` with ``check`` and return them as a list.

    Items are named ``argument[i]`` in errors. Raises ValidationError for a ``str`` (a common
    slip for a one-item list), a non-iterable, or too few or too many items.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(argument, "must be a list" + _got(values))
    checked = [check(f"{argument}[{i}]", item) for i, item in enumerate(values)]
    if (min_items is not None and len(checked) < min_items) or (
        max_items is not None and len(checked) > max_items
    ):
        raise ValidationError(
            argument, f"must hold{_bounds(min_items, max_items)} items, got {len(checked)}"
        )
    return checked
