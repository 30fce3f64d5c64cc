"""The hand-written schemas are valid OpenAPI 3.1 and hold every endpoint of both references."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from conftest import load_schema
from storeflow._apis import API_NAMES

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

# Every endpoint of the vendors' references: (method, path, operationId).
POCKETSFLOW = {
    ("GET", "/products", "products_list"),
    ("GET", "/products/{id}", "products_get"),
    ("POST", "/products", "products_create"),
    ("POST", "/products/update/{id}", "products_update"),
    ("DELETE", "/products/{id}", "products_delete"),
    ("POST", "/products/variants", "variants_create"),
    ("DELETE", "/products/variants/{id}", "variants_delete"),
    ("GET", "/orders", "orders_list"),
    ("GET", "/orders/{id}", "orders_get"),
    ("GET", "/customers", "customers_list"),
    ("GET", "/customers/{id}", "customers_get"),
    ("GET", "/reviews", "reviews_list"),
    ("GET", "/reviews/{productId}", "reviews_list_for_product"),
    ("GET", "/discounts", "discounts_list"),
    ("GET", "/discounts/{id}", "discounts_get"),
    ("POST", "/discounts", "discounts_create"),
    ("POST", "/discounts/{id}", "discounts_update"),
    ("DELETE", "/discounts/{id}", "discounts_delete"),
    ("GET", "/upsells", "upsells_list"),
    ("GET", "/upsells/{id}", "upsells_get"),
    ("POST", "/upsells", "upsells_create"),
    ("POST", "/upsells/{id}", "upsells_update"),
    ("DELETE", "/upsells/{id}", "upsells_delete"),
    ("GET", "/users/me", "users_me"),
    ("POST", "/users/update", "users_update"),
    ("POST", "/orders/subscriptions", "subscriptions_list"),
    ("GET", "/orders/subscriptions/{id}", "subscriptions_get"),
    ("POST", "/orders/subscriptions/cancel/{subscriptionId}", "subscriptions_cancel"),
    ("POST", "/orders/subscriptions/refund/{subscriptionId}", "subscriptions_refund"),
}
_P = "/projects/{projectId}"


def _reads(collection: str, id_name: str) -> set[tuple[str, str, str]]:
    """A Reflow collection's list and get endpoints: the list path ends in a slash."""
    return {
        ("GET", f"{_P}/{collection}/", f"{collection}_list"),
        ("GET", f"{_P}/{collection}/{{{id_name}}}", f"{collection}_get"),
    }


REFLOW = {
    *_reads("plans", "planId"),
    *_reads("users", "userId"),
    *_reads("products", "product"),
    ("POST", f"{_P}/products/{{product}}", "products_update"),
    *_reads("categories", "category"),
    *_reads("orders", "orderId"),
    ("POST", f"{_P}/orders/{{orderId}}", "orders_update"),
}
EXPECTED = {"pocketsflow": POCKETSFLOW, "reflow": REFLOW}
# Operations the references say need no API key (Reflow's public endpoints accept one).
PUBLIC = {
    "pocketsflow": {"reviews_list_for_product"},
    "reflow": {"plans_list", "plans_get", "products_list", "products_get"}
    | {"categories_list", "categories_get"},
}


def operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (METHOD, path, operation object)."""
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                assert operation["operationId"] not in found, operation["operationId"]
                found[operation["operationId"]] = (method.upper(), path, operation)
    return found


@pytest.mark.parametrize("api", API_NAMES)
def test_schema_is_valid_openapi_3_1(api: str) -> None:
    document = load_schema(api)
    assert document["openapi"].startswith("3.1")
    validate(document)


@pytest.mark.parametrize("api", API_NAMES)
def test_every_documented_endpoint_is_present_and_nothing_else(api: str) -> None:
    found = {
        (method, path, op_id) for op_id, (method, path, _) in operations(load_schema(api)).items()
    }
    assert found == EXPECTED[api]


@pytest.mark.parametrize("api", API_NAMES)
def test_operation_ids_name_resource_and_verb(api: str) -> None:
    for op_id, (_, _, operation) in operations(load_schema(api)).items():
        assert re.fullmatch(r"[a-z]+_[a-z_]+", op_id), op_id
        assert operation["tags"] == [op_id.split("_")[0]], op_id


@pytest.mark.parametrize("api", API_NAMES)
def test_every_operation_says_whether_it_is_idempotent(api: str) -> None:
    for op_id, (method, _, operation) in operations(load_schema(api)).items():
        assert isinstance(operation.get("x-idempotent"), bool), op_id
        if method in {"GET", "DELETE"}:
            assert operation["x-idempotent"] is True, op_id
        if op_id.endswith(("_create", "_refund")):
            assert operation["x-idempotent"] is False, op_id


@pytest.mark.parametrize("api", API_NAMES)
def test_public_endpoints_are_marked_and_the_rest_need_the_key(api: str) -> None:
    document = load_schema(api)
    assert document["security"] == [{"bearerAuth": []}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    public = {
        op_id
        for op_id, (_, _, operation) in operations(document).items()
        # `security: []` (no auth at all) or an alternative `{}` (auth optional).
        if not (security := operation.get("security", document["security"])) or {} in security
    }
    assert public == PUBLIC[api]


@pytest.mark.parametrize("api", API_NAMES)
def test_documented_error_statuses_have_the_error_body(api: str) -> None:
    document = load_schema(api)
    responses = document["components"]["responses"]
    for name in ("BadRequest", "Unauthorized", "NotFound", "TooManyRequests", "ServerError"):
        schema = responses[name]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}
    assert "Retry-After" in responses["TooManyRequests"]["headers"]
    for op_id, (_, _, operation) in operations(document).items():
        assert {"429", "500"} <= operation["responses"].keys(), op_id


def test_reflow_parameters_carry_the_documented_rules() -> None:
    document = load_schema("reflow")
    params = document["components"]["parameters"]
    assert params["PerPage"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
    }
    products_list = operations(document)["products_list"][2]
    by_name = {p.get("name"): p for p in products_list["parameters"] if "name" in p}
    # Comma-separated arrays (OpenAPI's form style, not exploded), as the reference shows them.
    for name in ("ids", "order"):
        assert (by_name[name]["style"], by_name[name]["explode"]) == ("form", False)
        assert by_name[name]["schema"]["type"] == "array"
    assert by_name["ids"]["schema"]["maxItems"] == 100
    assert by_name["order"]["schema"]["items"] == {"$ref": "#/components/schemas/ProductOrder"}
    assert set(document["components"]["schemas"]["ProductOrder"]["enum"]) == {
        f"{field}_{direction}"
        for field in ("name", "price", "date", "custom")
        for direction in ("asc", "desc")
    }
    update = document["components"]["schemas"]["ProductUpdate"]["properties"]
    assert (update["name"]["minLength"], update["name"]["maxLength"]) == (1, 128)
    assert update["price"]["type"] == "integer"
    stock = update["stock_quantity"]
    assert (stock["minimum"], stock["maximum"]) == (0, 100000)


def test_pocketsflow_parameters_carry_the_documented_rules() -> None:
    document = load_schema("pocketsflow")
    schemas = document["components"]["schemas"]
    assert schemas["CustomerSortBy"]["enum"] == ["email", "country", "numberOfOrders", "createdAt"]
    assert schemas["SortOrder"]["enum"] == ["asc", "desc"]
    assert "percentage" in schemas["ValueType"]["enum"]
    assert schemas["Money"]["format"] == "decimal"
    # The reference states no id format and no money bound (its webhook examples show other
    # ids): none is in the schema, so none is checked before sending.
    assert "pattern" not in schemas["ObjectId"]
    assert "minimum" not in schemas["Money"]
    page_size = document["components"]["parameters"]["PageSize"]["schema"]
    assert page_size["default"] == 20
