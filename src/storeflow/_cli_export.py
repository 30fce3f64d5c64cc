"""The ``storeflow export`` and ``storeflow demo`` commands (registered by :mod:`storeflow.cli`).

``storeflow export API COLLECTION`` exports one collection (or ``all``) of one API to files,
with a live rich progress display on a terminal and plain log lines (on stderr) otherwise; the
summary goes to stdout. ``storeflow demo`` starts the sandbox in this process and exports
everything from it through the real 200-requests-a-minute limit.

Exit status: 0 on success; 1 when the export failed (the API refused the key, the host cannot
be reached, a file cannot be written, an unfinished export is in the way, another export of the
same output is running); 2 for bad arguments and for an export state that is inconsistent (a
damaged or edited checkpoint or ``.part`` file: the line says how to start over);
130 when interrupted (Ctrl-C), which leaves a state that ``--resume`` continues. Expected
failures print one line, ``error: ...``, and no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from storeflow._cli_args import non_negative_int, positive_float, positive_int, seconds
from storeflow._cli_progress import Display, Watch, console_for, summary_line
from storeflow.errors import ExportStateError, StoreflowError, ValidationError
from storeflow.export import (
    API_NAMES,
    COLLECTIONS,
    FORMATS,
    ApiName,
    ExportSummary,
    Store,
    api_name,
    export,
    export_all,
    export_many,
    output_name,
    parse_shard,
    parse_stores,
)
from storeflow.export._checkpoint import Output
from storeflow.export._collections import get
from storeflow.pocketsflow import Pocketsflow
from storeflow.ratelimit import RateLimit
from storeflow.reflow import Reflow

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["add_demo_command", "add_export_command", "run_demo", "run_export"]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130

_DEMO_SEED: Final = 2024
# Enough orders that their pages outrun one window's 200 requests, so the demo shows the
# limiter waiting for the next window rather than drawing 429s.
_DEMO_ORDERS: Final = 20_000
#: Where the stores come from when neither ``--store`` nor ``--stores`` is given.
STORES_ENV: Final = "STOREFLOW_STORES"
#: Where ``--rate-limit-url`` comes from when the flag is not given.
RATE_LIMIT_URL_ENV: Final = "STOREFLOW_RATE_LIMIT_URL"


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


def _shard(text: str) -> tuple[int, int]:
    try:
        return parse_shard(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.rule) from None


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
    parser.add_argument(
        "api",
        choices=(*API_NAMES, "stores"),
        help="the API to export from, or 'stores' for the stores of --store/--stores",
    )
    parser.add_argument("collection", help="the collection to export, or 'all'")
    parser.add_argument(
        "--out",
        help="output file, or a directory (an existing one, or a new one written with a "
        "trailing /) to put <api>_<collection>.<format> in; default "
        "./<api>_<collection>.<format> (./exports/ for 'all'). Exports go to files so that "
        "they can resume: '-' (stdout) is refused",
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
        "--public-only",
        action="store_true",
        help="with 'reflow all' and no key: export only the collections that need none",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        help="the most one request attempt may take, connecting included (default: connect "
        "10 s, whole attempt 60 s)",
    )
    parser.add_argument(
        "--max-retries",
        type=non_negative_int,
        help="further attempts after a failed request (default 2)",
    )
    parser.add_argument(
        "--rate-limit-url",
        metavar="URL",
        help="share the per-IP rate budget with every process and host that uses this Redis "
        "(redis://[:password@]host[:port][/db][?prefix=...&on_error=raise|wait|local]; "
        "default: $STOREFLOW_RATE_LIMIT_URL, else this process only)",
    )
    many = parser.add_argument_group(
        "many stores ('storeflow export stores COLLECTION')",
        "A store is [NAME=]pocketsflow:KEY or [NAME=]reflow:PROJECT_ID[:KEY]; a list of stores "
        "is such specs separated by spaces or lines (# starts a comment), or a JSON array of "
        '{"api", "api_key", "project_id", "name"} objects. Each store goes to --out/NAME/ '
        "(default NAME: <api>-<a 12-digit id of the store>, never the key).",
    )
    many.add_argument(
        "--store",
        action="append",
        metavar="SPEC",
        help="a store (repeatable; its key is "
        "visible to other users of the machine: prefer --stores or the environment)",
    )
    many.add_argument("--stores", type=Path, metavar="FILE", help="a file listing stores")
    many.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="export only the K-th of N parts of the stores (each store falls in exactly one, "
        "the same on every host)",
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

#: Python argument names as the command's flags spell them, for messages from the library.
_FLAGS: Final = {
    "project_id": "--project-id",
    "api_key": "--api-key",
    "base_url": "--base-url",
    "start_date": "--start-date",
    "end_date": "--end-date",
    "checkpoint_interval": "--checkpoint-interval",
    "max_retries": "--max-retries",
    "test_mode": "--test-mode",
    "resume=True (--resume)": "--resume",
    "overwrite=True (--overwrite)": "--overwrite",
    "resume": "--resume",
    "overwrite": "--overwrite",
}
_WORDS: Final = re.compile("|".join(rf"(?<![\w=-]){re.escape(name)}(?![\w-])" for name in _FLAGS))
#: The suffixes of the files an unfinished export keeps next to its output.
_WORK_FILES: Final = re.compile(r"\.(?:part|checkpoint\.json)\b")


def _in_flags(message: str) -> str:
    """``message`` with the library's argument names replaced by the command's flags."""
    return _WORDS.sub(lambda match: _FLAGS[match.group(0)], message)


def _run(main: Callable[[], Coroutine[Any, Any, int]], interrupted: str = _RESUME_HINT) -> int:
    """Run ``main`` in a new event loop, turning expected failures into one line and a code;
    ``interrupted`` is the line printed after Ctrl-C."""
    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except (ValidationError, ExportStateError) as exc:
        return _fail(_in_flags(str(exc).splitlines()[0]), EXIT_USAGE)
    except StoreflowError as exc:
        return _fail(_in_flags(str(exc).splitlines()[0]))
    except OSError as exc:
        # Name the output, not the work files beside it.
        where = f": {_WORK_FILES.sub('', os.fspath(exc.filename))}" if exc.filename else ""
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
    base_url = args.base_url or None  # the clients read $POCKETSFLOW_BASE_URL / $REFLOW_BASE_URL
    options: dict[str, Any] = {"base_url": base_url, "rate_limit": _rate_limit(args)}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    if args.api == "pocketsflow":
        if args.project_id is not None or args.test_mode:
            raise ValidationError(
                "--project-id/--test-mode", "apply to reflow only (the key selects test mode)"
            )
        return Pocketsflow(api_key=args.api_key, **options)
    return Reflow(
        project_id=args.project_id, api_key=args.api_key, test_mode=args.test_mode, **options
    )


def _needing_a_key(api: ApiName, names: list[str]) -> list[str]:
    return [name for name in names if get(api, name).listing.operation.auth == "required"]


def _collections(args: argparse.Namespace) -> list[str]:
    """The collections to export; refuses ``reflow all`` without a key unless public-only.

    Raises:
        ValidationError: what was asked cannot be exported as it stands.
    """
    names = list(COLLECTIONS[args.api])
    if args.collection != "all":
        if args.collection not in names:
            raise ValidationError(
                "collection",
                f"{args.api} has no collection {args.collection!r}; choose one of "
                f"{', '.join(names)} or all",
            )
        names = [args.collection]
    if args.public_only and (args.api, args.collection) != ("reflow", "all"):
        raise ValidationError("--public-only", "applies to 'reflow all' only")
    if args.api != "reflow" or args.collection != "all":
        return names
    keyed = _needing_a_key(args.api, names)
    has_key = bool(args.api_key or os.environ.get("REFLOW_API_KEY"))
    if args.public_only:
        if args.start_date or args.end_date:
            raise ValidationError(
                "--start-date/--end-date", "no public collection of reflow can be filtered by date"
            )
        return [name for name in names if name not in keyed]
    if not has_key:
        public = [name for name in names if name not in keyed]
        raise ValidationError(
            "--api-key",
            f"reflow {', '.join(keyed)} need an API key: pass --api-key or set "
            f"REFLOW_API_KEY, or add --public-only to export just {', '.join(public)}",
        )
    return names


def _targets(args: argparse.Namespace, names: list[str]) -> list[tuple[str, Path]]:
    """Where each collection goes.

    Raises:
        ValidationError: ``--out -``, or a file in a directory that does not exist.
    """
    out: str | None = args.out
    if out == "-":
        raise ValidationError(
            "--out -",
            "exports are written to files so that they can resume after a failure: give a "
            "file or a directory (then read the file, e.g. cat it)",
        )
    if args.collection == "all":
        folder = Path(out) if out is not None else Path("exports")
        return [(name, folder / output_name(args.api, name, args.format)) for name in names]
    (name,) = names
    default = output_name(args.api, name, args.format)
    if out is None:
        return [(name, Path(default))]
    path = Path(out)
    if out.endswith(("/", os.sep)) or path.is_dir():
        return [(name, path / default)]  # a new directory is created
    if not path.parent.is_dir():
        raise ValidationError(
            "--out",
            f"the directory {os.fspath(path.parent)} does not exist: create it, or end --out "
            "with / to have a new directory made",
        )
    return [(name, path)]


def _stores(args: argparse.Namespace, rate: RateLimit) -> list[Store]:
    """The clients of ``--store``, ``--stores`` or ``$STOREFLOW_STORES``, sharing ``rate``.

    Raises:
        ValidationError: no store, a bad list, or a flag that names a single store.
        OSError: the file cannot be read.
    """
    single = [
        f
        for f, v in (
            ("--api-key", args.api_key),
            ("--project-id", args.project_id),
            ("--base-url", args.base_url),
            ("--test-mode", args.test_mode),
        )
        if v
    ]
    if single:
        raise ValidationError(single[0], "names one store: put it in the store list instead")
    texts = list(args.store or [])
    if args.stores is not None:
        texts.append(args.stores.read_text())
    specs = parse_stores("\n".join(texts or [os.environ.get(STORES_ENV, "")]))
    if not specs:
        raise ValidationError("--store/--stores", f"no store given (nor in ${STORES_ENV})")
    options: dict[str, Any] = {"rate_limit": rate}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    return [
        Store(
            Pocketsflow(api_key=spec.api_key, **options)
            if spec.api == "pocketsflow"
            else Reflow(project_id=spec.project_id, api_key=spec.api_key, **options),
            spec.name,
        )
        for spec in specs
    ]


def _run_many(args: argparse.Namespace) -> int:
    """``storeflow export stores COLLECTION``: every store, one summary."""

    async def main() -> int:
        stores = _stores(args, _rate_limit(args))
        try:
            firsts = {api_name(s.client): s.client for s in stores}  # one limiter per API
            display = Display(sys.stderr, [Watch(api, client) for api, client in firsts.items()])
            async with display.running():
                many = await export_many(
                    stores,
                    Path(args.out or "exports"),
                    collection=args.collection,
                    shard=args.shard,
                    format=args.format,
                    concurrency=args.concurrency,
                    resume=args.resume,
                    overwrite=args.overwrite,
                    start_date=args.start_date,
                    end_date=args.end_date,
                    progress=display.update,
                    checkpoint_interval=args.checkpoint_interval,
                )
        finally:
            for store in stores:
                await store.client.aclose()
        for result in many.stores:
            for summary in result.summaries:
                print(f"{result.name}: {summary_line(summary)}", flush=True)
            if result.error is not None:
                print(f"error: {result.name}: {result.error}", file=sys.stderr, flush=True)
        print(
            f"{len(many.stores)} stores ({len(many.failed)} failed, {many.skipped} in other "
            f"shards): {many.records} records, {many.requests} requests, {many.rate_limited} "
            f"rate-limited (429), {many.elapsed:.1f} s",
            flush=True,
        )
        return EXIT_FAILED if many.failed else EXIT_OK

    return _run(main)


def run_export(args: argparse.Namespace) -> int:
    """Run ``storeflow export`` with parsed ``args``; return the exit status."""
    if args.api == "stores":
        return _run_many(args)
    many = [
        f
        for f, v in (("--store", args.store), ("--stores", args.stores), ("--shard", args.shard))
        if v
    ]
    if many:
        return _fail(f"{many[0]}: applies to 'storeflow export stores' only", EXIT_USAGE)
    try:
        names = _collections(args)
        targets = _targets(args, names)
    except ValidationError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.resume and not any(Output(path).started() for _, path in targets):
        where = os.fspath(targets[0][1] if len(targets) == 1 else targets[0][1].parent)
        return _fail(
            f"--resume: nothing to resume at {where} (no unfinished export there); run "
            "without --resume to start one",
            EXIT_USAGE,
        )

    async def main() -> int:
        async with _client(args) as client:
            display = Display(sys.stderr, [Watch(args.api, client)])
            options: dict[str, Any] = {
                "format": args.format,
                "concurrency": args.concurrency,
                "resume": args.resume,
                "overwrite": args.overwrite,
                "progress": display.update,
                "checkpoint_interval": args.checkpoint_interval,
            }
            dates = {"start_date": args.start_date, "end_date": args.end_date}
            async with display.running():
                if args.collection == "all" and not args.public_only:
                    folder = targets[0][1].parent
                    summaries = await export_all(client, folder, **options, **dates)
                else:
                    summaries = []
                    for name, path in targets:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        summaries.append(await export(client, name, path, **options, **dates))
        for summary in summaries:
            print(summary_line(summary), flush=True)
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
