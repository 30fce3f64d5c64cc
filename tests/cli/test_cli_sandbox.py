"""The ``storeflow sandbox`` command: serving until Ctrl-C, where signals cannot be handled,
without its extra, bad arguments and a taken port."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from typing import Any

import orjson
import pytest

from _sandbox_tools import env_with_src
from storeflow.sandbox import Sandbox, Scale


def test_cli_sandbox_serves_until_ctrl_c() -> None:
    command = [
        *(sys.executable, "-m", "storeflow.cli", "sandbox", "--port", "0", "--seed", "5"),
        *("--orders", "30", "--rate-limit", "sliding", "--faults", "latency=0.001"),
        *("--drift", "2"),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_with_src()
    )
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        shown = "".join(lines)
        expected = Sandbox(seed=5)
        assert expected.pocketsflow_test_key in shown
        assert expected.pocketsflow_live_key in shown
        assert expected.reflow_api_key in shown
        assert "267418190" in shown
        url = re.search(r"Pocketsflow\s+(http://127\.0\.0\.1:\d+)", shown)
        assert url is not None, shown
        request = urllib.request.Request(
            f"{url.group(1)}/orders",
            headers={"Authorization": f"Bearer {expected.pocketsflow_test_key}"},
        )
        with urllib.request.urlopen(request) as response:
            # Drift may spell the count 30.0 or "30".
            assert float(orjson.loads(response.read())["pagination"]["totalCount"]) == 30
        with urllib.request.urlopen(f"{url.group(1)}/_admin/stats") as response:
            assert sum(orjson.loads(response.read())["drift"].values()) > 0
        assert re.search(r"Reflow\s+http://127\.0\.0\.1:\d+/v2", shown)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "Sandbox stopped." in process.stdout.read()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


async def test_cli_sandbox_serves_where_the_loop_cannot_handle_signals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from storeflow.cli._sandbox import _serve

    def unsupported(*_args: Any) -> None:
        raise NotImplementedError  # as on Windows, where Ctrl-C is a KeyboardInterrupt instead

    monkeypatch.setattr(asyncio.get_running_loop(), "add_signal_handler", unsupported)
    sandbox = Sandbox(rate_limit="off", scale=Scale.empty())
    ready = asyncio.Event()
    serving = asyncio.create_task(_serve(sandbox, lambda _sandbox: ready.set()))
    started = asyncio.create_task(ready.wait())
    await asyncio.wait({serving, started}, return_when=asyncio.FIRST_COMPLETED)
    assert started.done()
    assert not serving.done(), serving.exception()
    assert sandbox.running
    serving.cancel()  # what asyncio.run does with the main task on Ctrl-C
    with pytest.raises(asyncio.CancelledError):
        await serving
    assert not sandbox.running


def test_cli_without_rich_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storeflow.cli import main

    monkeypatch.setitem(sys.modules, "rich", None)
    assert main(["sandbox"]) == 2
    assert capsys.readouterr().err.strip() == (
        "storeflow: the command line needs its extra: pip install 'storeflow[cli]' "
        "(from a clone of the repository: pip install '.[cli]')"
    )


@pytest.mark.parametrize(
    "arguments",
    [["--faults", "nope=1"], ["--port", "-1"], ["--limit", "0"], ["--rate-limit", "leaky"]],
)
def test_cli_refuses_bad_arguments(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from storeflow.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", *arguments])
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_cli_reports_a_taken_port() -> None:
    # In a subprocess: asyncio.run inside a synchronous test leaves pytest-asyncio a stray loop.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "storeflow.cli", "sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            env=env_with_src(),
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert done.stdout.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
