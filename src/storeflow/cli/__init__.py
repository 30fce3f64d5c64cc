"""The ``storeflow`` command.

```
storeflow --version
storeflow export pocketsflow|reflow COLLECTION|all [--out PATH|DIR/] [--format jsonl|csv]
                 [--resume|--overwrite] [--timeout SECONDS] [--max-retries N] [--public-only]
storeflow export stores COLLECTION|all [--store SPEC ...|--stores FILE] [--shard K/N]
storeflow demo [--out exports]
storeflow sandbox [--port 8080] [--seed N] [--orders N] [--rate-limit fixed|sliding|off]
                  [--faults latency=0.05,error_rate=0.05] [--time-scale X] [--drift [SEED]]
```

The command line is the ``cli`` extra (``pip install 'storeflow[cli]'``, or ``'.[cli]'`` from a
clone): without rich, ``storeflow`` says so in one line and exits with status 2. An unknown
option is reported with the usage of the subcommand it was given to.

One module per subcommand, each registering itself with :func:`main`'s parser through an
``add_*_command`` function that sets a ``handler`` default (a function taking the parsed
arguments and returning the exit status), and importing what is heavy (the clients, the
export, the simulators, rich) only inside its functions, so importing this package loads none
of them:

* :mod:`._export` — ``storeflow export`` (one API, or many stores);
* :mod:`._demo` — ``storeflow demo``;
* :mod:`._sandbox` — ``storeflow sandbox``;
* :mod:`._exit` — the exit statuses and the one mapping from a failure to its status and line;
* :mod:`._progress` — what the exports show while they run; :mod:`._args` — option value types.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final

from storeflow._version import __version__
from storeflow.cli._demo import add_demo_command
from storeflow.cli._exit import Exit
from storeflow.cli._export import add_export_command
from storeflow.cli._sandbox import add_sandbox_command

__all__ = ["main"]

_INSTALL_HINT: Final = (
    "storeflow: the command line needs its extra: pip install 'storeflow[cli]' "
    "(from a clone of the repository: pip install '.[cli]')"
)

_COMMANDS: Final[tuple[Callable[[Any], None], ...]] = (
    add_export_command,
    add_demo_command,
    add_sandbox_command,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``storeflow`` command with ``argv`` (default: the process's arguments) and return
    its exit status. Without the ``cli`` extra, print how to install it and return 2.

    Raises:
        SystemExit: from argparse, for ``--help``, ``--version`` and bad arguments (status 2).
    """
    try:
        importlib.import_module("rich")
    except ImportError:
        print(_INSTALL_HINT, file=sys.stderr)
        return Exit.USAGE
    parser = argparse.ArgumentParser(
        prog="storeflow", description="Pocketsflow and Reflow from the command line."
    )
    parser.add_argument("--version", action="version", version=f"storeflow {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in _COMMANDS:
        add_command(subparsers)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # The subcommand's usage, which lists the flags it has, not the top level's.
        subparsers.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
