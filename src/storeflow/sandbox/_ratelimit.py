"""The sandbox's server-side rate limiter: ``limit`` requests per ``window`` seconds per client.

Two modes, as real gateways count:

* ``fixed`` — windows aligned to the clock (``floor(now / window)``), as express-rate-limit
  counts: a client may send ``limit`` requests at the end of one window and ``limit`` more at the
  start of the next.
* ``sliding`` — at most ``limit`` admitted requests in any interval ``(t - window, t]``.

A refused request (answered 429) does not count toward the limit, so a client that keeps asking
while refused is admitted as soon as the budget allows it, in both modes. Times are the
sandbox :class:`~storeflow.sandbox._stores.Clock`'s (scaled) seconds.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Literal, Protocol, TypeAlias

from storeflow.sandbox._stores import Clock

__all__ = ["FixedWindow", "Limiter", "RateLimitMode", "SlidingWindow", "make_limiter"]

RateLimitMode: TypeAlias = Literal["fixed", "sliding", "off"]
"""How the sandbox counts requests: fixed windows, a sliding window, or not at all."""


class Limiter(Protocol):
    """Admits or refuses one request of one client."""

    def admit(self, client: str) -> float | None:
        """Count the request and return ``None`` if it is admitted; otherwise return the sandbox
        seconds until a request of ``client`` would be admitted (always > 0)."""

    def reset(self) -> None:
        """Forget every request counted so far."""


class FixedWindow:
    """``limit`` requests per clock-aligned window of ``window`` seconds, per client."""

    def __init__(self, clock: Clock, limit: int, window: float) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._counts: dict[str, tuple[int, int]] = {}

    def admit(self, client: str) -> float | None:
        """See :meth:`Limiter.admit`."""
        now = self._clock.now()
        index = math.floor(now / self._window)
        seen_index, count = self._counts.get(client, (index, 0))
        if seen_index != index:
            count = 0
        if count < self._limit:
            self._counts[client] = (index, count + 1)
            return None
        return max((index + 1) * self._window - now, 1e-6)

    def reset(self) -> None:
        """See :meth:`Limiter.reset`."""
        self._counts.clear()


class SlidingWindow:
    """At most ``limit`` admitted requests in any ``window``-second interval, per client."""

    def __init__(self, clock: Clock, limit: int, window: float) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._log: dict[str, deque[float]] = {}

    def admit(self, client: str) -> float | None:
        """See :meth:`Limiter.admit`."""
        now = self._clock.now()
        log = self._log.setdefault(client, deque())
        while log and log[0] <= now - self._window:
            log.popleft()
        if len(log) < self._limit:
            log.append(now)
            return None
        return max(log[0] + self._window - now, 1e-6)

    def reset(self) -> None:
        """See :meth:`Limiter.reset`."""
        self._log.clear()


def make_limiter(mode: RateLimitMode, clock: Clock, limit: int, window: float) -> Limiter | None:
    """The limiter for ``mode`` (``None`` for ``"off"``).

    Raises ``ValueError`` for an unknown mode, a ``limit`` below 1 or a non-positive ``window``.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not (math.isfinite(window) and window > 0):
        raise ValueError("window must be a positive number of seconds")
    if mode == "fixed":
        return FixedWindow(clock, limit, window)
    if mode == "sliding":
        return SlidingWindow(clock, limit, window)
    if mode == "off":
        return None
    raise ValueError(f"rate_limit must be 'fixed', 'sliding' or 'off', not {mode!r}")
