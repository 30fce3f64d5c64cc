"""What ``storeflow export`` and ``storeflow demo`` show while they run, and when each
collection is done (:func:`summary_line`, :func:`mismatch_line`).

On a terminal: a live table, one labelled row per collection, fitting 80 columns, with the
reason for any wait under it. Elsewhere: plain lines on stderr, only for collections that take
a while, plus a line whenever requests wait. Either way the command is never silent for more
than a few seconds: a :class:`Watch` per client reads its limiter's schedule and the requests
still unanswered, so "waiting for the rate-limit window: next slot in 12 s" or "no answer from
host yet after 4 s, attempt 2 of 3" appears long before a timeout ends the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Final, TextIO

import attrs

from storeflow._client import BaseClient
from storeflow.export import ExportProgress, ExportSummary
from storeflow.ratelimit import BoundedLimiter

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

__all__ = [
    "Display",
    "Watch",
    "console_for",
    "count",
    "duration",
    "mismatch_line",
    "summary_line",
]

_LOG_EVERY: Final = 2.0  # seconds between plain progress lines of one collection
_STATUS_EVERY: Final = 5.0  # seconds between plain lines repeating the same kind of wait
_TICK: Final = 0.25  # seconds between looks at what the requests wait for
_SLOW_ANSWER: Final = 3.0  # an answer this late is reported (sooner with short timeouts)
_SLOT_SHOWN: Final = 1.0  # a limiter wait this long is reported
# Jobs shorter than a second get no per-second rate (0.95 s prints as "1.0 s", and has one).
_RATED: Final = 0.95
_SECONDS: Final = re.compile(r"\d+ s\b")
#: What :func:`count` divides a large number by, the unit it then prints, and its decimals.
_UNITS: Final = ((1e9, "G", 1), (1e6, "M", 1), (1e3, "k", 0))


def console_for(stream: TextIO) -> Console:
    """A rich console on ``stream`` (:func:`storeflow.cli.main` has checked that rich is there)."""
    from rich.console import Console

    # Off a terminal rich assumes 80 columns, too narrow for the demo's summary table.
    return Console(file=stream, width=None if stream.isatty() else 120)


def duration(seconds: float) -> str:
    """``seconds`` in a few characters: ``0s``, ``42s``, ``3m05s``, ``2h07m``."""
    whole = int(seconds + 0.5)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def count(n: int) -> str:
    """``n`` in at most 6 characters: exact to 99,999, then ``123k``, ``1.2M``, ``3.4G``."""
    if n < 100_000:
        return f"{n:,}"
    size, unit, decimals = next(row for row in _UNITS if n >= row[0])
    return f"{n / size:.{decimals}f}{unit}"


def summary_line(s: ExportSummary) -> str:
    """The one line printed for a finished collection (a rate only for jobs of a second+)."""
    resumed = " (resumed)" if s.resumed else ""
    rate = f", {s.rate:,.0f} records/s" if s.elapsed >= _RATED else ""
    return (
        f"{s.api} {s.collection}: {s.records} records in {s.pages} pages{resumed}, "
        f"{s.requests} requests, {s.retries} retries, {s.rate_limited} rate-limited (429), "
        f"{s.elapsed:.1f} s{rate} -> {s.path}"
    )


def mismatch_line(s: ExportSummary) -> str:
    """The warning printed for a finished collection whose record count differs from the API's."""
    return (
        f"warning: {s.api} {s.collection}: wrote {s.records} records but the API counts "
        f"{s.expected_total} for the same query (records changed during the export?)"
    )


class Watch:
    """Says what the requests of one client are waiting for, if anything worth telling."""

    def __init__(self, api: str, client: BaseClient) -> None:
        self.api = api
        self._client = client
        timeout = client.timeout
        self._slow = min(_SLOW_ANSWER, timeout.connect / 2, timeout.total / 2)

    def status(self) -> str | None:
        """``"waiting for the rate-limit window: next slot in 12 s"``, ``"no answer from host
        yet after 4 s, attempt 2 of 3"``, or ``None`` while nothing is held up."""
        now = asyncio.get_running_loop().time()
        limiter = self._client.limiter
        if isinstance(limiter, BoundedLimiter):
            slot = limiter.next_slot()
            if slot is not None and slot - now >= _SLOT_SHOWN:
                return f"waiting for the rate-limit window: next slot in {slot - now:.0f} s"
        outstanding = self._client.stats.outstanding.values()
        if outstanding:
            sent, attempt = min(outstanding)
            if now - sent >= self._slow:
                attempts = self._client.retry_policy.max_retries + 1
                return (
                    f"no answer from host yet after {now - sent:.0f} s, "
                    f"attempt {attempt} of {attempts}"
                )
        return None

    def forecast(self, pages: int) -> float | None:
        """Seconds the limiter needs to admit ``pages`` more requests (``None``: no limiter
        that can say)."""
        limiter = self._client.limiter
        return limiter.forecast(pages) if isinstance(limiter, BoundedLimiter) else None


@attrs.define
class _Row:
    """One collection as the display knows it."""

    api: str
    collection: str
    started: float
    logged_at: float
    first_pages: int
    progress: ExportProgress


class Display:
    """Shows export progress: a rich live table on a terminal, plain lines on ``stream`` else.

    Feed it with :meth:`update` (the export's ``progress`` callback) and run the export inside
    ``async with display.running():``. ``console`` forces the live table onto that console.
    """

    def __init__(
        self, stream: TextIO, watches: Sequence[Watch], *, console: Console | None = None
    ) -> None:
        self.stream = stream
        self.console = console or (console_for(stream) if stream.isatty() else None)
        self.watches = {watch.api: watch for watch in watches}
        self.rows: dict[tuple[str, str], _Row] = {}
        self.statuses: dict[str, str] = {}
        self._status_logged: dict[str, tuple[str, float]] = {}

    def update(self, p: ExportProgress) -> None:
        """Take in an export's progress; off a terminal, print a line now and then."""
        now = time.monotonic()
        key = (p.api, p.collection)
        row = self.rows.get(key)
        if row is None:
            started = now - p.elapsed
            row = _Row(p.api, p.collection, started, started, p.pages, p)
            self.rows[key] = row
        row.progress = p
        if self.console is not None or p.done:
            return  # a finished collection gets its summary line, not a progress line too
        if now - row.started >= _LOG_EVERY and now - row.logged_at >= _LOG_EVERY:
            row.logged_at = now
            self._print(self._plain_line(p))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Display]:
        """Show the live table (on a terminal) and watch for waits while the body runs."""
        ticker = asyncio.create_task(self._tick())
        try:
            if self.console is None:
                yield self
            else:
                from rich.live import Live

                with Live(get_renderable=self.render, console=self.console, refresh_per_second=4):
                    yield self
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    async def _tick(self) -> None:
        while True:
            self.poll()
            await asyncio.sleep(_TICK)

    def poll(self) -> None:
        """Look at what the requests wait for; off a terminal, say it in a line."""
        now = time.monotonic()
        for api, watch in self.watches.items():
            status = watch.status()
            if status is None:
                self.statuses.pop(api, None)
                continue
            self.statuses[api] = status
            if self.console is not None:
                continue
            kind = _SECONDS.sub("", status)  # a new attempt is news; a clock ticking is not
            last = self._status_logged.get(api)
            if last is None or last[0] != kind or now - last[1] >= _STATUS_EVERY:
                self._status_logged[api] = (kind, now)
                self._print(f"{api}: {status}")

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    @staticmethod
    def _plain_line(p: ExportProgress) -> str:
        expected = "" if p.expected_total is None else f"/{p.expected_total}"
        pages = "" if p.total_pages is None else f"/{p.total_pages}"
        rate = f"{p.rate:,.0f} records/s, " if p.elapsed >= _RATED else ""
        return (
            f"{p.api} {p.collection}: {p.records}{expected} records, {p.pages}{pages} pages, "
            f"{rate}{p.requests} requests, {p.retries} retries, "
            f"{p.rate_limited} rate-limited (429), {p.elapsed:.1f} s"
        )

    def _eta(self, row: _Row) -> str:
        p = row.progress
        if p.done:
            return "done"
        if p.total_pages is None:
            return "?"
        left = max(p.total_pages - p.pages, 0)
        watch = self.watches.get(row.api)
        schedule = (None if watch is None else watch.forecast(left)) or 0.0
        fetched = p.pages - row.first_pages
        if fetched > 0 and p.elapsed > 0:
            # The pace so far, or the limiter's slots for the pages left if they come later.
            return duration(max(schedule, left * p.elapsed / fetched))
        # No pace yet: only a wait the limiter already knows of is worth showing.
        return duration(schedule) if schedule >= 1 else "?"

    def render(self) -> RenderableType:
        """The live view: a labelled table of the collections, then any waits."""
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(
            box=None, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False, header_style="bold"
        )
        table.add_column("collection", no_wrap=True, overflow="ellipsis")
        for header in ("records", "pages", "rate", "ETA", "elapsed", "retries", "429s"):
            table.add_column(header, justify="right", no_wrap=True, overflow="ellipsis")
        now = time.monotonic()
        shown_api = None
        for row in self.rows.values():
            p = row.progress
            if row.api != shown_api:
                table.add_row(Text(row.api, style="bold"))
                shown_api = row.api
            expected = "?" if p.expected_total is None else count(p.expected_total)
            pages = "?" if p.total_pages is None else count(p.total_pages)
            elapsed = p.elapsed if p.done else now - row.started
            table.add_row(
                f"  {row.collection}",
                f"{count(p.records)}/{expected}",
                f"{count(p.pages)}/{pages}",
                # The rate of the pages received so far: it stops when the row is done.
                f"{count(round(p.rate))}/s" if p.elapsed >= 1 else "-",
                self._eta(row),
                duration(elapsed),
                str(p.retries),
                str(p.rate_limited),
                style="green" if p.done else None,
            )
        waits = [Text(f"{api}: {status}", style="yellow") for api, status in self.statuses.items()]
        return Group(table, *waits)
