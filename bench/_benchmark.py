"""What a benchmark module declares, and how it runs: its settings, table and ``main``.

A module ends with ``BENCHMARK = Benchmark(...)`` and ``if __name__ == "__main__":
BENCHMARK.main()``; ``python -m bench`` runs every module's ``BENCHMARK`` in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Settings:
    """How long a run is: ``quick`` for ``nox -s bench -- --quick``, else the full run."""

    quick: bool = False

    @property
    def repeats(self) -> int:
        """How many times each measurement is repeated (min/median/max are over these)."""
        return 3 if self.quick else 5


class Table(NamedTuple):
    """A table: its title, then one row per item, each mapping a column's heading to its cell.

    Every row has the same headings, in the same order; every cell is already formatted.
    """

    title: str
    rows: list[dict[str, str]]

    @property
    def columns(self) -> list[str]:
        """The headings, in order (none when there are no rows)."""
        return list(self.rows[0]) if self.rows else []


def print_table(table: Table) -> None:
    """Print ``table`` with rich."""
    from rich.console import Console
    from rich.table import Table as RichTable

    out = RichTable(title=table.title, title_justify="left")
    for i, column in enumerate(table.columns):
        out.add_column(column, justify="left" if i == 0 else "right")
    for row in table.rows:
        out.add_row(*row.values())
    Console(width=140).print(out)


ChildRun = Callable[[argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]]
# A child's option: its type (``bool``: a flag), or the values it may take.
ChildOption = type[str] | type[int] | type[float] | type[bool] | tuple[str, ...]


@dataclass(frozen=True)
class Benchmark:
    """One benchmark module: how it runs, how its result is shown, and its measured child.

    ``run`` measures and returns the result; ``table`` turns the result into its table, and
    ``notes`` (if any) prints what follows the table. ``child`` is one measured run in a child
    process (see :meth:`main`), with its ``child_options``.
    """

    description: str | None
    run: Callable[[Settings], dict[str, Any]]
    table: Callable[[dict[str, Any]], Table]
    notes: Callable[[dict[str, Any]], None] | None = None
    child: ChildRun | None = None
    child_options: Mapping[str, ChildOption] = field(default_factory=dict)

    def show(self, result: dict[str, Any]) -> None:
        """Print the table of ``result``, then its notes."""
        print_table(self.table(result))
        if self.notes is not None:
            self.notes(result)

    def main(self) -> None:
        """What ``python -m bench.<module>`` does.

        Without ``--child``: the benchmark alone (``[--quick]``), ``show(run(settings))``. With
        ``--child`` (how :func:`bench._common.run_child` starts it): one measured run,
        ``child(args)``, its result printed as one JSON line (the last). Its options: ``--url``
        and ``--key`` of the sandbox it measures against, then ``child_options`` (each required
        but the flags).
        """
        if "--child" in sys.argv and self.child is not None:
            parser = argparse.ArgumentParser()
            parser.add_argument("--child", action="store_true")
            for name, kind in {"url": str, "key": str, **self.child_options}.items():
                if kind is bool:
                    parser.add_argument(f"--{name}", action="store_true")
                elif isinstance(kind, tuple):
                    parser.add_argument(f"--{name}", choices=kind, required=True)
                else:
                    parser.add_argument(f"--{name}", type=kind, required=True)
            print(json.dumps(asyncio.run(self.child(parser.parse_args()))), flush=True)
            return
        parser = argparse.ArgumentParser(description=self.description)
        parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller stores")
        self.show(self.run(Settings(quick=parser.parse_args().quick)))
