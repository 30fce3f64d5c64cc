"""Measures of a limiter's admission times that the rate-limit tests check their bound with."""

from __future__ import annotations


def max_in_any_interval(times: list[float], length: float) -> int:
    """The most admissions that any closed interval of ``length`` holds (two pointers)."""
    ordered = sorted(times)
    most = lo = 0
    for hi, t in enumerate(ordered):
        while t - ordered[lo] > length:
            lo += 1
        most = max(most, hi - lo + 1)
    return most
