"""Argument checks that run before anything is sent, driven by the generated rules.

Each API's ``_params`` module (generated from its schema by ``python -m codegen``) holds one
:class:`~storeflow._operation.Rule` per parameter of every operation: what the vendor's reference
states about it (type, required, enum, bounds, pattern), and nothing else. :func:`arg` applies a
rule to a caller's value and returns it in the form the request needs, or raises
:class:`~storeflow.errors.ValidationError` naming the argument (as the caller spelled it) and the
rule it breaks. Every rule the server alone decides is left to the server, whose 400 comes back
as :class:`~storeflow.errors.BadRequestError`.

What a rule's type accepts (every spelling the references document, and no guess):

- ``integer``: an ``int``, never a ``bool`` or a ``float`` (not even ``3.0``); an id whose types
  are ``integer`` and ``string`` also takes a ``str`` (``"13156819"``, or a handle).
- ``boolean``: ``True``/``False`` or the strings ``"true"``/``"false"``; ``0`` and ``"yes"`` are
  refused, as they could be read the wrong way round.
- money (``number``, format ``decimal``): a ``Decimal``, an ``int`` or a ``float``, the float read
  by its shortest repr (``49.99`` is sent as ``49.99``, not as the binary fraction it holds).
- ISO 8601 (format ``iso-8601``): a ``date``, a timezone-aware ``datetime`` or an ISO 8601 string
  (sent as given); a naive ``datetime`` is refused, as its meaning depends on the machine.
- unix time (format ``unix-time``, see :func:`unix_seconds`): an ``int``, a ``float`` or an aware
  ``datetime``.
- ``array``: any iterable but a ``str`` (a common slip for a one-item list); a comma-separated
  query array (``ids``) also takes the comma-joined string. A maximum is checked without
  consuming more than one item past it, so an endless iterator is refused, not drained.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs
from attrs import AttrsInstance

from storeflow._operation import Arguments, Rule
from storeflow.errors import ValidationError

__all__ = ["arg", "argument", "body", "integer", "maximum", "unix_seconds"]

M = TypeVar("M", bound=AttrsInstance)

_SHOWN: Final = 40  # characters of an offending value quoted in a message
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+")
_BOOLEANS: Final = {"true": True, "false": False}


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


def integer(
    argument: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) within the bounds.

    For the SDK's own options (``concurrency``); API arguments go through :func:`arg`.
    Raises ValidationError for floats (even ``3.0``), Decimals, bools, strings and values out of
    bounds.
    """
    rule = f"must be an integer{_bounds(minimum, maximum)}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(argument, rule + _got(value))
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValidationError(argument, rule + _got(value))
    return value


def _boolean(argument: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _BOOLEANS:
        return _BOOLEANS[value]
    raise ValidationError(argument, "must be True or False (or 'true' / 'false')" + _got(value))


def _money(argument: str, value: object) -> Decimal:
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValidationError(
            argument, "must be an amount: a Decimal, an int or a float" + _got(value)
        )
    amount = Decimal(value)
    if not amount.is_finite():  # JSON has no number for it
        raise ValidationError(argument, "must be a finite amount" + _got(value))
    return amount


def _when(argument: str, value: object) -> str:
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise ValidationError(
                argument,
                "must be timezone-aware (e.g. datetime(2024, 1, 31, tzinfo=timezone.utc))"
                + _got(value),
            )
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            rule = "must be an ISO 8601 date or date-time"
            raise ValidationError(argument, rule + _got(value)) from None
        return value
    raise ValidationError(
        argument, "must be a date, a timezone-aware datetime or an ISO 8601 string" + _got(value)
    )


def _string(rule: Rule, argument: str, value: str) -> str:
    if rule.enum is not None and value not in rule.enum:
        allowed = ", ".join(repr(member) for member in rule.enum)
        raise ValidationError(argument, f"must be one of {allowed}" + _got(value))
    low, high = rule.min_length, rule.max_length
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        if high is None:
            length = f"at least {low} character{'s' if low != 1 else ''}"
        elif low is None:
            length = f"at most {high} characters"
        else:
            length = f"{low} to {high} characters"
        raise ValidationError(argument, f"must be {length} long, got {len(value)}")
    if rule.pattern is not None and not re.search(rule.pattern, value):
        if "integer" in rule.types:  # the string spelling of an integer id
            raise ValidationError(argument, "must be an integer or its digits" + _got(value))
        raise ValidationError(argument, f"must match the pattern {rule.pattern}" + _got(value))
    if rule.format == "email" and not _EMAIL.fullmatch(value):
        raise ValidationError(argument, "must be an email address" + _got(value))
    # A StrEnum member is sent as its value.
    return str(value)


def _items(rule: Rule, argument: str, value: object) -> list[Any]:
    if rule.comma_separated and isinstance(value, str):
        value = value.split(",") if value else []
    elif isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ValidationError(argument, "must be a list" + _got(value))
    # One item past the maximum is enough to refuse; an endless iterator is never drained.
    limit = None if rule.max_items is None else rule.max_items + 1
    given = list(itertools.islice(value, limit))
    if rule.max_items is not None and len(given) > rule.max_items:
        raise ValidationError(argument, f"must hold at most {rule.max_items} items")
    if rule.min_items is not None and len(given) < rule.min_items:
        raise ValidationError(argument, f"must hold at least {rule.min_items} items")
    item_rule = rule.items
    if item_rule is None:
        return given
    return [arg(item_rule, f"{argument}[{i}]", item) for i, item in enumerate(given)]


def arg(rule: Rule, argument: str, value: object) -> Any:
    """Check ``value`` against ``rule`` and return it as the request sends it.

    ``None`` means "not given" and is returned as is (the request leaves it out) unless the rule
    says the parameter is required. A comma-separated query array comes back comma-joined, an
    amount as a ``Decimal``, an ISO 8601 value as its string; see the module notes for what each
    type accepts.

    Raises:
        ValidationError: the value breaks the rule; the message names ``argument`` and the rule.
    """
    if value is None:
        if rule.required:
            raise ValidationError(argument, "is required")
        return None
    if "array" in rule.types:
        items = _items(rule, argument, value)
        return ",".join(str(item) for item in items) if rule.comma_separated else items
    if "boolean" in rule.types:
        return _boolean(argument, value)
    if rule.format == "decimal":
        return _money(argument, value)
    if rule.format == "iso-8601":
        return _when(argument, value)
    if "integer" in rule.types and isinstance(value, int) and not isinstance(value, bool):
        bounds = _bounds(rule.minimum, rule.maximum)
        if (rule.minimum is not None and value < rule.minimum) or (
            rule.maximum is not None and value > rule.maximum
        ):
            raise ValidationError(argument, f"must be an integer{bounds}" + _got(value))
        return value
    if "string" in rule.types and isinstance(value, str):
        return _string(rule, argument, value)
    expected = " or ".join(
        {"integer": "an integer", "string": "a string"}.get(t, t) for t in rule.types
    )
    raise ValidationError(argument, f"must be {expected}" + _got(value))


def argument(
    arguments: Mapping[str, Arguments], op_id: str, wire: str, name: str, value: object
) -> Any:
    """:func:`arg` with the rule of the parameter ``wire`` of the operation ``op_id``.

    Raises ValidationError as :func:`arg` does.
    """
    return arg(arguments[op_id].rules[wire], name, value)


def maximum(rule: Rule) -> int:
    """The rule's stated maximum, for a default that must not exceed it (``per_page``).

    Raises:
        LookupError: the schema states no maximum for this parameter.
    """
    if rule.maximum is None:
        raise LookupError(f"the schema states no maximum for {rule.name}")
    return rule.maximum


def unix_seconds(rule: Rule, argument: str, value: object, *, round_up: bool) -> int | None:
    """Return a unix timestamp in whole seconds from an ``int``, a ``float`` or an aware
    ``datetime`` (``None`` stays ``None``).

    A value between two whole seconds is rounded so an exclusive bound keeps its meaning on the
    API's integer timestamps: down for a lower bound ("after"), up (``round_up``) for an upper
    one ("before"); "created after 10.5" and "created after 10" select the same records.

    Raises:
        ValidationError: a naive datetime, a bool, a non-finite float or another type.
    """
    if value is None:
        return arg(rule, argument, value)  # type: ignore[no-any-return]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        _when(argument, value)  # refuses a naive datetime
        seconds = value.timestamp()
    elif isinstance(value, float) and math.isfinite(value):
        seconds = value
    else:
        raise ValidationError(
            argument,
            "must be unix seconds (int or float) or a timezone-aware datetime" + _got(value),
        )
    return math.ceil(seconds) if round_up else math.floor(seconds)


def body(arguments: Mapping[str, Arguments], op_id: str, model: type[M], **values: object) -> M:
    """Build the request model ``model`` of the operation ``op_id`` from ``values``, each
    checked by :func:`arg`.

    ``values`` are keyed by the model's attribute names (the method's argument names); each is
    checked with the operation's rule for the field's wire name (its ``metadata["wire"]``) and
    named by its attribute name in errors. Values not given (``None``) stay ``None`` and are not
    sent.

    Raises:
        ValidationError: a value breaks its rule.
    """
    rules = arguments[op_id].rules
    checked = {
        field.name: arg(rules[field.metadata["wire"]], field.name, values[field.name])
        for field in attrs.fields(model)
        if field.name in values
    }
    return model(**checked)
