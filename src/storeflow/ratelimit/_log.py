"""The sliding-window log: the state the memory and file backends keep, and the rule they apply
to it."""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
from array import array
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from storeflow.ratelimit._rate import RateLimit

__all__ = ["WindowLog"]

#: A state file value further ahead of the clock than this is corrupt, not a queue.
_FURTHEST_AHEAD = 86_400.0


@attrs.define
class WindowLog:
    """A sliding-window log: the state both backends share, and the rule they apply to it.

    ``lost`` marks a log rebuilt from corrupt state: until a :meth:`reserve` (which knows the
    time and the rate) sets a safe pause, nothing in it can be trusted.
    """

    resume_at: float = -math.inf
    slots: list[float] = attrs.Factory(list)  # sorted: reserve() only ever appends the maximum
    lost: bool = False
    rebuilt: bool = False

    @classmethod
    def read(cls, numbers: array[float]) -> WindowLog:
        """The log stored as ``numbers`` (pause deadline, then the slots); a lost one if they are
        not a log a backend writes (not sorted, NaN or infinite values)."""
        if not numbers:
            return cls()
        resume_at, slots = numbers[0], list(numbers[1:])
        values = [resume_at, *slots]
        if any(math.isnan(v) or v == math.inf for v in values) or any(
            a > b for a, b in itertools.pairwise(slots)
        ):
            return cls(lost=True)
        return cls(resume_at, slots)

    def reserve(self, now: float, rate: RateLimit) -> float:
        window = rate.window
        if self.lost or max(self.resume_at, self.slots[-1] if self.slots else now) > (
            now + _FURTHEST_AHEAD
        ):
            # Whatever the lost log held (even a full window's budget spent just now), none of it
            # can crowd a slot a whole window from now: start again from there. (A value more
            # than a day ahead is no queue this module builds, but tampering.)
            self.lost, self.rebuilt = False, True
            self.slots, self.resume_at = [], now + window
        # A new slot is >= now: a slot at or before now - window can never share a window with it.
        del self.slots[: bisect.bisect_right(self.slots, now - window)]
        slot = max(now, self.resume_at, self.slots[-1] if self.slots else now)
        if len(self.slots) >= rate.requests:
            # The log is sorted, so only the requests-th latest slot can crowd the new one.
            slot = max(slot, self.slots[-rate.requests] + window)
        self.slots.append(slot)
        return slot

    def release(self, slot: float) -> None:
        if self.lost:
            return
        # Removing from a sorted log keeps it sorted, and only widens the gaps reserve() relies on.
        with contextlib.suppress(ValueError):
            self.slots.remove(slot)

    def pause_until(self, t: float) -> None:
        if not self.lost:
            self.resume_at = max(self.resume_at, t)

    def paused_until(self) -> float:
        # A lost log has no known deadline: report none that a waiter may pass (it queues again,
        # and its next reserve() rebuilds the log).
        return math.inf if self.lost else self.resume_at

    def forecast(self, now: float, rate: RateLimit, count: int) -> float:
        """The time by which ``count`` more slots could be handed out, reserving nothing."""
        if count <= 0:
            return now
        trial = WindowLog(self.resume_at, list(self.slots))
        simulated = min(count, 2 * rate.requests)
        slots = [trial.reserve(now, rate) for _ in range(simulated)]
        if count == simulated:
            return slots[-1]
        # After two windows' worth the schedule repeats: each slot is the one `requests` slots
        # before it plus a window.
        base = simulated - rate.requests
        windows, index = divmod(count - 1 - base, rate.requests)
        return slots[base + index] + windows * rate.window
