"""The one converter between JSON and storeflow's models (cattrs, with orjson for the bytes).

Every generated model field keeps its JSON name in ``metadata["wire"]``; the hooks here read it,
so ``createdAt`` on the wire is ``created_at`` in Python in both directions.

Decoding is liberal by default, because the real APIs send fields, values and spellings that
no reference shows (see the README's "Forward compatibility"):

- **unknown fields are kept**: every model has ``extra``, the members of the JSON object that no
  attribute holds, by wire name; :meth:`Model.to_dict` and :meth:`Model.to_json` write them back;
- **enums are open**: a value the schema does not list is kept as a plain ``str`` (the field's
  type says so, e.g. ``PaymentStatus | str``);
- **scalars are coerced where the meaning is unambiguous**: booleans from ``"true"``/``"false"``
  and ``0``/``1``; integers from integral floats (``5.0``) and numeric strings; money
  (``Decimal``) from numbers and numeric strings, exactly; strings from integers (ids that one
  reference spells as numbers); datetimes from ISO 8601 (``Z``, offsets, fractions, date-only)
  and unix seconds or milliseconds;
- **null and missing become None** for every field, even one the schema requires (its
  attribute keeps its plain type, and the record still decodes);
- **a value that still cannot be read** leaves its attribute ``None``, keeps the raw value in
  ``extra`` under its wire name, and logs one WARNING on the ``storeflow`` logger per model field
  per process.

``strict=True`` (:func:`structure`, :func:`decode`, :meth:`Model.from_dict` and the clients'
``strict`` option) reads exactly what the schema says instead: no coercion, closed enums, no
unknown fields, required fields present and non-null. A violation raises
:class:`~storeflow.errors.DecodeError` naming the model and the field
(``"Order.product.price: expected a number, got 'abc'"``). Both modes raise it for what cannot be
used at all: a body that is not JSON, or a top-level value of the wrong JSON type.

Speed: each model's decoder is generated code (as cattrs generates its own) that checks the
exact JSON class of each value inline and calls a hook only to convert; a model whose fast pass
fails is read again field by field, tolerantly, and only that object. Explaining a strict
failure walks the input once more, only after it failed.

- ``Decimal`` (Pocketsflow money) comes from a JSON number exactly as written: a float goes
  through its shortest repr, so ``29.99`` is ``Decimal("29.99")``. orjson parses JSON numbers as
  64-bit floats, so amounts are exact up to 15 significant digits. :func:`dumps` writes a
  ``Decimal`` as the JSON number of its ``str`` (never through a float).
- A ``datetime`` is always timezone-aware: a string without an offset is read as UTC. Both
  ``datetime`` and ``date`` unstructure to ISO 8601.
- :func:`unstructure` leaves out optional fields whose value is ``None`` (unless the decoded
  record had them as ``null``), so a request body built from a model carries only the fields
  that were set: an update changes only what it sends. To send an explicit ``null``, build the
  dict.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import operator
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from types import NoneType, UnionType
from typing import Any, Final, Self, TypeVar, Union, get_args, get_origin, get_type_hints

import attrs
import orjson
from cattrs import Converter
from cattrs.cols import is_mapping, is_mutable_sequence
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.literals import is_literal

from storeflow.errors import DecodeError

__all__ = [
    "Model",
    "converter",
    "decode",
    "dumps",
    "loads",
    "records",
    "strict_converter",
    "structure",
    "unstructure",
    "wire_fields",
]

T = TypeVar("T")
_Hook = Callable[[Any, Any], Any]

logger: Final = logging.getLogger("storeflow")

_SHOWN = 60  # characters of an offending value quoted in a message


class Model:
    """Base of every generated model: what each one can do besides holding its fields.

    ``extra`` (an attribute of every model) holds, by wire name, each member of the JSON object
    that no typed attribute carries: the fields the model does not declare
    (``order.extra["discountCode"]``), and the raw value of a declared field that could not be
    read (its attribute is then ``None``). :meth:`to_dict` and :meth:`to_json` put them back, so
    a record read and written back is the record the API sent.
    """

    # The wire names of optional fields the decoded record had as null, so that to_dict()
    # writes them back; set only when there are some (decoding pays nothing otherwise).
    __slots__ = ("_nulls",)

    extra: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The record in its wire form: JSON names, and the ``extra`` members included.

        Optional fields that are ``None`` are left out unless the decoded record sent them as
        ``null``; required ones are written (as ``null`` when ``None``). Money stays
        ``Decimal`` (exact); datetimes and dates become ISO 8601 strings (UTC as ``Z``); enums
        their values.
        """
        result: dict[str, Any] = converter.unstructure(self)
        return result

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON text; money is written as the exact number."""
        return dumps(self).decode()

    @classmethod
    def from_dict(cls, data: Any, *, strict: bool = False) -> Self:
        """Build the model from parsed JSON ``data`` (see :func:`structure`).

        Raises:
            DecodeError: ``data`` is not a JSON object; with ``strict=True``, also when any
                value breaks the schema (it names the model and field).
        """
        return structure(data, cls, strict=strict)

    @classmethod
    def from_json(cls, data: bytes | str, *, strict: bool = False) -> Self:
        """Parse the JSON text ``data`` and build the model (see :func:`decode`).

        Raises:
            DecodeError: ``data`` is not JSON or not an object; with ``strict=True``, also when
                any value breaks the schema.
        """
        return decode(data, cls, strict=strict)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}…"


class _Mismatch(TypeError):
    """A value that a hook cannot read as the type it stands for."""

    def __init__(self, expected: str, value: Any) -> None:
        self.expected = expected
        self.kind = type(value).__name__
        super().__init__(f"expected {expected}, got {_show(value)}")


class _Unknown(KeyError):
    """A member that the model does not declare, met in strict mode."""


def _mismatch(expected: str, value: Any) -> _Mismatch:
    return _Mismatch(expected, value)


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


def _str_strict(value: Any, _: Any) -> str:
    if value.__class__ is str:
        return value
    raise _mismatch("a string", value)


def _str(value: Any, _: Any) -> str:
    cls = value.__class__
    if cls is str:
        return value  # type: ignore[no-any-return]
    if cls is int:  # an id one reference spells as a number
        return str(value)
    raise _mismatch("a string", value)


def _int_strict(value: Any, _: Any) -> int:
    if value.__class__ is int:
        return value
    raise _mismatch("an integer", value)


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


def _bool_strict(value: Any, _: Any) -> bool:
    if value.__class__ is bool:
        return value
    raise _mismatch("a boolean", value)


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


# -- unions ----------------------------------------------------------------------------------


def _union_args(cls: Any) -> tuple[Any, ...]:
    return get_args(cls) if get_origin(cls) in (Union, UnionType) else ()


def _join(types: list[Any]) -> Any:
    return functools.reduce(operator.or_, types)


def _is_optional(cls: Any) -> bool:
    return NoneType in _union_args(cls)


def _is_open_enum(cls: Any) -> bool:
    """``SomeEnum | str``: an enum field that keeps values the schema does not list."""
    args = _union_args(cls)
    return (
        len(args) == 2
        and str in args
        and any(isinstance(a, type) and issubclass(a, Enum) for a in args)
    )


def _is_id(cls: Any) -> bool:
    """``int | str``: an id that the references spell both ways."""
    return set(_union_args(cls)) == {int, str}


# Types whose hook returns a value of exactly that class unchanged: a field of one of these can
# check the class inline and call the hook only to convert or to complain.
_PASSED_AS_IS: Final = frozenset({str, int, bool, float})


def _split_optional(cls: Any) -> tuple[Any, bool]:
    """``(inner type, whether None is allowed)`` for a field annotation."""
    args = _union_args(cls)
    if NoneType not in args:
        return cls, False
    rest = [a for a in args if a is not NoneType]
    return (rest[0] if len(rest) == 1 else _join(rest)), True


def _optional_factory(union: Any, conv: Converter) -> _Hook:
    inner_type, _ = _split_optional(union)
    inner = conv.get_structure_hook(inner_type)

    if inner_type in _PASSED_AS_IS:

        def structure_optional_primitive(value: Any, _: Any) -> Any:
            if value is None or value.__class__ is inner_type:
                return value
            return inner(value, inner_type)

        return structure_optional_primitive

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else inner(value, inner_type)

    return structure_optional


def _open_enum_factory(strict: bool) -> Callable[[Any], _Hook]:
    def factory(union: Any) -> _Hook:
        (enum_cls,) = (a for a in get_args(union) if a is not str)
        members = enum_cls._value2member_map_

        def structure_open_enum(value: Any, _: Any) -> Any:
            try:
                return members[value]
            except (KeyError, TypeError):
                if value.__class__ is str and not strict:
                    return value  # a value the schema does not list yet
            return _enum(value, enum_cls)  # raises, listing the known values

        return structure_open_enum

    return factory


def _id_factory(strict: bool) -> Callable[[Any], _Hook]:
    def factory(_union: Any) -> _Hook:
        def structure_id(value: Any, _: Any) -> int | str:
            cls = value.__class__
            if cls is int or cls is str:
                return value  # type: ignore[no-any-return]
            if not strict and cls is float and value.is_integer():
                return int(value)
            raise _mismatch("an integer or a string", value)

        return structure_id

    return factory


# -- containers ------------------------------------------------------------------------------


def _union_factory(union: Any, conv: Converter) -> _Hook:
    """Any other union (``str | list[str]``): the first arm, in the schema's order, that reads."""
    arms = [(arm, conv.get_structure_hook(arm)) for arm in get_args(union)]
    expected = " or ".join(_type_name(arm) for arm, _ in arms)

    def structure_union(value: Any, _: Any) -> Any:
        for arm, hook in arms:
            try:
                return hook(value, arm)
            except Exception:
                continue
        raise _mismatch(expected, value)

    return structure_union


def _list_factory(cls: Any, conv: Converter) -> _Hook:
    (item_type,) = get_args(cls) or (Any,)
    hook = conv.get_structure_hook(item_type)

    def structure_list(value: Any, _: Any) -> list[Any]:
        if value.__class__ is not list:
            raise _mismatch("an array", value)
        return [hook(item, item_type) for item in value]

    return structure_list


def _dict_factory(cls: Any, conv: Converter) -> _Hook:
    key_type, value_type = get_args(cls) or (Any, Any)
    if key_type in (str, Any) and value_type is Any:
        # A free-form JSON object: its keys are strings already and its values are anything.
        def structure_object(value: Any, _: Any) -> dict[str, Any]:
            if value.__class__ is not dict:
                raise _mismatch("an object", value)
            return value

        return structure_object
    key_hook = conv.get_structure_hook(key_type)
    value_hook = conv.get_structure_hook(value_type)

    def structure_mapping(value: Any, _: Any) -> dict[Any, Any]:
        if value.__class__ is not dict:
            raise _mismatch("an object", value)
        return {key_hook(k, key_type): value_hook(v, value_type) for k, v in value.items()}

    return structure_mapping


# -- models ----------------------------------------------------------------------------------


@attrs.frozen
class _Field:
    """What decoding needs to know about one attribute of a model."""

    name: str
    wire: str
    inner: Any  # the annotation without `| None`
    required: bool
    nullable: bool  # the annotation allows None (a required field may still be null)
    hook: _Hook
    aliases: tuple[str, ...]  # other wire names it is read from when its own is absent


def wire_fields(cls: type) -> list[attrs.Attribute[Any]]:
    """The attributes of the model ``cls`` that stand for a schema field (not ``extra``)."""
    return [a for a in attrs.fields(cls) if "wire" in a.metadata]


def _fields(cls: type, conv: Converter) -> list[_Field]:
    hints = get_type_hints(cls)
    fields = []
    for a in wire_fields(cls):
        inner, nullable = _split_optional(hints[a.name])
        fields.append(
            _Field(
                name=a.name,
                wire=a.metadata["wire"],
                inner=inner,
                required=a.default is attrs.NOTHING,
                nullable=nullable,
                hook=conv.get_structure_hook(inner),
                aliases=a.metadata.get("aliases", ()),
            )
        )
    return fields


_ABSENT: Final = object()


def _plain(cls: type) -> bool:
    """Whether building ``cls`` is only setting its attributes: no validator, converter,
    setattr hook or post-init, and nothing but its fields and ``extra`` to set."""
    fields = attrs.fields(cls)
    return (
        not hasattr(cls, "__attrs_post_init__")
        and not getattr(cls, "__attrs_own_setattr__", False)
        and all(a.validator is None and a.converter is None and a.init for a in fields)
        and {a.name for a in fields} == {a.name for a in wire_fields(cls)} | {"extra"}
    )


def _decoder_source(cls: type, fields: list[_Field], strict: bool) -> tuple[str, dict[str, Any]]:
    """The source of the decoder of ``cls``, and its globals.

    Its ``try`` block takes only the happy path: it raises on anything but the expected JSON
    classes (a missing required key, a ``null`` in a required field, a value its hook refuses).
    Strict, that is the error; liberal, the object is read again by ``tolerant``. Unknown keys
    are found by counting: an object with no more keys than the fields read has none.
    """
    namespace: dict[str, Any] = {"cls": cls, "mismatch": _mismatch, "ABSENT": _ABSENT}
    lines = [
        "def decode(o, _):",
        "    if o.__class__ is not dict:",
        "        raise mismatch('an object', o)",
        "    try:",
        "        nulls = ()",
        "        absent = 0",
    ]
    for i, f in enumerate(fields):
        namespace[f"h{i}"] = f.hook
        namespace[f"t{i}"] = f.inner
        passed = f.inner in _PASSED_AS_IS
        if passed:
            namespace[f"p{i}"] = f.inner
        v = f"v{i}"
        if f.required:
            lines.append(f"        {v} = o[{f.wire!r}]")
            guard = f"{v}.__class__ is not p{i}" if passed else ""
            if f.nullable:
                guard = f"{v} is not None" + (f" and {guard}" if guard else "")
            prefix = f"if {guard}: " if guard else ""
            lines.append(f"        {prefix}{v} = h{i}({v}, t{i})")
            continue
        lines.append(f"        {v} = o.get({f.wire!r}, ABSENT)")
        branches = [
            f"if {v} is ABSENT:",
            f"    {v} = None",
            "    absent += 1",
            f"elif {v} is None:",
            f"    nulls += ({f.wire!r},)",
            "else:",
            f"    {v} = h{i}({v}, t{i})",
        ]
        if passed:  # the right class, present: nothing to do
            lines.append(f"        if {v}.__class__ is not p{i}:")
            lines += [f"            {line}" for line in branches]
        else:
            lines += [f"        {line}" for line in branches]
    if _plain(cls):
        # What attrs' __init__ would do, without its call and keyword binding.
        namespace["new"] = object.__new__
        lines.append("        obj = new(cls)")
        lines += [f"        obj.{f.name} = v{i}" for i, f in enumerate(fields)]
        lines.append("        obj.extra = {}")
    else:
        arguments = ", ".join([*(f"{f.name}=v{i}" for i, f in enumerate(fields)), "extra={}"])
        lines.append(f"        obj = cls({arguments})")
    lines.append("    except Exception:")
    if strict:
        lines.append("        raise")
    else:
        lines += [
            "        obj = tolerant(o)",
            "        unknown(obj, o)",
            "        return obj",
        ]
    lines += [
        "    if nulls:",
        "        obj._nulls = nulls",
        f"    if len(o) != {len(fields)} - absent:",
        "        unknown(obj, o)",
        "    return obj",
    ]
    return "\n".join(lines), namespace


_WARNED: set[tuple[str, str]] = set()


def _warn_unreadable(cls: type, f: _Field, error: Exception) -> None:
    """Log that ``cls.f`` could not be read: once per model field per process."""
    key = (f"{cls.__module__}.{cls.__qualname__}", f.name)
    if key in _WARNED:
        return
    _WARNED.add(key)
    # The kind of value, not the value: a response can hold personal data.
    what = (
        f"expected {error.expected}, got a {error.kind}"
        if isinstance(error, _Mismatch)
        else type(error).__name__
    )
    logger.warning(
        "%s.%s could not be read (%s): the attribute is None and the raw value is kept in "
        ".extra[%r]; logged once per field, pass strict=True to raise instead",
        cls.__name__,
        f.name,
        what,
        f.wire,
    )


def _tolerant(cls: type, fields: list[_Field]) -> Callable[[dict[str, Any]], Any]:
    """The field-by-field reading of an object whose fast reading failed (liberal mode)."""

    def tolerant(value: dict[str, Any]) -> Any:
        kwargs: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        nulls: tuple[str, ...] = ()
        for f in fields:
            item = value.get(f.wire)
            if item is None and f.wire not in value:
                item = next((value[a] for a in f.aliases if a in value), None)
            if item is None:
                if not f.required and f.wire in value:
                    nulls += (f.wire,)
                kwargs[f.name] = None
                continue
            try:
                kwargs[f.name] = f.hook(item, f.inner)
            except Exception as exc:
                kwargs[f.name] = None
                raw[f.wire] = item
                _warn_unreadable(cls, f, exc)
        obj = cls(**kwargs)
        if raw:
            obj.extra.update(raw)
        if nulls:
            obj._nulls = nulls
        return obj

    return tolerant


def _model_factory(strict: bool) -> Callable[[type, Converter], _Hook]:
    decoders: dict[type, _Hook] = {}
    building: set[type] = set()

    def factory(cls: type, conv: Converter) -> _Hook:
        if cls in building:
            # A model that contains itself (a category's subcategories): its fields' hooks are
            # being looked up right now, so bind to its decoder once it exists.
            return lambda value, tp: decoders[cls](value, tp)
        building.add(cls)
        try:
            fields = _fields(cls, conv)
        finally:
            building.discard(cls)
        known = frozenset(f.wire for f in fields)
        # An alias is a known key only while it stands in for its field's own, absent, one.
        aliases = {alias: f.wire for f in fields for alias in f.aliases}

        def unknown(obj: Any, value: dict[str, Any]) -> None:
            """Keep (or, strict, refuse) the members no field declares (there may be none: a
            key read under an alias)."""
            extra = obj.extra
            for key, item in value.items():
                if key in known or (key in aliases and aliases[key] not in value):
                    continue
                if strict:
                    raise _Unknown(key)
                extra[key] = item

        source, namespace = _decoder_source(cls, fields, strict)
        namespace.update(known=known, unknown=unknown, tolerant=_tolerant(cls, fields))
        # Our own generated source, compiled once per model (cattrs builds its hooks so too).
        exec(compile(source, f"<storeflow decoder for {cls.__qualname__}>", "exec"), namespace)
        decoder: _Hook = namespace["decode"]
        decoders[cls] = decoder
        return decoder

    return factory


def _none_or(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def unstructure_or_none(value: Any) -> Any:
        return None if value is None else hook(value)

    return unstructure_or_none


def _field_override(a: attrs.Attribute[Any], annotation: Any, conv: Converter) -> Any:
    if "wire" not in a.metadata:
        return override(omit=True)
    if a.default is attrs.NOTHING:
        # A required field is None after a liberal decode of a null or a missing key.
        hook = conv.get_unstructure_hook(annotation)
        return override(rename=a.metadata["wire"], unstruct_hook=_none_or(hook))
    return override(rename=a.metadata["wire"])


def _model_unstructure_factory(cls: type, conv: Converter) -> Callable[[Any], Any]:
    hints = get_type_hints(cls)
    overrides = {a.name: _field_override(a, hints[a.name], conv) for a in attrs.fields(cls)}
    base: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
        cls,
        conv,
        _cattrs_omit_if_default=True,
        **overrides,
    )

    def unstructure_model(obj: Any) -> dict[str, Any]:
        data: dict[str, Any] = base(obj)
        for wire in getattr(obj, "_nulls", ()):
            data.setdefault(wire, None)
        if obj.extra:
            for wire, item in obj.extra.items():
                # A raw value stands in for a declared field only while its attribute is None.
                if data.get(wire) is None:
                    data[wire] = item
        return data

    return unstructure_model


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


def _make_converter(*, strict: bool) -> Converter:
    # No detailed validation: a failure is explained by `_explain`, after the fact.
    conv = Converter(detailed_validation=False, forbid_extra_keys=False)
    # Exact classes go to cattrs' singledispatch, which it consults before any predicate; the
    # StrEnum and IntEnum entries keep generated enums from falling through to `str` or `int`.
    for cls, hook in (_STRICT if strict else _LENIENT).items():
        conv.register_structure_hook(cls, hook)
    for cls in (Enum, StrEnum, IntEnum):
        conv.register_structure_hook(cls, _enum)
    # Factories registered later are consulted first: the catch-all union goes in first.
    conv.register_structure_hook_factory(lambda cls: bool(_union_args(cls)), _union_factory)
    conv.register_structure_hook_factory(is_literal, _literal_factory)
    conv.register_structure_hook_factory(_is_optional, _optional_factory)
    conv.register_structure_hook_factory(_is_open_enum, _open_enum_factory(strict))
    conv.register_structure_hook_factory(_is_id, _id_factory(strict))
    conv.register_structure_hook_factory(is_mutable_sequence, _list_factory)
    conv.register_structure_hook_factory(is_mapping, _dict_factory)
    conv.register_structure_hook_factory(attrs.has, _model_factory(strict))
    conv.register_unstructure_hook(str, _text_out)
    conv.register_unstructure_hook(dt.datetime, _iso_datetime)
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_unstructure_hook_factory(attrs.has, _model_unstructure_factory)
    return conv


converter = _make_converter(strict=False)
"""The converter every storeflow module uses: liberal (see the module notes)."""

strict_converter = _make_converter(strict=True)
"""The converter of ``strict=True``: exactly the schema, or an error."""


# -- errors ----------------------------------------------------------------------------------


def _type_name(cls: Any) -> str:
    args = get_args(cls)
    origin = get_origin(cls)
    if origin in (Union, UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is not None and args:
        return f"{_type_name(origin)}[{', '.join(_type_name(a) for a in args)}]"
    return getattr(cls, "__name__", repr(cls))


def _explain(value: Any, cls: Any, strict: bool, path: str) -> Iterator[tuple[str, Exception]]:
    """Yield ``(path, error)`` for each place where ``value`` fails to decode as ``cls``.

    Runs only after decoding failed, to say where: it walks models and lists, and asks the
    converter's own hook about everything else.
    """
    conv = strict_converter if strict else converter
    cls, nullable = _split_optional(cls)
    if value is None and nullable:
        return
    if attrs.has(cls) and isinstance(cls, type):
        if value.__class__ is not dict:
            yield path, _mismatch("an object", value)
            return
        if not strict:  # a lenient model reads any object
            return
        hints = get_type_hints(cls)
        known = set()
        for a in wire_fields(cls):
            wire = a.metadata["wire"]
            known.add(wire)
            where = f"{path}.{a.name}"
            if wire not in value:
                if a.default is attrs.NOTHING:
                    yield where, KeyError(wire)
                continue
            yield from _explain(value[wire], hints[a.name], strict, where)
        for key in value:
            if key not in known:
                yield f"{path}.{key}", _Unknown(key)
        return
    if get_origin(cls) is list and value.__class__ is list:
        (item_type,) = get_args(cls)
        for index, item in enumerate(value):
            yield from _explain(item, item_type, strict, f"{path}[{index}]")
        return
    try:
        conv.get_structure_hook(cls)(value, cls)
    except Exception as exc:
        yield path, exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _Unknown):
        return "unknown field (strict decoding accepts only the schema's fields)"
    if isinstance(exc, KeyError):
        return f"required field missing (no {exc.args[0]!r} key)"
    if isinstance(exc, TypeError | ValueError) and str(exc).startswith("expected "):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _text(raw: bytes | str) -> str:
    return raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")


def _decode_error(
    data: Any, cls: Any, error: Exception, raw: bytes | str | None, strict: bool
) -> DecodeError:
    model = _type_name(cls)
    leaves = list(_explain(data, cls, strict, "")) or [("", error)]
    path, first = leaves[0]
    more = f" (and {len(leaves) - 1} more)" if len(leaves) > 1 else ""
    return DecodeError(
        f"{model}{path}: {_reason(first)}{more}",
        model=model,
        field=path.lstrip(".") or None,
        body=None if raw is None else _text(raw),
    )


# -- the entry points ------------------------------------------------------------------------


def records(page: Model, name: str) -> list[Any]:
    """The record list ``name`` of a decoded page model: ``[]`` when null or missing.

    The records are what a page is for, so a list that could not be read is not passed over
    as empty (paging would stop there, quietly, as if the list had ended).

    Raises:
        DecodeError: the list was there but could not be read (not an array, or an entry that
            is not an object); the raw value stays in ``page.extra``.
    """
    items: list[Any] | None = getattr(page, name)
    if items is not None:
        return items
    wire = next(a.metadata["wire"] for a in wire_fields(type(page)) if a.name == name)
    if wire in page.extra:
        # The kind of value only: a misbehaving server may echo the request (and its key).
        model, raw = type(page).__name__, page.extra[wire]
        what = (
            "an entry that is not a record" if isinstance(raw, list) else f"a {type(raw).__name__}"
        )
        raise DecodeError(
            f"{model}.{name}: expected an array of records, got {what}",
            model=model,
            field=name,
        )
    return []


def _structure(data: Any, cls: type[T], raw: bytes | str | None, strict: bool) -> T:
    conv = strict_converter if strict else converter
    try:
        result: T = conv.structure(data, cls)
    except Exception as exc:
        raise _decode_error(data, cls, exc, raw, strict) from exc
    return result


def structure(data: Any, cls: type[T], *, strict: bool = False) -> T:
    """Build a ``cls`` (a model, or e.g. ``list[Model]``) from parsed JSON ``data``.

    Liberal by default (see the module notes); ``strict=True`` accepts exactly the schema.

    Raises:
        DecodeError: ``data`` is not the JSON container ``cls`` needs (an object for a model, an
            array for a list); with ``strict=True``, also any value that breaks the schema. It
            names the model and the field path.
    """
    return _structure(data, cls, None, strict)


def unstructure(obj: Any) -> Any:
    """Turn a model (or a list of models) into JSON-ready data under the wire names.

    A model's ``extra`` members are included (see :meth:`Model.to_dict`). Optional fields that
    are ``None`` are left out; ``Decimal`` values stay ``Decimal`` (exact) for :func:`dumps` to
    write, ``datetime`` and ``date`` become ISO 8601 strings.
    """
    return converter.unstructure(obj)


def loads(data: bytes | str) -> Any:
    """Parse JSON text.

    Raises:
        DecodeError: ``data`` is not JSON (an HTML error page, a truncated body), with an
            excerpt of it in ``body``.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"the body is not valid JSON ({exc})", body=_text(data)) from exc


def _default(obj: Any) -> Any:
    if obj.__class__ is Decimal:
        if not obj.is_finite():
            raise TypeError(f"{obj} is not a JSON number")
        return orjson.Fragment(str(obj).encode())
    if attrs.has(obj.__class__):
        return converter.unstructure(obj)
    raise TypeError(f"{_show(obj)} is not JSON serializable")


def dumps(obj: Any) -> bytes:
    """Serialise ``obj`` (unstructured data, or a model) to compact JSON bytes.

    A ``Decimal`` is written as the exact number it holds (``29.99``, never ``29.989999…``).

    Raises:
        TypeError: a value JSON cannot hold (a non-finite ``Decimal``, an unknown object).
    """
    return orjson.dumps(obj, default=_default)


def decode(data: bytes | str, cls: type[T], *, strict: bool = False) -> T:
    """Parse the JSON ``data`` and structure it into ``cls``; :func:`loads` then :func:`structure`.

    Raises:
        DecodeError: as both do, with an excerpt of ``data``.
    """
    return _structure(loads(data), cls, data, strict)
