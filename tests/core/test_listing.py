"""The one list protocol: raw pages through the client, pins, and the client's read-only view."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web

from _loopback import KEY, answering, json_response, serve
from storeflow import Pocketsflow, Reflow
from storeflow.errors import ValidationError
from storeflow.export._collections import get


async def test_a_raw_page_sends_the_declared_query_and_reads_the_envelope_key_masked() -> None:
    async def orders(request: web.Request) -> web.Response:
        return json_response(
            {
                "orders": [{"_id": "a", "note": f"echo {KEY}"}],
                "pagination": {"totalCount": "101", "totalPages": 2},
            }
        )

    async with (
        serve({"/orders": orders}) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        page = await pf.orders.raw_page(2, params={"productId": "p1"})
    query = parse_qs(urlsplit(server.seen[0].path_qs).query)
    assert query == {"page": ["2"], "pageSize": ["100"], "productId": ["p1"]}
    assert (page.number, page.total, page.total_pages) == (2, 101, 2)
    assert page.records[0]["_id"] == "a"
    assert KEY not in page.records[0]["note"]


async def test_a_raw_page_of_a_list_read_with_a_post_sends_its_query_as_the_body() -> None:
    answer = {"subscriptions": [], "pagination": {"totalCount": 0, "totalPages": 0}}
    async with (
        serve({"/orders/subscriptions": answering(answer)}) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        page = await pf.subscriptions.raw_page(1, page_size=7)
    assert server.seen[0].method == "POST"
    assert json.loads(server.seen[0].body) == {"page": 1, "pageSize": 7}
    assert (page.records, page.total, page.total_pages) == ([], 0, 0)


async def test_a_raw_page_of_a_tree_comes_flat_and_an_unpaginated_list_is_one_page() -> None:
    tree = [{"id": 1, "subcategories": [{"id": 2, "subcategories": []}]}, {"id": 3}]
    async with (
        serve(answering(tree)) as server,
        Reflow(1, KEY, base_url=server.url, rate_limit=None) as rf,
    ):
        page = await rf.categories.raw_page()
    assert "page" not in server.seen[0].path_qs
    assert [(r["id"], r["parent_id"]) for r in page.records] == [(1, None), (2, 1), (3, None)]
    assert (page.number, page.total, page.total_pages) == (1, 3, 1)


async def test_a_resource_without_a_list_has_no_raw_pages_and_sizes_are_checked() -> None:
    async with Pocketsflow(KEY, base_url="http://127.0.0.1:9", rate_limit=None) as pf:
        with pytest.raises(TypeError, match="Users has no list"):
            await pf.users.raw_page()
        with pytest.raises(ValidationError, match="page_size"):
            await pf.orders.raw_page(1, page_size=0)


def test_iter_and_the_export_pin_a_list_by_the_same_rule() -> None:
    between = dt.datetime(2026, 1, 1, 12, 0, 0, 200_000, tzinfo=dt.UTC)
    whole = between.replace(microsecond=0)
    # Whole-second bounds (Reflow orders) pin the next whole second; instants pin themselves.
    assert Reflow.listings["orders"].pin(between) == whole + dt.timedelta(seconds=1)
    assert Reflow.listings["orders"].pin(whole) == whole
    assert Pocketsflow.listings["orders"].pin(between) == between
    assert get("reflow", "orders").listing.pin(between) == Reflow.listings["orders"].pin(between)
    assert get("pocketsflow", "orders").listing.pin(between) == between


def test_the_client_shows_its_timeout_retries_limiter_and_key_read_only() -> None:
    pf = Pocketsflow(KEY, base_url="http://127.0.0.1:9", max_retries=3)
    view = pf.with_options(timeout=5, max_retries=0)
    assert pf.retry_policy.max_retries == 3
    assert view.retry_policy.max_retries == 0
    assert view.timeout.total == 5
    assert pf.timeout.total != 5
    assert pf.limiter is not None
    assert view.limiter is pf.limiter  # the views share the client's limiter
    assert pf.has_api_key
    with pytest.raises(AttributeError):
        pf.timeout = view.timeout  # type: ignore[misc]
