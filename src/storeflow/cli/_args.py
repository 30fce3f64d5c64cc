"""What the ``storeflow`` subcommands' parsers share: registering a subcommand
(:func:`add_command`) and the option value types (argparse ``type=`` callables).

Each value type turns an option's text into a value or raises
:class:`argparse.ArgumentTypeError` with a message that says what was expected, which argparse
prints beside the option's name.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["add_command", "non_negative_int", "positive_float", "positive_int", "seconds"]

_N = TypeVar("_N", int, float)


def add_command(
    subparsers: Any,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` to ``subparsers`` (from ``ArgumentParser.add_subparsers``),
    listed with ``summary`` and run by ``handler`` (parsed arguments in, exit status out);
    return its parser, for its options."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=summary, description=description
    )
    parser.set_defaults(handler=handler)
    return parser


def _read(text: str, kind: Callable[[str], _N], noun: str) -> _N:
    """``text`` read by ``kind``, or an error saying it is not ``noun``."""
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None


def _non_zero(value: _N, rule: str) -> _N:
    """``value`` unless it is 0, which ``rule`` refuses."""
    if value == 0:
        raise argparse.ArgumentTypeError(rule)
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0.

    Raises:
        argparse.ArgumentTypeError: ``text`` is not a whole number, or is negative.
    """
    value = _read(text, int, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_int(text: str) -> int:
    """A whole number >= 1.

    Raises:
        argparse.ArgumentTypeError: ``text`` is not a whole number, or is less than 1.
    """
    return _non_zero(non_negative_int(text), "must be at least 1, got 0")


def seconds(text: str) -> float:
    """A number of seconds >= 0.

    Raises:
        argparse.ArgumentTypeError: ``text`` is not a number, or is negative or NaN.
    """
    value = _read(text, float, "a number of seconds")
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text}")
    return value


def positive_float(text: str) -> float:
    """A number > 0.

    Raises:
        argparse.ArgumentTypeError: ``text`` is not a number, or is 0, negative or NaN.
    """
    return _non_zero(seconds(text), "must be more than 0, got 0")
