"""Local, stateful simulators of the Pocketsflow and Reflow APIs, for tests and offline work.

```python
from storeflow.sandbox import Sandbox, Scale, Faults

async with Sandbox(seed=1, scale=Scale(orders=10_000), rate_limit="sliding") as sb:
    sb.pocketsflow_url, sb.pocketsflow_test_key     # Pocketsflow base URL and test key
    sb.pocketsflow_jwt                              # an Auth0-style token for the same data
    sb.reflow_url, sb.reflow_api_key, sb.reflow_project_id
    sb.stats().pocketsflow.max_per_sliding_window   # what the server saw
```

Both simulators answer every endpoint of the schemas with seeded, deterministic data, keep
state, check parameters and bodies, limit the request rate per client address (fixed or sliding
windows, time-scalable) and can inject faults (:class:`Faults`). The pytest plugin
(:mod:`storeflow.sandbox.pytest_plugin`) offers fixtures that start one per test. State changes
send the vendors' signed webhooks to registered receivers (``Sandbox(webhooks=[Webhook(...)])``;
:meth:`Sandbox.webhook_deliveries` lists what was sent and how each receiver answered).
``Sandbox(drift=Drift(seed=1))`` makes the answers drift from the schemas as real APIs do
(unknown fields, new enum values, other spellings of the same values; see :class:`Drift`).

Layout, one job per module:

* :mod:`._server` — :class:`Sandbox`: both sites on loopback, their lifecycle, the admin routes.
* :mod:`._site` — one API's site: the middleware (stats, rate limit, faults, error answers, the
  ``validate`` hook, drift); :mod:`._stats` — what each site has seen (:class:`ApiStats`);
  :mod:`._ratelimit`, :mod:`._faults` and :mod:`._webhooks` — the limiter, fault plans and
  webhook sender.
* :mod:`.pocketsflow` and :mod:`.reflow` — one simulator each, split alike: ``_seed`` (the
  seeded tables), ``_render`` (their JSON), ``_store`` (queries and changes) and ``_handlers``
  (the HTTP layer and the app builder).
* :mod:`._http` — the HTTP pieces both simulators' handlers share: error bodies,
  :class:`~storeflow.sandbox._http.HTTPFailure`, JSON answers, bearer tokens.
* :mod:`._checks` — checked query parameters and body fields, in the API's error dialect.
* :mod:`._stores` — what both stores share: :class:`Clock`, :class:`Scale`, the store protocol
  and newest-first paging.
* :mod:`._bodies` — the one body-check convention: a body checked by the operation's generated
  argument rules, with the sandbox's own rules named per field.
* :mod:`._drift` — the drift layer over answers; :mod:`._data` — realistic fake values;
  :mod:`.pytest_plugin` — the fixtures.

The API names come from :mod:`storeflow._apis`, the bounds and enums from the generated
``storeflow.<api>._params`` rules and models, so the sandbox types none of them again.
"""

from typing import TYPE_CHECKING

from storeflow._lazy import lazy_names

if TYPE_CHECKING:
    from storeflow.sandbox._drift import DRIFT_KINDS, Drift, DriftKind
    from storeflow.sandbox._faults import Faults
    from storeflow.sandbox._ratelimit import RateLimitMode
    from storeflow.sandbox._server import (
        DEFAULT_PROJECT_ID,
        Sandbox,
    )
    from storeflow.sandbox._site import Validator
    from storeflow.sandbox._stats import ApiStats, SandboxStats
    from storeflow.sandbox._stores import Clock, Scale
    from storeflow.sandbox._webhooks import (
        Webhook,
        WebhookAttempt,
        WebhookDelivery,
        WebhookFaults,
    )
    from storeflow.sandbox.pocketsflow import PocketsflowStore
    from storeflow.sandbox.reflow import ReflowStore
else:
    # The simulators (and aiohttp) load on first use, so the pytest plugin costs nothing until
    # a fixture is requested: see storeflow._lazy.
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "ApiStats": "storeflow.sandbox._stats",
            "Clock": "storeflow.sandbox._stores",
            "DEFAULT_PROJECT_ID": "storeflow.sandbox._server",
            "DRIFT_KINDS": "storeflow.sandbox._drift",
            "Drift": "storeflow.sandbox._drift",
            "DriftKind": "storeflow.sandbox._drift",
            "Faults": "storeflow.sandbox._faults",
            "PocketsflowStore": "storeflow.sandbox.pocketsflow",
            "RateLimitMode": "storeflow.sandbox._ratelimit",
            "ReflowStore": "storeflow.sandbox.reflow",
            "Sandbox": "storeflow.sandbox._server",
            "SandboxStats": "storeflow.sandbox._stats",
            "Scale": "storeflow.sandbox._stores",
            "Validator": "storeflow.sandbox._site",
            "Webhook": "storeflow.sandbox._webhooks",
            "WebhookAttempt": "storeflow.sandbox._webhooks",
            "WebhookDelivery": "storeflow.sandbox._webhooks",
            "WebhookFaults": "storeflow.sandbox._webhooks",
        },
    )

__all__ = [
    "DEFAULT_PROJECT_ID",
    "DRIFT_KINDS",
    "ApiStats",
    "Clock",
    "Drift",
    "DriftKind",
    "Faults",
    "PocketsflowStore",
    "RateLimitMode",
    "ReflowStore",
    "Sandbox",
    "SandboxStats",
    "Scale",
    "Validator",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookFaults",
]
