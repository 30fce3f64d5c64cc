"""The default limiter, :class:`WindowLimiter`, and the :class:`WindowBackend` interface its
state lives behind."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Protocol

from storeflow.ratelimit._memory import MemoryBackend

if TYPE_CHECKING:
    from storeflow.ratelimit._rate import RateLimit

__all__ = ["WindowBackend", "WindowLimiter"]


class WindowBackend(Protocol):
    """Where a :class:`WindowLimiter` keeps its reservation log and its pause deadline.

    Times are seconds on the clock the limiter passes in (its event loop's ``time()``). Every
    method is atomic with respect to every other user of the same state.
    """

    def reserve(self, now: float, rate: RateLimit) -> float:
        """Record and return the earliest slot ``>= now`` that keeps ``rate``.

        Slots are handed out in call order. Counting the new one, no interval of length
        ``rate.window`` holds more than ``rate.requests`` slots, and no slot falls before the
        pause deadline.
        """

    def release(self, slot: float) -> None:
        """Forget one reservation at ``slot`` that will not be used (no-op if there is none)."""

    def pause_until(self, t: float) -> None:
        """Hand out no slot before ``t``; an earlier deadline already set is kept if later."""

    def resume_at(self) -> float:
        """The pause deadline: no slot is handed out before it (``-inf`` if never paused)."""


class WindowLimiter:
    """The default limiter: at most ``rate.requests`` admissions in any ``rate.window``.

    A sliding-window log. Each :meth:`acquire` reserves the earliest slot that keeps the
    ``requests``-th previous slot at least ``rate.window`` earlier, then sleeps until it. So the
    first ``requests`` callers go at once, and after that the limiter sustains
    ``requests / (1 + margin)`` per ``period`` (99% of nominal at the default margin).

    Why that is enough: the sorted slots satisfy ``s[i + N] - s[i] >= period * (1 + margin)``.
    If each request reaches the server within ``[slot + c, slot + c + margin * period)`` for some
    fixed latency ``c``, then ``N + 1`` arrivals inside one interval of length ``period`` would
    need ``N + 1`` slots within less than ``period * (1 + margin)``, which the log never hands
    out. So the server sees at most ``N`` per ``period`` in any sliding or fixed window.

    Event-loop stalls: a task that wakes more than half the slack (``margin * period / 2``) after
    its slot, because the loop was blocked, gives that slot back and takes a new one, so what it
    sends is counted when it is sent. (The transport spends the other half: see
    :meth:`EndpointLimiter.sent`.)

    Cancelling a task that waits in :meth:`acquire` gives its slot back. State lives in
    ``backend`` (a fresh :class:`MemoryBackend` by default); limiters that share a backend share
    a budget. The limiter itself holds no loop-bound state and may be used from several loops.
    """

    def __init__(self, rate: RateLimit, *, backend: WindowBackend | None = None) -> None:
        self.rate = rate
        self.backend: WindowBackend = MemoryBackend() if backend is None else backend
        # The slots callers of this process sleep for (list operations are atomic, so threads
        # may share it): what a progress display reports as "next slot in ...".
        self._waiting: list[float] = []

    async def acquire(self) -> None:
        """Wait for this request's slot.

        Raises:
            asyncio.CancelledError: if cancelled while waiting; the slot is released.
        """
        await self.acquire_within(math.inf)

    async def acquire_within(self, max_wait: float) -> float | None:
        """Wait for this request's slot if it comes within ``max_wait`` seconds.

        Returns ``None`` once admitted; or, when the slot is further away, gives it back at
        once and returns the seconds until it (the wait a caller would have had).

        Raises:
            asyncio.CancelledError: if cancelled while waiting; the slot is released.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while True:
            now = loop.time()
            slot = self.backend.reserve(now, self.rate)
            if slot <= now:
                return None
            if slot > deadline:
                self.backend.release(slot)
                return slot - now
            self._waiting.append(slot)
            try:
                await asyncio.sleep(slot - now)
            except BaseException:
                self.backend.release(slot)
                raise
            finally:
                self._waiting.remove(slot)
            on_time = loop.time() - slot <= self.rate.slack / 2
            if on_time and self.backend.resume_at() <= slot:
                return None
            # The loop stalled past our slot, or a pause began while we slept and covers it:
            # give the slot back and queue again.
            self.backend.release(slot)

    def next_slot(self) -> float | None:
        """The event-loop time of the earliest slot a caller is waiting for; ``None`` if none."""
        return min(self._waiting, default=None)

    def forecast(self, count: int) -> float:
        """Seconds from now until ``count`` more requests could all have been admitted.

        Read from the backend's log when it can say (the built-in backends can); otherwise the
        full rate is assumed from now.
        """
        now = asyncio.get_running_loop().time()
        forecast = getattr(self.backend, "forecast", None)
        if forecast is None:
            return max(count, 0) * self.rate.window / self.rate.requests
        when: float = forecast(now, self.rate, count)
        return max(when - now, 0.0)

    def pause(self, seconds: float) -> None:
        """Admit nobody, through this limiter's backend, for the next ``seconds`` seconds.

        Tasks already waiting for a slot inside the pause queue again once they wake.

        Raises:
            RuntimeError: if called outside a running event loop.
        """
        self.backend.pause_until(asyncio.get_running_loop().time() + seconds)

    def __repr__(self) -> str:
        return f"WindowLimiter({self.rate!r}, backend={self.backend!r})"
