"""The tables `make bench` prints: every figure of issue 21's targets beside its target, then the rest.

"Before" figures (search, metrics, filter options) come from the results committed before this run
(`results/results.json` as it was when the run started), so a run says what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

FIRST = "GET /v1/jobs first page"

FILTERED = "GET /v1/jobs status+type+date"
DETAIL = "GET /v1/jobs/{id}"
CREATE = "POST /v1/jobs"
COMPLETE = "POST /v1/jobs/{id}/complete"
NOT_SLOWER = ("POST /v1/search", "GET /v1/metrics/jobs (90 days)", "GET /v1/assets/filter-options")


def _result(summary: dict[str, Any], name: str, concurrency: int = 1) -> dict[str, Any] | None:
    for r in summary.get("results", []):
        if r["name"] == name and r["concurrency"] == concurrency:
            return dict(r)
    return None


def _ceiling(summary: dict[str, Any]) -> dict[str, Any] | None:
    return _result(summary, "raw psycopg+orjson, first page")


def targets(summary: dict[str, Any], before: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    """(figure, this run, target, verdict) rows."""
    rows: list[tuple[str, str, str, str]] = []

    def check(figure: str, value: float | None, target: str, held: Callable[[float], bool], unit: str) -> None:
        if value is None:
            rows.append((figure, "not measured", target, "—"))
            return
        text = f"{value:.2f}{unit}" if unit != " req/s" else f"{value:,.0f}{unit}"
        rows.append((figure, text, target, "held" if held(value) else "**missed**"))

    first, ceiling = _result(summary, FIRST), _ceiling(summary)
    filtered, detail = _result(summary, FILTERED), _result(summary, DETAIL)
    create, complete, first_c4 = _result(summary, CREATE), _result(summary, COMPLETE), _result(summary, FIRST, 4)
    ratios = summary.get("ratios", {})
    p50 = lambda r: r["p50_ms"] if r else None  # noqa: E731
    separate = first["p50_ms"] / ceiling["p50_ms"] if first and ceiling else None
    if "ours_vs_raw_ceiling_paired" in ratios:  # alternately, in rounds, on the same server: the target's figure
        check("first page / raw ceiling (p50, paired rounds, one worker each)", ratios["ours_vs_raw_ceiling_paired"],
              "≤ 2.0×", lambda v: v <= 2.0, "×")  # fmt: skip
        if separate is not None:  # as earlier rounds measured it: minutes apart, two workers against one
            rows.append(("first page / raw ceiling (p50, the two scenarios: two workers / one)", f"{separate:.2f}×",
                         "earlier rounds' measure", "—"))  # fmt: skip
    else:
        check("first page / raw ceiling (p50)", separate, "≤ 2.0×", lambda v: v <= 2.0, "×")
    check("first page p50", p50(first), "< 2 ms", lambda v: v < 2, " ms")
    check("first page p99", first["p99_ms"] if first else None, "< 5 ms", lambda v: v < 5, " ms")
    check("status + type + date p50", p50(filtered), "< 3 ms", lambda v: v < 3, " ms")
    check("deep page (1,000) / first page", ratios.get("deep_vs_first_keyset"), "≤ 1.2×", lambda v: v <= 1.2, "×")
    check("`GET /v1/jobs/{id}` p50", p50(detail), "< 2.5 ms", lambda v: v < 2.5, " ms")
    check("`POST /v1/jobs` p50", p50(create), "< 6 ms", lambda v: v < 6, " ms")
    check("transition (`complete`) p50", p50(complete), "< 8 ms", lambda v: v < 8, " ms")
    check("naive DRF at the team's last page / ours", ratios.get("naive_last_page_vs_ours_page1000"), "≥ 100×",
          lambda v: v >= 100, "×")  # fmt: skip
    check("first page c=4 throughput", first_c4["rps"] if first_c4 else None, "≥ 1,000 req/s",
          lambda v: v >= 1000, " req/s")  # fmt: skip
    for name in NOT_SLOWER:
        now, then = _result(summary, name), _result(before or {}, name)
        if now is None:
            continue
        if then is None:
            rows.append((f"{name} p50 / p99", f"{now['p50_ms']:.2f} / {now['p99_ms']:.2f} ms", "not slower",
                         "no earlier run to compare"))  # fmt: skip
            continue
        slower = now["p50_ms"] > then["p50_ms"] * 1.15 or now["p99_ms"] > then["p99_ms"] * 1.15
        rows.append((f"{name} p50 / p99 (before → now)",
                     f"{then['p50_ms']:.2f} / {then['p99_ms']:.2f} → {now['p50_ms']:.2f} / {now['p99_ms']:.2f} ms",
                     "not slower (±15%)", "**slower**" if slower else "held"))  # fmt: skip
    jobs = summary.get("jobs", 0)
    rows.append(("data size", f"{jobs:,} jobs", "1M, and 10M within 1.2× of 1M",
                 "10M: run `BENCH_JOBS=10000000 make bench` and compare" if jobs < 5_000_000 else "compare with 1M"))  # fmt: skip
    return rows


def render_markdown(summary: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    load = summary.get("load", {})
    lines = [f"# Benchmark ({summary['jobs']:,} jobs, {summary['when'][:19]}Z, seed {summary['seed_seconds']} s, "
             f"run {summary.get('run_seconds', 0):.0f} s)", "",
             f"Load average at the start / end: {load.get('start', '?')} / {load.get('end', '?')} "
             f"({load.get('cores', '?')} cores).", "",
             "## Targets (issue 21)", "", "| figure | this run | target | |", "|---|---|---|---|"]  # fmt: skip
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(summary, before)]
    lines += ["", "## Every scenario", "", "| endpoint | c | p50 ms | p95 ms | p99 ms | req/s | non-2xx |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in summary["results"]:
        lines.append(f"| {r['name']} | {r['concurrency']} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['p99_ms']:.2f} "
                     f"| {r['rps']:.0f} | {r['non2xx']} |")  # fmt: skip
    lines += ["", "| ratio | value |", "|---|---|"]
    lines += [f"| {name} | {value:.2f}× |" for name, value in summary["ratios"].items()]
    if summary.get("paired_with_ceiling_p50_ms"):
        lines += [
            "",
            "| paired round (one worker each) | first page p50 ms | ceiling p50 ms | ratio |",
            "|---|---|---|---|",
        ]
        lines += [f"| {i} | {ours:.2f} | {raw:.2f} | {ours / raw:.2f}× |"
                  for i, (ours, raw) in enumerate(summary["paired_with_ceiling_p50_ms"], 1)]  # fmt: skip
    lines += ["", "| in-process, per request | mean µs | p50 µs | p99 µs |", "|---|---|---|---|"]
    lines += [f"| {name} | {f['mean_us']:.0f} | {f['p50_us']:.0f} | {f['p99_us']:.0f} |"
              for name, f in summary["auth_and_throttle_us"].items()]  # fmt: skip
    lines += ["", "| queries per request | count |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in summary["queries_per_request"].items()]
    lines += ["", f"Sequential scans on jobs: {', '.join(summary['seq_scans_on_jobs']) or 'none'}", ""]
    if summary.get("layers_markdown"):
        lines += ["## Layers (bench/layers.py: in-process, CPU of the worker and wall, per request)", "",
                  summary["layers_markdown"]]  # fmt: skip
    return "\n".join(lines)


def plot(results: list[Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results if r.concurrency == 1]
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(rows) + 1.5))
    names = [r.name for r in rows]
    ax.barh(names, [r.p99_ms for r in rows], color="#f2b134", label="p99")
    ax.barh(names, [r.p50_ms for r in rows], color="#2f6f8f", label="p50")
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale), c=1")
    ax.invert_yaxis()
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
