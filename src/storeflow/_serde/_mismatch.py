"""What a hook raises for a value it cannot read, and how a message quotes that value."""

from __future__ import annotations

from collections.abc import Callable
from types import UnionType
from typing import Any, Union, get_args, get_origin

_Hook = Callable[[Any, Any], Any]
"""A structure hook: ``(value, type) -> decoded value``."""

_SHOWN = 60  # characters of an offending value quoted in a message


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


def _type_name(cls: Any) -> str:
    args = get_args(cls)
    origin = get_origin(cls)
    if origin in (Union, UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is not None and args:
        return f"{_type_name(origin)}[{', '.join(_type_name(a) for a in args)}]"
    return getattr(cls, "__name__", repr(cls))
