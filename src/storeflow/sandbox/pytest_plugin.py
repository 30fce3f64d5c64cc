"""pytest fixtures that run a storeflow sandbox for your tests.

Installed with storeflow and loaded automatically (entry point ``storeflow_sandbox`` in the
``pytest11`` group; disable with ``-p no:storeflow_sandbox``). Three fixtures, all
function-scoped and all stopping their sandboxes after the test:

* ``storeflow_sandbox`` — a running :class:`~storeflow.sandbox.Sandbox` with its defaults
  (seed 0, a small store, the real 200-requests-a-minute fixed-window limit, no faults) on free
  loopback ports.
* ``storeflow_sandbox_factory`` — ``await storeflow_sandbox_factory(**options)`` starts one with
  any :class:`~storeflow.sandbox.Sandbox` options (``seed``, ``scale``, ``rate_limit``,
  ``time_scale``, ``faults``, ...); call it as often as needed.
* ``storeflow_sandbox_in_thread`` — for synchronous tests: a sandbox with its defaults serving
  from a background thread, so the test can drive a client with ``asyncio.run(...)``.

```python
from storeflow import Pocketsflow

async def test_lists_products(storeflow_sandbox):
    async with Pocketsflow(
        api_key=storeflow_sandbox.pocketsflow_test_key,
        base_url=storeflow_sandbox.pocketsflow_url,
    ) as pf:
        assert await pf.products.list()
```

The fixtures are async: they need pytest-asyncio, and nothing else — no configuration is
imposed (in its default strict mode, mark tests with ``@pytest.mark.asyncio`` as usual; the
fixtures follow ``asyncio_default_fixture_loop_scope``). The first two serve on the test's event
loop, so they are for async tests: a synchronous test requesting one fails at once, saying to
use ``storeflow_sandbox_in_thread`` (rather than hanging on a loop that never runs). Without
pytest-asyncio installed, requesting an async fixture fails with a message saying so.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

import pytest

if TYPE_CHECKING:
    # Imported when a fixture runs: loading the plugin must stay cheap for every pytest run.
    from storeflow.sandbox._server import Sandbox

__all__ = ["storeflow_sandbox", "storeflow_sandbox_factory", "storeflow_sandbox_in_thread"]

SandboxFactory: TypeAlias = "Callable[..., Awaitable[Sandbox]]"
"""``await factory(**options)`` -> a running :class:`~storeflow.sandbox.Sandbox`."""


def _asyncio_fixture() -> Callable[[Any], Any]:
    try:
        fixture: Callable[[Any], Any] = importlib.import_module("pytest_asyncio").fixture
    except ImportError:
        return _missing_asyncio_plugin
    return fixture


def _missing_asyncio_plugin(function: Callable[..., Any]) -> Any:
    def refuse() -> None:
        pytest.fail(
            f"the {function.__name__} fixture runs on the test's event loop and needs "
            "pytest-asyncio: pip install pytest-asyncio",
            pytrace=False,
        )

    refuse.__name__ = function.__name__
    refuse.__doc__ = function.__doc__
    return pytest.fixture(refuse)


@_asyncio_fixture()
async def storeflow_sandbox_factory(
    request: pytest.FixtureRequest,
) -> AsyncIterator[SandboxFactory]:
    """Start sandboxes with chosen options: ``await storeflow_sandbox_factory(seed=3)``.

    Every sandbox it started is stopped when the test ends. For async tests only.
    """
    test = getattr(request, "function", None)
    if test is not None and not inspect.iscoroutinefunction(test):
        # It would serve on an event loop that does not run during a synchronous test, and
        # every request to it would hang.
        pytest.fail(
            "storeflow_sandbox and storeflow_sandbox_factory serve on the test's event loop, "
            "which a synchronous test does not run: make the test async, or use "
            "storeflow_sandbox_in_thread",
            pytrace=False,
        )
    started: list[Sandbox] = []

    from storeflow.sandbox._server import Sandbox

    async def start(**options: Any) -> Sandbox:
        sandbox = Sandbox(**options)
        await sandbox.start()
        started.append(sandbox)
        return sandbox

    try:
        yield start
    finally:
        for sandbox in reversed(started):
            await sandbox.stop()


@_asyncio_fixture()
async def storeflow_sandbox(storeflow_sandbox_factory: SandboxFactory) -> Sandbox:
    """A running sandbox with the default options, on free loopback ports."""
    return await storeflow_sandbox_factory()


@pytest.fixture
def storeflow_sandbox_in_thread() -> Iterator[Sandbox]:
    """A running sandbox with the default options, serving from a background thread.

    For synchronous tests: drive a client with ``asyncio.run(...)`` while it serves.
    """
    from storeflow.sandbox._server import Sandbox

    with Sandbox().running_in_thread() as sandbox:
        yield sandbox
