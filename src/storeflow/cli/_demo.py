"""``storeflow demo``: start the sandbox in this process and export everything from it.

The store is the sandbox's demo scale with more Pocketsflow orders than one window's 200
requests can fetch, and the real 200-requests-a-minute limit is on, so the run shows the
limiter waiting for the next window rather than drawing 429s; a table sums it up at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from storeflow.cli._args import add_command, positive_int
from storeflow.cli._exit import Exit, run

if TYPE_CHECKING:
    from rich.console import Console

    from storeflow.export import ExportSummary

__all__ = ["add_demo_command", "run_demo"]

_DEMO_SEED: Final = 2024
# Enough orders that their pages outrun one window's 200 requests, so the demo shows the
# limiter waiting for the next window rather than drawing 429s.
_DEMO_ORDERS: Final = 20_000


def add_demo_command(subparsers: Any) -> None:
    """Add ``storeflow demo`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    from storeflow.export import FORMATS

    demo = add_command(
        subparsers,
        "demo",
        run_demo,
        "export everything from a local sandbox store, under the real rate limit",
        (
            "Start the sandbox in this process (Pocketsflow orders and realistic other "
            "collections, the 200-requests-a-minute limit on), export every collection of both "
            "APIs into --out, and print a summary."
        ),
    )
    demo.add_argument(
        "--orders",
        type=positive_int,
        default=_DEMO_ORDERS,
        help=f"Pocketsflow orders in the store (default {_DEMO_ORDERS:,}: more pages than one "
        "minute's 200 requests, so the limiter has to wait for the next window)",
    )
    demo.add_argument("--out", type=Path, default=Path("exports"), help="default: ./exports")
    demo.add_argument("--format", choices=FORMATS, default="jsonl", help="default: jsonl")


@attrs.frozen
class _DemoResult:
    summaries: list[ExportSummary]
    elapsed: float
    max_per_window: dict[str, int]


def run_demo(args: argparse.Namespace) -> int:
    """Run ``storeflow demo`` with parsed ``args``; return the exit status (see
    :mod:`storeflow.cli._exit`)."""
    from storeflow.cli._progress import Display, Watch, console_for
    from storeflow.export import export_all
    from storeflow.pocketsflow import Pocketsflow
    from storeflow.reflow import Reflow
    from storeflow.sandbox import Sandbox, Scale

    out: Path = args.out
    scale = attrs.evolve(Scale.demo(), orders=args.orders)
    console = console_for(sys.stdout)
    console.print(
        f"Starting the sandbox: {scale.orders:,} Pocketsflow orders, {scale.customers:,} "
        f"customers, {scale.reflow_orders:,} Reflow orders, {scale.reflow_users:,} users, ... "
        "with the real rate limit (200 requests per 60 s, fixed windows)."
    )
    console.print(
        "storeflow's limiter keeps every 60 s window at or under 200 requests: once the first "
        "200 are spent, the export waits for the next window instead of drawing 429s."
    )

    async def main() -> int:
        started = time.monotonic()
        async with Sandbox(seed=_DEMO_SEED, scale=scale, rate_limit="fixed") as sb:
            async with (
                Pocketsflow(api_key=sb.pocketsflow_test_key, base_url=sb.pocketsflow_url) as pf,
                Reflow(
                    project_id=sb.reflow_project_id,
                    api_key=sb.reflow_api_key,
                    base_url=sb.reflow_url,
                ) as rf,
            ):
                display = Display(sys.stderr, [Watch("pocketsflow", pf), Watch("reflow", rf)])
                options: dict[str, Any] = {
                    "format": args.format,
                    "overwrite": True,
                    "progress": display.update,
                }
                async with display.running():
                    try:
                        async with asyncio.TaskGroup() as group:
                            exports = [
                                group.create_task(export_all(client, out, **options))
                                for client in (pf, rf)
                            ]
                    except* Exception as failed:
                        raise failed.exceptions[0] from None  # one line, as for `export`
                results = [task.result() for task in exports]
            stats = sb.stats()
        result = _DemoResult(
            summaries=[s for group in results for s in group],
            elapsed=time.monotonic() - started,
            max_per_window={
                "pocketsflow": stats.pocketsflow.max_per_window,
                "reflow": stats.reflow.max_per_window,
            },
        )
        _print_demo(result, out, console)
        return Exit.OK

    return run(main, interrupted="interrupted")


def _print_demo(result: _DemoResult, out: Path, console: Console) -> None:
    from rich.table import Table

    from storeflow.cli._progress import mismatch_line

    table = Table(title="storeflow demo: every collection of both APIs")
    for i, header in enumerate(("API", "collection", "records", "requests", "elapsed", "429s")):
        table.add_column(header, justify="right" if i >= 2 else "left")
    table.add_column("file")
    for s in result.summaries:
        table.add_row(
            s.api,
            s.collection,
            f"{s.records:,}",
            str(s.requests),
            f"{s.elapsed:.1f} s",
            str(s.rate_limited),
            s.path.name,
        )
    records = sum(s.records for s in result.summaries)
    requests = sum(s.requests for s in result.summaries)
    limited = sum(s.rate_limited for s in result.summaries)
    table.add_section()
    table.add_row(
        "all",
        "",
        f"{records:,}",
        str(requests),
        f"{result.elapsed:.1f} s",
        str(limited),
        "",
        style="bold",
    )
    console.print(table)
    windows = ", ".join(f"{api} {n}" for api, n in result.max_per_window.items())
    console.print(
        f"{records:,} records exported to {os.fspath(out)}/ in {result.elapsed:.1f} s "
        f"with {requests} requests and {limited} rate-limited answers (429)."
    )
    console.print(f"Most requests the sandbox saw in one 60 s window: {windows} (limit 200).")
    for s in result.summaries:
        if s.mismatch:
            console.print(mismatch_line(s), style="yellow")
