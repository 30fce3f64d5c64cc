"""storeflow: an async-first Python SDK for the Pocketsflow and Reflow APIs.

```python
async with Pocketsflow() as pf:            # key from POCKETSFLOW_API_KEY
    ...
async with Reflow(267418190, test_mode=True) as rf:
    ...
```

Every exception derives from :class:`StoreflowError` and is importable from here; see
:mod:`storeflow.errors`.
"""

from typing import TYPE_CHECKING

from storeflow import errors
from storeflow._lazy import lazy_names
from storeflow._version import __version__
from storeflow.errors import *  # noqa: F403 - every exception is a top-level name

if TYPE_CHECKING:
    from storeflow._config import Timeout
    from storeflow._raw import RawResponse
    from storeflow._serde import Model
    from storeflow.pagination import Page
    from storeflow.pocketsflow import Pocketsflow
    from storeflow.ratelimit import (
        FileBackend,
        Limiter,
        MemoryBackend,
        PacedLimiter,
        RateLimit,
        WindowLimiter,
    )
    from storeflow.reflow import Reflow
else:
    # The clients (and aiohttp) load on first use: see storeflow._lazy for why.
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "FileBackend": "storeflow.ratelimit",
            "Limiter": "storeflow.ratelimit",
            "Model": "storeflow._serde",
            "MemoryBackend": "storeflow.ratelimit",
            "PacedLimiter": "storeflow.ratelimit",
            "Page": "storeflow.pagination",
            "Pocketsflow": "storeflow.pocketsflow",
            "RateLimit": "storeflow.ratelimit",
            "RawResponse": "storeflow._raw",
            "Reflow": "storeflow.reflow",
            "Timeout": "storeflow._config",
            "WindowLimiter": "storeflow.ratelimit",
        },
    )

__all__ = [
    "FileBackend",
    "Limiter",
    "MemoryBackend",
    "Model",
    "PacedLimiter",
    "Page",
    "Pocketsflow",
    "RateLimit",
    "RawResponse",
    "Reflow",
    "Timeout",
    "WindowLimiter",
    "__version__",
    "errors",
]
__all__ += errors.__all__
