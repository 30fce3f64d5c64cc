"""The report of a benchmark run: the targets and ``bench/REPORT.md`` (the chart: ``_chart``).

Everything here is computed from the results of the run (``latest.json``); no figure is typed in
by hand. Ratios are medians of per-run ratios, each taken within one run of the same session.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench import bench_decode, bench_fleet, bench_memory, bench_ratelimit, bench_requests
from bench._benchmark import Table, print_table
from bench._common import NOMINAL, fmt_spread

CPU_TARGET = 1.6  # storeflow typed-call CPU per request / raw aiohttp + orjson's
REQUEST_TARGET = 1.10  # storeflow request() CPU per request / raw aiohttp + orjson's
THROUGHPUT_TARGET = 2.0  # storeflow throughput / openapi-python-client's
DECODE_TARGET = 0.7  # storeflow decode time / pydantic's (extra="allow", lax)
IDEAL_TARGET = 1.01  # limiter time to finish N requests / the ideal schedule's
EXPORT_TARGET = 1.3  # export CPU per record / the minimal raw loop's
RSS_TARGET = 150.0  # MB
FLAT_TOLERANCE = 1.10  # the largest store's median peak RSS within 10% of the next one's
LINEAR_TOLERANCE = 1.20  # CPU per record at the largest store within 20% of the smallest's


def _target(key: str, text: str, measured: str, met: bool | None) -> dict[str, Any]:
    return {"id": key, "target": text, "measured": measured, "met": met}


def _requests_targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    raw = r["clients"]["raw"]["cpu_us_per_request"]["median"]
    out = []
    for key, client, limit, text in (
        ("cpu", "storeflow", CPU_TARGET, "typed request (`pf.orders.list`)"),
        ("request", "storeflow_json", REQUEST_TARGET, "`pf.request()`"),
    ):
        c = r["clients"][client]
        ratio = c["cpu_ratio_to_raw"]
        out.append(
            _target(
                key,
                f"{text} CPU <= {limit}x raw aiohttp + orjson (limiter off, "
                f"{r['concurrency']} in flight, 100-order pages)",
                f"{fmt_spread(ratio, '{:.2f}x')} ({c['cpu_us_per_request']['median']:.0f} vs "
                f"{raw:.0f} µs)",
                ratio["median"] <= limit,
            )
        )
    vs = r["storeflow_vs_openapi"]["throughput_ratio"]
    out.append(
        _target(
            "throughput",
            f"storeflow throughput >= {THROUGHPUT_TARGET}x the openapi-python-client client",
            f"{fmt_spread(vs, '{:.2f}x')} requests/s",
            vs["median"] >= THROUGHPUT_TARGET,
        )
    )
    return out


def _decode_targets(d: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for case, data in d["cases"].items():
        libs = data["libraries"]
        ratio = libs["storeflow"]["ratio_to_pydantic"]
        sf, pd, ms = (
            libs[n]["us_per_record"]["median"] for n in ("storeflow", "pydantic", "msgspec")
        )
        out.append(
            _target(
                f"decode {case}",
                f"decode <= {DECODE_TARGET}x pydantic v2 (extra='allow', lax): {case}",
                f"{fmt_spread(ratio, '{:.2f}x')} ({sf:.2f} vs {pd:.2f} µs/record; msgspec "
                f"floor {ms:.2f})",
                ratio["median"] <= DECODE_TARGET,
            )
        )
    return out


def _ratelimit_targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for mode, counts in r["modes"].items():
        runs = {n: c["storeflow"] for n, c in counts.items()}
        refused = sum(f["server_429"] + f["client_429"] for f in runs.values())
        worst = max(f["ratio_to_ideal"] for f in runs.values())
        out.append(
            _target(
                f"limiter {mode}",
                f"default limiter: time to finish N <= {IDEAL_TARGET}x the ideal schedule, "
                f"0 x 429 ({mode} server windows)",
                ", ".join(f"N={n}: {f['ratio_to_ideal']:.3f}x" for n, f in runs.items())
                + f"; {refused} x 429",
                worst <= IDEAL_TARGET and refused == 0,
            )
        )
    return out


def _memory_targets(m: dict[str, Any]) -> list[dict[str, Any]]:
    sizes = list(m["sizes"].values())
    peak = max(s["peak_rss_mb"]["max"] for s in sizes)
    ratios = [s["cpu_ratio_to_raw"] for s in sizes]
    out = [
        _target(
            "export cpu",
            f"export CPU per record <= {EXPORT_TARGET}x a minimal raw loop (aiohttp pages, "
            "orjson, same fsync cadence)",
            ", ".join(
                f"{s['orders']:,}: {fmt_spread(s['cpu_ratio_to_raw'], '{:.2f}x')}" for s in sizes
            ),
            max(r["median"] for r in ratios) <= EXPORT_TARGET,
        ),
        _target(
            "rss",
            f"peak RSS < {RSS_TARGET:g} MB",
            f"{peak:.1f} MB at most (" + ", ".join(_rss(s) for s in sizes) + ")",
            peak < RSS_TARGET,
        ),
    ]
    if len(sizes) >= 2:
        small, large = sizes[-2], sizes[-1]
        growth = large["peak_rss_mb"]["median"] / small["peak_rss_mb"]["median"]
        out.append(
            _target(
                "flat",
                f"peak RSS flat from {small['orders']:,} to {large['orders']:,} orders "
                f"(within {FLAT_TOLERANCE - 1:.0%})",
                f"{growth:.3f}x ({small['peak_rss_mb']['median']:.1f} -> "
                f"{large['peak_rss_mb']['median']:.1f} MB)",
                growth <= FLAT_TOLERANCE,
            )
        )
        first = sizes[0]
        per = large["cpu_us_per_record"]["median"] / first["cpu_us_per_record"]["median"]
        out.append(
            _target(
                "linear",
                f"cost per record flat from {first['orders']:,} to {large['orders']:,} orders "
                f"(within {LINEAR_TOLERANCE - 1:.0%})",
                f"{per:.2f}x ({first['cpu_us_per_record']['median']:.1f} -> "
                f"{large['cpu_us_per_record']['median']:.1f} µs CPU/record)",
                per <= LINEAR_TOLERANCE,
            )
        )
    return out


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue, with what this run measured and whether it is met."""
    out: list[dict[str, Any]] = []
    b = results["benchmarks"]
    if "requests" in b:
        out += _requests_targets(b["requests"])
    if "decode" in b:
        out += _decode_targets(b["decode"])
    if "ratelimit" in b:
        out += _ratelimit_targets(b["ratelimit"])
    if "fleet" in b:
        out += _fleet_targets(b["fleet"])
    if "memory" in b:
        out += _memory_targets(b["memory"])
    for name in results["errors"]:
        out.append(_target(name, f"{name} benchmark ran", "crashed (see errors)", False))
    return out


def _fleet_targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    shared = [x for x in r["runs"] if x["backend"] != "separate"]
    worst = min(x["utilisation"] for x in shared)
    refused = sum(x["server_429"] for x in shared)
    separate = [x for x in r["runs"] if x["backend"] == "separate"]
    over = max(x["sent_over_ideal"] for x in separate)
    busiest = max(x["server_max_sliding_window"] for x in separate)
    return [
        _target(
            "fleet",
            "a shared budget (Redis, file) over 1-4 processes: >= 0.98 utilisation, 0 x 429",
            f"lowest utilisation {worst:.2f}, {refused} x 429; separate limiters let out up "
            f"to {over:.2f}x the budget, {busiest} in one window",
            worst >= 0.98 and refused == 0,
        )
    ]


def _fleet_section(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"P processes, {r['tasks_per_process']} tasks each, for {r['windows']} windows of "
            f"{r['window_real_s']:.0f} s (time scale {r['time_scale']:.0f}), against one "
            "sandbox limiting 200 per sliding window. Ideal: 200 per window. `sent/ideal` "
            "above 1 is over-admission (separate in-process limiters: one budget each).",
            "",
            _table(bench_fleet.table(r).rows),
        ]
    )


def _rss(size: dict[str, Any]) -> str:
    return f"{size['orders']:,}: {size['peak_rss_mb']['median']:.1f}"


def _verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("**met**" if met else "**not met**")


def print_targets(results: dict[str, Any]) -> None:
    """The targets as a table on stdout."""
    rows = [
        {"target": t["target"], "measured": t["measured"], "met": "yes" if t["met"] else "NO"}
        for t in results["targets"]
    ]
    print_table(Table("Targets", rows))


# -- markdown -----------------------------------------------------------------------------------


def _table(rows: list[dict[str, str]]) -> str:
    """``rows`` (heading: cell, as in :class:`Table`) as a markdown table."""
    columns = list(rows[0]) if rows else []
    align = ["---"] + ["---:"] * (len(columns) - 1)
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row.values()) + " |" for row in rows]
    return "\n".join(lines)


def _machine(results: dict[str, Any]) -> str:
    m = results["machine"]
    libs = ", ".join(f"{name} {version}" for name, version in m["libraries"].items())
    start = "/".join(f"{x:.1f}" for x in m["load_average"])
    end = "/".join(f"{x:.1f}" for x in m.get("load_average_end", []))
    return (
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gib']} GiB; {m['os']}\n"
        f"- Python {m['python']} ({m['implementation']})\n"
        f"- Libraries: {libs}\n"
        f"- Load average (1/5/15 min) at the start {start}, at the end {end}. The machine is "
        "shared: other sessions' test suites may run beside the benchmark, so absolute "
        "figures are indicative only. Rely on the ratios: each is taken between clients "
        "measured in the same run, one right after the other, and CPU figures are CPU time "
        "of the measured process, not wall time."
    )


def _requests_section(r: dict[str, Any]) -> str:
    vs = r["storeflow_vs_openapi"]
    gen = r["generated_client"]
    text = [
        f"Each client runs in its own process for {r['seconds_per_run']:g} s per run (after "
        f"{r['warmup_calls']} warm-up calls) with {r['concurrency']} requests in flight, fetching "
        f"`GET /orders?page=N&pageSize={r['page_size']}` with N rotating over the "
        f"{r['store_orders'] // r['page_size']} pages of a {r['store_orders']:,}-order sandbox "
        f"(rate limit and faults off). {r['repeats']} runs, clients interleaved (each run starts "
        "with a different one). CPU is the client process's own CPU time per request; "
        "requests/s is bounded by the sandbox too (it shares the two cores), so *req/s per core* "
        "(1 / CPU per request) shows what the client alone could drive.",
        "",
        _table(bench_requests.table(r).rows),
        "",
        f"storeflow vs openapi-python-client: throughput "
        f"**{fmt_spread(vs['throughput_ratio'], '{:.2f}x')}**, per-core capacity "
        f"{fmt_spread(vs['capacity_ratio'], '{:.2f}x')}.",
        "",
        "The openapi-python-client client was generated at bench time from "
        "`schemas/pocketsflow.yaml`, unchanged (the schema needed no patch), into a temporary "
        f"folder, in {gen['seconds']:.1f} s"
        + (" (the generator printed warnings)." if gen["warnings"] else ", without warnings.")
        + " It uses httpx and attrs models built by generated `from_dict` code; its money fields "
        "are `float`, not `Decimal`, so it does less work per order than storeflow.",
        "",
        "Peers: *raw* is `aiohttp.ClientSession` + `orjson.loads` of the body, no models; "
        "*httpx + json* uses httpx's own `response.json()` (the standard library's parser; "
        "switching it to orjson changes its CPU per request by about 4%, which does not change "
        "its place). Requests/s is bounded by the sandbox's own CPU (it shares the machine's "
        "cores with the client: see its CPU per request), so the CPU ratios, not requests/s, "
        "carry the targets.",
    ]
    prof = r["profile_storeflow"]
    if "error" not in prof:
        text += [
            "",
            f"Where storeflow's client CPU goes (py-spy sampling the storeflow client for 4 s, "
            f"{prof['samples']} busy samples; time waiting in `select` left out):",
            "",
            _table(
                [
                    {"frame": f"`{n.strip()}`", "share of busy samples": f"{s:.0%}"}
                    for n, s in prof["phases"].items()
                ]
                + [
                    {
                        "frame": f"own time: `{x['function']}`",
                        "share of busy samples": f"{x['share']:.0%}",
                    }
                    for x in prof["top_own"]
                ]
            ),
        ]
    else:
        text += ["", f"(py-spy could not profile the client here: {prof['error']})"]
    return "\n".join(text)


def _decode_section(d: dict[str, Any]) -> str:
    notes = []
    for case, data in d["cases"].items():
        c = data["components"]
        amounts = (
            f"{data['distinct_amounts']:,} distinct amounts over {d['records_per_pass']:,} orders, "
            if data["distinct_amounts"] is not None
            else ""
        )
        notes.append(
            f"- {case}: {amounts}{data['page_bytes']:,} bytes a page. storeflow's parts (µs a "
            f"page): msgspec into the mirror Structs {c['fast_parse_us']:.0f}, building the "
            f"attrs models {c['fast_build_us']:.0f} (`orjson.loads` alone: "
            f"{c['orjson_loads_us']:.0f}); the tolerant path for the same page "
            f"{c['tolerant_us']:.0f}. A page whose every record carries one unknown field (read "
            f"by the tolerant path, the field kept): storeflow {c['drift_us']:.0f}, pydantic "
            f"{c['drift_pydantic_us']:.0f}. The cyclic garbage collector takes "
            f"{c['gc_share']:.0%} of storeflow's decode time here."
        )
    peers = "\n".join(f"- *{name}*: {text}." for name, text in d["peers"].items())
    return "\n".join(
        [
            f"{d['pages']} distinct 100-record pages per fixture, bytes to models, decoded in "
            f"turn ({d['passes_per_run']} passes a run, {d['repeats']} runs, libraries "
            "interleaved); CPU time of the process. The three results are checked equal, field "
            "by field, before timing. Fixtures: *orders, typical*: pages of the seeded "
            "sandbox store, whose amounts repeat as a real store's do; *orders, distinct "
            "amounts*: the same pages with every amount distinct (cold for any cache); "
            "*products*: Reflow product pages in the full product shape of the reference notes "
            "(currency, price range, image set, media, variants, categories, personalization "
            "with items, on-sale object). Peers, configured as tolerantly as each allows:",
            "",
            peers,
            "",
            _table(bench_decode.table(d).rows),
            "",
            *notes,
            "",
            "Garbage collection: decoding allocates many container objects, which triggers the "
            "cyclic collector's young-generation passes. storeflow does not change a process's "
            "GC settings; an application that decodes large pages in bulk can raise the "
            "thresholds itself (`gc.set_threshold`) or call `gc.freeze()` after start-up.",
            "",
            "msgspec, the one runtime dependency added for this, earns its place by the ratios "
            "above: it parses straight into typed Structs (no dict per object) and hands "
            "`Decimal` the number's text, so amounts are exact without a cache. Its cost: one "
            "C-extension wheel (about 0.5 MB installed) and a mirror Struct class per model, "
            "built on first use.",
        ]
    )


def _ratelimit_section(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"A fresh child process makes N `GET /orders?page=k&pageSize=100` requests "
            f"(`pf.request()`, {r['concurrency']} in flight, `max_retries={r['max_retries']}` "
            "so that every run completes) against a sandbox process limiting 200 requests per "
            f"60 s window, time scale {r['time_scale']:g} (a window is {r['window_real_s']:g} s "
            f"of wall time; each limiter's period is the same {r['window_real_s']:g} s), with "
            f"latency faults `{r['faults']}`; the sandbox is reset before each run. *Ideal*: "
            "the schedule that sends a burst of 200, then 200 per window: "
            "`floor((N - 1) / 200)` windows, plus the time the unhindered client takes for the "
            "last block of requests (for a limiter that sends the first 200 at once, its own "
            "run's first answers, so that latency jitter cancels; for the paced one, the median "
            "of those runs). Server max: "
            "the most requests the sandbox saw (refused ones included) in any clock-aligned "
            "and in any sliding window. One run per cell: the table's N values and both modes "
            "are the repeats.",
            "",
            _table(bench_ratelimit.table(r).rows),
        ]
    )


def _memory_section(m: dict[str, Any]) -> str:
    return "\n".join(
        [
            "Each run is a fresh child process exporting every order of a sandbox process "
            "holding exactly that many, to JSON Lines on local disk, limiter off, the engine's "
            f"default concurrency ({m['concurrency']}). Beside each export, in the same run, a "
            "minimal raw loop does the same job with aiohttp and orjson only (page 1, then 8 "
            "pages at a time, `orjson.loads`, each order written as a JSON line, an fsync about "
            "once a second as the engine's checkpoints do; no checkpoint file, no "
            "de-duplication, no retries). Peak RSS is the child's own high-water mark "
            "(`VmHWM`: the whole process, interpreter and imports included); CPU per record is "
            "the child's CPU time over the whole export.",
            "",
            _table(bench_memory.table(m).rows),
        ]
    )


def _profile_lines(b: dict[str, Any]) -> list[str]:
    prof = b.get("requests", {}).get("profile_storeflow", {"error": "not run"})
    if "error" in prof:
        return [f"- (No profile in this run: {prof['error']}.)"]
    shares = ", ".join(f"{name.strip()} {share:.0%}" for name, share in prof["phases"].items())
    own = ", ".join(f"`{x['function']}` {x['share']:.0%}" for x in prof["top_own"][:6])
    return [
        f"- Profile of the typed call (py-spy, inclusive shares of busy samples): {shares}.",
        f"- Most own time: {own}.",
    ]


def _miss_cpu(b: dict[str, Any], key: str) -> list[str]:
    c = b["requests"]["clients"]
    raw = c["raw"]["cpu_us_per_request"]["median"]
    sf = c["storeflow"]["cpu_us_per_request"]["median"]
    js = c["storeflow_json"]["cpu_us_per_request"]["median"]
    limit = CPU_TARGET if key == "cpu" else REQUEST_TARGET
    lines = [
        f"- Split by measurement: raw aiohttp + orjson {raw:.0f} µs a request; storeflow's "
        f"transport alone (`pf.request()`) {js:.0f} µs ({js / raw:.2f}x); the typed call "
        f"{sf:.0f} µs ({sf / raw:.2f}x), so the models cost {sf - js:.0f} µs a page. The "
        f"target allows {raw * limit:.0f} µs.",
    ]
    if "decode" in b:
        typical = b["decode"]["cases"]["orders, typical"]["components"]
        lines.append(
            f"- The decode benchmark prices a page alone at {typical['fast_parse_us']:.0f} µs of "
            f"msgspec parsing plus {typical['fast_build_us']:.0f} µs building the attrs models."
        )
    lines += _profile_lines(b)
    lines.append(
        "- What would close it: the transport's own share (`Transport.call` less aiohttp) is "
        "the part storeflow controls besides the models; the models' floor is one Python "
        "object per record and nested object."
    )
    return lines


def _miss_decode(b: dict[str, Any], key: str) -> list[str]:
    case = key.removeprefix("decode ")
    data = b["decode"]["cases"][case]
    c = data["components"]
    libs = data["libraries"]
    return [
        f"- storeflow {libs['storeflow']['us_per_record']['median'] * 100:.0f} µs a page against "
        f"pydantic's {libs['pydantic']['us_per_record']['median'] * 100:.0f}. Parts: msgspec "
        f"parse {c['fast_parse_us']:.0f} µs, building the models {c['fast_build_us']:.0f} µs, "
        f"garbage collection {c['gc_share']:.0%} of the total.",
        "- What would close it: fewer Python-level steps per field in the generated builders "
        "(`_fast_model` in `storeflow/_serde.py`), or fewer objects per record.",
    ]


def _miss_limiter(b: dict[str, Any], key: str) -> list[str]:
    r = b["ratelimit"]
    mode = key.removeprefix("limiter ")
    lines = []
    for n, runs in r["modes"][mode].items():
        f = runs["storeflow"]
        windows = (int(n) - 1) // NOMINAL
        floor = windows * r["window_real_s"] * 1.01 + f["ideal_s"] - windows * r["window_real_s"]
        lines.append(
            f"- N={n}: {f['elapsed_s']:.2f} s against the ideal {f['ideal_s']:.2f} s "
            f"({f['ratio_to_ideal']:.3f}x); the default 1% margin alone makes each window "
            f"{r['window_real_s'] * 0.01 * 1000:.0f} ms longer, a floor of "
            f"{floor / f['ideal_s'] if f['ideal_s'] else 0:.3f}x; {f['server_429']} x 429."
        )
    refused = {n: runs["storeflow"] for n, runs in r["modes"][mode].items()}
    for n, f in refused.items():
        if f["server_429"]:
            lines.append(
                f"- N={n} drew {f['server_429']} x 429: the server counted "
                f"{f['server_max_sliding_window']} requests in one sliding window although the "
                "client admitted at most 200 per window: requests reached (or were counted by) "
                f"the server more than the slack ({r['window_real_s'] * 10:.0f} ms here) after "
                "their slots. On a loaded machine both the client and the sandbox process wait "
                "for a core; the slack scales with the time scale, the delays do not (at the "
                "real scale the slack is 600 ms). Each 429 then costs a `Retry-After` pause."
            )
    lines.append(
        "- Why: `RateLimit.margin` (1% of the period) is what absorbs latency jitter and "
        "event-loop lag between a slot and the server's count; with it, the ratio cannot go "
        "below about 1.01x once a run spans several windows, and any scheduling delay on a "
        "busy machine adds to it. What would close it: a smaller default margin, which must "
        "first be shown safe under the stall rule of the limiter (not changed here)."
    )
    return lines


def _miss_export(b: dict[str, Any], _key: str) -> list[str]:
    sizes = b["memory"]["sizes"]
    c = b["memory"]["components"]
    lines = [
        f"- {s['orders']:,} orders: export {s['cpu_us_per_record']['median']:.1f} µs CPU a record "
        f"against the raw loop's {s['raw_cpu_us_per_record']['median']:.1f}: "
        f"{(s['cpu_us_per_record']['median'] - s['raw_cpu_us_per_record']['median']) * 100:.0f}"
        " µs more a 100-order page."
        for s in sizes.values()
    ]
    lines += [
        "- The export's own steps, per 100-order page (µs of CPU, measured in this run): masking "
        f"the API key in the page's text {c['redact_us']:.0f} (`Transport.redact`), the "
        f"de-duplication against the recent pages {c['dedupe_us']:.0f}; for scale, "
        f"`orjson.loads` of the page {c['loads_us']:.0f}. The rest of the gap: storeflow's "
        "transport per request (section 1: `pf.request()` against raw aiohttp), pages written "
        "in order, and a checkpoint (two fsyncs, a rename and a directory fsync) each second "
        "where the raw loop only fsyncs the data file.",
    ]
    return lines


_EXPLAIN = {
    "cpu": _miss_cpu,
    "request": _miss_cpu,
    "export cpu": _miss_export,
}


def _misses(results: dict[str, Any]) -> str:
    """What was measured for each missed target, what remains and why (from this run's data)."""
    b = results["benchmarks"]
    parts: list[str] = []
    for t in results["targets"]:
        if t["met"] is not False or t["id"] in results["errors"]:
            continue
        key = t["id"]
        if key in _EXPLAIN:
            lines = _EXPLAIN[key](b, key)
        elif key.startswith("decode "):
            lines = _miss_decode(b, key)
        elif key.startswith("limiter "):
            lines = _miss_limiter(b, key)
        else:
            lines = ["- See the section above for the figures."]
        parts.append("\n".join([f"### {t['target']}", "", f"Measured: {t['measured']}.", *lines]))
    if not parts:
        return "Every target was met in this run."
    return "\n\n".join(parts)


def write_markdown(results: dict[str, Any], path: Path, *, chart: Path) -> None:
    """Write the report of ``results`` to ``path``."""
    b = results["benchmarks"]
    rows = [
        {
            "target": t["target"],
            "measured (median, min-max)": t["measured"],
            "verdict": _verdict(t["met"]),
        }
        for t in results["targets"]
    ]
    mode = (
        "the quick run (`nox -s bench -- --quick`: fewer repeats, smaller stores)"
        if results["mode"] == "quick"
        else "the full run (`nox -s bench`)"
    )
    sections = [
        "# storeflow benchmarks",
        "",
        f"Generated by {mode} on {results['started_at']}, in {results['seconds'] / 60:.1f} "
        "minutes. Every figure below comes from that one run on this machine; re-run "
        "`nox -s bench` to refresh this file, `bench/results/latest.json` (all the raw "
        "figures) and the chart. Figures are `median (min-max)` over repeated runs.",
        "",
        f"![benchmark summary]({os.path.relpath(chart, path.parent)})",
        "",
        "## Targets",
        "",
        _table(rows),
        "",
        "## Machine",
        "",
        _machine(results),
    ]
    titles = {
        "requests": ("1. Per-request cost", _requests_section),
        "decode": ("2. Decode", _decode_section),
        "ratelimit": ("3. Rate limit: time to finish N requests", _ratelimit_section),
        "fleet": ("4. Fleet: one budget over processes", _fleet_section),
        "memory": ("5. Memory and scale", _memory_section),
    }
    for name, (title, section) in titles.items():
        if name in b:
            sections += ["", f"## {title}", "", section(b[name])]
    sections += ["", "## Where a target is missed", "", _misses(results)]
    if results["errors"]:
        sections += ["", "## Errors", ""]
        for name, error in results["errors"].items():
            sections += [f"{name}:", "", "```", error.strip(), "```", ""]
    path.write_text("\n".join(sections).rstrip() + "\n")
