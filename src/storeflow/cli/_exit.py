"""The ``storeflow`` command's exit statuses (:class:`Exit`) and the one mapping from a
failure to its status and its line.

Expected failures (:data:`EXPECTED`) print one line, ``error: ...``, on stderr and no
traceback; anything else is a bug, and its traceback shows.
"""

from __future__ import annotations

import asyncio
import enum
import os
import re
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Final

from storeflow.errors import ExportStateError, StoreflowError

__all__ = [
    "EXPECTED",
    "Exit",
    "exit_status",
    "fail",
    "failure_line",
    "run",
]


class Exit(enum.IntEnum):
    """The statuses the command exits with."""

    #: Done.
    OK = 0
    #: The work failed: the API refused the key, the host cannot be reached, a file cannot be
    #: written, an unfinished export is in the way, another export of the same output is
    #: running, the sandbox cannot listen on its port.
    FAILED = 1
    #: Bad arguments (argparse's own status too, and the one for a missing ``cli`` extra), and
    #: an export state that is inconsistent (a damaged or edited checkpoint or ``.part`` file:
    #: the line says how to start over).
    USAGE = 2
    #: Interrupted (Ctrl-C); an export leaves a state that ``--resume`` continues.
    INTERRUPTED = 130


#: The failures a command reports in one line rather than a traceback.
EXPECTED: Final = (StoreflowError, OSError)

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


def exit_status(exc: BaseException) -> int:
    """The status a command exits with when ``exc`` ends it."""
    if isinstance(exc, KeyboardInterrupt):
        return Exit.INTERRUPTED
    # A bad argument: a ValidationError, or a ValueError from a constructor's own checks (the
    # sandbox's); an inconsistent export state is one too, since only starting over mends it.
    if isinstance(exc, ValueError | ExportStateError):
        return Exit.USAGE
    return Exit.FAILED


def failure_line(exc: Exception) -> str:
    """What ``error: ...`` says about ``exc``: its first line, in the command's own words."""
    if isinstance(exc, OSError) and not isinstance(exc, StoreflowError):
        # Name the output, not the work files beside it.
        where = f": {_WORK_FILES.sub('', os.fspath(exc.filename))}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    # The library's argument names replaced by the command's flags.
    return _WORDS.sub(lambda match: _FLAGS[match.group(0)], str(exc).splitlines()[0])


def fail(message: str, code: int = Exit.FAILED) -> int:
    """Print ``error: message`` on stderr and return ``code``."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    return code


def run(main: Callable[[], Coroutine[Any, Any, int]], interrupted: str = _RESUME_HINT) -> int:
    """Run ``main`` in a new event loop and return its status, turning the expected failures
    into one line and their status; ``interrupted`` is the line printed after Ctrl-C."""
    try:
        return asyncio.run(main())
    except KeyboardInterrupt as exc:
        print(interrupted, file=sys.stderr, flush=True)
        return exit_status(exc)
    except EXPECTED as exc:
        return fail(failure_line(exc), exit_status(exc))
