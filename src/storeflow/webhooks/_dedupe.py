"""Act on each webhook event once: remember the ids of events already handled.

Pocketsflow delivers at most once but "the same event can still arrive twice in edge cases";
Reflow retries a delivery until it gets a 200, so an answer lost on the way back brings the
event again. Both keep the event's id across deliveries (``webhookId``, ``evt_…``), which is
what :class:`Deduplicator` keys on.

The store is pluggable (:class:`DedupStore`): two atomic operations that map one-to-one onto
Redis (``SET key 1 NX EX ttl`` and ``DEL key``), so several worker processes can share one
store. :class:`MemoryDedupStore`, the default, holds one process's ids, bounded.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from storeflow.webhooks._event import WebhookEvent

__all__ = ["DedupStore", "Deduplicator", "MemoryDedupStore"]

DEFAULT_TTL = 7 * 24 * 3600.0
"""How long an id is remembered: a week, longer than any vendor's retry schedule."""


@runtime_checkable
class DedupStore(Protocol):
    """Where :class:`Deduplicator` remembers event ids. Both methods must be atomic."""

    async def add(self, key: str, ttl: float) -> bool:
        """Remember ``key`` for ``ttl`` seconds; return ``True`` if it was not remembered yet.

        Only one of several concurrent callers with the same key may get ``True`` (Redis:
        ``SET key 1 NX EX ttl``).
        """
        ...

    async def discard(self, key: str) -> None:
        """Forget ``key`` (its handling failed, so a redelivery must run). Redis: ``DEL key``."""
        ...


class MemoryDedupStore:
    """A :class:`DedupStore` in this process's memory: at most ``max_keys`` ids, the oldest
    dropped first, each for its ``ttl`` (measured with ``clock``, monotonic seconds).

    Raises ``ValueError`` when ``max_keys`` is not positive.
    """

    def __init__(self, max_keys: int = 100_000, *, clock: Callable[[], float] = time.monotonic):
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.max_keys = max_keys
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    async def add(self, key: str, ttl: float) -> bool:
        """See :meth:`DedupStore.add`."""
        now = self._clock()
        expiry = self._expiry.get(key)
        if expiry is not None and expiry > now:
            return False
        self._expiry.pop(key, None)
        self._expiry[key] = now + ttl
        while len(self._expiry) > self.max_keys:
            self._expiry.popitem(last=False)
        return True

    async def discard(self, key: str) -> None:
        """See :meth:`DedupStore.discard`."""
        self._expiry.pop(key, None)


class Deduplicator:
    """Tells the first delivery of each event from its repeats.

    ``await dedupe.claim(event)`` is ``True`` the first time an event id is seen (within
    ``ttl`` seconds) and ``False`` for every repeat; ``await dedupe.release(event)`` forgets it
    again, so that a failed handling can be redone when the event comes back. An event without
    an id is always claimed (it cannot be recognised). Keys are ``prefix + api + ":" + id``.
    ``store`` defaults to a fresh :class:`MemoryDedupStore`.

    Raises ``ValueError`` when ``ttl`` is not a positive finite number.
    """

    def __init__(
        self,
        store: DedupStore | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        prefix: str = "storeflow:webhook:",
    ) -> None:
        if not (math.isfinite(ttl) and ttl > 0):
            raise ValueError("ttl must be a positive number of seconds")
        self.store: DedupStore = store if store is not None else MemoryDedupStore()
        self.ttl = ttl
        self.prefix = prefix

    def _key(self, event: WebhookEvent) -> str | None:
        return None if event.id is None else f"{self.prefix}{event.api}:{event.id}"

    async def claim(self, event: WebhookEvent) -> bool:
        """Whether ``event`` is seen for the first time (and now remembered)."""
        key = self._key(event)
        return True if key is None else await self.store.add(key, self.ttl)

    async def release(self, event: WebhookEvent) -> None:
        """Forget ``event``, so its next delivery is claimed again."""
        key = self._key(event)
        if key is not None:
            await self.store.discard(key)
