"""Checked access to a request's query parameters (:class:`Params`) and body fields (:class:`Body`).

Each getter returns the parsed value or raises :class:`~storeflow.sandbox._http.HTTPFailure`
(400, in the API's error body) naming the parameter or field and the rule it breaks. Both
simulators check query strings with :class:`Params` directly; bodies go through
:func:`storeflow.sandbox._bodies.read_fields`, which drives :class:`Body` from the generated
argument rules.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

from storeflow._operation import Rule
from storeflow.sandbox._http import ErrorBody, HTTPFailure

__all__ = ["Body", "Params", "parse_iso"]


_INTEGER_RE: Final = re.compile(r"-?[0-9]+")
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_FLAGS: Final = ("true", "false")

_T = TypeVar("_T")


# How a rule words its bounds, by which of them are given (minimum, maximum): a number's, and a
# string's length. ``{s}`` is the plural "s" of any minimum but 1.
_WORDING: Final = {
    (True, True): (" between {minimum} and {maximum}", "{minimum} to {maximum} characters long"),
    (True, False): (" of at least {minimum}", "at least {minimum} character{s} long"),
    (False, True): (" of at most {maximum}", "at most {maximum} characters long"),
    (False, False): ("", ""),
}
_NUMBER: Final = 0
_LENGTH: Final = 1


def _worded(column: int, minimum: float | None, maximum: float | None) -> str:
    """The ``column`` wording of :data:`_WORDING` for the bounds given, filled in."""
    wording = _WORDING[minimum is not None, maximum is not None][column]
    return wording.format(minimum=minimum, maximum=maximum, s="" if minimum == 1 else "s")


def _integer_rule(name: str, minimum: int | None, maximum: int | None) -> str:
    return f"{name} must be an integer{_worded(_NUMBER, minimum, maximum)}"


def parse_iso(text: str) -> dt.datetime | None:
    """``text`` as an aware datetime (a date is its midnight; no offset means UTC), or ``None``
    when it is not ISO 8601."""
    # A "+hh:mm" offset sent unencoded in a query string arrives with the "+" decoded as a space.
    for candidate in (text, text.replace(" ", "+")):
        try:
            value = dt.datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return None


class _Checker:
    """What :class:`Params` and :class:`Body` share: the API's error body and the rules that
    apply to a parameter and a body field alike."""

    def __init__(self, error_body: ErrorBody) -> None:
        self._error_body = error_body

    def fail(self, message: str) -> HTTPFailure:
        """Return (for the caller to raise) a 400 failure with ``message`` in the API's body."""
        return HTTPFailure(400, self._error_body(message))

    def _bounded(self, name: str, value: int, minimum: int | None, maximum: int | None) -> int:
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise self.fail(_integer_rule(name, minimum, maximum))
        if not _INT64_MIN <= value <= _INT64_MAX:
            # Past 64 bits the APIs' servers (and the JSON encoder) give up; the message says
            # so instead of repeating a documented bound the value meets.
            raise self.fail(
                _integer_rule(
                    name,
                    _INT64_MIN if minimum is None else minimum,
                    _INT64_MAX if maximum is None else maximum,
                )
            )
        return value

    def _matching(
        self,
        name: str,
        text: str,
        min_length: int | None,
        max_length: int | None,
        pattern: str | re.Pattern[str] | None,
        rule: str | None,
        *,
        search: bool = False,
    ) -> str:
        if (min_length is not None and len(text) < min_length) or (
            max_length is not None and len(text) > max_length
        ):
            raise self.fail(f"{name} must be {_worded(_LENGTH, min_length, max_length)}")
        # A schema's pattern is searched for (as JSON Schema does); our own must match whole.
        matches = re.search if search else re.fullmatch
        if pattern is not None and not matches(pattern, text):
            expected = pattern if isinstance(pattern, str) else pattern.pattern
            raise self.fail(f"{name} {rule or f'must match the pattern {expected}'}")
        return text


class Params(_Checker):
    """Checked access to the parameters of a query string.

    Every getter returns the parsed value, or ``None`` when the parameter is absent (a caller
    with a default writes ``params.integer("page") or 1``), and raises
    ``HTTPFailure(400, error_body(message))`` when it is present but breaks its rule; the message
    names the parameter and the rule (``"pageSize must be an integer between 1 and 100"``). An
    empty value (``?page=``) counts as present and is checked like any other. Unknown parameters
    are ignored, as web APIs do.

    The getters are named ``integer``/``string``/... rather than after the builtins so that the
    builtins stay usable as types inside the class.
    """

    def __init__(self, query: Mapping[str, str], error_body: ErrorBody) -> None:
        super().__init__(error_body)
        self._query = query

    def raw(self, name: str) -> str | None:
        """The parameter's text as sent, unchecked, or ``None`` when absent."""
        return self._query.get(name)

    def _given(self, name: str, parse: Callable[[str], _T]) -> _T | None:
        """``parse`` of the parameter's text, or ``None`` when the parameter is absent."""
        text = self._query.get(name)
        return None if text is None else parse(text)

    def integer(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """An integer in decimal digits (optional leading ``-``), within the bounds given and,
        where a bound is not given, within a signed 64-bit integer's range.

        Raises HTTPFailure(400) for anything else (``1.0``, ``+1``, ``abc``, out of bounds).
        """
        return self._given(name, lambda text: self._decimal(name, text, minimum, maximum))

    def _decimal(self, name: str, text: str, minimum: int | None, maximum: int | None) -> int:
        if not _INTEGER_RE.fullmatch(text):
            raise self.fail(_integer_rule(name, minimum, maximum))
        # More digits than any 64-bit integer has: out of range, and not worth parsing (int()
        # refuses thousands of digits).
        if len(text.lstrip("-0")) > 19:
            value = -(10**19) if text.startswith("-") else 10**19
        else:
            value = int(text)
        return self._bounded(name, value, minimum, maximum)

    def string(
        self, name: str, *, pattern: str | re.Pattern[str] | None = None, rule: str | None = None
    ) -> str | None:
        """The parameter as sent, fully matching ``pattern`` (if given).

        ``rule`` replaces the generic "must match pattern ..." in the error message, for a
        friendlier one ("must be a 24-character hex ObjectId"). Raises HTTPFailure(400).
        """
        return self._given(name, lambda text: self._matching(name, text, None, None, pattern, rule))

    def enum(self, name: str, values: Sequence[str]) -> str | None:
        """One of ``values`` exactly (case-sensitive). Raises HTTPFailure(400) otherwise."""
        return self._given(name, lambda text: self._one_of(name, text, values))

    def _one_of(self, name: str, text: str, values: Sequence[str]) -> str:
        if text not in values:
            raise self.fail(f"{name} must be one of {', '.join(values)}")
        return text

    def bool_string(self, name: str) -> bool | None:
        """``"true"`` or ``"false"`` as a bool. Raises HTTPFailure(400) for anything else."""
        return self._given(name, lambda text: self._one_of(name, text, _FLAGS) == "true")

    def datetime(self, name: str) -> dt.datetime | None:
        """An ISO 8601 date-time (or date) as an aware datetime; naive values are taken as UTC.

        Raises HTTPFailure(400) when the text is not ISO 8601.
        """
        return self._given(name, lambda text: self._iso(name, text))

    def _iso(self, name: str, text: str) -> dt.datetime:
        value = parse_iso(text)
        if value is None:
            raise self.fail(f"{name} must be an ISO 8601 date-time such as 2024-01-15T10:30:00Z")
        return value


class Body(_Checker):
    """Checked fields of a JSON object body (see :func:`~storeflow.sandbox._http.read_json_object`).

    :meth:`only` and :meth:`not_empty` check the object as a whole; each getter
    takes one field's name and the value sent (the caller looks up whether it was sent at all)
    and returns it checked, or raises ``HTTPFailure(400, error_body(message))`` naming the field
    and its rule when it has the wrong JSON type (``null`` included) or breaks a bound. JSON
    booleans are never accepted as numbers.
    """

    def __init__(self, data: Mapping[str, Any], error_body: ErrorBody) -> None:
        super().__init__(error_body)
        self.data = data

    def only(self, *names: str) -> None:
        """Refuse fields other than ``names`` (``additionalProperties: false``)."""
        unknown = sorted(set(self.data) - set(names))
        if unknown:
            raise self.fail(f"unknown field {unknown[0]!r}; allowed fields: {', '.join(names)}")

    def not_empty(self) -> None:
        """Refuse an empty object (``minProperties: 1``)."""
        if not self.data:
            raise self.fail("the request body must contain at least one field")

    def string(self, name: str, value: object, rule: Rule | None = None) -> str:
        """A JSON string within ``rule``'s length bounds, holding a match of its pattern (where
        ``rule`` gives them), as JSON Schema reads a pattern."""
        if not isinstance(value, str):
            raise self.fail(f"{name} must be a string")
        if rule is None:
            return value
        return self._matching(
            name, value, rule.min_length, rule.max_length, rule.pattern, None, search=True
        )

    def integer(
        self, name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        """A JSON integer within the bounds and, where a bound is not given, within a signed
        64-bit integer's range. ``3.0`` counts as 3 (JSON Schema's rule); ``3.5``, ``true`` and
        strings do not."""
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(_integer_rule(name, minimum, maximum))
        return self._bounded(name, value, minimum, maximum)

    def number(
        self,
        name: str,
        value: object,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | int:
        """A finite JSON number within the bounds, returned as sent (int or float); booleans,
        strings, non-finite values and out-of-bounds ones are refused."""
        rule = f"{name} must be a number{_worded(_NUMBER, minimum, maximum)}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(rule)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(rule)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise self.fail(rule)
        return value

    def boolean(self, name: str, value: object) -> bool:
        """A JSON ``true``/``false``."""
        if not isinstance(value, bool):
            raise self.fail(f"{name} must be true or false")
        return value

    def enum(self, name: str, value: object, values: Sequence[str]) -> str:
        """One of the strings ``values``."""
        if not isinstance(value, str) or value not in values:
            raise self.fail(f"{name} must be one of {', '.join(values)}")
        return value

    def strings(
        self, name: str, value: object, *, min_items: int | None, max_items: int | None
    ) -> list[str]:
        """A JSON array of strings, of ``min_items`` to ``max_items`` items where given."""
        if not isinstance(value, list):
            raise self.fail(f"{name} must be an array")
        if min_items is not None and len(value) < min_items:
            raise self.fail(f"{name} must hold at least {min_items} item(s)")
        if max_items is not None and len(value) > max_items:
            raise self.fail(f"{name} must hold at most {max_items} item(s)")
        if not all(isinstance(item, str) for item in value):
            raise self.fail(f"every item of {name} must be a string")
        return list(value)
