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

:func:`decode` (bytes to models, what every typed call runs) first reads a body with msgspec
into mirror Structs of the models, then builds the models through the same hooks; a body the
schema does not describe (an unknown field, a value of another JSON class) makes that raise and
is read by the tolerant path, so the result never depends on the path (see ``_fast``).

- ``Decimal`` (Pocketsflow money) comes from a JSON number exactly as written. On the fast path
  it is the number's text (``29.90`` is ``Decimal("29.90")``, any number of digits); on the
  tolerant path orjson has parsed a 64-bit float, which goes through its shortest repr
  (``Decimal("29.9")``, exact up to 15 significant digits). The two are equal. :func:`dumps`
  writes a ``Decimal`` as the JSON number of its ``str`` (never through a float).
- A ``datetime`` is always timezone-aware: a string without an offset is read as UTC. Both
  ``datetime`` and ``date`` unstructure to ISO 8601.
- :func:`unstructure` leaves out optional fields whose value is ``None`` (unless the decoded
  record had them as ``null``), so a request body built from a model carries only the fields
  that were set: an update changes only what it sends. To send an explicit ``null``, build the
  dict.

The package, one module per job:

- ``_codec``: the entry points (:func:`decode`, :func:`structure`, :func:`unstructure`,
  :func:`loads`, :func:`dumps`, :func:`records`);
- ``_model``: :class:`Model`, the base of every generated model;
- ``_converter``: the two converters, with every hook registered, and unstructuring;
- ``_coerce``: the scalar hooks, liberal and strict; ``_hooks``: unions, lists, mappings;
- ``_decode``: each model's generated decoder, and the tolerant reading behind it;
- ``_warnings``: the one warning per unreadable field; ``_explain``: where a decode failed;
- ``_mismatch``: what a hook raises for a value it cannot read.
"""

from storeflow._serde._codec import decode, dumps, loads, records, structure, unstructure
from storeflow._serde._coerce import _decimal as _decimal
from storeflow._serde._converter import converter, strict_converter
from storeflow._serde._decode import wire_fields
from storeflow._serde._fast import _fast_decoder as _fast_decoder
from storeflow._serde._fast import _fast_model as _fast_model
from storeflow._serde._model import Model
from storeflow._serde._warnings import _WARNED as _WARNED

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
