"""What the transport and the argument checks need to know about one API operation.

The generated ``storeflow.<api>._operations`` modules hold one :class:`Operation` per path and
method of ``schemas/<api>.yaml``, keyed by ``operationId``; resources look them up there instead
of repeating methods, paths and retry rules by hand. The generated ``storeflow.<api>._params``
modules hold the :class:`Arguments` of each operation: one :class:`Rule` per path, query and
body parameter, read from the same schema, which :mod:`storeflow._validate` applies before
anything is sent and the sandbox applies when it answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeAlias

from attrs import frozen

__all__ = ["Arguments", "Auth", "Location", "Operation", "Rule"]

Auth: TypeAlias = Literal["required", "optional", "none"]
"""Whether an operation needs the API key: always, only for some parameters, or never."""

Location: TypeAlias = Literal["path", "query", "body", "item"]
"""Where a value travels: in the path, the query string, the JSON body, or inside an array."""


@frozen(kw_only=True)
class Operation:
    """One operation of an API schema.

    ``method`` is the upper-case HTTP method; ``path`` the schema's path template, with
    ``{name}`` placeholders for path parameters (``"/products/{id}"``). ``idempotent`` says
    whether the request may be sent again after it might have reached the server: the
    operation's ``x-idempotent`` flag, or, where the schema leaves it out, what the HTTP method
    promises. ``auth`` comes from the operation's (or the schema's) ``security``.
    """

    id: str
    method: str
    path: str
    idempotent: bool
    auth: Auth


@frozen(kw_only=True)
class Rule:
    """What the schema states about one parameter or body field, and nothing more.

    ``name`` is the wire name (``pageSize``); ``types`` the JSON types the value may have
    (``("integer", "string")`` for an id written either way); ``format`` the schema's format
    (``date-time``, ``date``, ``decimal`` for money, ``email``, ``unix-time``). The bounds are
    ``None`` where the schema states none: ``minimum``/``maximum`` for numbers,
    ``min_length``/``max_length``/``pattern`` (a JSON Schema regular expression, searched as
    JSON Schema does) for strings, ``min_items``/``max_items``/``items`` for arrays. ``enum``
    lists the allowed strings. ``comma_separated`` marks a query array sent as one
    comma-joined value (OpenAPI ``style: form, explode: false``).
    """

    name: str
    location: Location
    types: tuple[str, ...]
    format: str | None = None
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    items: Rule | None = None
    comma_separated: bool = False


@frozen(kw_only=True)
class Arguments:
    """The rules of one operation's arguments, by wire name, and of its body as a whole.

    ``min_body_fields`` is the body's ``minProperties`` (an update that must change something),
    ``None`` where the schema leaves an empty body to the server.
    """

    rules: Mapping[str, Rule]
    min_body_fields: int | None = None
