"""One HTTP exchange policy for both APIs: session, auth, limiter, retries, timeouts, errors.

Everything a request goes through lives in this package, so resources only say *what* to send
(:meth:`Transport.call` with an :class:`~storeflow._operation.Operation`) and get back a
:class:`Response` or a typed :mod:`storeflow.errors` exception. It is the only part of storeflow
that speaks aiohttp's client API. One module per job:

- ``_transport``: :class:`Transport` itself (session, permits, limiter, the attempt loop);
- ``_request``: the :class:`~storeflow._transport._request.Request` record each hop is given,
  and the checks and encodings of method, path and body;
- ``_response``: :class:`Response` (a 2xx, read in full) and the raw reply of one attempt;
- ``_retry``: :class:`RetryPolicy`, the backoff, ``Retry-After``;
- ``_errors``: error statuses and aiohttp exceptions as :mod:`storeflow.errors` exceptions, in
  each API's :class:`~storeflow._config.ErrorDialect`;
- ``_query``: :func:`encode_query`; ``_redact``: :func:`mask_key` and the key's echoed forms;
  ``_origin``: the base URL's checks, origins, :func:`is_loopback`; ``_stats``:
  :class:`TransportStats`.

The options it is built from (:class:`Timeout`, ``ClientOptions``, ``ApiProfile``) live in
:mod:`storeflow._config`.
"""

from storeflow._config import DEFAULT_MAX_RESPONSE_SIZE, Timeout
from storeflow._transport._origin import is_loopback
from storeflow._transport._query import encode_query
from storeflow._transport._redact import mask_key
from storeflow._transport._response import Response, collecting, request_id, text
from storeflow._transport._retry import IDEMPOTENT_METHODS, MAX_RETRY_AFTER, RetryPolicy
from storeflow._transport._stats import TransportStats
from storeflow._transport._transport import Session, Transport, client_timeout

__all__ = [
    "DEFAULT_MAX_RESPONSE_SIZE",
    "IDEMPOTENT_METHODS",
    "MAX_RETRY_AFTER",
    "Response",
    "RetryPolicy",
    "Session",
    "Timeout",
    "Transport",
    "TransportStats",
    "client_timeout",
    "collecting",
    "encode_query",
    "is_loopback",
    "mask_key",
    "request_id",
    "text",
]
