"""Many stores in one export, over real loopback HTTP: the outputs, fairness between stores
under one shared limiter, isolation of a failing store, the ``--shard`` split, store lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from _export_tools import orders_pages
from _loopback import KEY, serve
from storeflow import Pocketsflow, RateLimit, Reflow
from storeflow.cli import main
from storeflow.errors import ValidationError
from storeflow.export import (
    COLLECTIONS,
    Store,
    StoreSpec,
    export_all,
    export_many,
    in_shard,
    parse_shard,
    parse_stores,
)
from storeflow.sandbox import Sandbox


def keyed(n: int) -> list[str]:
    return [f"{KEY}{i:03d}" for i in range(n)]


async def test_every_store_is_exported_as_if_alone_into_its_own_folder(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with (
        Pocketsflow(sb_key := sandbox.pocketsflow_test_key, base_url=sandbox.pocketsflow_url) as a,
        Pocketsflow(sandbox.pocketsflow_live_key, base_url=sandbox.pocketsflow_url) as b,
        Reflow(sandbox.reflow_project_id, sandbox.reflow_api_key, base_url=sandbox.reflow_url) as r,
    ):
        many = await export_many([Store(a, "acme"), b, r], tmp_path / "many")
        alone = {
            name: await export_all(client, tmp_path / name)
            for name, client in (("a", a), ("b", b), ("r", r))
        }
    names = [s.name for s in many.stores]
    assert names == ["acme", f"pocketsflow-{b.store_id}", f"reflow-{r.store_id}"]
    for result, solo in zip(many.stores, alone.values(), strict=True):
        assert result.error is None
        assert [s.collection for s in result.summaries] == list(COLLECTIONS[result.api])
        for s, one in zip(result.summaries, solo, strict=True):
            assert s.path == tmp_path / "many" / result.name / one.path.name
            assert s.path.read_bytes() == one.path.read_bytes()
    assert many.records == sum(s.records for solo in alone.values() for s in solo)
    assert (many.skipped, many.failed, many.rate_limited) == (0, (), 0)
    listing = " ".join(str(p) for p in (tmp_path / "many").rglob("*"))
    for key in (sb_key, sandbox.pocketsflow_live_key, sandbox.reflow_api_key):
        assert key not in listing
        assert key not in repr(many)


@pytest.mark.looptime
async def test_stores_interleave_under_the_shared_limiter_so_none_waits_for_another(
    tmp_path: Path,
) -> None:
    sizes = dict(zip(keyed(3), (2000, 300, 300), strict=True))
    handlers = {key: orders_pages(total, {}) for key, total in sizes.items()}

    async def by_key(request: web.Request) -> web.StreamResponse:
        return await handlers[request.headers["Authorization"].removeprefix("Bearer ")](request)

    rate = RateLimit(10, 1.0)  # one budget: every client of this endpoint shares its limiter
    async with serve(by_key) as server:
        clients = [Pocketsflow(key, base_url=server.url, rate_limit=rate) for key in sizes]
        try:
            many = await export_many(clients, tmp_path, collection="orders")
        finally:
            for client in clients:
                await client.aclose()
    arrivals = [seen.headers["Authorization"].removeprefix("Bearer ") for seen in server.seen]
    _big, *small = sizes
    assert len(arrivals) == 20 + 3 + 3
    # Sequential stores would put the small ones after the big one's 20 pages; fair turns
    # finish each small store's 3 pages within the first rounds.
    for key in small:
        assert max(i for i, k in enumerate(arrivals) if k == key) < 12, arrivals
    assert set(arrivals[:3]) == set(sizes)
    assert [s.summaries[0].records for s in many.stores] == list(sizes.values())


@pytest.mark.looptime
async def test_a_failing_store_is_reported_and_does_not_stop_the_others(tmp_path: Path) -> None:
    good, bad = keyed(2)
    pages = orders_pages(250, {})

    async def by_key(request: web.Request) -> web.StreamResponse:
        if request.headers["Authorization"] == f"Bearer {bad}":
            return web.json_response({"message": "Invalid API key"}, status=401)
        return await pages(request)

    async with (
        serve(by_key) as server,
        Pocketsflow(good, base_url=server.url, rate_limit=None) as g,
        Pocketsflow(bad, base_url=server.url, rate_limit=None) as b,
    ):
        many = await export_many([g, Store(b, "bad")], tmp_path, collection="orders")
    ok, failed = many.stores
    assert (ok.error, ok.summaries[0].records) == (None, 250)
    assert failed.error is not None
    assert "Invalid API key" in failed.error
    assert many.failed == (failed,)
    assert failed.summaries == ()
    assert bad not in str(failed.error)
    assert bad not in repr(many)


def test_the_shards_split_the_stores_exactly_once_and_stably() -> None:
    clients = [Pocketsflow(key, base_url="http://127.0.0.1:9") for key in keyed(40)]
    clients += [Reflow(i, base_url="http://127.0.0.1:9") for i in range(1, 21)]
    for n in (1, 2, 5):
        owners = [[k for k in range(1, n + 1) if in_shard(c, (k, n))] for c in clients]
        assert all(len(o) == 1 for o in owners)  # exactly one shard each
        if n == 5:
            counts = [sum(o == [k] for o in owners) for k in range(1, 6)]
            assert all(c > 0 for c in counts)
    again = [Pocketsflow(key, base_url="http://127.0.0.1:9") for key in keyed(40)]
    assert [c.store_id for c in again] == [c.store_id for c in clients[:40]]
    assert all(KEY not in c.store_id and len(c.store_id) == 12 for c in clients)


@pytest.mark.looptime
async def test_export_many_with_a_shard_exports_only_its_stores(tmp_path: Path) -> None:
    async with serve(orders_pages(5, {})) as server:
        clients = [Pocketsflow(k, base_url=server.url, rate_limit=None) for k in keyed(8)]
        try:
            done = [
                await export_many(clients, tmp_path, collection="orders", shard=(k, 3))
                for k in (1, 2, 3)
            ]
        finally:
            for client in clients:
                await client.aclose()
    exported = sorted(s.name for d in done for s in d.stores)
    assert exported == sorted(f"pocketsflow-{c.store_id}" for c in clients)
    assert [d.skipped for d in done] == [8 - len(d.stores) for d in done]


def test_parse_shard() -> None:
    assert parse_shard("2/5") == (2, 5)
    for bad in ("0/5", "6/5", "2", "a/b", "2/0"):
        with pytest.raises(ValidationError, match="K/N"):
            parse_shard(bad)


def test_store_lists_in_lines_and_json_never_quote_a_key() -> None:
    text = f"acme=pocketsflow:{KEY}  # the main store\nreflow:12:{KEY}x\n\nreflow:7\n"
    assert parse_stores(text) == [
        StoreSpec("pocketsflow", KEY, None, "acme"),
        StoreSpec("reflow", f"{KEY}x", 12, None),
        StoreSpec("reflow", None, 7, None),
    ]
    assert KEY not in repr(parse_stores(text))
    assert parse_stores(f"pocketsflow:{KEY}==") == [StoreSpec("pocketsflow", f"{KEY}==")]
    json = (
        f'[{{"api": "pocketsflow", "api_key": "{KEY}", "name": "n"}}, '
        '{"api": "reflow", "project_id": 3}]'
    )
    assert parse_stores(json) == [
        StoreSpec("pocketsflow", KEY, None, "n"),
        StoreSpec("reflow", None, 3, None),
    ]
    for bad in (
        KEY,
        f"shopify:{KEY}",
        f"reflow:x:{KEY}",
        f'[{{"api": "reflow", "api_key": "{KEY}"}}]',
    ):
        with pytest.raises(ValidationError) as caught:
            parse_stores(bad)
        assert KEY not in str(caught.value)


async def test_bad_or_repeated_store_names_are_refused(tmp_path: Path) -> None:
    async with (
        Pocketsflow(KEY, base_url="http://127.0.0.1:9") as a,
        Pocketsflow(KEY, base_url="http://127.0.0.1:9") as b,
    ):
        with pytest.raises(ValidationError, match="twice"):
            await export_many([a, b], tmp_path)
        with pytest.raises(ValidationError, match="store name"):
            await export_many([Store(a, "../x")], tmp_path)


def test_the_command_exports_the_stores_of_a_file_and_the_environment_with_one_summary(
    shared_sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sb = shared_sandbox
    monkeypatch.setenv("POCKETSFLOW_BASE_URL", sb.pocketsflow_url)
    monkeypatch.setenv("REFLOW_BASE_URL", sb.reflow_url)
    listing = tmp_path / "stores.txt"
    listing.write_text(
        f"# two stores\nacme=pocketsflow:{sb.pocketsflow_test_key}\n"
        f"reflow:{sb.reflow_project_id}:{sb.reflow_api_key}\n"
    )
    out = tmp_path / "out"
    assert main(["export", "stores", "products", "--stores", str(listing), "--out", str(out)]) == 0
    printed, err = capsys.readouterr()
    rf = f"reflow-{Reflow(sb.reflow_project_id, base_url=sb.reflow_url).store_id}"
    assert sorted(p.name for p in out.iterdir()) == sorted(["acme", rf])
    assert printed.splitlines()[0].startswith("acme: pocketsflow products: ")
    assert printed.splitlines()[-1].startswith("2 stores (0 failed, 0 in other shards): ")
    assert sb.pocketsflow_test_key not in printed + err

    # From the environment, split in two shards: together they export each store once.
    monkeypatch.setenv(
        "STOREFLOW_STORES",
        f"pocketsflow:{sb.pocketsflow_test_key} pocketsflow:{sb.pocketsflow_live_key}",
    )
    shards = tmp_path / "shards"
    for k in (1, 2):
        assert (
            main(["export", "stores", "customers", "--out", str(shards), "--shard", f"{k}/2"]) == 0
        )
    assert len(list(shards.iterdir())) == 2
    assert "in other shards" in capsys.readouterr().out


def test_the_command_refuses_bad_store_arguments_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("STOREFLOW_STORES", raising=False)
    cases = [
        (["export", "stores", "all"], "no store given"),
        (["export", "stores", "all", "--store", KEY], "a store is"),
        (
            ["export", "stores", "all", "--store", f"pocketsflow:{KEY}", "--api-key", KEY],
            "--api-key",
        ),
        (["export", "pocketsflow", "all", "--shard", "1/2"], "'storeflow export stores' only"),
    ]
    for argv, message in cases:
        assert main([*argv, "--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert message in err
        assert KEY not in err
        assert len(err.splitlines()) == 1
