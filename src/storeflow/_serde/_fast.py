"""The fast path of :func:`~storeflow._serde.decode`: msgspec mirrors of the models.

orjson builds a dict per JSON object and a float per amount before any model exists. For a body
that holds exactly what the schema describes, msgspec reads the bytes straight into throwaway
Structs that mirror the models (typed, so it checks the JSON classes in C, and ``Decimal`` money
from the number's text: ``29.90`` stays ``29.90``), and generated code then moves the values into
the attrs models through the same hooks as the tolerant path. Anything else (an unknown field, a
value of another JSON class, a null where a value is required) makes msgspec or a hook raise, and
the body is read again by the tolerant path, so what a body decodes to never depends on which
path read it (amounts are equal either way; the fast path keeps the digits as written). Strict
decoding always takes the tolerant path's strict twin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any, Final, get_args, get_origin

import attrs
import msgspec
import orjson
from cattrs.literals import is_literal

from storeflow._serde._converter import converter
from storeflow._serde._decode import _Field, _fields, _plain
from storeflow._serde._hooks import _is_id, _is_open_enum

__all__ = ["_fast_decoder", "_fast_model"]

# Fields that msgspec checks exactly as the lenient hooks pass them through: the value is final.
_MSGSPEC_EXACT: Final = frozenset({str, int, bool, float})
# Read as a string by msgspec, then converted by the lenient hook.
_MSGSPEC_STRING: Final = frozenset({dt.date})


@attrs.frozen
class _Fast:
    """A model's fast decoding: the msgspec decoder of its mirror and the builder of its model."""

    mirror: type[msgspec.Struct]
    build: Callable[[Any], Any]
    decoder: msgspec.json.Decoder[Any]


_FAST: dict[type, _Fast | None] = {}
_UNSET: Final = msgspec.UNSET
_FAST_BUILDING: set[type] = set()


def _fast_field(f: _Field, i: int, namespace: dict[str, Any]) -> tuple[Any, str]:
    """The mirror type of field ``f`` and the expression that turns its value ``{v}`` into the
    attribute's (``{v}`` itself when msgspec already checked it)."""
    inner, v = f.inner, "{v}"
    namespace[f"h{i}"], namespace[f"t{i}"] = f.hook, inner
    if inner in _MSGSPEC_EXACT:
        return inner, v
    if inner is Decimal:
        # Untyped for msgspec, so a JSON float reaches float_hook=Decimal as its text; an int or
        # a numeric string goes through the lenient hook as before.
        return Any, f"{v} if {v}.__class__ is D else h{i}({v}, None)"
    if inner is dt.datetime:
        # `_datetime` inline for an ISO string (the common case); any other string raises here
        # and the tolerant path reads it (a unix time in a string, say) with `_datetime` itself.
        namespace.update(fromiso=dt.datetime.fromisoformat, UTC=dt.UTC)
        return str, f"d if (d := fromiso({v})).tzinfo is not None else d.replace(tzinfo=UTC)"
    if inner in _MSGSPEC_STRING or (isinstance(inner, type) and issubclass(inner, Enum)):
        return str, f"h{i}({v}, t{i})"
    if _is_open_enum(inner):
        (enum_cls,) = (a for a in get_args(inner) if a is not str)
        namespace[f"m{i}"] = enum_cls._value2member_map_
        return str, f"m{i}.get({v}, {v})"
    if is_literal(inner) or _is_id(inner):
        return inner, v
    if attrs.has(inner):
        fast = _fast_model(inner)
        if fast is not None:
            namespace[f"b{i}"] = fast.build
            return fast.mirror, f"b{i}({v})"
    elif get_origin(inner) is list:
        (item,) = get_args(inner)
        if item in _MSGSPEC_EXACT:
            return inner, v
        fast = _fast_model(item) if attrs.has(item) else None
        if fast is not None:
            namespace[f"b{i}"] = fast.build
            return list[fast.mirror], f"[b{i}(x) for x in {v}]"  # type: ignore[name-defined]
    # Anything else (free-form objects, other unions, a model that contains itself): the raw
    # JSON, parsed by orjson and read by the lenient hook, exactly as the tolerant path does.
    namespace.update(loads=orjson.loads, view=memoryview)
    return msgspec.Raw, f"h{i}({v}, t{i})"


def _fast_model(cls: type) -> _Fast | None:
    """The fast decoding of model ``cls``, built once; ``None`` when it has none (a model with
    validators or converters, or one that contains itself)."""
    if cls in _FAST:
        return _FAST[cls]
    if cls in _FAST_BUILDING or not _plain(cls):
        return None
    _FAST_BUILDING.add(cls)
    try:
        fields = _fields(cls, converter)
        namespace: dict[str, Any] = {"cls": cls, "new": object.__new__, "UNSET": _UNSET}
        namespace["D"] = Decimal
        members = []
        lines = ["def build(s):", "    nulls = ()", "    obj = new(cls)"]
        for i, f in enumerate(fields):
            mirror_type, convert = _fast_field(f, i, namespace)
            v = f"v{i}"
            if mirror_type is msgspec.Raw:
                # msgspec has no `Raw | None`: a null arrives as raw `null`, parsed here.
                members.append((f"f{i}", msgspec.Raw, msgspec.field(default=_UNSET, name=f.wire)))
                lines += [f"    {v} = s.f{i}", f"    if {v} is UNSET:", f"        {v} = None"]
                lines += ["    else:", f"        {v} = loads(view({v}))"]
                if not f.required:
                    lines += [f"        if {v} is None:", f"            nulls += ({f.wire!r},)"]
                lines += [
                    f"        if {v} is not None:",
                    f"            {v} = {convert.format(v=v)}",
                ]
                lines.append(f"    obj.{f.name} = {v}")
                continue
            if f.required:
                # Missing or null makes msgspec raise: the tolerant path then sets None.
                members.append((f"f{i}", mirror_type, msgspec.field(name=f.wire)))
                lines.append(f"    obj.{f.name} = {convert.format(v=f's.f{i}')}")
                continue
            members.append(
                (
                    f"f{i}",
                    mirror_type | None | msgspec.UnsetType,
                    msgspec.field(default=_UNSET, name=f.wire),
                )
            )
            lines += [f"    {v} = s.f{i}", f"    if {v} is UNSET:", f"        {v} = None"]
            # A null optional field is written back by to_dict().
            lines += [f"    elif {v} is None:", f"        nulls += ({f.wire!r},)"]
            if convert != "{v}":
                lines += ["    else:", f"        {v} = {convert.format(v=v)}"]
            lines.append(f"    obj.{f.name} = {v}")
        lines += [
            "    obj.extra = {}",
            "    if nulls:",
            "        obj._nulls = nulls",
            "    return obj",
        ]
    finally:
        _FAST_BUILDING.discard(cls)
    # gc=False: the mirrors live only while one body is read and never form cycles.
    mirror = msgspec.defstruct(
        f"{cls.__name__}Mirror", members, forbid_unknown_fields=True, gc=False
    )
    exec(
        compile("\n".join(lines), f"<storeflow fast builder for {cls.__qualname__}>", "exec"),
        namespace,
    )
    fast = _Fast(
        mirror=mirror,
        build=namespace["build"],
        decoder=msgspec.json.Decoder(mirror, float_hook=Decimal),
    )
    _FAST[cls] = fast
    return fast


_FAST_DECODERS: dict[Any, Callable[[bytes | str], Any] | None] = {}


def _fast_decoder(cls: Any) -> Callable[[bytes | str], Any] | None:
    """The fast decode of ``cls`` (a model or a list of models) from JSON text, or ``None``."""
    try:
        return _FAST_DECODERS[cls]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation: no fast path
        return None
    decoder: Callable[[bytes | str], Any] | None = None
    if attrs.has(cls) and isinstance(cls, type):
        fast = _fast_model(cls)
        if fast is not None:
            build, parse = fast.build, fast.decoder.decode

            def decoder(data: bytes | str) -> Any:
                return build(parse(data))

    elif get_origin(cls) is list and attrs.has(get_args(cls)[0]):
        fast = _fast_model(get_args(cls)[0])
        if fast is not None:
            build = fast.build
            parse = msgspec.json.Decoder(list[fast.mirror], float_hook=Decimal).decode  # type: ignore[name-defined]

            def decoder(data: bytes | str) -> Any:
                return [build(item) for item in parse(data)]

    _FAST_DECODERS[cls] = decoder
    return decoder
