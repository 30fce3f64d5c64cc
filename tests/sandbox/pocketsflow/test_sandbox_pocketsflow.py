"""The Pocketsflow simulator over real loopback HTTP: auth, 404s and malformed ids, validation.

Every sandbox here checks its answers against schemas/pocketsflow.yaml (see conftest). Read-only
tests use the session's shared sandbox; tests that change state start their own.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from _sandbox_tools import UNKNOWN_ID, Http, pf_of
from storeflow.pocketsflow._operations import OPERATIONS
from storeflow.sandbox import Sandbox, Scale

# -- auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Missing API key"),
        ("", "Missing API key"),
        ("pk_test_abc", "Malformed API key"),
        ("Basic pk_test_abc", "Malformed API key"),
        ("Bearer abc", "Malformed API key"),
        ("Bearer pk_prod_abc", "Malformed API key"),
        ("Bearer pk_test_", "Malformed API key"),
        ("Bearer pk_test_0000", "Invalid API key"),
        ("Bearer pk_live_0000", "Invalid API key"),
    ],
)
async def test_auth_refusals(shared_pf: Http, header: str | None, message: str) -> None:
    headers = {} if header is None else {"Authorization": header}
    reply = await shared_pf("GET", "/products", key=None, headers=headers)
    assert reply.status == 401
    assert reply.json["message"].startswith(message)


async def test_error_messages_never_echo_the_key(shared_pf: Http) -> None:
    reply = await shared_pf("GET", "/products", key="pk_test_secret0000secret")
    assert reply.status == 401
    assert "secret" not in reply.text


async def test_bearer_scheme_is_case_insensitive(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    headers = {"Authorization": f"bearer {shared_sandbox.pocketsflow_test_key}"}
    assert (await shared_pf("GET", "/users/me", key=None, headers=headers)).status == 200


async def test_test_and_live_keys_see_separate_datasets(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    test = pf_of(sandbox, session)
    live = pf_of(sandbox, session, sandbox.pocketsflow_live_key)
    test_products = await test.ok("GET", "/products")
    live_products = await live.ok("GET", "/products")
    assert len(test_products) == Scale().products
    assert len(live_products) == Scale().for_live().products
    assert not {p["_id"] for p in test_products} & {p["_id"] for p in live_products}
    assert (await live("GET", f"/products/{test_products[0]['_id']}")).status == 404
    created = await live.ok("POST", "/products", json={"name": "Live only", "price": 1})
    assert (await test("GET", f"/products/{created['_id']}")).status == 404
    assert created == sandbox.pocketsflow_store("live").get_product(created["_id"])
    assert (await test.ok("GET", "/users/me")) != (await live.ok("GET", "/users/me"))


async def test_product_reviews_are_public(sandbox: Sandbox, pf: Http) -> None:
    reviews = sandbox.pocketsflow.list_reviews(None)
    product_id = reviews[0]["productId"]
    public = await pf.ok("GET", f"/reviews/{product_id}", key=None)
    assert public == sandbox.pocketsflow.list_reviews(product_id)
    assert public
    assert all(r["productId"] == product_id for r in public)
    live_product = sandbox.pocketsflow_store("live").list_products()[0]["_id"]
    assert await pf.ok("GET", f"/reviews/{live_product}", key=None) == (
        sandbox.pocketsflow_store("live").list_reviews(live_product)
    )
    assert (await pf("GET", f"/reviews/{UNKNOWN_ID}", key=None)).status == 404
    assert (await pf("GET", "/reviews/nope", key=None)).status == 404
    assert (await pf("GET", "/reviews", key=None)).status == 401


# -- 404 and malformed ids ----------------------------------------------------------------------

# Every route with an id in its path, from the operation table (the public reviews of a product
# are above); an update sends one change.
ID_ROUTES = [
    (
        op.method,
        re.sub(r"\{\w+\}", "{}", op.path),
        {"name": "x"} if op.id.endswith("_update") else None,
    )
    for op in OPERATIONS.values()
    if "{" in op.path and op.id != "reviews_list_for_product"
]


def test_the_id_routes_are_every_route_with_an_id() -> None:
    # Read from the operation table: an empty or short table would test nothing.
    assert ("GET", "/products/{}", None) in ID_ROUTES
    assert ("POST", "/discounts/{}", {"name": "x"}) in ID_ROUTES
    assert ("POST", "/orders/subscriptions/refund/{}", None) in ID_ROUTES
    assert len(ID_ROUTES) == len({(method, template) for method, template, _ in ID_ROUTES})


@pytest.mark.parametrize(("method", "template", "body"), ID_ROUTES)
async def test_unknown_ids_are_404(shared_pf: Http, method: str, template: str, body: Any) -> None:
    reply = await shared_pf(method, template.format(UNKNOWN_ID), json=body)
    assert reply.status == 404
    assert reply.json["message"].endswith("not found")


@pytest.mark.parametrize(("method", "template", "body"), ID_ROUTES)
@pytest.mark.parametrize("unknown", ["65ABC123", "prod_456def", UNKNOWN_ID.upper()])
async def test_ids_that_are_no_objectid_are_looked_up_too(
    shared_pf: Http, method: str, template: str, body: Any, unknown: str
) -> None:
    # The reference does not say ids are ObjectIds (its webhook examples show others): an id
    # the sandbox did not make names no record.
    reply = await shared_pf(method, template.format(unknown), json=body)
    assert reply.status == 404
    assert reply.json["message"].endswith("not found")


async def test_variant_of_unknown_product_is_404(shared_pf: Http) -> None:
    body = {"productId": UNKNOWN_ID, "name": "Pro", "price": 10}
    assert (await shared_pf("POST", "/products/variants", json=body)).status == 404


def upsell(sandbox: Sandbox, **changes: Any) -> dict[str, Any]:
    """A valid upsell body, selling the store's first product after itself, with ``changes``."""
    product = sandbox.pocketsflow.list_products()[0]["_id"]
    body = {"name": "Up", "mainProductIds": [product], "upsellProductId": product, "upsellPrice": 5}
    return {**body, **changes}


async def test_upsell_of_unknown_product_is_404(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    body = upsell(shared_sandbox, upsellProductId=UNKNOWN_ID)
    reply = await shared_pf("POST", "/upsells", json=body)
    assert reply.status == 404
    assert UNKNOWN_ID in reply.json["message"]


# -- validation ---------------------------------------------------------------------------------


#: The query parameters each route refuses, and a phrase of the message that says why.
QUERIES_REFUSED: dict[str, list[tuple[dict[str, str], str]]] = {
    "/orders": [
        ({"page": "0"}, "page must be an integer of at least 1"),
        ({"page": "one"}, "page must be an integer"),
        ({"page": "1.5"}, "page must be an integer"),
        ({"page": ""}, "page must be an integer"),
        ({"page": "9" * 30}, "page must be an integer between 1 and 9223372036854775807"),
        ({"page": "9223372036854775808"}, "page must be an integer between 1 and 9223"),
        ({"pageSize": "9" * 30}, "pageSize must be an integer between 1 and 9223372036854775807"),
        ({"page": "-" + "9" * 30}, "page must be an integer of at least 1"),
        ({"pageSize": "0"}, "pageSize must be an integer of at least 1"),
        ({"startDate": "yesterday"}, "startDate must be an ISO 8601 date-time"),
        ({"endDate": "2024-13-01"}, "endDate must be an ISO 8601 date-time"),
    ],
    "/customers": [
        ({"sortBy": "name"}, "sortBy must be one of email, country, numberOfOrders, createdAt"),
        ({"sortOrder": "up"}, "sortOrder must be one of asc, desc"),
    ],
}

_SALE = {"name": "Sale", "code": "SALE", "value": 10, "valueType": "percentage"}

#: The bodies each ``POST`` route refuses, and a phrase of the message that says why.
BODIES_REFUSED: dict[str, list[tuple[Any, str]]] = {
    "/products": [
        ({"price": 10}, "name is required"),
        ({"name": "x"}, "price is required"),
        ({"name": 5, "price": 10}, "name must be a string"),
        ({"name": "x", "price": -1}, "price must be a number of at least 0"),
        ({"name": "x", "price": "10"}, "price must be a number"),
        ({"name": "x", "price": True}, "price must be a number"),
        ({"name": "x", "price": None}, "price must be a number"),
        ({"name": "x", "price": 1, "published": "yes"}, "published must be true or false"),
        ({"name": "x", "price": 1, "description": None}, "description must be a string"),
        ({"name": "x", "price": 1, "color": "red"}, "unknown field 'color'"),
        ([1, 2], "the request body must be a JSON object"),
    ],
    "/products/variants": [({"name": "x", "price": 1}, "productId is required")],
    "/discounts": [
        ({**_SALE, "valueType": "ratio"}, "valueType must be one of percentage, fixed"),
        ({**_SALE, "value": 150}, "value must be at most 100 for a percentage"),
        ({**_SALE, "value": -5}, "value must be a number of at least 0"),
        ({**_SALE, "mainProductIds": "abc"}, "mainProductIds must be an array"),
        ({**_SALE, "mainProductIds": ["abc"]}, "product abc not found"),
        ({**_SALE, "mainProductIds": [UNKNOWN_ID]}, f"product {UNKNOWN_ID} not found"),
        ({**_SALE, "active": 1}, "active must be true or false"),
        ({**_SALE, "used": 3}, "unknown field 'used'"),
    ],
    "/users/update": [
        ({"firstName": 3}, "firstName must be a string"),
        ({"email": "a@b.c"}, "unknown field 'email'"),
    ],
    "/orders/subscriptions": [
        ({"page": 0}, "page must be an integer of at least 1"),
        ({"page": 1.5}, "page must be an integer"),
        ({"page": 1e20}, "page must be an integer between 1 and 9223372036854775807"),
        ({"page": 2**64}, "page must be an integer between 1 and 9223372036854775807"),
        ({"pageSize": 0}, "pageSize must be an integer of at least 1"),
        ({"startDate": "2024/01/01"}, "startDate must be an ISO 8601 date such as 2024-01-31"),
        ({"endDate": "2024-02-30"}, "endDate must be an ISO 8601 date such as 2024-01-31"),
        ({"status": "active"}, "unknown field 'status'"),
    ],
}


@pytest.mark.parametrize(
    ("path", "params", "needle"),
    [(path, *case) for path, cases in QUERIES_REFUSED.items() for case in cases],
)
async def test_query_parameters_are_checked(
    shared_pf: Http, path: str, params: dict[str, str], needle: str
) -> None:
    assert needle in await shared_pf.refused("GET", path, params=params)


@pytest.mark.parametrize(
    ("path", "body", "needle"),
    [(path, *case) for path, cases in BODIES_REFUSED.items() for case in cases],
)
async def test_request_bodies_are_checked(
    shared_pf: Http, path: str, body: Any, needle: str
) -> None:
    assert needle in await shared_pf.refused("POST", path, json=body)


@pytest.mark.parametrize(
    ("data", "needle"),
    [(b"{not json", "not valid JSON"), (b"", "must be a JSON object"), (b"42", "JSON object")],
)
async def test_bodies_must_be_json_objects(shared_pf: Http, data: bytes, needle: str) -> None:
    headers = {"Content-Type": "application/json"}
    assert needle in await shared_pf.refused("POST", "/products", data=data, headers=headers)


async def test_an_empty_update_changes_nothing(shared_sandbox: Sandbox, shared_pf: Http) -> None:
    # The reference does not forbid an update with no field: the record comes back unchanged.
    store = shared_sandbox.pocketsflow
    product = store.list_products()[0]
    discount = store.list_discounts()[0]
    upsell = store.list_upsells()["upsells"][0]
    for path, record in (
        (f"/products/update/{product['_id']}", product),
        (f"/discounts/{discount['_id']}", discount),
        (f"/upsells/{upsell['_id']}", upsell),
        ("/users/update", store.user()),
    ):
        assert await shared_pf.ok("POST", path, json={}) == record, path


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", "/orders", {"pageSize": "101"}, None),
        ("GET", "/orders", {"productId": "abc"}, None),
        ("GET", "/customers", {"productId": "x"}, None),
        ("POST", "/orders/subscriptions", None, {"pageSize": 250}),
        ("POST", "/orders/subscriptions", None, {"startDate": "2024-01-01T10:00:00+02:00"}),
        ("POST", "/products", None, {"name": "", "price": 10}),
        ("POST", "/discounts", None,
         {"name": "Noël", "code": "NOËL 24", "value": 5, "valueType": "fixed"}),
        ("POST", "/users/update", None, {"currency": "usd", "country": "us"}),
    ],
)  # fmt: skip
async def test_what_the_reference_does_not_forbid_is_served(
    pf: Http, method: str, path: str, query: dict[str, str] | None, body: Any
) -> None:
    reply = await pf(method, path, params=query, json=body)
    assert reply.status == 200, reply.json


async def test_discount_codes_are_unique(sandbox: Sandbox, pf: Http) -> None:
    existing = sandbox.pocketsflow.list_discounts()
    body = {"name": "Dup", "code": existing[0]["code"].lower(), "value": 5, "valueType": "fixed"}
    reply = await pf("POST", "/discounts", json=body)
    assert reply.status == 400
    assert "exists" in reply.json["message"]
    renamed = await pf("POST", f"/discounts/{existing[1]['_id']}", json=body)
    assert renamed.status == 400
    same = await pf.ok("POST", f"/discounts/{existing[0]['_id']}", json={"code": body["code"]})
    assert same["code"] == body["code"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"upsellPrice": "5"}, "upsellPrice must be a number"),
        ({"upsellDescription": None}, "upsellDescription must be a string"),
    ],
)
async def test_upsell_create_body_is_checked(
    shared_sandbox: Sandbox, shared_pf: Http, body: dict[str, Any], needle: str
) -> None:
    full = upsell(shared_sandbox, **body)
    assert needle in await shared_pf.refused("POST", "/upsells", json=full)
