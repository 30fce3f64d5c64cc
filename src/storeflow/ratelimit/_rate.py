"""What a rate limit is: :class:`RateLimit`, its settings checked once, and ``max_wait``'s check.

The Redis backend is imported only when a rate is built, so importing the package stays cheap.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal, cast

import attrs

from storeflow.errors import ValidationError

if TYPE_CHECKING:
    from storeflow.ratelimit._redis import RedisBackend
    from storeflow.ratelimit._window import WindowBackend

__all__ = ["RateLimit", "check_max_wait"]


def _backend(value: object) -> WindowBackend | RedisBackend | None:
    """``RateLimit.backend`` as given, or the :class:`RedisBackend` a URL string names."""
    if isinstance(value, str):
        from storeflow.ratelimit._redis import backend_from_url

        return backend_from_url(value)
    from storeflow.ratelimit._redis import RedisBackend

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
    or a :class:`RedisBackend` or a ``redis://`` URL (a fleet of processes and hosts; see
    :class:`RedisLimiter`). A URL's password never appears in a ``repr``.

    ``adaptive`` (off by default) lowers the rate when 429s arrive although the client keeps
    its budget (the vendor enforces less than it states), and recovers slowly; see
    :class:`AdaptiveBackend`. It is off by default because the documented limit is
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
