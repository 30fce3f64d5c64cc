"""``python -m bench [--quick] [--only NAME ...]``: every benchmark, then the report and chart.

Runs, in this order, on this machine: per-request cost (against one sandbox process), decode,
rate-limit utilisation (a time-scaled sandbox per window mode), the fleet (1, 2 and 4
processes sharing one budget through Redis, a file, or not at all) and memory/scale (a sandbox per
store size). Each prints its table as it finishes. Then it writes ``bench/results/latest.json``,
``bench/REPORT.md`` and ``bench/results/latest.png``. A benchmark that crashes is reported as
such and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench import (
    _chart,
    _report,
    bench_decode,
    bench_fleet,
    bench_memory,
    bench_ratelimit,
    bench_requests,
)
from bench._benchmark import Benchmark, Settings
from bench._common import RESULTS, ROOT, log, machine

NAMES = ("requests", "decode", "ratelimit", "fleet", "memory")


BENCHMARKS: dict[str, Benchmark] = {
    "requests": bench_requests.BENCHMARK,
    "decode": bench_decode.BENCHMARK,
    "ratelimit": bench_ratelimit.BENCHMARK,
    "fleet": bench_fleet.BENCHMARK,
    "memory": bench_memory.BENCHMARK,
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller stores")
    parser.add_argument(
        "--only",
        action="append",
        choices=NAMES,
        help="run only this benchmark (repeatable); the report then covers only these",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the JSON, report and chart here instead of bench/ (e.g. a scratch folder)",
    )
    args = parser.parse_args()
    settings = Settings(quick=args.quick)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "benchmarks": {},
        "errors": {},
    }
    for name in args.only or NAMES:
        benchmark = BENCHMARKS[name]
        log(f"{name}: starting")
        bench_started = time.perf_counter()
        try:
            result = benchmark.run(settings)
        except Exception:
            results["errors"][name] = traceback.format_exc()[-4000:]
            log(f"{name}: FAILED\n{results['errors'][name]}")
            continue
        result["seconds"] = time.perf_counter() - bench_started
        results["benchmarks"][name] = result
        benchmark.show(result)
        log(f"{name}: done in {result['seconds']:.0f} s")
    results["seconds"] = time.perf_counter() - started
    results["machine"]["load_average_end"] = list(os.getloadavg())
    results["targets"] = _report.targets(results)

    report_dir = args.out or ROOT / "bench"
    results_dir = args.out or RESULTS
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    _chart.write_chart(results, results_dir / "latest.png")
    _report.write_markdown(results, report_dir / "REPORT.md", chart=results_dir / "latest.png")
    _report.print_targets(results)
    log(f"all done in {results['seconds']:.0f} s; report in {report_dir / 'REPORT.md'}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
