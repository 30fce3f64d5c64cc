"""``storeflow sandbox``: serve local simulators of both APIs until Ctrl-C.

Pocketsflow listens on ``--port`` and Reflow on the next port; the command prints their base
URLs and keys, then serves until Ctrl-C or SIGTERM and stops cleanly (status 0). Bad sandbox
options and a port that cannot be taken are one ``error: ...`` line with the status of
:mod:`storeflow.cli._exit`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from storeflow.cli._args import add_command, non_negative_int, positive_float, positive_int
from storeflow.cli._exit import Exit, exit_status, failure_line

if TYPE_CHECKING:
    from rich.console import Console

    from storeflow.sandbox import Faults, Sandbox

__all__ = ["add_sandbox_command", "run_sandbox"]


def _faults(text: str) -> Faults:
    """The faults of ``--faults``, e.g. ``latency=0.05,error_rate=0.05``."""
    from storeflow.sandbox import Faults

    try:
        return Faults.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_sandbox_command(subparsers: Any) -> None:
    """Add ``storeflow sandbox`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    from storeflow.sandbox import Faults

    parser = add_command(
        subparsers,
        "sandbox",
        run_sandbox,
        "run local simulators of both APIs until Ctrl-C",
        (
            "Serve seeded, stateful simulators of Pocketsflow (on --port) and Reflow (on --port "
            "+ 1) on this machine, print their base URLs and keys, and run until Ctrl-C."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=non_negative_int,
        default=8080,
        help="Pocketsflow's port; Reflow takes the next one; 0 picks free ports (default 8080)",
    )
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument(
        "--orders",
        type=non_negative_int,
        help="Pocketsflow orders in the store (default 500, or 10,000 with --demo)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="a store worth exporting: 10,000 orders and realistic other collections",
    )
    parser.add_argument(
        "--rate-limit",
        choices=("fixed", "sliding", "off"),
        default="fixed",
        help="how requests are counted per client address (default fixed)",
    )
    parser.add_argument(
        "--limit", type=positive_int, default=200, help="requests per window (default 200)"
    )
    parser.add_argument(
        "--window", type=positive_float, default=60.0, help="window in seconds (default 60)"
    )
    parser.add_argument(
        "--time-scale",
        type=positive_float,
        default=1.0,
        help="sandbox seconds per real second (60 makes a minute pass in a second)",
    )
    parser.add_argument(
        "--faults",
        type=_faults,
        default=Faults(),
        help="faults to inject, e.g. latency=0.05,jitter=0.1,error_rate=0.05,drop_rate=0.01 "
        "(also truncate_rate, html_rate, slow_body_rate, slow_body_delay, seed)",
    )
    parser.add_argument(
        "--drift",
        type=int,
        nargs="?",
        const=0,
        default=None,
        metavar="SEED",
        help="answer as real APIs drift from their schemas (unknown fields, new enum values, "
        "other spellings of the same values), seeded (default 0)",
    )


def run_sandbox(args: argparse.Namespace) -> int:
    """Serve a sandbox until Ctrl-C (or SIGTERM), then stop it cleanly and return 0; return
    the status of :mod:`storeflow.cli._exit` for bad options or a port that cannot be taken."""
    from rich.console import Console

    from storeflow.sandbox import Drift, Sandbox, Scale

    console = Console(highlight=False, soft_wrap=True)
    scale = Scale.demo() if args.demo else Scale()
    if args.orders is not None:
        scale = attrs.evolve(scale, orders=args.orders)
    try:
        sandbox = Sandbox(
            seed=args.seed,
            scale=scale,
            rate_limit=args.rate_limit,
            limit=args.limit,
            window=args.window,
            time_scale=args.time_scale,
            faults=args.faults,
            drift=None if args.drift is None else Drift(seed=args.drift),
            host=args.host,
            port=args.port,
        )
    except ValueError as exc:
        return _report(console, exc)
    try:
        asyncio.run(_serve(sandbox, lambda sb: _print_ready(console, sb, args)))
    except OSError as exc:
        return _report(console, exc)
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    console.print("Sandbox stopped.")
    return Exit.OK


def _report(console: Console, exc: Exception) -> int:
    """Say on ``console`` (the sandbox's stdout) why it cannot serve; return the status."""
    console.print(f"error: {failure_line(exc)}", style="red")
    return exit_status(exc)


async def _serve(sandbox: Sandbox, ready: Callable[[Sandbox], None]) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is not None:
        # Ctrl-C and SIGTERM cancel the serving task, so the sandbox stops cleanly. SIGINT is
        # set here too because a shell starts background jobs with it ignored. Where the loop
        # cannot (Windows), Ctrl-C still arrives as KeyboardInterrupt, which asyncio.run turns
        # into the same cancellation.
        with contextlib.suppress(NotImplementedError):
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, task.cancel)
    async with sandbox:
        ready(sandbox)
        await asyncio.Event().wait()


def _print_ready(console: Console, sandbox: Sandbox, args: argparse.Namespace) -> None:
    limit = (
        "off"
        if args.rate_limit == "off"
        else f"{args.rate_limit}, {args.limit} per {args.window:g} s"
    )
    faults = "on" if sandbox.faults.enabled else "off"
    console.print(
        f"[bold]storeflow sandbox[/] seed {sandbox.seed}, {sandbox.scale.orders:,} orders, "
        f"rate limit {limit}, time scale {args.time_scale:g}, faults {faults}"
    )
    console.print(f"[bold]Pocketsflow[/]  {sandbox.pocketsflow_url}")
    console.print(f"  test key     {sandbox.pocketsflow_test_key}")
    console.print(f"  live key     {sandbox.pocketsflow_live_key}")
    console.print(f"[bold]Reflow[/]       {sandbox.reflow_url}")
    console.print(f"  project id   {sandbox.reflow_project_id}")
    console.print(f"  API key      {sandbox.reflow_api_key}")
    console.print("Press Ctrl-C to stop.")
    console.file.flush()
