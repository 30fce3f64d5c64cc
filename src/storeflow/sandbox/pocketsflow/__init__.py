"""The Pocketsflow simulator: a seeded, stateful store and the handlers of all 29 endpoints.

Split by job, each module building on the one before:

* :mod:`._seed` — the sandbox's keys (:func:`pocketsflow_key`, :func:`pocketsflow_jwt`) and the
  tables one dataset is seeded with (``PocketsflowData``);
* :mod:`._render` — those rows as the API's JSON (``PocketsflowRecords``);
* :mod:`._store` — :class:`PocketsflowStore`, the queries and changes the endpoints make;
* :mod:`._handlers` — the HTTP layer: :func:`build_pocketsflow_app`, authentication, body
  checks (the generated argument rules, through :mod:`storeflow.sandbox._bodies`) and one
  handler per endpoint.

Money is kept in integer cents and sent as a JSON number in major units (``4999`` -> ``49.99``).
"""

from storeflow.sandbox.pocketsflow._handlers import build_pocketsflow_app
from storeflow.sandbox.pocketsflow._seed import Mode, pocketsflow_jwt, pocketsflow_key
from storeflow.sandbox.pocketsflow._store import PocketsflowStore

__all__ = [
    "Mode",
    "PocketsflowStore",
    "build_pocketsflow_app",
    "pocketsflow_jwt",
    "pocketsflow_key",
]
