"""The export under hostile conditions: two exports of one output, a crash forced at every
step of the write/commit sequence, tampered or damaged state, odd page shapes, bad inputs, and
the number of requests one failing page draws."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from _export_tools import CLI, expected, orders_pages, read_jsonl
from _loopback import KEY, json_response, serve
from storeflow import Pocketsflow, errors, ratelimit
from storeflow.cli import main
from storeflow.export import ExportError, export
from storeflow.export._checkpoint import CRASH_EXIT, CRASH_POINTS, load, save
from storeflow.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _fresh_budget() -> Iterator[None]:
    # The in-process commands share the module sandbox's endpoint, whose 200-a-minute budget a
    # few full exports would spend: each test starts with its own (the sandbox counts none).
    ratelimit._registry.limiters.clear()
    yield
    ratelimit._registry.limiters.clear()


def command(sb: Sandbox, out: Path, *extra: str) -> list[str]:
    return [
        *CLI,
        *("export", "pocketsflow", "orders", "--out", str(out)),
        *("--base-url", sb.pocketsflow_url, "--concurrency", "2", "--checkpoint-interval", "0"),
        *extra,
    ]


def run(
    args: list[str], sb: Sandbox, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POCKETSFLOW_API_KEY": sb.pocketsflow_test_key}
    env.pop("STOREFLOW_EXPORT_CRASH_AT", None)
    if crash_at is not None:
        env["STOREFLOW_EXPORT_CRASH_AT"] = crash_at
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)


def crash(sb: Sandbox, out: Path, at: str, *extra: str) -> None:
    stopped = run(command(sb, out, *extra), sb, crash_at=at)
    assert stopped.returncode == CRASH_EXIT, stopped.stderr
    assert not out.exists() or at.startswith("finish.")


def crash_and_resume(sb: Sandbox, out: Path, at: str, *extra: str) -> None:
    """Crash an export at ``at``, then resume it, which must succeed without a traceback."""
    crash(sb, out, at, *extra)
    resumed = run(command(sb, out, *extra, "--resume"), sb)
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr


# --- a crash at every step of the write/commit sequence ---------------------------------------

POINTS = [
    *CRASH_POINTS,
    # Later passes of the steps every page commit goes through.
    "save.temporary-synced:9",
    "save.renamed:20",
    "commit.part-synced:17",
]


def holds_the_full_set_alone(sb: Sandbox, out: Path) -> None:
    """The resumed JSON Lines export holds exactly the full set, and nothing is left beside it."""
    assert read_jsonl(out) == expected(sb, "pocketsflow", "orders")
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def has_one_header(sb: Sandbox, out: Path) -> None:
    """The resumed CSV export has one header, then a line for each record of the full set."""
    text = out.read_text(encoding="utf-8")
    assert text.count("_id,buyerEmail") == 1
    assert len(text.splitlines()) == 1 + len(expected(sb, "pocketsflow", "orders"))


RESUMES = [
    *(
        pytest.param(point, "orders.jsonl", (), holds_the_full_set_alone, id=point)
        for point in POINTS
    ),
    *(
        pytest.param(point, "orders.csv", ("--format", "csv"), has_one_header, id=f"csv-{point}")
        for point in ["open.checkpoint-saved", "commit.part-synced:3"]
    ),
]
"""(crash point, output file name, export options, what the resumed file must be)."""


@pytest.mark.parametrize(("point", "name", "options", "check"), RESUMES)
def test_a_crash_at_every_step_resumes_to_exactly_the_full_set(
    running: Sandbox,
    tmp_path: Path,
    point: str,
    name: str,
    options: tuple[str, ...],
    check: Callable[[Sandbox, Path], None],
) -> None:
    out = tmp_path / name
    crash_and_resume(running, out, point, *options)
    check(running, out)


# --- tampered or damaged state ---------------------------------------------------------------


def _edit_sealed(checkpoint_path: Path, **changes: Any) -> None:
    """Change fields and seal the result again, as a careful editor would: the checks behind
    the seal must catch it."""
    stored = load(checkpoint_path)
    assert stored is not None
    for name, value in changes.items():
        setattr(stored, name, value)
    save(checkpoint_path, stored)


def _edit_raw(checkpoint_path: Path, **changes: Any) -> None:
    fields = json.loads(checkpoint_path.read_bytes())
    fields.update(changes)
    checkpoint_path.write_text(json.dumps(fields))


TAMPERING = {
    "offset-by-hand": lambda cp, part: _edit_raw(
        cp, offset=json.loads(cp.read_bytes())["offset"] - 3
    ),
    "pages-by-hand": lambda cp, part: _edit_raw(cp, pages=1),
    "params-by-hand": lambda cp, part: _edit_raw(cp, params={}),
    "offset-mid-line": lambda cp, part: _edit_sealed(cp, offset=load(cp).offset - 3),  # type: ignore[union-attr]
    "params-dropped": lambda cp, part: _edit_sealed(cp, params={}),
    "pages-as-text": lambda cp, part: _edit_sealed(cp, pages="3"),
    "huge-total-pages": lambda cp, part: _edit_raw(cp, total_pages=10**30),
    "huge-offset": lambda cp, part: _edit_sealed(cp, offset=2**53, records=1),
    "pages-beyond-total": lambda cp, part: _edit_sealed(cp, pages=99, total_pages=40),
    "ids-not-lists": lambda cp, part: _edit_sealed(cp, recent_ids=[{"a": 1}]),
    "not-an-object": lambda cp, part: cp.write_text("[1, 2, 3]"),
    "truncated-json": lambda cp, part: cp.write_bytes(cp.read_bytes()[:40]),
    "part-changed": lambda cp, part: part.write_bytes(b"X" + part.read_bytes()[1:]),
    "part-gone": lambda cp, part: part.unlink(),
}


@pytest.fixture(scope="module")
def crashed(running: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files of an export killed after its third page commit (made once, copied per test)."""
    folder = tmp_path_factory.mktemp("crashed")
    crash(running, folder / "orders.jsonl", "commit.part-synced:4")
    return folder


@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_tampered_state_is_refused_with_one_line_and_exit_2(
    keys: Sandbox,
    crashed: Path,
    tmp_path: Path,
    tampering: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "orders.jsonl"
    for state in crashed.iterdir():
        shutil.copy(state, tmp_path / state.name)
    checkpoint = out.with_name("orders.jsonl.checkpoint.json")
    part = out.with_name("orders.jsonl.part")
    before = part.read_bytes()
    TAMPERING[tampering](checkpoint, part)
    resume = ["export", "pocketsflow", "orders", "--out", str(out), "--resume"]
    code = main([*resume, "--base-url", keys.pocketsflow_url])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 2, captured.err
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    assert "--overwrite" in lines[0]
    assert not out.exists()
    if tampering not in ("part-changed", "part-gone"):
        assert part.read_bytes() == before  # nothing cut, nothing appended
    # Starting over as told works.
    assert (
        main(
            [
                "export",
                "pocketsflow",
                "orders",
                "--out",
                str(out),
                "--overwrite",
                "--base-url",
                keys.pocketsflow_url,
            ]
        )
        == 0
    )
    assert read_jsonl(out) == expected(keys, "pocketsflow", "orders")


# --- two exports of one output -----------------------------------------------------------------


@pytest.mark.looptime(False)  # a second process takes part, on the real clock
async def test_a_second_export_of_one_output_is_refused_naming_it_and_the_holder(
    tmp_path: Path,
) -> None:
    out = tmp_path / "o.jsonl"
    release = asyncio.Event()
    pages = orders_pages(250, {})

    async def slow(request: web.Request) -> web.StreamResponse:
        if request.query["page"] == "2":
            await release.wait()
        return await pages(request)

    async with serve(slow) as server, Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf:
        first = asyncio.create_task(export(pf, "orders", out, concurrency=1))
        while server.hits() < 2:  # noqa: ASYNC110 - waits for the export to be mid-way
            await asyncio.sleep(0.01)
        # The same process, and another one, each meet the lock.
        with pytest.raises(ExportError) as caught:
            await export(pf, "orders", out, resume=True)
        assert str(out) in str(caught.value)
        assert f"pid {os.getpid()}" in str(caught.value)
        other = await asyncio.create_subprocess_exec(
            *CLI,
            "export",
            "pocketsflow",
            "orders",
            "--out",
            str(out),
            "--resume",
            "--base-url",
            server.url,
            env={**os.environ, "POCKETSFLOW_API_KEY": KEY},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await other.communicate()
        assert other.returncode == 1
        assert f"another export of {out} is running (pid {os.getpid()})" in err.decode()
        release.set()
        summary = await first
    assert summary.records == 250
    assert [r["_id"] for r in read_jsonl(out)] == [f"{i:024x}" for i in range(250)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # noqa: ASYNC240


# --- odd page shapes -------------------------------------------------------------------------


def page_of(orders: Any, **pagination: Any) -> Any:
    async def handler(request: web.Request) -> web.Response:
        block = {"currentPage": 1, "pageSize": 100, "totalCount": 2, "totalPages": 1}
        block.update(pagination)
        return json_response({"orders": orders, "pagination": block})

    return handler


@pytest.mark.looptime
@pytest.mark.parametrize(
    ("handler", "problem"),
    [
        (page_of([1, 2]), "record 0 is not an object but int"),
        (page_of([{"_id": "a"}, "x"]), "record 1 is not an object but str"),
        (page_of([{"_id": {"a": 1}}]), "record 0 has an _id of type dict"),
        (page_of([{"_id": [1]}]), "record 0 has an _id of type list"),
        (page_of([{"_id": "a"}], totalPages=1e300), "totalPages is not a whole number"),
        (page_of([{"_id": "a"}], totalCount=1e21), "totalCount is not a whole number"),
        (page_of([{"_id": "a"}], totalPages=1.5), "totalPages is not a whole number"),
        (page_of([{"_id": "a"}], totalPages=-1), "totalPages is not a whole number"),
        (page_of([{"_id": "a"}], totalPages={"n": 2}), "totalPages is not a number"),
        (page_of([{"_id": "a"}], totalPages=True), "totalPages is not a number"),
    ],
)
async def test_odd_page_shapes_are_typed_errors_naming_collection_and_page(
    tmp_path: Path, handler: Any, problem: str
) -> None:
    async with (
        serve(handler) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        with pytest.raises(errors.DecodeError) as caught:
            await export(pf, "orders", tmp_path / "o.jsonl")
    message = str(caught.value)
    assert "pocketsflow orders" in message
    assert "page 1" in message
    assert problem in message
    assert caught.value.body is not None
    assert '"orders"' in caught.value.body  # an excerpt of what came
    assert not any(tmp_path.iterdir())  # noqa: ASYNC240 - nothing written: nothing left


# --- bad inputs --------------------------------------------------------------------------------


@pytest.mark.looptime
@pytest.mark.parametrize(
    ("options", "argument"),
    [
        (
            {"start_date": dt.datetime.min.replace(tzinfo=dt.timezone(dt.timedelta(hours=5)))},
            "start_date",
        ),
        (
            {"end_date": dt.datetime.max.replace(tzinfo=dt.timezone(dt.timedelta(hours=-5)))},
            "end_date",
        ),
        ({"start_date": "2024-01-01"}, "start_date"),
        ({"end_date": 20240101}, "end_date"),
        ({"path": None}, "path"),
        ({"path": 3}, "path"),
    ],
)
async def test_bad_export_inputs_are_validation_errors(
    tmp_path: Path, options: dict[str, Any], argument: str
) -> None:
    arguments: dict[str, Any] = {"path": tmp_path / "o.jsonl", **options}
    path = arguments.pop("path")
    async with (
        serve(orders_pages(10, {})) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        with pytest.raises(errors.ValidationError) as caught:
            await export(pf, "orders", path, **arguments)
        assert server.hits() == 0
    assert caught.value.argument == argument


# --- one retry policy --------------------------------------------------------------------------


@pytest.mark.looptime
@pytest.mark.parametrize(("status", "iter_requests"), [(503, 3), (500, 1)])
async def test_one_failing_page_draws_the_documented_number_of_requests(
    tmp_path: Path, status: int, iter_requests: int
) -> None:
    async def failing(request: web.Request) -> web.Response:
        return json_response({"message": "down"}, status)

    async with (
        serve(failing) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        with pytest.raises(errors.ServerError):
            async for _ in pf.orders.iter():
                pass
        assert server.hits() == iter_requests  # 1 + max_retries for a 503; a 500 is final
        with pytest.raises(errors.ServerError):
            await export(pf, "orders", tmp_path / "o.jsonl")
        # A page read: max_retries + 3 more retries, for a 500 too: 1 + 2 + 3 = 6 requests.
        assert server.hits() == iter_requests + 6
