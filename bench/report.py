"""docs/benchmarks.md, written from the figures of every run kept in docs/benchmarks.json (one
entry per database engine and scale; a run replaces its own entry and keeps the others)."""

import json
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DOCS = BASE_DIR / "docs" / "benchmarks.md"
RESULTS = BASE_DIR / "docs" / "benchmarks.json"
ENGINES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
KB = 1024

# wrk pages: ratio to the bare WSGI app (at least) and p99 (below), from issue 12. The uncached week
# view has none under wrk: at 16 connections on 2 workers its p99 is mostly queueing (the in-process
# table gives its own time); its rate says how many first visits after a change the servers take.
PAGE_TARGETS = {
    "info": {"ratio": 0.35, "p99": 50},
    "week": {"ratio": 0.15, "p99": 50},
    "book": {"ratio": 0.02, "p99": 100},
}
# At 200 clinicians and more the week view's p99 may reach 100 ms.
LARGE_SCALE = 200
LARGE_WEEK_P99 = 100
TIME_TARGET_MS = 100  # uncached week view (p99), staff schedule, admin list and searches (median)
GENERATION_TARGET_S = 60  # a year of slots for 200 clinicians
PAGE_WEIGHT_TARGET = 100 * KB


def load() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def save(result: dict) -> None:
    results = load()
    results[f"{result['engine']}-{result['scale']}"] = result
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    DOCS.write_text(render(results))


# --- Verdicts ---------------------------------------------------------------------------------


def mark(met: bool | None) -> str:
    return "" if met is None else (" ✓" if met else " ✗ **missed**")


def page_target(key: str, scale: int) -> dict | None:
    target = PAGE_TARGETS.get(key)
    if target and key == "week" and scale >= LARGE_SCALE:
        return {**target, "p99": LARGE_WEEK_P99}
    return target


def page_met(page: dict, scale: int) -> bool | None:
    target = page_target(page["key"], scale)
    if not target:
        return None
    return page["ratio"] >= target.get("ratio", 0) and page["p99"] < target["p99"]


def page_goal(key: str, scale: int) -> str:
    target = page_target(key, scale)
    if not target:
        return ""
    return f"≥ {target['ratio']:.2f} of bare, p99 < {target['p99']} ms"


def timing_met(timing: dict) -> bool | None:
    if timing["status"] != 200:
        return False
    if timing["what"].startswith("Week view"):
        return timing["p99_ms"] < TIME_TARGET_MS
    if "every clinician" in timing["what"]:
        return None  # no target: the page staff open is one team's day or one clinician's week
    return timing["median_ms"] < TIME_TARGET_MS


def timing_goal(timing: dict) -> str:
    if timing["what"].startswith("Week view"):
        return f"p99 < {TIME_TARGET_MS} ms"
    if "every clinician" in timing["what"]:
        return ""
    return f"< {TIME_TARGET_MS} ms"


def timing_label(timing: dict) -> str:
    return f"{timing['what']} `{timing['note']}`" if timing.get("note") else timing["what"]


def timing_value(timing: dict) -> str:
    if timing["status"] != 200:
        return f"answered {timing['status']}"
    rows = f", {timing['rows']:,} rows" if timing.get("rows") is not None else ""
    if timing["what"].startswith("Week view"):
        return f"{timing['median_ms']:.1f} / p99 {timing['p99_ms']:.1f} ms ({timing['queries']} q{rows})"
    return f"{timing['median_ms']:.1f} ms ({timing['queries']} q{rows})"


def generation_goal(seconds: float) -> str:
    return f" (target < {GENERATION_TARGET_S} s at {LARGE_SCALE} clinicians:{mark(seconds < GENERATION_TARGET_S)})"


# --- One run ----------------------------------------------------------------------------------


def size(value: float) -> str:
    if value >= KB**3:
        return f"{value / KB**3:.2f} GB"
    if value >= KB**2:
        return f"{value / KB**2:.0f} MB" if value >= 10 * KB**2 else f"{value / KB**2:.1f} MB"
    return f"{value / KB:.0f} kB"


def run_section(result: dict) -> list[str]:
    data, machine, load = result["data"], result["machine"], result["load"]
    wrk = result["wrk"]
    lines = [
        f"### {ENGINES[result['engine']]}, {result['scale']} clinicians",
        "",
        f"Run {result['run_at']}, {result['database']}, cache: {result['cache']}; whole run {result['seconds']} s.",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} CPU cores, {machine['memory_gb']} GB RAM, {machine['os']}; "
        f"{machine['software']}.",
        f"- Load average (1, 5, 15 minutes) at the start: {', '.join(map(str, load['before']))}; at the end: "
        f"{', '.join(map(str, load['after']))}. Anything else running on the machine lowers the figures.",
        f"- Data: {data['clinicians']} clinicians in {len(data['appointment_types']) // 2} team(s) of 20, "
        f"{len(data['appointment_types'])} appointment types, {data['slots']:,} slots ({data['past_slots']:,} in the "
        f"year behind), {data['bookings']:,} bookings ({data['active_bookings']:,} holding their slot, the rest "
        f"cancelled), an event and a confirmation per booking, a reminder per past appointment. Built "
        f"{data['built_at']} in {sum(data['steps'].values()):.0f} s: "
        + "; ".join(f"{what} {seconds:.1f} s" for what, seconds in data["steps"].items())
        + ".",
        f"- **Slot generation, the year ahead** (`services.generate_slots`, {data['clinicians']} clinicians, "
        f"{data['slots'] - data['past_slots']:,} slots): **{data['generation_seconds']:.1f} s**"
        + (generation_goal(data["generation_seconds"]) if result["scale"] >= LARGE_SCALE else ""),
        "",
    ]
    if result["pages"]:
        lines += [
            f"Under load: wrk {wrk['threads']} threads, {wrk['connections']} connections, {wrk['rounds']} "
            f"interleaved rounds of {wrk['duration']} s per page (bare WSGI, page, bare WSGI, page ...), gunicorn "
            f"{wrk['workers']} sync workers for both; req/s, p50, p99 and the ratio (page req/s over the bare app's "
            "in the run just before) are medians over the rounds. The uncached week view sends a session cookie, "
            "which turns the page cache off; with 16 connections on 2 workers its latency is mostly queueing, so "
            "it has no p99 target here (its own time is in the next table).",
            "",
            "| page | req/s | p50 ms | p99 ms (worst round) | bare WSGI req/s | ratio to bare "
            "| DB queries (cold / cached) | non-2xx/3xx | target |",
            "|---|--:|--:|--:|--:|--:|--:|--:|---|",
        ]
        for page in result["pages"]:
            goal = page_goal(page["key"], result["scale"])
            lines.append(
                f"| {page['title']} | {page['rps']:.0f} | {page['p50']:.1f} | {page['p99']:.1f} "
                f"({page['worst_p99']:.0f}) | {page['bare']:.0f} | {page['ratio']:.3f} | {page['queries']} "
                f"| {page['problems']} | {goal}{mark(page_met(page, result['scale'])) if goal else ''} |"
            )
        codes = next((page["codes"] for page in result["pages"] if page["key"] == "book"), None)
        if codes:
            lines += [
                "",
                f'Booking POST answers: {codes["n3xx"]} booked (302), {codes["n409"]} "just taken" (409), '
                f"{codes['n429']} rate limited (429), {codes['n4xx']} other 4xx, {codes['n5xx']} 5xx.",
            ]
        lines.append("")
    lines += [
        "One request at a time, in process (Django's test client, no HTTP; staff pages as a receptionist; "
        "median of 7 requests, the week view over about 120 distinct pages with the page cache emptied "
        "before each):",
        "",
        "| page | median ms | p99 ms | max ms | queries | rows | target |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for timing in result["timings"]:
        goal = timing_goal(timing)
        rows = f"{timing['rows']:,}" if timing.get("rows") is not None else ""
        lines.append(
            f"| {timing_label(timing)} | {timing['median_ms']:.1f} | {timing['p99_ms']:.1f} | {timing['max_ms']:.1f} "
            f"| {timing['queries']} | {rows} | {goal}{mark(timing_met(timing)) if goal else ''} |"
        )
    lines += [
        "",
        "Queries per page (cold / from the page cache): "
        + ", ".join(f"{page} {count}" for page, count in result["queries"].items())
        + ".",
        "",
        "Page weight (compressed: the HTML with gzip -6 as a proxy sends it, our static files as whitenoise "
        f"serves them; target < {PAGE_WEIGHT_TARGET // KB} KB per page):",
        "",
        "| page | HTML | HTML compressed | static files (compressed) | total compressed | target |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for weight in result["page_weight"]:
        lines.append(
            f"| {weight['what']} `{weight['path']}` | {size(weight['html_bytes'])} "
            f"| {size(weight['html_compressed'])} "
            f"| {weight['assets']} ({size(weight['assets_compressed'])}) | {size(weight['total_compressed'])} "
            f"| {mark(weight['total_compressed'] < PAGE_WEIGHT_TARGET).strip()} |"
        )
    lines += ["", "Table and index sizes:", "", "| table | rows | table | indexes |", "|---|--:|--:|---|"]
    for table in result["sizes"]:
        indexes = ", ".join(f"{name} {size(bytes_ or 0)}" for name, bytes_ in table["indexes"])
        lines.append(f"| {table['table']} | {table['rows']:,} | {size(table['table_bytes'] or 0)} | {indexes} |")
    if result["plans"]:
        how = "EXPLAIN ANALYZE" if result["engine"] == "postgresql" else "EXPLAIN QUERY PLAN"
        lines += ["", f"Query plans ({how}): how each table is read.", ""]
        for number, plan in enumerate(result["plans"], start=1):
            took = next((line for line in plan["plan"].splitlines() if line.startswith("Execution Time")), "")
            lines.append(
                f"{number}. {plan['what']}: {'; '.join(plan['scans'])}" + (f" ({took.lower()})" if took else "")
            )
        lines += ["", "<details><summary>Full plans</summary>", ""]
        for number, plan in enumerate(result["plans"], start=1):
            lines += [
                f"{number}. {plan['what']}:",
                "",
                "```sql",
                plan["sql"],
                "```",
                "",
                "```",
                plan["plan"],
                "```",
                "",
            ]
        lines += ["</details>"]
    if result.get("server_errors"):
        lines += ["", "Server errors logged:", "", "```", result["server_errors"], "```"]
    return lines


# --- Growth -----------------------------------------------------------------------------------


def growth_table(small: dict, large: dict) -> list[str]:
    """Each figure at both scales, side by side."""
    rows = []

    def row(what: str, goal: str, a: str, b: str, factor: str = "") -> None:
        rows.append(f"| {what} | {goal} | {a} | {b} | {factor} |")

    def factor(a: float, b: float) -> str:
        return f"{b / a:.1f} times" if a else ""

    da, db = small["data"], large["data"]
    row("slots / bookings", "", f"{da['slots']:,} / {da['bookings']:,}", f"{db['slots']:,} / {db['bookings']:,}",
        factor(da["slots"], db["slots"]))  # fmt: skip
    total_a = sum((t["table_bytes"] or 0) + sum(b or 0 for _, b in t["indexes"]) for t in small["sizes"])
    total_b = sum((t["table_bytes"] or 0) + sum(b or 0 for _, b in t["indexes"]) for t in large["sizes"])
    row("database size (these tables and their indexes)", "", size(total_a), size(total_b), factor(total_a, total_b))
    row(
        "slot generation, the year ahead",
        f"< {GENERATION_TARGET_S} s at 200",
        f"{da['generation_seconds']:.1f} s",
        f"{db['generation_seconds']:.1f} s{mark(db['generation_seconds'] < GENERATION_TARGET_S)}",
        factor(da["generation_seconds"], db["generation_seconds"]),
    )
    pages_a = {page["key"]: page for page in small["pages"]}
    for page_b in large["pages"]:
        page_a = pages_a.get(page_b["key"])
        if not page_a:
            continue
        goal_a, goal_b = page_goal(page_a["key"], small["scale"]), page_goal(page_b["key"], large["scale"])
        row(
            f"{page_b['title']}: ratio to bare, p99",
            goal_a if goal_a == goal_b else f"{goal_a} (at {small['scale']}); {goal_b} (at {large['scale']})",
            f"{page_a['ratio']:.3f}, {page_a['p99']:.1f} ms{mark(page_met(page_a, small['scale'])) if goal_a else ''}",
            f"{page_b['ratio']:.3f}, {page_b['p99']:.1f} ms{mark(page_met(page_b, large['scale'])) if goal_b else ''}",
            factor(page_a["p99"], page_b["p99"]),
        )
    for key, count_b in large["queries"].items():
        count_a = small["queries"].get(key, "")
        row(f"queries: {key}", "constant", count_a, count_b, "same" if count_a == count_b else "**differs**")
    timings_a = {timing["what"].split(" (")[0]: timing for timing in small["timings"]}
    for timing_b in large["timings"]:
        timing_a = timings_a.get(timing_b["what"].split(" (")[0])
        if not timing_a:
            continue
        key = "p99_ms" if timing_b["what"].startswith("Week view") else "median_ms"
        goal = timing_goal(timing_b)
        row(
            timing_b["what"],
            goal,
            timing_value(timing_a) + (mark(timing_met(timing_a)) if goal else ""),
            timing_value(timing_b) + (mark(timing_met(timing_b)) if goal else ""),
            factor(timing_a[key], timing_b[key]),
        )
    weights_a = {weight["what"]: weight for weight in small["page_weight"]}
    for weight_b in large["page_weight"]:
        weight_a = weights_a.get(weight_b["what"])
        if weight_a:
            row(
                f"page weight, {weight_b['what']}",
                f"< {PAGE_WEIGHT_TARGET // KB} KB",
                size(weight_a["total_compressed"]) + mark(weight_a["total_compressed"] < PAGE_WEIGHT_TARGET),
                size(weight_b["total_compressed"]) + mark(weight_b["total_compressed"] < PAGE_WEIGHT_TARGET),
                factor(weight_a["total_compressed"], weight_b["total_compressed"]),
            )
    return [
        f"| figure | target | {small['scale']} clinicians | {large['scale']} clinicians | growth |",
        "|---|---|---|---|---|",
        *rows,
    ]


HEADER = """# Benchmarks

Written by `make bench` (bench/run.py) from docs/benchmarks.json; do not edit by hand.

```sh
make bench                                   # SQLite, 20 clinicians (a few minutes)
BENCH_SCALE=200 make bench                   # SQLite, 200 clinicians: ten times the data
DATABASE_URL=postgres://... make bench       # PostgreSQL, in a database <name>_bench beside it
DATABASE_URL=postgres://... BENCH_SCALE=200 make bench
```

Each run replaces its own engine and scale and keeps the others. What is measured and how: the
docstrings of bench/run.py, bench/dataset.py and bench/measure.py. Capacity beyond one machine,
extrapolated from these runs: [capacity.md](capacity.md).

✓ target met, ✗ missed. "q": database queries of the request.
"""


def render(results: dict) -> str:
    lines = [HEADER]
    for engine, title in ENGINES.items():
        runs = sorted((r for r in results.values() if r["engine"] == engine), key=lambda r: r["scale"])
        if len(runs) >= 2:
            lines += [f"## {title}: from {runs[0]['scale']} to {runs[-1]['scale']} clinicians", ""]
            lines += growth_table(runs[0], runs[-1])
            lines.append("")
    lines += ["## The runs", ""]
    for engine in ENGINES:
        for result in sorted((r for r in results.values() if r["engine"] == engine), key=lambda r: r["scale"]):
            lines += run_section(result)
            lines.append("")
    return "\n".join(lines)
