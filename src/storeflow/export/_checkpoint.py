"""Where an export stands, kept beside its output so that a later run can resume it.

An export to ``orders.jsonl`` writes ``orders.jsonl.part`` and, next to it,
``orders.jsonl.checkpoint.json``. The checkpoint says which store and query the export reads
(the query's parameters include the time bound pinned at the start), how many pages and records
are complete, and how many bytes of the ``.part`` file hold them — measured after an ``fsync``
of the ``.part`` file, so those bytes are on disk before the checkpoint that counts them is.
Anything after that length (a page written since, a half-written line) is cut off on resume.

The checkpoint file itself is replaced atomically: written to a temporary file, flushed to
disk, renamed over the old one, and the directory synced, so a crash leaves either the old
checkpoint or the new one, never a torn one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO, Final

import attrs
import orjson

from storeflow.errors import StoreflowError

__all__ = ["VERSION", "Checkpoint", "ExportError", "Output", "fsync_directory", "load", "save"]

VERSION: Final = 1
"""The checkpoint layout this module writes and reads."""

# How messages name the two ways out, for callers of the Python API and of the command alike.
_RESUME: Final = "resume=True (--resume)"
_OVERWRITE: Final = "overwrite=True (--overwrite)"


class ExportError(StoreflowError):
    """The files of an export do not allow this run.

    Raised when an unfinished export is in the way and neither ``resume`` nor ``overwrite`` was
    asked for, when the output exists and ``overwrite`` was not asked for, and when a checkpoint
    is corrupt, belongs to a different export, or no longer matches its ``.part`` file.
    """


@attrs.define(kw_only=True)
class Checkpoint:
    """The progress of one export (one collection into one file).

    ``source`` names the store read (base URL and data set) and ``filters`` the date range as
    the caller gave it (a resume must give the same of both);
    ``params`` the query the export sends on every page, pinned when it started (a resume
    sends the same). ``pages`` is the number of the last page completely written, ``records``
    the number of records written up to it and ``offset`` the length of the ``.part`` file that
    holds exactly them. ``total_pages`` and ``expected_total`` are what the API last reported.
    ``recent_ids`` keeps the record ids of the last few pages, oldest page first, to go on
    de-duplicating across the resume.
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


def save(path: Path, checkpoint: Checkpoint) -> None:
    """Replace the checkpoint at ``path`` atomically (temporary file, fsync, rename, dir fsync).

    Raises ``OSError`` if the file cannot be written.
    """
    temporary = path.with_name(f"{path.name}.tmp")
    data = orjson.dumps(attrs.asdict(checkpoint), option=orjson.OPT_INDENT_2)
    with temporary.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    fsync_directory(path.parent)


def load(path: Path) -> Checkpoint | None:
    """The checkpoint at ``path``, or ``None`` if there is none.

    Raises:
        ExportError: the file exists but is not a checkpoint this version can read.
        OSError: the file exists but cannot be read.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        fields = orjson.loads(data)
        if fields.get("version") != VERSION:
            raise ExportError(f"{path} was written by another version of storeflow")
        checkpoint = Checkpoint(**fields)
    except (orjson.JSONDecodeError, AttributeError, TypeError) as exc:
        raise ExportError(f"{path} is not a valid export checkpoint ({exc})") from None
    if not (checkpoint.offset >= 0 and checkpoint.pages >= 0 and checkpoint.records >= 0):
        raise ExportError(f"{path} is not a valid export checkpoint (negative progress)")
    return checkpoint


class Output:
    """An export's output while it is written: ``<final>.part`` and its checkpoint.

    Protocol: :meth:`open` (a fresh start or a resume), then :meth:`write` page after page with
    :meth:`commit` now and then to make everything written so far durable and resumable, then
    :meth:`finish` (the ``.part`` file becomes the final file and the checkpoint goes), or
    :meth:`close` to stop and leave a resumable state, or :meth:`discard` to leave nothing.
    """

    def __init__(self, final: Path) -> None:
        self.final = final
        self.part = final.with_name(f"{final.name}.part")
        self.checkpoint_path = final.with_name(f"{final.name}.checkpoint.json")
        self._file: BinaryIO | None = None

    def open(
        self, fresh: Checkpoint, *, header: bytes, resume: bool, overwrite: bool
    ) -> tuple[Checkpoint, bool]:
        """Get ready to write; return the checkpoint to continue from and whether it is complete.

        With ``resume`` and a checkpoint on disk, the ``.part`` file is cut back to the
        checkpoint's length (dropping any page written after it and any half-written line) and
        the stored checkpoint is returned. If the ``.part`` file is gone but the final file is
        there, the earlier run had finished and only failed to remove its checkpoint: it is
        removed and ``(checkpoint, True)`` returned; likewise, with ``resume``, a final file and
        nothing unfinished give ``(fresh, True)``. Otherwise (no checkpoint, or ``overwrite``)
        ``fresh`` is saved and a new ``.part`` file, holding ``header``, is started. The header
        is written whenever the ``.part`` file starts empty, so a resumed CSV has it once.

        Raises:
            ExportError: an unfinished export is there and neither ``resume`` nor ``overwrite``
                was given; the final file exists and ``overwrite`` was not given, or is a
                directory; the checkpoint belongs to a different export or its ``.part`` file is
                shorter than it says.
            OSError: a file cannot be read or written.
        """
        if self.final.is_dir():
            raise ExportError(f"{self.final} is a directory: give the path of a file")
        stored = None if overwrite else load(self.checkpoint_path)
        if stored is not None and resume:
            self._check_same(stored, fresh)
            if not self.part.exists():
                if not self.final.exists():
                    raise ExportError(
                        f"the unfinished export of {self.final} has lost what it wrote; "
                        f"start over with {_OVERWRITE}"
                    )
                self.checkpoint_path.unlink()
                return stored, True
            self._file = self.part.open("r+b")
            size = os.fstat(self._file.fileno()).st_size
            if size < stored.offset:
                self.close()
                raise ExportError(
                    f"{self.part} is shorter than its checkpoint says ({size} < {stored.offset} "
                    f"bytes); start over with {_OVERWRITE}"
                )
            self._file.truncate(stored.offset)
            self._file.seek(stored.offset)
            if stored.offset == 0:
                self._file.write(header)
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
        self._file = self.part.open("wb")
        self._file.write(header)
        return fresh, False

    @staticmethod
    def _check_same(stored: Checkpoint, fresh: Checkpoint) -> None:
        for name in ("api", "collection", "format", "source", "filters"):
            if getattr(stored, name) != getattr(fresh, name):
                raise ExportError(
                    f"the unfinished export there has {name} {getattr(stored, name)!r}, not "
                    f"{getattr(fresh, name)!r}; start over with {_OVERWRITE}"
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

    def commit(self, checkpoint: Checkpoint) -> None:
        """Make everything written so far durable and record ``checkpoint`` as the resume point.

        The ``.part`` file is flushed and fsync'd first; then ``checkpoint.offset`` is set to
        its length and the checkpoint saved atomically.

        Raises ``OSError`` if a write or sync fails, ``RuntimeError`` if the output is not open.
        """
        file = self._require_file()
        file.flush()
        os.fsync(file.fileno())
        checkpoint.offset = file.tell()
        save(self.checkpoint_path, checkpoint)

    def finish(self, checkpoint: Checkpoint) -> None:
        """:meth:`commit` ``checkpoint`` (the complete export), rename the ``.part`` file to the
        final name, sync the directory, and remove the checkpoint.

        Committing first means a crash between the rename and the removal leaves a checkpoint
        that counts the whole file, which :meth:`open` with ``resume`` then reports as complete.

        Raises ``OSError`` if a step fails (the checkpoint then still allows a resume),
        ``RuntimeError`` if the output is not open.
        """
        self.commit(checkpoint)
        self.close()
        os.replace(self.part, self.final)
        fsync_directory(self.final.parent)
        self.checkpoint_path.unlink(missing_ok=True)

    def discard(self) -> None:
        """Close and remove the ``.part`` file and the checkpoint (a run that wrote nothing).

        Raises ``OSError`` if a file cannot be removed.
        """
        self.close()
        self.part.unlink(missing_ok=True)
        self.checkpoint_path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the ``.part`` file, leaving it and the checkpoint for a resume. Idempotent."""
        file, self._file = self._file, None
        if file is not None:
            file.close()
