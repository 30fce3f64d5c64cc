"""The ``storeflow export`` command: a subprocess killed (SIGKILL) or interrupted (SIGINT) at a
random point resumes to exactly the full set; exit codes and one-line errors."""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import re
import signal
import socket
import sys
from pathlib import Path

import pytest

from _export_tools import CLI, STORE, check_csv, expected, read_jsonl
from conftest import ResponseLog
from storeflow.cli import main
from storeflow.export import COLLECTIONS
from storeflow.pocketsflow import models as pf_models
from storeflow.sandbox import Faults, Sandbox


def _pages_done(checkpoint: Path) -> int:
    try:
        return int(json.loads(checkpoint.read_bytes())["pages"])
    except (OSError, ValueError, KeyError):
        return 0  # not written yet, or being replaced


@pytest.mark.parametrize(
    ("signum", "format", "seed"),
    [(signal.SIGKILL, "jsonl", 1), (signal.SIGKILL, "csv", 2), (signal.SIGINT, "jsonl", 3)],
    ids=["sigkill-jsonl", "sigkill-csv", "sigint-jsonl"],
)
async def test_a_killed_export_resumes_to_exactly_the_full_set(
    tmp_path: Path, signum: int, format: str, seed: int, response_log: ResponseLog
) -> None:
    rng = random.Random(seed)
    # 40 pages, two at a time, each ~20-40 ms late: the export runs for about a second.
    async with Sandbox(
        seed=seed,
        scale=STORE,
        rate_limit="off",
        faults=Faults(latency=0.02, jitter=0.02),
        validate=response_log,
    ) as sb:
        await _kill_and_resume(sb, tmp_path, rng, signum, format)


async def _kill_and_resume(
    sb: Sandbox, tmp_path: Path, rng: random.Random, signum: int, format: str
) -> None:
    out = tmp_path / f"orders.{format}"
    checkpoint = tmp_path / f"orders.{format}.checkpoint.json"
    command = [
        *CLI,
        "export",
        "pocketsflow",
        "orders",
        "--out",
        str(out),
        "--format",
        format,
        "--base-url",
        sb.pocketsflow_url,
        "--concurrency",
        "2",
        "--checkpoint-interval",
        "0",
    ]
    env = {**os.environ, "POCKETSFLOW_API_KEY": sb.pocketsflow_test_key}

    first = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    target = rng.randint(3, 30)
    while _pages_done(checkpoint) < target:
        assert first.returncode is None, "the export ended before it could be stopped"
        await asyncio.sleep(0.005)
    await asyncio.sleep(rng.uniform(0, 0.03))
    first.send_signal(signum)
    _, err = await first.communicate()
    stderr = err.decode()
    assert not out.exists(), "stopped too late: the export had finished"
    assert "Traceback" not in stderr
    if signum == signal.SIGKILL:
        assert first.returncode == -signal.SIGKILL
    else:
        assert first.returncode == 130
        assert stderr.splitlines()[-1].startswith("interrupted: ")
        assert "--resume" in stderr.splitlines()[-1]
    stopped_at = _pages_done(checkpoint)
    assert target <= stopped_at < 40

    second = await asyncio.create_subprocess_exec(
        *command,
        "--resume",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, err = await second.communicate()
    assert second.returncode == 0, err.decode()
    assert "(resumed)" in stdout.decode()
    assert f"{40 - stopped_at} requests" in stdout.decode()
    records = expected(sb, "pocketsflow", "orders")
    if format == "jsonl":
        assert read_jsonl(out) == records
    else:
        check_csv(out, records, pf_models.Order)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # noqa: ASYNC240


def test_export_all_of_an_api_to_a_directory(
    keys: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            *("export", "reflow", "all", "--out", str(tmp_path / "out"), "--format", "csv"),
            *("--base-url", keys.reflow_url),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    names = ["products", "categories", "orders", "users", "plans"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"reflow_{n}.csv" for n in names
    )
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"reflow {n}" for n in names]
    assert "reflow users: 150 records in 2 pages" in out
    # Off a terminal each collection is told once: quick ones get no progress line, and a job
    # under a second no per-second rate.
    assert err == ""
    for line in lines:
        elapsed = float(re.search(r", ([\d.]+) s(, |\s->)", line).group(1))  # type: ignore[union-attr]
        assert ("records/s" in line) == (elapsed >= 1), line


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_a_live_display(
    keys: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    for overriding in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(overriding, raising=False)  # let rich ask the stream
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "users.jsonl"
    assert (
        main(["export", "reflow", "users", "--out", str(out), "--base-url", keys.reflow_url]) == 0
    )
    drawn = terminal.getvalue()
    assert "\x1b[" in drawn  # drawn and redrawn in place
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn)
    assert re.search(r"collection +records +pages +rate +ETA +elapsed +retries +429s", shown)
    assert re.search(r"  users +150/150 +2/2 +- +done +0s +0 +0", shown)
    assert "records/s" not in shown  # none of the plain log lines
    assert "reflow users: 150 records in 2 pages" in capsys.readouterr().out


def test_the_base_url_can_come_from_the_environment(
    keys: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFLOW_BASE_URL", keys.reflow_url)
    out = tmp_path / "plans.jsonl"
    assert main(["export", "reflow", "plans", "--out", str(out)]) == 0
    assert read_jsonl(out) == expected(keys, "reflow", "plans")


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert out == ""
    return lines[0]


def test_a_bad_key_fails_with_one_line(
    keys: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "pk_test_" + "Wrong0Key1Nobody2Has3" * 2
    code = main(
        [
            *("export", "pocketsflow", "orders", "--out", str(tmp_path / "o.jsonl")),
            *("--api-key", secret, "--base-url", keys.pocketsflow_url),
        ]
    )
    line = _one_line_error(capsys)
    assert code == 1
    assert "401" in line
    assert secret not in line
    assert secret[8:] not in line
    assert not any(tmp_path.iterdir())


def test_an_unreachable_host_fails_with_one_line(
    keys: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(
        [
            *("export", "reflow", "plans", "--out", str(tmp_path / "p.jsonl")),
            *("--base-url", f"http://127.0.0.1:{port}/v2"),
        ]
    )
    line = _one_line_error(capsys)
    assert code == 1
    assert "connect" in line


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["export", "pocketsflow", "widgets"], "no collection 'widgets'"),
        (["export", "reflow", "users", "--start-date", "2024-01-01"], "cannot be filtered"),
        (["export", "pocketsflow", "orders", "--project-id", "5"], "reflow only"),
    ],
)
def test_bad_arguments_fail_with_one_line(
    keys: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    needle: str,
) -> None:
    code = main([*argv, "--out", str(tmp_path / "x"), "--base-url", keys.pocketsflow_url])
    line = _one_line_error(capsys)
    assert code == 2
    assert needle in line


def test_a_missing_key_fails_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POCKETSFLOW_API_KEY", raising=False)
    code = main(["export", "pocketsflow", "orders", "--out", str(tmp_path / "o.jsonl")])
    line = _one_line_error(capsys)
    assert code == 2
    assert "POCKETSFLOW_API_KEY" in line


@pytest.mark.parametrize(
    "argv",
    [["--start-date", "yesterday"], ["--concurrency", "0"], ["--resume", "--overwrite"]],
)
def test_malformed_options_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "pocketsflow", "orders", "--out", str(tmp_path / "o"), *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("storeflow export: error: ")


def test_an_existing_output_is_kept_unless_overwrite(
    keys: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plans.jsonl"
    out.write_text("keep me\n")
    argv = ["export", "reflow", "plans", "--out", str(out), "--base-url", keys.reflow_url]
    assert main(argv) == 1
    assert "--overwrite" in _one_line_error(capsys)
    assert out.read_text() == "keep me\n"
    assert main([*argv, "--overwrite"]) == 0
    assert read_jsonl(out) == expected(keys, "reflow", "plans")


def test_a_directory_as_out_gets_the_default_file_name(
    keys: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "reflow", "users", "--out", str(tmp_path), "--base-url", keys.reflow_url]
    assert main(argv) == 0
    assert f"-> {tmp_path / 'reflow_users.jsonl'}" in capsys.readouterr().out
    assert read_jsonl(tmp_path / "reflow_users.jsonl") == expected(keys, "reflow", "users")


def test_the_demo_exports_every_collection_and_prints_a_summary_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for overriding in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(overriding, raising=False)  # plain text, not a terminal's
    out = tmp_path / "exports"
    # Few orders: every API stays within one window's 200 requests, so nothing waits.
    assert main(["demo", "--out", str(out), "--orders", "350"]) == 0
    stdout, stderr = capsys.readouterr()
    assert "Traceback" not in stderr
    rows = [  # the table's rows: the header's cells are ruled with ┃, the others with │
        [cell.strip() for cell in re.split("[│┃]", line)[1:-1]]
        for line in stdout.splitlines()
        if line.startswith(("│", "┃"))
    ]
    assert rows[0] == ["API", "collection", "records", "requests", "elapsed", "429s", "file"]
    table = {(row[0], row[1]): row for row in rows[1:]}
    assert list(table)[:-1] == [(api, name) for api, names in COLLECTIONS.items() for name in names]
    total = 0
    for (api, name), row in list(table.items())[:-1]:
        written = read_jsonl(out / row[6])
        id_field = "_id" if api == "pocketsflow" else "id"
        assert len({r[id_field] for r in written}) == len(written) == int(row[2].replace(",", ""))
        assert written, name
        assert row[5] == "0"  # no 429: the limiter kept within the sandbox's window
        total += len(written)
    assert int(table[("pocketsflow", "orders")][2].replace(",", "")) == 350
    assert table[("all", "")][2] == f"{total:,}"
    assert sorted(p.name for p in out.iterdir()) == sorted(row[6] for row in rows[1:-1])
    assert f"{total:,} records exported to {out}/ in " in stdout
