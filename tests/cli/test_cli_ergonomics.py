"""The ``storeflow`` command tells the truth: it is never silent while requests wait, its live
table fits 80 columns, its messages name flags, and it refuses what it cannot do before writing
anything."""

from __future__ import annotations

import asyncio
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from _export_tools import CLI, STORE, expected, read_jsonl
from conftest import point_clients_at
from storeflow import Pocketsflow, RateLimit, __version__
from storeflow.cli import main
from storeflow.cli._progress import Display, Watch, duration
from storeflow.export import ExportProgress
from storeflow.sandbox import Sandbox

KEY = "pk_test_Display0000000000000001"


@pytest.fixture(scope="module")
def running() -> Iterator[Sandbox]:
    with Sandbox(seed=5, scale=STORE, rate_limit="off").running_in_thread() as sb:
        yield sb


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch, running: Sandbox) -> Sandbox:
    return point_clients_at(monkeypatch, running, urls=True)


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith("error: ")
    return line


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"storeflow {__version__}\n"


def test_an_unknown_flag_prints_the_subcommand_s_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "pocketsflow", "orders", "--no-such-flag"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: storeflow export ")
    assert "--max-retries" in err
    assert err.splitlines()[-1] == "storeflow export: error: unrecognized arguments: --no-such-flag"


async def test_a_host_that_never_answers_is_reported_within_the_timeout(tmp_path: Path) -> None:
    connections: list[asyncio.StreamWriter] = []

    async def accept_and_stay_silent(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        connections.append(writer)
        await reader.read(65536)  # take the request, answer nothing

    server = await asyncio.start_server(accept_and_stay_silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    command = [
        *CLI,
        *("export", "pocketsflow", "orders", "--out", str(tmp_path / "o.jsonl")),
        *("--base-url", f"http://127.0.0.1:{port}", "--timeout", "2", "--max-retries", "1"),
    ]
    env = {**os.environ, "POCKETSFLOW_API_KEY": KEY}
    async with server:
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await process.communicate()
        for writer in connections:
            writer.close()
    lines = err.decode().splitlines()
    assert process.returncode == 1
    assert out == b""
    assert "Traceback" not in err.decode()
    waits = [line for line in lines if line.startswith("pocketsflow: no answer from host yet")]
    assert waits, lines
    first = re.fullmatch(
        r"pocketsflow: no answer from host yet after (\d+) s, attempt 1 of 2", waits[0]
    )
    assert first is not None
    assert int(first.group(1)) <= 2  # within the timeout, before it ends the attempt
    assert any(line.endswith("attempt 2 of 2") for line in waits)
    assert lines[-1] == "error: timed out waiting for the response (GET /orders)"
    assert lines.index(waits[0]) < len(lines) - 1


def _progress(**changes: object) -> ExportProgress:
    fields: dict[str, object] = {
        "api": "pocketsflow",
        "collection": "subscriptions",
        "path": Path("x"),
        "records": 12_345,
        "records_this_run": 12_345,
        "pages": 124,
        "total_pages": 200,
        "expected_total": 20_000,
        "requests": 124,
        "retries": 3,
        "rate_limited": 1,
        "elapsed": 2.0,
    }
    return ExportProgress(**{**fields, **changes})  # type: ignore[arg-type]


def _render(display: Display, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True)
    console.print(display.render())
    return console.export_text().splitlines()


async def test_the_live_table_fits_80_columns_and_labels_its_columns() -> None:
    async with Pocketsflow(KEY, rate_limit=RateLimit(requests=10, period=60)) as pf:
        limiter = pf._transport.limiter
        assert limiter is not None
        for _ in range(10):
            await limiter.acquire()  # the window's budget is spent
        waiting = asyncio.ensure_future(limiter.acquire())
        await asyncio.sleep(0)
        display = Display(io.StringIO(), [Watch("pocketsflow", pf)], console=Console())
        display.update(_progress(collection="orders", elapsed=1.0))
        display.update(_progress(collection="orders", elapsed=3.0, done=True, pages=200))
        display.update(_progress())
        display.update(
            _progress(
                api="reflow",
                collection="users",
                records=1_000_000,
                expected_total=1_000_000,
                total_pages=10_000,
                pages=9_999,
            )
        )
        display.poll()
        try:
            for width in (80, 100):
                lines = _render(display, width)
                assert all(len(line) <= width for line in lines), lines
                assert not any("…" in line for line in lines), lines
                header, *rows = lines
                assert header.split() == [
                    "collection",
                    "records",
                    "pages",
                    "rate",
                    "ETA",
                    "elapsed",
                    "retries",
                    "429s",
                ]
                orders = next(line for line in rows if line.startswith("  orders "))
                # A done row: its rate and elapsed are those it finished with.
                assert orders.split() == [
                    "orders",
                    "12,345/20,000",
                    "200/200",
                    "4,115/s",
                    "done",
                    "3s",
                    "3",
                    "1",
                ]
                subs = next(line for line in rows if line.startswith("  subscriptions "))
                fields = subs.split()
                assert fields[1:4] == ["12,345/20,000", "124/200", "6,172/s"]
                # 76 pages left at 10 per 60.6 s, the budget spent: the limiter's schedule.
                assert fields[4] == duration(RateLimit(10, 60).window * 8)
                users = next(line for line in rows if line.startswith("  users "))
                assert users.split()[1:3] == ["1.0M/1.0M", "9,999/10,000"]
                assert lines[-1].startswith(
                    "pocketsflow: waiting for the rate-limit window: next slot in 6"
                )
        finally:
            waiting.cancel()


async def test_plain_output_says_when_requests_wait() -> None:
    async with Pocketsflow(KEY, rate_limit=RateLimit(requests=1, period=60)) as pf:
        limiter = pf._transport.limiter
        assert limiter is not None
        await limiter.acquire()
        waiting = asyncio.ensure_future(limiter.acquire())
        await asyncio.sleep(0)
        stream = io.StringIO()
        display = Display(stream, [Watch("pocketsflow", pf)])
        display.poll()
        display.poll()  # the same wait is not repeated at once
        waiting.cancel()
    (line,) = stream.getvalue().splitlines()
    assert re.fullmatch(r"pocketsflow: waiting for the rate-limit window: next slot in 6\d s", line)


def test_messages_name_flags(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REFLOW_PROJECT_ID", raising=False)
    assert main(["export", "reflow", "plans", "--out", str(tmp_path / "p.jsonl")]) == 2
    line = _error(capsys)
    assert "--project-id" in line
    assert "REFLOW_PROJECT_ID" in line
    assert "project_id" not in line


def test_work_files_are_never_named(
    keys: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.jsonl"
    (tmp_path / "p.jsonl.part").write_text("")
    assert main(["export", "reflow", "plans", "--out", str(out)]) == 1
    line = _error(capsys)
    assert ".part" not in line
    assert "--resume" in line
    assert "--overwrite" in line
    assert "=True" not in line


def test_reflow_all_without_a_key_is_refused_before_writing(
    keys: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("REFLOW_API_KEY")
    out = tmp_path / "exports"
    assert main(["export", "reflow", "all", "--out", str(out)]) == 2
    line = _error(capsys)
    assert "reflow orders, users need an API key" in line
    assert "--public-only" in line
    assert not out.exists()
    assert main(["export", "reflow", "all", "--out", str(out), "--public-only"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "reflow_categories.jsonl",
        "reflow_plans.jsonl",
        "reflow_products.jsonl",
    ]
    assert read_jsonl(out / "reflow_plans.jsonl") == expected(keys, "reflow", "plans")


def test_out_as_a_new_directory_stdout_or_a_missing_parent(
    keys: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "reflow", "users", "--out", f"{tmp_path / 'new'}/"]) == 0
    assert read_jsonl(tmp_path / "new" / "reflow_users.jsonl") == expected(keys, "reflow", "users")
    capsys.readouterr()
    assert main(["export", "reflow", "users", "--out", "-"]) == 2
    assert "--out -: exports are written to files" in _error(capsys)
    missing = tmp_path / "nowhere" / "users.jsonl"
    assert main(["export", "reflow", "users", "--out", str(missing)]) == 2
    assert f"the directory {missing.parent} does not exist" in _error(capsys)
    assert not (tmp_path / "nowhere").exists()


def test_resume_with_nothing_to_resume_is_an_error(
    keys: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "users.jsonl"
    assert main(["export", "reflow", "users", "--out", str(out), "--resume"]) == 2
    assert "nothing to resume" in _error(capsys)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("argv", [["--timeout", "0"], ["--max-retries", "-1"]])
def test_timeout_and_max_retries_are_checked(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "reflow", "plans", *argv])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("storeflow export: error: ")
