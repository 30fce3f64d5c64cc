"""Model decoding: a generated fast decoder per model (strict or liberal), and the tolerant
field-by-field reading a liberal decoder falls back to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, get_type_hints

import attrs
from cattrs import Converter

from storeflow._serde._hooks import _PASSED_AS_IS, _split_optional
from storeflow._serde._mismatch import _Hook, _mismatch, _Unknown
from storeflow._serde._warnings import _warn_unreadable

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
