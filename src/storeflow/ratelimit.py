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
import itertools
import logging
import math
import os
import sys
import threading
from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal, Protocol, cast, runtime_checkable

import attrs
from aiolimiter import AsyncLimiter

from storeflow.errors import RateLimitError, ValidationError

if sys.platform != "win32":
    import fcntl

logger = logging.getLogger("storeflow")

#: A state file value further ahead of the clock than this is corrupt, not a queue.
_FURTHEST_AHEAD = 86_400.0

if TYPE_CHECKING:
    from storeflow.ratelimit_redis import RedisBackend, RedisLimiter

__all__ = [
    "BoundedLimiter",
    "EndpointLimiter",
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

    ``max_wait`` bounds how long one request waits for its slot, in seconds (``None``: as long
    as it takes). When the next free slot is further away, the call raises
    :class:`~storeflow.errors.RateLimitError` at once, without sending anything, with
    ``retry_after`` set to the predicted wait: what a web handler wants rather than hanging for a
    minute. It is a property of the caller, not of the budget, so clients that differ only in
    ``max_wait`` still share one limiter (it takes no part in equality).

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
            ``margin`` is outside ``[0, 1)``, ``strategy`` is unknown, ``max_wait`` is negative,
            a ``"paced"`` limiter is given a backend or ``adaptive``, or ``backend`` is not a
            backend or a Redis URL; the error names the field.
    """

    requests: int = 200
    period: float = 60.0
    margin: float = 0.01
    strategy: Literal["window", "paced"] = "window"
    max_wait: float | None = attrs.field(default=None, eq=False)
    backend: WindowBackend | RedisBackend | None = attrs.field(
        default=None, converter=_backend, kw_only=True
    )
    adaptive: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        for name in ("requests", "period", "margin"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationError(name, f"must be a number, got {type(value).__name__}")
        if not isinstance(self.requests, int):
            raise ValidationError("requests", f"must be a whole number, got {self.requests!r}")
        if not math.isfinite(self.period):
            raise ValidationError("period", f"must be finite seconds, got {self.period!r}")
        if not self.requests >= 1:
            raise ValidationError("requests", f"must be at least 1, got {self.requests!r}")
        if not self.period > 0:
            raise ValidationError("period", f"must be positive seconds, got {self.period!r}")
        if not 0 <= self.margin < 1:
            raise ValidationError("margin", f"must be in [0, 1), got {self.margin!r}")
        if self.strategy not in ("window", "paced"):
            raise ValidationError("strategy", f"must be 'window' or 'paced', got {self.strategy!r}")
        check_max_wait(self.max_wait)
        if self.strategy == "paced" and (self.backend is not None or self.adaptive):
            raise ValidationError(
                "strategy", "a 'paced' limiter has no backend and no adaptive rate"
            )

    @property
    def window(self) -> float:
        """The interval the limiters actually enforce: ``period * (1 + margin)`` seconds."""
        return self.period * (1 + self.margin)

    @property
    def slack(self) -> float:
        """``margin * period``: how late after its slot a request may reach the server."""
        return self.period * self.margin

    def stricter(self, other: RateLimit) -> RateLimit:
        """A rate that keeps both ``self`` and ``other``: the fewer requests, the longer period
        and margin, and ``"paced"`` if either is."""
        return RateLimit(
            requests=min(self.requests, other.requests),
            period=max(self.period, other.period),
            margin=max(self.margin, other.margin),
            strategy="paced" if "paced" in (self.strategy, other.strategy) else "window",
            backend=self.backend if self.backend is not None else other.backend,
            adaptive=self.adaptive or other.adaptive,
        )


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
    """A sliding-window log: the state both backends share, and the rule they apply to it.

    ``lost`` marks a log rebuilt from corrupt state: until a :meth:`reserve` (which knows the
    time and the rate) sets a safe pause, nothing in it can be trusted.
    """

    resume_at: float = -math.inf
    slots: list[float] = attrs.Factory(list)  # sorted: reserve() only ever appends the maximum
    lost: bool = False
    rebuilt: bool = False

    @classmethod
    def read(cls, numbers: array[float]) -> _Log:
        """The log stored as ``numbers`` (pause deadline, then the slots); a lost one if they are
        not a log this module writes (not sorted, NaN or infinite values)."""
        if not numbers:
            return cls()
        resume_at, slots = numbers[0], list(numbers[1:])
        values = [resume_at, *slots]
        if any(math.isnan(v) or v == math.inf for v in values) or any(
            a > b for a, b in itertools.pairwise(slots)
        ):
            return cls(lost=True)
        return cls(resume_at, slots)

    def reserve(self, now: float, rate: RateLimit) -> float:
        window = rate.window
        if self.lost or max(self.resume_at, self.slots[-1] if self.slots else now) > (
            now + _FURTHEST_AHEAD
        ):
            # Whatever the lost log held (even a full window's budget spent just now), none of it
            # can crowd a slot a whole window from now: start again from there. (A value more
            # than a day ahead is no queue this module builds, but tampering.)
            self.lost, self.rebuilt = False, True
            self.slots, self.resume_at = [], now + window
        # A new slot is >= now: a slot at or before now - window can never share a window with it.
        del self.slots[: bisect.bisect_right(self.slots, now - window)]
        slot = max(now, self.resume_at, self.slots[-1] if self.slots else now)
        if len(self.slots) >= rate.requests:
            # The log is sorted, so only the requests-th latest slot can crowd the new one.
            slot = max(slot, self.slots[-rate.requests] + window)
        self.slots.append(slot)
        return slot

    def release(self, slot: float) -> None:
        if self.lost:
            return
        # Removing from a sorted log keeps it sorted, and only widens the gaps reserve() relies on.
        with contextlib.suppress(ValueError):
            self.slots.remove(slot)

    def pause_until(self, t: float) -> None:
        if not self.lost:
            self.resume_at = max(self.resume_at, t)

    def paused_until(self) -> float:
        # A lost log has no known deadline: report none that a waiter may pass (it queues again,
        # and its next reserve() rebuilds the log).
        return math.inf if self.lost else self.resume_at

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
            return self._log.paused_until()

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
        self._reported = False

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[_Log]:
        """Yield the log read under an exclusive lock; write it back if it changed."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd is closed
            before = os.pread(fd, os.fstat(fd).st_size, 0)
            numbers = array("d")
            if len(before) % numbers.itemsize == 0:
                numbers.frombytes(before)
                log = _Log.read(numbers)
            else:
                log = _Log(lost=True)  # torn or foreign bytes
            yield log
            if (log.lost or log.rebuilt) and not self._reported:
                self._reported = True
                logger.warning(
                    "rate-limit state %s was corrupt; rebuilding it, admitting nothing for one "
                    "window",
                    self.path,
                )
            if log.lost:
                return  # nothing known to write; the next reserve() rebuilds it
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
            return log.paused_until()

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


_registry: dict[tuple[str, object], EndpointLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(host: str, rate: RateLimit) -> EndpointLimiter:
    """Return the process-wide limiter of the endpoint ``host``, creating it on first use.

    ``host`` names one API endpoint; the transport passes ``"scheme://host:port"`` with every
    spelling of this machine (``localhost``, ``127.0.0.1``, ``::1``) as one host. Names are
    compared case-insensitively.

    Every client in the process that targets the same endpoint gets the same limiter, whatever
    ``rate`` it asks for, so together they stay within the one budget the vendor grants per IP;
    only a ``rate.backend`` (a file, Redis) of its own gives it the limiter kept there.
    A ``rate`` different from the one in force is combined with it (the stricter applies, and a
    warning is logged; see :meth:`EndpointLimiter.tighten`). A ``"paced"`` rate must stay within
    one event loop (see :class:`PacedLimiter`).
    """
    # A budget kept in a shared backend (a file, Redis) is its own: clients naming another
    # backend for the same endpoint get the limiter of that backend.
    key = (host.lower(), rate.backend)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = EndpointLimiter(key[0], rate)
            return limiter
    if rate != limiter.rate:
        limiter.tighten(rate)
    return limiter


def _window(endpoint: str, rate: RateLimit) -> WindowLimiter | RedisLimiter:
    """The sliding-window part of the limiter ``rate`` describes, for ``endpoint``: its log in
    ``rate.backend`` (this process's memory by default, a file, or Redis for a fleet), behind
    the adaptive rate when ``rate.adaptive``."""
    from storeflow.ratelimit_redis import RedisBackend, RedisLimiter

    if isinstance(rate.backend, RedisBackend):
        return RedisLimiter(rate, rate.backend, endpoint)
    backend = rate.backend
    if rate.adaptive:
        from storeflow.ratelimit_adaptive import AdaptiveBackend

        backend = AdaptiveBackend(MemoryBackend() if backend is None else backend)
    return WindowLimiter(rate, backend=backend)
