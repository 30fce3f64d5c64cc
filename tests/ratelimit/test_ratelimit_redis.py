"""The Redis backend of the limiter, against a real redis-server on loopback.

Several :class:`RedisLimiter` objects on one backend stand for several processes (each has its
own process id in Redis, as separate processes would); the multi-process proof is in
``test_ratelimit_fleet.py``. Times here are real: the server's clock is the one that counts.
"""

from __future__ import annotations

import asyncio
import logging
import pickle

import pytest
import redis

from _redis_server import RedisServer, free_port
from storeflow import RateLimit
from storeflow.errors import RateLimitBackendError, ValidationError
from storeflow.ratelimit import (
    EndpointLimiter,
    RedisBackend,
    RedisLimiter,
    backend_from_url,
    limiter_for,
    mask_url,
)

SECRET = "s3cret-pass-word"


def limiters(url: str, n: int, rate: RateLimit, **options: object) -> list[RedisLimiter]:
    backend = RedisBackend(url, **options)  # type: ignore[arg-type]
    return [RedisLimiter(rate, backend, "api.example:443") for _ in range(n)]


def assert_window_rule(times: list[float], requests: int, window: float) -> None:
    """No ``requests + 1`` admissions within less than ``window`` (10 ms slack for the loop)."""
    times = sorted(times)
    for first, last in zip(times, times[requests:], strict=False):
        assert last - first >= window - 0.01, (first, last)


async def test_limiters_on_one_redis_share_one_budget_in_request_order(
    redis_server: RedisServer,
) -> None:
    rate = RateLimit(4, 0.5)
    a, b = limiters(redis_server.url, 2, rate)
    loop = asyncio.get_running_loop()
    order: list[str] = []
    times: list[float] = []

    async def take(limiter: RedisLimiter, name: str) -> None:
        await limiter.acquire()
        order.append(name)
        times.append(loop.time())

    for _ in range(4):
        await take(a, "a")  # the budget is spent
        await asyncio.sleep(0.02)  # slots 20 ms apart: their waiters wake in a clear order
    slots = a.backend.keys(a.endpoint)[0]
    server = await a.backend.client()
    waiting = []
    for i in range(2):
        waiting.append(asyncio.create_task(take(b, f"b{i}")))
        for _ in range(400):  # it reached Redis before the next asks
            if await server.zcard(slots) >= 5 + i:
                break
            await asyncio.sleep(0.005)
    late = asyncio.create_task(take(a, "a-late"))
    await asyncio.gather(*waiting, late)
    # b asked first, so b goes first although a's process would be free to go on its own.
    assert order == ["a", "a", "a", "a", "b0", "b1", "a-late"]
    assert_window_rule(times, 4, rate.window)
    assert times[4] - times[0] >= rate.window - 0.01


async def test_a_cancelled_waiter_gives_its_slot_back(redis_server: RedisServer) -> None:
    rate = RateLimit(1, 30.0)
    (a,) = limiters(redis_server.url, 1, rate)
    await a.acquire()
    waiter = asyncio.create_task(a.acquire())
    await asyncio.sleep(0.1)
    client = redis.Redis.from_url(redis_server.url)
    slots = a.backend.keys(a.endpoint)[0]
    assert client.zcard(slots) == 2
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert client.zcard(slots) == 1
    client.close()


async def test_a_call_cancelled_while_reserving_keeps_no_slot(redis_server: RedisServer) -> None:
    # A cancellation that arrives while (or just after) the reserving script runs: the script
    # may have logged the slot, so it is given back like a waiter's.
    (a,) = limiters(redis_server.url, 1, RateLimit(10_000, 60.0))
    await a.acquire()  # connected
    client = redis.Redis.from_url(redis_server.url)
    slots = a.backend.keys(a.endpoint)[0]
    cancelled = 0
    for turns in range(40):
        logged = client.zcard(slots)
        task = asyncio.create_task(a.acquire())
        for _ in range(turns):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.wait([task])
        if task.cancelled():
            cancelled += 1
            assert client.zcard(slots) == logged, turns
        else:
            assert client.zcard(slots) == logged + 1, turns
    assert cancelled
    client.close()


async def test_a_pause_holds_every_process(redis_server: RedisServer) -> None:
    a, b = limiters(redis_server.url, 2, RateLimit(100, 10.0))
    loop = asyncio.get_running_loop()
    await b.acquire()
    a.pause(0.4)
    await asyncio.sleep(0.05)  # the pause reaches Redis in the background
    started = loop.time()
    await b.acquire()
    assert loop.time() - started >= 0.3


async def test_a_pause_begun_while_waiting_requeues_the_waiter(redis_server: RedisServer) -> None:
    a, b = limiters(redis_server.url, 2, RateLimit(1, 0.3))
    loop = asyncio.get_running_loop()
    await a.acquire()
    started = loop.time()
    waiter = asyncio.create_task(b.acquire())  # its slot is ~0.3 s away
    await asyncio.sleep(0.05)
    a.pause(0.8)
    await waiter
    assert loop.time() - started >= 0.75


async def test_clients_built_from_one_url_share_one_limiter(redis_server: RedisServer) -> None:
    one = limiter_for("h:1", RateLimit(backend=redis_server.url + "?prefix=t1"))
    two = limiter_for("h:1", RateLimit(backend=redis_server.url + "?prefix=t1"))
    assert one is two
    assert isinstance(one, EndpointLimiter)
    assert one.rate.backend == backend_from_url(redis_server.url + "?prefix=t1")
    other = limiter_for("h:1", RateLimit(backend=redis_server.url + "?prefix=t2"))
    assert other is not one  # another shared log is another budget


async def test_keys_are_namespaced_and_expire(redis_server: RedisServer) -> None:
    rate = RateLimit(5, 0.5)
    (a,) = limiters(redis_server.url, 1, rate, prefix="staging")
    (b,) = limiters(redis_server.url, 1, rate, prefix="prod")
    for _ in range(5):
        await a.acquire()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await b.acquire()  # another prefix: another budget
    assert loop.time() - started < 0.2
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    keys = sorted(client.keys("*"))
    assert keys == sorted(
        [
            f"{p}:{{api.example:443}}:{k}"
            for p in ("prod", "staging")
            for k in ("meta", "procs", "slots")
        ]
    )
    assert all(0 < client.pttl(key) <= 2 * rate.window * 1000 + 50 for key in keys)
    await asyncio.sleep(2 * rate.window + 0.1)
    assert client.keys("*") == []
    client.close()


async def test_raise_mode_fails_fast_and_clearly_when_redis_is_down() -> None:
    url = f"redis://:{SECRET}@127.0.0.1:{free_port()}/0"
    (a,) = limiters(url, 1, RateLimit(), timeout=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(RateLimitBackendError) as caught:
        await a.acquire()
    assert loop.time() - started < 1.5
    assert "127.0.0.1" in str(caught.value)
    assert SECRET not in str(caught.value) + repr(caught.value) + caught.value.backend
    assert SECRET not in repr(pickle.loads(pickle.dumps(caught.value)).__dict__)


async def test_raise_mode_is_bounded_when_redis_accepts_but_never_answers() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # hold the connection, say nothing
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    (a,) = limiters(f"redis://127.0.0.1:{port}/0", 1, RateLimit(), timeout=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(RateLimitBackendError, match="no answer in time"):
        await a.acquire()
    assert loop.time() - started < 1.0
    await a.backend.aclose()
    server.close()
    await server.wait_closed()


async def test_wait_mode_holds_requests_until_redis_is_back(redis_server: RedisServer) -> None:
    (a,) = limiters(
        redis_server.url, 1, RateLimit(10, 1.0), on_error="wait", max_backoff=0.1, settle=0.1
    )
    await a.acquire()
    redis_server.stop()
    loop = asyncio.get_running_loop()
    waiter = asyncio.create_task(a.acquire())
    await asyncio.sleep(0.5)
    assert not waiter.done()
    redis_server.start()
    started = loop.time()
    await asyncio.wait_for(waiter, 3)
    assert loop.time() - started < 1.0


async def test_local_mode_falls_back_to_a_stated_share_with_a_warning(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    rate = RateLimit(12, 1.0)
    limiters_ = limiters(redis_server.url, 4, rate, on_error="local", retry_interval=30)
    a = limiters_[0]
    for limiter in [*limiters_, a]:
        await limiter.acquire()  # a saw four processes last: its share is 12 // 4 = 3
    redis_server.stop()
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.WARNING, logger="storeflow.ratelimit"):
        started = loop.time()
        await a.acquire()  # its own two earlier admissions count: one more fits
        assert loop.time() - started < 0.5
        fourth = asyncio.create_task(a.acquire())
        await asyncio.sleep(0.5)
        assert not fourth.done()  # a share of 3 per window
        await asyncio.wait_for(fourth, 2)
    assert "falling back to an in-process limiter at 3 of 12 requests per 1 s" in caplog.text
    assert "4 sharing the budget" in caplog.text


async def test_a_restarted_redis_gets_the_last_window_back(redis_server: RedisServer) -> None:
    rate = RateLimit(3, 1.0)
    (a,) = limiters(redis_server.url, 1, rate, settle=0.2)
    for _ in range(3):
        await a.acquire()
    redis_server.stop()
    redis_server.start()  # empty: the three slots are forgotten by the server
    loop = asyncio.get_running_loop()
    started = loop.time()
    await a.acquire()  # but not by the process: it republishes them and waits its turn
    assert loop.time() - started >= 0.8


def test_urls_carry_the_settings_and_their_password_is_masked() -> None:
    backend = backend_from_url(
        f"redis://user:{SECRET}@redis.internal:6380/2?prefix=prod&on_error=local&timeout=1.5"
        "&health_check_interval=10"
    )
    assert (backend.prefix, backend.on_error, backend.timeout) == ("prod", "local", 1.5)
    assert backend.url == (f"redis://user:{SECRET}@redis.internal:6380/2?health_check_interval=10")
    rate = RateLimit(backend=backend)
    for text in (repr(backend), repr(rate), str(rate)):
        assert SECRET not in text
        assert "user:***@redis.internal:6380" in text
    assert mask_url(f"redis://{SECRET}@h") == "redis://***@h"
    assert mask_url("redis://h:1/0") == "redis://h:1/0"
    with pytest.raises(ValidationError, match="on_error"):
        backend_from_url("redis://h?on_error=ignore")
    with pytest.raises(ValidationError, match="url") as caught:
        RateLimit(backend=f"http://:{SECRET}@h")
    assert SECRET not in str(caught.value)
