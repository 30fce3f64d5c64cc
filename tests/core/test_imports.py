"""Importing storeflow is cheap: the clients, the simulators and aiohttp load on first use.

The pytest plugin (an entry point) is imported by every pytest run in an environment where
storeflow is installed, whether or not the run uses a sandbox.
"""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import pytest

import storeflow
import storeflow.sandbox

HEAVY = ("aiohttp", "storeflow._transport", "storeflow.sandbox._server")


@pytest.mark.parametrize("module", ["storeflow", "storeflow.sandbox.pytest_plugin"])
def test_importing_loads_neither_aiohttp_nor_the_clients(module: str) -> None:
    code = f"import sys, {module}; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("package", [storeflow, storeflow.sandbox], ids=lambda p: p.__name__)
def test_every_public_name_resolves_and_is_listed(package: ModuleType) -> None:
    for name in package.__all__:
        assert getattr(package, name) is not None, name
        assert name in dir(package)
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        package.Nope  # noqa: B018 - the access is what is tested
