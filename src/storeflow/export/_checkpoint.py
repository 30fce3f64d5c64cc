"""Where an export stands, kept beside its output so that a later run can resume it.

An export to ``orders.jsonl`` writes ``orders.jsonl.part`` and, next to it,
``orders.jsonl.checkpoint.json``. The checkpoint says which store and query the export reads
(the query's parameters include the time bound pinned at the start), how many pages and records
are complete, and how many bytes of the ``.part`` file hold them — measured after an ``fsync``
of the ``.part`` file, so those bytes are on disk before the checkpoint that counts them is —
with the SHA-256 of exactly those bytes. Anything after that length (a page written since, a
half-written line) is cut off on resume; a ``.part`` file whose first ``offset`` bytes no longer
have that digest, or whose offset is not at the end of a line, is refused.

The checkpoint file itself is replaced atomically: written to a temporary file of this run's
own, flushed to disk, renamed over the old one, and the directory synced, so a crash leaves
either the old checkpoint or the new one, never a torn one. It carries a seal (the SHA-256 of
its canonical content) and every field is type-checked on load: a checkpoint edited by hand or
damaged is refused (:class:`ExportStateError`) with how to start over, never trusted.

While an export runs it holds an exclusive OS lock (``flock``) on ``<path>.lock``; the lock dies
with the process, so a killed export never leaves it stuck, and a second export of the same
output is refused at once with the holder's pid.

Crash points: every step of the write/commit sequence calls :func:`crash_point` with its name
(:data:`CRASH_POINTS`). Under test, setting ``STOREFLOW_EXPORT_CRASH_AT=<name>[:<n>]`` makes the
process die (``os._exit``) at the ``n``-th pass of that step, which proves each is resumable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Final

import attrs
import orjson

from storeflow.errors import ExportError, ExportStateError

if sys.platform != "win32":
    import fcntl

__all__ = [
    "CRASH_EXIT",
    "CRASH_POINTS",
    "EMPTY_DIGEST",
    "VERSION",
    "Checkpoint",
    "ExportError",
    "Output",
    "crash_point",
    "fsync_directory",
    "load",
    "save",
]

VERSION: Final = 2
"""The checkpoint layout this module writes and reads."""

EMPTY_DIGEST: Final = hashlib.sha256(b"").hexdigest()
"""The digest of no bytes: a checkpoint of an empty ``.part`` file."""

CRASH_POINTS: Final = (
    "save.temporary-written",
    "save.temporary-synced",
    "save.renamed",
    "open.checkpoint-saved",
    "open.part-created",
    "commit.part-synced",
    "finish.committed",
    "finish.renamed",
    "finish.directory-synced",
    "finish.checkpoint-removed",
)
"""Every named step of the write/commit sequence, in the order a fresh export passes them."""

CRASH_EXIT: Final = 70
"""The exit status of a process stopped at a crash point."""

_CRASH_ENV: Final = "STOREFLOW_EXPORT_CRASH_AT"
_passes: Counter[str] = Counter()

# How messages name the two ways out, for callers of the Python API and of the command alike.
_RESUME: Final = "resume=True (--resume)"
_OVERWRITE: Final = "overwrite=True (--overwrite)"

#: The largest count a checkpoint may hold: exact in every JSON reader (2**53).
_MAX_COUNT: Final = 2**53
_MAX_RECENT_PAGES: Final = 64


def crash_point(name: str) -> None:
    """Mark the step ``name`` of the write/commit sequence (one of :data:`CRASH_POINTS`).

    A no-op unless ``STOREFLOW_EXPORT_CRASH_AT`` names this step (as ``name`` or ``name:n``):
    then the process exits at once with :data:`CRASH_EXIT` at the ``n``-th pass (default the
    first), like a SIGKILL there, without flushing or cleaning anything.
    """
    wanted = os.environ.get(_CRASH_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _passes[name] += 1
    if _passes[name] == int(nth or 1):
        os._exit(CRASH_EXIT)


def _start_over(problem: str) -> ExportStateError:
    return ExportStateError(f"{problem}; start over with {_OVERWRITE}")


@attrs.define(kw_only=True)
class Checkpoint:
    """The progress of one export (one collection into one file).

    ``source`` names the store read (base URL and data set) and ``filters`` the date range as
    the caller gave it (a resume must give the same of both);
    ``params`` the query the export sends on every page, pinned when it started (a resume
    sends the same). ``pages`` is the number of the last page completely written, ``records``
    the number of records written up to it and ``offset`` the length of the ``.part`` file that
    holds exactly them, ``digest`` the SHA-256 (hex) of those bytes. ``total_pages`` and
    ``expected_total`` are what the API last reported. ``recent_ids`` keeps the record ids of
    the last few pages, oldest page first, to go on de-duplicating across the resume.
    """

    api: str
    collection: str
    format: str
    source: str
    filters: dict[str, str | None]
    params: dict[str, Any]
    started_at: str
    pages: int = 0
    records: int = 0
    offset: int = 0
    digest: str = EMPTY_DIGEST
    total_pages: int | None = None
    expected_total: int | None = None
    recent_ids: list[list[Any]] = attrs.Factory(list)
    version: int = VERSION


def fsync_directory(directory: Path) -> None:
    """Flush ``directory``'s entries (a rename or a new file in it) to disk.

    A no-op where directories cannot be opened for syncing (Windows).
    """
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the rename is as durable as it gets
    finally:
        os.close(fd)


def _seal(fields: dict[str, Any]) -> str:
    """The SHA-256 of ``fields`` in canonical form (sorted keys, compact)."""
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


def save(path: Path, checkpoint: Checkpoint) -> None:
    """Replace the checkpoint at ``path`` atomically (temporary file, fsync, rename, dir fsync).

    The temporary file has a name of its own (``.<name>.<random>.tmp``), so no other run can
    rename or remove it under this one.

    Raises ``OSError`` if the file cannot be written.
    """
    fields = attrs.asdict(checkpoint)
    data = orjson.dumps({**fields, "seal": _seal(fields)}, option=orjson.OPT_INDENT_2)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            crash_point("save.temporary-written")
            file.flush()
            os.fsync(file.fileno())
        crash_point("save.temporary-synced")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    crash_point("save.renamed")
    fsync_directory(path.parent)


def _count(value: Any, *, none: bool = False) -> bool:
    if value is None:
        return none
    return type(value) is int and 0 <= value <= _MAX_COUNT


def _problems(fields: dict[str, Any]) -> list[str]:
    """What is wrong with the types and consistency of a checkpoint's ``fields``."""
    problems = [
        f"{name} is not a string"
        for name in ("api", "collection", "format", "source", "started_at", "digest")
        if not isinstance(fields.get(name), str)
    ]
    filters = fields.get("filters")
    if not (
        isinstance(filters, dict)
        and set(filters) == {"start_date", "end_date"}
        and all(v is None or isinstance(v, str) for v in filters.values())
    ):
        problems.append("filters is not a start_date/end_date pair")
    params = fields.get("params")
    if not (
        isinstance(params, dict)
        and all(isinstance(v, str | int | float | bool) for v in params.values())
    ):
        problems.append("params is not a mapping of names to values")
    for name in ("pages", "records", "offset"):
        if not _count(fields.get(name)):
            problems.append(f"{name} is not a whole number from 0 to 2**53")
    for name in ("total_pages", "expected_total"):
        if not _count(fields.get(name), none=True):
            problems.append(f"{name} is not null or a whole number from 0 to 2**53")
    recent = fields.get("recent_ids")
    if not (
        isinstance(recent, list)
        and len(recent) <= _MAX_RECENT_PAGES
        and all(isinstance(ids, list) and all(type(i) in (str, int) for i in ids) for ids in recent)
    ):
        problems.append("recent_ids is not a list of id lists")
    if problems:
        return problems
    digest: str = fields["digest"]
    if len(digest) != 64 or digest.strip("0123456789abcdef"):
        problems.append("digest is not a SHA-256")
    try:
        dt.datetime.fromisoformat(fields["started_at"])
    except ValueError:
        problems.append("started_at is not an ISO date-time")
    total_pages = fields["total_pages"]
    if total_pages is not None and fields["pages"] > max(total_pages, 1):
        problems.append(f"pages ({fields['pages']}) is beyond total_pages ({total_pages})")
    if fields["records"] > fields["offset"]:
        problems.append("more records than bytes")
    return problems


def load(path: Path) -> Checkpoint | None:
    """The checkpoint at ``path``, or ``None`` if there is none.

    Raises:
        ExportError: the file was written by another version of storeflow.
        ExportStateError: the file is not JSON, its seal does not match its content (edited by
            hand, damaged), or a field has the wrong type or contradicts another.
        OSError: the file exists but cannot be read.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        fields = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise _start_over(f"{path} is not a valid export checkpoint (not JSON)") from None
    if not isinstance(fields, dict):
        raise _start_over(f"{path} is not a valid export checkpoint (not an object)")
    if fields.get("version") != VERSION:
        raise ExportError(
            f"{path} was written by another version of storeflow; start over with {_OVERWRITE}"
        )
    seal = fields.pop("seal", None)
    names = {field.name for field in attrs.fields(Checkpoint)}
    if set(fields) != names:
        raise _start_over(f"{path} is not a valid export checkpoint (wrong fields)")
    problems = _problems(fields)
    if problems:
        raise _start_over(f"{path} is not a valid export checkpoint ({'; '.join(problems)})")
    if seal != _seal(fields):
        raise _start_over(f"{path} was changed since the export wrote it (its seal differs)")
    return Checkpoint(**fields)


class _Lock:
    """An exclusive ``flock`` on ``<final>.lock`` for the whole run (none on Windows).

    The OS drops it when the process ends, however it ends. The file holds the holder's pid for
    the message another run shows, and is removed when the lock is released.
    """

    def __init__(self, final: Path) -> None:
        self.final = final
        self.path = final.with_name(f"{final.name}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock.

        Raises:
            ExportError: another export of the same output holds it (the message names the
                output and that export's pid).
            OSError: the lock file cannot be created.
        """
        if sys.platform == "win32":
            return
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise ExportError(
                    f"another export of {self.final} is running (pid {holder}); wait for it to "
                    "finish, or stop it and resume"
                ) from None
            # The holder before us may have removed the file after we opened it: the lock is
            # only ours if the name still leads to the file we locked.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            os.close(fd)


def _digest(file: BinaryIO, length: int) -> tuple[Any, int]:
    """The SHA-256 object of the first ``length`` bytes of ``file`` and the last of them
    (``-1`` when ``length`` is 0); reads in blocks, so memory stays flat."""
    hasher = hashlib.sha256()
    file.seek(0)
    left, last = length, -1
    while left:
        block = file.read(min(left, 1 << 20))
        if not block:
            break
        hasher.update(block)
        left -= len(block)
        last = block[-1]
    return hasher, last


class Output:
    """An export's output while it is written: ``<final>.part``, its checkpoint and its lock.

    Protocol: :meth:`open` (takes the lock; a fresh start or a resume), then :meth:`write` page
    after page with :meth:`commit` now and then to make everything written so far durable and
    resumable, then :meth:`finish` (the ``.part`` file becomes the final file and the checkpoint
    goes), or :meth:`close` to stop and leave a resumable state, or :meth:`discard` to leave
    nothing. Each of the last three releases the lock.
    """

    def __init__(self, final: Path) -> None:
        self.final = final
        self.part = final.with_name(f"{final.name}.part")
        self.checkpoint_path = final.with_name(f"{final.name}.checkpoint.json")
        self._lock = _Lock(final)
        self._file: BinaryIO | None = None
        self._hash: Any = hashlib.sha256()

    def started(self) -> bool:
        """Whether an export into :attr:`final` has started (or finished) here: its final file,
        ``.part`` file, checkpoint, lock file or a temporary checkpoint of a run that died while
        saving. ``--resume`` needs one of them; the last two are what a crash before the first
        checkpoint leaves behind."""
        return (
            self.final.exists()
            or self.part.exists()
            or self.checkpoint_path.exists()
            or self._lock.path.exists()
            or any(self._stale_temporaries())
        )

    def _stale_temporaries(self) -> Iterator[Path]:
        return self.final.parent.glob(f".{self.checkpoint_path.name}.*.tmp")

    def open(
        self, fresh: Checkpoint, *, header: bytes, resume: bool, overwrite: bool
    ) -> tuple[Checkpoint, bool]:
        """Get ready to write; return the checkpoint to continue from and whether it is complete.

        Another export of the same output is refused first. With ``resume`` and a checkpoint on
        disk, the ``.part`` file is checked against it (the digest of its first ``offset`` bytes,
        an offset at the end of a line), cut back to that length (dropping any page written
        after it and any half-written line) and the stored checkpoint is returned. A checkpoint
        that counts nothing but whose ``.part`` file never appeared (a crash right after the
        first save) starts that file afresh. If the ``.part`` file is gone but the final file is
        there and matches the checkpoint, the earlier run had finished and only failed to remove
        its checkpoint: it is removed and ``(checkpoint, True)`` returned; likewise, with
        ``resume``, a final file and nothing unfinished give ``(fresh, True)``. Otherwise (no
        checkpoint, or ``overwrite``) ``fresh`` is saved and a new ``.part`` file, holding
        ``header``, is started. The header is written whenever the ``.part`` file starts empty,
        so a resumed CSV has it once. When complete, the lock is released at once.

        Raises:
            ExportError: another export of this output is running; an unfinished export is
                there and neither ``resume`` nor ``overwrite`` was given; the final file exists
                and ``overwrite`` was not given, or is a directory; the checkpoint belongs to a
                different export.
            ExportStateError: the checkpoint is damaged or edited, or the ``.part`` (or final)
                file does not match it.
            OSError: a file cannot be read or written.
        """
        if self.final.is_dir():
            raise ExportError(f"{self.final} is a directory: give the path of a file")
        self._lock.acquire()
        try:
            # Temporary checkpoints of runs that died mid-save: no other run can own one now.
            for stale in self._stale_temporaries():
                stale.unlink(missing_ok=True)
            checkpoint, complete = self._open(fresh, header, resume=resume, overwrite=overwrite)
        except BaseException:
            self.close()
            raise
        if complete:
            self.close()
        return checkpoint, complete

    def _open(
        self, fresh: Checkpoint, header: bytes, *, resume: bool, overwrite: bool
    ) -> tuple[Checkpoint, bool]:
        stored = None if overwrite else load(self.checkpoint_path)
        if stored is not None and resume:
            self._check_same(stored, fresh)
            if self.part.exists():
                self._resume_part(stored, header)
                return stored, False
            if self.final.exists():
                self._check_final(stored)
                self.checkpoint_path.unlink()
                return stored, True
            if stored.pages or stored.offset:
                raise _start_over(
                    f"{self.part} is gone, with the pages {self.checkpoint_path} counts"
                )
            self._start_part(header)  # a crash right after the first save: nothing was written
            return stored, False
        if resume and stored is None and not self.part.exists() and self.final.exists():
            return fresh, True  # an earlier run finished this export
        if not overwrite:
            # With resume but no checkpoint, a .part file holds nothing known to be complete.
            if not resume and (stored is not None or self.part.exists()):
                raise ExportError(
                    f"an unfinished export of {self.final} is there: "
                    f"continue it with {_RESUME}, or start over with {_OVERWRITE}"
                )
            if self.final.exists():
                raise ExportError(f"{self.final} already exists: replace it with {_OVERWRITE}")
        save(self.checkpoint_path, fresh)
        crash_point("open.checkpoint-saved")
        self._start_part(header)
        return fresh, False

    def _start_part(self, header: bytes) -> None:
        self._file = self.part.open("wb")
        crash_point("open.part-created")
        self._hash = hashlib.sha256()
        self.write(header)

    def _resume_part(self, stored: Checkpoint, header: bytes) -> None:
        self._file = file = self.part.open("r+b")
        size = os.fstat(file.fileno()).st_size
        if size < stored.offset:
            raise _start_over(
                f"{self.part} is shorter than its checkpoint says ({size} < {stored.offset} bytes)"
            )
        self._hash, last = _digest(file, stored.offset)
        if stored.offset and last != ord("\n"):
            raise _start_over(f"{self.checkpoint_path} counts bytes that end mid-line")
        if self._hash.hexdigest() != stored.digest:
            raise _start_over(f"{self.part} was changed since its last checkpoint (digest differs)")
        file.truncate(stored.offset)
        file.seek(stored.offset)
        if stored.offset == 0:
            self.write(header)

    def _check_final(self, stored: Checkpoint) -> None:
        with self.final.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            hasher, _ = _digest(file, stored.offset)
        if size != stored.offset or hasher.hexdigest() != stored.digest:
            raise _start_over(
                f"{self.final} is not the file {self.checkpoint_path} describes (another export "
                "finished there, or it was changed)"
            )

    @staticmethod
    def _check_same(stored: Checkpoint, fresh: Checkpoint) -> None:
        for name in ("api", "collection", "format", "source", "filters"):
            if getattr(stored, name) != getattr(fresh, name):
                raise ExportError(
                    f"the unfinished export there has {name} {getattr(stored, name)!r}, not "
                    f"{getattr(fresh, name)!r}; start over with {_OVERWRITE}"
                )
        if set(stored.params) != set(fresh.params):
            raise _start_over(
                f"the unfinished export there sends the parameters {sorted(stored.params)}, not "
                f"{sorted(fresh.params)}"
            )

    def _require_file(self) -> BinaryIO:
        if self._file is None:
            raise RuntimeError("the output is not open")
        return self._file

    def write(self, data: bytes) -> None:
        """Append ``data`` (whole records only) to the ``.part`` file.

        Raises ``OSError`` if the write fails, ``RuntimeError`` if the output is not open.
        """
        self._require_file().write(data)
        self._hash.update(data)

    def commit(self, checkpoint: Checkpoint) -> None:
        """Make everything written so far durable and record ``checkpoint`` as the resume point.

        The ``.part`` file is flushed and fsync'd first; then ``checkpoint.offset`` is set to
        its length, ``checkpoint.digest`` to the digest of those bytes, and the checkpoint saved
        atomically.

        Raises ``OSError`` if a write or sync fails, ``RuntimeError`` if the output is not open.
        """
        file = self._require_file()
        file.flush()
        os.fsync(file.fileno())
        crash_point("commit.part-synced")
        checkpoint.offset = file.tell()
        checkpoint.digest = self._hash.hexdigest()
        save(self.checkpoint_path, checkpoint)

    def finish(self, checkpoint: Checkpoint) -> None:
        """:meth:`commit` ``checkpoint`` (the complete export), rename the ``.part`` file to the
        final name, sync the directory, remove the checkpoint, and release the lock.

        Committing first means a crash between the rename and the removal leaves a checkpoint
        that counts (and digests) the whole file, which :meth:`open` with ``resume`` then
        recognises as complete.

        Raises ``OSError`` if a step fails (the checkpoint then still allows a resume),
        ``RuntimeError`` if the output is not open.
        """
        self.commit(checkpoint)
        crash_point("finish.committed")
        file, self._file = self._require_file(), None
        file.close()
        os.replace(self.part, self.final)
        crash_point("finish.renamed")
        fsync_directory(self.final.parent)
        crash_point("finish.directory-synced")
        self.checkpoint_path.unlink(missing_ok=True)
        crash_point("finish.checkpoint-removed")
        self.close()

    def discard(self) -> None:
        """Close and remove the ``.part`` file and the checkpoint (a run that wrote nothing).

        Raises ``OSError`` if a file cannot be removed.
        """
        try:
            self.part.unlink(missing_ok=True)
            self.checkpoint_path.unlink(missing_ok=True)
        finally:
            self.close()

    def close(self) -> None:
        """Close the ``.part`` file, leaving it and the checkpoint for a resume, and release the
        lock. Idempotent."""
        file, self._file = self._file, None
        if file is not None:
            file.close()
        self._lock.release()
