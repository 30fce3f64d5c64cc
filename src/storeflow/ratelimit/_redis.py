"""One rate budget for a fleet: the limiter's window log in Redis (``storeflow[redis]``).

Every process and host that reaches the API through one egress IP shares one budget by pointing
its :class:`~storeflow.RateLimit` at one Redis::

    RateLimit(backend="redis://:secret@redis.internal:6379/0")

The rule is :class:`~storeflow.ratelimit.WindowLimiter`'s (at most ``requests`` admissions in any
``period * (1 + margin)``), applied by one Lua script per operation over a sorted set of slots,
so each reservation is atomic however many processes ask at once, and slots are handed out in
the order the server runs the scripts (first come, first served across processes). Every time
is the Redis server's ``TIME``: clients whose clocks disagree still share one timeline. A client
only ever sleeps for a *duration* the server computed, which no clock offset changes.

Keys are ``{prefix}:{{endpoint}}:slots``, ``…:meta`` (pause deadline, adaptive rate) and
``…:procs`` (which processes used the budget lately); the endpoint is in a hash tag so the keys
of one endpoint live on one Redis Cluster slot. Every key expires two windows after its last
slot or pause, so an idle budget leaves nothing behind.

When Redis cannot be reached or does not answer within ``timeout``, ``on_error`` decides:

* ``"raise"`` (the default): :class:`~storeflow.errors.RateLimitBackendError` within
  ``timeout`` seconds, and no request goes out. A fleet exists to share a budget; silently
  going on without it could multiply the rate by the number of processes and get the IP
  blocked, so the safe default is to fail loudly and let the caller decide.
* ``"wait"``: no request goes out until Redis answers again (retried with capped exponential
  backoff, full jitter). Nothing is over-admitted; callers just wait.
* ``"local"``: each process falls back to an in-process limiter allowed ``share`` requests per
  window, with a WARNING naming the share. ``share`` is ``local_share`` if given, else
  ``requests // P`` where ``P`` is the number of processes that used the budget in the last
  two windows (as Redis last said). While no process joins during the outage, every window
  that lies wholly inside it sees at most ``P * share <= requests``. The window spanning the
  switch also holds the admissions made through Redis, so it may see up to
  ``requests + (P - 1) * share``. Redis is tried again every ``retry_interval`` seconds.

A restarted (or flushed) Redis has forgotten the last window's slots. Each state carries an
epoch. The first process to reach the new state that made admissions in the last window pauses
the budget for ``settle`` seconds (default: one window), so no slot handed out afterwards can
share a window with an admission made before the loss: nothing is over-admitted, at the price
of up to one window's wait after a rare event. Every process that sees a new epoch also
republishes its own admissions of the last window and queues its waiting requests again, which
keeps the budget exact when ``settle`` is set shorter. (The one gap: if the first process to
reach the new state made no admission in the last window, e.g. it just started, nobody pauses,
and the budget is exact again once the others have republished, within ``retry_interval``.)
In the ``"local"`` mode a process republishes its local admissions too when Redis is back.

What no backend can guarantee: requests from other programs on the same IP, or from clients
configured with another prefix or another Redis, are not counted.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import math
import os
import random
import socket
import urllib.parse
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

import attrs

from storeflow.errors import RateLimitBackendError, ValidationError
from storeflow.ratelimit._memory import MemoryBackend
from storeflow.ratelimit._redis_scripts import EPOCH, PAUSE, RESEED, RESERVE
from storeflow.ratelimit._window import WindowLimiter

if TYPE_CHECKING:
    import redis.asyncio

    from storeflow.ratelimit._rate import RateLimit

__all__ = ["OnError", "RedisBackend", "RedisLimiter", "backend_from_url", "mask_url"]

logger = logging.getLogger("storeflow.ratelimit")

OnError = Literal["raise", "wait", "local"]


def mask_url(url: str) -> str:
    """``url`` with its password (and a user name given alone, as some URLs carry a token
    there) replaced by ``***``: safe to log and show.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    user = parts.username if parts.password is not None else None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    credentials = f"{user}:***" if user else ":***" if parts.password is not None else "***"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{credentials}@{host}"))


@attrs.frozen(eq=False)
class _Clients:
    """One Redis client per event loop: redis-py's asyncio connections belong to their loop."""

    by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
        attrs.Factory(weakref.WeakKeyDictionary)
    )
    closers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = (
        attrs.Factory(weakref.WeakKeyDictionary)
    )


@attrs.frozen(repr=False)
class RedisBackend:
    """Where fleet-shared limiters keep their window log: one Redis server (or cluster slot).

    ``url`` is a redis-py URL (``redis://[[user]:password@]host[:port][/db]``, ``rediss://``
    for TLS, ``unix://``). ``prefix`` starts every key, so several environments can share one
    Redis. ``timeout`` bounds each call to Redis (connect and answer), in seconds. ``on_error``
    is what a limiter does when Redis fails (``"raise"``, ``"wait"`` or ``"local"``: see the
    module documentation); ``local_share`` fixes the per-process requests per window of the
    ``"local"`` fallback (default: the budget divided by the processes Redis last saw).
    ``retry_interval`` is how often a ``"local"`` limiter tries Redis again (and how often a
    process checks that Redis still holds its recent slots), ``max_backoff``
    the longest pause between tries of a ``"wait"`` limiter, and ``settle`` how long the budget
    is held after Redis lost its state (``None``: one window, which rules out any
    over-admission). The
    connection is made lazily, on the first request, in the running event loop.

    Equal settings make equal backends, so clients built from the same URL share one limiter.
    The ``repr`` masks the password.

    Raises:
        ValidationError: (a ``ValueError``) a URL of another scheme, a non-positive
            ``timeout``/``retry_interval``/``max_backoff``, a negative ``settle``, a
            ``local_share`` below 1 or an unknown ``on_error``; the error names the field.
    """

    url: str
    prefix: str = "storeflow"
    on_error: OnError = "raise"
    timeout: float = 2.0
    local_share: int | None = None
    retry_interval: float = 5.0
    max_backoff: float = 1.0
    settle: float | None = None
    _clients: _Clients = attrs.field(factory=_Clients, eq=False, alias="_clients")

    def __attrs_post_init__(self) -> None:
        if urllib.parse.urlsplit(self.url).scheme not in ("redis", "rediss", "unix"):
            raise ValidationError(
                "url", f"must be a redis://, rediss:// or unix:// URL, got {mask_url(self.url)!r}"
            )
        if self.on_error not in ("raise", "wait", "local"):
            raise ValidationError(
                "on_error", f"must be 'raise', 'wait' or 'local', got {self.on_error!r}"
            )
        for name in ("timeout", "retry_interval", "max_backoff"):
            if not getattr(self, name) > 0:
                raise ValidationError(
                    name, f"must be positive seconds, got {getattr(self, name)!r}"
                )
        if self.settle is not None and not self.settle >= 0:
            raise ValidationError("settle", f"must be non-negative seconds, got {self.settle!r}")
        if self.local_share is not None and not self.local_share >= 1:
            raise ValidationError("local_share", f"must be at least 1, got {self.local_share!r}")

    def __repr__(self) -> str:
        return (
            f"RedisBackend({mask_url(self.url)!r}, prefix={self.prefix!r}, "
            f"on_error={self.on_error!r})"
        )

    def settle_for(self, rate: RateLimit) -> float:
        """The seconds the budget is held after Redis lost its state, for ``rate``."""
        return rate.window if self.settle is None else self.settle

    def keys(self, endpoint: str) -> tuple[str, str, str]:
        """The slots, meta and procs keys of ``endpoint``'s budget."""
        base = f"{self.prefix}:{{{endpoint.lower()}}}"
        return f"{base}:slots", f"{base}:meta", f"{base}:procs"

    async def client(self) -> redis.asyncio.Redis:
        """The running loop's Redis client, created on first use.

        The client is closed when the loop shuts down (``asyncio.run`` and ``asyncio.Runner``
        finalise async generators then), or by :meth:`aclose`.

        Raises:
            ImportError: if redis-py is not installed (``pip install 'storeflow[redis]'``).
        """
        loop = asyncio.get_running_loop()
        client = self._clients.by_loop.get(loop)
        if client is None:
            try:
                import redis.asyncio
                from redis.asyncio.retry import Retry
                from redis.backoff import NoBackoff
            except ImportError as exc:  # pragma: no cover - the extra is installed in tests
                raise ImportError(
                    "the Redis rate-limit backend needs redis-py: pip install 'storeflow[redis]'"
                ) from exc
            client = redis.asyncio.Redis.from_url(
                self.url,
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                # One quick retry on a dropped pooled connection (a restarted server); the
                # failure modes above handle anything longer.
                retry=Retry(NoBackoff(), 1),
                decode_responses=True,
            )
            self._clients.by_loop[loop] = client
            closer = self._close_at_shutdown(loop, client)
            self._clients.closers[loop] = closer
            await closer.asend(None)
        return client

    async def _close_at_shutdown(
        self, loop: asyncio.AbstractEventLoop, client: redis.asyncio.Redis
    ) -> AsyncGenerator[None, None]:
        """Suspended until the loop finalises its async generators, then closes ``client``."""
        try:
            yield
        finally:
            if self._clients.by_loop.get(loop) is client:
                del self._clients.by_loop[loop]
            await client.aclose()

    async def aclose(self) -> None:
        """Close the running loop's Redis client, if any (the next call opens a new one)."""
        closer = self._clients.closers.pop(asyncio.get_running_loop(), None)
        if closer is not None:
            await closer.aclose()


def backend_from_url(url: str) -> RedisBackend:
    """A :class:`RedisBackend` for ``url``, its query string giving the other settings.

    ``redis://host:6379/0?prefix=prod&on_error=local&timeout=1`` sets ``prefix``, ``on_error``
    and ``timeout`` (also ``local_share``, ``retry_interval``, ``max_backoff``, ``settle``);
    other query parameters stay in the URL for redis-py.

    Raises:
        ValidationError: a setting that :class:`RedisBackend` refuses, or that is not a number
            where one is needed.
    """
    parts = urllib.parse.urlsplit(url)
    ours: dict[str, Any] = {}
    theirs = []
    numbers = {
        "timeout": float,
        "retry_interval": float,
        "max_backoff": float,
        "settle": float,
        "local_share": int,
    }
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if name in ("prefix", "on_error"):
            ours[name] = value
        elif name in numbers:
            try:
                ours[name] = numbers[name](value)
            except ValueError:
                raise ValidationError(name, f"must be a number, got {value!r}") from None
        else:
            theirs.append((name, value))
    rest = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(theirs)))
    return RedisBackend(rest, **ours)


_members = itertools.count()


class RedisLimiter:
    """A :class:`~storeflow.ratelimit.WindowLimiter` whose log lives in Redis: one budget for
    every process and host that uses the same backend and endpoint.

    ``endpoint`` names the API endpoint (the transport passes ``"host:port"``). The rule,
    the order of admissions, pauses and cancellation are those of ``WindowLimiter``; what
    happens when Redis fails is ``backend.on_error``'s (see the module documentation). With
    ``rate.adaptive`` the rate in force drops on 429s and recovers slowly, for every process
    of the fleet at once (see :mod:`storeflow.ratelimit`).
    """

    def __init__(self, rate: RateLimit, backend: RedisBackend, endpoint: str) -> None:
        self.rate = rate
        self.backend = backend
        self.endpoint = endpoint
        self._keys = backend.keys(endpoint)
        self._process = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        # This process's admissions of the last window, (loop time, member): republished when
        # Redis lost its state, and the starting log of a "local" fallback.
        self._history: collections.deque[tuple[float, str]] = collections.deque()
        self._active = 1
        self._epoch: str | None = None  # the Redis state this process last saw
        self._local: WindowLimiter | None = None
        self._retry_at = -math.inf
        self._tasks: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._epoch_lock = asyncio.Lock()
        self._unsynced = False  # admissions made while Redis failed, not yet republished
        self._paused_until = -math.inf  # this process's latest pause, in loop time

    def __repr__(self) -> str:
        return f"RedisLimiter({self.rate!r}, endpoint={self.endpoint!r})"

    async def acquire(self) -> None:
        """Wait for this request's slot in the shared log.

        Raises:
            RateLimitBackendError: in the ``"raise"`` mode, when Redis fails to answer within
                ``backend.timeout``; no slot is taken.
            asyncio.CancelledError: if cancelled while waiting; the slot is given back.
        """
        loop = asyncio.get_running_loop()
        member = f"{self._process}:{next(_members)}"
        previous = ""
        reserved = False  # whether Redis may hold a slot for ``member``
        try:
            while True:
                if (wait := self._paused_until - loop.time()) > 0:
                    # This process's own 429: hold at once, before Redis has the pause.
                    await asyncio.sleep(wait)
                if self._local is not None and loop.time() < self._retry_at:
                    await self._local.acquire()
                    self._admitted(loop.time(), member)
                    return
                reserved = True  # from the moment the script may run
                reply = await self._reserve(member, previous)
                if reply is None:  # the "local" fallback took over
                    continue
                if reply <= 0:
                    self._admitted(loop.time(), member)
                    return
                await asyncio.sleep(reply)
                previous = member
        except RateLimitBackendError:
            raise  # Redis did not answer: nothing to give back to it
        except BaseException:
            # Cancelled while the script ran, or while waiting for the slot: give it back.
            if reserved:
                await asyncio.shield(self._release(member))
            raise

    def pause(self, seconds: float) -> None:
        """Admit nobody, in every process sharing the budget, for the next ``seconds`` seconds.

        This process holds at once; the pause reaches Redis (and so every other process) in
        the background, as this is called from synchronous code.

        Raises:
            RuntimeError: if called outside a running event loop.
        """
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)
        if self._local is not None:
            self._local.pause(seconds)
        task = loop.create_task(self._pause(seconds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pause(self, seconds: float) -> None:
        rate = self.rate
        settle = self.backend.settle_for(rate)
        args = (seconds, int(rate.adaptive), rate.requests, rate.window, settle)
        try:
            await self._call(PAUSE, self._keys[1:2], args)
        except Exception as exc:  # the caller is already backing off; nothing to raise to
            logger.warning("could not record a pause in %r: %s", self.backend, _reason(exc))

    def _admitted(self, now: float, member: str) -> None:
        history = self._history
        history.append((now, member))
        while history and history[0][0] <= now - self.rate.window:
            history.popleft()
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        """While this process has admissions in the last window, check every
        ``retry_interval`` seconds that Redis still has them; republish them if it lost them.

        A process whose requests all sleep until their slots would otherwise learn of a
        restart only when they wake, after the others resumed without its slots.
        """
        loop = asyncio.get_running_loop()
        rate, backend = self.rate, self.backend
        while self._recent(loop.time()):
            await asyncio.sleep(backend.retry_interval)
            try:
                epoch = await self._call(
                    EPOCH,
                    self._keys[1:2],
                    (rate.requests, rate.window, backend.settle_for(rate)),
                )
                await self._new_epoch(epoch, has_history=True)
                if self._unsynced:
                    await self._reseed()
                    self._unsynced = False
            except Exception:  # acquire() reports Redis failures, in its mode
                continue

    async def _new_epoch(self, epoch: str, *, has_history: bool) -> None:
        """Note the state's ``epoch``; if it changed, republish this process's admissions.

        Serialised, so that a caller that sees the new epoch returns only once this process's
        admissions are back in Redis, whoever noticed first.
        """
        async with self._epoch_lock:
            if epoch != self._epoch:
                if self._epoch is not None and has_history:
                    await self._reseed()
                self._epoch = epoch

    def _recent(self, now: float) -> list[tuple[float, str]]:
        return [(t, m) for t, m in self._history if t > now - self.rate.window]

    async def _call(self, script: str, keys: tuple[str, ...], args: tuple[Any, ...]) -> Any:
        """Run ``script`` once, within ``backend.timeout``."""
        client = await self.backend.client()
        async with self._answer_in_time():
            return await client.eval(script, len(keys), *keys, *args)

    async def _remove(self, member: str) -> None:
        """Take ``member``'s slot out of the log, within ``backend.timeout``."""
        client = await self.backend.client()
        async with self._answer_in_time():
            await client.zrem(self._keys[0], member)

    @contextlib.asynccontextmanager
    async def _answer_in_time(self) -> AsyncIterator[None]:
        """Bound one Redis command by ``backend.timeout``, keeping a cancellation it dropped.

        redis-py writes each command through ``asyncio.wait_for``, which on Python 3.11 returns
        normally when the task is cancelled just as the write completes: the task would go on
        as if it had never been cancelled. Its ``cancelling()`` count still tells, and the
        cancellation is raised here.

        Raises:
            asyncio.CancelledError: the task was cancelled during the command.
            TimeoutError: Redis did not answer within ``backend.timeout``.
        """
        task = asyncio.current_task()
        assert task is not None
        cancelling = task.cancelling()
        async with asyncio.timeout(self.backend.timeout):
            yield
        if task.cancelling() > cancelling:
            raise asyncio.CancelledError

    async def _release(self, member: str) -> None:
        """Give a slot back; if Redis fails, the slot just expires unused."""
        try:
            await self._remove(member)
        except Exception as exc:
            logger.warning("could not give a slot back to %r: %s", self.backend, _reason(exc))

    async def _reseed(self) -> None:
        """Republish this process's admissions of the last window."""
        now = asyncio.get_running_loop().time()
        pairs = [value for t, m in self._recent(now) for value in (m, max(0.0, now - t))]
        if pairs:
            await self._call(RESEED, self._keys[:1], (self.rate.window, *pairs))

    async def _reserve(self, member: str, previous: str) -> float | None:
        """The seconds until ``member``'s slot, or ``None`` once the local fallback took over.

        Raises:
            RateLimitBackendError: Redis failed in the ``"raise"`` mode.
        """
        failures = 0
        while True:
            try:
                if self._local is not None:
                    await self._reseed()  # back from the fallback: publish what it admitted
                    self._local = None
                    logger.warning("%r answers again: the shared budget is back", self.backend)
                delay = await self._run_reserve(member, previous)
            except Exception as exc:
                if previous:
                    # The slot was granted before Redis failed and its time has come; Redis
                    # may have lost it meanwhile, so it is republished once Redis answers.
                    self._unsynced = True
                    return 0.0
                mode = self.backend.on_error
                if mode == "raise":
                    raise RateLimitBackendError(
                        f"the rate-limit backend {self.backend!r} failed: {_reason(exc)}",
                        backend=repr(self.backend),
                    ) from exc
                if mode == "local":
                    self._fall_back(exc)
                    return None
                if failures == 0:
                    logger.warning(
                        "%r failed (%s): waiting for it to answer before sending more requests",
                        self.backend,
                        _reason(exc),
                    )
                # Full jitter over a capped exponential backoff, as the transport's retries.
                cap = min(self.backend.max_backoff, 0.05 * 2**failures)
                failures += 1
                await asyncio.sleep(random.uniform(0, cap))
                continue
            if failures:
                logger.warning("%r answers again", self.backend)
            return delay

    async def _run_reserve(self, member: str, previous: str) -> float:
        rate = self.rate
        if self._unsynced:
            await self._reseed()
            self._unsynced = False
        now = asyncio.get_running_loop().time()
        has_history = bool(self._recent(now))
        args = (
            member,
            rate.requests,
            rate.window,
            previous,
            self._process,
            int(has_history),
            self.backend.settle_for(rate),
            int(rate.adaptive),
        )
        known = self._epoch
        delay, active, _limit, epoch = await self._call(RESERVE, self._keys, args)
        self._active = max(1, int(active))
        if epoch != known:
            await self._new_epoch(epoch, has_history=has_history)
        if epoch != known and known is not None and has_history:
            # Redis lost the last window's slots. The settle pause (set by the first process
            # back) holds everyone while each puts its own back; then this reservation is
            # made again among them.
            await self._remove(member)
            delay, *_ = await self._call(RESERVE, self._keys, args)
        return float(delay)

    def _fall_back(self, exc: Exception) -> None:
        """Switch to an in-process limiter with this process's share of the budget."""
        loop = asyncio.get_running_loop()
        rate = self.rate
        share = self.backend.local_share or max(1, rate.requests // self._active)
        seed = MemoryBackend()
        unbounded = attrs.evolve(rate, requests=2**31, backend=None, adaptive=False)
        for t, _member in self._recent(loop.time()):
            seed.reserve(t, unbounded)  # this process's recent admissions count against it
        self._local = WindowLimiter(
            attrs.evolve(rate, requests=share, backend=None, adaptive=False), backend=seed
        )
        self._retry_at = loop.time() + self.backend.retry_interval
        logger.warning(
            "%r failed (%s): falling back to an in-process limiter at %d of %d requests per "
            "%g s (this process's share of %d sharing the budget); retrying Redis in %g s",
            self.backend,
            _reason(exc),
            share,
            rate.requests,
            rate.period,
            self._active,
            self.backend.retry_interval,
        )


def _reason(exc: BaseException) -> str:
    """A short description of a Redis failure (redis-py's messages carry no password)."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "no answer in time"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
