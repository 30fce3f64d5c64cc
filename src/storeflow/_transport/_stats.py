"""What a transport has sent: the counters behind ``client.stats`` and progress displays."""

from __future__ import annotations

import attrs

__all__ = ["TransportStats"]


@attrs.define
class TransportStats:
    """Running counts of what a :class:`~storeflow._transport.Transport` sent, since it was
    created.

    ``requests`` counts HTTP requests sent (every attempt and redirect hop, answered or not);
    ``retries`` the attempts after the first of each call; ``rate_limited`` the 429 answers
    received. Take the difference of two readings to measure a stretch of work (the export
    engine does, for its summary).
    """

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    outstanding: dict[int, tuple[float, int]] = attrs.field(factory=dict, repr=False)
    """Requests sent and not answered yet: for each, when it was sent (event-loop time) and its
    attempt number (1 for the first). What a progress display reports as "no answer yet"."""
