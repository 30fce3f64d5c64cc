"""The ``storeflow export`` and ``storeflow demo`` commands (registered by :mod:`storeflow.cli`).

``storeflow export API COLLECTION`` exports one collection (or ``all``) of one API to files,
with a live rich progress display on a terminal and plain log lines (on stderr) otherwise; the
summary goes to stdout. ``storeflow demo`` starts the sandbox in this process and exports
everything from it through the real 200-requests-a-minute limit.

Exit status: 0 on success; 1 when the export failed (the API refused the key, the host cannot
be reached, a file cannot be written, an unfinished export is in the way); 2 for bad arguments;
130 when interrupted (Ctrl-C), which leaves a state that ``--resume`` continues. Expected
failures print one line, ``error: ...``, and no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

import attrs

from storeflow._cli_args import positive_int, seconds
from storeflow.errors import StoreflowError, ValidationError
from storeflow.export import (
    API_NAMES,
    COLLECTIONS,
    FORMATS,
    ExportProgress,
    ExportSummary,
    export,
    export_all,
    output_name,
)
from storeflow.pocketsflow import Pocketsflow
from storeflow.ratelimit import RateLimit
from storeflow.reflow import Reflow

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = ["add_demo_command", "add_export_command", "run_demo", "run_export"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130

_LOG_EVERY: Final = 2.0  # seconds between plain progress lines per collection
_IDLE: Final = 2.0  # seconds without a page before the live display says "waiting"
_DEMO_SEED: Final = 2024
# Enough orders that their pages outrun one window's 200 requests, so the demo shows the
# limiter waiting for the next window rather than drawing 429s.
_DEMO_ORDERS: Final = 20_000
#: Where ``--rate-limit-url`` comes from when the flag is not given.
RATE_LIMIT_URL_ENV: Final = "STOREFLOW_RATE_LIMIT_URL"
_BASE_URL_ENV: Final = {"pocketsflow": "POCKETSFLOW_BASE_URL", "reflow": "REFLOW_BASE_URL"}


def _date(text: str) -> dt.date | dt.datetime:
    """``YYYY-MM-DD`` (a whole day) or an ISO 8601 date-time (UTC unless it has an offset)."""
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date (2024-06-30) or date-time (2024-06-30T12:00:00Z)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def add_export_command(subparsers: Any) -> None:
    """Add ``storeflow export`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    collections = "; ".join(f"{api}: {', '.join(names)}" for api, names in COLLECTIONS.items())
    parser = subparsers.add_parser(
        "export",
        help="export a collection (or all) of an API to JSON Lines or CSV",
        description=(
            "Export every record of a collection, concurrently under the rate limit, exactly "
            f"once. Collections ({collections}), or 'all' to export every collection of the API "
            "into the directory --out as <api>_<collection>.<format>. The output appears under "
            "its name only when complete; after a crash or Ctrl-C, run the same command with "
            "--resume to continue."
        ),
    )
    parser.add_argument("api", choices=API_NAMES, help="the API to export from")
    parser.add_argument("collection", help="the collection to export, or 'all'")
    parser.add_argument(
        "--out",
        type=Path,
        help="output file, or a directory to put <api>_<collection>.<format> in; default "
        "./<api>_<collection>.<format> (./exports/ for 'all')",
    )
    parser.add_argument("--format", choices=FORMATS, default="jsonl", help="default: jsonl")
    parser.add_argument(
        "--start-date", type=_date, help="only records created on or after (orders, subscriptions)"
    )
    parser.add_argument(
        "--end-date", type=_date, help="only records created on or before (orders, subscriptions)"
    )
    parser.add_argument(
        "--concurrency", type=positive_int, default=8, help="pages fetched at once (default 8)"
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--resume", action="store_true", help="continue an export that was interrupted"
    )
    start.add_argument(
        "--overwrite", action="store_true", help="start over, replacing what is there"
    )
    parser.add_argument(
        "--checkpoint-interval",
        type=seconds,
        default=1.0,
        metavar="SECONDS",
        help="how often progress is made durable, i.e. the most work a crash can cost (default 1)",
    )
    parser.add_argument(
        "--base-url",
        help="the API's base URL, e.g. a sandbox's (default: $POCKETSFLOW_BASE_URL or "
        "$REFLOW_BASE_URL, else the API's own)",
    )
    parser.add_argument(
        "--api-key",
        help="the API key (default: $POCKETSFLOW_API_KEY or $REFLOW_API_KEY); prefer the "
        "environment, which other users of the machine cannot see",
    )
    parser.add_argument(
        "--project-id", type=positive_int, help="Reflow project id (default: $REFLOW_PROJECT_ID)"
    )
    parser.add_argument("--test-mode", action="store_true", help="use Reflow's test API")
    parser.add_argument(
        "--rate-limit-url",
        metavar="URL",
        help="share the per-IP rate budget with every process and host that uses this Redis "
        "(redis://[:password@]host[:port][/db][?prefix=...&on_error=raise|wait|local]; "
        "default: $STOREFLOW_RATE_LIMIT_URL, else this process only)",
    )
    parser.set_defaults(handler=run_export)


def add_demo_command(subparsers: Any) -> None:
    """Add ``storeflow demo`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    demo = subparsers.add_parser(
        "demo",
        help="export everything from a local sandbox store, under the real rate limit",
        description=(
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
    demo.set_defaults(handler=run_demo)


# -- progress -------------------------------------------------------------------------------------


def _console(stream: TextIO) -> Console:
    """A rich console on ``stream`` (``storeflow.cli.main`` has checked that rich is there)."""
    from rich.console import Console

    # Off a terminal rich assumes 80 columns, too narrow for the summary table.
    return Console(file=stream, width=None if stream.isatty() else 120)


class _Display:
    """Shows export progress: a rich live display, or plain lines on ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.console = _console(stream) if stream.isatty() else None
        self._progress: Progress | None = None
        self._tasks: dict[tuple[str, str], TaskID] = {}
        self._last_line: dict[tuple[str, str], float] = {}

    @contextmanager
    def live(self) -> Iterator[_Display]:
        if self.console is None:
            yield self
            return
        from rich.progress import (
            BarColumn,
            Progress,
            ProgressColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Pace(ProgressColumn):
            """Records a second so far, or how long the export has waited for its next page
            (the rate limiter's pause once a window's budget is spent, or a slow API)."""

            def render(self, task: Task) -> Text:
                now = time.monotonic()
                idle = now - task.fields["last_page_at"]
                if not task.finished and idle >= _IDLE:
                    return Text(f"waiting {idle:>3.0f} s ", style="yellow")
                rate = task.fields["run_records"] / max(now - task.fields["started_at"], 1e-9)
                return Text(f"{rate:>7.0f} rec/s")

        progress = Progress(
            TextColumn("[bold]{task.description:<26}"),
            BarColumn(bar_width=24),
            TextColumn("{task.completed:>9,.0f}/{task.fields[expected]:<9}"),
            TextColumn("{task.fields[pages]:>11} pages"),
            Pace(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            TextColumn("retries {task.fields[retries]}  429s {task.fields[limited]}"),
            console=self.console,
            refresh_per_second=8,
        )
        self._progress = progress
        with progress:
            yield self
        self._progress = None

    def update(self, p: ExportProgress) -> None:
        key = (p.api, p.collection)
        if self._progress is not None:
            now = time.monotonic()
            fields: dict[str, Any] = {
                "expected": "?" if p.expected_total is None else f"{p.expected_total:,}",
                "pages": f"{p.pages}/{'?' if p.total_pages is None else p.total_pages}",
                "run_records": p.records_this_run,
                "started_at": now - p.elapsed,
                "last_page_at": now,
                "retries": p.retries,
                "limited": p.rate_limited,
            }
            task = self._tasks.get(key)
            if task is None:
                task = self._progress.add_task(f"{p.api} {p.collection}", **fields)
                self._tasks[key] = task
            self._progress.update(
                task, completed=p.records, total=p.expected_total or None, **fields
            )
            return
        now = time.monotonic()
        if not p.done and now - self._last_line.get(key, 0.0) < _LOG_EVERY:
            return
        self._last_line[key] = now
        expected = "" if p.expected_total is None else f"/{p.expected_total}"
        pages = "" if p.total_pages is None else f"/{p.total_pages}"
        print(
            f"{p.api} {p.collection}: {p.records}{expected} records, {p.pages}{pages} pages, "
            f"{p.rate:.0f} records/s, {p.requests} requests, {p.retries} retries, "
            f"{p.rate_limited} rate-limited (429), {p.elapsed:.1f} s"
            + (" - done" if p.done else ""),
            file=self.stream,
            flush=True,
        )


def _summary_line(s: ExportSummary) -> str:
    resumed = " (resumed)" if s.resumed else ""
    return (
        f"{s.api} {s.collection}: {s.records} records in {s.pages} pages{resumed}, "
        f"{s.requests} requests, {s.retries} retries, {s.rate_limited} rate-limited (429), "
        f"{s.elapsed:.1f} s, {s.rate:.0f} records/s -> {s.path}"
    )


def _mismatch_line(s: ExportSummary) -> str:
    return (
        f"warning: {s.api} {s.collection}: wrote {s.records} records but the API counts "
        f"{s.expected_total} for the same query (records changed during the export?)"
    )


# -- running a command ----------------------------------------------------------------------------


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return code


_RESUME_HINT: Final = (
    "interrupted: the export stopped at its last checkpoint; run the same command with "
    "--resume to continue"
)


def _run(main: Callable[[], Coroutine[Any, Any, int]], interrupted: str = _RESUME_HINT) -> int:
    """Run ``main`` in a new event loop, turning expected failures into one line and a code;
    ``interrupted`` is the line printed after Ctrl-C."""
    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except ValidationError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except StoreflowError as exc:
        return _fail(str(exc).splitlines()[0])
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}")


def _rate_limit(args: argparse.Namespace) -> RateLimit:
    """The default rate limit, its budget shared through ``--rate-limit-url`` if given.

    Raises:
        ValidationError: the URL is not a Redis URL, or one of its settings is refused.
    """
    url = args.rate_limit_url or os.environ.get(RATE_LIMIT_URL_ENV) or None
    try:
        return RateLimit(backend=url)
    except ValidationError as exc:
        raise ValidationError("--rate-limit-url", exc.rule) from None


def _client(args: argparse.Namespace) -> Pocketsflow | Reflow:
    base_url = args.base_url or os.environ.get(_BASE_URL_ENV[args.api]) or None
    rate_limit = _rate_limit(args)
    if args.api == "pocketsflow":
        if args.project_id is not None or args.test_mode:
            raise ValidationError(
                "--project-id/--test-mode", "apply to reflow only (the key selects test mode)"
            )
        options: dict[str, Any] = {} if base_url is None else {"base_url": base_url}
        return Pocketsflow(api_key=args.api_key, rate_limit=rate_limit, **options)
    return Reflow(
        project_id=args.project_id,
        api_key=args.api_key,
        test_mode=args.test_mode,
        base_url=base_url,
        rate_limit=rate_limit,
    )


def run_export(args: argparse.Namespace) -> int:
    """Run ``storeflow export`` with parsed ``args``; return the exit status."""
    names = COLLECTIONS[args.api]
    if args.collection != "all" and args.collection not in names:
        return _fail(
            f"{args.api} has no collection {args.collection!r}; choose one of "
            f"{', '.join(names)} or all",
            EXIT_USAGE,
        )

    async def main() -> int:
        display = _Display(sys.stderr)
        options: dict[str, Any] = {
            "format": args.format,
            "concurrency": args.concurrency,
            "resume": args.resume,
            "overwrite": args.overwrite,
            "start_date": args.start_date,
            "end_date": args.end_date,
            "progress": display.update,
            "checkpoint_interval": args.checkpoint_interval,
        }
        async with _client(args) as client:
            with display.live():
                if args.collection == "all":
                    out = args.out if args.out is not None else Path("exports")
                    summaries = await export_all(client, out, **options)
                else:
                    name = output_name(args.api, args.collection, args.format)
                    out = args.out or Path(name)
                    if out.is_dir():
                        out = out / name
                    summaries = [await export(client, args.collection, out, **options)]
        for summary in summaries:
            print(_summary_line(summary), flush=True)
            if summary.mismatch:
                print(_mismatch_line(summary), file=sys.stderr, flush=True)
        return EXIT_OK

    return _run(main)


# -- the demo -------------------------------------------------------------------------------------


@attrs.frozen
class _DemoResult:
    summaries: list[ExportSummary]
    elapsed: float
    max_per_window: dict[str, int]


def run_demo(args: argparse.Namespace) -> int:
    """Run ``storeflow demo`` with parsed ``args``; return the exit status."""
    from storeflow.sandbox import Sandbox, Scale

    out: Path = args.out
    scale = attrs.evolve(Scale.demo(), orders=args.orders)
    display = _Display(sys.stderr)
    console = _console(sys.stdout)
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
                options: dict[str, Any] = {
                    "format": args.format,
                    "overwrite": True,
                    "progress": display.update,
                }
                with display.live():
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
        return EXIT_OK

    return _run(main, interrupted="interrupted")


def _print_demo(result: _DemoResult, out: Path, console: Console) -> None:
    from rich.table import Table

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
            console.print(_mismatch_line(s), style="yellow")
