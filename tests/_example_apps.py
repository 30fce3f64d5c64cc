"""The example web apps as the docs tests run them: import one from ``examples/``, serve it on a
loopback port (aiohttp's test server or uvicorn), and the client options that point it at a
sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import uvicorn
from aiohttp.test_utils import TestServer

from _loopback import free_port
from storeflow.sandbox import Sandbox

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (the examples are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # FastAPI resolves the handlers' annotations through it
    spec.loader.exec_module(module)
    return module


def client_options(sandbox: Sandbox) -> dict[str, Any]:
    """The Pocketsflow client options of an example app served against ``sandbox``."""
    return {
        "api_key": sandbox.pocketsflow_test_key,
        "base_url": sandbox.pocketsflow_url,
        "rate_limit": None,
    }


@contextlib.asynccontextmanager
async def aiohttp_serving(app: Any) -> AsyncIterator[str]:
    """Serve the aiohttp ``app`` on a loopback port (its start-up and cleanup run)."""
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url(""))


@contextlib.asynccontextmanager
async def uvicorn_serving(app: Any) -> AsyncIterator[str]:
    """Serve the ASGI ``app`` with uvicorn in this event loop on a free loopback port."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", http="h11"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():  # it failed to start: raise why
                await task
            await asyncio.sleep(0.01)  # uvicorn sets a flag, not an event
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


#: How an app is served: a context manager that yields its base URL.
Serving = Callable[[Any], contextlib.AbstractAsyncContextManager[str]]
#: Each example app: how to serve it, and where its app object keeps the one shared client.
SERVERS: dict[str, tuple[Serving, Callable[[ModuleType, Any], Any]]] = {
    "aiohttp_app": (aiohttp_serving, lambda example, app: app[example.POCKETSFLOW]),
    "fastapi_app": (uvicorn_serving, lambda example, app: app.state.pocketsflow),
}
