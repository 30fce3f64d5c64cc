"""The export engine end to end, over real loopback HTTP against the sandbox: exactness of every
collection in both formats, stable CSV headers, faults, live inserts, 429 accounting, and resume
after a failure or a cancellation (in-process; the killed-subprocess cases are in
``tests/cli/test_export_cli.py``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web

from _export_tools import MODELS, SMALL, check_csv, clients, expected, orders_pages, read_jsonl
from _loopback import KEY, json_response, serve
from conftest import SandboxFactory
from storeflow import Pocketsflow
from storeflow.errors import (
    AuthenticationError,
    DecodeError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from storeflow.export import (
    COLLECTIONS,
    FORMATS,
    ExportError,
    ExportProgress,
    export,
    export_all,
)
from storeflow.export._collections import get
from storeflow.pocketsflow import models as pf_models
from storeflow.sandbox import Faults, Scale


@pytest.mark.parametrize("format", FORMATS)
async def test_every_collection_of_both_apis_equals_the_store(
    sandbox_factory: SandboxFactory, tmp_path: Path, format: str
) -> None:
    sb = await sandbox_factory(seed=3, scale=SMALL)
    async with clients(sb) as (pf, rf):
        summaries = [
            *await export_all(pf, tmp_path, format=format),  # type: ignore[arg-type]
            *await export_all(rf, tmp_path, format=format),  # type: ignore[arg-type]
        ]
    assert [(s.api, s.collection) for s in summaries] == [
        (api, name) for api, names in COLLECTIONS.items() for name in names
    ]
    for s in summaries:
        records = expected(sb, s.api, s.collection)
        assert len(records) > 0, s.collection
        assert s.path == tmp_path / f"{s.api}_{s.collection}.{format}"
        assert s.records == s.expected_total == len(records)
        assert not s.mismatch
        assert s.duplicates == 0
        pages = -(-len(records) // 100) if get(s.api, s.collection).listing.paginated else 1
        assert s.pages == s.requests == pages, s.collection
        if format == "jsonl":
            assert read_jsonl(s.path) == records, s.collection
        else:
            check_csv(s.path, records, MODELS[s.api][s.collection])
    names = sorted(p.name for p in tmp_path.iterdir())  # noqa: ASYNC240 - a test's own tmp dir
    assert names == sorted(s.path.name for s in summaries)


async def test_csv_headers_do_not_depend_on_the_records(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    empty = await sandbox_factory(seed=1, scale=Scale.empty())
    full = await sandbox_factory(seed=2, scale=SMALL)
    headers: dict[str, dict[str, str]] = {}
    for label, sb in (("empty", empty), ("full", full)):
        async with clients(sb) as (pf, rf):
            for client in (pf, rf):
                for s in await export_all(client, tmp_path / label, format="csv"):
                    lines = s.path.read_text(encoding="utf-8").splitlines()
                    assert len(lines) >= 1
                    headers.setdefault(s.path.name, {})[label] = lines[0]
                    if label == "empty":
                        assert s.records == 0
    for name, seen in headers.items():
        assert seen["empty"] == seen["full"], name


async def test_faults_do_not_change_the_result(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    faults = Faults(seed=11, latency=0.001, jitter=0.01, error_rate=0.05, drop_rate=0.05)
    sb = await sandbox_factory(seed=4, scale=SMALL, faults=faults)
    # The clients' default retries: the transport's (not 500s) and the engine's page retries.
    async with clients(sb) as (pf, rf):
        summaries = [*await export_all(pf, tmp_path), *await export_all(rf, tmp_path)]
    for s in summaries:
        assert read_jsonl(s.path) == expected(sb, s.api, s.collection), s.collection
        assert not s.mismatch
    stats = sb.stats()
    injected = sum(stats.pocketsflow.faults.values()) + sum(stats.reflow.faults.values())
    assert injected > 0
    # Every injected failure cost a retry, and the summaries counted them all.
    assert sum(s.retries for s in summaries) == injected
    assert sum(s.requests for s in summaries) == stats.pocketsflow.requests + stats.reflow.requests


@pytest.mark.parametrize(("api", "id_field"), [("pocketsflow", "_id"), ("reflow", "id")])
async def test_orders_created_during_the_export_neither_appear_nor_shift_pages(
    sandbox_factory: SandboxFactory, tmp_path: Path, api: str, id_field: str
) -> None:
    # Jitter lets later pages be served before earlier ones, so an unpinned list would lose
    # records at page boundaries when inserts shift it.
    sb = await sandbox_factory(
        seed=5,
        scale=attrs.evolve(SMALL, orders=1200, reflow_orders=1200),
        faults=Faults(jitter=0.02),
    )
    store = sb.pocketsflow if api == "pocketsflow" else sb.reflow
    before = list(store.dump("orders"))
    inserted: list[dict[str, Any]] = []

    def sell(progress: ExportProgress) -> None:
        if not progress.done:
            inserted.extend(store.add_orders(9))

    async with clients(sb) as (pf, rf):
        summary = await export(
            pf if api == "pocketsflow" else rf, "orders", tmp_path / "o.jsonl", progress=sell
        )
    assert len(inserted) >= 9 * 11
    written = read_jsonl(summary.path)
    assert written == before
    assert len({r[id_field] for r in written}) == len(written)
    assert summary.records == summary.expected_total == len(before)
    assert len(list(store.dump("orders"))) == len(before) + len(inserted)


async def test_rate_limited_answers_are_waited_out_and_counted(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    # One request per 0.1 real seconds: of the eight first pages, sent at once, some meet 429s.
    sb = await sandbox_factory(
        seed=6,
        scale=attrs.evolve(SMALL, orders=2500),
        rate_limit="fixed",
        limit=1,
        window=10.0,
        time_scale=100,
    )
    async with clients(sb, max_retries=20) as (pf, _):
        summary = await export(pf, "orders", tmp_path / "o.jsonl", concurrency=8)
    stats = sb.stats().pocketsflow
    assert stats.rate_limited > 0
    assert summary.rate_limited == stats.rate_limited
    assert summary.requests == stats.requests == 25 + stats.rate_limited
    assert summary.retries == stats.rate_limited
    assert read_jsonl(summary.path) == expected(sb, "pocketsflow", "orders")


class Crash(Exception):
    """Stands for a failure in the middle of an export."""


async def test_an_export_that_failed_resumes_exactly(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sb = await sandbox_factory(seed=8, scale=attrs.evolve(SMALL, orders=1500))
    path = tmp_path / "orders.csv"

    def crash_at_page_6(progress: ExportProgress) -> None:
        if progress.pages == 6:
            raise Crash

    async with clients(sb) as (pf, _):
        with pytest.raises(Crash):
            await export(
                pf, "orders", path, format="csv", progress=crash_at_page_6, checkpoint_interval=0
            )
        part = path.with_name("orders.csv.part")
        assert part.exists()
        assert not path.exists()
        with pytest.raises(ExportError, match="resume"):
            await export(pf, "orders", path, format="csv")
        with pytest.raises(ExportError, match="format"):
            await export(pf, "orders", path, format="jsonl", resume=True)
    # The same collection of another store (here the live data set) must not be mixed in.
    async with Pocketsflow(
        api_key=sb.pocketsflow_live_key, base_url=sb.pocketsflow_url, rate_limit=None
    ) as live:
        with pytest.raises(ExportError, match=r"has source .*\(test data\).*\(live data\)"):
            await export(live, "orders", path, format="csv", resume=True)
    async with clients(sb) as (pf, _):
        resumed = await export(pf, "orders", path, format="csv", resume=True)
    assert resumed.resumed
    assert resumed.pages == 15
    assert resumed.requests == 9  # pages 7 to 15 only
    assert resumed.records == 1500
    assert not part.exists()
    assert not path.with_name("orders.csv.checkpoint.json").exists()
    check_csv(path, expected(sb, "pocketsflow", "orders"), pf_models.Order)
    assert path.read_text(encoding="utf-8").count("_id,buyerEmail") == 1  # one header


async def test_a_crash_between_rename_and_checkpoint_removal_resumes_as_complete(
    sandbox_factory: SandboxFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = await sandbox_factory(seed=8, scale=SMALL)
    path = tmp_path / "orders.jsonl"
    replace = os.replace

    def crash_after_the_rename(source: Any, target: Any) -> None:
        replace(source, target)
        if Path(target) == path:
            raise Crash

    async with clients(sb) as (pf, _):
        monkeypatch.setattr(os, "replace", crash_after_the_rename)
        with pytest.raises(Crash):
            # A long interval: only the commit made on finishing can count the whole file.
            await export(pf, "orders", path, checkpoint_interval=3600)
        monkeypatch.undo()
        assert path.exists()
        assert path.with_name("orders.jsonl.checkpoint.json").exists()
        resumed = await export(pf, "orders", path, resume=True)
    assert resumed.resumed
    assert resumed.requests == 0
    assert (resumed.records, resumed.pages, resumed.expected_total) == (250, 3, 250)
    assert not resumed.mismatch
    assert read_jsonl(path) == expected(sb, "pocketsflow", "orders")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # noqa: ASYNC240 - own tmp dir


@pytest.mark.looptime
@pytest.mark.parametrize(
    ("answers", "retries", "rate_limited"),
    [
        ([(500, {})], 1, 0),  # the client does not retry a 500; the engine does
        ([(429, {"Retry-After": "5"})] * 3, 3, 3),  # the client retries twice, the engine once
        ([(503, {})] * 3, 3, 0),
    ],
    ids=["500", "429", "503"],
)
async def test_a_page_that_still_fails_after_the_client_retries_is_fetched_again(
    tmp_path: Path, answers: list[tuple[int, dict[str, str]]], retries: int, rate_limited: int
) -> None:
    async with (
        serve(orders_pages(250, {2: list(answers)})) as server,
        Pocketsflow(api_key=KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        summary = await export(pf, "orders", tmp_path / "o.jsonl", concurrency=1)
    assert [r["_id"] for r in read_jsonl(summary.path)] == [f"{i:024x}" for i in range(250)]
    assert server.hits("/orders") == 3 + len(answers)
    assert (summary.retries, summary.rate_limited) == (retries, rate_limited)


@pytest.mark.looptime
@pytest.mark.parametrize("field", ["orders", "totalCount"])
async def test_a_misshapen_page_that_quotes_the_key_does_not_leak_it(
    tmp_path: Path, field: str
) -> None:
    async def echo(request: web.Request) -> web.Response:
        quoted = request.headers["Authorization"]
        pagination = {"totalCount": 1, "totalPages": 1, field: quoted}
        return json_response({"orders": [], "pagination": pagination, field: quoted})

    async with (
        serve(echo) as server,
        Pocketsflow(api_key=KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        with pytest.raises(DecodeError, match="not shaped as expected") as caught:
            await export(pf, "orders", tmp_path / "o.jsonl")
    error = caught.value
    assert KEY not in f"{error} {error!r} {error.body} {error.__cause__!r} {error.__context__!r}"
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 - nothing written, nothing left


@pytest.mark.looptime
async def test_a_count_that_differs_from_the_api_total_is_flagged(tmp_path: Path) -> None:
    async with (
        serve(orders_pages(250, {}, claimed=251)) as server,
        Pocketsflow(api_key=KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        summary = await export(pf, "orders", tmp_path / "o.jsonl")
    assert (summary.records, summary.expected_total) == (250, 251)
    assert summary.mismatch


@pytest.mark.looptime
@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (401, {}, AuthenticationError),
        (404, {}, NotFoundError),
        # Longer than the client waits out: not waited out by the engine either.
        (429, {"Retry-After": "3600"}, RateLimitError),
    ],
    ids=["401", "404", "429-for-an-hour"],
)
async def test_a_page_is_not_fetched_again_when_that_cannot_help(
    tmp_path: Path, status: int, headers: dict[str, str], error: type[Exception]
) -> None:
    path = tmp_path / "o.jsonl"
    async with (
        serve(orders_pages(250, {2: [(status, headers)] * 10})) as server,
        Pocketsflow(api_key=KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        with pytest.raises(error):
            await export(pf, "orders", path, concurrency=1)
    assert server.hits("/orders") == 2
    checkpoint = json.loads(path.with_name("o.jsonl.checkpoint.json").read_bytes())
    assert (checkpoint["pages"], checkpoint["records"]) == (1, 100)  # resumable


async def test_a_cancelled_export_checkpoints_and_resumes_exactly(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sb = await sandbox_factory(
        seed=9, scale=attrs.evolve(SMALL, reflow_users=1500), faults=Faults(latency=0.01)
    )
    path = tmp_path / "users.jsonl"
    async with clients(sb) as (_, rf):
        task: asyncio.Task[Any] | None = None

        def cancel_at_page_4(progress: ExportProgress) -> None:
            if progress.pages == 4 and task is not None:
                task.cancel()  # what Ctrl-C does to the command's main task

        # A long interval: only the commit made on cancellation can record page 4.
        task = asyncio.create_task(
            export(
                rf,
                "users",
                path,
                concurrency=2,
                progress=cancel_at_page_4,
                checkpoint_interval=3600,
            )
        )
        with pytest.raises(asyncio.CancelledError):
            await task
        # The cancellation lands at the export's next wait, a page or two later.
        checkpoint = json.loads(path.with_name("users.jsonl.checkpoint.json").read_bytes())
        assert 4 <= checkpoint["pages"] < 15
        assert checkpoint["records"] == 100 * checkpoint["pages"]
        assert not path.exists()
        resumed = await export(rf, "users", path, resume=True)
    assert resumed.requests == 15 - checkpoint["pages"]
    assert read_jsonl(path) == expected(sb, "reflow", "users")


async def test_export_all_resume_skips_finished_collections(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sb = await sandbox_factory(seed=10, scale=SMALL)

    def crash_in_customers(progress: ExportProgress) -> None:
        if progress.collection == "customers":
            raise Crash

    async with clients(sb) as (pf, _):
        with pytest.raises(Crash):
            await export_all(pf, tmp_path, progress=crash_in_customers)
        summaries = await export_all(pf, tmp_path, resume=True)
    by_name = {s.collection: s for s in summaries}
    assert by_name["products"].requests == by_name["orders"].requests == 0
    assert by_name["orders"].records == 250
    for s in summaries:
        assert read_jsonl(s.path) == expected(sb, "pocketsflow", s.collection)


async def test_arguments_are_checked_before_anything_is_sent(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    sb = await sandbox_factory(seed=1, scale=Scale.empty())
    async with clients(sb) as (pf, rf):
        with pytest.raises(ValidationError, match="choose one of"):
            await export(pf, "widgets", tmp_path / "x")
        with pytest.raises(ValidationError, match="format"):
            await export(pf, "orders", tmp_path / "x", format="xml")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="concurrency"):
            await export(rf, "orders", tmp_path / "x", concurrency=0)
        with pytest.raises(ValidationError, match="concurrency: must be an integer"):
            await export(rf, "plans", tmp_path / "x", concurrency=2.5)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="resume"):
            await export(rf, "orders", tmp_path / "x", resume=True, overwrite=True)
        with pytest.raises(ValidationError, match="cannot be filtered by date"):
            await export(rf, "users", tmp_path / "x", start_date=dt.date(2024, 1, 1))
        with pytest.raises(ValidationError, match="client"):
            await export(object(), "orders", tmp_path / "x")  # type: ignore[arg-type]
    assert sb.stats().pocketsflow.requests == sb.stats().reflow.requests == 0
    assert not list(tmp_path.iterdir())  # noqa: ASYNC240 - a test's own tmp dir
