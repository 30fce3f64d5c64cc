"""Adaptive slow-down: lower the rate when 429s come although the client keeps its budget.

Pocketsflow's pages state its limit both as "200 per minute per IP" and as "100 per minute
standard, 200 burst". A client that believes the larger number and meets the smaller one draws
429s however carefully it keeps its own budget. With ``RateLimit(adaptive=True)`` the limiter
learns the smaller one (additive increase, multiplicative decrease):

* the first 429 of an episode (a 429 that arrives while no pause is in force) halves the rate
  in force and lowers the ceiling it may recover to, to 90% of the rate that drew the 429;
* each window without a pause adds ``requests / 20`` (at least 1) back, up to that ceiling.

Why the 429s stop: let ``L`` be what the server really allows per window, ``N`` the rate the
client believes and ``step = N / 20``. The first episode happens at ``N``. Later ones can only
happen once the rate climbed past ``L``, i.e. at most at ``L + step``; each sets the ceiling to
``0.9 * (L + step)``, which is below ``L`` whenever ``step <= L / 9``. So for ``N <= 2.2 * L``
(e.g. 200 believed, 100 enforced) there are at most two episodes, and each draws about the
requests in flight when its first 429 came (``max_connections`` per process, plus a few of
their retries; the tests bound the total at ``3 * max_connections`` for one process), after
which the rate stays under ``L`` for good.

Where the budget is shared through Redis the same rule runs inside the Redis scripts, so the
whole fleet slows down and recovers together (see :class:`~storeflow.ratelimit.RedisLimiter`);
with the in-process or file backend the adaptive state is this process's own.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from storeflow.ratelimit._rate import RateLimit
    from storeflow.ratelimit._window import WindowBackend

__all__ = ["AdaptiveBackend"]


class AdaptiveBackend:
    """A :class:`~storeflow.ratelimit.WindowBackend` that enforces a learnt, lower rate.

    It wraps ``inner`` (which keeps the log) and passes each reservation a rate of
    ``requests`` equal to the rate in force; :meth:`pause_until` (the 429's ``Retry-After``)
    is where the decrease happens.
    """

    def __init__(self, inner: WindowBackend) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._rate: float | None = None  # the rate in force, requests per window
        self._ceiling = math.inf
        self._changed = -math.inf
        self._now = -math.inf  # the latest time a caller passed in
        self._rates: dict[int, RateLimit] = {}

    def __repr__(self) -> str:
        return f"AdaptiveBackend({self.inner!r})"

    def limit(self, now: float, rate: RateLimit) -> int:
        """The requests per window in force at ``now`` (after any recovery due)."""
        with self._lock:
            self._now = max(self._now, now)
            current = float(rate.requests) if self._rate is None else self._rate
            ceiling = min(self._ceiling, float(rate.requests))
            if self._rate is None:
                self._changed = now
            elif (
                current < ceiling
                and now >= self.inner.resume_at()
                and now - self._changed >= rate.window
            ):
                current = min(ceiling, current + max(1.0, rate.requests / 20))
                self._changed = now
            self._rate = current
            return max(1, math.floor(current))

    def reserve(self, now: float, rate: RateLimit) -> float:
        """See :meth:`WindowBackend.reserve`; the log is kept at the rate in force."""
        requests = self.limit(now, rate)
        evolved = self._rates.get(requests)
        if evolved is None or evolved.period != rate.period or evolved.margin != rate.margin:
            evolved = self._rates[requests] = attrs.evolve(
                rate, requests=requests, backend=None, adaptive=False
            )
        return self.inner.reserve(now, evolved)

    def release(self, slot: float) -> None:
        """See :meth:`WindowBackend.release`."""
        self.inner.release(slot)

    def pause_until(self, t: float) -> None:
        """See :meth:`WindowBackend.pause_until`; the first pause of an episode slows down."""
        with self._lock:
            if self._rate is not None and self._now >= self.inner.resume_at():
                self._ceiling = min(self._ceiling, self._rate * 0.9)
                self._rate = max(1.0, self._rate / 2)
                self._changed = self._now
            self.inner.pause_until(t)

    def resume_at(self) -> float:
        """See :meth:`WindowBackend.resume_at`."""
        return self.inner.resume_at()
