"""The ``"paced"`` limiter: admissions evenly spaced, never in bursts."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

from aiolimiter import AsyncLimiter

if TYPE_CHECKING:
    from storeflow.ratelimit._rate import RateLimit

__all__ = ["PacedLimiter"]


class PacedLimiter:
    """The ``"paced"`` limiter: admissions evenly spaced, never in bursts.

    It admits one request at a time, ``T = period * (1 + margin) / (requests - 1)`` apart, using
    ``aiolimiter.AsyncLimiter(1, T)``. Why that keeps the rate: ``k`` admissions at least ``T``
    apart span ``(k - 1) * T``, so a closed interval of length ``period`` holds at most
    ``floor((requests - 1) / (1 + margin)) + 1 <= requests`` of them. (With ``requests == 1``,
    ``T = period * (1 + margin)``: one admission per window.) The price is one request per
    window: it sustains ``(requests - 1) / (1 + margin)`` per ``period`` (98.5% of nominal at the
    defaults), and never bursts.

    Unlike :class:`WindowLimiter`, it belongs to the event loop that first uses it: share it
    between tasks, not between threads or processes.
    """

    def __init__(self, rate: RateLimit) -> None:
        self.rate = rate
        self.interval = rate.window / max(rate.requests - 1, 1)
        self._bucket = AsyncLimiter(1, self.interval)
        self._resume_at = -math.inf
        self._last = -math.inf  # the latest admission
        self._queued = 0  # callers waiting in acquire()

    async def acquire(self) -> None:
        """Wait until at least ``interval`` seconds after the previous admission.

        Raises:
            asyncio.CancelledError: if cancelled while waiting; nothing is consumed.
        """
        await self.acquire_within(math.inf)

    async def acquire_within(self, max_wait: float) -> float | None:
        """Wait for a turn if it comes within ``max_wait`` seconds.

        Returns ``None`` once admitted; or, queueing for nothing, the predicted seconds until a
        turn (one ``interval`` after the previous admission per caller already waiting).

        Raises:
            asyncio.CancelledError: if cancelled while waiting; nothing is consumed.
        """
        loop = asyncio.get_running_loop()
        now = loop.time()
        turn = max(self._resume_at, self._last + self.interval * (self._queued + 1))
        if turn - now > max_wait:
            return turn - now
        self._queued += 1
        try:
            while True:
                if (wait := self._resume_at - loop.time()) > 0:
                    await asyncio.sleep(wait)
                    continue
                await self._bucket.acquire()
                if loop.time() >= self._resume_at:
                    self._last = loop.time()
                    return None
                # A pause began while we queued: this turn falls inside it; wait it out, requeue.
        finally:
            self._queued -= 1

    def next_slot(self) -> float | None:
        """The event-loop time of the next turn while callers wait; ``None`` if none does."""
        if not self._queued:
            return None
        return max(self._resume_at, self._last + self.interval)

    def forecast(self, count: int) -> float:
        """Seconds from now until ``count`` more requests could all have been admitted."""
        if count <= 0:
            return 0.0
        now = asyncio.get_running_loop().time()
        first = max(now, self._resume_at, self._last + self.interval * (self._queued + 1))
        return first + (count - 1) * self.interval - now

    def pause(self, seconds: float) -> None:
        """Admit nobody for the next ``seconds`` seconds, including tasks already waiting.

        Raises:
            RuntimeError: if called outside a running event loop.
        """
        self._resume_at = max(self._resume_at, asyncio.get_running_loop().time() + seconds)

    def __repr__(self) -> str:
        return f"PacedLimiter({self.rate!r})"
