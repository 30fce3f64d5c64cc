"""Every argument rule the client checks before sending comes from a line of the references.

The rules are the generated ``storeflow.<api>._params.ARGUMENTS`` tables. :data:`CITATIONS` names,
for each rule, the reference file and the text it comes from; the test fails when a rule has no
citation, a citation names no rule, a quote is not in its file, or a quote does not state the
rule's numbers and enum values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from storeflow._operation import Arguments, Rule
from storeflow.pocketsflow._params import ARGUMENTS as PF_ARGUMENTS
from storeflow.reflow._params import ARGUMENTS as RF_ARGUMENTS

REFERENCES = Path(__file__).resolve().parents[2] / "schemas" / "references"
"""The vendors' references (and the notes on what they leave out) the schemas are written from."""
ARGUMENTS: dict[str, Mapping[str, Arguments]] = {
    "pocketsflow": PF_ARGUMENTS,
    "reflow": RF_ARGUMENTS,
}
BODY = "(body)"  # the key of an operation's minimum number of body fields
ANY = "*"  # a citation for the parameter in every operation that has it

Quote = tuple[str, str]  # (file under the references, the text)
PF, RF, NOTES = "pocketsflow.md", "reflow.md", "NOTES.md"

_PF_FLAGS = (NOTES, "public callers also send `published`, `showSales`, `showReviews` (booleans)")
_VALUE_TYPE = [
    (PF, '"valueType": "percentage"'),
    (NOTES, "discount `value` when `valueType` is fixed"),
]


def _shown(**fields: object) -> dict[str, list[Quote]]:
    """Each field's citation: the line of pocketsflow.md's example body that shows its value."""
    return {name: [(PF, f'"{name}": {json.dumps(value)}')] for name, value in fields.items()}


def _of(op_id: str, quotes: Mapping[str, list[Quote]]) -> dict[tuple[str, str, str], list[Quote]]:
    """``quotes`` (field name -> citation) as the citations of Pocketsflow's ``op_id``."""
    return {("pocketsflow", op_id, name): quote for name, quote in quotes.items()}


_UPSELL = _shown(
    name="Premium Upgrade",
    mainProductIds=["65abc123..."],
    upsellProductId="65abc456...",
    upsellPrice=29.99,
    upsellDescription="Get the premium version at a discount!",
    primaryButtonText="Yes, upgrade me!",
    secondaryButtonText="No thanks",
    active=True,
)
_RF_PAYMENT = (RF, "string, pending paid failed refunded")
_RF_FULFILLMENT = (RF, "string, unfulfilled shipped ready_for_pickup delivered returned")

CITATIONS: dict[tuple[str, str, str], list[Quote]] = {
    # Pocketsflow: the paths, query tables and example bodies of pocketsflow.md.
    ("pocketsflow", ANY, "id"): [(PF, "GET /products/:id")],
    ("pocketsflow", ANY, "subscriptionId"): [
        (PF, "POST /orders/subscriptions/cancel/:subscriptionId")
    ],
    ("pocketsflow", "reviews_list_for_product", "productId"): [(PF, "GET /reviews/:productId")],
    **_of("products_create",
          _shown(name="New Product", price=49.99, description="Product description")),
    **_of("products_update",
          _shown(name="Updated Product Name", price=59.99, description="Product description")),
    **{("pocketsflow", op, flag): [_PF_FLAGS] for op in ("products_create", "products_update")
       for flag in ("published", "showSales", "showReviews")},
    **_of("variants_create", _shown(productId="65abc123...", name="Premium Version", price=79.99)),
    **_of("orders_list", {
        "startDate": [(PF, "startDatestringFilter orders from this date (ISO 8601)")],
        "endDate": [(PF, "endDatestringFilter orders until this date (ISO 8601)")],
        "productId": [(PF, "productIdstringFilter by product ID")],
        "page": [(PF, "pagenumberPage number (default: 1)")],
        "pageSize": [(PF, "pageSizenumberItems per page (default: 20)")],
    }),
    **_of("customers_list", {
        "productId": [(PF, "productIdstringFilter by product ID")],
        "sortBy": [(PF, "sortBystringSort field: email, country, numberOfOrders, createdAt")],
        "sortOrder": [(PF, "sortOrderstringSort direction: asc or desc")],
    }),
    **_of("discounts_create", {
        **_shown(name="New Year Sale", code="NEWYEAR25", value=25, active=True,
                 mainProductIds=["65abc123...", "65abc456..."]),
        "valueType": _VALUE_TYPE,
    }),
    **_of("discounts_update", {
        **_shown(name="Updated Sale", code="NEWYEAR30", value=30, active=True,
                 mainProductIds=["65abc123..."]),
        "valueType": _VALUE_TYPE,
    }),
    **_of("upsells_create", _UPSELL),
    # The reference gives the update no body of its own: "POST /upsells/:id" takes the fields
    # of the create.
    **_of("upsells_update",
          {name: [(PF, "POST /upsells/:id"), *quote] for name, quote in _UPSELL.items()}),
    **_of("users_update", _shown(firstName="John", lastName="Doe", currency="USD", country="US")),
    **_of("subscriptions_list",
          _shown(page=1, pageSize=20, startDate="2024-01-01", endDate="2024-12-31")),
    # Reflow: the parameter tables of reflow.md, and NOTES.md for the project id.
    ("reflow", ANY, "projectId"): [(NOTES, "Project ids are integers.")],
    ("reflow", ANY, "page"): [(RF, "pagenumber, defaults to 1")],
    ("reflow", ANY, "perpage"): [(RF, "perpagenumber, min 1, max 100, defaults to 20")],
    ("reflow", "plans_get", "planId"): [(RF, "/projects/<projectid>/plans/<planid>")],
    ("reflow", "users_get", "userId"): [(RF, "/projects/<projectid>/users/<userid>")],
    ("reflow", "products_list", "category"): [(RF, "categorynumber, the id of the category")],
    ("reflow", "products_list", "search"): [(RF, "searchstring, search terms")],
    ("reflow", "products_list", "ids"): [
        (RF, "idsstring, comma-separated list of ids"),
        (RF, "A maximum of 100 product ids can be passed."),
    ],
    ("reflow", "products_list", "order"): [
        (RF, "name_asc, name_desc, price_asc, price_desc, date_asc, date_desc, custom_asc, "
             "custom_desc"),
        (RF, "You can also perform multiple sorts by separating order clauses with commas"),
    ],
    ("reflow", ANY, "fetch_hidden"): [(RF, "fetch_hiddenstring, true or false")],
    ("reflow", "products_get", "product"): [
        (RF, "This endpoint will return the product with the given id or handle from a project.")
    ],
    ("reflow", "products_update", "product"): [
        (RF, "Update the existing product with the given id or handle.")
    ],
    ("reflow", "products_update", BODY): [
        (RF, "Add one or more of the following parameters in the request body")
    ],
    ("reflow", "products_update", "name"): [
        (RF, "Must be a string between 1 and 128 characters in length.")
    ],
    ("reflow", "products_update", "price"): [(RF, "priceinteger")],
    ("reflow", "products_update", "inventory_type"): [
        (RF, 'inventory_typestring, either "simple" or "advanced"')
    ],
    ("reflow", "products_update", "in_stock"): [(RF, "in_stockboolean, true or false")],
    ("reflow", "products_update", "stock_quantity"): [
        (RF, "stock_quantitynon-negative integer, range: [0:100,000]")
    ],
    ("reflow", "categories_list", "root-category"): [(RF, "categories?root-category=177837305")],
    ("reflow", "categories_get", "category"): [
        (RF, "This endpoint will return the category with the given id or handle from a project.")
    ],
    ("reflow", "orders_list", "payment_status"): [_RF_PAYMENT],
    ("reflow", "orders_list", "fulfillment_status"): [_RF_FULFILLMENT],
    ("reflow", ANY, "is_canceled"): [(RF, "is_canceledstring, true or false")],
    ("reflow", ANY, "is_archived"): [(RF, "is_archivedstring, true or false")],
    ("reflow", "orders_list", "customer_email"): [
        (RF, "customer_emailstring, valid email address")
    ],
    ("reflow", "orders_list", "created_after"): [(RF, "created_afternumber, unix timestamp")],
    ("reflow", "orders_list", "created_before"): [(RF, "created_beforenumber, unix timestamp")],
    ("reflow", ANY, "orderId"): [(RF, "/projects/<projectid>/orders/<orderid>")],
    ("reflow", "orders_update", BODY): [
        (RF, "The updated property needs to be added in the request body.")
    ],
    ("reflow", "orders_update", "payment_status"): [
        (RF, "The new payment_status for the order."), _RF_PAYMENT
    ],
    ("reflow", "orders_update", "fulfillment_status"): [
        (RF, "The new fulfillment_status for the order."), _RF_FULFILLMENT
    ],
    ("reflow", "orders_update", "delivery_information"): [(RF, "delivery_informationstring")],
}  # fmt: skip


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _reference(name: str) -> str:
    return _normal((REFERENCES / name).read_text(encoding="utf-8"))


def rules() -> Iterator[tuple[str, str, str, Rule | int]]:
    """Every client-side rule: (api, operationId, wire name or BODY, the rule)."""
    for api, table in ARGUMENTS.items():
        for op_id, arguments in table.items():
            for name, rule in arguments.rules.items():
                yield api, op_id, name, rule
            if arguments.min_body_fields is not None:
                yield api, op_id, BODY, arguments.min_body_fields


def citation(api: str, op_id: str, name: str) -> list[Quote] | None:
    return CITATIONS.get((api, op_id, name), CITATIONS.get((api, ANY, name)))


def stated(rule: Rule) -> Iterator[str]:
    """The numbers and enum values a citation of ``rule`` must spell out."""
    for bound in (rule.minimum, rule.maximum, rule.max_length, rule.max_items):
        if bound is not None:
            yield f"{bound:,}" if bound >= 10_000 else str(bound)
    if rule.min_length is not None and rule.min_length > 1:  # 1: a value at all
        yield str(rule.min_length)
    if rule.min_length == 1 and rule.max_length is not None:
        yield "1"
    for inner in (rule, rule.items):
        if inner is not None and inner.enum is not None:
            yield from inner.enum


def test_every_rule_has_a_citation() -> None:
    missing = [key[:3] for key in rules() if citation(*key[:3]) is None]
    assert not missing, f"rules with no reference line: {missing}"


def test_every_citation_names_a_rule() -> None:
    known = {(api, op, name) for api, op, name, _ in rules()}
    names = {(api, name) for api, _, name, _ in rules()}
    stale = [
        key for key in CITATIONS
        if (key[1] == ANY and key[::2] not in names) or (key[1] != ANY and key not in known)
    ]  # fmt: skip
    assert not stale, f"citations of no rule: {stale}"


@pytest.mark.parametrize(
    ("api", "op_id", "name", "rule"), list(rules()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_citation_is_in_its_file_and_states_the_rule(
    api: str, op_id: str, name: str, rule: Rule | int
) -> None:
    quotes = citation(api, op_id, name)
    assert quotes, (api, op_id, name)
    text = " ".join(_normal(quote) for _, quote in quotes)
    for file, quote in quotes:
        assert _normal(quote) in _reference(file), f"{file} does not say: {quote!r}"
    if isinstance(rule, Rule):
        for value in stated(rule):
            assert value in text, f"the citation of {api} {op_id} {name} does not state {value!r}"
