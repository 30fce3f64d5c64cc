"""The Reflow simulator's HTTP layer: authentication, checks and the 12 endpoints.

:func:`build_reflow_app` serves one project under ``/projects/{projectId}/...`` (mounted at
``/v2``), the list endpoints with and without their trailing slash. As the vendor's reference
describes it: plans, products (list, get) and categories are public; users, orders, product
updates and any ``fetch_hidden=true`` need ``Authorization: Bearer <api_key>`` (401 otherwise).
Another project id, an unknown id or handle, or a hidden product fetched without
``fetch_hidden=true`` answer 404. Bad parameters and bodies answer 400 naming the parameter
(bodies checked by :func:`~storeflow.sandbox._bodies.read_fields` against the operation's
generated argument rules). Error bodies are ``{"error": "..."}``. Lists are newest first in
Laravel's ``data``/``links``/``meta`` envelope; ``GET /plans/`` is ``{"data": [...]}`` (active
plans only) and ``GET /categories/`` a bare array of categories, alphabetical and nested.
"""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Sequence
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Middleware
from attrs import frozen

from storeflow.reflow._params import ARGUMENTS
from storeflow.reflow.models import InventoryType, ProductOrder
from storeflow.sandbox._bodies import read_fields
from storeflow.sandbox._checks import Body, Params
from storeflow.sandbox._http import HTTPFailure, bearer_token, error_body, json_response
from storeflow.sandbox._stores import newest_first
from storeflow.sandbox.reflow._seed import _DIGITS_RE, _FULFILLMENT, _ID_DIGITS, _PAYMENT, _Product
from storeflow.sandbox.reflow._store import OrderFilters, ReflowStore

_ORDERINGS: Final = tuple(order.value for order in ProductOrder)

# The documented bounds, read from the client's generated rules so that none is typed twice.
_PER_PAGE: Final = ARGUMENTS["users_list"].rules["perpage"]
_IDS: Final = ARGUMENTS["products_list"].rules["ids"]

_EMAIL_RE: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_IDS_RE: Final = re.compile(r"[0-9]+(,[0-9]+)*")

_LINKS_ON_EACH_SIDE: Final = 3
"""Laravel's default: page links shown on each side of the current page in ``meta.links``."""


@frozen(kw_only=True)
class _Project:
    store: ReflowStore
    project_id: int
    api_key: str


_PROJECT: Final = web.AppKey("storeflow_reflow_project", _Project)


def _not_found(what: str) -> HTTPFailure:
    return HTTPFailure(404, error_body(f"{what} not found"))


def _project(request: web.Request) -> _Project:
    """The project the path names. Raises HTTPFailure(404) for any other project id."""
    project = request.app[_PROJECT]
    if request.match_info["projectId"] != str(project.project_id):
        raise _not_found("Project")
    return project


def _authenticate(request: web.Request, project: _Project) -> None:
    """Raises HTTPFailure(401) unless the request carries the project's API key (never echoed)."""
    header = request.headers.get("Authorization")
    if header is None:
        raise HTTPFailure(
            401, error_body("This endpoint needs an API key: send 'Authorization: Bearer <key>'")
        )
    key = bearer_token(header)
    sent = (key or "").encode("utf-8", "surrogateescape")
    if key is None or not hmac.compare_digest(sent, project.api_key.encode()):
        raise HTTPFailure(401, error_body("Invalid API key"))


def _path_id(request: web.Request, name: str, what: str) -> int:
    """An integer id from the path; anything else cannot name a record (404)."""
    text = request.match_info[name]
    if not _DIGITS_RE.fullmatch(text) or len(text) > _ID_DIGITS:
        raise _not_found(what)
    return int(text)


def _paging(params: Params) -> tuple[int, int]:
    page = params.integer("page", minimum=1)
    # Page numbers from 1 are the sandbox's own rule (the reference states no bound).
    per_page = params.integer("perpage", minimum=_PER_PAGE.minimum, maximum=_PER_PAGE.maximum)
    return page or 1, per_page or 20


def _page_numbers(current: int, last: int) -> list[int | None]:
    """The numbered links of Laravel's ``meta.links`` (``None`` for a "..." gap)."""
    each = _LINKS_ON_EACH_SIDE
    window = each + 4
    if last < each * 2 + 8:
        return list(range(1, last + 1))
    if current <= window:
        return [*range(1, window + each + 1), None, last - 1, last]
    if current > last - window:
        return [1, 2, None, *range(last - (window + each - 1), last + 1)]
    return [1, 2, None, *range(current - each, current + each + 1), None, last - 1, last]


def _envelope(
    request: web.Request, data: list[dict[str, Any]], *, total: int, page: int, per_page: int
) -> dict[str, Any]:
    """Laravel's paginated answer: ``data``, ``links`` and ``meta``, links keeping the query."""
    last = max(1, math.ceil(total / per_page))
    path = request.url.with_query(None)
    kept = [(k, v) for k, v in request.query.items() if k != "page"]

    def url(n: int) -> str:
        return str(path.with_query([*kept, ("page", str(n))]))

    prev_url = url(page - 1) if page > 1 else None
    next_url = url(page + 1) if page < last else None
    first_item = (page - 1) * per_page + 1 if data else None
    meta_links: list[dict[str, Any]] = [
        {"url": prev_url, "label": "&laquo; Previous", "active": False}
    ]
    for n in _page_numbers(page, last):
        if n is None:
            meta_links.append({"url": None, "label": "...", "active": False})
        else:
            meta_links.append({"url": url(n), "label": str(n), "active": n == page})
    meta_links.append({"url": next_url, "label": "Next &raquo;", "active": False})
    return {
        "data": data,
        "links": {"first": url(1), "last": url(last), "prev": prev_url, "next": next_url},
        "meta": {
            "current_page": page,
            "from": first_item,
            "last_page": last,
            "links": meta_links,
            "path": str(path),
            "per_page": per_page,
            "to": None if first_item is None else first_item + len(data) - 1,
            "total": total,
        },
    }


async def _plans_list(request: web.Request) -> web.Response:
    return json_response({"data": _project(request).store.active_plans()})


async def _plans_get(request: web.Request) -> web.Response:
    store = _project(request).store
    plan = store.get_plan(_path_id(request, "planId", "Plan"))
    if plan is None:
        raise _not_found("Plan")
    return json_response(plan)


async def _users_list(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    page, per_page = _paging(Params(request.query, error_body))
    store = project.store
    data = store.users_page((page - 1) * per_page, per_page)
    return json_response(
        _envelope(request, data, total=store.user_count(), page=page, per_page=per_page)
    )


async def _users_get(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    user = project.store.get_user(_path_id(request, "userId", "User"))
    if user is None:
        raise _not_found("User")
    return json_response(user)


def _fetch_hidden(request: web.Request, project: _Project, params: Params) -> bool:
    """The ``fetch_hidden`` parameter; ``true`` needs the API key (HTTPFailure 400/401)."""
    fetch_hidden = params.bool_string("fetch_hidden")
    if fetch_hidden:
        _authenticate(request, project)
    return bool(fetch_hidden)


def _product_query(params: Params) -> dict[str, Any]:
    """The checked filters and order of ``GET /products/``. Raises HTTPFailure(400)."""
    query: dict[str, Any] = {
        "category": params.integer("category"),
        "search": params.string("search"),
    }
    ids = params.string("ids", pattern=_IDS_RE, rule="must be a comma-separated list of ids")
    if ids is not None:
        parts = ids.split(",")
        if _IDS.max_items is not None and len(parts) > _IDS.max_items:
            raise params.fail(f"ids must list at most {_IDS.max_items} ids")
        # A longer number cannot be an id: keep it out of the match without overflowing.
        query["ids"] = [int(part) if len(part) <= _ID_DIGITS else -1 for part in parts]
    order = params.raw("order")
    if order is not None:
        clauses = order.split(",")
        if not all(clause in _ORDERINGS for clause in clauses):
            raise params.fail(
                f"order must be one of {', '.join(_ORDERINGS)}, or several joined with commas"
            )
        query["order"] = clauses
    return query


async def _products_list(request: web.Request) -> web.Response:
    project = _project(request)
    params = Params(request.query, error_body)
    page, per_page = _paging(params)
    query = _product_query(params)
    include_hidden = _fetch_hidden(request, project, params)
    store = project.store
    rows = store.list_products(include_hidden=include_hidden, **query)
    offset = (page - 1) * per_page
    data = [store.product_json(p) for p in rows[offset : offset + per_page]]
    return json_response(_envelope(request, data, total=len(rows), page=page, per_page=per_page))


def _found_product(request: web.Request, store: ReflowStore, *, hidden_ok: bool) -> _Product:
    product = store.find_product(request.match_info["product"])
    if product is None or (product.hidden and not hidden_ok):
        raise _not_found("Product")
    return product


async def _products_get(request: web.Request) -> web.Response:
    project = _project(request)
    include_hidden = _fetch_hidden(request, project, Params(request.query, error_body))
    product = _found_product(request, project.store, hidden_ok=include_hidden)
    return json_response(project.store.product_json(product))


def _non_negative(body: Body, name: str, value: object) -> int:
    # Non-negative prices are the sandbox's own rule (the reference says only "integer").
    return body.integer(name, value, minimum=0)


async def _product_update(request: web.Request, product: _Product) -> dict[str, Any]:
    """The checked body of a product update. Raises HTTPFailure(400) naming the problem."""
    fields = await read_fields(
        request, ARGUMENTS["products_update"], error_body, own={"price": _non_negative}
    )
    inventory = fields.get("inventory_type", product.inventory_type)
    if "in_stock" in fields and inventory != InventoryType.SIMPLE:
        raise HTTPFailure(
            400, error_body("in_stock applies only to products whose inventory_type is simple")
        )
    if "stock_quantity" in fields and inventory != InventoryType.ADVANCED:
        raise HTTPFailure(
            400,
            error_body("stock_quantity applies only to products whose inventory_type is advanced"),
        )
    return fields


async def _products_update(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    product = _found_product(request, project.store, hidden_ok=True)
    fields = await _product_update(request, product)
    return json_response(project.store.update_product(product, fields))


async def _categories_list(request: web.Request) -> web.Response:
    store = _project(request).store
    root = Params(request.query, error_body).integer("root-category")
    tree = store.category_tree(root)
    if root is not None and not tree:
        raise _not_found("Category")
    return json_response(tree)


async def _categories_get(request: web.Request) -> web.Response:
    category = _project(request).store.get_category(request.match_info["category"])
    if category is None:
        raise _not_found("Category")
    return json_response(category)


def _order_filters(params: Params) -> OrderFilters:
    """The checked filters of ``GET /orders/``. Raises HTTPFailure(400)."""
    return OrderFilters(
        payment_status=params.enum("payment_status", _PAYMENT),
        fulfillment_status=params.enum("fulfillment_status", _FULFILLMENT),
        is_canceled=params.bool_string("is_canceled"),
        is_archived=params.bool_string("is_archived"),
        customer_email=params.string(
            "customer_email", pattern=_EMAIL_RE, rule="must be a valid email address"
        ),
        created_after=params.integer("created_after"),
        created_before=params.integer("created_before"),
    )


async def _orders_list(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    params = Params(request.query, error_body)
    page, per_page = _paging(params)
    store = project.store
    rows = store.order_rows(_order_filters(params))
    data = [store.order_json(i) for i in newest_first(rows, page, per_page)]
    return json_response(_envelope(request, data, total=len(rows), page=page, per_page=per_page))


def _found_order(request: web.Request, store: ReflowStore) -> int:
    position = store.find_order(_path_id(request, "orderId", "Order"))
    if position is None:
        raise _not_found("Order")
    return position


async def _orders_get(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    return json_response(project.store.order_json(_found_order(request, project.store)))


def _flag(body: Body, name: str, value: object) -> bool:
    # The reference spells these "string, true or false": take the strings as well as booleans.
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return body.boolean(name, value)


async def _order_update(request: web.Request) -> dict[str, Any]:
    """The checked body of an order update. Raises HTTPFailure(400) naming the problem."""
    own = {"is_canceled": _flag, "is_archived": _flag}
    return await read_fields(request, ARGUMENTS["orders_update"], error_body, own=own)


async def _orders_update(request: web.Request) -> web.Response:
    project = _project(request)
    _authenticate(request, project)
    position = _found_order(request, project.store)
    fields = await _order_update(request)
    return json_response(project.store.update_order(position, fields))


def build_reflow_app(
    store: ReflowStore,
    *,
    project_id: int,
    api_key: str,
    middlewares: Sequence[Middleware] = (),
) -> web.Application:
    """The Reflow API of the project ``project_id`` as an aiohttp application.

    Routes are ``/projects/{projectId}/...`` (mount the app at ``/v2``); the list endpoints
    answer with and without their trailing slash. ``api_key`` opens the endpoints that need
    one. ``middlewares`` run around every handler; handlers raise
    :class:`~storeflow.sandbox._http.HTTPFailure` for error answers, which the sandbox's
    middleware turns into responses.
    """
    app = web.Application(middlewares=middlewares)
    app[_PROJECT] = _Project(store=store, project_id=project_id, api_key=api_key)
    routes = app.router
    base = "/projects/{projectId}"
    for collection, list_handler in (
        ("plans", _plans_list),
        ("users", _users_list),
        ("products", _products_list),
        ("categories", _categories_list),
        ("orders", _orders_list),
    ):
        routes.add_get(f"{base}/{collection}/", list_handler)
        routes.add_get(f"{base}/{collection}", list_handler)
    routes.add_get(f"{base}/plans/{{planId}}", _plans_get)
    routes.add_get(f"{base}/users/{{userId}}", _users_get)
    routes.add_get(f"{base}/products/{{product}}", _products_get)
    routes.add_post(f"{base}/products/{{product}}", _products_update)
    routes.add_get(f"{base}/categories/{{category}}", _categories_get)
    routes.add_get(f"{base}/orders/{{orderId}}", _orders_get)
    routes.add_post(f"{base}/orders/{{orderId}}", _orders_update)
    return app
