"""The rate-limit policy: how many requests go out, and when.

The vendors allow ``N`` requests per ``period`` per client IP and count them either in fixed,
clock-aligned windows or in a sliding window. The default policy here admits at most ``N``
requests in *any* interval of length ``period``, which satisfies both ways of counting whatever
the server's window alignment, and shares that budget between every client in the process that
targets the same host (see :func:`limiter_for`).

A bare ``aiolimiter.AsyncLimiter(N, period)`` does not give that guarantee: it is a leaky bucket
that admits a burst of ``N`` once it has drained, then keeps leaking ``N`` per ``period``, so a
single period can see close to ``2 * N`` requests. :class:`WindowLimiter` keeps a log of the
admission slots instead (a sliding-window log) and is the default; :class:`PacedLimiter` spaces
requests evenly for callers who prefer no bursts at all.

Both limiters take ``margin`` into account: the window they enforce is ``period * (1 + margin)``
long, so a request may reach the server up to ``margin * period`` later than its slot (event-loop
lag, latency jitter) and still be counted inside the server's limit.

Note for the transport: take the slot only once a connection is available, i.e. acquire the
concurrency semaphore first and the limiter second. A request admitted by the limiter that then
waits for a pooled connection goes out later than its slot, and several such requests can reach
the server together.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import os
import sys
import threading
from array import array
from collections.abc import Iterator
from typing import Literal, Protocol, runtime_checkable

import attrs
from aiolimiter import AsyncLimiter

from storeflow.errors import RateLimitError, ValidationError

if sys.platform != "win32":
    import fcntl

__all__ = [
    "BoundedLimiter",
    "FileBackend",
    "Limiter",
    "MemoryBackend",
    "PacedLimiter",
    "PausableLimiter",
    "RateLimit",
    "WindowBackend",
    "WindowLimiter",
    "acquire",
    "check_max_wait",
    "limiter_for",
]


@attrs.frozen
class RateLimit:
    """At most ``requests`` requests in any interval of ``period`` seconds.

    ``margin`` is the fraction of ``period`` added to the window a limiter enforces. A request
    leaves the client a little after the limiter admits it (the event loop is busy) and reaches
    the server after a network delay that varies; without a margin, two requests admitted exactly
    ``period`` apart could land inside one server window. With it, any delay that varies by less
    than ``margin * period`` (0.6 s at the defaults) is absorbed, for about 1% of throughput.

    ``strategy`` picks the limiter :func:`limiter_for` builds: ``"window"`` (:class:`WindowLimiter`,
    bursts of up to ``requests``, then the full rate) or ``"paced"`` (:class:`PacedLimiter`,
    evenly spaced requests, no bursts).

    ``max_wait`` bounds how long one request waits for its slot, in seconds (``None``: as long
    as it takes). When the next free slot is further away, the call raises
    :class:`~storeflow.errors.RateLimitError` at once, without sending anything, with
    ``retry_after`` set to the predicted wait: what a web handler wants rather than hanging for a
    minute. It is a property of the caller, not of the budget, so clients that differ only in
    ``max_wait`` still share one limiter (it takes no part in equality).

    Raises:
        ValidationError: (a ``ValueError``) ``requests`` is below 1, ``period`` is not positive,
            ``margin`` is outside ``[0, 1)``, ``strategy`` is unknown or ``max_wait`` is
            negative; the error names the field.
    """

    requests: int = 200
    period: float = 60.0
    margin: float = 0.01
    strategy: Literal["window", "paced"] = "window"
    max_wait: float | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        if not self.requests >= 1:
            raise ValidationError("requests", f"must be at least 1, got {self.requests!r}")
        if not self.period > 0:
            raise ValidationError("period", f"must be positive seconds, got {self.period!r}")
        if not 0 <= self.margin < 1:
            raise ValidationError("margin", f"must be in [0, 1), got {self.margin!r}")
        if self.strategy not in ("window", "paced"):
            raise ValidationError("strategy", f"must be 'window' or 'paced', got {self.strategy!r}")
        check_max_wait(self.max_wait)

    @property
    def window(self) -> float:
        """The interval the limiters actually enforce: ``period * (1 + margin)`` seconds."""
        return self.period * (1 + self.margin)


@runtime_checkable
class Limiter(Protocol):
    """Anything that can admit a request: ``await limiter.acquire()`` returns when it may go.

    ``aiolimiter.AsyncLimiter`` fits, as do :class:`WindowLimiter` and :class:`PacedLimiter`.
    """

    async def acquire(self) -> None:
        """Wait until one more request may be sent."""


@runtime_checkable
class PausableLimiter(Limiter, Protocol):
    """A limiter that can also hold everyone back, e.g. for a 429's ``Retry-After``."""

    def pause(self, seconds: float) -> None:
        """Admit nobody for the next ``seconds`` seconds."""


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


@attrs.define
class _Log:
    """A sliding-window log: the state both backends share, and the rule they apply to it."""

    resume_at: float = -math.inf
    slots: list[float] = attrs.Factory(list)  # sorted: reserve() only ever appends the maximum

    def reserve(self, now: float, rate: RateLimit) -> float:
        window = rate.window
        # A new slot is >= now: a slot at or before now - window can never share a window with it.
        del self.slots[: bisect.bisect_right(self.slots, now - window)]
        slot = max(now, self.resume_at, self.slots[-1] if self.slots else now)
        if len(self.slots) >= rate.requests:
            # The log is sorted, so only the requests-th latest slot can crowd the new one.
            slot = max(slot, self.slots[-rate.requests] + window)
        self.slots.append(slot)
        return slot

    def release(self, slot: float) -> None:
        # Removing from a sorted log keeps it sorted, and only widens the gaps reserve() relies on.
        with contextlib.suppress(ValueError):
            self.slots.remove(slot)

    def pause_until(self, t: float) -> None:
        self.resume_at = max(self.resume_at, t)

    def forecast(self, now: float, rate: RateLimit, count: int) -> float:
        """The time by which ``count`` more slots could be handed out, reserving nothing."""
        if count <= 0:
            return now
        trial = _Log(self.resume_at, list(self.slots))
        simulated = min(count, 2 * rate.requests)
        slots = [trial.reserve(now, rate) for _ in range(simulated)]
        if count == simulated:
            return slots[-1]
        # After two windows' worth the schedule repeats: each slot is the one `requests` slots
        # before it plus a window.
        base = simulated - rate.requests
        windows, index = divmod(count - 1 - base, rate.requests)
        return slots[base + index] + windows * rate.window


class MemoryBackend:
    """Window state in this process's memory: the default.

    Thread-safe, so clients running in several threads (each with its own event loop) can share
    one budget, as standard event loops all read the same monotonic clock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._log = _Log()

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
            return self._log.resume_at

    def forecast(self, now: float, rate: RateLimit, count: int) -> float:
        """The time by which ``count`` more slots could be handed out, reserving nothing."""
        with self._lock:
            return self._log.forecast(now, rate, count)

    def __repr__(self) -> str:
        return "MemoryBackend()"


class FileBackend:
    """Window state in a small file, shared by every process on this machine that uses it.

    For several worker processes (e.g. of a web server) that share one IP and so one budget.
    Each call takes an exclusive ``flock`` on the file for the few microseconds it needs to read
    and rewrite the log. The file must be on a local file system (``flock`` over NFS is not
    reliable) and is created, readable by its owner only, if missing.

    All processes must pass times from one system-wide clock. :class:`WindowLimiter` passes its
    event loop's ``time()``, which for the standard asyncio loops (and uvloop) is
    ``time.monotonic()``: on Linux and macOS that clock counts from boot and is shared by every
    process. An event loop with its own clock cannot share a ``FileBackend``.

    Raises:
        OSError: on Windows, which has no ``flock``; and from any call if the file cannot be
            opened or locked.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if sys.platform == "win32":
            raise OSError("FileBackend needs POSIX file locks (fcntl.flock)")
        self.path = os.fspath(path)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[_Log]:
        """Yield the log read under an exclusive lock; write it back if it changed."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd is closed
            before = os.pread(fd, os.fstat(fd).st_size, 0)
            numbers = array("d", before)
            log = _Log(numbers[0], list(numbers[1:])) if numbers else _Log()
            yield log
            after = array("d", [log.resume_at, *log.slots]).tobytes()
            if after != before:
                os.pwrite(fd, after, 0)
                os.ftruncate(fd, len(after))
        finally:
            os.close(fd)

    def reserve(self, now: float, rate: RateLimit) -> float:
        """See :meth:`WindowBackend.reserve`."""
        with self._transaction() as log:
            return log.reserve(now, rate)

    def release(self, slot: float) -> None:
        """See :meth:`WindowBackend.release`."""
        with self._transaction() as log:
            log.release(slot)

    def pause_until(self, t: float) -> None:
        """See :meth:`WindowBackend.pause_until`."""
        with self._transaction() as log:
            log.pause_until(t)

    def resume_at(self) -> float:
        """See :meth:`WindowBackend.resume_at`."""
        with self._transaction() as log:
            return log.resume_at

    def forecast(self, now: float, rate: RateLimit, count: int) -> float:
        """The time by which ``count`` more slots could be handed out, reserving nothing."""
        with self._transaction() as log:
            return log.forecast(now, rate, count)

    def __repr__(self) -> str:
        return f"FileBackend({self.path!r})"


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
            if self.backend.resume_at() <= slot:
                return None
            # A pause began while we slept and covers our slot: give it back and queue again.
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


@runtime_checkable
class BoundedLimiter(Limiter, Protocol):
    """A limiter that can refuse a wait longer than a bound, and say when its slots come.

    :class:`WindowLimiter` and :class:`PacedLimiter` are; ``max_wait`` needs one.
    """

    async def acquire_within(self, max_wait: float) -> float | None:
        """Wait for a slot within ``max_wait`` seconds: ``None`` once admitted, else the wait."""

    def next_slot(self) -> float | None:
        """The loop time of the next slot a caller waits for, ``None`` if nobody waits."""

    def forecast(self, count: int) -> float:
        """Seconds from now until ``count`` more requests could all have been admitted."""


def check_max_wait(max_wait: object) -> float | None:
    """``max_wait`` checked: ``None`` or a number of seconds >= 0.

    Raises:
        ValidationError: anything else.
    """
    if max_wait is None:
        return None
    if isinstance(max_wait, bool) or not isinstance(max_wait, int | float) or not max_wait >= 0:
        raise ValidationError("max_wait", f"must be seconds >= 0 or None, got {max_wait!r}")
    return float(max_wait)


async def acquire(limiter: Limiter, max_wait: float | None, *, method: str, path: str) -> None:
    """Take a slot from ``limiter`` for ``method`` ``path``, waiting at most ``max_wait`` seconds.

    ``max_wait`` applies to a :class:`BoundedLimiter`; other limiters are waited for as long as
    they take (``with_options`` refuses ``max_wait`` for them).

    Raises:
        RateLimitError: the next slot is more than ``max_wait`` seconds away; ``retry_after`` is
            that wait, and nothing was sent.
    """
    if max_wait is None or not isinstance(limiter, BoundedLimiter):
        await limiter.acquire()
        return
    wait = await limiter.acquire_within(max_wait)
    if wait is not None:
        raise RateLimitError(
            f"the rate limiter's next slot is {wait:.1f} s away, more than max_wait="
            f"{max_wait:g} s allows; nothing was sent",
            status=429,
            method=method,
            path=path,
            retry_after=wait,
        )


_registry: dict[tuple[str, RateLimit], WindowLimiter | PacedLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(host: str, rate: RateLimit) -> WindowLimiter | PacedLimiter:
    """Return the process-wide limiter for ``host`` at ``rate``, creating it on first use.

    ``host`` names one API endpoint; the transport passes ``"name:port"``.

    Every client in the process that targets the same host with the same rate gets the same
    limiter, so together they stay within the one budget the vendor grants per IP. Host names
    are compared case-insensitively. The limiter follows ``rate.strategy``; a ``"paced"`` one
    must stay within one event loop (see :class:`PacedLimiter`).
    """
    key = (host.lower(), rate)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = WindowLimiter(rate) if rate.strategy == "window" else PacedLimiter(rate)
            _registry[key] = limiter
        return limiter
