"""Per-request cost: requests/s and client CPU µs per request, 100-order pages, many at once.

Five clients fetch the same pages (``GET /orders?page=N&pageSize=100``, pages rotating) from one
sandbox process, rate limit off and faults off, each from its own child process for the same
time with the same number of requests in flight:

- ``raw aiohttp + orjson``: the floor; bytes to dicts, no models;
- ``storeflow``: ``pf.orders.list(page=N, page_size=100)`` with ``rate_limit=None``: typed
  attrs models, ``Decimal`` money, aware datetimes;
- ``storeflow request() (no models)``: the same client's escape hatch, ``pf.request("GET",
  "/orders", params=...)``, which returns the parsed JSON: storeflow's transport alone, so the
  cost of the models is the difference between the two storeflow rows;
- ``httpx + json``: ``httpx.AsyncClient`` and the standard library's ``json``, no models
  (httpx's own ``response.json()``; switching it to orjson changes its CPU per request by about
  4%, which leaves its place in the table as it is);
- ``openapi-python-client``: the client that tool generates from ``schemas/pocketsflow.yaml``,
  into a temporary folder at bench time (never committed).

CPU is the child's ``time.process_time()`` over the timed calls (after a warm-up), so the
sandbox's work is not counted. Wall-clock requests/s is also bounded by the sandbox, which
shares the machine's two cores with the client, so each client's capacity is also given as
``1 / CPU per request``: the requests/s one core could drive. Last, py-spy samples the storeflow
client (:func:`profile`) to show where its CPU time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench._benchmark import Benchmark, ChildOption, Settings, Table, print_table
from bench._common import PAGE_SIZE, ROOT, SandboxProcess, fmt_spread, log, run_child, spread

# The measured clients, in the order the first run measures them.
LABELS = {
    "raw": "raw aiohttp + orjson",
    "storeflow": "storeflow",
    "storeflow_json": "storeflow request() (no models)",
    "httpx": "httpx + json",
    "openapi": "openapi-python-client",
}
CLIENTS = tuple(LABELS)
CONCURRENCY = 32
WARMUP = 50
STORE_ORDERS = 20_000
GENERATED_PACKAGE = "pocketsflow_generated"


def generate_client(folder: Path) -> dict[str, Any]:
    """Generate the openapi-python-client client of ``schemas/pocketsflow.yaml`` into ``folder``.

    Returns where it is and what the generator said. The schema is used as it is: the
    generator accepts it (OpenAPI 3.1 with ``type: [x, "null"]``) and produces ``orders_list``.
    """
    schema = folder / "pocketsflow.yaml"
    schema.write_bytes((ROOT / "schemas" / "pocketsflow.yaml").read_bytes())
    config = folder / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run over the generated code
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(folder / GENERATED_PACKAGE),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 or not (folder / GENERATED_PACKAGE / "api" / "orders").is_dir():
        raise RuntimeError(f"openapi-python-client failed:\n{output}")
    return {
        "folder": str(folder),
        "seconds": time.perf_counter() - started,
        "generator_output": output,
        "schema_patched": False,
        "warnings": "Warning" in output,
    }


# -- the child: one client, timed --------------------------------------------------------------

Call = Callable[[int], Awaitable[int]]


async def _raw(url: str, key: str, _gen: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    import aiohttp
    import orjson

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64),
        headers={"Authorization": f"Bearer {key}"},
    )

    async def call(page: int) -> int:
        params = {"page": str(page), "pageSize": str(PAGE_SIZE)}
        async with session.get(f"{url}/orders", params=params) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
        return len(orjson.loads(body)["orders"])

    return call, session.close


async def _storeflow(url: str, key: str, _gen: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    from storeflow import Pocketsflow

    pf = Pocketsflow(api_key=key, base_url=url, rate_limit=None, max_connections=64)

    async def call(page: int) -> int:
        return len((await pf.orders.list(page=page, page_size=PAGE_SIZE)).items)

    return call, pf.aclose


async def _storeflow_json(
    url: str, key: str, _gen: str
) -> tuple[Call, Callable[[], Awaitable[None]]]:
    from storeflow import Pocketsflow

    pf = Pocketsflow(api_key=key, base_url=url, rate_limit=None, max_connections=64)

    async def call(page: int) -> int:
        body = await pf.request("GET", "/orders", params={"page": page, "pageSize": PAGE_SIZE})
        return len(body["orders"])

    return call, pf.aclose


async def _httpx(url: str, key: str, _gen: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    import httpx

    client = httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {key}"},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
    )

    async def call(page: int) -> int:
        response = await client.get("/orders", params={"page": page, "pageSize": PAGE_SIZE})
        response.raise_for_status()
        return len(json.loads(response.content)["orders"])

    return call, client.aclose


async def _openapi(url: str, key: str, gen: str) -> tuple[Call, Callable[[], Awaitable[None]]]:
    import importlib

    import httpx

    sys.path.insert(0, gen)
    package = importlib.import_module(GENERATED_PACKAGE)
    orders_list = importlib.import_module(f"{GENERATED_PACKAGE}.api.orders.orders_list")
    order_page = importlib.import_module(f"{GENERATED_PACKAGE}.models.order_page").OrderPage
    client = package.AuthenticatedClient(
        base_url=url,
        token=key,
        httpx_args={"limits": httpx.Limits(max_connections=64, max_keepalive_connections=64)},
    )
    await client.__aenter__()

    async def call(page: int) -> int:
        result = await orders_list.asyncio(client=client, page=page, page_size=PAGE_SIZE)
        if not isinstance(result, order_page):
            raise RuntimeError(f"unexpected answer {result!r}")
        return len(result.orders)

    async def close() -> None:
        await client.__aexit__(None, None, None)

    return call, close


FACTORIES = {
    "raw": _raw,
    "storeflow": _storeflow,
    "storeflow_json": _storeflow_json,
    "httpx": _httpx,
    "openapi": _openapi,
}


async def _drive(
    call: Call, pages: int, concurrency: int, *, calls: int = 0, until: float = 0.0
) -> tuple[int, int]:
    """Calls with ``concurrency`` in flight, pages rotating, until ``calls`` were made (when
    given) or the clock passes ``until``; returns the calls made and the orders received."""
    made = received = 0

    async def worker() -> None:
        nonlocal made, received
        while (made < calls) if calls else (time.perf_counter() < until):
            made += 1
            orders = await call(made % pages + 1)
            received += orders  # not `received += await ...`: that reads `received` too early

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return made, received


# A child's options besides the sandbox's --url and --key (see Benchmark.main).
CHILD_OPTIONS: dict[str, ChildOption] = {
    "client": CLIENTS,
    "gen": str,
    "warmup": int,
    "pages": int,
    "concurrency": int,
    "seconds": float,
}


async def _child(args: argparse.Namespace) -> dict[str, Any]:
    call, close = await FACTORIES[args.client](args.url, args.key, args.gen)
    try:
        await _drive(call, args.pages, args.concurrency, calls=args.warmup)
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        calls, received = await _drive(
            call, args.pages, args.concurrency, until=wall + args.seconds
        )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await close()
    if received != calls * PAGE_SIZE:
        raise RuntimeError(f"expected {calls * PAGE_SIZE} orders, got {received}")
    return {"client": args.client, "calls": calls, "cpu": cpu, "wall": wall}


# -- the parent ---------------------------------------------------------------------------------


def plan(settings: Settings) -> tuple[int, float]:
    """Runs, and seconds each client is timed per run (after its warm-up).

    Many short runs rather than a few long ones: the machine's load drifts over seconds, and a
    ratio is only as good as the two runs it pairs are close in time.
    """
    return (3, 1.0) if settings.quick else (10, 1.5)


def _child_args(
    name: str, sandbox: SandboxProcess, generated: dict[str, Any], seconds: float, pages: int
) -> list[str]:
    return [
        *("--client", name, "--url", sandbox.url, "--key", sandbox.key),
        *("--gen", generated["folder"], "--seconds", str(seconds), "--warmup", str(WARMUP)),
        *("--pages", str(pages), "--concurrency", str(CONCURRENCY)),
    ]


# Frames whose inclusive share of the samples says where a storeflow request's CPU goes.
PHASES = {
    "_serde.decode (JSON + models)": "decode (storeflow/_serde/",
    "  of which building the models (fast path)": "build (<storeflow fast builder",
    "  of which the tolerant path": "_structure (storeflow/_serde/",
    "Transport.call (whole HTTP exchange)": "Transport.call (storeflow/_transport/",
    "  of which aiohttp ClientSession._request": "ClientSession._request (aiohttp/client.py",
}


def profile(child_args: list[str]) -> dict[str, Any]:
    """Sample the storeflow child with py-spy and say where its CPU time goes.

    Samples waiting in the event loop's ``select`` (idle) and those outside the timed calls
    (imports) are left out. Returns the inclusive share of a few phases and the functions with
    the most samples of their own; or the reason py-spy could not run.
    """
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "stacks.txt"
        command = [
            str(Path(sys.executable).with_name("py-spy")),
            *("record", "--rate", "500", "--format", "raw", "--output", str(raw), "--"),
            *(sys.executable, "-m", "bench.bench_requests", "--child", *child_args),
        ]
        proc = subprocess.run(
            command, capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
        )
        if proc.returncode != 0 or not raw.exists():
            return {"error": (proc.stderr or proc.stdout).strip()[-500:]}
        lines = raw.read_text().splitlines()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()  # samples whose stack holds a frame of the phase
    total = 0
    for line in lines:
        stack, _, count = line.rpartition(" ")
        frames = [_frame(f) for f in stack.split(";")]
        if not any("_drive" in f for f in frames) or frames[-1].startswith("select ("):
            continue
        total += int(count)
        own[frames[-1]] += int(count)
        for name, prefix in PHASES.items():
            if any(f.startswith(prefix) for f in frames):
                inclusive[name] += int(count)
    if not total:
        return {"error": "no samples"}
    phases = {name: inclusive[name] / total for name in PHASES}
    return {
        "samples": total,
        "phases": phases,
        "top_own": [{"function": f, "share": n / total} for f, n in own.most_common(12)],
    }


def _frame(frame: str) -> str:
    """``function (package/module.py)``: py-spy's frame without the line and site-packages."""
    name, _, where = frame.partition(" (")
    where = where.rsplit("site-packages/", 1)[-1].rsplit("/lib/python3", 1)[-1]
    return f"{name} ({where.rsplit(':', 1)[0].rstrip(')')})"


def run(settings: Settings) -> dict[str, Any]:
    """Generate the openapi-python-client client, start a sandbox, and :func:`measure`."""
    with tempfile.TemporaryDirectory(prefix="storeflow-bench-") as tmp:
        generated = generate_client(Path(tmp))
        log(f"openapi-python-client generated its client in {generated['seconds']:.1f} s")
        with SandboxProcess(orders=STORE_ORDERS) as sandbox:
            return measure(settings, sandbox, generated)


def measure(
    settings: Settings, sandbox: SandboxProcess, generated: dict[str, Any]
) -> dict[str, Any]:
    """Measure every client in each of several runs, interleaved, against ``sandbox``."""
    repeats, seconds = plan(settings)
    pages = STORE_ORDERS // PAGE_SIZE
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CLIENTS}
    server_cpu: dict[str, list[float]] = {name: [] for name in CLIENTS}
    for repeat in range(repeats):
        # Each run starts with a different client, so drift in the machine's load is shared out.
        order = CLIENTS[repeat % len(CLIENTS) :] + CLIENTS[: repeat % len(CLIENTS)]
        for name in order:
            before = sandbox.cpu_seconds()
            result = run_child(
                "bench.bench_requests",
                _child_args(name, sandbox, generated, seconds, pages),
                timeout=300,
            )
            served = result["calls"] + WARMUP
            server_cpu[name].append((sandbox.cpu_seconds() - before) / served * 1e6)
            runs[name].append(result)
            log(
                f"requests run {repeat + 1}/{repeats} {name}: "
                f"{result['calls'] / result['wall']:.0f} req/s, "
                f"{result['cpu'] / result['calls'] * 1e6:.0f} µs CPU/request"
            )
    clients: dict[str, Any] = {}
    for name in CLIENTS:
        cpu_us = [r["cpu"] / r["calls"] * 1e6 for r in runs[name]]
        rps = [r["calls"] / r["wall"] for r in runs[name]]
        clients[name] = {
            "label": LABELS[name],
            "cpu_us_per_request": spread(cpu_us),
            "requests_per_s": spread(rps),
            "capacity_per_core": spread([1e6 / us for us in cpu_us]),
            "sandbox_cpu_us_per_request": spread(server_cpu[name]),
        }
    for name in CLIENTS:
        clients[name]["cpu_ratio_to_raw"] = spread(
            [
                ours["cpu"] / ours["calls"] / (raw["cpu"] / raw["calls"])
                for ours, raw in zip(runs[name], runs["raw"], strict=True)
            ]
        )
        clients[name]["throughput_ratio_to_raw"] = spread(
            [
                ours["calls"] / ours["wall"] / (raw["calls"] / raw["wall"])
                for ours, raw in zip(runs[name], runs["raw"], strict=True)
            ]
        )
    sf, opc = runs["storeflow"], runs["openapi"]
    return {
        "profile_storeflow": profile(_child_args("storeflow", sandbox, generated, 4.0, pages)),
        "seconds_per_run": seconds,
        "warmup_calls": WARMUP,
        "concurrency": CONCURRENCY,
        "page_size": PAGE_SIZE,
        "store_orders": STORE_ORDERS,
        "repeats": repeats,
        "clients": clients,
        "storeflow_vs_openapi": {
            "throughput_ratio": spread(
                [
                    a["calls"] / a["wall"] / (b["calls"] / b["wall"])
                    for a, b in zip(sf, opc, strict=True)
                ]
            ),
            "capacity_ratio": spread(
                [
                    b["cpu"] / b["calls"] / (a["cpu"] / a["calls"])
                    for a, b in zip(sf, opc, strict=True)
                ]
            ),
        },
        "generated_client": {k: v for k, v in generated.items() if k != "folder"},
    }


def table(result: dict[str, Any]) -> Table:
    """:func:`run`'s result as a table: a row per client."""
    return Table(
        f"Per-request cost: GET /orders (100 orders) for {result['seconds_per_run']:g} s per run, "
        f"{result['concurrency']} in flight, median (min-max) of {result['repeats']} runs",
        [
            {
                "client": c["label"],
                "req/s": fmt_spread(c["requests_per_s"], "{:.0f}"),
                "client CPU µs/request": fmt_spread(c["cpu_us_per_request"], "{:.0f}"),
                "CPU vs raw": fmt_spread(c["cpu_ratio_to_raw"], "{:.2f}x"),
                "req/s vs raw": fmt_spread(c["throughput_ratio_to_raw"], "{:.2f}x"),
                "req/s per core": fmt_spread(c["capacity_per_core"], "{:.0f}"),
                "sandbox CPU µs/request": fmt_spread(c["sandbox_cpu_us_per_request"], "{:.0f}"),
            }
            for c in result["clients"].values()
        ],
    )


def notes(result: dict[str, Any]) -> None:
    """After the table: where storeflow's CPU goes, then storeflow vs openapi-python-client."""
    prof = result["profile_storeflow"]
    if "error" in prof:
        print(f"profile: py-spy could not run: {prof['error']}")
    else:
        print_table(
            Table(
                f"Where storeflow's client CPU goes (py-spy, {prof['samples']} busy samples)",
                [
                    {"frame": name, "share of busy samples": f"{share:.1%}"}
                    for name, share in prof["phases"].items()
                ]
                + [
                    {"frame": f"own: {r['function']}", "share of busy samples": f"{r['share']:.1%}"}
                    for r in prof["top_own"][:8]
                ],
            )
        )
    vs = result["storeflow_vs_openapi"]
    print(
        "storeflow vs openapi-python-client: throughput "
        f"{fmt_spread(vs['throughput_ratio'], '{:.2f}x')}, "
        f"per-core capacity {fmt_spread(vs['capacity_ratio'], '{:.2f}x')}"
    )


BENCHMARK = Benchmark(__doc__, run, table, notes, child=_child, child_options=CHILD_OPTIONS)

if __name__ == "__main__":
    BENCHMARK.main()
