"""The option value types shared by the ``storeflow`` subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import pytest

from storeflow.cli._args import non_negative_int, positive_float, positive_int, seconds


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (non_negative_int, "0", 0),
        (non_negative_int, "8080", 8080),
        (positive_int, "1", 1),
        (seconds, "0", 0.0),
        (seconds, "2.5", 2.5),
        (positive_float, "0.25", 0.25),
    ],
)
def test_accepts(parse: Callable[[str], Any], text: str, value: Any) -> None:
    assert parse(text) == value


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (non_negative_int, "-1", "must be 0 or more, got -1"),
        (non_negative_int, "1.5", "'1.5' is not a whole number"),
        (positive_int, "0", "must be at least 1, got 0"),
        (seconds, "-0.5", "must be a number of seconds >= 0, got -0.5"),
        (seconds, "nan", "must be a number of seconds >= 0, got nan"),
        (seconds, "soon", "'soon' is not a number of seconds"),
        (positive_float, "0", "must be more than 0, got 0"),
    ],
)
def test_refuses_with_the_rule(parse: Callable[[str], Any], text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=f"^{message}$"):
        parse(text)
