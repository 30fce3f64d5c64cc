"""What the simulators' stores share: the sandbox clock, the seeded scale, their protocol, paging.

* :class:`Clock` — the sandbox's scaled time; every "now" of a simulator comes from it.
* :class:`Scale` — how many records of each kind a seeded store holds.
* :class:`Store` — the protocol each simulator's store class follows, so the server can reset it,
  show its state and the export tests can compare against it.
* :func:`newest_first` — one page of a list stored oldest first, as both APIs page it.

Realistic fake values (names, emails, countries, ObjectIds, ISO timestamps) live in
:mod:`storeflow.sandbox._data`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from attrs import evolve, field, fields, frozen

__all__ = ["Clock", "Scale", "Store", "newest_first"]


def newest_first(rows: Sequence[int], page: int, per_page: int) -> Sequence[int]:
    """Page ``page`` (from 1, ``per_page`` rows long) of ``rows`` counted from the newest, for
    ``rows`` stored oldest first: that page's rows, newest first. A page past the end is empty.
    """
    end = len(rows) - (page - 1) * per_page
    return rows[max(end - per_page, 0) : max(end, 0)][::-1]


class Clock:
    """The sandbox's time, optionally running faster than the wall clock.

    ``now()`` is a unix timestamp: the wall time when the clock was made, plus the monotonic time
    elapsed since, multiplied by ``time_scale``. With ``time_scale=60`` one real second is one
    sandbox minute, so a rate-limit window of 60 s passes in one real second. The rate limiter's
    windows and the creation time of records made through the API both read this clock.
    Raises ``ValueError`` for a ``time_scale`` that is not a positive finite number.
    """

    def __init__(self, time_scale: float = 1.0) -> None:
        if not (math.isfinite(time_scale) and time_scale > 0):
            raise ValueError("time_scale must be a positive number")
        self.time_scale = time_scale
        self._base = time.time()
        self._start = time.monotonic()

    def now(self) -> float:
        """The current sandbox time, in (scaled) seconds since the unix epoch."""
        return self._base + (time.monotonic() - self._start) * self.time_scale

    def to_real(self, seconds: float) -> float:
        """How many real seconds ``seconds`` of sandbox time take."""
        return seconds / self.time_scale


def _non_negative(_instance: object, attribute: Any, value: int) -> None:
    if value < 0:
        raise ValueError(f"Scale.{attribute.name} must be >= 0, got {value}")


def _count(default: int) -> Any:
    return field(default=default, validator=_non_negative)


@frozen(kw_only=True)
class Scale:
    """How many records the seeded stores start with, per collection.

    The defaults are small so tests start fast; :meth:`demo` gives a store worth exporting.
    Pocketsflow orders are stored column-wise, so ``orders`` can be 1,000,000 or more. Every
    count must be >= 0 (``ValueError`` otherwise). The live Pocketsflow dataset uses
    :meth:`for_live` of the test dataset's scale.
    """

    products: int = _count(50)
    customers: int = _count(200)
    orders: int = _count(500)
    reviews: int = _count(120)
    discounts: int = _count(8)
    upsells: int = _count(5)
    subscriptions: int = _count(60)
    reflow_products: int = _count(60)
    reflow_categories: int = _count(8)
    reflow_orders: int = _count(300)
    reflow_users: int = _count(150)
    reflow_plans: int = _count(4)

    @classmethod
    def demo(cls) -> Scale:
        """A store worth exporting: 10,000 Pocketsflow orders and realistic other collections,
        small enough that exporting everything at 200 requests a minute takes about a minute."""
        return cls(
            products=120,
            customers=2_500,
            orders=10_000,
            reviews=1_500,
            discounts=25,
            upsells=12,
            subscriptions=900,
            reflow_products=450,
            reflow_categories=16,
            reflow_orders=5_000,
            reflow_users=3_000,
            reflow_plans=6,
        )

    @classmethod
    def empty(cls) -> Scale:
        """No records at all (for testing empty lists)."""
        return cls(**{count.name: 0 for count in fields(cls)})

    def for_live(self) -> Scale:
        """A tenth of every count (at least one where this scale has any): the live dataset."""
        counts = {count.name: getattr(self, count.name) for count in fields(Scale)}
        return evolve(self, **{name: max(n // 10, min(n, 1)) for name, n in counts.items()})


class Store(Protocol):
    """What the sandbox needs from a simulator's store (``PocketsflowStore``, ``ReflowStore``).

    Constructed as ``StoreClass(seed=..., scale=..., clock=...)`` (keyword-only; a store may
    take more keywords with defaults); the same seed and scale always give the same records.
    """

    def reset(self) -> None:
        """Go back to the freshly seeded state (same records as at construction)."""

    def state(self) -> dict[str, Any]:
        """A small JSON-able summary for ``GET /_admin/state``: record counts per collection."""

    def collections(self) -> tuple[str, ...]:
        """The names :meth:`dump` accepts (``"orders"``, ``"products"``, ...)."""

    def dump(self, collection: str) -> Iterator[dict[str, Any]]:
        """Every record of ``collection`` exactly as the API's list sends it, in list order.

        Raises ``KeyError`` for an unknown collection.
        """

    def add_orders(self, n: int) -> list[dict[str, Any]]:
        """Create ``n`` orders timestamped "now" (the clock's time), as the wire shows them."""
