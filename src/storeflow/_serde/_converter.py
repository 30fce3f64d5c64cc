"""The two converters (liberal and strict): every hook registered, and models unstructured
under their wire names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum, IntEnum, StrEnum
from typing import Any, get_type_hints

import attrs
from cattrs import Converter
from cattrs.cols import is_mapping, is_mutable_sequence
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.literals import is_literal

from storeflow._serde._coerce import (
    _LENIENT,
    _STRICT,
    _enum,
    _iso_datetime,
    _literal_factory,
    _text_out,
)
from storeflow._serde._decode import _model_factory
from storeflow._serde._hooks import (
    _dict_factory,
    _id_factory,
    _is_id,
    _is_open_enum,
    _is_optional,
    _list_factory,
    _open_enum_factory,
    _optional_factory,
    _union_args,
    _union_factory,
)


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
