"""Saying where a decode failed: the DecodeError naming the model and the field path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args, get_origin, get_type_hints

import attrs

from storeflow._serde._converter import converter, strict_converter
from storeflow._serde._decode import wire_fields
from storeflow._serde._hooks import _split_optional
from storeflow._serde._mismatch import _mismatch, _type_name, _Unknown
from storeflow.errors import DecodeError

# -- errors ----------------------------------------------------------------------------------


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
