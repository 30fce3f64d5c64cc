"""Bulk export: every record of a collection into a JSON Lines or CSV file, exactly once.

```python
from storeflow import Pocketsflow
from storeflow.export import export, export_all

async with Pocketsflow() as pf:
    summary = await export(pf, "orders", "orders.jsonl")
    print(summary.records, summary.requests, summary.rate_limited, summary.mismatch)
    summaries = await export_all(pf, "exports/", format="csv")
    many = await export_many([pf, Store(other_pf, "acme")], "exports/")  # see export_many
```

- **Collections** (:data:`COLLECTIONS`): Pocketsflow ``products``, ``orders``, ``customers``,
  ``reviews``, ``discounts``, ``upsells``, ``subscriptions``; Reflow ``products`` (hidden ones
  too when the client has a key), ``categories`` (the tree flattened depth first, each record
  with a ``parent_id``, ``null`` for a root, and without its ``subcategories``), ``orders``,
  ``users``, ``plans``.
- **Formats** (:data:`FORMATS`): ``"jsonl"`` (default: each record exactly as the API sent it,
  one per line) and ``"csv"`` (dotted columns from the collection's model; see
  :mod:`storeflow.export._writers` for the rules; a last ``extra`` column holds, as JSON, the
  fields the model does not declare, so CSV loses nothing either).
- **Speed**: paginated collections are read 100 records a page; after the first page, the rest
  are fetched ``concurrency`` at a time through the client's shared rate limiter and written in
  order. Memory stays flat however large the collection.
- **A consistent snapshot**: orders are read up to a time bound pinned when the export starts,
  so orders created during it neither appear nor shift pages; records repeated on neighbouring
  pages are written once; :attr:`ExportSummary.mismatch` flags a count that differs from the
  API's own total.
- **Nothing lost, nothing doubled**: the export writes ``<path>.part`` and a checkpoint
  ``<path>.checkpoint.json`` beside it; ``<path>`` appears only when the export is complete.
  After a crash, kill or Ctrl-C, call again with ``resume=True``: the export continues from its
  last checkpoint and the final file holds every record once, with no half-written line.
  The checkpoint records the collection, format, date range and store (base URL, and the
  Pocketsflow key's mode or the Reflow project): a resume that differs in any of them is
  refused. Without ``resume``, an unfinished export in the way is an :class:`ExportError`; pass
  ``overwrite=True`` to start over (it also allows replacing an existing ``<path>``). An export
  that fails before writing its first page (a refused key, an unreachable host) leaves nothing.
- **One export per output**: an export holds an OS lock on ``<path>.lock`` while it runs (it
  dies with the process); a second export of the same output fails at once with an
  :class:`ExportError` naming the output and the running export's pid.
- **Tampering and damage**: the checkpoint is sealed and type-checked, and records the digest of
  the ``.part`` bytes it counts; a resume refuses anything inconsistent with an
  :class:`~storeflow.errors.ExportStateError` that says how to start over.
- **Failures**: pages are read with the client's retry policy given three more retries (also
  for a 500 and a body cut short), so one page draws at most ``max_retries + 4`` requests (6 by
  default); reading a page is idempotent, so repeating it is safe. Anything else (a 401, a 404,
  a host refusing connections after the client's retries, a 429 asking for a longer pause than
  the client waits out) stops the export at once, resumable.
- **The key**: wherever a server quotes the client's API key inside records, in any encoding,
  it is written masked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Unpack

from storeflow._apis import API_NAMES, ApiName
from storeflow.errors import ExportError, ExportStateError, ValidationError
from storeflow.export._checkpoint import Output
from storeflow.export._collections import COLLECTIONS, get
from storeflow.export._engine import (
    ExportOptions,
    ExportProgress,
    ExportSummary,
    ProgressCallback,
    run,
)
from storeflow.export._many import (
    ManySummary,
    Store,
    StoreResult,
    StoreSpec,
    export_many,
    in_shard,
    parse_shard,
    parse_stores,
)
from storeflow.export._writers import DEFAULT_FORMAT, FORMATS, Format, check_format
from storeflow.pocketsflow import Pocketsflow
from storeflow.reflow import Reflow

__all__ = [
    "API_NAMES",
    "COLLECTIONS",
    "FORMATS",
    "ApiName",
    "ExportError",
    "ExportOptions",
    "ExportProgress",
    "ExportStateError",
    "ExportSummary",
    "Format",
    "ManySummary",
    "ProgressCallback",
    "Store",
    "StoreResult",
    "StoreSpec",
    "api_name",
    "export",
    "export_all",
    "export_many",
    "has_started",
    "in_shard",
    "output_name",
    "parse_shard",
    "parse_stores",
    "requires_key",
]


def api_name(client: Pocketsflow | Reflow) -> ApiName:
    """``"pocketsflow"`` or ``"reflow"``: which API ``client`` talks to.

    Raises:
        ValidationError: ``client`` is neither a :class:`~storeflow.Pocketsflow` nor a
            :class:`~storeflow.Reflow`.
    """
    if isinstance(client, Pocketsflow):
        return "pocketsflow"
    if isinstance(client, Reflow):
        return "reflow"
    raise ValidationError("client", "must be a storeflow.Pocketsflow or storeflow.Reflow")


def output_name(api: ApiName, collection: str, format: Format) -> str:
    """The file name :func:`export_all` gives a collection: ``<api>_<collection>.<format>``."""
    return f"{api}_{collection}.{format}"


def requires_key(api: ApiName, collection: str) -> bool:
    """Whether ``api`` lists ``collection`` only to a client with an API key.

    Raises:
        ValidationError: ``api`` has no such collection; the message lists the valid names.
    """
    return get(api, collection).listing.operation.auth == "required"


def has_started(path: str | os.PathLike[str]) -> bool:
    """Whether an export into the file ``path`` has started (or finished) there, so that
    ``resume=True`` has something to go on: the file itself, its ``.part`` file, checkpoint or
    lock, or what a run that died before its first checkpoint leaves behind."""
    return Output(Path(path)).started()


def _source(client: Pocketsflow | Reflow) -> str:
    """Which store ``client`` reads: a resume must read the same one."""
    if isinstance(client, Pocketsflow):
        return f"{client.base_url} ({client.mode} data)"
    return f"{client.base_url} project {client.project_id}"


async def export(
    client: Pocketsflow | Reflow,
    collection: str,
    path: str | os.PathLike[str],
    **options: Unpack[ExportOptions],
) -> ExportSummary:
    """Export every record of ``collection`` into the file ``path``, and return a summary.

    The options (:class:`ExportOptions`, keywords): ``format`` is ``"jsonl"`` (the default) or
    ``"csv"``; ``concurrency`` the pages fetched at once (8; the client's rate limiter still
    bounds the request rate); ``resume`` continues an unfinished export of the same collection,
    from the same store, into the same path; ``overwrite`` discards one (and allows replacing an
    existing ``path``); the two exclude each other. ``start_date``/``end_date`` (a ``date``, or
    a timezone-aware ``datetime``; both inclusive) restrict collections the API can filter by
    date: Pocketsflow orders and subscriptions, Reflow orders. ``progress`` is called after
    every page with an :class:`ExportProgress`. ``checkpoint_interval`` is the most seconds of
    work a crash can cost (1.0: the export makes its state durable that often).

    Raises:
        ValidationError: unknown collection or format, ``concurrency`` below 1, both
            ``resume`` and ``overwrite``, a date range for a collection that cannot be filtered
            by date, a date that is not a ``date``/aware ``datetime`` or out of range, a
            ``path`` that is not a path, a missing key.
        ExportError: an unfinished export is in the way (pass ``resume`` or ``overwrite``),
            ``path`` exists (pass ``overwrite``) or is a directory, another export of ``path``
            is running, or a checkpoint belongs to another export (collection, format, dates or
            store).
        ExportStateError: (an ``ExportError``) the checkpoint or ``.part`` file is damaged or
            was edited; nothing is resumed.
        AuthenticationError, APIError, ConnectionError, TimeoutError, DecodeError: a page
            could not be fetched after the client's retries; the export can be resumed.
        OSError: the file cannot be written.
    """
    target = get(api_name(client), collection)
    return await run(client, target, path, source=_source(client), **options)


async def export_all(
    client: Pocketsflow | Reflow,
    directory: str | os.PathLike[str],
    **options: Unpack[ExportOptions],
) -> list[ExportSummary]:
    """Export every collection of the client's API into ``directory``, one after another.

    Each collection goes to ``<directory>/<api>_<collection>.<format>`` (see
    :func:`output_name`); the directory is created if missing. The date range applies to the
    collections that can be filtered by date and the others are exported whole. The other
    arguments are those of :func:`export`, applied to each collection; with ``resume``,
    collections already complete are skipped.

    Raises:
        The exceptions of :func:`export`, for the first collection that fails (the ones
        before it are complete).
    """
    api = api_name(client)
    folder = Path(directory)
    format = check_format(options.get("format", DEFAULT_FORMAT))  # before the directory is made
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - one quick metadata call
    undated: ExportOptions = {**options, "start_date": None, "end_date": None}
    summaries = []
    for name in COLLECTIONS[api]:
        dated = get(api, name).dates != "none"
        path = folder / output_name(api, name, format)
        summaries.append(await export(client, name, path, **(options if dated else undated)))
    return summaries
