"""What each site of the sandbox has seen: :class:`ApiStats`, and the recorder that collects them.

The server's middleware (:mod:`storeflow.sandbox._site`) tells a :class:`Recorder` about every API
request it receives and every answer it sends; :meth:`Recorder.snapshot` turns that into the
:class:`ApiStats` that :meth:`storeflow.sandbox.Sandbox.stats` and ``GET /_admin/stats`` show.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import attrs
from attrs import frozen

from storeflow.sandbox._drift import DriftKind

__all__ = ["ApiStats", "Recorder", "SandboxStats"]


@frozen(kw_only=True)
class ApiStats:
    """What one API's site has seen since the start (or the last reset).

    ``requests`` counts every API request that arrived (admitted, refused or faulted; admin
    routes excluded); ``by_route`` keys are ``"METHOD /template"`` (``"unmatched"`` for unknown
    paths); ``by_status`` counts the answers sent (dropped connections are in ``faults``);
    ``rate_limited`` counts 429 answers; ``internal_errors`` counts handlers that raised
    unexpectedly (a sandbox bug, answered with 500). ``per_window`` maps the start (sandbox
    unix seconds) of each clock-aligned window of ``window`` seconds to the requests that
    arrived in it;
    ``max_per_window`` is the largest of those and ``max_per_sliding_window`` the most requests
    in any ``window``-second interval — a client that respects a limit of N keeps both <= N.
    ``drift`` counts, by kind, the places drift mode changed in the answers (empty when off).
    """

    window: float
    requests: int
    by_route: dict[str, int]
    by_status: dict[int, int]
    rate_limited: int
    internal_errors: int
    faults: dict[str, int]
    per_window: dict[float, int]
    max_per_window: int
    max_per_sliding_window: int
    drift: dict[str, int] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The stats as JSON-able data (as ``GET /_admin/stats`` sends them)."""
        return {
            "window": self.window,
            "requests": self.requests,
            "by_route": self.by_route,
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "rate_limited": self.rate_limited,
            "internal_errors": self.internal_errors,
            "faults": self.faults,
            "per_window": {_number(k): v for k, v in self.per_window.items()},
            "max_per_window": self.max_per_window,
            "max_per_sliding_window": self.max_per_sliding_window,
            "drift": self.drift,
        }


def _number(value: float) -> str:
    """``value`` as JSON would spell it, without a ``.0`` on whole numbers (``"6000"``)."""
    return str(int(value)) if value == int(value) else str(value)


@frozen(kw_only=True)
class SandboxStats:
    """:class:`ApiStats` of both sites."""

    pocketsflow: ApiStats
    reflow: ApiStats


class Recorder:
    """Collects one site's :class:`ApiStats`: what arrived, when, and how it was answered."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.reset()

    def reset(self) -> None:
        self.arrivals: list[float] = []
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.rate_limited = 0
        self.internal_errors = 0

    def snapshot(self, drift: Mapping[DriftKind, int] | None = None) -> ApiStats:
        window = self.window
        per_window = Counter(math.floor(t / window) * window for t in self.arrivals)
        times = sorted(self.arrivals)
        most, first = 0, 0
        for last, t in enumerate(times):
            # Same convention as the sliding limiter: an interval is (t - window, t].
            while times[first] <= t - window:
                first += 1
            most = max(most, last - first + 1)
        return ApiStats(
            window=window,
            requests=len(self.arrivals),
            by_route=dict(self.by_route),
            by_status=dict(self.by_status),
            rate_limited=self.rate_limited,
            internal_errors=self.internal_errors,
            faults=dict(self.faults),
            per_window=dict(sorted(per_window.items())),
            max_per_window=max(per_window.values(), default=0),
            max_per_sliding_window=most,
            drift={kind: drift[kind] for kind in sorted(drift)} if drift else {},
        )
