"""What a limiter is (the protocols the transport relies on), and how a slot is taken from one
within ``max_wait``."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from storeflow.errors import RateLimitError

__all__ = ["BoundedLimiter", "Limiter", "PausableLimiter", "acquire"]


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
