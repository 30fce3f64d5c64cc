"""The process-wide registry of endpoint limiters, keyed by endpoint and backend."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from storeflow.ratelimit._endpoint import EndpointLimiter

if TYPE_CHECKING:
    from storeflow.ratelimit._rate import RateLimit

__all__ = ["limiter_for"]


#: Every endpoint limiter of the process, by lower-cased endpoint and backend.
limiters: dict[tuple[str, object], EndpointLimiter] = {}
_lock = threading.Lock()


def limiter_for(host: str, rate: RateLimit) -> EndpointLimiter:
    """Return the process-wide limiter of the endpoint ``host``, creating it on first use.

    ``host`` names one API endpoint; the transport passes ``"scheme://host:port"`` with every
    spelling of this machine (``localhost``, ``127.0.0.1``, ``::1``) as one host. Names are
    compared case-insensitively.

    Every client in the process that targets the same endpoint gets the same limiter, whatever
    ``rate`` it asks for, so together they stay within the one budget the vendor grants per IP;
    only a ``rate.backend`` (a file, Redis) of its own gives it the limiter kept there.
    A ``rate`` different from the one in force is combined with it (the stricter applies, and a
    warning is logged; see :meth:`EndpointLimiter.tighten`). A ``"paced"`` rate must stay within
    one event loop (see :class:`PacedLimiter`).
    """
    # A budget kept in a shared backend (a file, Redis) is its own: clients naming another
    # backend for the same endpoint get the limiter of that backend.
    key = (host.lower(), rate.backend)
    with _lock:
        limiter = limiters.get(key)
        if limiter is None:
            limiter = limiters[key] = EndpointLimiter(key[0], rate)
            return limiter
    if rate != limiter.rate:
        limiter.tighten(rate)
    return limiter
