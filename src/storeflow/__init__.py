"""storeflow: an async-first Python SDK for the Pocketsflow and Reflow APIs.

```python
async with Pocketsflow() as pf:            # key from POCKETSFLOW_API_KEY
    ...
async with Reflow(267418190, test_mode=True) as rf:
    ...
```

Every exception derives from :class:`StoreflowError`; see :mod:`storeflow.errors`.
"""

from storeflow import errors
from storeflow._transport import Timeout
from storeflow._version import __version__
from storeflow.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConnectionError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StoreflowError,
    TimeoutError,
    TransportError,
    ValidationError,
)
from storeflow.pagination import Page
from storeflow.pocketsflow import Pocketsflow
from storeflow.ratelimit import Limiter, RateLimit
from storeflow.reflow import Reflow

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConnectionError",
    "DecodeError",
    "Limiter",
    "NotFoundError",
    "Page",
    "Pocketsflow",
    "RateLimit",
    "RateLimitError",
    "Reflow",
    "ServerError",
    "StoreflowError",
    "Timeout",
    "TimeoutError",
    "TransportError",
    "ValidationError",
    "__version__",
    "errors",
]
