"""What the benchmarks share: the sandbox process, child runs, spreads of repeats, the machine.

Every measured client runs in a child process of its own (``python -m bench.<module> --child``)
so that its CPU time is its own, and talks over loopback HTTP to a sandbox started as another
process with ``storeflow sandbox``. A child prints one JSON object as its last line of output.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NOMINAL = 200  # the vendors' limit: requests per 60 s window


def spread(values: Sequence[float]) -> dict[str, Any]:
    """``min``/``median``/``max`` of repeated measurements, with the values themselves."""
    if not values:
        return {"min": None, "median": None, "max": None, "n": 0, "values": []}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
        "n": len(values),
        "values": list(values),
    }


def fmt_spread(s: dict[str, Any], fmt: str = "{:.1f}") -> str:
    """``median (min-max)`` of a :func:`spread`."""
    if not s["n"]:
        return "n/a"
    med, lo, hi = (fmt.format(s[k]) for k in ("median", "min", "max"))
    return med if s["n"] == 1 else f"{med} ({lo}-{hi})"


PAGE_SIZE = 100
"""The records of one page, as the benchmarks ask for them."""


def order_pages(count: int) -> list[dict[str, Any]]:
    """``count`` pages of 100 orders from a seeded sandbox store, as the sandbox serves them."""
    from storeflow.sandbox import Clock, PocketsflowStore, Scale

    store = PocketsflowStore(seed=0, scale=Scale(orders=count * PAGE_SIZE), clock=Clock())
    return [
        store.list_orders(start=None, end=None, product_id=None, page=p, page_size=PAGE_SIZE)
        for p in range(1, count + 1)
    ]


def cpu_per_item(fn: Callable[[Any], Any], items: Sequence[Any], rounds: int = 3) -> float:
    """The least CPU seconds per item that ``fn`` took over ``rounds`` passes of ``items``."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - started)
    return best / len(items)


def log(message: str) -> None:
    """A progress line on stderr (tables go to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class ChildFailed(RuntimeError):
    """A child process exited with an error or timed out."""


def run_child(module: str, args: Sequence[str], *, timeout: float) -> dict[str, Any]:
    """Run ``python -m module --child args`` and return the JSON object it printed last."""
    command = [sys.executable, "-m", module, "--child", *args]
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ChildFailed(f"{module} {' '.join(args)}: timed out after {timeout:.0f} s") from exc
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip()[-3000:]
        raise ChildFailed(f"{module} {' '.join(args)}: exit {proc.returncode}\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


class SandboxProcess:
    """``storeflow sandbox`` in a separate process, for the duration of a ``with`` block.

    ``url`` and ``key`` are the Pocketsflow base URL and test key it printed; :meth:`stats` and
    :meth:`reset` use its admin routes; :meth:`cpu_seconds` is the CPU time it has used.
    """

    def __init__(
        self,
        *,
        orders: int,
        rate_limit: str = "off",
        time_scale: float = 1.0,
        faults: str | None = None,
        seed: int = 0,
        startup_timeout: float = 180.0,
    ) -> None:
        self.command = [
            sys.executable,
            "-m",
            "storeflow.cli",
            "sandbox",
            "--port",
            "0",
            "--seed",
            str(seed),
            "--orders",
            str(orders),
            "--rate-limit",
            rate_limit,
            "--time-scale",
            repr(time_scale),
        ]
        if faults:
            self.command += ["--faults", faults]
        self.startup_timeout = startup_timeout
        self.url = ""
        self.key = ""
        self.startup_seconds = 0.0
        self._proc: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in __exit__
        self._lines: queue.Queue[str | None] = queue.Queue()

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def __enter__(self) -> SandboxProcess:
        started = time.perf_counter()
        self._proc = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=self._stderr, text=True, cwd=ROOT
        )
        threading.Thread(target=self._drain, args=(self._proc.stdout,), daemon=True).start()
        seen: list[str] = []
        deadline = started + self.startup_timeout
        while not any("Press Ctrl-C" in line for line in seen):
            try:
                line = self._lines.get(timeout=max(deadline - time.perf_counter(), 0.01))
            except queue.Empty:
                line = None
            if line is None:
                self.__exit__(None, None, None)
                raise ChildFailed("the sandbox did not start:\n" + "".join(seen) + self._errors())
            seen.append(line)
        self.startup_seconds = time.perf_counter() - started
        text = "".join(seen)
        url = re.search(r"Pocketsflow\s+(http://\S+)", text)
        key = re.search(r"(pk_test_[A-Za-z0-9]+)", text)
        if url is None or key is None:
            self.__exit__(None, None, None)
            raise ChildFailed(f"cannot read the sandbox's URL and key from:\n{text}")
        self.url, self.key = url.group(1), key.group(1)
        return self

    def _errors(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-3000:]

    def __exit__(self, *_exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._stderr.close()

    def _admin(self, method: str, route: str) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.url}/_admin/{route}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            data: dict[str, Any] = json.load(response)
        return data

    def stats(self) -> dict[str, Any]:
        """What the Pocketsflow site has seen since it started or was reset."""
        return self._admin("GET", "stats")

    def reset(self) -> None:
        """Fresh data, stats and rate-limit counters."""
        self._admin("POST", "reset")

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the sandbox process has used so far."""
        import psutil

        assert self._proc is not None
        times = psutil.Process(self._proc.pid).cpu_times()
        return float(times.user + times.system)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


LIBRARIES = (
    "storeflow",
    "aiohttp",
    "orjson",
    "attrs",
    "cattrs",
    "aiolimiter",
    "httpx",
    "pydantic",
    "pydantic-core",
    "msgspec",
    "openapi-python-client",
    "matplotlib",
)


def machine() -> dict[str, Any]:
    """The machine and software the numbers come from."""
    import psutil

    versions = {}
    for name in LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.system(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "libraries": versions,
        "load_average": list(os.getloadavg()),
    }


@contextlib.contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """Wall-clock seconds of a block, in ``["seconds"]`` once it ends."""
    box = {"seconds": 0.0}
    started = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - started
