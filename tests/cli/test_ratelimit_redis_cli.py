"""``storeflow export --rate-limit-url``: the budget in Redis, its password never shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from _export_tools import expected, read_jsonl
from _redis_server import RedisServer, free_port
from conftest import SandboxInThread, point_clients_at
from storeflow.cli import main
from storeflow.sandbox import Sandbox, Scale

SECRET = "Redis-Pass-Nobody-Knows-42"


@pytest.fixture(scope="module")
def running(sandbox_in_thread: SandboxInThread) -> Iterator[Sandbox]:
    """A small sandbox in a thread, for the synchronous command."""
    scale = Scale(reflow_products=3, reflow_categories=2, reflow_plans=2)
    with sandbox_in_thread(seed=5, scale=scale) as sb:
        yield sb


@pytest.fixture
def reflow_env(monkeypatch: pytest.MonkeyPatch, running: Sandbox) -> Sandbox:
    return point_clients_at(monkeypatch, running, apis=("reflow",), urls=True)


def test_an_export_takes_its_slots_from_redis(
    reflow_env: Sandbox,
    redis_server: RedisServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "plans.jsonl"
    monkeypatch.setenv("STOREFLOW_RATE_LIMIT_URL", f"{redis_server.url}?prefix=cli")
    assert main(["export", "reflow", "plans", "--out", str(out)]) == 0
    assert read_jsonl(out) == expected(reflow_env, "reflow", "plans")
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    port = reflow_env.reflow_url.split(":")[2].split("/")[0]
    # The endpoint: scheme, host (every loopback spelling as one) and port.
    slots = f"cli:{{http://loopback:{port}}}:slots"
    assert client.zcard(slots) >= 1  # every request took a slot in the shared log
    client.close()
    capsys.readouterr()


def _export_with(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run an export with ``--rate-limit-url url``: the exit status and all that it printed."""
    out = tmp_path / "p.jsonl"
    code = main(["export", "reflow", "plans", "--out", str(out), "--rate-limit-url", url])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def test_an_unreachable_redis_fails_with_one_line_and_no_password(
    reflow_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"redis://:{SECRET}@127.0.0.1:{free_port()}/0?timeout=0.3"
    code, printed = _export_with(url, tmp_path, capsys)
    assert code == 1
    assert printed.count("\n") == 1, printed
    assert printed.startswith("error: the rate-limit backend RedisBackend('redis://:***@127.0.0.1:")
    assert SECRET not in printed


def test_a_bad_rate_limit_url_is_a_usage_error_without_its_password(
    reflow_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = _export_with(f"http://:{SECRET}@127.0.0.1/0", tmp_path, capsys)
    assert code == 2
    assert "--rate-limit-url" in printed
    assert SECRET not in printed
    assert not any(tmp_path.iterdir())
