"""The ``storeflow`` command.

```
storeflow --version
storeflow export pocketsflow|reflow COLLECTION|all [--out PATH|DIR/] [--format jsonl|csv]
                 [--resume|--overwrite] [--timeout SECONDS] [--max-retries N] [--public-only]
storeflow demo [--out exports]
storeflow sandbox [--port 8080] [--seed N] [--orders N] [--rate-limit fixed|sliding|off]
                  [--faults latency=0.05,error_rate=0.05] [--time-scale X] [--drift [SEED]]
```

The command line is the ``cli`` extra (``pip install 'storeflow[cli]'``, or ``'.[cli]'`` from a
clone): without rich, ``storeflow`` says so in one line and exits with status 2. An unknown
option is reported with the usage of the subcommand it was given to. Each subcommand registers
itself with :func:`main`'s parser through an ``add_*`` function that sets a ``handler``
default: a function taking the parsed arguments and returning the exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from storeflow._cli_args import non_negative_int, positive_float, positive_int
from storeflow._cli_export import add_demo_command, add_export_command
from storeflow._version import __version__
from storeflow.sandbox import Drift, Faults, Sandbox, Scale

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
_INSTALL_HINT: Final = (
    "storeflow: the command line needs its extra: pip install 'storeflow[cli]' "
    "(from a clone of the repository: pip install '.[cli]')"
)


def _faults(text: str) -> Faults:
    try:
        return Faults.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_sandbox_command(subparsers: Any) -> None:
    """Add ``storeflow sandbox`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    parser = subparsers.add_parser(
        "sandbox",
        help="run local simulators of both APIs until Ctrl-C",
        description=(
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
    parser.set_defaults(handler=run_sandbox)


def run_sandbox(args: argparse.Namespace) -> int:
    """Serve a sandbox until Ctrl-C (or SIGTERM), then stop it cleanly and return 0."""
    from rich.console import Console

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
        console.print(f"error: {exc}", style="red")
        return EXIT_USAGE
    try:
        asyncio.run(_serve(sandbox, lambda sb: _print_ready(console, sb, args)))
    except OSError as exc:
        console.print(f"error: {exc.strerror or exc}", style="red")
        return EXIT_FAILED
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    console.print("Sandbox stopped.")
    return EXIT_OK


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


_COMMANDS: Final[tuple[Callable[[Any], None], ...]] = (
    add_export_command,
    add_demo_command,
    add_sandbox_command,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``storeflow`` command with ``argv`` (default: the process's arguments) and return
    its exit status. Without the ``cli`` extra, print how to install it and return 2."""
    try:
        importlib.import_module("rich")
    except ImportError:
        print(_INSTALL_HINT, file=sys.stderr)
        return EXIT_USAGE
    parser = argparse.ArgumentParser(
        prog="storeflow", description="Pocketsflow and Reflow from the command line."
    )
    parser.add_argument("--version", action="version", version=f"storeflow {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in _COMMANDS:
        add_command(subparsers)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # The subcommand's usage, which lists the flags it has, not the top level's.
        subparsers.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
