"""Importing storeflow is cheap: the clients, the simulators and aiohttp load on first use.

The pytest plugin (an entry point) is imported by every pytest run in an environment where
storeflow is installed, whether or not the run uses a sandbox; the command's package loads what
a subcommand needs only when it runs (rich too).
"""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import pytest

import storeflow
import storeflow.ratelimit
import storeflow.sandbox

HEAVY = ("aiohttp", "storeflow._transport", "storeflow.sandbox._server", "rich")


def loaded_by_import(module: str, watched: tuple[str, ...]) -> str:
    """The modules of ``watched`` that a fresh interpreter has loaded after importing ``module``."""
    code = f"import sys, {module}; print([m for m in {watched!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@pytest.mark.parametrize(
    "module", ["storeflow", "storeflow.sandbox.pytest_plugin", "storeflow.cli"]
)
def test_importing_loads_neither_aiohttp_nor_the_clients(module: str) -> None:
    assert loaded_by_import(module, HEAVY) == "[]"


def test_importing_the_rate_limiter_loads_no_redis() -> None:
    # redis-py is the optional storeflow[redis] extra: only a Redis backend may need it.
    assert loaded_by_import("storeflow.ratelimit", ("redis", "storeflow.ratelimit._redis")) == "[]"


@pytest.mark.parametrize(
    "package", [storeflow, storeflow.ratelimit, storeflow.sandbox], ids=lambda p: p.__name__
)
def test_every_public_name_resolves_and_is_listed(package: ModuleType) -> None:
    for name in package.__all__:
        assert getattr(package, name) is not None, name
        assert name in dir(package)
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        package.Nope  # noqa: B018 - the access is what is tested
