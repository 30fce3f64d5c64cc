"""Public names a package resolves on first use (PEP 562), so importing it stays cheap.

The pytest plugin lives in ``storeflow.sandbox`` and is loaded by every pytest run in an
environment where storeflow is installed; importing the package must not pull in aiohttp and the
clients until a fixture, or the user's code, asks for them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_names"]


def lazy_names(
    package: str, sources: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return the ``__getattr__`` and ``__dir__`` of ``package`` for names imported lazily.

    ``sources`` maps each public name to the module that defines it. The first access imports
    that module and caches the value on the package, so later accesses are plain lookups.
    """

    def getattr_(name: str) -> object:
        source = sources.get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        setattr(sys.modules[package], name, value)
        return value

    def dir_() -> list[str]:
        return sorted({*vars(sys.modules[package]), *sources})

    return getattr_, dir_
