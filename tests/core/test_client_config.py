"""Client configuration: keys and project ids from arguments or the environment, base URLs,
headers, limiter choice, validation before anything is sent, and the escape hatch."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiolimiter import AsyncLimiter

import storeflow
from _loopback import KEY, answering, serve
from storeflow import Pocketsflow, RateLimit, Reflow, Timeout, errors, ratelimit
from storeflow._transport import client_timeout
from storeflow.pocketsflow._operations import OPERATIONS as POCKETSFLOW
from storeflow.reflow._operations import OPERATIONS as REFLOW

LIVE_KEY = "pk_live_Q2w3e4r5t6y7u8i9o0p1a2s3d4"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("POCKETSFLOW_API_KEY", "REFLOW_API_KEY", "REFLOW_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    # Clients built with the default rate share a process-wide limiter per host.
    ratelimit._registry.limiters.clear()
    yield
    ratelimit._registry.limiters.clear()


def test_version_matches_the_package_metadata() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert storeflow.__version__ == pyproject["project"]["version"]


def test_public_names() -> None:
    assert set(storeflow.__all__) >= {
        "Pocketsflow",
        "Reflow",
        "RateLimit",
        "Timeout",
        "Page",
        "errors",
        "__version__",
        "StoreflowError",
        "APIError",
        "ValidationError",
    }
    assert all(hasattr(storeflow, name) for name in storeflow.__all__)


def test_clients_are_built_outside_an_event_loop_without_io() -> None:
    pf = Pocketsflow(KEY)
    rf = Reflow(267418190)
    assert pf.base_url == "https://api.pocketsflow.com"
    assert rf.base_url == "https://api.reflowhq.com/v2"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Pocketsflow(KEY, max_retries=-1),
        lambda: Reflow(1, KEY, max_retries=-1),
        lambda: Reflow("not a project"),
    ],
    ids=["pocketsflow", "reflow", "reflow-project"],
)
def test_a_client_whose_constructor_raised_can_be_shown(build: Any) -> None:
    # Debuggers and error trackers show each frame's locals: the half-built ``self`` too.
    with pytest.raises(errors.ValidationError) as raised:
        build()
    tb = raised.value.__traceback__
    shown = []
    while tb is not None:
        if isinstance(client := tb.tb_frame.f_locals.get("self"), Pocketsflow | Reflow):
            shown.append(repr(client))
        tb = tb.tb_next
    assert any(text.endswith("(<not constructed>)") for text in shown), shown
    assert not any(KEY in text for text in shown)


def test_pocketsflow_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCKETSFLOW_API_KEY", LIVE_KEY)
    assert Pocketsflow().mode == "live"
    assert Pocketsflow(KEY).mode == "test"  # an argument wins over the environment


@pytest.mark.parametrize("env", [None, ""])
def test_pocketsflow_key_is_optional(monkeypatch: pytest.MonkeyPatch, env: str | None) -> None:
    monkeypatch.delenv("POCKETSFLOW_API_KEY", raising=False)
    if env is not None:
        monkeypatch.setenv("POCKETSFLOW_API_KEY", env)
    pf = Pocketsflow()
    assert pf.mode is None
    assert pf._transport.has_api_key is False


@pytest.mark.parametrize(
    ("key", "mode"),
    [
        ("pk_test_Abc123456789", "test"),
        ("pk_live_Abc123456789", "live"),
        ("pk_test_Abc-123456789", "test"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdXRoMHwxIn0.c2lnbmF0dXJl", None),
        ("sk_test_Abc123456789", None),
    ],
)
def test_any_bearer_token_is_accepted(key: str, mode: str | None) -> None:
    assert Pocketsflow(key).mode == mode


@pytest.mark.parametrize(
    "key",
    [
        "pk_live_Abc123456789 ",
        "Bearer pk_live_Abc123456789",
        "pk_live_Abc123456789\r\nX-Evil: 1",
    ],
)
def test_malformed_pocketsflow_keys_are_refused_without_echo(key: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        Pocketsflow(key)
    assert caught.value.argument == "api_key"
    assert "Abc123456789" not in str(caught.value)
    assert "Abc123456789" not in repr(caught.value)


@pytest.mark.parametrize(("value", "expected"), [(267418190, 267418190), ("267418190", 267418190)])
def test_reflow_project_id_as_int_or_digits(value: int | str, expected: int) -> None:
    assert Reflow(value).project_id == expected


def test_reflow_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFLOW_PROJECT_ID", "267418190")
    monkeypatch.setenv("REFLOW_API_KEY", "rf-secret-0123456789abcdef")
    rf = Reflow(test_mode=True)
    assert rf.project_id == 267418190
    assert rf.test_mode
    assert rf.base_url == "https://test-api.reflowhq.com/v2"
    assert rf._transport.has_api_key
    assert Reflow(5, base_url="https://proxy.example/v2").base_url == "https://proxy.example/v2"


@pytest.mark.parametrize("value", [True, 1.5, "abc", "-3", "", None])
def test_reflow_project_id_must_be_an_integer_or_its_digits(
    value: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFLOW_PROJECT_ID", raising=False)
    with pytest.raises(errors.ValidationError) as caught:
        Reflow(value)  # type: ignore[arg-type]
    assert caught.value.argument == "project_id"


@pytest.mark.parametrize("env", [None, "", "abc", "-1"])
def test_reflow_project_id_from_a_bad_environment(
    monkeypatch: pytest.MonkeyPatch, env: str | None
) -> None:
    if env is not None:
        monkeypatch.setenv("REFLOW_PROJECT_ID", env)
    with pytest.raises(errors.ValidationError) as caught:
        Reflow()
    assert caught.value.argument == "project_id"


def test_reflow_key_is_optional_but_must_be_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFLOW_API_KEY", "")
    assert not Reflow(1)._transport.has_api_key
    with pytest.raises(errors.ValidationError) as caught:
        Reflow(1, "secret-value\r\nX-Injected: 1")
    assert caught.value.argument == "api_key"
    assert "secret-value" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://api.pocketsflow.com", "http://10.0.0.8:8080", "http://sandbox.internal"]
)
def test_plain_http_to_a_non_loopback_host_is_refused(url: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        Pocketsflow(KEY, base_url=url)
    assert caught.value.argument == "base_url"
    with pytest.raises(errors.ValidationError):
        Reflow(1, "rf-key-0123456789", base_url=url)
    Reflow(1, base_url=url)  # without a key there is nothing to protect


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:1234/v2", "http://[::1]:9000"]
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert Pocketsflow(KEY, base_url=url).base_url == url


@pytest.mark.parametrize("url", ["ftp://api.pocketsflow.com", "api.pocketsflow.com", "https://"])
def test_malformed_base_urls_are_refused(url: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        Pocketsflow(KEY, base_url=url)
    assert caught.value.argument == "base_url"


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_connections": 0}, "max_connections"),
        ({"timeout": "5"}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"rate_limit": 200}, "rate_limit"),
        ({"headers": {"authorization": "Bearer other"}}, "headers"),
    ],
)
def test_options_are_validated(options: dict[str, object], argument: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        Pocketsflow(KEY, **options)  # type: ignore[arg-type]
    assert caught.value.argument == argument


@pytest.mark.parametrize(
    ("options", "argument"), [({"connect": 0}, "connect"), ({"total": -1.0}, "total")]
)
def test_timeouts_are_validated(options: dict[str, float], argument: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        Timeout(**options)
    assert caught.value.argument == argument
    assert client_timeout(Timeout(connect=1, total=2)) == aiohttp.ClientTimeout(connect=1)


def test_rate_limit_choices() -> None:
    # The default budget is shared per API endpoint (host and port), across clients and APIs.
    a = Pocketsflow(KEY, base_url="http://127.0.0.1:1")
    b = Reflow(1, base_url="http://127.0.0.1:1/v2")
    assert a._transport.limiter is b._transport.limiter
    assert (
        Reflow(1, base_url="http://127.0.0.1:2/v2")._transport.limiter is not a._transport.limiter
    )
    assert isinstance(a._transport.limiter, ratelimit.EndpointLimiter)
    assert a._transport.limiter.rate == RateLimit()
    other_host = Pocketsflow(KEY)
    assert other_host._transport.limiter is not a._transport.limiter
    own = AsyncLimiter(10, 1)
    assert Pocketsflow(KEY, rate_limit=own)._transport.limiter is own
    assert Pocketsflow(KEY, rate_limit=None)._transport.limiter is None
    paced = Pocketsflow(
        KEY, base_url="http://127.0.0.1:3", rate_limit=RateLimit(60, 60, strategy="paced")
    )
    assert isinstance(paced._transport.limiter, ratelimit.EndpointLimiter)
    assert paced._transport.limiter.strategy == "paced"


async def test_default_headers_and_user_agent() -> None:
    async with (
        serve(answering({"ok": True})) as server,
        Pocketsflow(KEY, base_url=server.url, headers={"X-Trace": "t-1"}) as pf,
    ):
        assert await pf.request("GET", "/users/me") == {"ok": True}
    headers = server.seen[0].headers
    assert headers["User-Agent"] == f"storeflow/{storeflow.__version__}"
    assert headers["Accept"] == "application/json"
    assert headers["X-Trace"] == "t-1"
    assert headers["Authorization"] == f"Bearer {KEY}"


async def test_reflow_auth_per_operation() -> None:
    async with serve(answering({"data": []})) as server:
        base = f"{server.url}/v2"
        async with Reflow(42, base_url=base, rate_limit=None) as public:
            await public._transport.call(REFLOW["plans_list"])  # optional auth: works keyless
            with pytest.raises(errors.ValidationError) as caught:
                await public._transport.call(REFLOW["users_list"])
        async with Reflow(42, "rf-key-0123456789", base_url=base, rate_limit=None) as keyed:
            await keyed._transport.call(REFLOW["plans_list"])
            await keyed._transport.call(REFLOW["users_list"])
    assert caught.value.argument == "api_key"
    assert "REFLOW_API_KEY" in str(caught.value)
    assert [(s.path_qs, s.headers.get("Authorization")) for s in server.seen] == [
        ("/v2/projects/42/plans/", None),  # nothing was sent for the keyless users_list
        ("/v2/projects/42/plans/", "Bearer rf-key-0123456789"),
        ("/v2/projects/42/users/", "Bearer rf-key-0123456789"),
    ]


async def test_public_operations_never_carry_the_key() -> None:
    operation = POCKETSFLOW["reviews_list_for_product"]
    assert operation.auth == "none"
    async with (
        serve(answering([])) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        await pf._transport.call(operation, path_params={"productId": "abc"})
    assert "Authorization" not in server.seen[0].headers


async def test_escape_hatch_returns_json_through_the_error_mapping() -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.path == "/empty":
            return web.Response(status=204)
        if request.path == "/missing":
            return web.json_response({"message": "nope"}, status=404)
        return web.json_response({"query": dict(request.query), "body": await request.json()})

    async with (
        serve(handler) as server,
        Pocketsflow(KEY, base_url=server.url, rate_limit=None) as pf,
    ):
        echoed = await pf.request(
            "post", "/echo", params={"a": True, "b": None, "c": [1, 2]}, json={"x": 1}
        )
        assert await pf.request("DELETE", "/empty") is None
        with pytest.raises(errors.NotFoundError) as caught:
            await pf.request("GET", "/missing")
    assert echoed == {"query": {"a": "true", "c": "1,2"}, "body": {"x": 1}}
    assert caught.value.message == "nope"
    assert server.seen[0].method == "POST"


@pytest.mark.parametrize(
    ("limit", "limit_per_host", "expected"), [(4, 0, 4), (100, 3, 3), (0, 0, 64), (0, 80, 64)]
)
async def test_a_caller_session_s_connector_limits_cap_concurrency(
    limit: int, limit_per_host: int, expected: int
) -> None:
    # Every request goes to one host: more permits than either limit would let requests queue
    # for a connection after the limiter admitted them.
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit_per_host)
    async with aiohttp.ClientSession(connector=connector) as session:
        pf = Pocketsflow(KEY, session=session, max_connections=64)
        assert pf._transport.max_connections == expected
        await pf.aclose()
        assert not session.closed


def test_repr_shows_configuration_but_not_the_key() -> None:
    pf = Pocketsflow(KEY)
    assert repr(pf) == (
        "Pocketsflow(base_url='https://api.pocketsflow.com', api_key='pk_test_…6789', mode='test')"
    )
    rf = Reflow(7, "rf-secret-0123456789abcdef")
    assert repr(rf) == (
        "Reflow(project_id=7, base_url='https://api.reflowhq.com/v2', api_key='…cdef')"
    )
    assert repr(Reflow(7)).endswith("api_key=None)")
