"""The export engine: one collection, page by page, into one file, exactly once.

How one export runs:

1. Pin the query. Collections that grow while they are read (orders) get an upper time bound
   fixed at the start, so records created during the export cannot enter the list and shift
   its pages. The query, bound included, is saved in the checkpoint before the first request,
   and a resumed export sends exactly the same query.
2. Fetch the first page still missing (page 1 on a fresh start); it says how many pages and
   records the list has. Fetch the rest concurrently (at most ``concurrency`` at once, through
   the client's shared rate limiter) with :func:`storeflow.pagination.fetch_pages`, which hands
   them over in page order through a bounded reorder window. Memory holds a few pages at a time,
   however large the collection.
3. Write each page to ``<final>.part`` as it arrives, skipping records whose id appeared in the
   last few pages (:data:`DEDUPE_PAGES`). A list that shifts while it is read can only move a
   record to a neighbouring page, which that window covers; a set of every id would grow with
   the collection, which the memory target forbids.
4. About every ``checkpoint_interval`` seconds, fsync the ``.part`` file and record in the
   checkpoint the pages and records written and the file's length (see
   :mod:`storeflow.export._checkpoint`). On a crash, kill or Ctrl-C, a later run with
   ``resume=True`` cuts the ``.part`` file back to that length and continues with the next page.
   On cancellation (Ctrl-C) or an error the engine records a last checkpoint before it stops;
   a run that fails before writing any page (a refused key, an unreachable host) removes its
   files instead, so the next attempt needs no ``resume``.
5. When every page is written: a last checkpoint (fsync included) that counts the whole file,
   rename ``.part`` to the final name, sync the directory, remove the checkpoint. The final name
   appears only when the export is complete; a crash between the rename and the removal leaves
   a checkpoint that a resume recognises as complete, with the true totals.

Pages are read with the transport's one retry policy, given more attempts (:func:`page_retry`):
a 500, 502, 503 or 504, a 429, a dropped connection, a timeout or a body cut short is retried
:data:`EXTRA_PAGE_RETRIES` more times than the client's ``max_retries`` allow, so one page
draws at most ``max_retries + 4`` requests (6 with the default of 2). A long export should not
fail for one bad answer, and reading a page is safe to repeat (every list operation is
idempotent — Pocketsflow subscriptions are listed with a POST the schema marks so — and
:class:`~storeflow.pagination.Listing` refuses one that is not). A host refusing
connections gets the client's usual retries, and a 429 asking for a longer pause than the
transport waits out stops the export at once.

Records are written with the client's API key masked, in every form a server may echo it in
(see :meth:`~storeflow._resource.Resource.raw_page`): the key never reaches the file.

The engine writes and fsyncs on the event loop: each page is one ``write`` of a few tens of
kilobytes, and a checkpoint (two fsyncs and a rename) happens about once a second.

The summary compares the records written with the API's own count for the (pinned) query and
flags a difference.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final, TypedDict

import attrs

from storeflow._apis import ApiName
from storeflow._client import BaseClient
from storeflow._resource import Resource
from storeflow._transport import RetryPolicy
from storeflow._validate import integer
from storeflow.errors import ValidationError
from storeflow.export._checkpoint import Checkpoint, Output
from storeflow.export._collections import Collection
from storeflow.export._writers import (
    DEFAULT_FORMAT,
    Format,
    Writer,
    check_format,
    count_records,
    make_writer,
)
from storeflow.pagination import RawPage, fetch_pages

__all__ = [
    "DEDUPE_PAGES",
    "EXTRA_PAGE_RETRIES",
    "ExportOptions",
    "ExportProgress",
    "ExportSummary",
    "ProgressCallback",
    "page_retry",
    "run",
]

_PIN_MARGIN: Final = 0.05

DEDUPE_PAGES: Final = 4
"""How many of the most recently written pages the id de-duplication remembers."""

EXTRA_PAGE_RETRIES: Final = 3
"""How many more retries a page read gets than the client's other calls."""


def page_retry(client: RetryPolicy) -> RetryPolicy:
    """The policy pages are read with, for a client whose own policy is ``client``.

    ``EXTRA_PAGE_RETRIES`` more retries, also for a 500 and for a body cut short; a host that
    refuses connections gets the client's own number.
    """
    return RetryPolicy(
        max_retries=client.max_retries + EXTRA_PAGE_RETRIES,
        statuses=client.statuses | {500},
        connect_retries=client.max_retries,
        unreadable=True,
    )


@attrs.frozen(kw_only=True)
class ExportProgress:
    """Where a running export stands, passed to the ``progress`` callback after every page.

    ``records`` and ``pages`` count what is in the file (including what an earlier run wrote
    before a resume) and ``records_this_run`` what this run added; ``total_pages`` and
    ``expected_total`` are what the API reported (``None`` before the first page arrives);
    ``requests``, ``retries``, ``rate_limited`` (429 answers) and ``elapsed`` (seconds) are
    this run's. ``done`` is true on the last call.
    """

    api: ApiName
    collection: str
    path: Path
    records: int
    records_this_run: int
    pages: int
    total_pages: int | None
    expected_total: int | None
    requests: int
    retries: int
    rate_limited: int
    elapsed: float
    done: bool = False

    @property
    def rate(self) -> float:
        """Records written per second by this run so far."""
        return self.records_this_run / self.elapsed if self.elapsed > 0 else 0.0


ProgressCallback = Callable[[ExportProgress], None]
"""Called with an :class:`ExportProgress` after every page and once at the end."""


class ExportOptions(TypedDict, total=False):
    """The options every export function takes as keywords, each optional.

    :func:`storeflow.export.export` says what each one does; :func:`run` declares its default.
    """

    format: Format
    concurrency: int
    resume: bool
    overwrite: bool
    start_date: dt.date | dt.datetime | None
    end_date: dt.date | dt.datetime | None
    progress: ProgressCallback | None
    checkpoint_interval: float


@attrs.frozen(kw_only=True)
class ExportSummary:
    """What one finished export did.

    ``records`` and ``pages`` are what the final file holds (a resumed export counts what the
    earlier runs wrote too); ``duplicates`` the records skipped because their id had just been
    written; ``requests`` (HTTP requests sent, retries included), ``retries``,
    ``rate_limited`` (429 answers), ``elapsed`` (seconds) and ``rate`` (records per second)
    are this run's. ``expected_total`` is the API's own count of the records the query
    matches, and ``mismatch`` is true when the file holds a different number.
    """

    api: ApiName
    collection: str
    path: Path
    format: Format
    records: int
    pages: int
    duplicates: int
    requests: int
    retries: int
    rate_limited: int
    elapsed: float
    rate: float
    expected_total: int | None
    resumed: bool

    @property
    def mismatch(self) -> bool:
        """Whether the records written differ from the API's own count."""
        return self.expected_total is not None and self.records != self.expected_total


class _RecentIds:
    """The ids of the last few pages written, to skip a record that reappears nearby."""

    def __init__(self, pages: Iterable[list[Any]], keep: int) -> None:
        self._pages: deque[set[Any]] = deque((set(ids) for ids in pages), maxlen=keep)

    def fresh(self, records: list[dict[str, Any]], id_field: str) -> list[dict[str, Any]]:
        """``records`` without those whose id was seen; remember the rest as a new page."""
        # One set of the recent ids per page, not one generator over the pages per record.
        seen: set[Any] = set().union(*self._pages)
        page: set[Any] = set()
        kept = []
        for record in records:
            key = record.get(id_field)
            if key is None:
                kept.append(record)  # nothing to compare by; write it
                continue
            if key in page or key in seen:
                continue
            page.add(key)
            kept.append(record)
        self._pages.append(page)
        return kept

    def snapshot(self) -> list[list[Any]]:
        """The remembered ids, oldest page first, for a checkpoint."""
        return [list(ids) for ids in self._pages]


def _counters(client: BaseClient) -> tuple[int, int, int]:
    stats = client.stats
    return stats.requests, stats.retries, stats.rate_limited


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Run:
    """The state of one export while it runs."""

    def __init__(
        self,
        client: BaseClient,
        collection: Collection,
        path: Path,
        writer: Writer,
        format: Format,
        checkpoint: Checkpoint,
        output: Output,
        *,
        concurrency: int,
        progress: ProgressCallback | None,
        checkpoint_interval: float,
    ) -> None:
        self.client = client
        self.collection = collection
        self.path = path
        self.writer = writer
        self.format = format
        self.checkpoint = checkpoint
        self.output = output
        self.concurrency = concurrency
        self.progress = progress
        self.checkpoint_interval = checkpoint_interval
        self.recent = _RecentIds(checkpoint.recent_ids, DEDUPE_PAGES)
        self.records_before = checkpoint.records
        self.duplicates = 0
        self.total_pages: int | None = checkpoint.total_pages
        self.started = time.monotonic()
        self.last_commit = self.started
        self.counters_at_start = _counters(client)
        # True while a page's bytes are half-written: its state must not be checkpointed.
        self.writing = False

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def counters(self) -> tuple[int, int, int]:
        """Requests, retries and 429s so far."""
        now = _counters(self.client)
        start = self.counters_at_start
        return now[0] - start[0], now[1] - start[1], now[2] - start[2]

    def report(self, *, done: bool = False) -> None:
        if self.progress is None:
            return
        requests, retries, rate_limited = self.counters()
        self.progress(
            ExportProgress(
                api=self.collection.api,
                collection=self.collection.name,
                path=self.path,
                records=self.checkpoint.records,
                pages=self.checkpoint.pages,
                total_pages=self.total_pages,
                expected_total=self.checkpoint.expected_total,
                requests=requests,
                retries=retries,
                rate_limited=rate_limited,
                elapsed=self.elapsed(),
                done=done,
                records_this_run=self.checkpoint.records - self.records_before,
            )
        )

    def write(self, page: RawPage) -> None:
        """Write one page (in order), skipping recent duplicates; checkpoint when due."""
        checkpoint = self.checkpoint
        checkpoint.expected_total = page.total
        self.total_pages = max(self.total_pages or 0, page.total_pages)
        checkpoint.total_pages = self.total_pages
        records = self.recent.fresh(page.records, self.collection.listing.id_field)
        self.duplicates += len(page.records) - len(records)
        self.writing = True
        self.output.write(self.writer.encode(records))
        self.writing = False
        checkpoint.pages = page.number
        checkpoint.records += len(records)
        if time.monotonic() - self.last_commit >= self.checkpoint_interval:
            self.commit()
        self.report()

    def commit(self) -> None:
        self.checkpoint.recent_ids = self.recent.snapshot()
        self.output.commit(self.checkpoint)
        self.last_commit = time.monotonic()

    def finished(self) -> bool:
        return self.total_pages is not None and self.checkpoint.pages >= max(self.total_pages, 1)

    async def pages(self) -> None:
        """Fetch and write every page still missing."""
        collection, params = self.collection, self.checkpoint.params
        retry = page_retry(self.client.retry_policy)
        # The client's resource of that name (``client.orders``) serves the list's raw pages.
        resource = getattr(self.client, collection.name)
        assert isinstance(resource, Resource)

        async def fetch(number: int) -> RawPage:
            return await resource.raw_page(number, params=params, retry=retry)

        while not self.finished():
            first = self.checkpoint.pages + 1
            self.write(await fetch(first))
            if not collection.listing.paginated or self.total_pages is None:
                break
            rest = fetch_pages(
                fetch, first=first + 1, last=self.total_pages, concurrency=self.concurrency
            )
            async with contextlib.aclosing(rest):
                async for page in rest:
                    self.write(page)
            # Pages reported after page `first` may say the list grew: go round for the rest.

    def summary(self, *, resumed: bool) -> ExportSummary:
        requests, retries, rate_limited = self.counters()
        elapsed = self.elapsed()
        written = self.checkpoint.records - self.records_before
        return ExportSummary(
            api=self.collection.api,
            collection=self.collection.name,
            path=self.path,
            format=self.format,
            records=self.checkpoint.records,
            pages=self.checkpoint.pages,
            duplicates=self.duplicates,
            requests=requests,
            retries=retries,
            rate_limited=rate_limited,
            elapsed=elapsed,
            rate=written / elapsed if elapsed > 0 else 0.0,
            expected_total=self.checkpoint.expected_total,
            resumed=resumed,
        )


async def run(
    client: BaseClient,
    collection: Collection,
    path: str | os.PathLike[str],
    *,
    source: str,
    format: Format = DEFAULT_FORMAT,
    concurrency: int = 8,
    resume: bool = False,
    overwrite: bool = False,
    start_date: dt.date | dt.datetime | None = None,
    end_date: dt.date | dt.datetime | None = None,
    progress: ProgressCallback | None = None,
    checkpoint_interval: float = 1.0,
) -> ExportSummary:
    """Export ``collection`` through ``client`` into ``path``; see the module docstring.

    ``source`` names the store ``client`` reads (recorded in the checkpoint: a resume must
    give the same). The other arguments are the :class:`ExportOptions`, with their defaults.

    Raises:
        ValidationError: a bad argument (format, concurrency, dates, both resume and overwrite).
        ExportError: the files at ``path`` do not allow this run (see :class:`Output`).
        APIError, ConnectionError, TimeoutError, DecodeError: a page could not be fetched
            after the transport's retries; the state is left resumable.
        OSError: the output cannot be written.
    """
    check_format(format)
    integer("concurrency", concurrency, minimum=1)
    if not isinstance(path, str | os.PathLike):
        raise ValidationError("path", f"must be a file path, got {type(path).__name__}")
    if resume and overwrite:
        raise ValidationError("overwrite", "cannot be combined with resume: choose one")
    final = Path(path)
    writer = make_writer(
        format, collection.model, exclude=collection.csv_exclude, extra=collection.csv_extra
    )
    now = _utc_now()
    pinned_at = collection.listing.pin(now) if collection.pin else None
    params = collection.params(
        pinned_at=pinned_at,
        start_date=start_date,
        end_date=end_date,
        has_key=client.has_api_key,
    )
    fresh = Checkpoint(
        api=collection.api,
        collection=collection.name,
        format=format,
        source=source,
        filters={
            "start_date": None if start_date is None else start_date.isoformat(),
            "end_date": None if end_date is None else end_date.isoformat(),
        },
        params=params,
        started_at=now.isoformat(),
    )
    output = Output(final)
    checkpoint, complete = output.open(
        fresh, header=writer.header(), resume=resume, overwrite=overwrite
    )
    resumed = complete or checkpoint is not fresh
    state = _Run(
        client,
        collection,
        final,
        writer,
        format,
        checkpoint,
        output,
        concurrency=concurrency,
        progress=progress,
        checkpoint_interval=checkpoint_interval,
    )
    if complete:
        if checkpoint is fresh:  # finished by an earlier run that left no checkpoint
            checkpoint.records = count_records(final, format)
        state.report(done=True)
        return state.summary(resumed=True)
    try:
        if not resumed and pinned_at is not None:
            # Wait for a whole-second bound to pass (see Listing.pin), plus a margin for
            # a server clock slightly behind this one: at most about a second.
            wait = pinned_at.timestamp() - time.time()
            if wait > 0:
                await asyncio.sleep(wait + _PIN_MARGIN)
        await state.pages()
        output.finish(checkpoint)
    except BaseException:
        if checkpoint.pages == 0:
            # Nothing written (a refused key, an unreachable host): leave nothing in the way.
            with contextlib.suppress(OSError):
                output.discard()
            raise
        # Ctrl-C, a failed page, a full disk: keep what is complete, for a resume.
        with contextlib.suppress(Exception):
            if not state.writing:
                state.commit()
        output.close()
        raise
    state.report(done=True)
    return state.summary(resumed=resumed)
