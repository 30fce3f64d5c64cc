"""Real HTTP on 127.0.0.1 for the client-core tests: tiny aiohttp.web servers and helpers.

Each test states the server it needs as a few handlers, so what the client must cope with (a
dropped connection, an HTML 502 page, a redirect) is spelled out next to the assertions.
"""

from __future__ import annotations

import contextlib
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
from aiohttp import web
from aiohttp.test_utils import TestServer

from storeflow._config import ClientOptions
from storeflow._operation import Operation
from storeflow._transport import Transport
from storeflow.pocketsflow.client import API

#: A well-formed key, distinctive enough that finding it anywhere means it leaked.
KEY = "pk_test_Zq7SecretKeyMaterial0123456789"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def op(method: str = "GET", path: str = "/things", *, idempotent: bool | None = None) -> Operation:
    """An operation as the generated tables would declare it."""
    return Operation(
        id=f"{method.lower()}_test",
        method=method,
        path=path,
        idempotent=method in {"GET", "DELETE", "PUT"} if idempotent is None else idempotent,
        auth="required",
    )


class MaxJitter(random.Random):
    """Backoff "jitter" that always picks the upper bound, so delays are exact."""

    def uniform(self, a: float, b: float) -> float:
        return b


@attrs.define
class Seen:
    """One request as the server received it."""

    method: str
    path_qs: str
    raw_path: str
    headers: dict[str, str]
    body: bytes


@attrs.define
class Server:
    """A running test server: its base URL and every request it received, in order."""

    url: str = ""
    seen: list[Seen] = attrs.Factory(list)
    test_server: TestServer | None = None

    def hits(self, path: str | None = None) -> int:
        """Requests received (for ``path`` only, when given)."""
        return sum(1 for s in self.seen if path is None or s.path_qs.split("?")[0] == path)

    def open_connections(self) -> int:
        """Client connections the server currently holds open."""
        assert self.test_server is not None
        assert self.test_server.runner is not None
        assert self.test_server.runner.server is not None
        return len(self.test_server.runner.server.connections)


@contextlib.asynccontextmanager
async def serve(routes: dict[str, Handler] | Handler) -> AsyncIterator[Server]:
    """Serve ``routes`` (path -> handler, any method; or one handler for every path)."""
    server_info = Server()

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        server_info.seen.append(
            Seen(request.method, request.path_qs, request.raw_path, dict(request.headers), body)
        )
        return await handler(request)

    app = web.Application(middlewares=[record])
    table = {"/{tail:.*}": routes} if callable(routes) else routes
    for path, handler in table.items():
        app.router.add_route("*", path, handler)
    async with TestServer(app, host="127.0.0.1") as server:
        server_info.url = str(server.make_url("")).rstrip("/")
        server_info.test_server = server
        yield server_info


def free_port() -> int:
    """A loopback port nothing listens on (connecting is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def make_transport(base_url: str, **options: Any) -> contextlib.aclosing[Transport]:
    """``async with`` a transport for ``base_url``, closed on exit.

    It has the test key, no limiter and exact backoff (:class:`MaxJitter`) unless overridden;
    ``api``, ``api_key``, ``path_params`` and ``rng`` go to the transport, the other options to
    :class:`~storeflow._config.ClientOptions`.
    """
    options.setdefault("rate_limit", None)
    transport = {
        name: options.pop(name) for name in ("api_key", "path_params", "rng") if name in options
    }
    transport.setdefault("api_key", KEY)
    transport.setdefault("rng", MaxJitter())
    # Pocketsflow's key prefix and error dialect unless given, but no key from the environment.
    api = options.pop("api", attrs.evolve(API, key_env=None))
    return contextlib.aclosing(
        Transport(base_url=base_url, api=api, options=ClientOptions(**options), **transport)
    )


def json_response(data: Any, status: int = 200, **kwargs: Any) -> web.Response:
    """A JSON answer."""
    return web.json_response(data, status=status, **kwargs)


def answering(data: Any, status: int = 200, **headers: str) -> Handler:
    """A handler that always answers ``data`` as JSON with ``status``.

    ``Retry_After="1"`` sends the header ``Retry-After: 1``.
    """
    fixed = {name.replace("_", "-"): value for name, value in headers.items()}

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(data, status=status, headers=fixed)

    return handler


async def drop(request: web.Request) -> web.StreamResponse:
    """Process the request, then close the connection without answering."""
    assert request.transport is not None
    request.transport.close()
    return web.Response()
