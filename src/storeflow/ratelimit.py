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
from typing import TYPE_CHECKING, Literal, Protocol, cast, runtime_checkable

import attrs
from aiolimiter import AsyncLimiter

from storeflow.errors import ValidationError

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from storeflow.ratelimit_redis import RedisBackend

__all__ = [
    "FileBackend",
    "Limiter",
    "MemoryBackend",
    "PacedLimiter",
    "PausableLimiter",
    "RateLimit",
    "WindowBackend",
    "WindowLimiter",
    "limiter_for",
]


def _backend(value: object) -> WindowBackend | RedisBackend | None:
    """``RateLimit.backend`` as given, or the :class:`RedisBackend` a URL string names."""
    if isinstance(value, str):
        from storeflow.ratelimit_redis import backend_from_url

        return backend_from_url(value)
    from storeflow.ratelimit_redis import RedisBackend

    if value is None or isinstance(value, RedisBackend):
        return value
    if callable(getattr(value, "reserve", None)):
        return cast("WindowBackend", value)
    raise ValidationError(
        "backend", "must be a WindowBackend, a RedisBackend, a redis:// URL or None"
    )


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

    ``backend`` is where a ``"window"`` limiter keeps its state: ``None`` (this process's
    memory), a :class:`WindowBackend` such as :class:`FileBackend` (processes on one machine),
    or a :class:`~storeflow.ratelimit_redis.RedisBackend` or a ``redis://`` URL (a fleet of
    processes and hosts; see :mod:`storeflow.ratelimit_redis`). A URL's password never appears
    in a ``repr``.

    ``adaptive`` (off by default) lowers the rate when 429s arrive although the client keeps
    its budget (the vendor enforces less than it states), and recovers slowly; see
    :mod:`storeflow.ratelimit_adaptive`. It is off by default because the documented limit is
    the contract: slowing down costs throughput, and a 429 is also what other programs on the
    same IP cause.

    Raises:
        ValidationError: (a ``ValueError``) ``requests`` is below 1, ``period`` is not positive,
            ``margin`` is outside ``[0, 1)``, ``strategy`` is unknown, a ``"paced"`` limiter is
            given a backend or ``adaptive``, or ``backend`` is not a backend or a Redis URL;
            the error names the field.
    """

    requests: int = 200
    period: float = 60.0
    margin: float = 0.01
    strategy: Literal["window", "paced"] = "window"
    backend: WindowBackend | RedisBackend | None = attrs.field(
        default=None, converter=_backend, kw_only=True
    )
    adaptive: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not self.requests >= 1:
            raise ValidationError("requests", f"must be at least 1, got {self.requests!r}")
        if not self.period > 0:
            raise ValidationError("period", f"must be positive seconds, got {self.period!r}")
        if not 0 <= self.margin < 1:
            raise ValidationError("margin", f"must be in [0, 1), got {self.margin!r}")
        if self.strategy not in ("window", "paced"):
            raise ValidationError("strategy", f"must be 'window' or 'paced', got {self.strategy!r}")
        if self.strategy == "paced" and (self.backend is not None or self.adaptive):
            raise ValidationError(
                "strategy", "a 'paced' limiter has no backend and no adaptive rate"
            )

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

    async def acquire(self) -> None:
        """Wait for this request's slot.

        Raises:
            asyncio.CancelledError: if cancelled while waiting; the slot is released.
        """
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            slot = self.backend.reserve(now, self.rate)
            if slot <= now:
                return
            try:
                await asyncio.sleep(slot - now)
            except BaseException:
                self.backend.release(slot)
                raise
            if self.backend.resume_at() <= slot:
                return
            # A pause began while we slept and covers our slot: give it back and queue again.
            self.backend.release(slot)

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

    async def acquire(self) -> None:
        """Wait until at least ``interval`` seconds after the previous admission.

        Raises:
            asyncio.CancelledError: if cancelled while waiting; nothing is consumed.
        """
        loop = asyncio.get_running_loop()
        while True:
            if (wait := self._resume_at - loop.time()) > 0:
                await asyncio.sleep(wait)
                continue
            await self._bucket.acquire()
            if loop.time() >= self._resume_at:
                return
            # A pause began while we queued: this turn falls inside it, so wait it out and requeue.

    def pause(self, seconds: float) -> None:
        """Admit nobody for the next ``seconds`` seconds, including tasks already waiting.

        Raises:
            RuntimeError: if called outside a running event loop.
        """
        self._resume_at = max(self._resume_at, asyncio.get_running_loop().time() + seconds)

    def __repr__(self) -> str:
        return f"PacedLimiter({self.rate!r})"


_registry: dict[tuple[str, RateLimit], PausableLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(host: str, rate: RateLimit) -> PausableLimiter:
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
            limiter = _build(host.lower(), rate)
            _registry[key] = limiter
        return limiter


def _build(host: str, rate: RateLimit) -> PausableLimiter:
    """The limiter ``rate`` describes, for the endpoint ``host``."""
    if rate.strategy == "paced":
        return PacedLimiter(rate)
    from storeflow.ratelimit_redis import RedisBackend, RedisLimiter

    if isinstance(rate.backend, RedisBackend):
        return RedisLimiter(rate, rate.backend, host)
    backend = rate.backend
    if rate.adaptive:
        from storeflow.ratelimit_adaptive import AdaptiveBackend

        backend = AdaptiveBackend(MemoryBackend() if backend is None else backend)
    return WindowLimiter(rate, backend=backend)
