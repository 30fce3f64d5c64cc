"""The base of every generated model: :class:`Model`."""

from __future__ import annotations

from typing import Any, Self

from storeflow._serde._codec import decode, dumps, structure
from storeflow._serde._converter import converter


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
