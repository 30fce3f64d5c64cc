"""The API key appears nowhere it could leak: exception text, reprs, tracebacks, log lines,
other hosts. Each test provokes the failures, then searches everything they produced."""

from __future__ import annotations

import asyncio
import logging
import traceback

import pytest
from aiohttp import web

from _loopback import KEY, drop, free_port, make_transport, serve
from storeflow import Pocketsflow, Reflow, Timeout, errors
from storeflow.pocketsflow.models import Deleted

pytestmark = pytest.mark.looptime

REFLOW_KEY = "rf_Zq7SecretReflowMaterial0123456789"


def everything_about(exc: BaseException) -> str:
    """Every text an exception can show: message, repr, the formatted chain, its attributes."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for link in (exc, exc.__cause__, exc.__context__):
        if link is not None:
            parts.extend(repr(value) for value in vars(link).values())
    return "\n".join(parts)


async def echo_key(request: web.Request) -> web.Response:
    """A server that quotes the key it refuses, as some do."""
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return web.json_response({"message": f"Invalid API key {presented}"}, status=401)


async def html_error(request: web.Request) -> web.Response:
    return web.Response(status=503, text="<html>down</html>", content_type="text/html")


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(100)
    return web.json_response({})


async def garbage(request: web.Request) -> web.Response:
    return web.Response(text="{not json", content_type="application/json")


async def test_the_key_never_shows_in_errors_logs_or_reprs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    routes = {"/echo": echo_key, "/drop": drop, "/html": html_error, "/slow": slow}
    routes["/garbage"] = garbage
    caught: list[BaseException] = []
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        async with serve(routes) as server:
            for key, client in [
                (KEY, Pocketsflow(KEY, base_url=server.url, timeout=Timeout(total=1))),
                (REFLOW_KEY, Reflow(9, REFLOW_KEY, base_url=server.url, timeout=Timeout(total=1))),
            ]:
                async with client:
                    for path in routes:
                        try:
                            await client.request("GET", path)
                        except errors.StoreflowError as exc:
                            caught.append(exc)
                    texts += [repr(client), str(client), repr(client._transport)]
                assert key not in "".join(texts)
        async with make_transport(f"http://127.0.0.1:{free_port()}") as refused:
            try:
                await refused.request("GET", "/x")
            except errors.ConnectionError as exc:
                caught.append(exc)

    assert [type(exc).__name__ for exc in caught] == [
        "AuthenticationError",
        "ConnectionError",
        "ServerError",
        "TimeoutError",
        "DecodeError",
    ] * 2 + ["ConnectionError"]
    echoed = caught[0]
    assert isinstance(echoed, errors.AuthenticationError)
    assert echoed.message == "Invalid API key pk_test_…6789"  # the server's words, masked
    for exc in caught:
        texts.append(everything_about(exc))
    texts.extend(logging.Formatter().format(record) for record in caplog.records)
    assert caplog.records  # the DEBUG lines were captured and searched
    everything = "\n".join(texts)
    assert KEY not in everything
    assert REFLOW_KEY not in everything


async def echo_key_with_200(request: web.Request) -> web.Response:
    """A misbehaving server that answers 200 and quotes the request's headers."""
    if request.path == "/page":
        return web.Response(text=f"<pre>{dict(request.headers)}</pre>", content_type="text/html")
    authorization = request.headers.get("Authorization", "")
    return web.json_response({"message": [f"{'x' * 40} {authorization}"]})


async def test_a_2xx_body_quoting_the_key_does_not_leak_through_decode_errors() -> None:
    # Strict decoding, so that a value of the wrong type is an error (and its message a risk).
    async with (
        serve(echo_key_with_200) as server,
        make_transport(server.url, strict=True) as transport,
    ):
        page = await transport.request("GET", "/page")
        shape = await transport.request("GET", "/shape")
    failures = []
    for attempt in (page.json, lambda: page.decode(Deleted), lambda: shape.decode(Deleted)):
        with pytest.raises(errors.DecodeError) as caught:
            attempt()
        failures.append(caught.value)
    assert failures[0].body is not None
    assert "pk_test_…6789" in failures[0].body  # the body is kept, masked
    assert failures[2].field == "message"
    for exc, path in zip(failures, ["/page", "/page", "/shape"], strict=True):
        assert (exc.method, exc.path, exc.status) == ("GET", path, 200)
        assert exc.__cause__ is None
        assert exc.__context__ is None
        assert KEY not in everything_about(exc)
        assert KEY[:20] not in everything_about(exc)  # not even a value cut short


async def test_decode_errors_keep_their_cause_when_the_body_is_clean() -> None:
    async def wrong_shape(request: web.Request) -> web.Response:
        return web.json_response({"message": 5})

    async with serve(wrong_shape) as server, make_transport(server.url, strict=True) as transport:
        response = await transport.request("GET", "/x")
    with pytest.raises(errors.DecodeError) as caught:
        response.decode(Deleted)
    assert isinstance(caught.value.__cause__, errors.DecodeError)
    assert "got 5" in str(caught.value)


async def test_responses_and_transports_do_not_show_the_key() -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async with serve(ok) as server, make_transport(server.url) as transport:
        response = await transport.request("GET", "/x")
    assert KEY not in repr(response)
    assert KEY not in repr(transport)
    assert "pk_test_…6789" in repr(transport)


async def test_a_malformed_key_is_not_repeated() -> None:
    leaked = "pk_live_Zq7Secret Material"
    with pytest.raises(errors.ValidationError) as caught:
        Pocketsflow(leaked)
    assert "Zq7Secret" not in everything_about(caught.value)


async def test_the_key_is_not_sent_over_plain_http_to_another_host() -> None:
    with pytest.raises(errors.ValidationError) as caught:
        Pocketsflow(KEY, base_url="http://api.pocketsflow.com")
    assert caught.value.argument == "base_url"
    assert KEY not in everything_about(caught.value)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_to_another_origin_is_refused_without_forwarding_the_key(
    status: int,
) -> None:
    async def elsewhere(request: web.Request) -> web.Response:
        return web.json_response({"stolen": request.headers.get("Authorization")})

    async with serve(elsewhere) as attacker:

        async def redirect(request: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": f"{attacker.url}/collect"})

        async with serve(redirect) as api, make_transport(api.url) as transport:
            with pytest.raises(errors.APIError) as caught:
                await transport.request("POST", "/products", json={"name": "x"})
    assert attacker.seen == []  # the other host never got a request, let alone the key
    assert api.hits() == 1
    assert api.seen[0].headers["Authorization"] == f"Bearer {KEY}"
    assert caught.value.status == status
    assert "another origin" in str(caught.value)
    assert KEY not in everything_about(caught.value)


async def test_same_host_other_name_counts_as_another_origin() -> None:
    async def redirect(request: web.Request) -> web.Response:
        port = request.url.port
        raise web.HTTPTemporaryRedirect(f"http://localhost:{port}/moved")

    async with serve(redirect) as api, make_transport(api.url) as transport:
        with pytest.raises(errors.APIError):
            await transport.request("GET", "/x")
    assert api.hits() == 1
