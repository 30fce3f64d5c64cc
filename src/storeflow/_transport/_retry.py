"""When a call is repeated: the retry policy, the backoff between attempts, ``Retry-After``."""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import random
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from storeflow._config import DEFAULT_MAX_RETRIES, check_count

__all__ = ["IDEMPOTENT_METHODS", "MAX_RETRY_AFTER", "RetryPolicy", "backoff", "retry_after"]

#: Methods whose repetition has the same effect as sending them once (RFC 9110, 9.2.2).
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})
#: A 429 asking for a longer pause than this is not waited out: the caller gets the
#: RateLimitError (with ``retry_after``) at once rather than a call that hangs for an hour.
MAX_RETRY_AFTER: Final = 120.0
_BACKOFF_BASE: Final = 0.5
_BACKOFF_CAP: Final = 8.0


def _statuses(values: Iterable[int]) -> frozenset[int]:
    return frozenset(values)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Which failures a call repeats, and how many times: the one retry policy.

    ``max_retries`` is the most attempts after the first. A 429 (after the pause the server
    asked for) and a failure to connect (nothing reached the server) are retried for every
    operation, the latter at most ``connect_retries`` times (default: ``max_retries``). Only for
    idempotent operations: failures after the request may have reached the server (a dropped
    connection, a timeout, a status in ``statuses``) and, with ``unreadable``, a 2xx body that
    is not JSON (cut short). So one call draws at most ``1 + max_retries`` requests, plus
    redirect hops.

    The clients use ``RetryPolicy(max_retries=2)`` (their ``max_retries``); the export reads its
    pages with three more retries, a 500 among the statuses and ``unreadable`` (see
    :func:`storeflow.export._engine.page_retry`).

    Raises:
        ValidationError: a retry count that is not an integer >= 0.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    statuses: frozenset[int] = attrs.field(default=frozenset({502, 503, 504}), converter=_statuses)
    connect_retries: int | None = None
    unreadable: bool = False

    def __attrs_post_init__(self) -> None:
        check_count("max_retries", self.max_retries, 0)
        if self.connect_retries is not None:
            check_count("connect_retries", self.connect_retries, 0)

    def allows(self, attempt: int, *, unsent: bool = False) -> bool:
        """Whether attempt number ``attempt`` (from 1) may be followed by another."""
        limit = self.max_retries
        if unsent and self.connect_retries is not None:
            limit = self.connect_retries
        return attempt <= limit


def backoff(rng: random.Random, retry: int) -> float:
    """The pause before retry number ``retry`` (from 0), in seconds.

    Full jitter: uniform in ``[0, min(8, 0.5 * 2**retry)]``, drawn from ``rng``.
    """
    return rng.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**retry))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header (delay seconds or HTTP-date); ``None`` if unusable."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return None  # unparseable, or a date no clock can reach: as if absent
    return max(0.0, seconds) if math.isfinite(seconds) else None
