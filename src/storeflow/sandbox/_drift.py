"""Drift mode: answers spelled the way real APIs spell them, not the way the schema does.

A real API sends fields no reference shows, enum values added after the SDK was written, and
the same value in more than one JSON spelling. :class:`Drift` makes the sandbox do that, one
layer over every successful JSON answer: :class:`Drifter` walks the answer alongside the
generated model of its operation (``storeflow.<api>._responses``, from the schemas), so it knows
which members are enums, booleans, integers, money and dates, and rewrites a seeded share of
them:

* ``unknown_field`` — an object gains a member its model does not declare;
* ``new_enum_value`` — an enum value becomes one the schema does not list
  (:func:`new_enum_value`: ``"paid"`` becomes ``"partially_paid"``);
* ``null_optional`` — an optional member the answer left out is sent as ``null``;
* ``bool_as_string`` — ``true`` becomes ``"true"``;
* ``int_as_float`` — ``5`` becomes ``5.0`` (integers and Reflow's minor-unit money);
* ``number_as_string`` — ``5`` becomes ``"5"``, ``29.99`` becomes ``"29.99"`` (money included);
* ``date_spelling`` — an ISO 8601 instant in another spelling of the same instant (an offset
  instead of ``Z``, fractions, another time zone), a day as midnight UTC;
* ``unix_time`` — an ISO 8601 instant as unix seconds (or milliseconds).

Every rewrite keeps the meaning: a tolerant client decodes the same record, except that a new
enum value is the new string and unknown members land in ``extra``. Identifiers (``id``,
``_id``) keep their spelling, since clients key records by them. Which places of an object
change depends only on the seed and on the object itself (its model and content), never on the
request or the order in which requests arrive: a record drifts the same way on every page,
every run and every export that carries it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import random
import typing
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any, Final, Literal, TypeAlias, get_args, get_origin

import attrs
import orjson
from attrs import frozen

from storeflow import _serde
from storeflow._operation import Operation

__all__ = ["DRIFT_KINDS", "Drift", "DriftKind", "Drifter", "new_enum_value"]

DriftKind: TypeAlias = Literal[
    "unknown_field",
    "new_enum_value",
    "null_optional",
    "bool_as_string",
    "int_as_float",
    "number_as_string",
    "date_spelling",
    "unix_time",
]
"""One way an answer drifts from its schema (see the module notes)."""

DRIFT_KINDS: Final[tuple[DriftKind, ...]] = get_args(DriftKind)
"""Every kind of drift, in the order the module notes list them."""

# Members real stores add; each object gains one its model does not declare, with a value of
# some JSON type.
_UNKNOWN_NAMES: Final = ("x_source", "riskLevel", "tags", "metadata_v2", "archivedReason")
_UNKNOWN_VALUES: Final[tuple[Any, ...]] = (
    "web",
    3,
    2.5,
    True,
    None,
    ["gift", "vip"],
    {"channel": "pos", "version": 2},
)
_IDENTIFIERS: Final = frozenset({"id", "_id"})
# Exactly representable integers only: a larger one would change as a float.
_FLOAT_EXACT: Final = 2**53
_OFFSET: Final = dt.timezone(dt.timedelta(hours=5, minutes=30))
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def new_enum_value(value: str) -> str:
    """The value the schema does not list that drift sends instead of the enum value ``value``."""
    return f"partially_{value}"


@frozen(kw_only=True)
class Drift:
    """How the sandbox's answers drift from their schema (``Sandbox(drift=Drift(seed=1))``).

    ``seed`` picks the places; ``rate`` is the share of eligible places (members, objects) that
    change, from 0 to 1; ``kinds`` limits drift to some of :data:`DRIFT_KINDS`.

    Raises:
        ValueError: ``rate`` is outside 0-1, or ``kinds`` names an unknown kind.
    """

    seed: int = 0
    rate: float = 0.3
    kinds: frozenset[DriftKind] = frozenset(DRIFT_KINDS)

    def __attrs_post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("drift rate must be between 0 and 1")
        unknown = set(self.kinds) - set(DRIFT_KINDS)
        if unknown:
            raise ValueError(
                f"unknown drift kinds {sorted(unknown)}; choose from {', '.join(DRIFT_KINDS)}"
            )


def _members(annotation: Any) -> tuple[tuple[Any, ...], bool]:
    """The non-null members of ``annotation`` and whether it admits ``None``."""
    if get_origin(annotation) in (typing.Union, UnionType):
        args = get_args(annotation)
        return tuple(a for a in args if a is not NoneType), NoneType in args
    return (annotation,), False


def _is_enum(member: Any) -> bool:
    return isinstance(member, type) and issubclass(member, enum.Enum)


@functools.cache
def _hints(model: type) -> dict[str, Any]:
    return typing.get_type_hints(model)


class Drifter:
    """Applies one :class:`Drift` to the JSON answers of one API, and counts what it changed.

    ``operations`` and ``responses`` are the API's generated tables (``OPERATIONS`` and
    ``RESPONSES``). :attr:`counts` says how many places each kind has changed so far.
    """

    def __init__(
        self,
        drift: Drift,
        operations: Mapping[str, Operation],
        responses: Mapping[str, tuple[type[Any], bool]],
    ) -> None:
        self.drift = drift
        self.counts: Counter[DriftKind] = Counter()
        self._answers = {
            (op.method, op.path.rstrip("/")): responses[op_id]
            for op_id, op in operations.items()
            if op_id in responses
        }

    def apply(self, method: str, route: str, body: bytes) -> bytes | None:
        """The drifted ``body`` of the answer to ``method route`` (the schema's path template),
        or ``None`` when the operation has no modelled answer or nothing changed.

        Raises nothing for a body that is not what the model describes: its odd parts are left
        as they are.
        """
        answer = self._answers.get((method, route.rstrip("/")))
        if answer is None:
            return None
        model, array = answer
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        walk = _Walk(self.drift)
        if array and isinstance(data, list):
            data = [walk.value(item, model) for item in data]
        else:
            data = walk.value(data, model)
        if not walk.counts:
            return None
        self.counts.update(walk.counts)
        return _serde.dumps(data)

    def reset(self) -> None:
        """Forget the counts (the sandbox's reset)."""
        self.counts.clear()


class _Walk:
    """One answer's pass: the random stream of the object being drifted, and the counts of what
    it changed."""

    def __init__(self, drift: Drift) -> None:
        self.seed = drift.seed
        self.kinds = drift.kinds
        self.rate = drift.rate
        self.rng = random.Random(drift.seed)
        self.counts: Counter[DriftKind] = Counter()

    def _pick(self, *kinds: DriftKind) -> DriftKind | None:
        """One of ``kinds`` (among those enabled) for this place, or ``None`` to leave it."""
        enabled = [kind for kind in kinds if kind in self.kinds]
        if not enabled or self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(enabled)
        self.counts[kind] += 1
        return kind

    def model(self, data: dict[str, Any], model: type) -> dict[str, Any]:
        # Each object draws from its own stream, seeded by its content: see the module notes.
        outer = self.rng
        content = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.blake2b(content, digest_size=16).hexdigest()
        self.rng = random.Random(f"{self.seed}:{model.__qualname__}:{digest}")
        try:
            return self._model(data, model)
        finally:
            self.rng = outer

    def _model(self, data: dict[str, Any], model: type) -> dict[str, Any]:
        hints = _hints(model)
        declared: set[str] = set()
        for attribute in _serde.wire_fields(model):
            wire = attribute.metadata["wire"]
            declared.add(wire)
            members, optional = _members(hints[attribute.name])
            if wire not in data:
                if optional and self._pick("null_optional"):
                    data[wire] = None
                continue
            if wire in _IDENTIFIERS or data[wire] is None:
                continue
            data[wire] = self._member(data[wire], members)
        names = [n for n in _UNKNOWN_NAMES if n not in declared and n not in data]
        if names and self._pick("unknown_field"):
            data[self.rng.choice(names)] = self.rng.choice(_UNKNOWN_VALUES)
        return data

    def value(self, value: Any, annotation: Any) -> Any:
        """``value`` (of the type ``annotation``), drifted in place where it is a container."""
        members, _optional = _members(annotation)
        return value if value is None else self._member(value, members)

    def _member(self, value: Any, members: tuple[Any, ...]) -> Any:
        if len(members) == 2 and str in members and any(_is_enum(m) for m in members):
            members = tuple(m for m in members if m is not str)  # an open enum
        if len(members) != 1:
            return value  # a union of several shapes, or an id spelled either way: left as is
        kind = members[0]
        cls = value.__class__
        if attrs.has(kind):
            return self.model(value, kind) if cls is dict else value
        origin = get_origin(kind)
        if origin is list and cls is list:
            (item,) = get_args(kind)
            return [self.value(element, item) for element in value]
        if _is_enum(kind):
            if cls is str and self._pick("new_enum_value"):
                return new_enum_value(value)
            return value
        if kind is bool:
            return self._bool(value) if cls is bool else value
        if kind is int or kind is Decimal or kind is float:
            return self._number(value, kind) if cls in (int, float) else value
        if kind is dt.datetime:
            return self._instant(value) if cls is str else value
        if kind is dt.date and cls is str and self._pick("date_spelling"):
            return f"{value}T00:00:00Z"
        return value

    def _bool(self, value: bool) -> Any:
        if self._pick("bool_as_string"):
            return "true" if value else "false"
        return value

    def _number(self, value: int | float, kind: Any) -> Any:
        # Only integers that a float holds exactly become floats; Pocketsflow money (Decimal)
        # stays a number or its text, as its two spellings in the wild are.
        if value.__class__ is int and abs(value) < _FLOAT_EXACT and kind is not Decimal:
            pick = self._pick("int_as_float", "number_as_string")
        else:
            pick = self._pick("number_as_string")
        if pick == "int_as_float":
            return float(value)
        if pick == "number_as_string":
            return orjson.dumps(value).decode()
        return value

    def _instant(self, value: str) -> Any:
        try:
            instant = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=dt.UTC)
        micros = (instant - _EPOCH) // dt.timedelta(microseconds=1)
        # A unix time carries milliseconds at most (as JavaScript servers send them): a finer
        # instant only changes its ISO spelling.
        pick = (
            self._pick("date_spelling", "unix_time")
            if micros % 1000 == 0
            else self._pick("date_spelling")
        )
        if pick == "date_spelling":
            spelling = self.rng.randrange(3)
            if spelling == 0:
                return instant.astimezone(dt.UTC).isoformat()  # +00:00 instead of Z
            if spelling == 1:
                return instant.astimezone(_OFFSET).isoformat()
            return instant.astimezone(dt.UTC).isoformat(timespec="microseconds")
        if pick == "unix_time":
            return micros // 1_000_000 if micros % 1_000_000 == 0 else micros // 1000
        return value
