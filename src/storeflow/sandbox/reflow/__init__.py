"""The Reflow simulator: a seeded, stateful store and the handlers of all 12 endpoints.

Public API (what :mod:`storeflow.sandbox._server` uses):

* ``ReflowStore(*, seed: int, scale: Scale, clock: Clock, currency: str = "USD")`` — one
  project's records, built from ``scale.reflow_products``, ``reflow_categories``,
  ``reflow_orders``, ``reflow_users`` and ``reflow_plans``; the same arguments always give the
  same records. It follows :class:`~storeflow.sandbox._stores.Store` (``reset``, ``state``,
  ``collections``, ``dump``, ``add_orders``).
* ``build_reflow_app(store, *, project_id: int, api_key: str, middlewares=()) ->
  web.Application`` — the API under ``/projects/{projectId}/...``, to be mounted at ``/v2``.

Split by job, each module building on the one before:

* :mod:`._seed` — the records (categories, products, variants) and the tables one project is
  seeded with (``ReflowData``);
* :mod:`._render` — those rows as the API's JSON (``ReflowRecords``);
* :mod:`._store` — :class:`ReflowStore` and :class:`OrderFilters`, the queries and changes the
  endpoints make;
* :mod:`._handlers` — the HTTP layer: :func:`build_reflow_app`, authentication, parameter and
  body checks (the generated argument rules, through :mod:`storeflow.sandbox._bodies`), the
  Laravel envelope and one handler per endpoint.
"""

from storeflow.sandbox.reflow._handlers import build_reflow_app
from storeflow.sandbox.reflow._store import OrderFilters, ReflowStore

__all__ = ["OrderFilters", "ReflowStore", "build_reflow_app"]
