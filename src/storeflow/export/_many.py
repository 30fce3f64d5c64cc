"""Many stores in one export: every store's collections, side by side, under one budget.

Each store is exported by :func:`~storeflow.export.export` / :func:`~storeflow.export.export_all`
as if alone, all stores at once, each with only a few pages in flight. The clients of one API
endpoint share one rate limiter whose queue is first come, first served, so the stores' requests
interleave: a small store finishes early and a large one cannot hold the others back.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final, Unpack

import attrs
import orjson

from storeflow._apis import ApiName
from storeflow.errors import StoreflowError, ValidationError
from storeflow.export._engine import ExportOptions, ExportSummary
from storeflow.export._writers import DEFAULT_FORMAT
from storeflow.pocketsflow import Pocketsflow
from storeflow.reflow import Reflow

_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@attrs.frozen
class Store:
    """One store to export: a client, and optionally the name of its output folder.

    Without ``name`` the folder is ``<api>-<id>``, ``id`` being the client's ``store_id`` (never
    the key).
    """

    client: Pocketsflow | Reflow
    name: str | None = None


@attrs.frozen
class StoreSpec:
    """A store as a list of stores names it (see :func:`parse_stores`); its key never shown."""

    api: ApiName
    api_key: str | None = attrs.field(repr=False)
    project_id: int | None = None
    name: str | None = None


def _spec(token: str) -> StoreSpec:
    name, equals, rest = token.partition("=")
    if not equals or ":" in name:  # no name: an "=" in the key itself (base64 padding)
        name, rest = "", token
    api, _, tail = rest.partition(":")
    if api == "pocketsflow" and tail:
        return StoreSpec("pocketsflow", tail, None, name or None)
    project, _, key = tail.partition(":")
    if api == "reflow" and project.isdigit():
        return StoreSpec("reflow", key or None, int(project), name or None)
    shown = f"{api}:..." if api in ("pocketsflow", "reflow") else "something else"
    raise ValidationError(  # never quoting the token: it may be or hold a key
        "stores",
        f"a store is [NAME=]pocketsflow:KEY or [NAME=]reflow:PROJECT_ID[:KEY], not {shown}",
    )


def _spec_object(item: object) -> bool:
    """Whether ``item`` is a well-formed store object of a JSON list of stores."""
    if not isinstance(item, dict) or set(item) - {"api", "api_key", "project_id", "name"}:
        return False
    project = item.get("project_id")
    return (
        (item.get("api"), project is None) in (("pocketsflow", True), ("reflow", False))
        and (project is None or (type(project) is int and project > 0))
        and all(isinstance(item.get(k, ""), str) for k in ("api_key", "name"))
    )


def parse_stores(text: str) -> list[StoreSpec]:
    """The stores a list names: a JSON array, or whitespace-separated store specs.

    A spec is ``[NAME=]pocketsflow:KEY`` or ``[NAME=]reflow:PROJECT_ID[:KEY]``, one or several
    a line, ``#`` starting a comment. A JSON array holds objects with ``api``, and ``api_key``,
    ``project_id`` (Reflow) and ``name`` as needed. Messages never quote a key.

    Raises:
        ValidationError: a spec or an object is not one of these forms.
    """
    if text.lstrip().startswith("["):
        try:
            items = orjson.loads(text)
        except orjson.JSONDecodeError:
            items = None
        if isinstance(items, list) and all(map(_spec_object, items)):
            return [
                StoreSpec(i["api"], i.get("api_key"), i.get("project_id"), i.get("name"))
                for i in items
            ]
        raise ValidationError(
            "stores",
            'a JSON list of stores is an array of objects: {"api": "pocketsflow" or "reflow", '
            '"api_key": string, "project_id": integer (reflow), "name": string}',
        )
    tokens = [t for line in text.splitlines() for t in line.partition("#")[0].split()]
    return [_spec(token) for token in tokens]


def in_shard(client: Pocketsflow | Reflow, shard: tuple[int, int]) -> bool:
    """Whether the store of ``client`` belongs to ``shard`` ``(k, n)``: the k-th of n (1-based).

    The split depends only on each store's ``store_id``, so every host computes the same
    one and each store falls in exactly one shard.
    """
    k, n = shard
    return int(client.store_id, 16) % n == k - 1


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as ``(K, N)``.

    Raises:
        ValidationError: not two integers with 1 <= K <= N.
    """
    k, slash, n = text.partition("/")
    if slash and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    raise ValidationError("shard", f"must be K/N with 1 <= K <= N, e.g. 2/5, got {text!r}")


@attrs.frozen
class StoreResult:
    """What the export of one store did: its summaries, or the error that stopped it.

    ``summaries`` holds one summary per collection; on an ``error`` (the failure's message,
    keys masked as everywhere) it is empty and the store can be resumed with ``resume=True``.
    """

    name: str
    api: ApiName
    directory: Path
    summaries: tuple[ExportSummary, ...]
    error: str | None


@attrs.frozen
class ManySummary:
    """What :func:`export_many` did: one :class:`StoreResult` per store of this shard.

    ``skipped`` counts the stores left to other shards.
    """

    stores: tuple[StoreResult, ...]
    skipped: int
    elapsed: float

    @property
    def failed(self) -> tuple[StoreResult, ...]:
        """The stores whose export stopped on an error."""
        return tuple(store for store in self.stores if store.error is not None)

    @property
    def records(self) -> int:
        """Records written, over every store and collection."""
        return sum(s.records for store in self.stores for s in store.summaries)

    @property
    def requests(self) -> int:
        """HTTP requests sent, over every store and collection."""
        return sum(s.requests for store in self.stores for s in store.summaries)

    @property
    def rate_limited(self) -> int:
        """429 answers, over every store and collection."""
        return sum(s.rate_limited for store in self.stores for s in store.summaries)


def _named(stores: Iterable[Store | Pocketsflow | Reflow]) -> list[tuple[str, Store]]:
    """Each store with its folder name; refuses bad or repeated names and repeated stores.

    Raises:
        ValidationError: see above.
    """
    named: list[tuple[str, Store]] = []
    names: set[str] = set()
    ids: set[str] = set()
    for item in stores:
        store = item if isinstance(item, Store) else Store(item)
        api = "pocketsflow" if isinstance(store.client, Pocketsflow) else "reflow"
        ident = store.client.store_id
        if store.name is not None and not _NAME.fullmatch(store.name):
            raise ValidationError(
                "stores", f"a store name is letters, digits, '.', '_', '-': got {store.name!r}"
            )
        name = store.name or f"{api}-{ident}"
        if ident in ids or name in names:
            raise ValidationError("stores", f"store {name} is listed twice")
        ids.add(ident)
        names.add(name)
        named.append((name, store))
    return named


async def export_many(
    stores: Sequence[Store | Pocketsflow | Reflow],
    directory: str | os.PathLike[str],
    *,
    collection: str = "all",
    shard: tuple[int, int] | None = None,
    **options: Unpack[ExportOptions],
) -> ManySummary:
    """Export several stores at once into ``directory``, one folder per store.

    Each store (a client, or a :class:`Store` to name its folder) goes to
    ``<directory>/<name>/<api>_<collection>.<format>``; ``collection`` is one collection name or
    ``"all"`` (every collection of the store's API, see
    :func:`~storeflow.export.export_all`). All stores run at once, each with ``concurrency``
    pages in flight (default 2 here, not 8, so that the shared limiter's first-come queue
    interleaves them fairly). ``shard=(k, n)`` exports only the k-th of n deterministic parts of
    ``stores`` (see :func:`in_shard`). A store that fails does not stop the others: its error is
    in the summary.
    The other options are those of :func:`~storeflow.export.export`, for each store.

    Raises:
        ValidationError: a bad store name, a store listed twice, a bad ``shard``, or any
            argument :func:`~storeflow.export.export` refuses.
        OSError: a file cannot be written.
        CancelledError: the run was cancelled; every store stops at its last checkpoint.
    """
    from storeflow.export import export, export_all, output_name  # the public engine

    if shard is not None:
        parse_shard(f"{shard[0]}/{shard[1]}")
    named = _named(stores)
    mine = [(n, s) for n, s in named if shard is None or in_shard(s.client, shard)]
    root = Path(directory)
    each: ExportOptions = {"concurrency": 2, **options}
    format = each.get("format", DEFAULT_FORMAT)
    started = time.monotonic()

    async def one(name: str, store: Store) -> StoreResult:
        client = store.client
        api: ApiName = "pocketsflow" if isinstance(client, Pocketsflow) else "reflow"
        folder = root / name
        try:
            if collection == "all":
                summaries = await export_all(client, folder, **each)
            else:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / output_name(api, collection, format)
                summaries = [await export(client, collection, path, **each)]
        except ValidationError:
            raise  # the same arguments are wrong for every store: stop the run
        except StoreflowError as exc:
            return StoreResult(name, api, folder, (), str(exc).splitlines()[0])
        return StoreResult(name, api, folder, tuple(summaries), None)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(name, store)) for name, store in mine]
    except* Exception as failed:
        raise failed.exceptions[0] from None  # the first cause, as a single call would raise
    return ManySummary(
        stores=tuple(task.result() for task in tasks),
        skipped=len(named) - len(mine),
        elapsed=time.monotonic() - started,
    )
