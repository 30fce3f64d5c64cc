"""The typed surface against the schemas: one method per operation, every route really hit,
401 and 404 for every endpoint, parameters named after the schema, and argument checks that
refuse exactly what the schema refuses at every boundary.

Every test here reads ``schemas/*.yaml``; none repeats a method, path or bound by hand, so the
client cannot drift from the schemas without a failure here.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing import Resource as SchemaResource
from referencing.jsonschema import DRAFT202012

from conftest import SandboxFactory, load_schema
from storeflow import Pocketsflow, Reflow
from storeflow._apis import API_NAMES
from storeflow._client import BaseClient
from storeflow._operation import Arguments, Operation, Rule
from storeflow._resource import Resource, operation_id
from storeflow.errors import AuthenticationError, NotFoundError, ValidationError
from storeflow.pocketsflow._operations import OPERATIONS as PF_OPERATIONS
from storeflow.pocketsflow._params import ARGUMENTS as PF_ARGUMENTS
from storeflow.reflow._operations import OPERATIONS as RF_OPERATIONS
from storeflow.reflow._params import ARGUMENTS as RF_ARGUMENTS
from storeflow.sandbox import Sandbox, Scale

MISSING_OID = "0" * 24  # well-formed, and no sandbox record has it
MISSING_INT = 999_999_999
BAD_PF_KEY = "pk_test_" + "0" * 24  # well-formed, opens nothing
BAD_RF_KEY = "rf_not_the_key"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# Query names that snake_case cannot derive.
RENAMES = {"perpage": "per_page"}


# -- the schema, as data -----------------------------------------------------------------------


@functools.cache
def document(api: str) -> dict[str, Any]:
    """``schemas/<api>.yaml``, parsed once (callers never change it)."""
    return load_schema(api)


@attrs.frozen
class SchemaOp:
    """One operation of a schema: method, path and its parameters and body fields."""

    method: str
    path: str
    auth: bool
    path_params: tuple[str, ...]
    query: tuple[str, ...]
    body: tuple[str, ...]
    body_required: tuple[str, ...]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@functools.cache
def schema_ops(api: str) -> dict[str, SchemaOp]:
    """operationId -> SchemaOp, read from ``schemas/<api>.yaml``."""
    schema = document(api)
    ops = {}
    for path, item in schema["paths"].items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            params = [_resolve(schema, p) for p in [*shared, *op.get("parameters", [])]]
            body: dict[str, Any] = {}
            if "requestBody" in op:
                content = op["requestBody"]["content"]["application/json"]["schema"]
                body = _resolve(schema, content)
            security = op.get("security", schema.get("security", []))
            ops[op["operationId"]] = SchemaOp(
                method=method.upper(),
                path=path,
                auth={} not in security and bool(security),
                path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                query=tuple(p["name"] for p in params if p["in"] == "query"),
                body=tuple(body.get("properties", {})),
                body_required=tuple(body.get("required", ())),
            )
    return ops


def snake(name: str) -> str:
    """The Python argument name of a wire name (``pageSize`` -> ``page_size``)."""
    name = RENAMES.get(name, name).replace("-", "_")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


# -- the client, as data -----------------------------------------------------------------------


def surface(client: BaseClient) -> dict[str, list[str]]:
    """operationId -> the dotted names of the client methods tagged with it."""
    found: dict[str, list[str]] = {}

    def walk(obj: object, prefix: str) -> None:
        for name in dir(obj):
            if name.startswith("_"):
                continue
            attr = getattr(obj, name)
            if isinstance(attr, Resource):
                walk(attr, f"{prefix}{name}.")
            elif (op := operation_id(attr)) is not None:
                found.setdefault(op, []).append(f"{prefix}{name}")

    walk(client, "")
    return found


def method_of(client: BaseClient, dotted: str) -> Callable[..., Any]:
    target: Any = functools.reduce(getattr, dotted.split("."), client)
    return target  # type: ignore[no-any-return]


def offline_clients() -> dict[str, BaseClient]:
    """Clients that are never used to send: construction does no I/O."""
    return {
        "pocketsflow": Pocketsflow(BAD_PF_KEY, rate_limit=None),
        "reflow": Reflow(1, BAD_RF_KEY, rate_limit=None),
    }


OPERATIONS: dict[str, Any] = {"pocketsflow": PF_OPERATIONS, "reflow": RF_OPERATIONS}
ARGUMENTS: dict[str, Mapping[str, Arguments]] = {
    "pocketsflow": PF_ARGUMENTS,
    "reflow": RF_ARGUMENTS,
}


@pytest.mark.parametrize("api", API_NAMES)
def test_every_operation_has_exactly_one_method(api: str) -> None:
    methods = surface(offline_clients()[api])
    ops = schema_ops(api)
    assert set(methods) == set(ops), "methods tagged with an unknown operation, or ops unmapped"
    doubles = {op: names for op, names in methods.items() if len(names) != 1}
    assert not doubles
    generated: dict[str, Operation] = OPERATIONS[api]
    for op_id, op in ops.items():
        assert (generated[op_id].method, generated[op_id].path) == (op.method, op.path)


@pytest.mark.parametrize("api", API_NAMES)
def test_arguments_are_the_schema_s_parameters_in_snake_case(api: str) -> None:
    methods = surface(offline_clients()[api])
    for op_id, op in schema_ops(api).items():
        method = method_of(offline_clients()[api], methods[op_id][0])
        params = inspect.signature(method).parameters.values()
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        keywords = {p.name: p for p in params if p.kind is p.KEYWORD_ONLY}
        assert len(positional) == len(set(op.path_params) - {"projectId"}), op_id
        assert set(keywords) == {snake(n) for n in (*op.query, *op.body)}, op_id
        required = {name for name, p in keywords.items() if p.default is p.empty}
        assert required == {snake(n) for n in op.body_required}, op_id


@pytest.mark.parametrize("api", API_NAMES)
def test_every_paginated_list_has_an_iter_taking_the_same_filters(api: str) -> None:
    client = offline_clients()[api]
    paginated = []
    for dotted in (names[0] for names in surface(client).values()):
        method = method_of(client, dotted)
        if "Page[" not in str(inspect.signature(method).return_annotation):
            continue
        paginated.append(dotted)
        resource = method_of(client, dotted.rsplit(".", 1)[0])
        listed = set(inspect.signature(method).parameters) - {"page"}
        assert set(inspect.signature(resource.iter).parameters) == listed | {"concurrency"}
    expected = {"pocketsflow": 2, "reflow": 3}[
        api
    ]  # orders, subscriptions / users, products, orders
    assert len(paginated) == expected, paginated


# -- every operation against the sandbox: route, 401, 404 -----------------------------------------


@attrs.frozen
class Call:
    """Arguments that pass the client's checks, and what the sandbox answers to the right key."""

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.Factory(dict)
    raises: type[Exception] | None = None


PF_CALLS: dict[str, Call] = {
    "products_list": Call(),
    "products_create": Call(kwargs={"name": "Surface", "price": Decimal("1.00")}),
    "products_get": Call((MISSING_OID,), raises=NotFoundError),
    "products_update": Call((MISSING_OID,), {"name": "x"}, NotFoundError),
    "products_delete": Call((MISSING_OID,), raises=NotFoundError),
    "variants_create": Call(
        kwargs={"product_id": MISSING_OID, "name": "v", "price": 1}, raises=NotFoundError
    ),
    "variants_delete": Call((MISSING_OID,), raises=NotFoundError),
    "orders_list": Call(),
    "orders_get": Call((MISSING_OID,), raises=NotFoundError),
    "customers_list": Call(),
    "customers_get": Call((MISSING_OID,), raises=NotFoundError),
    "reviews_list": Call(),
    "reviews_list_for_product": Call((MISSING_OID,), raises=NotFoundError),
    "discounts_list": Call(),
    "discounts_create": Call(
        kwargs={"name": "n", "code": "SURFACE", "value": 5, "value_type": "fixed"}
    ),
    "discounts_get": Call((MISSING_OID,), raises=NotFoundError),
    "discounts_update": Call((MISSING_OID,), {"name": "x"}, NotFoundError),
    "discounts_delete": Call((MISSING_OID,), raises=NotFoundError),
    "upsells_list": Call(),
    "upsells_create": Call(
        kwargs={
            "name": "u",
            "main_product_ids": [MISSING_OID],
            "upsell_product_id": MISSING_OID,
            "upsell_price": 1,
        },
        raises=NotFoundError,
    ),
    "upsells_get": Call((MISSING_OID,), raises=NotFoundError),
    "upsells_update": Call((MISSING_OID,), {"name": "x"}, NotFoundError),
    "upsells_delete": Call((MISSING_OID,), raises=NotFoundError),
    "users_me": Call(),
    "users_update": Call(kwargs={"first_name": "Ada"}),
    "subscriptions_list": Call(),
    "subscriptions_get": Call((MISSING_OID,), raises=NotFoundError),
    "subscriptions_cancel": Call((MISSING_OID,), raises=NotFoundError),
    "subscriptions_refund": Call((MISSING_OID,), raises=NotFoundError),
}

RF_CALLS: dict[str, Call] = {
    "plans_list": Call(),
    "plans_get": Call((MISSING_INT,), raises=NotFoundError),
    "users_list": Call(),
    "users_get": Call((MISSING_INT,), raises=NotFoundError),
    "products_list": Call(),
    "products_get": Call(("no-such-product",), raises=NotFoundError),
    "products_update": Call(("no-such-product",), {"name": "x"}, NotFoundError),
    "categories_list": Call(),
    "categories_get": Call(("no-such-category",), raises=NotFoundError),
    "orders_list": Call(),
    "orders_get": Call((MISSING_INT,), raises=NotFoundError),
    "orders_update": Call((MISSING_INT,), {"is_archived": True}, NotFoundError),
}


def test_the_call_tables_cover_every_operation() -> None:
    assert set(PF_CALLS) == set(schema_ops("pocketsflow"))
    assert set(RF_CALLS) == set(schema_ops("reflow"))


async def outcome(call: Awaitable[Any]) -> type[Exception] | None:
    """The exception class ``call`` raised, or ``None`` when it returned."""
    try:
        await call
    except Exception as exc:
        return type(exc)
    return None


def clients(sandbox: Sandbox, api: str, key: str | None) -> BaseClient:
    if api == "pocketsflow":
        return Pocketsflow(
            key, base_url=sandbox.pocketsflow_url, rate_limit=None, max_retries=0, strict=True
        )
    return Reflow(
        sandbox.reflow_project_id,
        key,
        base_url=sandbox.reflow_url,
        rate_limit=None,
        max_retries=0,
        strict=True,
    )


def keys(sandbox: Sandbox, api: str) -> tuple[str, str]:
    if api == "pocketsflow":
        return sandbox.pocketsflow_test_key, BAD_PF_KEY
    return sandbox.reflow_api_key, BAD_RF_KEY


def routes_seen(sandbox: Sandbox, api: str) -> dict[str, int]:
    stats = sandbox.stats()
    return (stats.pocketsflow if api == "pocketsflow" else stats.reflow).by_route


OPERATION_CASES = [("pocketsflow", op) for op in sorted(PF_CALLS)] + [
    ("reflow", op) for op in sorted(RF_CALLS)
]


@pytest.fixture
async def empty_sandbox(sandbox_factory: SandboxFactory) -> Sandbox:
    """No records: every id is missing, and the sandbox starts in a few milliseconds."""
    return await sandbox_factory(scale=Scale.empty())


@pytest.mark.parametrize(("api", "op_id"), OPERATION_CASES)
async def test_each_method_hits_its_route_with_401_and_404(
    api: str, op_id: str, empty_sandbox: Sandbox
) -> None:
    op = schema_ops(api)[op_id]
    route = f"{op.method} {op.path}"
    call = (PF_CALLS if api == "pocketsflow" else RF_CALLS)[op_id]
    good_key, bad_key = keys(empty_sandbox, api)
    dotted = surface(offline_clients()[api])[op_id][0]

    async with clients(empty_sandbox, api, good_key) as client:
        method = method_of(client, dotted)
        assert await outcome(method(*call.args, **call.kwargs)) is call.raises
    assert routes_seen(empty_sandbox, api) == {route: 1}

    async with clients(empty_sandbox, api, bad_key) as client:
        method = method_of(client, dotted)
        expected = AuthenticationError if op.auth else call.raises
        assert await outcome(method(*call.args, **call.kwargs)) is expected
    assert routes_seen(empty_sandbox, api) == {route: 2}


@pytest.mark.parametrize("op_id", sorted(RF_CALLS))
async def test_reflow_without_a_key_sends_only_public_requests(
    op_id: str, empty_sandbox: Sandbox
) -> None:
    op = schema_ops("reflow")[op_id]
    call = RF_CALLS[op_id]
    async with clients(empty_sandbox, "reflow", None) as client:
        method = method_of(client, surface(client)[op_id][0])
        if op.auth:
            with pytest.raises(ValidationError) as info:
                await method(*call.args, **call.kwargs)
            assert info.value.argument == "api_key"
            assert empty_sandbox.stats().reflow.requests == 0
        else:
            assert await outcome(method(*call.args, **call.kwargs)) is call.raises
            assert routes_seen(empty_sandbox, "reflow") == {f"{op.method} {op.path}": 1}


# -- argument checks agree with the schema at every boundary --------------------------------------


@functools.cache
def _registry() -> Registry[Any]:
    return Registry().with_resources(
        (f"urn:{api}", SchemaResource(contents=document(api), specification=DRAFT202012))
        for api in API_NAMES
    )


@functools.cache
def _validator(api: str, pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"urn:{api}#{pointer}"}, registry=_registry())


def schema_accepts(api: str, pointer: str, value: Any) -> bool:
    """Whether the schema node at ``pointer`` accepts ``value``."""
    return _validator(api, pointer).is_valid(value)


def constraint(api: str, pointer: str) -> dict[str, Any]:
    """The schema node at the JSON ``pointer``, ``$ref`` followed."""
    node: Any = document(api)
    for part in pointer.strip("/").split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return _resolve(document(api), node)


def query_param(api: str, path: str, name: str) -> str:
    """The JSON pointer of the schema of the GET ``path``'s query parameter ``name``."""
    escaped = path.replace("~", "~0").replace("/", "~1")
    parameters = document(api)["paths"][path]["get"]["parameters"]
    (index,) = (i for i, p in enumerate(parameters) if p.get("name") == name)
    return f"/paths/{escaped}/get/parameters/{index}/schema"


def boundary_values(rule: Rule) -> Iterator[Any]:
    """Values on and just past each bound the generated rule states."""
    if rule.enum is not None:
        yield from rule.enum
        yield "not_a_value"
    if "integer" in rule.types:
        for bound, step in ((rule.minimum, -1), (rule.maximum, 1)):
            if bound is not None:
                yield bound
                yield bound + step
    for length, step in ((rule.min_length, -1), (rule.max_length, 1)):
        if length is not None:
            yield "x" * length
            if length + step >= 0:
                yield "x" * (length + step)
    if rule.max_items is not None and rule.items is not None:
        yield [1] * rule.max_items
        yield [1] * (rule.max_items + 1)


@attrs.frozen
class Bound:
    """One argument: the generated rule of ``wire`` in ``op_id``, checked against the schema
    node at ``pointer``.

    ``call(client, value)`` passes ``value`` as the argument named ``argument``; the values
    come from the generated rule's bounds, plus ``extra`` (values the bounds cannot generate);
    ``wire`` turns an argument into what the schema describes (a list of ids into the list the
    comma-joined query value stands for).
    """

    api: str
    op_id: str
    name: str
    pointer: str
    argument: str
    call: Callable[[Any, Any], Awaitable[Any]]
    extra: tuple[Any, ...] = ()
    wire: Callable[[Any], Any] = lambda value: value

    def rule(self) -> Rule:
        return ARGUMENTS[self.api][self.op_id].rules[self.name]

    def values(self) -> list[Any]:
        return [*boundary_values(self.rule()), *self.extra]


PF = "/components/schemas"
RF_PARAMS = "/components/parameters"
RF_PRODUCTS = "/projects/{projectId}/products/"
RF_ORDERS = "/projects/{projectId}/orders/"
PF_ID = "/components/parameters/IdPath/schema"

BOUNDS = [
    Bound("pocketsflow", "products_get", "id", PF_ID, "product_id", lambda c, v: c.products.get(v),
          extra=("0123456789abcdef01234567", "0123456789ABCDEF01234567", "prod_456def", "",
                 "a/b", 12)),
    Bound("pocketsflow", "orders_list", "page", "/components/parameters/Page/schema", "page",
          lambda c, v: c.orders.list(page=v), extra=(0, 1, -1, "1")),
    Bound("pocketsflow", "orders_list", "pageSize", "/components/parameters/PageSize/schema",
          "page_size", lambda c, v: c.orders.list(page_size=v), extra=(0, 100, 101, 1000)),
    Bound("pocketsflow", "products_create", "price", f"{PF}/ProductCreate/properties/price",
          "price", lambda c, v: c.products.create(name="p", price=v),
          extra=(Decimal("-1"), Decimal("1.005"), 49.99, True, "1")),
    Bound("pocketsflow", "discounts_create", "code", f"{PF}/DiscountCreate/properties/code",
          "code", lambda c, v: c.discounts.create(name="d", code=v, value=1, value_type="fixed"),
          extra=("SUMMER_20-x", "with space", "ÄBC", "semi;colon", "")),
    Bound("pocketsflow", "discounts_create", "valueType",
          f"{PF}/DiscountCreate/properties/valueType", "value_type",
          lambda c, v: c.discounts.create(name="d", code="C", value=1, value_type=v)),
    Bound("pocketsflow", "upsells_create", "mainProductIds",
          f"{PF}/UpsellCreate/properties/mainProductIds", "main_product_ids",
          lambda c, v: c.upsells.create(name="u", main_product_ids=v,
                                        upsell_product_id=MISSING_OID, upsell_price=1),
          extra=([], [MISSING_OID], [MISSING_OID, MISSING_OID])),
    Bound("pocketsflow", "users_update", "currency", f"{PF}/UserUpdate/properties/currency",
          "currency", lambda c, v: c.users.update(currency=v), extra=("USD", "usd", "US", "U$D")),
    Bound("pocketsflow", "users_update", "country", f"{PF}/UserUpdate/properties/country",
          "country", lambda c, v: c.users.update(country=v), extra=("US", "us", "USA", "U")),
    Bound("pocketsflow", "customers_list", "sortBy", f"{PF}/CustomerSortBy", "sort_by",
          lambda c, v: c.customers.list(sort_by=v)),
    Bound("pocketsflow", "customers_list", "sortOrder", f"{PF}/SortOrder", "sort_order",
          lambda c, v: c.customers.list(sort_order=v)),
    Bound("reflow", "users_list", "perpage", f"{RF_PARAMS}/PerPage/schema", "per_page",
          lambda c, v: c.users.list(per_page=v)),
    Bound("reflow", "orders_list", "perpage", f"{RF_PARAMS}/PerPage/schema", "per_page",
          lambda c, v: c.orders.list(per_page=v)),
    Bound("reflow", "products_list", "category", query_param("reflow", RF_PRODUCTS, "category"),
          "category", lambda c, v: c.products.list(category=v), extra=(0, 5, "5", "x5")),
    Bound("reflow", "products_list", "ids", query_param("reflow", RF_PRODUCTS, "ids"), "ids",
          lambda c, v: c.products.list(ids=v), extra=([], [5, 7], ["5", 7])),
    Bound("reflow", "products_list", "order", query_param("reflow", RF_PRODUCTS, "order"),
          "order", lambda c, v: c.products.list(order=[v]) if isinstance(v, str) else
          c.products.list(order=v),
          extra=("name_asc", "name_up", "NAME_ASC", ["custom_desc", "name_asc"]),
          wire=lambda v: [v] if isinstance(v, str) else v),
    Bound("reflow", "plans_get", "planId",
          "/paths/~1projects~1{projectId}~1plans~1{planId}/parameters/1/schema",
          "plan_id", lambda c, v: c.plans.get(v), extra=(0, 1, "13156819", "abc")),
    Bound("reflow", "products_update", "name", f"{PF}/ProductUpdate/properties/name", "name",
          lambda c, v: c.products.update(1, name=v)),
    Bound("reflow", "products_update", "price", f"{PF}/ProductUpdate/properties/price", "price",
          lambda c, v: c.products.update(1, price=v), extra=(-1, 0, 1000, 10.5, "1000")),
    Bound("reflow", "products_update", "stock_quantity",
          f"{PF}/ProductUpdate/properties/stock_quantity", "stock_quantity",
          lambda c, v: c.products.update(1, inventory_type="advanced", stock_quantity=v)),
    Bound("reflow", "products_update", "inventory_type", f"{PF}/InventoryType",
          "inventory_type", lambda c, v: c.products.update(1, inventory_type=v)),
    Bound("reflow", "orders_list", "payment_status", f"{PF}/PaymentStatus", "payment_status",
          lambda c, v: c.orders.list(payment_status=v)),
    Bound("reflow", "orders_update", "fulfillment_status", f"{PF}/FulfillmentStatus",
          "fulfillment_status", lambda c, v: c.orders.update(1, fulfillment_status=v)),
]  # fmt: skip


@pytest.mark.parametrize(
    "bound", BOUNDS, ids=[f"{b.api}-{b.argument}-{i}" for i, b in enumerate(BOUNDS)]
)
def test_each_generated_rule_states_the_schema_s_bounds(bound: Bound) -> None:
    # The boundary values below come from the generated rule: a bound it lost would not be
    # probed, so the rule's bounds are held to the schema node's here.
    schema, rule = constraint(bound.api, bound.pointer), bound.rule()
    stated = ("minimum", "maximum", "minLength", "maxLength", "maxItems")
    assert (rule.minimum, rule.maximum, rule.min_length, rule.max_length, rule.max_items) == tuple(
        schema.get(key) for key in stated
    )
    assert rule.enum == (tuple(schema["enum"]) if "enum" in schema else None)


@pytest.mark.parametrize(
    "bound", BOUNDS, ids=[f"{b.api}-{b.argument}-{i}" for i, b in enumerate(BOUNDS)]
)
async def test_argument_checks_agree_with_the_schema_at_the_bounds(
    bound: Bound, empty_sandbox: Sandbox
) -> None:
    good_key, _ = keys(empty_sandbox, bound.api)
    async with clients(empty_sandbox, bound.api, good_key) as client:
        for value in bound.values():
            sent_before = sum(routes_seen(empty_sandbox, bound.api).values())
            refusal: ValidationError | None = None
            try:
                await bound.call(client, value)
            except ValidationError as exc:
                refusal = exc
            except Exception:  # the server's answer: the client let the value through
                pass
            refused = refusal is not None
            sent = sum(routes_seen(empty_sandbox, bound.api).values()) - sent_before
            expected = not schema_accepts(bound.api, bound.pointer, bound.wire(value))
            assert refused == expected, f"{value!r}: client refused={refused}"
            if refusal is not None:
                assert refusal.argument.split("[")[0] == bound.argument, (value, refusal)
            assert sent == (0 if refused else 1), value
