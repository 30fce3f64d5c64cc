"""Every Python block of README.md runs against the sandbox, the way the README tells a reader
to run it: keys and base URLs in the environment variables it names, the short snippets (those
with a top-level ``await``) with ``pf`` and ``rf`` open as it says. A block added to the README
is picked up here without a change to this file; the pytest snippet also runs in a fresh
project of its own, as a reader would paste it."""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storeflow import Pocketsflow, Reflow
from storeflow.sandbox import Sandbox

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[pytest.param]:  # type: ignore[valid-type]
    """Each ```python block, with an id naming its README line."""
    text = README.read_text()
    blocks = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        blocks.append(pytest.param(match.group(1), line, id=f"README.md:{line}"))
    return blocks


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=7).running_in_thread() as sb:
        yield sb


@pytest.fixture
def environment(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sandbox:
    """What "First steps" tells a reader to set, pointing at the sandbox; files land in a
    scratch directory."""
    monkeypatch.setenv("POCKETSFLOW_API_KEY", sandbox.pocketsflow_test_key)
    monkeypatch.setenv("POCKETSFLOW_BASE_URL", sandbox.pocketsflow_url)
    monkeypatch.setenv("REFLOW_PROJECT_ID", str(sandbox.reflow_project_id))
    monkeypatch.setenv("REFLOW_API_KEY", sandbox.reflow_api_key)
    monkeypatch.setenv("REFLOW_BASE_URL", sandbox.reflow_url)
    monkeypatch.chdir(tmp_path)
    return sandbox


def run_block(code: str, filename: str) -> dict[str, Any]:
    """Run one block as a reader would: a script as it is; a snippet with top-level ``await``
    in an event loop, with ``pf`` and ``rf`` open (closed when it ends)."""
    compiled = compile(code, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    if not compiled.co_flags & inspect.CO_COROUTINE:
        exec(compiled, namespace)
        return namespace

    async def snippet() -> None:
        async with Pocketsflow() as pf, Reflow() as rf:
            namespace.update(pf=pf, rf=rf)
            await eval(compiled, namespace)

    asyncio.run(snippet())
    return namespace


def test_the_readme_has_the_blocks_this_file_expects() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 8
    first = blocks[0].values[0]
    assert "asyncio.run(main())" in first  # the first example is a whole script...
    assert "pk_test_..." not in first.split("#")[0]  # ...that needs no placeholder filled in


@pytest.mark.parametrize(("code", "line"), python_blocks())
def test_every_python_block_runs(
    code: str,
    line: int,
    environment: Sandbox,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if "STOREFLOW_RATE_LIMIT_URL" in code:  # the fleet section: a real Redis, as it says
        redis_server = request.getfixturevalue("redis_server")
        monkeypatch.setenv("STOREFLOW_RATE_LIMIT_URL", redis_server.url)
    run_block(code, f"README.md:{line}")
    assert "Traceback" not in capsys.readouterr().err


def test_the_first_example_prints_what_it_says(
    environment: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    run_block(python_blocks()[0].values[0], "first example")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("0 [")  # a new product has no orders yet
    orders = environment.pocketsflow.dump("orders")
    assert len(lines) > len(list(orders))  # every order, then every Reflow product


def test_the_pytest_snippet_passes_in_a_fresh_project(pytester: pytest.Pytester) -> None:
    snippets = [block.values[0] for block in python_blocks() if "def test_" in block.values[0]]
    assert snippets, "the README's pytest section has no test"
    for number, snippet in enumerate(snippets):
        pytester.makepyfile(**{f"test_readme_{number}": snippet})
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) == sum(s.count("def test_") for s in snippets)


def test_a_sync_test_asking_for_an_async_sandbox_fails_instead_of_hanging(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_sync(storeflow_sandbox):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert "use storeflow_sandbox_in_thread" in result.stdout.str()
