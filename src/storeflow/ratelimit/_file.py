"""The window backend for the processes of one machine: the log in a small, locked file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING

from storeflow.ratelimit._log import WindowLog

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from storeflow.ratelimit._rate import RateLimit

__all__ = ["FileBackend"]

logger = logging.getLogger("storeflow")


class FileBackend:
    """Window state in a small file, shared by every process on this machine that uses it.

    For several worker processes (e.g. of a web server) that share one IP and so one budget.
    Each call takes an exclusive ``flock`` on the file for the few microseconds it needs to read
    and rewrite the log. The file must be on a local file system (``flock`` over NFS is not
    reliable) and is created, readable by its owner only, if missing.

    All processes must pass times from one system-wide clock. :class:`WindowLimiter` passes its
    event loop's ``time()``, which for the standard asyncio loops (and uvloop) is
    ``time.monotonic()``: on Linux and macOS that clock counts from boot and is shared by every
    process. An event loop with its own clock cannot share a ``FileBackend``.

    Raises:
        OSError: on Windows, which has no ``flock``; and from any call if the file cannot be
            opened or locked.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if sys.platform == "win32":
            raise OSError("FileBackend needs POSIX file locks (fcntl.flock)")
        self.path = os.fspath(path)
        self._reported = False

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[WindowLog]:
        """Yield the log read under an exclusive lock; write it back if it changed."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd is closed
            before = os.pread(fd, os.fstat(fd).st_size, 0)
            numbers = array("d")
            if len(before) % numbers.itemsize == 0:
                numbers.frombytes(before)
                log = WindowLog.read(numbers)
            else:
                log = WindowLog(lost=True)  # torn or foreign bytes
            yield log
            if (log.lost or log.rebuilt) and not self._reported:
                self._reported = True
                logger.warning(
                    "rate-limit state %s was corrupt; rebuilding it, admitting nothing for one "
                    "window",
                    self.path,
                )
            if log.lost:
                return  # nothing known to write; the next reserve() rebuilds it
            after = array("d", [log.resume_at, *log.slots]).tobytes()
            if after != before:
                os.pwrite(fd, after, 0)
                os.ftruncate(fd, len(after))
        finally:
            os.close(fd)

    def reserve(self, now: float, rate: RateLimit) -> float:
        """See :meth:`WindowBackend.reserve`."""
        with self._transaction() as log:
            return log.reserve(now, rate)

    def release(self, slot: float) -> None:
        """See :meth:`WindowBackend.release`."""
        with self._transaction() as log:
            log.release(slot)

    def pause_until(self, t: float) -> None:
        """See :meth:`WindowBackend.pause_until`."""
        with self._transaction() as log:
            log.pause_until(t)

    def resume_at(self) -> float:
        """See :meth:`WindowBackend.resume_at`."""
        with self._transaction() as log:
            return log.paused_until()

    def forecast(self, now: float, rate: RateLimit, count: int) -> float:
        """The time by which ``count`` more slots could be handed out, reserving nothing."""
        with self._transaction() as log:
            return log.forecast(now, rate, count)

    def __repr__(self) -> str:
        return f"FileBackend({self.path!r})"
