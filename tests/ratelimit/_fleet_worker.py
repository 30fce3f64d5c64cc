"""One process of a fleet (run by ``test_ratelimit_fleet.py``): several clients, one budget.

``python _fleet_worker.py CONFIG_JSON``: builds ``clients`` Pocketsflow clients whose
``RateLimit`` points at the Redis URL, prints ``ready``, waits for a line on stdin, then sends
``requests`` calls from ``workers`` tasks, and prints one JSON line of counts. With ``skew``,
both the wall clock and the event loop's clock of this process are off by that many seconds,
as on a host whose clock is wrong.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import sys
import time
from typing import Any


class _Counter(logging.Handler):
    """Counts the limiter's warnings by their first words."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.counts["fallback" if "falling back" in message else "warning"] += 1


async def run(config: dict[str, Any], warnings: _Counter) -> dict[str, int]:
    from storeflow import Pocketsflow, RateLimit
    from storeflow.errors import RateLimitBackendError, RateLimitError

    rate = RateLimit(
        config["limit"], config["period"], margin=config["margin"], backend=config["redis"]
    )
    clients = [
        Pocketsflow(config["key"], base_url=config["url"], rate_limit=rate)
        for _ in range(config["clients"])
    ]
    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    counts: collections.Counter[str] = collections.Counter()
    remaining = iter(range(config["requests"]))

    async def worker(pf: Pocketsflow) -> None:
        for _ in remaining:
            while True:
                try:
                    await pf.users.me()
                    counts["ok"] += 1
                except RateLimitBackendError:
                    # The "raise" mode: the caller decides; this one tries again shortly.
                    counts["backend_errors"] += 1
                    await asyncio.sleep(0.05)
                    continue
                except RateLimitError:
                    counts["gave_up_429"] += 1
                break

    try:
        await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(config["workers"])))
    finally:
        for pf in clients:
            await pf.aclose()
    return dict(counts + warnings.counts)


def main() -> None:
    config = json.loads(sys.argv[1])
    skew: float = config["skew"]
    if skew:
        real = time.time
        time.time = lambda: real() + skew

    class Loop(asyncio.SelectorEventLoop):
        def time(self) -> float:
            return super().time() + skew

    warnings = _Counter()
    logging.getLogger("storeflow.ratelimit").addHandler(warnings)
    with asyncio.Runner(loop_factory=Loop) as runner:
        result = runner.run(run(config, warnings))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
