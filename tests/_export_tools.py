"""What the export tests share: the store sizes they seed, clients of both sandbox sites, the
oracles that check a written file against the store, a scripted ``GET /orders`` server, and the
command-line tests' running sandbox with its keys in the environment.

The conftest loads this module as a plugin, so its fixtures (``running``, ``keys``) reach every
test; a module that needs another sandbox defines its own fixture of the same name.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from _loopback import Handler, json_response
from conftest import SandboxInThread, point_clients_at
from storeflow import Pocketsflow, Reflow
from storeflow._serde import wire_fields
from storeflow.pocketsflow import models as pf_models
from storeflow.reflow import models as rf_models
from storeflow.sandbox import Sandbox, Scale

CLI = [sys.executable, "-c", "import sys; from storeflow.cli import main; sys.exit(main())"]
"""The ``storeflow`` command, run in a subprocess."""

# Every paginated collection spans several 100-record pages (the in-process export tests).
SMALL = Scale(
    products=12, customers=40, orders=250, reviews=30, discounts=4, upsells=3, subscriptions=130,
    reflow_products=130, reflow_categories=9, reflow_orders=230, reflow_users=120, reflow_plans=4,
)  # fmt: skip
# 40 pages of Pocketsflow orders and two of Reflow users, the rest small (the command's tests).
STORE = Scale(
    products=10, customers=50, orders=4000, reviews=10, discounts=2, upsells=2, subscriptions=10,
    reflow_products=10, reflow_categories=4, reflow_orders=150, reflow_users=150, reflow_plans=2,
)  # fmt: skip

MODELS: dict[str, dict[str, type]] = {  # the model of each collection's records
    "pocketsflow": {
        "products": pf_models.Product,
        "orders": pf_models.Order,
        "customers": pf_models.Customer,
        "reviews": pf_models.Review,
        "discounts": pf_models.Discount,
        "upsells": pf_models.Upsell,
        "subscriptions": pf_models.Subscription,
    },
    "reflow": {
        "products": rf_models.Product,
        "categories": rf_models.Category,
        "orders": rf_models.Order,
        "users": rf_models.User,
        "plans": rf_models.Plan,
    },
}


@contextlib.asynccontextmanager
async def clients(sb: Sandbox, **options: Any) -> AsyncIterator[tuple[Pocketsflow, Reflow]]:
    """Clients of both sandbox sites; no client-side limiter unless given (tests share a host)."""
    options.setdefault("rate_limit", None)
    options.setdefault("strict", True)  # sandbox answers must match the schema exactly
    async with (
        Pocketsflow(api_key=sb.pocketsflow_test_key, base_url=sb.pocketsflow_url, **options) as pf,
        Reflow(
            project_id=sb.reflow_project_id,
            api_key=sb.reflow_api_key,
            base_url=sb.reflow_url,
            **options,
        ) as rf,
    ):
        yield pf, rf


def flat_tree(nodes: list[dict[str, Any]], parent: int | None = None) -> Iterator[dict[str, Any]]:
    """The oracle for flattened categories: each node, then its subtree, with ``parent_id``."""
    for node in nodes:
        yield {**{k: v for k, v in node.items() if k != "subcategories"}, "parent_id": parent}
        yield from flat_tree(node.get("subcategories") or [], node["id"])


def expected(sb: Sandbox, api: str, collection: str) -> list[dict[str, Any]]:
    """The records the store holds, as the export should write them."""
    store = sb.pocketsflow if api == "pocketsflow" else sb.reflow
    records = list(store.dump(collection))
    return list(flat_tree(records)) if collection == "categories" else records


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of the JSON Lines file at ``path``; fails if its last line is incomplete."""
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "the last line is not complete"
    return [json.loads(line) for line in data.splitlines()]


def at(record: dict[str, Any], column: str) -> Any:
    """The value under the dotted CSV ``column`` of ``record`` (None where a level is missing)."""
    value: Any = record
    for key in column.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def check_cell(cell: str, value: Any, where: str) -> None:
    """A CSV cell holds the value's exact JSON text form (strings as they are)."""
    if value is None:
        assert cell == "", where
    elif isinstance(value, str):
        assert cell == value, where
    else:
        parsed = json.loads(cell)
        assert parsed == value, where
        assert type(parsed) is type(value), where  # ints stay ints, floats stay floats


def _without_nulls(value: Any) -> Any:
    """``value`` with null members and the objects they leave empty removed (CSV writes null and
    absent alike)."""
    if not isinstance(value, dict):
        return value
    kept = {key: _without_nulls(item) for key, item in value.items() if item is not None}
    return {key: item for key, item in kept.items() if item != {}}


def _put(record: dict[str, Any], column: str, value: Any) -> None:
    *parents, last = column.split(".")
    for key in parents:
        record = record.setdefault(key, {})
    record[last] = value


def check_csv(path: Path, records: list[dict[str, Any]], model: type) -> None:
    """Each row of the CSV at ``path`` carries its JSON record whole: each column's cell is the
    text of its value, and the record rebuilt from the cells and the ``extra`` column is the
    record (null and absent alike)."""
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], rows[1:]
    assert header[-1] == "extra"
    columns = header[:-1]
    assert len(body) == len(records)
    # Every field the model declares has its column (or dotted columns under its name).
    for field in wire_fields(model):
        wire = field.metadata["wire"]
        if wire != "subcategories":
            assert any(c == wire or c.startswith(f"{wire}.") for c in columns), wire
    for number, (row, record) in enumerate(zip(body, records, strict=True)):
        where = f"{path.name} row {number}"
        for column, cell in zip(columns, row[:-1], strict=True):
            check_cell(cell, at(record, column), f"{where} {column}")
        rebuilt: dict[str, Any] = json.loads(row[-1]) if row[-1] else {}
        for column in columns:
            value = at(record, column)
            if value is not None:
                assert at(rebuilt, column) is None, f"{where}: {column} is also in extra"
                _put(rebuilt, column, value)
        assert _without_nulls(rebuilt) == _without_nulls(record), where


def orders_pages(
    total: int, failures: dict[int, list[tuple[int, dict[str, str]]]], *, claimed: int | None = None
) -> Handler:
    """Pocketsflow's ``GET /orders`` over ``total`` orders; page ``n`` first answers each
    ``(status, headers)`` of ``failures[n]`` in turn (a JSON error), then its orders. The
    pagination block counts ``claimed`` orders (default ``total``)."""

    async def handler(request: web.Request) -> web.Response:
        number = int(request.query["page"])
        if failures.get(number):
            status, headers = failures[number].pop(0)
            return json_response({"message": f"status {status}"}, status, headers=headers)
        ids = range((number - 1) * 100, min(number * 100, total))
        pages = -(-total // 100)
        return json_response(
            {
                "orders": [{"_id": f"{i:024x}"} for i in ids],
                "pagination": {
                    "currentPage": number,
                    "pageSize": 100,
                    "totalCount": total if claimed is None else claimed,
                    "totalPages": pages,
                    "hasMore": number < pages,
                },
            }
        )

    return handler


@pytest.fixture(scope="module")
def running(sandbox_in_thread: SandboxInThread) -> Iterator[Sandbox]:
    """A small schema-checked sandbox in a thread, for the synchronous command tests (state
    never changed)."""
    with sandbox_in_thread(seed=12, scale=STORE) as sb:
        yield sb


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch, running: Sandbox) -> Sandbox:
    """``running``, its keys in the environment for the command to find."""
    return point_clients_at(monkeypatch, running)
