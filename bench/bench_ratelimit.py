"""Rate-limit utilisation: how close to 200 requests a window an export runs, without a 429.

A time-scaled sandbox (a 60 s window passes in a few real seconds) limits 200 requests per
window per client, in ``fixed`` (clock-aligned windows) or ``sliding`` mode, and adds latency
with jitter to every answer. Against it, a fresh child process exports every order (several
minutes' worth of pages in limiter time) with ``storeflow.export.export`` through:

- ``storeflow``: the default limiter, ``RateLimit(200, period=<the scaled window>)``;
- ``aiolimiter``: a bare ``aiolimiter.AsyncLimiter(200, <the scaled window>)`` passed as the
  client's ``rate_limit=``;
- ``none``: ``rate_limit=None``.

A window is 6 real seconds (time scale 10): the client limiter's margin (1% of the period,
600 ms against the real API) shrinks with the time scale while event-loop and scheduling delays
on a loaded machine do not, so a much faster scale would test the machine, not the limiter.

Measured: every request the child sends and its status (an aiohttp trace on a caller-owned
session). The *sustained* rate is how long each successive block of 200 successful requests
took after the first 200 (which any limiter may send at once), as % of the nominal 200 per
window (see :func:`blocks`). Also: 429s (client-seen and server-counted), total time, and the
sandbox's own view: the most requests it saw (refused ones included) in any fixed and in any
sliding window.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import (
    NOMINAL,
    SandboxProcess,
    Settings,
    emit,
    fmt_spread,
    log,
    parse_settings,
    print_table,
    run_child,
    spread,
)

LIMITERS = ("storeflow", "aiolimiter", "none")
LABELS = {
    "storeflow": "storeflow RateLimit(200, period=W)",
    "aiolimiter": "bare AsyncLimiter(200, W)",
    "none": "no client limiter",
}
MODES = ("fixed", "sliding")
WINDOW = 60.0  # sandbox seconds
FAULTS = "latency=0.01,jitter=0.04,seed=7"  # real seconds: 10-50 ms per answer


def plan(settings: Settings) -> dict[str, Any]:
    """Time scale and store size: each window is ``60 / time_scale`` real seconds."""
    if settings.quick:
        return {"time_scale": 10.0, "pages": 440}
    return {"time_scale": 10.0, "pages": 1400}


# -- the child ----------------------------------------------------------------------------------


async def _child(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp
    from aiolimiter import AsyncLimiter

    from storeflow import Pocketsflow, RateLimit
    from storeflow.export import export

    events: list[tuple[float, int]] = []
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
    window = args.window
    limiter: Any = {
        "storeflow": RateLimit(NOMINAL, period=window),
        "aiolimiter": AsyncLimiter(NOMINAL, window),
        "none": None,
    }[args.limiter]
    result: dict[str, Any] = {"limiter": args.limiter, "error": None}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64), trace_configs=[trace]
    ) as session:
        client = Pocketsflow(
            api_key=args.key, base_url=args.url, rate_limit=limiter, session=session
        )
        async with client:
            try:
                summary = await export(client, "orders", Path(args.out) / "orders.jsonl")
            except Exception as exc:  # a failed export is a result too: report it
                result["error"] = f"{type(exc).__name__}: {exc}"
            else:
                result.update(
                    records=summary.records,
                    pages=summary.pages,
                    requests=summary.requests,
                    retries=summary.retries,
                    rate_limited=summary.rate_limited,
                )
    result["elapsed"] = time.monotonic() - started
    result["events"] = events
    return result


# -- the parent ---------------------------------------------------------------------------------


def blocks(events: list[tuple[float, int]], window: float) -> list[float]:
    """The rate of each successive block of 200 successful requests, after the first 200.

    As % of the nominal 200 per ``window``: a block that took exactly one window is 100%. The
    first 200 are left out because every limiter may send them at once (a burst is allowed);
    what follows is the rate the limiter sustains. Counting blocks of requests rather than
    requests per window needs no knowledge of where the server's windows start.
    """
    ok = sorted(t for t, status in events if status == 200)
    starts = ok[NOMINAL::NOMINAL]
    return [100 * window / (b - a) for a, b in itertools.pairwise(starts) if b > a]


def busiest(events: list[tuple[float, int]], window: float) -> int:
    """The most requests the client sent in any ``window``-second interval (any status)."""
    sent = sorted(t for t, _ in events)
    most = first = 0
    for last, t in enumerate(sent):
        while sent[first] <= t - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def measure(child: dict[str, Any], stats: dict[str, Any], window: float) -> dict[str, Any]:
    """The figures of one export: sustained rate, 429s, time, the server's maxima."""
    statuses = [status for _, status in child["events"]]
    ok = statuses.count(200)
    span = child["elapsed"] / window
    return {
        "completed": child["error"] is None,
        "error": child["error"],
        "elapsed_s": child["elapsed"],
        "elapsed_windows": span,
        "requests_sent": len(statuses),
        "ok": ok,
        "client_429": statuses.count(429),
        "other_failures": len(statuses) - ok - statuses.count(429),
        "sustained_pct": spread(blocks(child["events"], window)),
        "overall_pct": 100 * ok / NOMINAL / span if span else 0.0,
        "client_max_any_window": busiest(child["events"], window),
        "server_429": stats["rate_limited"],
        "server_requests": stats["requests"],
        "server_max_fixed_window": stats["max_per_window"],
        "server_max_sliding_window": stats["max_per_sliding_window"],
        "server_per_window": stats["per_window"],
    }


def run(settings: Settings) -> dict[str, Any]:
    """Every limiter in both modes, one sandbox per mode (reset between exports)."""
    p = plan(settings)
    window = WINDOW / p["time_scale"]
    result: dict[str, Any] = {
        "time_scale": p["time_scale"],
        "window_real_s": window,
        "pages": p["pages"],
        "orders": p["pages"] * 100,
        "faults": FAULTS,
        "export_concurrency": 8,
        "modes": {},
    }
    for mode in MODES:
        result["modes"][mode] = {}
        with SandboxProcess(
            orders=p["pages"] * 100,
            rate_limit=mode,
            time_scale=p["time_scale"],
            faults=FAULTS,
        ) as sandbox:
            for limiter in LIMITERS:
                sandbox.reset()
                with tempfile.TemporaryDirectory() as out:
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
                            "--out",
                            out,
                        ],
                        timeout=60 + 6 * window * p["pages"] / NOMINAL,
                    )
                figures = measure(child, sandbox.stats(), window)
                result["modes"][mode][limiter] = figures
                log(
                    f"rate limit {mode} {limiter}: sustained "
                    f"{fmt_spread(figures['sustained_pct'], '{:.1f}%')}, "
                    f"{figures['client_429']} x 429, {figures['elapsed_s']:.1f} s"
                    + (f", FAILED: {figures['error']}" if figures["error"] else "")
                )
    return result


def print_results(result: dict[str, Any]) -> None:
    """The table of :func:`run`'s result."""
    rows = []
    for mode, limiters in result["modes"].items():
        for limiter, f in limiters.items():
            rows.append(
                [
                    f"{mode}: {LABELS[limiter]}",
                    fmt_spread(f["sustained_pct"], "{:.1f}%"),
                    f"{f['overall_pct']:.1f}%",
                    str(f["client_429"]),
                    str(f["server_429"]),
                    f"{f['server_max_fixed_window']} / {f['server_max_sliding_window']}",
                    f"{f['elapsed_s']:.1f} s ({f['elapsed_windows']:.1f} win)",
                    "yes" if f["completed"] else "NO",
                ]
            )
    print_table(
        f"Rate-limit utilisation: export of {result['orders']:,} orders, 200/window, window = "
        f"{result['window_real_s']:g} s real (time scale {result['time_scale']:g}), "
        f"faults {result['faults']}; sustained = median (min-max) over blocks of 200 requests "
        "after the first 200; overall = every success over the whole run",
        [
            "mode: client limiter",
            "sustained",
            "overall",
            "429 (client)",
            "429 (server)",
            "server max fixed / sliding",
            "total time",
            "completed",
        ],
        rows,
    )


def main() -> None:
    """``python -m bench.bench_ratelimit [--quick]``."""
    print_results(run(parse_settings(__doc__ or "")))


if __name__ == "__main__":
    if "--child" in sys.argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("--child", action="store_true")
        parser.add_argument("--limiter", choices=LIMITERS, required=True)
        for option in ("--url", "--key", "--out"):
            parser.add_argument(option, required=True)
        parser.add_argument("--window", type=float, required=True)
        emit(asyncio.run(_child(parser.parse_args())))
    else:
        main()
