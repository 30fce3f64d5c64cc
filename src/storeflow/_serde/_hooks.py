"""The hooks of composite types: optional, open enums, ids, other unions, lists, mappings."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Final, Union, get_args, get_origin

from cattrs import Converter

from storeflow._serde._coerce import _enum
from storeflow._serde._mismatch import _Hook, _mismatch, _type_name

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
