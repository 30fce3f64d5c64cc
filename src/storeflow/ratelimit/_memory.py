"""The default window backend: the log in this process's memory."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from storeflow.ratelimit._log import WindowLog

if TYPE_CHECKING:
    from storeflow.ratelimit._rate import RateLimit

__all__ = ["MemoryBackend"]


class MemoryBackend:
    """Window state in this process's memory: the default.

    Thread-safe, so clients running in several threads (each with its own event loop) can share
    one budget, as standard event loops all read the same monotonic clock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._log = WindowLog()

    def reserve(self, now: float, rate: RateLimit) -> float:
        """See :meth:`WindowBackend.reserve`."""
        with self._lock:
            return self._log.reserve(now, rate)

    def release(self, slot: float) -> None:
        """See :meth:`WindowBackend.release`."""
        with self._lock:
            self._log.release(slot)

    def pause_until(self, t: float) -> None:
        """See :meth:`WindowBackend.pause_until`."""
        with self._lock:
            self._log.pause_until(t)

    def resume_at(self) -> float:
        """See :meth:`WindowBackend.resume_at`."""
        with self._lock:
            return self._log.paused_until()

    def forecast(self, now: float, rate: RateLimit, count: int) -> float:
        """The time by which ``count`` more slots could be handed out, reserving nothing."""
        with self._lock:
            return self._log.forecast(now, rate, count)

    def __repr__(self) -> str:
        return "MemoryBackend()"
