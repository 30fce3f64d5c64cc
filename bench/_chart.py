"""The chart of a benchmark run: ``latest.png``, one panel per benchmark, from its results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import bench_ratelimit
from bench._report import CPU_TARGET, IDEAL_TARGET, RSS_TARGET


def write_chart(results: dict[str, Any], path: Path) -> None:
    """Four panels, one per benchmark, into a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    b = results["benchmarks"]
    panels: list[tuple[str, str, Callable[[Any, dict[str, Any]], None]]] = [
        ("requests", "1. Client CPU per request (100-order page), lower is better", _requests),
        ("decode", "2. Decode a 100-record page to models, lower is better", _decode),
        (
            "ratelimit",
            "3. Limiter: time to finish N requests / the ideal schedule (log), 429s on top",
            _ratelimit,
        ),
        ("memory", "4. Client RSS during an export (limiter off)", _memory),
    ]
    for ax, (name, title, draw) in zip(
        (axes[0][0], axes[0][1], axes[1][0], axes[1][1]), panels, strict=True
    ):
        if name in b:
            draw(ax, b[name])
        else:
            ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        ax.set_title(title)
    fig.suptitle(
        f"storeflow benchmarks ({results['mode']} run, {results['started_at'][:10]}, "
        f"{results['machine']['cores']} cores, shared machine: compare within a panel)",
        fontsize=13,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _errorbars(spreads: list[dict[str, Any]]) -> list[list[float]]:
    return [
        [s["median"] - s["min"] for s in spreads],
        [s["max"] - s["median"] for s in spreads],
    ]


def _grouped(series: int, groups: int) -> list[tuple[float, list[float]]]:
    """Side-by-side bars: each series' bar width and its x in every group (groups at 0, 1, …)."""
    width = 0.8 / series
    return [
        (width, [i + (j - (series - 1) / 2) * width for i in range(groups)]) for j in range(series)
    ]


def _requests(ax: Any, r: dict[str, Any]) -> None:
    clients = list(r["clients"].values())
    spreads = [c["cpu_us_per_request"] for c in clients]
    labels = [c["label"].replace(" (no models)", "\n(no models)") for c in clients]
    colors = ["#7f7f7f", "#1f77b4", "#aec7e8", "#ff7f0e", "#d62728"][: len(clients)]
    y = range(len(clients))
    ax.barh(y, [s["median"] for s in spreads], xerr=_errorbars(spreads), color=colors)
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("client CPU µs per request (log scale)")
    raw = r["clients"]["raw"]["cpu_us_per_request"]["median"]
    ax.axvline(raw * CPU_TARGET, color="green", linestyle="--", label=f"target {CPU_TARGET}x raw")
    for i, c in enumerate(clients):
        ax.text(
            c["cpu_us_per_request"]["max"] * 1.1,
            i,
            f"{c['cpu_ratio_to_raw']['median']:.2f}x raw, "
            f"{c['requests_per_s']['median']:.0f} req/s",
            va="center",
            fontsize=9,
        )
    ax.set_xlim(right=max(s["max"] for s in spreads) * 6)
    ax.legend(loc="lower right", fontsize=9)


def _decode(ax: Any, d: dict[str, Any]) -> None:
    cases = list(d["cases"])
    libs = list(next(iter(d["cases"].values()))["libraries"])
    colors = {"storeflow": "#1f77b4", "pydantic": "#d62728", "msgspec": "#7f7f7f"}
    for lib, (width, xs) in zip(libs, _grouped(len(libs), len(cases)), strict=True):
        figures = [d["cases"][case]["libraries"][lib] for case in cases]
        spreads = [f["us_per_record"] for f in figures]
        ax.bar(
            xs,
            [s["median"] for s in spreads],
            width,
            yerr=_errorbars(spreads),
            label=lib,
            color=colors.get(lib),
        )
        for x, f in zip(xs, figures, strict=True):
            ratio = f["ratio_to_pydantic"]["median"]
            top = max(f["us_per_record"]["median"], f["us_per_record"]["max"])
            ax.text(x, top, f"{ratio:.2f}x", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(cases)), cases)
    ax.set_yscale("log")
    ax.set_ylabel("CPU µs per record, log scale (ratio to pydantic on top)")
    ax.legend(fontsize=9)


def _ratelimit(ax: Any, r: dict[str, Any]) -> None:
    groups = [(mode, n) for mode, counts in r["modes"].items() for n in counts]
    limiters = list(r["modes"][groups[0][0]][groups[0][1]])
    colors = {
        "storeflow": "#1f77b4",
        "aiolimiter": "#ff7f0e",
        "paced": "#2ca02c",
        "limits": "#9467bd",
        "none": "#d62728",
    }
    for limiter, (width, xs) in zip(limiters, _grouped(len(limiters), len(groups)), strict=True):
        figures = [r["modes"][mode][n][limiter] for mode, n in groups]
        ratios = [f["ratio_to_ideal"] for f in figures]
        ax.bar(xs, ratios, width, label=bench_ratelimit.LABELS[limiter], color=colors.get(limiter))
        for x, f, ratio in zip(xs, figures, ratios, strict=True):
            ax.text(x, ratio, str(f["server_429"]), ha="center", va="bottom", fontsize=7)
    ax.axhline(IDEAL_TARGET, color="green", linestyle="--", label=f"target {IDEAL_TARGET}x")
    ax.set_yscale("log")
    ax.set_xticks(range(len(groups)), [f"{mode}\nN={n}" for mode, n in groups])
    ax.set_ylabel("time to finish / ideal (log scale)")
    ax.legend(fontsize=7, loc="upper left", ncols=2)


def _memory(ax: Any, m: dict[str, Any]) -> None:
    for size in m["sizes"].values():
        samples = size["rss_samples"]
        if not samples:
            continue
        xs = [100 * records / size["orders"] for records, _ in samples]
        ys = [rss for _, rss in samples]
        ax.plot(
            xs,
            ys,
            marker=".",
            label=f"{size['orders']:,} orders: peak {size['peak_rss_mb']['median']:.0f} MB, "
            f"{size['records_per_s']['median']:,.0f} rec/s, "
            f"{size['cpu_us_per_record']['median']:.1f} µs CPU/rec",
        )
    ax.axhline(RSS_TARGET, color="green", linestyle="--", label=f"target < {RSS_TARGET:g} MB")
    ax.set_ylim(0, RSS_TARGET * 1.15)
    ax.set_xlabel("% of the export done")
    ax.set_ylabel("RSS MB (whole client process)")
    ax.legend(fontsize=8, loc="lower right")
