"""The transport over real loopback HTTP: retries, backoff, 429 pauses, error mapping, encoding.

Every test runs on looptime's virtual clock, so backoff and Retry-After waits take no real time
and their lengths can be asserted exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import logging
import random
import socket
import threading
from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum

import pytest
from aiohttp import web
from aiolimiter import AsyncLimiter

from _loopback import (
    KEY,
    Handler,
    answering,
    drop,
    free_port,
    json_response,
    make_transport,
    op,
    serve,
)
from storeflow import errors
from storeflow._transport import Timeout, encode_query
from storeflow.pocketsflow.models import Deleted
from storeflow.ratelimit import RateLimit, WindowLimiter

pytestmark = pytest.mark.looptime


def now() -> float:
    return asyncio.get_running_loop().time()


async def ok(request: web.Request) -> web.Response:
    return json_response({"ok": True})


def status(code: int, **headers: str) -> web.Response:
    """A JSON error answer; ``Retry_After="1"`` sends the header ``Retry-After: 1``."""
    fixed = {name.replace("_", "-"): value for name, value in headers.items()}
    return json_response({"message": f"status {code}"}, code, headers=fixed)


def failing(code: int, **headers: str) -> Handler:
    """A handler that always answers ``status(code, **headers)``."""
    return answering({"message": f"status {code}"}, code, **headers)


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(1000)
    return json_response({})


async def truncated(request: web.Request) -> web.StreamResponse:
    """Promise 100 bytes, send 7, hang up: the body ends early."""
    response = web.StreamResponse(headers={"Content-Length": "100"})
    response.content_type = "application/json"
    await response.prepare(request)
    await response.write(b'{"a": 1')
    assert request.transport is not None
    request.transport.close()
    return response


HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


async def html_502(request: web.Request) -> web.Response:
    return web.Response(status=502, text=HTML_502, content_type="text/html")


# Each failure the transport may retry: the handler, the error after the last attempt, and
# whether the request may have reached the server (then only idempotent operations retry).
FAILURES = {
    "dropped connection": (drop, errors.ConnectionError, True),
    "read timeout": (slow, errors.TimeoutError, True),
    "truncated body": (truncated, errors.ConnectionError, True),
    "502": (failing(502), errors.ServerError, True),
    "503": (failing(503), errors.ServerError, True),
    "504": (failing(504), errors.ServerError, True),
    "HTML 502 page": (html_502, errors.ServerError, True),
    "429": (failing(429), errors.RateLimitError, False),
}


@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "create"])
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_retry_matrix(failure: str, idempotent: bool) -> None:
    handler, error, may_have_reached = FAILURES[failure]
    async with (
        serve({"/things": handler}) as server,
        make_transport(server.url, timeout=Timeout(connect=1, total=3)) as transport,
    ):
        with pytest.raises(error) as caught:
            await transport.call(op("POST", idempotent=idempotent), json={"name": "x"})
    retried = idempotent or not may_have_reached
    assert server.hits() == (3 if retried else 1)
    assert caught.value.method == "POST"
    assert caught.value.path == "/things"


@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "create"])
async def test_refused_connection_is_retried_for_every_operation(
    idempotent: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing can have reached a server that refused the connection, so even a create retries.
    async with make_transport(f"http://127.0.0.1:{free_port()}") as transport:
        with (
            caplog.at_level(logging.DEBUG, "storeflow"),
            pytest.raises(errors.ConnectionError) as caught,
        ):
            await transport.call(op("POST", idempotent=idempotent), json={})
    attempts = [r for r in caplog.records if r.name == "storeflow"]
    assert [r.args[-1] for r in attempts] == [1, 2, 3]  # type: ignore[index]
    # Certainly unsent, and nothing of aiohttp's chained: its reprs carry the request headers.
    assert caught.value.unsent
    assert caught.value.__cause__ is None
    assert "could not connect" in str(caught.value)


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A loopback port whose accept queue is full: connecting to it hangs until timed out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port: int = listener.getsockname()[1]
    fillers = [socket.socket() for _ in range(3)]
    for filler in fillers:
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


async def test_connect_timeout_is_retried_even_for_a_create(
    unanswered_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_transport(
        f"http://127.0.0.1:{unanswered_port}", timeout=Timeout(connect=1, total=30)
    ) as transport:
        start = now()
        with (
            caplog.at_level(logging.DEBUG, "storeflow"),
            pytest.raises(errors.TimeoutError) as caught,
        ):
            await transport.call(op("POST", idempotent=False), json={})
    assert "timed out connecting" in str(caught.value)
    assert len([r for r in caplog.records if r.name == "storeflow"]) == 3
    assert now() - start == pytest.approx(1 + 0.5 + 1 + 1 + 1, abs=0.05)


async def test_create_under_dropped_connections_is_sent_exactly_once() -> None:
    created: list[bytes] = []

    async def create(request: web.Request) -> web.StreamResponse:
        created.append(await request.read())  # the side effect happens...
        return await drop(request)  # ...and then the answer is lost

    async with (
        serve({"/products": create}) as server,
        make_transport(server.url, max_retries=5) as transport,
    ):
        for _ in range(4):
            with pytest.raises(errors.ConnectionError):
                await transport.call(op("POST", "/products", idempotent=False), json={"n": 1})
    assert len(created) == 4  # one per call, never a second copy


async def test_recovers_after_transient_failures() -> None:
    answers = iter([status(503), status(502)])

    async def flaky(request: web.Request) -> web.Response:
        return next(answers, None) or json_response({"ok": True})

    async with serve({"/things": flaky}) as server, make_transport(server.url) as transport:
        response = await transport.call(op("GET"))
    assert response.json() == {"ok": True}
    assert response.attempts == 3
    assert server.hits() == 3


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 422, 500, 501])
async def test_other_error_statuses_are_not_retried(code: int) -> None:
    async with (
        serve({"/things": failing(code)}) as server,
        make_transport(server.url) as transport,
    ):
        with pytest.raises(errors.APIError):
            await transport.call(op("GET"))
    assert server.hits() == 1


async def test_backoff_is_exponential_and_capped() -> None:
    async with (
        serve({"/things": failing(503)}) as server,
        make_transport(server.url, max_retries=6) as transport,
    ):
        start = now()
        with pytest.raises(errors.ServerError):
            await transport.call(op("GET"))
    assert server.hits() == 7
    assert now() - start == pytest.approx(0.5 + 1 + 2 + 4 + 8 + 8)


async def test_backoff_draws_full_jitter() -> None:
    class Recording(random.Random):
        bounds: list[tuple[float, float]] = []  # noqa: RUF012 - one instance per test

        def uniform(self, a: float, b: float) -> float:
            self.bounds.append((a, b))
            return b / 4

    rng = Recording()
    async with (
        serve({"/things": drop}) as server,
        make_transport(server.url, rng=rng, max_retries=3) as transport,
    ):
        start = now()
        with pytest.raises(errors.ConnectionError):
            await transport.call(op("GET"))
    assert rng.bounds == [(0, 0.5), (0, 1.0), (0, 2.0)]
    assert now() - start == pytest.approx((0.5 + 1 + 2) / 4)


async def test_429_pauses_the_shared_limiter_for_retry_after() -> None:
    arrivals: list[tuple[str, float]] = []
    refused = False

    async def handler(request: web.Request) -> web.Response:
        nonlocal refused
        arrivals.append((request.path, now()))
        if request.path == "/first" and not refused:
            refused = True
            return status(429, Retry_After="2.5")
        return json_response({})

    class Observed(WindowLimiter):
        paused = asyncio.Event()

        def pause(self, seconds: float) -> None:
            super().pause(seconds)
            self.paused.set()

    limiter = Observed(RateLimit(requests=1000, period=60))
    async with (
        serve(handler) as server,
        make_transport(server.url, rate_limit=limiter) as first,
        make_transport(server.url, rate_limit=limiter) as other,
    ):
        start = now()
        task = asyncio.create_task(first.request("GET", "/first"))
        await limiter.paused.wait()
        # Another client on the same limiter is held back by the pause too.
        await other.request("GET", "/other")
        response = await task
    assert response.attempts == 2
    times = dict(arrivals[1:])
    assert times["/first"] - start == pytest.approx(2.5, abs=0.05)
    assert times["/other"] - start >= 2.5


@pytest.mark.parametrize(
    "limiter", [None, AsyncLimiter(1000, 60)], ids=["no limiter", "limiter without pause"]
)
async def test_429_without_a_pausable_limiter_sleeps_locally(limiter: AsyncLimiter | None) -> None:
    answers = iter([status(429, Retry_After="0.75")])

    async def handler(request: web.Request) -> web.Response:
        return next(answers, None) or json_response({})

    async with (
        serve({"/things": handler}) as server,
        make_transport(server.url, rate_limit=limiter) as transport,
    ):
        start = now()
        await transport.call(op("POST", idempotent=False))
    assert server.hits() == 2  # a 429 is retried even for a create: the server refused it
    assert now() - start == pytest.approx(0.75, abs=0.05)


async def test_retry_after_as_an_http_date() -> None:
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10), True)
    answers = iter([status(429, Retry_After=when)])

    async def handler(request: web.Request) -> web.Response:
        return next(answers, None) or json_response({})

    async with serve({"/things": handler}) as server, make_transport(server.url) as transport:
        start = now()
        await transport.call(op("GET"))
    assert 8 <= now() - start <= 10


@pytest.mark.parametrize(
    ("header", "wait", "retry_after"),
    [
        ("2.5", 2.5, 2.5),
        ("0", 0, 0),
        ("-3", 0, 0),  # a negative delay means "now"
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0, 0),  # a date in the past, likewise
        ("soon", 0.5, None),  # unusable: the ordinary backoff instead
        ("nan", 0.5, None),
        ("inf", 0.5, None),
        ("", 0.5, None),
    ],
)
async def test_retry_after_values(header: str, wait: float, retry_after: float | None) -> None:
    async with (
        serve({"/things": failing(429, Retry_After=header)}) as server,
        make_transport(server.url, max_retries=1) as transport,
    ):
        start = now()
        with pytest.raises(errors.RateLimitError) as caught:
            await transport.call(op("GET"))
    assert server.hits() == 2
    assert now() - start == pytest.approx(wait, abs=0.05)
    assert caught.value.retry_after == retry_after


async def test_exhausted_429_raises_rate_limit_error_with_retry_after() -> None:
    async with (
        serve({"/things": failing(429, Retry_After="1.5")}) as server,
        make_transport(server.url) as transport,
    ):
        with pytest.raises(errors.RateLimitError) as caught:
            await transport.call(op("GET"))
    assert server.hits() == 3
    assert caught.value.retry_after == 1.5
    assert caught.value.status == 429
    assert (transport.stats.requests, transport.stats.retries) == (3, 2)
    assert transport.stats.rate_limited == 3


async def test_an_hour_long_retry_after_is_not_waited_out() -> None:
    async with (
        serve({"/things": failing(429, Retry_After="3600")}) as server,
        make_transport(server.url) as transport,
    ):
        start = now()
        with pytest.raises(errors.RateLimitError) as caught:
            await transport.call(op("GET"))
    assert server.hits() == 1
    assert now() - start < 1
    assert caught.value.retry_after == 3600


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (400, errors.BadRequestError),
        (409, errors.BadRequestError),
        (422, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.AuthenticationError),
        (404, errors.NotFoundError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (418, errors.APIError),
    ],
)
async def test_status_maps_to_error_class(code: int, error: type[errors.APIError]) -> None:
    body = {"message": "Product not found"}
    handler = answering(body, code, X_Request_Id="req-123")
    async with (
        serve({"/things/{id}": handler}) as server,
        make_transport(server.url, max_retries=0) as transport,
    ):
        with pytest.raises(error) as caught:
            await transport.call(op("GET", "/things/{id}"), path_params={"id": "abc"})
    exc = caught.value
    assert type(exc) is error
    assert (exc.status, exc.message, exc.method, exc.path) == (
        code,
        "Product not found",
        "GET",
        "/things/abc",
    )
    assert exc.request_id == "req-123"
    assert exc.body == '{"message": "Product not found"}'
    assert str(exc) == f"{code} Product not found (GET /things/abc, request id req-123)"


@pytest.mark.parametrize(
    ("body", "headers", "message", "request_id"),
    [
        pytest.param(
            {"error": "Invalid project id"}, {}, "Invalid project id", None, id="reflow error"
        ),
        pytest.param(
            {"message": "The given data was invalid.", "errors": {"name": ["is too long"]}},
            {"Request-Id": "r-9"},
            "The given data was invalid. (name: is too long)",
            "r-9",
            id="laravel errors",
        ),
        pytest.param("upstream exploded\nstack...", {}, "upstream exploded", None, id="plain text"),
        pytest.param('{"message": "cut sh', {}, "Bad Request", None, id="truncated json"),
        pytest.param(HTML_502, {}, "Bad Request", None, id="html page"),
    ],
)
async def test_error_message_comes_from_the_body(
    body: object, headers: dict[str, str], message: str, request_id: str | None
) -> None:
    async def handler(request: web.Request) -> web.Response:
        if isinstance(body, str):
            return web.Response(status=400, text=body, headers=headers)
        return json_response(body, 400, headers=headers)

    async with serve({"/things": handler}) as server, make_transport(server.url) as transport:
        with pytest.raises(errors.BadRequestError) as caught:
            await transport.call(op("GET"))
    assert caught.value.message == message
    assert caught.value.request_id == request_id


async def test_html_502_page_becomes_a_server_error() -> None:
    async with (
        serve({"/things": html_502}) as server,
        make_transport(server.url, max_retries=0) as transport,
    ):
        with pytest.raises(errors.ServerError) as caught:
            await transport.call(op("GET"))
    assert caught.value.status == 502
    assert caught.value.message == "Bad Gateway"
    assert caught.value.body == HTML_502


@pytest.mark.parametrize(
    "payload", [b'{"orders": [{"_id": "a"', b"<html>oops</html>"], ids=["truncated", "html"]
)
async def test_a_2xx_body_that_is_not_json_raises_decode_error(payload: bytes) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    async with serve({"/orders": handler}) as server, make_transport(server.url) as transport:
        response = await transport.call(op("GET", "/orders"))
    with pytest.raises(errors.DecodeError) as caught:
        response.json()
    exc = caught.value
    assert (exc.method, exc.path, exc.status) == ("GET", "/orders", 200)
    assert exc.body == payload.decode()
    assert "GET /orders -> 200" in str(exc)
    with pytest.raises(errors.DecodeError):
        response.decode(Deleted)


async def test_decode_names_the_field_and_the_request() -> None:
    async with (
        serve({"/things": answering({"message": [5]})}) as server,
        make_transport(server.url, strict=True) as transport,
    ):
        response = await transport.call(op("DELETE"))
    with pytest.raises(errors.DecodeError) as caught:
        response.decode(Deleted)
    assert caught.value.model == "Deleted"
    assert caught.value.field == "message"
    assert (caught.value.method, caught.value.path) == ("DELETE", "/things")
    assert response.decode(dict[str, list[int]]) == {"message": [5]}


async def test_timeout_is_per_attempt_and_a_create_is_not_resent() -> None:
    async with (
        serve({"/things": slow}) as server,
        make_transport(server.url, timeout=Timeout(connect=1, total=2)) as transport,
    ):
        start = now()
        with pytest.raises(errors.TimeoutError) as caught:
            await transport.call(op("POST", idempotent=False), json={})
    assert server.hits() == 1
    assert now() - start == pytest.approx(2, abs=0.05)
    assert "timed out waiting for the response" in str(caught.value)
    assert isinstance(caught.value, TimeoutError)  # the builtin, too
    assert not caught.value.unsent  # it reached the server


class Colour(StrEnum):
    RED = "red"


async def test_query_and_body_encoding() -> None:
    async with serve({"/things": ok}) as server, make_transport(server.url) as transport:
        await transport.call(
            op("POST", idempotent=False),
            params={
                "published": True,
                "hidden": False,
                "skip": None,
                "ids": [1, 2, 3],
                "order": ("name_asc", "price_desc"),
                "since": dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC),
                "day": dt.date(2024, 5, 2),
                "colour": Colour.RED,
                "page": 2,
            },
            json={"price": Decimal("29.990"), "name": "E-book"},
        )
    seen = server.seen[0]
    assert seen.path_qs == (
        "/things?published=true&hidden=false&ids=1,2,3&order=name_asc,price_desc"
        "&since=2024-05-01T12:30:00%2B00:00&day=2024-05-02&colour=red&page=2"
    )
    assert seen.body == b'{"price":29.990,"name":"E-book"}'
    assert seen.headers["Content-Type"] == "application/json"


async def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(errors.ValidationError) as caught:
        encode_query({"startDate": dt.datetime(2024, 5, 1)})
    assert caught.value.argument == "startDate"


async def test_path_params_are_quoted_and_validated() -> None:
    async with (
        serve(ok) as server,
        make_transport(server.url, path_params={"projectId": 7}) as transport,
    ):
        template = op("GET", "/projects/{projectId}/things/{id}")
        await transport.call(template, path_params={"id": "a/b c?%41é"})
        for bad in ("", ".", ".."):
            with pytest.raises(errors.ValidationError) as caught:
                await transport.call(template, path_params={"id": bad})
            assert caught.value.argument == "id"
        with pytest.raises(errors.ValidationError):
            await transport.call(template)
    assert [s.raw_path for s in server.seen] == ["/projects/7/things/a%2Fb%20c%3F%2541%C3%A9"]


async def test_same_origin_redirects_are_followed_with_the_key() -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect("/new-things?page=2")

    async def see_other(request: web.Request) -> web.Response:
        raise web.HTTPSeeOther("/things/1")

    async with (
        serve({"/things": moved, "/new-things": see_other, "/things/1": ok}) as server,
        make_transport(server.url) as transport,
    ):
        response = await transport.call(op("POST", idempotent=False), json={"a": 1})
    assert response.json() == {"ok": True}
    assert [(s.method, s.path_qs) for s in server.seen] == [
        ("POST", "/things"),
        ("POST", "/new-things?page=2"),  # 307 keeps the method and body
        ("GET", "/things/1"),  # 303 turns it into a GET
    ]
    assert all(s.headers["Authorization"] == f"Bearer {KEY}" for s in server.seen)
    assert server.seen[1].body == b'{"a":1}'


async def test_redirect_loops_stop_after_three_hops() -> None:
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/things")

    async with serve({"/things": loop}) as server, make_transport(server.url) as transport:
        with pytest.raises(errors.APIError) as caught:
            await transport.call(op("GET"))
    assert server.hits() == 4
    assert caught.value.status == 302
    assert "too many redirects" in str(caught.value)


async def test_each_exchange_takes_a_limiter_slot() -> None:
    admitted = 0

    class Counting:
        async def acquire(self) -> None:
            nonlocal admitted
            admitted += 1

    answers = iter([status(503)])

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/things":
            raise web.HTTPFound("/elsewhere")
        return next(answers, None) or json_response({})

    async with (
        serve(handler) as server,
        make_transport(server.url, rate_limit=Counting()) as transport,
    ):
        await transport.call(op("GET"))
    assert server.hits() == 4  # /things, /elsewhere (503), /things, /elsewhere
    assert admitted == 4
    assert (transport.stats.requests, transport.stats.retries) == (4, 1)  # hops are not retries


async def test_one_debug_line_per_attempt_with_query_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with (
        serve({"/things": failing(503)}) as server,
        make_transport(server.url, max_retries=1) as transport,
    ):
        with caplog.at_level(logging.DEBUG, "storeflow"), pytest.raises(errors.ServerError):
            await transport.call(op("GET"), params={"email": "someone@example.com", "page": 3})
    lines = [r.getMessage() for r in caplog.records if r.name == "storeflow"]
    assert len(lines) == 2
    for attempt, line in enumerate(lines, 1):
        assert line.startswith("GET /things?email=someone@example.com&page=3 -> 503 in ")
        assert line.endswith(f" ms (attempt {attempt})")
        assert KEY not in line


async def test_a_closed_transport_refuses_requests() -> None:
    async with (
        serve(ok) as server,
        make_transport(server.url) as transport,
    ):
        await transport.call(op("GET"))
        await transport.aclose()  # closing twice is fine
        with pytest.raises(RuntimeError, match="closed"):
            await transport.call(op("GET"))
    assert transport.closed


async def test_a_transport_belongs_to_one_event_loop() -> None:
    errors_seen: list[BaseException] = []
    async with serve({"/ping": ok}) as server, make_transport(server.url) as transport:
        await transport.request("GET", "/ping")

        def other_loop() -> None:
            try:
                asyncio.run(transport.request("GET", "/ping"))
            except RuntimeError as exc:
                errors_seen.append(exc)

        thread = threading.Thread(target=other_loop)
        thread.start()
        thread.join()
    assert len(errors_seen) == 1
    assert "another event loop" in str(errors_seen[0])


async def test_request_defaults_idempotency_from_the_method() -> None:
    async with serve(drop) as server, make_transport(server.url) as transport:
        for method in ("GET", "DELETE", "PUT", "POST", "PATCH"):
            with pytest.raises(errors.ConnectionError):
                await transport.request(method, "/x")
        with pytest.raises(errors.ConnectionError):
            await transport.request("POST", "/x", idempotent=True)
        with pytest.raises(errors.ValidationError):
            await transport.request("GET", "https://elsewhere.example/x")
    counts = [s.method for s in server.seen]
    assert counts.count("GET") == counts.count("DELETE") == counts.count("PUT") == 3
    assert counts.count("PATCH") == 1
    assert counts.count("POST") == 1 + 3


async def test_a_limiter_slot_is_only_taken_once_a_connection_is_free() -> None:
    # Slots taken by requests still queueing for a connection would go out later than the
    # limiter admitted them, bunched together: so the permit comes first, then the slot.
    admitted = 0
    release = asyncio.Event()
    two_in = asyncio.Event()

    class Counting:
        async def acquire(self) -> None:
            nonlocal admitted
            admitted += 1

    async def held(request: web.Request) -> web.Response:
        if server.hits() == 2:
            two_in.set()
        await release.wait()
        return json_response({})

    async with (
        serve({"/things": held}) as server,
        make_transport(server.url, rate_limit=Counting(), max_connections=2) as transport,
    ):
        calls = [asyncio.create_task(transport.call(op("GET"))) for _ in range(6)]
        await two_in.wait()
        await asyncio.sleep(1)  # time for the other four to take whatever they would take
        assert admitted == 2
        release.set()
        await asyncio.gather(*calls)
    assert admitted == 6
