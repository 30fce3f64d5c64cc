"""The entry points: JSON bytes to models and back (:func:`decode`, :func:`structure`,
:func:`unstructure`, :func:`loads`, :func:`dumps`, :func:`records`)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import orjson

from storeflow._serde._converter import converter, strict_converter
from storeflow._serde._decode import wire_fields
from storeflow._serde._explain import _decode_error, _text
from storeflow._serde._fast import _fast_decoder
from storeflow._serde._mismatch import _show
from storeflow.errors import DecodeError

if TYPE_CHECKING:
    from storeflow._serde._model import Model


T = TypeVar("T")


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
    fast = None if strict else _fast_decoder(cls)
    if fast is not None:
        try:
            result: T = fast(data)
        except Exception:  # not what the schema describes: read tolerantly below
            pass
        else:
            return result
    return _structure(loads(data), cls, data, strict)
