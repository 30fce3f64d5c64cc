"""What the transport needs to know about one API operation, as the schema declares it.

The generated ``storeflow.<api>._operations`` modules hold one :class:`Operation` per path and
method of ``schemas/<api>.yaml``, keyed by ``operationId``; resources look them up there instead
of repeating methods, paths and retry rules by hand.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from attrs import frozen

__all__ = ["Auth", "Operation"]

Auth: TypeAlias = Literal["required", "optional", "none"]
"""Whether an operation needs the API key: always, only for some parameters, or never."""


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
