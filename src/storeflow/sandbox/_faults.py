"""Fault injection: what can go wrong between a client and the API, on purpose and reproducibly.

:class:`Faults` says how often each fault happens; :class:`FaultPlan` draws, request by
request, which faults hit, from a ``random.Random`` seeded with ``Faults.seed``, so the same
sequence of requests meets the same faults. The sandbox's server applies a plan to every API
request (never to ``/_admin`` routes), in this order:

1. ``latency`` + uniform(0, ``jitter``) real seconds of delay, before the handler runs;
2. with probability ``error_rate``, a JSON 500, 502 or 503 instead of running the handler
   (state unchanged);
3. with probability ``html_rate``, an HTML 502 page (``text/html``) instead of running the
   handler, as a proxy in front of the API would send (state unchanged);
4. the handler runs (state may change); then, with probability ``drop_rate``, the connection
   is closed without any response — the worst case for a client, which cannot know whether
   its request took effect;
5. otherwise, with probability ``truncate_rate``, the body is cut in half (the status and a
   matching ``Content-Length`` are kept, so the client reads invalid JSON);
6. otherwise, with probability ``slow_body_rate``, the headers go out at once and the body
   trickles out over ``slow_body_delay`` real seconds.
"""

from __future__ import annotations

import math
import random
from typing import Any, Final, Literal, TypeAlias

from attrs import Attribute, evolve, field, fields, frozen

__all__ = ["AfterFault", "BeforeFault", "FaultPlan", "Faults"]


def _rate(_instance: object, attribute: Attribute[float], value: float) -> None:
    if not (0.0 <= value <= 1.0):
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value}")


def _seconds(_instance: object, attribute: Attribute[float], value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{attribute.name} must be >= 0 seconds, got {value}")


@frozen(kw_only=True)
class Faults:
    """How often each fault happens; all off by default (see the module docstring for the order).

    Rates are probabilities in [0, 1]; ``latency``, ``jitter`` and ``slow_body_delay`` are real
    (unscaled) seconds. Raises ``ValueError`` for a rate outside [0, 1] or a negative duration.
    """

    seed: int = 0
    latency: float = field(default=0.0, validator=_seconds)
    jitter: float = field(default=0.0, validator=_seconds)
    error_rate: float = field(default=0.0, validator=_rate)
    drop_rate: float = field(default=0.0, validator=_rate)
    truncate_rate: float = field(default=0.0, validator=_rate)
    html_rate: float = field(default=0.0, validator=_rate)
    slow_body_rate: float = field(default=0.0, validator=_rate)
    slow_body_delay: float = field(default=0.5, validator=_seconds)

    @property
    def enabled(self) -> bool:
        """Whether any fault can happen at all."""
        return bool(self.latency or self.jitter or any(getattr(self, n) for n in _RATE_FIELDS))

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Build from ``"name=value,name=value"`` (the CLI's ``--faults``), e.g.
        ``"latency=0.05,jitter=0.1,error_rate=0.05"``.

        Raises ``ValueError`` naming the bad entry for an unknown name or a bad value.
        """
        values: dict[str, Any] = {}
        known = {attribute.name for attribute in fields(Faults)}
        for entry in filter(None, (part.strip() for part in spec.split(","))):
            name, sep, text = entry.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ValueError(
                    f"bad fault {entry!r}: expected name=value with name one of "
                    f"{', '.join(sorted(known))}"
                )
            try:
                values[name] = int(text) if name == "seed" else float(text)
            except ValueError:
                raise ValueError(f"bad fault {entry!r}: {text!r} is not a number") from None
        return evolve(cls(), **values)


_RATE_FIELDS: Final = (
    "error_rate",
    "drop_rate",
    "truncate_rate",
    "html_rate",
    "slow_body_rate",
)

BeforeFault: TypeAlias = Literal["error_500", "error_502", "error_503", "html"]
"""A fault that replaces the answer before the handler runs."""
AfterFault: TypeAlias = Literal["drop", "truncate", "slow_body"]
"""A fault applied to the answer after the handler ran."""

_ERRORS: Final[tuple[BeforeFault, ...]] = ("error_500", "error_502", "error_503")


class FaultPlan:
    """Draws the faults of successive requests from :class:`Faults` with a seeded generator.

    Every request consumes the same number of draws whatever happens, so one request's outcome
    never shifts the faults of the next ones.
    """

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)

    def draw(self) -> tuple[float, BeforeFault | None, AfterFault | None]:
        """The next request's delay (real seconds), fault before and fault after the handler."""
        f = self.faults
        rng = self._rng
        jitter, error, which, html, drop, truncate, slow = (rng.random() for _ in range(7))
        delay = f.latency + jitter * f.jitter
        before: BeforeFault | None = None
        if error < f.error_rate:
            before = _ERRORS[min(int(which * 3), 2)]
        elif html < f.html_rate:
            before = "html"
        after: AfterFault | None = None
        if drop < f.drop_rate:
            after = "drop"
        elif truncate < f.truncate_rate:
            after = "truncate"
        elif slow < f.slow_body_rate:
            after = "slow_body"
        return delay, before, after
