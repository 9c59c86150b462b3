"""bench/RESULTS.md: this command's sections, between its markers; the rest of the file (the
seeding figures of bench/seed.py, anything else) is left as it is."""

from pathlib import Path
from typing import Any

from bench.machine import PACKAGES
from bench.report_peers import load_section, load_summary, peer_section, peer_summary

START = "<!-- python -m bench: start -->"
END = "<!-- python -m bench: end -->"
# The floor (issue 17) keeps its own section, so `--only floor` leaves the others' figures.
FLOOR_START = "<!-- python -m bench floor: start -->"
FLOOR_END = "<!-- python -m bench floor: end -->"
FLOOR_RATIO = 2.0
FLOOR_SLOPE_MS = 0.25
AUDIT_PER_STORE = 3

TARGETS = {
    "physical": ("gateway ≥ 1/4 of the plain endpoint's requests/s", lambda r: r >= 0.25),
    "scale": ("deep page / first page latency ≤ 1.5", lambda r: r <= 1.5),
    "memory": ("RSS growth < 10 %", lambda r: r < 0.10),
}


def _verdict(item: str, value: float) -> str:
    label, met = TARGETS[item]
    return f"{'met' if met(value) else '**not met**'} (target: {label})"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _sides_table(sides: list[dict[str, Any]], reference: dict[str, Any] | None = None) -> list[str]:
    lines = [
        "| | requests/s | p50 ms | p99 ms | server CPU ms/request | requests | answers with "
        "errors |" + (" ratio |" if reference else ""),
        "|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if reference else ""),
    ]
    for side in sides:
        row = (
            f"| {side['label']} | {side['rps']:,.1f} | {_ms(side['p50_ms'])} | "
            f"{_ms(side['p99_ms'])} | {_ms(side['cpu_ms_per_request'])} | {side['requests']:,} | "
            f"{side['graphql_errors']:,} |"
        )
        if reference:
            row += f" {side['rps'] / reference['rps']:.3f} |"
        lines.append(row)
    return lines


def _machine(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    settings = results["settings"]
    packages = ", ".join(f"{name} {m[name]}" for name in PACKAGES if name in m)
    lines = [
        f"- Command: `{results['command']}` (from the repository root, with the project's "
        "virtual environment; `bash bench/setup.sh` installs wrk, py-spy and bench/apollo's "
        "packages, and the command runs it itself when one is missing).",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['memory']} memory, {m['os']}; "
        f"load average {results['load_average_before']:.2f} before the run and "
        f"{results['load_average_after']:.2f} after it (other work shared the machine: "
        "compare the ratios, not the absolute figures).",
        f"- Python {m['python']}, SQLite {m['sqlite']}"
        + (f", PostgreSQL {results['postgresql']}" if results.get("postgresql") else "")
        + f"; {packages}; Node.js {m['node']}; {m['wrk']}.",
        f"- Servers: each its own process, one uvicorn worker on 127.0.0.1 ({m['uvicorn']}), "
        "no access log; the load generator is wrk (one thread, "
        f"{settings['connections']} connections unless said otherwise), each measured run "
        f"{settings['seconds']:.0f} s, {settings['rounds']} runs per side taking turns after a "
        "warm-up; p50/p99 are the median of the runs' percentiles. The agreement's per-client "
        "rate limit is raised for the run (one client sends every request); nothing else is "
        "changed. The stores get `ANALYZE` after seeding.",
        f"- The run took {results['minutes']:.0f} minutes.",
    ]
    return lines


def render(results: dict[str, Any]) -> str:
    lines = [START, "", "## Gateway benchmarks (`python -m bench`)", ""]
    lines += _machine(results)
    if "sqlite" in results:
        lines.append(
            f"- SQLite stores: {results['sqlite']['cases_per_administration']:,} cases per "
            "administration, seeded by `seed_store` (seed 7)."
        )
    summary = _summary(results)
    if summary:
        lines += ["", "### Summary", "", "| item | figure | verdict |", "|---|---|---|", *summary]
    if "physical" in results:
        lines += _physical(results["physical"])
    if "overhead" in results:
        lines += _overhead(results["overhead"])
    if "peer" in results:
        lines += peer_section(results["peer"])
    if "scale" in results:
        lines += _scale(results["scale"])
    if "counts" in results:
        lines += _counts(results["counts"])
    if "memory" in results:
        lines += _memory(results["memory"])
    if "load" in results:
        lines += load_section(results["load"])
    for name, failure in results.get("failed", {}).items():
        lines += ["", f"**{name} failed in this run:** `{failure}`"]
    lines += ["", END, ""]
    return "\n".join(lines)


def _summary(results: dict[str, Any]) -> list[str]:
    rows = []
    if "physical" in results:
        ratio = results["physical"]["ratio"]
        rows.append(
            f"| 1. physical limit | gateway / plain requests/s = {ratio:.3f} "
            f"(1/{1 / ratio:.0f}) | {_verdict('physical', ratio)} |"
        )
    if "overhead" in results:
        o = results["overhead"]
        rows.append(
            f"| 2. gateway overhead | distributed gateway / one subgraph requests/s = "
            f"{o['ratio_dashboard']:.3f} (dashboard), {o['ratio_same_fields']:.3f} (same "
            "fields) | no target |"
        )
    if "peer" in results:
        rows += peer_summary(results["peer"])
    for figure in results.get("scale", []):
        ratio = figure["ratio_p50"]
        rows.append(
            f"| 4. scale, {figure['cases_per_administration']:,} cases each | deep / first page "
            f"p50 latency = {ratio:.2f} | {_verdict('scale', ratio)} |"
        )
    if "counts" in results:
        c = results["counts"]
        sizes = [size for size in COUNTED if size in c]
        rows.append(
            "| 5. counts | statements "
            + " / ".join(str(c[size]["statements"]) for size in sizes)
            + ", source calls "
            + " / ".join(str(c[size]["source_calls"]) for size in sizes)
            + f" (pages of {' / '.join(COUNTED[size] for size in sizes)}) | "
            f"{_counts_verdict(c)} |"
        )
    if "memory" in results:
        growth = results["memory"]["growth"]
        rows.append(
            f"| 6. memory | RSS growth over {results['memory']['seconds']:.0f} s of load = "
            f"{100 * growth:+.1f} % | {_verdict('memory', growth)} |"
        )
    if "load" in results:
        rows += load_summary(results["load"])
    return rows


# Item 5's pages, as the results name them and as the report names them.
COUNTED = {
    "10": "10 (first)",
    "10-both": "10 (both owners)",
    "50": "50",
    "100": "100",
}


def _counts_verdict(c: dict[str, Any]) -> str:
    keys = ("statements", "source_calls")
    both = c.get("10-both")
    if both is None or set(both["cases_by_owner"]) != set(c["100"]["cases_by_owner"]):
        return "**not met**: no page of 10 holds both administrations' cases (target: equal)"
    if all(both[key] == c["100"][key] for key in keys):
        return (
            "met for pages holding the same administrations' cases (10 vs 100); the first page "
            "of 10 holds only the caller's own cases and asks the partner less (target: equal)"
        )
    return "**not met** (target: equal for page sizes 10 and 100)"


def _physical(p: dict[str, Any]) -> list[str]:
    sides = p["sides"]
    return [
        "",
        "### 1. Physical limit",
        "",
        f"`bench/operations/DashboardCases.graphql` (first: 50) as `{p['caller']}`: "
        f"{p['cases']} cases ({', '.join(f'{n} {o}' for o, n in sorted(p['owners'].items()))}) "
        f"with {p['parties']} parties, each party's entity resolved from its owner; "
        f"{p['answer_bytes']:,} bytes of JSON. The plain endpoint is a Starlette route that "
        "returns those bytes, precomputed, served alike.",
        "",
        *_sides_table(sides, sides[1]),
        "",
        f"Profile of the gateway under this load: `{p.get('profile', 'not taken')}`.",
    ]


def _overhead(o: dict[str, Any]) -> list[str]:
    sides = o["sides"]
    return [
        "",
        "### 2. Gateway overhead",
        "",
        f"As `{o['caller']}`, the distributed gateway (`cmaa gateway --config`'s app over the "
        "two `cmaa subgraph` apps, each its own process over its SQLite store) against the UZ "
        "subgraph asked directly for its own `cases` (`bench/operations/SubgraphCases.graphql`"
        ": the same case and handling fields, without the parties, whose entities one subgraph "
        "alone cannot resolve when the other administration holds them). The gateway's "
        "answer holds both administrations' cases: it asks both subgraphs for a page, merges "
        "them, and for the dashboard resolves parties and their entities in both (six "
        "subgraph calls). Server CPU counts every process that served the request.",
        "",
        *_sides_table(sides, sides[2]),
    ]


def _scale(figures: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "### 4. Scale: keyset pagination in PostgreSQL",
        "",
        "The embedded gateway over two PostgreSQL stores, `DashboardCases` (first: 50) as "
        "`uz-dashboard`, one request at a time (wrk, 1 connection): the first page against "
        f"the page after {figures[0]['offset'] if figures else 10_000:,} records of the merged "
        "list (its cursor reached by walking pages of 100). Both pages count the whole list "
        "(`totalCount`).",
        "",
        "| cases per administration | how built | first page p50 ms | deep page p50 ms | "
        "p50 ratio | mean ratio |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for f in figures:
        first, deep = f["sides"]
        built = (
            f"{f['seeded_per_administration']:,} by `seed_store` "
            f"({f['seed_seconds']:.0f} s for both)"
        )
        if f["copied_per_administration"]:
            built += (
                f", {f['copied_per_administration']:,} copies in SQL ({f['copy_seconds']:.0f} s)"
            )
        lines.append(
            f"| {f['cases_per_administration']:,} | {built} | {_ms(first['p50_ms'])} | "
            f"{_ms(deep['p50_ms'])} | {f['ratio_p50']:.2f} | {f['ratio_mean']:.2f} |"
        )
    seeded = [f for f in figures if f["seeded_per_administration"]]
    if seeded:
        rate = max(2 * f["seeded_per_administration"] / f["seed_seconds"] for f in seeded)
        largest = max(f["cases_per_administration"] for f in figures)
        lines += [
            "",
            f"`seed_store` wrote {rate:,.0f} cases a second here (both stores, with their "
            f"entities, evidence, requests and releases): seeding {largest:,} cases per "
            f"administration that way would take about {2 * largest / rate / 60:,.0f} minutes. "
            "So each store gets at most `--scale-seeded` seeded cases and the rest as SQL "
            "copies of them (`bench/world.py`: each copy keeps its offences, party links and "
            "release items, moved back in time by whole seeded periods, so the seeded cases "
            "stay the newest). Sizes are `--scale-cases`.",
        ]
    return lines


def _counts(c: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "### 5. Counts per dashboard operation",
        "",
        "In process (the embedded app over the SQLite stores, through httpx's ASGI transport), "
        "`DashboardCases` as `uz-dashboard` after two warm-up requests: SQL statements seen by "
        "SQLAlchemy's `before_cursor_execute` on both stores' engines, and calls into the "
        "administrations' sources.",
        "",
        "The first pages of 10, 50 and 100 cases, and a page of 10 that holds both "
        "administrations' cases (the first such window of the page of 100, asked for after "
        "the cursor of the case before it): the statements and calls depend on which "
        "administrations' cases a page holds, not on how many.",
        "",
        "| page | cases (by owner) | parties | SQL statements (US + UZ store) | of which "
        "audit | source calls (US + UZ) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for size in [size for size in COUNTED if size in c]:
        f = c[size]
        owners = ", ".join(f"{n} {o}" for o, n in sorted(f["cases_by_owner"].items()))
        stores = f["statements_by_store"]
        calls = f["source_calls_by_administration"]
        lines.append(
            f"| {COUNTED[size]} | {f['cases']} ({owners}) | {f['parties']} | {f['statements']} "
            f"({stores.get('US', 0)} + {stores.get('UZ', 0)}) | "
            f"{f['statements_by_kind'].get('audit', 0)} | {f['source_calls']} "
            f"({calls.get('US', 0)} + {calls.get('UZ', 0)}) |"
        )
    return lines


def _memory(m: dict[str, Any]) -> list[str]:
    return [
        "",
        "### 6. Memory",
        "",
        f"The embedded gateway's resident set size: {m['rss_at_start_kib'] / 1024:.1f} MiB "
        "when it started; "
        f"{m['rss_before_kib'] / 1024:.1f} MiB before {m['seconds']:.0f} s of `DashboardCases` "
        f"load ({m['requests']:,} requests, after the earlier items' load), "
        f"{m['rss_after_kib'] / 1024:.1f} MiB after: {100 * m['growth']:+.1f} %"
        + (
            f" ({m['graphql_errors']:,} of the answers carried errors)."
            if m.get("graphql_errors")
            else "."
        ),
    ]


def render_floor(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        FLOOR_START,
        "",
        "## The Python floor (`python -m bench --only floor`)",
        "",
        f"- Command: `{results['command']}`; machine: {m['cores']} cores ({m['cpu']}), "
        f"Python {m['python']}, graphql-core {m.get('graphql-core')}, strawberry-graphql "
        f"{m.get('strawberry-graphql')}; load average {results['load_average_before']:.2f} "
        f"before and {results['load_average_after']:.2f} after (other work shared the "
        "machine: compare the ratios, not the absolute figures).",
    ]
    failure = results.get("failed", {}).get("floor")
    if failure:
        return "\n".join(
            [*lines, "", f"**The floor failed in this run:** `{failure}`", "", FLOOR_END, ""]
        )
    f = results["floor"]
    gateway = f["gateway_ms"]
    owners = ", ".join(f"{n} {o}" for o, n in sorted(f["owners"].items()))
    counts = {
        label: f["counts"][label] for label in ("10", "10-both", "100") if label in f["counts"]
    }
    audit_most = max(
        store["audit"] for page in counts.values() for store in page["by_store"].values()
    )
    # Like with like: the page of 10 that holds both administrations' cases, and the 100.
    compared = [counts[label] for label in ("10-both", "100") if label in counts]
    constant = len(compared) == 2 and len({page["statements"] for page in compared}) == 1
    lines += [
        f"- Data: {f['cases_per_administration']:,} cases per administration in two SQLite "
        "stores, seeded by `seed_store` (seed 7); caller "
        f"`{f['caller']}`; `bench/operations/{f['operation']}.graphql`. First 50: "
        f"{f['cases']} cases ({owners}) with {f['parties']} parties, "
        f"{f['answer_bytes']:,} bytes of JSON.",
        "- Embedded gateway: the demo's app called as an ASGI app in the measuring process "
        "(no sockets, no HTTP client), from the request's bytes to the answer's bytes; CPU "
        "is `time.process_time()` of that process (every thread: the stores' SQLite threads "
        f"are in it; idle, the process spends {f['idle_cpu_ms_per_s']:.1f} ms a second).",
        "- Floor: stock graphql-core `execute` with its default resolvers, over a schema built "
        "from `schema/exchange.graphql` (no resolvers), the operation parsed and validated "
        "once, the gateway's own first-50 answer held as plain dicts as the root value, then "
        "`orjson.dumps`; in a fresh process of its own, `time.process_time()`.",
        f"- {f['rounds']} rounds, gateway and floor taking turns; each round "
        f"{f['calls_per_round']} answers per page size (the floor {4 * f['calls_per_round']}), "
        "each side after three untimed ones; the median of the rounds.",
        "",
        "| item | figure | verdict |",
        "|---|---|---|",
        f"| floor ratio | first 50: {gateway['50']:.1f} ms / {f['floor_ms']:.1f} ms = "
        f"**{f['ratio']:.2f}×** | {'met' if f['ratio'] <= FLOOR_RATIO else '**not met**'} "
        f"(target ≤ {FLOOR_RATIO}×) |",
        f"| slope | first 1 / 10 / 100: {gateway['1']:.1f} / {gateway['10']:.1f} / "
        f"{gateway['100']:.1f} ms; (100 − 10) / 90 = **{f['slope_ms_per_case']:.3f} ms per "
        f"case** | {'met' if f['slope_ms_per_case'] <= FLOOR_SLOPE_MS else '**not met**'} "
        f"(target ≤ {FLOOR_SLOPE_MS} ms) |",
        "| statements | pages of 10 (first) / 10 (both owners) / 100: "
        + " / ".join(str(page["statements"]) for page in counts.values())
        + f" | {'met' if constant else '**not met**'} (target: constant in page size, "
        "pages holding the same administrations' cases) |",
        f"| audit statements | at most {audit_most} per store per operation | "
        f"{'met' if audit_most <= AUDIT_PER_STORE else '**not met**'} "
        f"(target ≤ {AUDIT_PER_STORE}) |",
        "",
        "SQL statements per answer (SQLAlchemy's `before_cursor_execute` on both stores, "
        "after the warm-up, with the audit checkpointers stopped: they sign the logs in the "
        "background, on no answer's path; statements of the token's verification, reading "
        "keys or the deny-list, are the request's and counted apart):",
        "",
        "| page | cases (by owner) | statements | US records + audit | UZ records + audit | "
        "token checks |",
        "|---|---|---:|---:|---:|---:|",
    ]
    labels = {"10": "10 (first)", "10-both": "10 (both owners)", "100": "100"}
    for first, page in counts.items():
        by_owner = ", ".join(f"{n} {o}" for o, n in sorted(page["cases_by_owner"].items()))
        us, uz = page["by_store"]["US"], page["by_store"]["UZ"]
        lines.append(
            f"| {labels.get(first, first)} | {by_owner} | {page['statements']} | "
            f"{us['records']} + {us['audit']} "
            f"| {uz['records']} + {uz['audit']} | {page.get('token_statements', 0)} |"
        )
    lines += ["", FLOOR_END, ""]
    return "\n".join(lines)


def write(path: Path, section: str, start: str = START, end: str = END) -> None:
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in existing and end in existing:
        before = existing[: existing.index(start)]
        after = existing[existing.index(end) + len(end) :].lstrip("\n")
        updated = before + section.rstrip("\n") + "\n" + (("\n" + after) if after else "")
    elif existing:
        updated = existing.rstrip("\n") + "\n\n" + section
    else:
        updated = "# Benchmark results\n\n" + section
    path.write_text(updated, encoding="utf-8")
