"""Rate limit: the time to finish N requests against the ideal schedule, and the 429s drawn.

A time-scaled sandbox (a 60 s window passes in a few real seconds) limits 200 requests per
window per client, in ``fixed`` (clock-aligned windows) or ``sliding`` mode, and adds latency
with jitter to every answer. Against it, a fresh child process makes N requests
(``pf.request("GET", "/orders", ...)``, 100-order pages, 16 in flight, ``max_retries=10`` so
that every limiter's run completes) through each client-side limiter:

- ``storeflow``: the default limiter, ``RateLimit(200, period=W)`` (a sliding-window log with a
  1% margin);
- ``aiolimiter``: a bare ``aiolimiter.AsyncLimiter(200, W)`` (a leaky bucket);
- ``paced``: ``aiolimiter.AsyncLimiter(1, W / 200)`` (0.3 s apart at the real scale);
- ``limits``: the ``limits`` library's moving window (``MovingWindowRateLimiter`` over its
  in-memory storage, 200 per W), waiting until the window's reset time when refused;
- ``none``: no client limiter: the server's 429 and ``Retry-After`` (which pauses the client)
  are all that slows it.

The ideal schedule sends a burst of 200, then 200 per window: request ``k`` (from 1) no earlier
than ``floor((k - 1) / 200) * W``. Its time to finish N is ``floor((N - 1) / 200) * W`` plus
the time the client needs for the last block of ``r`` requests when nothing holds it back: for
a limiter that sends the first 200 at once (none, storeflow, the bare aiolimiter, limits), the
time its own run took for its first ``r`` answers (latency jitter differs from run to run, so
each run is its own reference); for the paced limiter, the median of those runs. A ratio of
1.00 means the limiter lost nothing.

A window is 6 real seconds (time scale 10): the limiter's margin (1% of the period, 600 ms
against the real API) shrinks with the time scale while event-loop and scheduling delays on a
loaded machine do not, so a much faster scale would test the machine, not the limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time
from typing import Any

from bench._benchmark import Benchmark, ChildOption, Settings, Table
from bench._common import NOMINAL, SandboxProcess, log, run_child

# The client-side limiters, in the order each run measures them.
LABELS = {
    "none": "no client limiter (429 + Retry-After)",
    "storeflow": "storeflow RateLimit(200, period=W)",
    "aiolimiter": "bare AsyncLimiter(200, W)",
    "paced": "paced AsyncLimiter(1, W/200)",
    "limits": "limits MovingWindowRateLimiter(200 per W)",
}
LIMITERS = tuple(LABELS)
MODES = ("fixed", "sliding")
WINDOW = 60.0  # sandbox seconds
FAULTS = "latency=0.01,jitter=0.04,seed=7"  # real seconds: 10-50 ms per answer
CONCURRENCY = 16
RETRIES = 10
TARGET = 1.01
# The limiters that let the first 200 go at once: each one's own first answers are its burst.
BURSTING = ("none", "storeflow", "aiolimiter", "limits")


def plan(settings: Settings) -> dict[str, Any]:
    """Time scale and request counts: each window is ``60 / time_scale`` real seconds."""
    if settings.quick:
        return {"time_scale": 10.0, "counts": [400]}
    return {"time_scale": 10.0, "counts": [150, 400, 1000]}


# -- the child ----------------------------------------------------------------------------------


class MovingWindow:
    """The ``limits`` library's moving window as a client limiter: ``acquire`` waits for a hit."""

    def __init__(self, requests: int, window: float) -> None:
        from limits import RateLimitItemPerSecond
        from limits.aio.storage import MemoryStorage
        from limits.aio.strategies import MovingWindowRateLimiter

        if window != int(window):
            raise ValueError("the limits library counts whole seconds")
        self.item = RateLimitItemPerSecond(requests, int(window))
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def acquire(self) -> None:
        """Wait until the moving window admits one more request."""
        while not await self.limiter.hit(self.item, "bench"):
            stats = await self.limiter.get_window_stats(self.item, "bench")
            await asyncio.sleep(max(stats.reset_time - time.time(), 0.001))


def _limiter(name: str, window: float) -> Any:
    from aiolimiter import AsyncLimiter

    from storeflow import RateLimit

    if name == "storeflow":
        return RateLimit(NOMINAL, period=window)
    if name == "aiolimiter":
        return AsyncLimiter(NOMINAL, window)
    if name == "paced":
        return AsyncLimiter(1, window / NOMINAL)
    if name == "limits":
        return MovingWindow(NOMINAL, window)
    return None


# A child's options besides the sandbox's --url and --key (see Benchmark.main).
CHILD_OPTIONS: dict[str, ChildOption] = {
    "limiter": LIMITERS,
    "window": float,
    "n": int,
    "pages": int,
}


async def _child(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    from storeflow import Pocketsflow

    events: list[tuple[float, int]] = []
    done: list[float] = []
    started = time.monotonic()

    async def on_start(_s: Any, context: Any, _p: Any) -> None:
        context.sent = time.monotonic() - started

    async def on_end(_s: Any, context: Any, params: Any) -> None:
        events.append((context.sent, params.response.status))

    async def on_error(_s: Any, context: Any, _p: Any) -> None:
        events.append((context.sent, 0))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_error)
    result: dict[str, Any] = {"limiter": args.limiter, "error": None, "failed_calls": 0}
    counter = iter(range(args.n))
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64), trace_configs=[trace]
    ) as session:
        client = Pocketsflow(
            api_key=args.key,
            base_url=args.url,
            rate_limit=_limiter(args.limiter, args.window),
            session=session,
            max_retries=RETRIES,
        )

        async def worker() -> None:
            for k in counter:
                params = {"page": k % args.pages + 1, "pageSize": 100}
                try:
                    await client.request("GET", "/orders", params=params)
                except Exception:  # counted: a limiter that loses calls shows it
                    result["failed_calls"] += 1
                done.append(time.monotonic() - started)

        async with client:
            started = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    result["elapsed"] = done[-1] if done else time.monotonic() - started
    result["events"] = events
    done.sort()
    result["done"] = done
    return result


# -- the parent ---------------------------------------------------------------------------------


def busiest(events: list[list[float]], window: float) -> int:
    """The most requests the client sent in any ``window``-second interval (any status)."""
    sent = sorted(e[0] for e in events)
    most = first = 0
    for last, t in enumerate(sent):
        while sent[first] <= t - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def ideal(n: int, window: float, burst: list[float]) -> float:
    """The ideal schedule's time to finish ``n`` requests (see the module notes).

    ``burst``: when each of the first answers of an unhindered burst arrived (sorted); its
    first ``r`` give the time the last block of ``r`` requests takes when nothing holds it back.
    """
    full_windows = (n - 1) // NOMINAL
    last_block = n - full_windows * NOMINAL
    return full_windows * window + burst[last_block - 1]


def measure(
    child: dict[str, Any], stats: dict[str, Any], window: float, ideal_s: float
) -> dict[str, Any]:
    """The figures of one run: time to finish against the ideal, 429s, the server's maxima."""
    statuses = [int(e[1]) for e in child["events"]]
    return {
        "elapsed_s": child["elapsed"],
        "ideal_s": ideal_s,
        "ratio_to_ideal": child["elapsed"] / ideal_s if ideal_s else math.inf,
        "requests_sent": len(statuses),
        "ok": statuses.count(200),
        "failed_calls": child["failed_calls"],
        "client_429": statuses.count(429),
        "server_429": stats["rate_limited"],
        "client_max_any_window": busiest(child["events"], window),
        "server_max_fixed_window": stats["max_per_window"],
        "server_max_sliding_window": stats["max_per_sliding_window"],
    }


def run(settings: Settings) -> dict[str, Any]:
    """Every limiter, every N, both modes; one sandbox per mode, reset before each run."""
    p = plan(settings)
    window = WINDOW / p["time_scale"]
    pages = 200
    result: dict[str, Any] = {
        "time_scale": p["time_scale"],
        "window_real_s": window,
        "counts": p["counts"],
        "faults": FAULTS,
        "concurrency": CONCURRENCY,
        "max_retries": RETRIES,
        "target": TARGET,
        "peers": LABELS,
        "modes": {},
    }
    for mode in MODES:
        result["modes"][mode] = {}
        with SandboxProcess(
            orders=pages * 100, rate_limit=mode, time_scale=p["time_scale"], faults=FAULTS
        ) as sandbox:
            for n in p["counts"]:
                children: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
                for limiter in LIMITERS:
                    sandbox.reset()
                    child = run_child(
                        "bench.bench_ratelimit",
                        [
                            "--limiter",
                            limiter,
                            "--url",
                            sandbox.url,
                            "--key",
                            sandbox.key,
                            "--window",
                            repr(window),
                            "--n",
                            str(n),
                            "--pages",
                            str(pages),
                        ],
                        timeout=120 + 3 * window * n / NOMINAL,
                    )
                    children[limiter] = (child, sandbox.stats())
                # A limiter that sends the first 200 at once is its own reference for the
                # unhindered burst (latency jitter differs from run to run); the others are
                # measured against the median of those runs.
                block = min(n, NOMINAL)
                reference = statistics.median(children[x][0]["done"][block - 1] for x in BURSTING)
                runs: dict[str, Any] = {}
                for limiter, (child, stats) in children.items():
                    own = child["done"] if limiter in BURSTING else None
                    burst = own if own else [reference] * block
                    ideal_s = ideal(n, window, burst)
                    runs[limiter] = figures = measure(child, stats, window, ideal_s)
                    log(
                        f"rate limit {mode} N={n} {limiter}: {figures['elapsed_s']:.2f} s = "
                        f"{figures['ratio_to_ideal']:.3f}x ideal, {figures['server_429']} x 429"
                    )
                result["modes"][mode][str(n)] = runs
    return result


def table(result: dict[str, Any]) -> Table:
    """:func:`run`'s result as a table: a row per mode, N and limiter."""
    return Table(
        f"Rate limit: time to finish N requests, 200/window, window = "
        f"{result['window_real_s']:g} s real (time scale {result['time_scale']:g}), faults "
        f"{result['faults']}, {result['concurrency']} in flight",
        [
            {
                "mode, N: client limiter": f"{mode}, N={n}: {LABELS[limiter]}",
                "time s": f"{f['elapsed_s']:.2f}",
                "ideal s": f"{f['ideal_s']:.2f}",
                "vs ideal": f"{f['ratio_to_ideal']:.3f}x",
                "429s": str(f["server_429"]),
                "server max fixed": str(f["server_max_fixed_window"]),
                "server max sliding": str(f["server_max_sliding_window"]),
                "failed calls": str(f["failed_calls"]),
            }
            for mode, counts in result["modes"].items()
            for n, runs in counts.items()
            for limiter, f in runs.items()
        ],
    )


BENCHMARK = Benchmark(__doc__, run, table, child=_child, child_options=CHILD_OPTIONS)

if __name__ == "__main__":
    BENCHMARK.main()
