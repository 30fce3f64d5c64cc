"""What every resource of both APIs shares: the transport, the operation tag, update bodies.

A resource method says which schema operation it implements with :func:`operation`; the tag is
what ``tests/test_surface.py`` reads to prove that every operation of ``schemas/*.yaml`` has
exactly one method, with the schema's HTTP method and path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final, TypeAlias, TypeVar

import attrs

from storeflow import _raw, _serde
from storeflow._operation import Operation
from storeflow._transport import Response, Transport
from storeflow.errors import ValidationError

__all__ = ["Filters", "Resource", "operation", "operation_id", "update_body"]

F = TypeVar("F", bound=Callable[..., Any])

_TAG: Final = "__storeflow_operation__"

Filters: TypeAlias = Mapping[str, object]
"""A list's checked query filters, ``None`` for those not given (the query leaves them out)."""


def operation(op_id: str) -> Callable[[F], F]:
    """Mark a resource method as the one implementing the schema operation ``op_id``.

    The method is returned unchanged, with the id stored on it (see :func:`operation_id`).
    """

    def tag(method: F) -> F:
        setattr(method, _TAG, op_id)
        return method

    return tag


def operation_id(method: Callable[..., Any]) -> str | None:
    """The operation id :func:`operation` stored on ``method`` (bound or not), or ``None``."""
    return getattr(method, _TAG, None)


def update_body(changes: Any) -> dict[str, Any]:
    """The JSON body of an update: the fields of the request model ``changes`` that are set.

    Update methods take ``None`` to mean "leave this field unchanged": neither API's update
    bodies accept ``null`` for any field, so ``None`` never has to be sent.

    Raises:
        ValidationError: no field is set (an empty update changes nothing, and both APIs refuse
            it); the error lists the arguments that can be given.
    """
    body: dict[str, Any] = _serde.unstructure(changes)
    if not body:
        names = ", ".join(field.name for field in attrs.fields(type(changes)))
        raise ValidationError("fields", f"give at least one field to change: {names}")
    return body


class Resource:
    """Base of the resource classes: sends the operations of one API through one transport."""

    _operations: ClassVar[Mapping[str, Operation]]
    """The API's operations by id (its generated ``_operations.OPERATIONS``)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def _call(
        self,
        op_id: str,
        *,
        path_params: Mapping[str, str | int] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Response:
        """Send the operation ``op_id``; see :meth:`storeflow._transport.Transport.call`."""
        response = await self._transport.call(
            self._operations[op_id], path_params=path_params, params=params, json=json
        )
        _raw.record(response)
        return response
