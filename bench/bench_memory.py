"""Memory and scale: export 10k, 100k and 1M orders (limiter off): peak RSS and records/s.

Each export runs in a fresh child process against a sandbox process holding exactly that many
orders: ``storeflow.export.export(pf, "orders", path)`` into JSON Lines on local disk, with the
client's rate limiter off and the engine's default concurrency. The child reports:

- peak RSS: the process's own high-water mark (``VmHWM`` in ``/proc/self/status``), the whole
  process (interpreter and imports included), and the RSS after imports, before the export
  started. Not ``ru_maxrss``: Linux carries that over from the parent across fork and exec, so
  a child of a large parent would report the parent's size;
- RSS samples along the export (``psutil``, from the progress callback), to show it stays flat;
- wall time, records/s, and client CPU µs per record (``time.process_time``), which stays flat
  as the store grows tenfold when the cost is linear.

Beside each export, in the same run and against the same sandbox, a minimal raw loop does the
same job with nothing but aiohttp and orjson: page 1, then every other page 8 at a time, each
page parsed with ``orjson.loads`` and its orders written as JSON lines, the file fsync'd about
once a second as the engine's checkpoints do (no checkpoint file, no de-duplication, no
retries, no ordering of pages). Its CPU per record is the floor the export is measured against.

``--quick`` exports 10k and 100k orders only, twice each.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._benchmark import Benchmark, ChildOption, Settings, Table
from bench._common import (
    SandboxProcess,
    cpu_per_item,
    fmt_spread,
    log,
    order_pages,
    run_child,
    spread,
)

MB = 2**20


def plan(settings: Settings) -> dict[int, int]:
    """Store sizes and runs per size."""
    if settings.quick:
        return {10_000: 2, 100_000: 2}
    return {10_000: 5, 100_000: 5, 1_000_000: 3}


# -- the child ----------------------------------------------------------------------------------


def peak_rss() -> int:
    """This process's peak resident set size in bytes (its memory map's high-water mark)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # reported in kB
    # Elsewhere (macOS reports bytes, the BSDs KiB); may include the parent's size.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


# A child's options besides the sandbox's --url and --key (see Benchmark.main); --raw: the raw loop.
CHILD_OPTIONS: dict[str, ChildOption] = {"out": str, "expect": int, "raw": bool}


async def _export_child(args: argparse.Namespace) -> dict[str, Any]:
    import psutil

    from storeflow import Pocketsflow
    from storeflow.export import ExportProgress, export

    process = psutil.Process()
    baseline = process.memory_info().rss
    samples: list[tuple[int, float]] = []
    next_sample = 0.0

    def progress(p: ExportProgress) -> None:
        nonlocal next_sample
        now = time.perf_counter()
        if now >= next_sample or p.done:
            samples.append((p.records, process.memory_info().rss / MB))
            next_sample = now + 0.2

    path = Path(args.out) / "orders.jsonl"
    cpu, wall = time.process_time(), time.perf_counter()
    async with Pocketsflow(api_key=args.key, base_url=args.url, rate_limit=None) as pf:
        summary = await export(pf, "orders", path, progress=progress)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    size = path.stat().st_size
    if summary.records != args.expect or summary.mismatch:
        raise RuntimeError(f"exported {summary.records} of {args.expect} orders")
    return {
        "records": summary.records,
        "pages": summary.pages,
        "wall": wall,
        "cpu": cpu,
        "file_mb": size / MB,
        "baseline_rss_mb": baseline / MB,
        "peak_rss_mb": peak_rss() / MB,
        "samples": samples,
    }


async def _raw_child(args: argparse.Namespace) -> dict[str, Any]:
    import os

    import aiohttp
    import orjson

    path = Path(args.out) / "orders.jsonl"
    cpu, wall = time.process_time(), time.perf_counter()
    records = 0
    headers = {"Authorization": f"Bearer {args.key}"}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64), headers=headers
    ) as session:
        with path.open("wb") as file:
            last_sync = time.monotonic()

            async def page(number: int) -> int:
                nonlocal records, last_sync
                params = {"page": number, "pageSize": 100}
                async with session.get(f"{args.url}/orders", params=params) as response:
                    response.raise_for_status()
                    data = orjson.loads(await response.read())
                orders = data["orders"]
                file.write(b"".join(orjson.dumps(o) + b"\n" for o in orders))
                records += len(orders)
                if time.monotonic() - last_sync >= 1.0:
                    file.flush()
                    os.fsync(file.fileno())
                    last_sync = time.monotonic()
                return int(data["pagination"]["totalPages"])

            pages = iter(range(2, await page(1) + 1))

            async def worker() -> None:
                for number in pages:
                    await page(number)

            await asyncio.gather(*(worker() for _ in range(8)))
            file.flush()
            os.fsync(file.fileno())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if records != args.expect:
        raise RuntimeError(f"the raw loop wrote {records} of {args.expect} orders")
    return {"records": records, "wall": wall, "cpu": cpu, "peak_rss_mb": peak_rss() / MB}


async def _child(args: argparse.Namespace) -> dict[str, Any]:
    return await (_raw_child if args.raw else _export_child)(args)


# -- the parent ---------------------------------------------------------------------------------


def components(key: str) -> dict[str, float]:
    """CPU µs per 100-order page of the steps an export adds to the raw loop's, to explain the
    ratio: ``redact_us``, masking the API key in the page's text (``Transport.redact``, a
    case-insensitive search for every form of the key); ``dedupe_us``, the de-duplication of
    the page's records against the recent pages; ``loads_us``, ``orjson.loads`` of the page,
    which both do."""
    import orjson

    from storeflow._config import ClientOptions
    from storeflow._transport import Transport
    from storeflow.export._engine import DEDUPE_PAGES, _RecentIds
    from storeflow.pocketsflow.client import API

    pages = order_pages(20)
    texts = [orjson.dumps(p).decode() for p in pages]
    transport = Transport(
        base_url="http://127.0.0.1:1", api=API, api_key=key, options=ClientOptions(rate_limit=None)
    )
    recent = _RecentIds([], DEDUPE_PAGES)

    def dedupe(page: dict[str, Any]) -> object:
        return recent.fresh(page["orders"], "_id")

    return {
        "redact_us": cpu_per_item(transport.redact, texts, rounds=5) * 1e6,
        "dedupe_us": cpu_per_item(dedupe, pages, rounds=5) * 1e6,
        "loads_us": cpu_per_item(orjson.loads, texts, rounds=5) * 1e6,
    }


def run(settings: Settings) -> dict[str, Any]:
    """Every size, its runs in a row against one sandbox holding that many orders."""
    sizes: dict[str, Any] = {}
    key = ""
    for orders, runs in plan(settings).items():
        results = []
        raws = []
        with SandboxProcess(orders=orders) as sandbox:
            for i in range(runs):
                # The raw loop and the export alternate, each first in every other run.
                for kind in ("raw", "export") if i % 2 else ("export", "raw"):
                    with tempfile.TemporaryDirectory() as out:
                        child = run_child(
                            "bench.bench_memory",
                            [
                                *("--url", sandbox.url, "--key", sandbox.key),
                                *("--out", out, "--expect", str(orders)),
                                *(["--raw"] if kind == "raw" else []),
                            ],
                            timeout=120 + orders / 1000,
                        )
                    (raws if kind == "raw" else results).append(child)
                result = results[-1]
                log(
                    f"memory {orders:,} orders run {i + 1}/{runs}: peak RSS "
                    f"{result['peak_rss_mb']:.1f} MB, {result['records'] / result['wall']:,.0f} "
                    f"records/s, {result['cpu'] / result['records'] * 1e6:.1f} µs CPU/record"
                )
            startup = sandbox.startup_seconds
            key = sandbox.key
        median_run = sorted(results, key=lambda r: r["peak_rss_mb"])[len(results) // 2]
        sizes[str(orders)] = {
            "orders": orders,
            "runs": runs,
            "sandbox_startup_s": startup,
            "peak_rss_mb": spread([r["peak_rss_mb"] for r in results]),
            "baseline_rss_mb": spread([r["baseline_rss_mb"] for r in results]),
            "records_per_s": spread([r["records"] / r["wall"] for r in results]),
            "wall_us_per_record": spread([r["wall"] / r["records"] * 1e6 for r in results]),
            "cpu_us_per_record": spread([r["cpu"] / r["records"] * 1e6 for r in results]),
            "wall_s": spread([r["wall"] for r in results]),
            "file_mb": results[0]["file_mb"],
            "rss_samples": median_run["samples"],
            "raw_cpu_us_per_record": spread([r["cpu"] / r["records"] * 1e6 for r in raws]),
            "cpu_ratio_to_raw": spread(
                [e["cpu"] / r["cpu"] for e, r in zip(results, raws, strict=True)]
            ),
        }
    return {"sizes": sizes, "concurrency": 8, "format": "jsonl", "components": components(key)}


def table(result: dict[str, Any]) -> Table:
    """:func:`run`'s result as a table: a row per store size."""
    return Table(
        "Memory and scale: export of every order to JSON Lines, limiter off, "
        "median (min-max) of the runs",
        [
            {
                "orders": f"{s['orders']:,}",
                "runs": str(s["runs"]),
                "peak RSS MB": fmt_spread(s["peak_rss_mb"], "{:.1f}"),
                "RSS after imports MB": fmt_spread(s["baseline_rss_mb"], "{:.1f}"),
                "records/s": fmt_spread(s["records_per_s"], "{:,.0f}"),
                "export CPU µs/record": fmt_spread(s["cpu_us_per_record"], "{:.1f}"),
                "raw loop CPU µs/record": fmt_spread(s["raw_cpu_us_per_record"], "{:.1f}"),
                "export vs raw": fmt_spread(s["cpu_ratio_to_raw"], "{:.2f}x"),
                "file MB": f"{s['file_mb']:.0f}",
            }
            for s in result["sizes"].values()
        ],
    )


BENCHMARK = Benchmark(__doc__, run, table, child=_child, child_options=CHILD_OPTIONS)

if __name__ == "__main__":
    BENCHMARK.main()
