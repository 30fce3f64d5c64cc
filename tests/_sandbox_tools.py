"""What the sandbox's own tests share: a tiny JSON client for one site, its fixtures, a clock.

The client is deliberately not the SDK's (that one is tested against the sandbox elsewhere): it
sends exactly the method, path, key and body a test names and hands back the raw answer. The
conftest loads this module as a plugin, so its fixtures (``session``, ``pf``, ``shared_pf``) reach
every test.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from attrs import frozen

from storeflow.sandbox import Clock, Sandbox

UNKNOWN_ID = "0123456789abcdef01234567"
"""A well-formed ObjectId that no seeded record has."""
SRC = Path(__file__).resolve().parent.parent / "src"
_DEFAULT = object()


def env_with_src() -> dict[str, str]:
    """The environment for a subprocess that imports storeflow from this tree's ``src``."""
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


@frozen
class Reply:
    """One answer: its status, headers and body text."""

    status: int
    headers: Mapping[str, str]
    text: str

    @property
    def json(self) -> Any:
        return orjson.loads(self.text)


class Http:
    """A tiny JSON client for one site (the SDK's client is tested elsewhere)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, key: str | None) -> None:
        self.session = session
        self.base = base
        self.key = key

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        key: Any = _DEFAULT,
        json: Any = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        key = self.key if key is _DEFAULT else key
        sent = dict(headers or {})
        if key is not None:
            sent.setdefault("Authorization", f"Bearer {key}")
        async with self.session.request(
            method, self.base + path, json=json, data=data, params=params, headers=sent
        ) as response:
            return Reply(response.status, dict(response.headers), await response.text())

    async def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a 200 answer (the test fails on any other status)."""
        reply = await self(method, path, **kwargs)
        assert reply.status == 200, (reply.status, reply.text)
        return reply.json

    async def refused(self, method: str, path: str, **kwargs: Any) -> str:
        """The message of a 400 answer (the test fails on any other status)."""
        reply = await self(method, path, **kwargs)
        assert reply.status == 400, (reply.status, reply.text)
        message: str = reply.json["message"]
        return message


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def pf_of(sandbox: Sandbox, session: aiohttp.ClientSession, key: str | None = None) -> Http:
    """A client of ``sandbox``'s Pocketsflow site, with its test key unless ``key`` is given."""
    return Http(session, sandbox.pocketsflow_url, key or sandbox.pocketsflow_test_key)


@pytest.fixture
def pf(sandbox: Sandbox, session: aiohttp.ClientSession) -> Http:
    return pf_of(sandbox, session)


@pytest.fixture
def shared_pf(shared_sandbox: Sandbox, session: aiohttp.ClientSession) -> Http:
    return pf_of(shared_sandbox, session)


class ManualClock(Clock):
    """A clock whose time the test sets."""

    def __init__(self, start: float, time_scale: float = 1.0) -> None:
        super().__init__(time_scale)
        self.t = start

    def now(self) -> float:
        return self.t
