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

Where the state lives: :class:`MemoryBackend` (this process, the default), :class:`FileBackend`
(the processes of one machine) or :class:`RedisBackend` (a fleet; needs ``storeflow[redis]``,
and its names load on first use). :class:`AdaptiveBackend` lowers the rate when the vendor
enforces less than it states.
"""

from typing import TYPE_CHECKING

from storeflow._lazy import lazy_names
from storeflow.ratelimit._adaptive import AdaptiveBackend
from storeflow.ratelimit._endpoint import EndpointLimiter
from storeflow.ratelimit._file import FileBackend
from storeflow.ratelimit._limiter import BoundedLimiter, Limiter, PausableLimiter, acquire
from storeflow.ratelimit._memory import MemoryBackend
from storeflow.ratelimit._paced import PacedLimiter
from storeflow.ratelimit._rate import RateLimit, check_max_wait
from storeflow.ratelimit._registry import limiter_for
from storeflow.ratelimit._window import WindowBackend, WindowLimiter

if TYPE_CHECKING:
    from storeflow.ratelimit._redis import (
        OnError,
        RedisBackend,
        RedisLimiter,
        backend_from_url,
        mask_url,
    )
else:
    # The Redis backend (the ``storeflow[redis]`` extra) loads on first use.
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "OnError": "storeflow.ratelimit._redis",
            "RedisBackend": "storeflow.ratelimit._redis",
            "RedisLimiter": "storeflow.ratelimit._redis",
            "backend_from_url": "storeflow.ratelimit._redis",
            "mask_url": "storeflow.ratelimit._redis",
        },
    )

__all__ = [
    "AdaptiveBackend",
    "BoundedLimiter",
    "EndpointLimiter",
    "FileBackend",
    "Limiter",
    "MemoryBackend",
    "OnError",
    "PacedLimiter",
    "PausableLimiter",
    "RateLimit",
    "RedisBackend",
    "RedisLimiter",
    "WindowBackend",
    "WindowLimiter",
    "acquire",
    "backend_from_url",
    "check_max_wait",
    "limiter_for",
    "mask_url",
]
