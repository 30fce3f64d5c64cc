"""storeflow: an async-first Python SDK for the Pocketsflow and Reflow APIs.

```python
async with Pocketsflow() as pf:            # key from POCKETSFLOW_API_KEY
    ...
async with Reflow(267418190, test_mode=True) as rf:
    ...
```

Every exception derives from :class:`StoreflowError`; see :mod:`storeflow.errors`.
"""

from typing import TYPE_CHECKING

from storeflow import errors
from storeflow._lazy import lazy_names
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
    WebhookSignatureError,
)

if TYPE_CHECKING:
    from storeflow._serde import Model
    from storeflow._transport import Timeout
    from storeflow.pagination import Page
    from storeflow.pocketsflow import Pocketsflow
    from storeflow.ratelimit import Limiter, RateLimit
    from storeflow.reflow import Reflow
else:
    # The clients (and aiohttp) load on first use: see storeflow._lazy for why.
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "Limiter": "storeflow.ratelimit",
            "Model": "storeflow._serde",
            "Page": "storeflow.pagination",
            "Pocketsflow": "storeflow.pocketsflow",
            "RateLimit": "storeflow.ratelimit",
            "Reflow": "storeflow.reflow",
            "Timeout": "storeflow._transport",
        },
    )

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConnectionError",
    "DecodeError",
    "Limiter",
    "Model",
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
    "WebhookSignatureError",
    "__version__",
    "errors",
]
