"""A hostile server and a careless caller against the client core: keys echoed in every
encoding, malformed replies, absurd Retry-After dates, huge bodies, loopback look-alikes and bad
arguments outside the typed methods. Each case failed before the fix it names."""

from __future__ import annotations

import asyncio
import builtins
import pickle
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web

from _leak_checks import encodings, everything_about, leaks
from _loopback import KEY, answering, make_transport, op, serve
from storeflow import Pocketsflow, RateLimit, Reflow, errors

pytestmark = pytest.mark.looptime

#: A Reflow key (any printable, non-space text) holding what JSON, URLs and HTML escape.
ODD_KEY = 'rf_"quote\\back/slash&amp<é€😀>%+?#'


def echoing(form: str, status: int = 401) -> Any:
    """A handler that echoes the presented key in ``form`` in the body and the request id."""

    async def handler(request: web.Request) -> web.Response:
        key = request.headers["Authorization"].removeprefix("Bearer ")
        echoed = encodings(key)[form]
        body = f'{{"message": "bad key {echoed}", "detail": "{echoed}"}}'
        return web.Response(
            status=status,
            body=body.encode(),
            content_type="application/json",
            headers={"x-request-id": f"req-{quote(key, safe='') if form != 'raw' else 'r'}"},
        )

    return handler


@pytest.mark.parametrize("form", list(encodings(ODD_KEY)))
async def test_an_echoed_key_is_masked_in_every_encoding(form: str) -> None:
    async with (
        serve(echoing(form)) as server,
        Reflow(1, api_key=ODD_KEY, base_url=server.url, rate_limit=None) as rf,
    ):
        with pytest.raises(errors.AuthenticationError) as caught:
            await rf.request("GET", "/x")
    assert leaks(ODD_KEY, everything_about(caught.value)) == []
    assert caught.value.body is not None
    assert "bad key" in caught.value.body


async def test_a_key_echoed_raw_in_the_request_id_is_masked() -> None:
    key = "rf_PlainButSecretMaterial0123456789"

    async def handler(request: web.Request) -> web.Response:
        presented = request.headers["Authorization"].removeprefix("Bearer ")
        return web.json_response({}, status=500, headers={"x-request-id": f"id-{presented}"})

    async with (
        serve(handler) as server,
        Reflow(1, api_key=key, base_url=server.url, rate_limit=None, max_retries=0) as rf,
    ):
        with pytest.raises(errors.ServerError) as caught:
            await rf.request("POST", "/x")
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("id-")
    assert key not in everything_about(caught.value)


@asynccontextmanager
async def raw_server(reply: bytes) -> AsyncIterator[str]:
    """A TCP server on 127.0.0.1 that reads a request and writes ``reply`` verbatim."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n{}",
        b"HTTP/1.1 2000 Weird\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
    ids=["bad-length", "bad-status", "garbage"],
)
async def test_a_malformed_reply_chains_nothing_that_shows_the_key(reply: bytes) -> None:
    async with raw_server(reply) as url, make_transport(url, max_retries=0) as transport:
        with pytest.raises(errors.ConnectionError) as caught:
            await transport.call(op())
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert KEY not in everything_about(caught.value)
    assert not caught.value.unsent


async def test_storeflow_timeouts_and_connection_errors_are_the_builtins_too() -> None:
    async with make_transport("http://127.0.0.1:9", max_retries=0) as transport:
        with pytest.raises(builtins.ConnectionError) as caught:
            await transport.call(op())
    assert isinstance(caught.value, errors.ConnectionError)
    assert isinstance(caught.value, errors.RequestError)
    assert caught.value.unsent
    assert issubclass(errors.TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.APIError, errors.RequestError)
    restored = pickle.loads(pickle.dumps(caught.value))
    assert (restored.method, restored.path, restored.unsent) == ("GET", "/things", True)


@pytest.mark.parametrize(
    "value",
    [
        "Mon, 01 Jan 2024 00:00:00 +99999999999999999999",
        "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
        "Mon, 01 Jan 2024 99999999999999999999:00:00 GMT",
        "Mon, 01 Jan 2024 00:00:00 +9959",
        "soon",
        "1e400",
    ],
)
async def test_an_absurd_retry_after_counts_as_absent(value: str) -> None:
    async with (
        serve(answering({"message": "no"}, 429, Retry_After=value)) as server,
        make_transport(server.url, max_retries=0) as transport,
    ):
        with pytest.raises(errors.RateLimitError) as caught:
            await transport.call(op())
    assert caught.value.retry_after is None


@pytest.mark.looptime(False)  # the server sees the connection close in real time
async def test_a_body_over_the_cap_is_a_typed_error_and_the_connection_is_closed() -> None:
    big = b"x" * (4 * 1024 * 1024)  # more than one read: the connection is mid-body

    async def announced(request: web.Request) -> web.Response:
        return web.Response(body=big)

    async def streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(64):
            await response.write(big[: 64 * 1024])
        await response.write_eof()
        return response

    async def small(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    routes = {"/announced": announced, "/streamed": streamed, "/small": small}
    async with serve(routes) as server, make_transport(server.url, max_response_size=2000) as t:
        for path in ("/announced", "/streamed"):
            with pytest.raises(errors.ResponseTooLargeError) as caught:
                await t.call(op(path=path))
            assert caught.value.limit == 2000
            assert "max_response_size" in str(caught.value)
            for _ in range(100):
                if server.open_connections() == 0:
                    break
                await asyncio.sleep(0.01)
            assert server.open_connections() == 0  # dropped, not kept for reuse
        assert (await t.call(op(path="/small"))).json() == {"ok": True}
        assert server.hits() == 3  # too large is not retried


async def test_the_default_cap_is_32_mib() -> None:
    big = b"z" * (32 * 1024 * 1024 + 1)

    async def huge(request: web.Request) -> web.Response:
        return web.Response(body=big)

    async with serve(huge) as server, make_transport(server.url) as transport:
        with pytest.raises(errors.ResponseTooLargeError):
            await transport.call(op())
    with pytest.raises(errors.ValidationError) as refused:
        Pocketsflow(KEY, max_response_size=0)
    assert refused.value.argument == "max_response_size"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://localhost:8080", True),
        ("http://LOCALHOST.:8080", True),
        ("http://127.0.0.1", True),
        ("http://127.8.9.10", True),
        ("http://[::1]:1", True),
        ("http://[::ffff:127.0.0.1]:1", True),
        ("http://api.attacker.localhost", False),
        ("http://localhost.attacker.test", False),
        ("http://127.0.0.1.nip.io", False),
        ("http://10.0.0.1", False),
    ],
)
def test_only_localhost_and_loopback_addresses_get_a_key_over_plain_http(
    url: str, allowed: bool
) -> None:
    if allowed:
        Pocketsflow(KEY, base_url=url, rate_limit=None)
    else:
        with pytest.raises(errors.ValidationError) as caught:
            Pocketsflow(KEY, base_url=url, rate_limit=None)
        assert caught.value.argument == "base_url"


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda: Pocketsflow(api_key=123), "api_key"),  # type: ignore[arg-type]
        (lambda: Reflow(1, api_key=123), "api_key"),  # type: ignore[arg-type]
        (lambda: Reflow(1, base_url=123), "base_url"),  # type: ignore[arg-type]
        (lambda: Pocketsflow(KEY, base_url=123), "base_url"),  # type: ignore[arg-type]
        (lambda: Pocketsflow(KEY, base_url="http://[::1"), "base_url"),
        (lambda: Pocketsflow(KEY, base_url="https://a.test:99999"), "base_url"),
        (lambda: Pocketsflow(KEY, base_url="https://a.test:port"), "base_url"),
        (lambda: RateLimit(requests="x"), "requests"),  # type: ignore[arg-type]
        (lambda: RateLimit(requests=1.5), "requests"),  # type: ignore[arg-type]
        (lambda: RateLimit(period="60"), "period"),  # type: ignore[arg-type]
        (lambda: RateLimit(margin=None), "margin"),  # type: ignore[arg-type]
        (lambda: RateLimit(period=float("inf")), "period"),
        (lambda: Pocketsflow(KEY, headers="x"), "headers"),  # type: ignore[arg-type]
        (lambda: Pocketsflow(KEY, headers={"X-A": "1\r\nX-Injected: 2"}), "headers"),
        (lambda: Pocketsflow(KEY, headers={"X-A\n": "1"}), "headers"),
        (lambda: Pocketsflow(KEY, headers={"X-A": 1}), "headers"),  # type: ignore[dict-item]
        (lambda: Pocketsflow(KEY, session="x"), "session"),  # type: ignore[arg-type]
    ],
)
def test_bad_construction_arguments_are_validation_errors(build: Any, argument: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        build()
    assert caught.value.argument == argument


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        ({"method": "GE T", "path": "/x"}, "method"),
        ({"method": "GET\r\nX: y", "path": "/x"}, "method"),
        ({"method": 123, "path": "/x"}, "method"),
        ({"method": "GET", "path": None}, "path"),
        ({"method": "GET", "path": "/x\r\nX: y"}, "path"),
        ({"method": "GET", "path": "/x", "params": [("a", 1)]}, "params"),
        ({"method": "GET", "path": "/../../x"}, "path"),
        ({"method": "GET", "path": "/products/%2e%2E/x"}, "path"),
        ({"method": "GET", "path": "/./x"}, "path"),
    ],
)
async def test_bad_request_arguments_are_validation_errors(
    call: dict[str, Any], argument: str
) -> None:
    async with serve(answering({})) as server:
        async with Reflow(1, base_url=server.url + "/v2", rate_limit=None) as rf:
            with pytest.raises(errors.ValidationError) as caught:
                await rf.request(**call)
        assert caught.value.argument == argument
        assert server.hits() == 0


async def test_a_request_stays_under_the_base_url_prefix() -> None:
    async with serve(answering({})) as server:
        async with Reflow(1, base_url=server.url + "/v2", rate_limit=None) as rf:
            await rf.request("get", "/projects/1/plans/..x")  # a name, not a segment
        assert [s.raw_path for s in server.seen] == ["/v2/projects/1/plans/..x"]


async def test_a_body_field_that_cannot_be_sent_is_named() -> None:
    async with serve(answering({})) as server:
        async with Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf:
            with pytest.raises(errors.ValidationError) as caught:
                await pf.subscriptions.list(page=10**30)
        assert caught.value.argument == "page"
        assert server.hits() == 0


async def test_the_request_headers_hold_no_readable_key_in_their_repr() -> None:
    seen: list[str] = []

    async def capture(request: web.Request) -> web.Response:
        seen.append(request.headers["Authorization"])
        return web.json_response({})

    async with serve(capture) as server, make_transport(server.url) as transport:
        await transport.call(op())
        assert transport._authorization is not None
        assert KEY not in repr(transport._authorization)
        with pytest.raises(TypeError):
            pickle.dumps(transport._authorization)
    assert seen == [f"Bearer {KEY}"]
