"""``storeflow export``: one collection (or ``all``) of one API, or of many stores, to files.

``storeflow export API COLLECTION`` shows a live rich progress display on a terminal and plain
log lines (on stderr) otherwise; the summary goes to stdout. ``storeflow export stores
COLLECTION`` exports the stores of ``--store``/``--stores`` (or ``$STOREFLOW_STORES``), each
into its own folder, and sums them up. The exit statuses and the one-line errors are
:mod:`storeflow.cli._exit`'s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from storeflow._apis import API_NAMES, ApiName
from storeflow.cli._args import add_command, non_negative_int, positive_float, positive_int, seconds
from storeflow.cli._exit import Exit, exit_status, fail, run
from storeflow.errors import ValidationError

if TYPE_CHECKING:
    from storeflow.export import Store
    from storeflow.pocketsflow import Pocketsflow
    from storeflow.ratelimit import RateLimit
    from storeflow.reflow import Reflow

__all__ = ["add_export_command", "run_export"]

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
    """``K/N``: the K-th of N shards of the stores."""
    from storeflow.export import parse_shard

    try:
        return parse_shard(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.rule) from None


def add_export_command(subparsers: Any) -> None:
    """Add ``storeflow export`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    from storeflow.export import COLLECTIONS, FORMATS

    collections = "; ".join(f"{api}: {', '.join(names)}" for api, names in COLLECTIONS.items())
    parser = add_command(
        subparsers,
        "export",
        run_export,
        "export a collection (or all) of an API to JSON Lines or CSV",
        (
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
    for flag, meaning in (
        ("--resume", "continue an export that was interrupted"),
        ("--overwrite", "start over, replacing what is there"),
    ):
        start.add_argument(flag, action="store_true", help=meaning)
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


def _rate_limit(args: argparse.Namespace) -> RateLimit:
    """The default rate limit, its budget shared through ``--rate-limit-url`` if given.

    Raises:
        ValidationError: the URL is not a Redis URL, or one of its settings is refused.
    """
    from storeflow.ratelimit import RateLimit

    url = args.rate_limit_url or os.environ.get(RATE_LIMIT_URL_ENV) or None
    try:
        return RateLimit(backend=url)
    except ValidationError as exc:
        raise ValidationError("--rate-limit-url", exc.rule) from None


def _client_options(args: argparse.Namespace, rate: RateLimit) -> dict[str, Any]:
    """The client options every client of the command gets: ``rate``, and the
    ``--timeout``/``--max-retries`` given."""
    options: dict[str, Any] = {"rate_limit": rate}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    return options


def _client(args: argparse.Namespace) -> Pocketsflow | Reflow:
    """The client of ``storeflow export API``.

    Raises:
        ValidationError: a flag of the other API, or a client option refused.
    """
    from storeflow.pocketsflow import Pocketsflow
    from storeflow.reflow import Reflow

    options = _client_options(args, _rate_limit(args))
    options["base_url"] = args.base_url or None  # else $POCKETSFLOW_BASE_URL / $REFLOW_BASE_URL
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
    """The collections of ``names`` that ``api`` lists only for a client with a key."""
    from storeflow.export import requires_key

    return [name for name in names if requires_key(api, name)]


def _collections(args: argparse.Namespace) -> list[str]:
    """The collections to export; refuses ``reflow all`` without a key unless public-only.

    Raises:
        ValidationError: what was asked cannot be exported as it stands.
    """
    from storeflow.export import COLLECTIONS

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
    from storeflow.export import output_name

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
    from storeflow.export import Store, parse_stores
    from storeflow.pocketsflow import Pocketsflow
    from storeflow.reflow import Reflow

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
    options = _client_options(args, rate)
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
    from storeflow.cli._progress import Display, Watch, summary_line
    from storeflow.export import api_name, export_many

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
        return Exit.FAILED if many.failed else Exit.OK

    return run(main)


def run_export(args: argparse.Namespace) -> int:
    """Run ``storeflow export`` with parsed ``args``; return the exit status (see
    :mod:`storeflow.cli._exit`)."""
    if args.api == "stores":
        return _run_many(args)
    from storeflow.cli._progress import Display, Watch, mismatch_line, summary_line
    from storeflow.export import export, export_all, has_started

    many = [
        f
        for f, v in (("--store", args.store), ("--stores", args.stores), ("--shard", args.shard))
        if v
    ]
    if many:
        return fail(f"{many[0]}: applies to 'storeflow export stores' only", Exit.USAGE)
    try:
        names = _collections(args)
        targets = _targets(args, names)
    except ValidationError as exc:
        return fail(str(exc), exit_status(exc))
    if args.resume and not any(has_started(path) for _, path in targets):
        where = os.fspath(targets[0][1] if len(targets) == 1 else targets[0][1].parent)
        return fail(
            f"--resume: nothing to resume at {where} (no unfinished export there); run "
            "without --resume to start one",
            Exit.USAGE,
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
                print(mismatch_line(summary), file=sys.stderr, flush=True)
        return Exit.OK

    return run(main)
