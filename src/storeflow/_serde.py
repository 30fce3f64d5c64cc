"""The one converter between JSON and storeflow's models (cattrs, with orjson for the bytes).

Every generated model field keeps its JSON name in ``metadata["wire"]``; the hooks here read it,
so ``createdAt`` on the wire is ``created_at`` in Python in both directions.

Structuring is strict about types and lenient about shape: unknown keys are ignored, a missing
optional key or a ``null`` gives ``None``, but a value of the wrong type raises
:class:`~storeflow.errors.DecodeError` naming the model and the field
(``"Order.product.price: expected a number, got 'abc'"``). Decoding runs on a converter without
detailed validation, which is the fast one; only when it fails is the same input run again with
detailed validation, to say where.

- ``Decimal`` (Pocketsflow money) comes from a JSON number or a numeric string, exactly as
  written: a float goes through its shortest repr, so ``29.99`` is ``Decimal("29.99")``. orjson
  parses JSON numbers as 64-bit floats, so amounts are exact up to 15 significant digits.
  :func:`dumps` writes a ``Decimal`` as the JSON number of its ``str`` (never through a float).
- ``datetime`` comes from an ISO 8601 string and is always timezone-aware: a string without an
  offset is read as UTC. ``date`` comes from ``YYYY-MM-DD``. Both unstructure to ISO 8601.
- :func:`unstructure` leaves out optional fields whose value is ``None``, so a request body
  built from a model carries only the fields that were set: an update changes only what it
  sends, and never ``null``-s a field by omission. To send an explicit ``null``, build the dict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from enum import Enum, IntEnum, StrEnum
from types import NoneType
from typing import Any, TypeVar, get_args, get_origin

import attrs
import orjson
from cattrs import Converter
from cattrs.cols import is_mapping, is_mutable_sequence, list_structure_factory
from cattrs.errors import AttributeValidationNote, BaseValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.literals import is_literal

from storeflow.errors import DecodeError

__all__ = ["converter", "decode", "dumps", "loads", "structure", "unstructure"]

T = TypeVar("T")
_Hook = Callable[[Any, Any], Any]

_SHOWN = 60  # characters of an offending value quoted in a message


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}…"


def _mismatch(expected: str, value: Any) -> TypeError:
    return TypeError(f"expected {expected}, got {_show(value)}")


# Strict primitives: JSON already gives the right Python type, so anything else is a schema
# violation to report, not a value to coerce (cattrs' default would turn 12 into "12" and
# "false" into True).


def _str(value: Any, _: Any) -> str:
    if value.__class__ is str:
        return value
    raise _mismatch("a string", value)


def _int(value: Any, _: Any) -> int:
    if value.__class__ is int:
        return value
    raise _mismatch("an integer", value)


def _bool(value: Any, _: Any) -> bool:
    if value.__class__ is bool:
        return value
    raise _mismatch("a boolean", value)


def _float(value: Any, _: Any) -> float:
    if value.__class__ is float or value.__class__ is int:
        return float(value)
    raise _mismatch("a number", value)


# Money repeats (a store has few prices), and the shortest repr of a float is most of the cost
# of reading it exactly, so each float amount is converted once. Bounded; Decimal is immutable.
# (0.0 and -0.0 share an entry: the amounts are equal.)
_FLOAT_DECIMALS: dict[float, Decimal] = {}
_FLOAT_DECIMALS_MAX = 4096


def _decimal(value: Any, _: Any) -> Decimal:
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
    if cls is str:
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise _mismatch("a number", value) from None
        if result.is_finite():
            return result
        raise _mismatch("a finite number", value)
    raise _mismatch("a number", value)


def _datetime(value: Any, _: Any) -> dt.datetime:
    if value.__class__ is not str:
        raise _mismatch("an ISO 8601 date-time string", value)
    try:
        result = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _mismatch("an ISO 8601 date-time", value) from None
    return result if result.tzinfo is not None else result.replace(tzinfo=dt.UTC)


def _date(value: Any, _: Any) -> dt.date:
    if value.__class__ is not str:
        raise _mismatch("an ISO 8601 date string", value)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _mismatch("an ISO 8601 date (YYYY-MM-DD)", value) from None


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


def _is_optional(cls: Any) -> bool:
    args = get_args(cls)
    return len(args) == 2 and NoneType in args and not is_literal(cls)


# Types whose hook returns a value of exactly that class unchanged: a nullable field of one of
# these can check the class inline and call the hook only to convert or to complain.
_PASSED_AS_IS = frozenset({str, int, bool, float})


def _optional_factory(union: Any, conv: Converter) -> _Hook:
    (inner_type,) = (arg for arg in get_args(union) if arg is not NoneType)
    try:
        inner = conv.get_structure_hook(inner_type)
    except RecursionError:  # a model that contains itself: bind late
        inner = conv.structure

    if inner_type in _PASSED_AS_IS:

        def structure_optional_primitive(value: Any, _: Any) -> Any:
            if value is None or value.__class__ is inner_type:
                return value
            return inner(value, inner_type)

        return structure_optional_primitive

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else inner(value, inner_type)

    return structure_optional


def _list_factory(cls: Any, conv: Converter) -> _Hook:
    items = list_structure_factory(cls, conv)

    def structure_list(value: Any, _: Any) -> Any:
        if value.__class__ is not list:
            raise _mismatch("an array", value)
        return items(value, cls)

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


def _renames(cls: type) -> dict[str, Any]:
    return {a.name: override(rename=a.metadata["wire"]) for a in attrs.fields(cls)}


def _model_factory(cls: type, conv: Converter) -> _Hook:
    from_dict: _Hook = make_dict_structure_fn(
        cls, conv, _cattrs_forbid_extra_keys=False, **_renames(cls)
    )
    if not conv.detailed_validation and any(a.default is attrs.NOTHING for a in attrs.fields(cls)):
        # Reading a required key already fails on anything but an object; skip a call per object.
        return from_dict

    def structure_model(value: Any, _: Any) -> Any:
        if value.__class__ is not dict:
            raise _mismatch("an object", value)
        return from_dict(value, cls)

    return structure_model


def _model_unstructure_factory(cls: type, conv: Converter) -> Callable[[Any], Any]:
    return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **_renames(cls))


def _make_converter(*, detailed_validation: bool) -> Converter:
    conv = Converter(detailed_validation=detailed_validation, forbid_extra_keys=False)
    # Exact classes go to cattrs' singledispatch, which it consults before any predicate; the
    # StrEnum and IntEnum entries keep generated enums from falling through to `str` or `int`.
    for cls, hook in (
        (str, _str),
        (int, _int),
        (bool, _bool),
        (float, _float),
        (Decimal, _decimal),
        (dt.datetime, _datetime),
        (dt.date, _date),
        (Enum, _enum),
        (StrEnum, _enum),
        (IntEnum, _enum),
    ):
        conv.register_structure_hook(cls, hook)
    conv.register_structure_hook_factory(is_literal, _literal_factory)
    conv.register_structure_hook_factory(_is_optional, _optional_factory)
    conv.register_structure_hook_factory(is_mutable_sequence, _list_factory)
    conv.register_structure_hook_factory(is_mapping, _dict_factory)
    conv.register_structure_hook_factory(attrs.has, _model_factory)
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_unstructure_hook_factory(attrs.has, _model_unstructure_factory)
    return conv


converter = _make_converter(detailed_validation=False)
"""The converter every storeflow module uses (fast: no detailed validation)."""

# Runs only after `converter` failed, to find and name the offending field.
_explaining_converter = _make_converter(detailed_validation=True)


def _type_name(cls: Any) -> str:
    args = get_args(cls)
    origin = get_origin(cls)
    if origin is not None and args:
        return f"{_type_name(origin)}[{', '.join(_type_name(a) for a in args)}]"
    return getattr(cls, "__name__", repr(cls))


def _leaves(exc: BaseException, path: str) -> Iterator[tuple[str, BaseException]]:
    """Yield ``(path, error)`` for every innermost error under a cattrs validation error."""
    if not isinstance(exc, BaseValidationError):
        yield path, exc
        return
    for inner in exc.exceptions:
        step = ""
        for note in getattr(inner, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                step = f".{note.name}"
            elif isinstance(note, IterableValidationNote):
                step = f"[{note.index}]"
        yield from _leaves(inner, path + step)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"required field missing (no {exc.args[0]!r} key)"
    if isinstance(exc, TypeError | ValueError) and str(exc).startswith("expected "):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _text(raw: bytes | str) -> str:
    return raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")


def _decode_error(
    data: Any, cls: Any, fast_error: Exception, raw: bytes | str | None
) -> DecodeError:
    model = _type_name(cls)
    try:
        _explaining_converter.structure(data, cls)
    except Exception as exc:
        leaves = list(_leaves(exc, ""))
    else:  # only the fast converter failed: report what it said
        leaves = [("", fast_error)]
    path, first = leaves[0]
    more = f" (and {len(leaves) - 1} more)" if len(leaves) > 1 else ""
    return DecodeError(
        f"{model}{path}: {_reason(first)}{more}",
        model=model,
        field=path.lstrip(".") or None,
        body=None if raw is None else _text(raw),
    )


def _structure(data: Any, cls: type[T], raw: bytes | str | None) -> T:
    try:
        return converter.structure(data, cls)
    except Exception as exc:
        raise _decode_error(data, cls, exc, raw) from exc


def structure(data: Any, cls: type[T]) -> T:
    """Build a ``cls`` (a model, or e.g. ``list[Model]``) from parsed JSON ``data``.

    Raises :class:`~storeflow.errors.DecodeError` naming the model and field path when a value
    has the wrong type or a required field is missing.
    """
    return _structure(data, cls, None)


def unstructure(obj: Any) -> Any:
    """Turn a model (or a list of models) into JSON-ready data under the wire names.

    Optional fields that are ``None`` are left out; ``Decimal`` values stay ``Decimal`` (exact)
    for :func:`dumps` to write, ``datetime`` and ``date`` become ISO 8601 strings.
    """
    return converter.unstructure(obj)


def loads(data: bytes | str) -> Any:
    """Parse JSON text.

    Raises :class:`~storeflow.errors.DecodeError` when ``data`` is not JSON (an HTML error page,
    a truncated body), with an excerpt of it in ``body``.
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
    Raises ``TypeError`` for a value JSON cannot hold (a non-finite ``Decimal``, an unknown
    object).
    """
    return orjson.dumps(obj, default=_default)


def decode(data: bytes | str, cls: type[T]) -> T:
    """Parse the JSON ``data`` and structure it into ``cls``; :func:`loads` then :func:`structure`.

    Raises :class:`~storeflow.errors.DecodeError` as both do, with an excerpt of ``data``.
    """
    return _structure(loads(data), cls, data)
