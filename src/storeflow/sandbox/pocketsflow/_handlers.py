"""The Pocketsflow simulator's HTTP layer: authentication, checks and the 29 endpoints.

:func:`build_pocketsflow_app` maps each API key to the store it opens and routes every endpoint
of the schema to a handler. A handler authenticates (``Authorization: Bearer`` with a
``pk_test_``/``pk_live_`` key or a JWT; 401 otherwise, never echoing the key), checks its body
with :func:`~storeflow.sandbox._bodies.read_fields` against the operation's generated argument
rules, calls the store and answers with :func:`~storeflow.sandbox._http.json_response`; it
raises :class:`~storeflow.sandbox._http.HTTPFailure` (error bodies ``{"message": ...}``) for
anything else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, TypeAlias

from aiohttp import web
from aiohttp.typedefs import Middleware

from storeflow.pocketsflow._params import ARGUMENTS
from storeflow.pocketsflow.models import ValueType
from storeflow.sandbox._bodies import Check, read_fields
from storeflow.sandbox._checks import Body, Params, parse_iso
from storeflow.sandbox._http import HTTPFailure, bearer_token, json_response, message_body
from storeflow.sandbox.pocketsflow._store import PocketsflowStore

_BEARER_RE: Final = re.compile(r"pk_(test|live)_[A-Za-z0-9]+|[\w-]+\.[\w-]+\.[\w-]*")
"""An API key or a JWT (three base64url segments), the tokens the API accepts."""

# The documented enums, read from the client's generated rules so that none is typed twice.
_SORT_BY: Final = ARGUMENTS["customers_list"].rules["sortBy"]
_SORT_ORDER: Final = ARGUMENTS["customers_list"].rules["sortOrder"]
_STORES: Final = web.AppKey("storeflow_pocketsflow_stores", dict)
"""The application's API keys, each mapped to the store it opens."""


def _money_field(body: Body, name: str, value: object) -> Any:
    # The sandbox's own rule (the reference states none): its stores keep amounts as unsigned
    # cents, and a 400 in the documented error body is what a server may answer.
    return body.number(name, value, minimum=0)


_MONEY_CHECKS: Final[Mapping[str, Check]] = {
    name: _money_field
    for arguments in ARGUMENTS.values()
    for name, rule in arguments.rules.items()
    if rule.format == "decimal"
}
"""The sandbox's own check of every money field (the schema's ``decimal`` ones)."""


async def _fields(
    request: web.Request,
    op_id: str,
    *,
    own: Mapping[str, Check] = _MONEY_CHECKS,
    required: bool = True,
) -> dict[str, Any]:
    """The request's JSON body checked against the body rules of the operation ``op_id`` (see
    :func:`~storeflow.sandbox._bodies.read_fields`; an empty update is accepted, as the
    reference does not forbid it). Raises HTTPFailure(400)."""
    return await read_fields(request, ARGUMENTS[op_id], message_body, own=own, required=required)


def _unauthorized(message: str) -> HTTPFailure:
    return HTTPFailure(401, message_body(message))


def _not_found(what: str) -> HTTPFailure:
    return HTTPFailure(404, message_body(f"{what} not found"))


def _found(record: dict[str, Any] | None, what: str) -> web.Response:
    if record is None:
        raise _not_found(what)
    return json_response(record)


def _deleted(done: bool, what: str) -> web.Response:
    if not done:
        raise _not_found(what)
    return json_response({"message": f"{what} deleted"})


def _store(request: web.Request) -> PocketsflowStore:
    """The dataset the request's API key opens. Raises HTTPFailure(401); never echoes the key."""
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("Missing API key: send 'Authorization: Bearer <key>'")
    key = bearer_token(header)
    if key is None or not _BEARER_RE.fullmatch(key):
        raise _unauthorized(
            "Malformed API key: expected 'Bearer pk_test_…', 'Bearer pk_live_…' or a JWT"
        )
    store: PocketsflowStore | None = request.app[_STORES].get(key)
    if store is None:
        raise _unauthorized("Invalid API key")
    return store


def _path_id(request: web.Request, name: str = "id") -> str:
    # Any id is looked up: one this simulator did not make names no record (404).
    return request.match_info[name]


def _check_products(store: PocketsflowStore, ids: Sequence[str], status: int) -> None:
    for product_id in ids:
        if not store.has_product(product_id):
            raise HTTPFailure(status, message_body(f"product {product_id} not found"))


def _check_discount(store: PocketsflowStore, fields: Mapping[str, Any], own: str | None) -> None:
    # The sandbox's own rule (the reference states none), answered the documented way.
    if fields.get("valueType") == ValueType.PERCENTAGE and fields.get("value", 0) > 100:
        raise HTTPFailure(400, message_body("value must be at most 100 for a percentage"))
    if "code" in fields and store.code_taken(fields["code"], by_other_than=own):
        raise HTTPFailure(400, message_body(f"a discount with code {fields['code']} exists"))
    _check_products(store, fields.get("mainProductIds", ()), 400)


Handler: TypeAlias = Callable[[web.Request], Awaitable[web.Response]]


def _listing(read: Callable[[PocketsflowStore], Any]) -> Handler:
    """A handler answering with what ``read`` returns of the request's dataset."""

    async def handler(request: web.Request) -> web.Response:
        return json_response(read(_store(request)))

    return handler


def _by_id(
    read: Callable[[PocketsflowStore, str], dict[str, Any] | None], what: str, name: str = "id"
) -> Handler:
    """A handler answering with the record ``read`` finds by the path's id (404 for none)."""

    async def handler(request: web.Request) -> web.Response:
        store = _store(request)
        return _found(read(store, _path_id(request, name)), what)

    return handler


def _deleting(delete: Callable[[PocketsflowStore, str], bool], what: str) -> Handler:
    """A handler deleting the record the path's id names (404 for none)."""

    async def handler(request: web.Request) -> web.Response:
        store = _store(request)
        return _deleted(delete(store, _path_id(request)), what)

    return handler


def _writing(op_id: str, write: Callable[[PocketsflowStore, dict[str, Any]], Any]) -> Handler:
    """A handler answering with what ``write`` returns for the body checked for ``op_id``."""

    async def handler(request: web.Request) -> web.Response:
        store = _store(request)
        fields = await _fields(request, op_id)
        return json_response(write(store, fields))

    return handler


async def _products_update(request: web.Request) -> web.Response:
    store = _store(request)
    product_id = _path_id(request)
    fields = await _fields(request, "products_update")
    return _found(store.update_product(product_id, fields), "Product")


async def _variants_create(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "variants_create")
    variant = store.create_variant(fields["productId"], fields["name"], fields["price"])
    return _found(variant, "Product")


async def _orders_list(request: web.Request) -> web.Response:
    store = _store(request)
    params = Params(request.query, message_body)
    page = store.list_orders(
        start=params.datetime("startDate"),
        end=params.datetime("endDate"),
        product_id=params.string("productId"),
        # The sandbox's own rules (the reference states no bound), answered the documented way.
        page=params.integer("page", minimum=1) or 1,
        page_size=params.integer("pageSize", minimum=1) or 20,
    )
    return json_response(page)


async def _customers_list(request: web.Request) -> web.Response:
    store = _store(request)
    params = Params(request.query, message_body)
    customers = store.list_customers(
        params.string("productId"),
        params.enum("sortBy", _SORT_BY.enum or ()) or "createdAt",
        params.enum("sortOrder", _SORT_ORDER.enum or ()) or "desc",
    )
    return json_response(customers)


async def _reviews_of_product(request: web.Request) -> web.Response:
    product_id = _path_id(request, "productId")
    # Public: no key needed. With a valid key, that dataset; otherwise whichever has the product.
    stores: list[PocketsflowStore] = list(request.app[_STORES].values())
    if request.headers.get("Authorization"):
        with contextlib.suppress(HTTPFailure):
            stores = [_store(request)]
    for store in stores:
        if store.has_product(product_id):
            return json_response(store.list_reviews(product_id))
    raise _not_found("Product")


async def _discounts_create(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "discounts_create")
    _check_discount(store, fields, None)
    return json_response(store.create_discount(fields))


async def _discounts_update(request: web.Request) -> web.Response:
    store = _store(request)
    discount_id = _path_id(request)
    fields = await _fields(request, "discounts_update")
    current = store.get_discount(discount_id)
    if current is None:
        raise _not_found("Discount")
    merged = {"value": current["value"], "valueType": current["valueType"], **fields}
    _check_discount(store, merged, discount_id)
    return _found(store.update_discount(discount_id, fields), "Discount")


async def _upsells_create(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "upsells_create")
    _check_products(store, [*fields["mainProductIds"], fields["upsellProductId"]], 404)
    return json_response(store.create_upsell(fields))


async def _upsells_update(request: web.Request) -> web.Response:
    store = _store(request)
    upsell_id = _path_id(request)
    fields = await _fields(request, "upsells_update")
    if store.get_upsell(upsell_id) is None:
        raise _not_found("Upsell")
    products = [*fields.get("mainProductIds", ())]
    if "upsellProductId" in fields:
        products.append(fields["upsellProductId"])
    _check_products(store, products, 404)
    return _found(store.update_upsell(upsell_id, fields), "Upsell")


def _body_date(body: Body, name: str, value: object) -> dt.date:
    """The day of an ISO 8601 date or date-time (the day in the value's own offset)."""
    when = parse_iso(body.string(name, value))
    if when is None:
        raise body.fail(f"{name} must be an ISO 8601 date such as 2024-01-31")
    return when.date()


def _page_number(body: Body, name: str, value: object) -> int:
    # The sandbox's own rule (the reference states no bound), answered the documented way.
    return body.integer(name, value, minimum=1)


_SUBSCRIPTION_PAGING: Final[Mapping[str, Check]] = {
    "page": _page_number,
    "pageSize": _page_number,
    "startDate": _body_date,
    "endDate": _body_date,
}


async def _subscriptions_list(request: web.Request) -> web.Response:
    store = _store(request)
    fields = await _fields(request, "subscriptions_list", own=_SUBSCRIPTION_PAGING, required=False)
    page, page_size = fields.get("page", 1), fields.get("pageSize", 20)
    start, end = fields.get("startDate"), fields.get("endDate")
    return json_response(store.page_subscriptions(start, end, page, page_size))


async def _subscriptions_refund(request: web.Request) -> web.Response:
    store = _store(request)
    subscription_id = _path_id(request, "subscriptionId")
    try:
        refunded = store.refund_subscription(subscription_id)
    except ValueError as exc:
        raise HTTPFailure(400, message_body(str(exc))) from None
    return _found(refunded, "Subscription")


def build_pocketsflow_app(
    stores: Mapping[str, PocketsflowStore], *, middlewares: Sequence[Middleware] = ()
) -> web.Application:
    """The Pocketsflow API as an aiohttp application.

    ``stores`` maps each valid API key to the dataset it opens (the test key to the test
    store, the live key to the live one); the public ``GET /reviews/{productId}`` looks in each
    in turn. ``middlewares`` run around every handler (the sandbox's limiter, faults, error
    mapping); handlers raise :class:`~storeflow.sandbox._http.HTTPFailure` for error answers.
    """
    app = web.Application(middlewares=middlewares)
    app[_STORES] = dict(stores)
    routes = app.router
    routes.add_get("/products", _listing(PocketsflowStore.list_products))
    routes.add_post("/products", _writing("products_create", PocketsflowStore.create_product))
    routes.add_post("/products/variants", _variants_create)
    routes.add_delete(
        "/products/variants/{id}", _deleting(PocketsflowStore.delete_variant, "Variant")
    )
    routes.add_post("/products/update/{id}", _products_update)
    routes.add_get("/products/{id}", _by_id(PocketsflowStore.get_product, "Product"))
    routes.add_delete("/products/{id}", _deleting(PocketsflowStore.delete_product, "Product"))
    routes.add_get("/orders", _orders_list)
    routes.add_post("/orders/subscriptions", _subscriptions_list)
    routes.add_post(
        "/orders/subscriptions/cancel/{subscriptionId}",
        _by_id(PocketsflowStore.cancel_subscription, "Subscription", "subscriptionId"),
    )
    routes.add_post("/orders/subscriptions/refund/{subscriptionId}", _subscriptions_refund)
    routes.add_get(
        "/orders/subscriptions/{id}", _by_id(PocketsflowStore.get_subscription, "Subscription")
    )
    routes.add_get("/orders/{id}", _by_id(PocketsflowStore.get_order, "Order"))
    routes.add_get("/customers", _customers_list)
    routes.add_get("/customers/{id}", _by_id(PocketsflowStore.get_customer, "Customer"))
    routes.add_get("/reviews", _listing(lambda store: store.list_reviews(None)))
    routes.add_get("/reviews/{productId}", _reviews_of_product)
    routes.add_get("/discounts", _listing(PocketsflowStore.list_discounts))
    routes.add_post("/discounts", _discounts_create)
    routes.add_get("/discounts/{id}", _by_id(PocketsflowStore.get_discount, "Discount"))
    routes.add_post("/discounts/{id}", _discounts_update)
    routes.add_delete("/discounts/{id}", _deleting(PocketsflowStore.delete_discount, "Discount"))
    routes.add_get("/upsells", _listing(PocketsflowStore.list_upsells))
    routes.add_post("/upsells", _upsells_create)
    routes.add_get("/upsells/{id}", _by_id(PocketsflowStore.get_upsell, "Upsell"))
    routes.add_post("/upsells/{id}", _upsells_update)
    routes.add_delete("/upsells/{id}", _deleting(PocketsflowStore.delete_upsell, "Upsell"))
    routes.add_get("/users/me", _listing(PocketsflowStore.user))
    routes.add_post("/users/update", _writing("users_update", PocketsflowStore.update_user))
    return app
