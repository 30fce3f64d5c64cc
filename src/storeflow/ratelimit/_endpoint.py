"""The budget of one API endpoint: :class:`EndpointLimiter`, which combines the limiters a
rate asks for, tightens it for every client, and holds back after an event-loop stall."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from typing import TYPE_CHECKING, Literal

from storeflow.ratelimit._adaptive import AdaptiveBackend
from storeflow.ratelimit._memory import MemoryBackend
from storeflow.ratelimit._paced import PacedLimiter
from storeflow.ratelimit._window import WindowLimiter

if TYPE_CHECKING:
    from storeflow.ratelimit._rate import RateLimit
    from storeflow.ratelimit._redis import RedisLimiter

__all__ = ["EndpointLimiter"]

logger = logging.getLogger("storeflow")


class EndpointLimiter:
    """The budget of one API endpoint, shared by every client of the process that reaches it.

    Built by :func:`limiter_for`. It admits through a :class:`WindowLimiter` at :attr:`rate`
    and, when that rate is ``"paced"``, through a :class:`PacedLimiter` first. When another
    client asks for a different rate, :meth:`tighten` makes the rate keep both (see
    :meth:`RateLimit.stricter`) and logs a warning: one endpoint has one budget, whatever each
    client was told.
    """

    def __init__(self, endpoint: str, rate: RateLimit) -> None:
        self.endpoint = endpoint
        self._window = _window(endpoint, rate)
        self._paced = PacedLimiter(rate) if rate.strategy == "paced" else None
        self._lock = threading.Lock()

    @property
    def rate(self) -> RateLimit:
        """The rate in force: the strictest asked for so far."""
        return self._window.rate

    @property
    def strategy(self) -> Literal["window", "paced"]:
        """``"paced"`` when admissions are spaced evenly, else ``"window"``."""
        return self.rate.strategy

    def tighten(self, rate: RateLimit) -> None:
        """Apply ``rate`` too: from now on, the rate in force keeps both it and the current one."""
        with self._lock:
            current = self._window.rate
            combined = current.stricter(rate)
            if combined != current:
                logger.warning(
                    "clients of %s asked for different rate limits (%r, %r); applying the "
                    "stricter %r to all of them",
                    self.endpoint,
                    current,
                    rate,
                    combined,
                )
                self._window.rate = combined
                if combined.strategy == "paced":
                    self._paced = PacedLimiter(combined)
            elif rate != current:
                logger.warning(
                    "a client of %s asked for %r; the stricter %r already applies",
                    self.endpoint,
                    rate,
                    current,
                )

    async def acquire(self) -> None:
        """Wait for this request's slot (see :class:`WindowLimiter` and :class:`PacedLimiter`).

        Raises:
            asyncio.CancelledError: if cancelled while waiting; nothing is consumed.
        """
        await self.acquire_within(math.inf)

    async def acquire_within(self, max_wait: float) -> float | None:
        """Wait for this request's slot if it comes within ``max_wait`` seconds.

        Returns ``None`` once admitted, else the predicted wait (see
        :meth:`WindowLimiter.acquire_within`).

        Raises:
            asyncio.CancelledError: if cancelled while waiting; nothing is consumed.
        """
        if self._paced is not None:
            wait = await self._paced.acquire_within(max_wait)
            if wait is not None:
                return wait
        if not isinstance(self._window, WindowLimiter):
            await self._window.acquire()  # a fleet-wide log cannot predict its wait here
            return None
        return await self._window.acquire_within(max_wait)

    def next_slot(self) -> float | None:
        """The event-loop time of the earliest slot a caller is waiting for; ``None`` if none."""
        paced = None if self._paced is None else self._paced.next_slot()
        window = self._window.next_slot() if isinstance(self._window, WindowLimiter) else None
        slots = [slot for slot in (window, paced) if slot is not None]
        return min(slots, default=None)

    def forecast(self, count: int) -> float:
        """Seconds from now until ``count`` more requests could all have been admitted."""
        if isinstance(self._window, WindowLimiter):
            window = self._window.forecast(count)
        else:
            window = max(count, 0) * self.rate.window / self.rate.requests
        return window if self._paced is None else max(window, self._paced.forecast(count))

    def pause(self, seconds: float) -> None:
        """Admit nobody for the next ``seconds`` seconds.

        Raises:
            RuntimeError: if called outside a running event loop.
        """
        self._window.pause(seconds)
        if self._paced is not None:
            self._paced.pause(seconds)

    def sent(self, admitted_at: float) -> None:
        """Report that a request admitted at loop time ``admitted_at`` went out just now.

        If the event loop stalled between the admission and the send by more than half the
        slack, the request reached the server later than the budget assumed, and may share a
        server window with the next ones: nobody is admitted for a whole window from now, so
        no request sent later can share a window with it. (A stall while waiting for a slot is
        handled by :meth:`WindowLimiter.acquire` itself.)

        Raises:
            RuntimeError: if called outside a running event loop.
        """
        rate = self.rate
        if not isinstance(self._window, WindowLimiter):
            # A fleet-wide log in Redis: a window-long pause from one process's stall would
            # throttle every process, and its re-queued slots are placed by the server's log.
            return
        if asyncio.get_running_loop().time() - admitted_at > rate.slack / 2:
            self.pause(rate.window)

    def __repr__(self) -> str:
        return f"EndpointLimiter({self.endpoint!r}, {self.rate!r})"


def _window(endpoint: str, rate: RateLimit) -> WindowLimiter | RedisLimiter:
    """The sliding-window part of the limiter ``rate`` describes, for ``endpoint``: its log in
    ``rate.backend`` (this process's memory by default, a file, or Redis for a fleet), behind
    the adaptive rate when ``rate.adaptive``."""
    from storeflow.ratelimit._redis import RedisBackend, RedisLimiter  # loads on first use

    if isinstance(rate.backend, RedisBackend):
        return RedisLimiter(rate, rate.backend, endpoint)
    backend = rate.backend
    if rate.adaptive:
        backend = AdaptiveBackend(MemoryBackend() if backend is None else backend)
    return WindowLimiter(rate, backend=backend)
