"""Per-call options: a transport that sends through another's session with its own settings.

``client.with_options(timeout=5, max_retries=0)`` builds a :class:`TransportView` over the
client's transport and attaches a fresh set of resources to it. The view shares the session, the
concurrency permits, the limiter and the stats of the transport it came from (no second
connection pool, one budget, one set of counters), and closing it closes nothing.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from storeflow import errors
from storeflow._config import Timeout
from storeflow._transport import Session, Transport
from storeflow.ratelimit import BoundedLimiter, check_max_wait

__all__ = ["UNSET", "TransportView", "Unset"]


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
"""The default of an option that stays as the client has it (``None`` has a meaning of its own
for ``max_wait``: no bound)."""

Unset: TypeAlias = Literal[_Unset.UNSET]
"""The type of :data:`UNSET`."""


class TransportView(Transport):
    """A :class:`Transport` with its own timeout, retries, headers and limiter wait bound, sending
    through the session, permits, limiter and stats of ``parent`` (its root, for a view of a
    view).

    ``headers`` are added to (and override) the parent's; ``None`` options keep the parent's.

    Raises:
        ValidationError: an option is invalid (as for the client's constructor), or
            ``max_wait`` is given for a limiter that cannot predict its wait.
    """

    def __init__(
        self,
        parent: Transport,
        *,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        max_wait: float | Unset | None = UNSET,
    ) -> None:
        # Transport.__init__ is not called: the view copies the parent's state and shares its
        # session. The changed options are checked by ClientOptions, as the constructor's are.
        options = parent.options
        changes: dict[str, Any] = {"headers": {**options.headers, **(headers or {})}}
        if timeout is not None:
            changes["timeout"] = timeout
        if max_retries is not None:
            changes["max_retries"] = max_retries
        checked = attrs.evolve(options, **changes)
        if max_wait is UNSET:
            bound = parent.max_wait
        else:
            bound = check_max_wait(max_wait)
            if bound is not None and not (
                parent.limiter is None or isinstance(parent.limiter, BoundedLimiter)
            ):
                raise errors.ValidationError(
                    "max_wait",
                    "needs a limiter that can predict its wait (a storeflow.RateLimit)",
                )
        root = parent._root if isinstance(parent, TransportView) else parent
        vars(self).update(vars(parent))
        self._configure(checked)
        self.max_wait = bound
        self._root: Final[Transport] = root

    def _open(self) -> tuple[Session, asyncio.Semaphore]:
        return self._root._open()

    @property
    def closed(self) -> bool:
        """Whether the client this view came from is closed."""
        return self._root.closed

    async def aclose(self) -> None:
        """Close nothing: the session belongs to the client this view came from."""
