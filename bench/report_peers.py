"""The report's sections of item 3 (the Node peers) and item 7 (load on `cmaa demo`)."""

from typing import Any

# Issue 17's targets for item 3.
APOLLO_RPS_FACTOR = 1.5


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _met(met: bool) -> str:
    return "met" if met else "**not met**"


def _sides_table(sides: list[dict[str, Any]], reference: dict[str, Any]) -> list[str]:
    lines = [
        "| | requests/s | p50 ms | p99 ms | server CPU ms/request | requests | answers with "
        "errors | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for side in sides:
        lines.append(
            f"| {side['label']} | {side['rps']:,.1f} | {_ms(side['p50_ms'])} | "
            f"{_ms(side['p99_ms'])} | {_ms(side['cpu_ms_per_request'])} | {side['requests']:,} | "
            f"{side['graphql_errors']:,} | {side['rps'] / reference['rps']:.3f} |"
        )
    return lines


def _cpu_split(sides: list[dict[str, Any]]) -> list[str]:
    """Who spends the CPU: each process's milliseconds per request, on each side."""
    names = list(dict.fromkeys(name for side in sides for name in side["cpu_ms_by_server"]))
    if not names:
        return []
    lines = [
        "Server CPU ms per request, by process (the median of the runs):",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for side in sides:
        spent = side["cpu_ms_by_server"]
        lines.append(
            f"| {side['label']} | " + " | ".join(_ms(spent.get(name)) for name in names) + " |"
        )
    return lines


def _gateway_cpu(p: dict[str, Any]) -> tuple[float | None, float | None]:
    cpu = p.get("gateway_cpu_ms", {})
    return cpu.get("ours"), cpu.get("apollo-gateway")


def peer_summary(p: dict[str, Any]) -> list[str]:
    ours, apollo = _gateway_cpu(p)
    rows = []
    if ours is not None and apollo is not None:
        rows.append(
            f"| 3. peers: gateway CPU | our distributed gateway's own CPU per answer / Apollo "
            f"Gateway's = {ours:,.1f} / {apollo:,.1f} ms = {ours / apollo:.2f} | "
            f"{_met(ours <= apollo)} (target: ≤ 1) |"
        )
    ratio = p["ratio"]
    rows.append(
        f"| 3. peers: requests/s | ours / Apollo Gateway = {ratio:.3f} | "
        f"{_met(ratio >= APOLLO_RPS_FACTOR)} (target: ≥ {APOLLO_RPS_FACTOR}) |"
    )
    for name, hive_ratio in p.get("ratio_by_peer", {}).items():
        if name.startswith("hive"):
            how = "its default" if name == "hive-gateway" else "no shared subgraph requests"
            rows.append(
                f"| 3. peers: requests/s | ours / Hive Gateway ({how}) = {hive_ratio:.3f} | "
                f"{_met(hive_ratio >= 1.0)} (target: ≥ 1) |"
            )
    return rows


def peer_section(p: dict[str, Any]) -> list[str]:
    sides = p["sides"]
    versions = ", ".join(f"{name} {version}" for name, version in p["versions"].items())
    lines = [
        "",
        "### 3. Peers: Apollo Gateway and Hive Gateway",
        "",
        f"Node peers ({versions}; `bench/apollo/`, installed by `bench/setup.sh` from the "
        "lock file) over one supergraph composed by @apollo/composition from the two "
        "subgraphs' own SDLs (`_service { sdl }`), each forwarding the caller's Authorization "
        "header to the subgraphs, against our distributed gateway over the same two subgraph "
        "processes. Apollo Gateway: @apollo/server with a RemoteGraphQLDataSource whose "
        "willSendRequest copies the header. Hive Gateway: its own command "
        "(`hive-gateway supergraph FILE --fork 1`, one process) with "
        "`bench/apollo/hive-gateway.config.mjs` (propagateHeaders, introspection, GraphiQL and "
        "landing page off, errors masked), its JavaScript query planner (the default). "
        "By default Hive Gateway lets identical subgraph requests in flight share one "
        "(same subgraph, body and headers: here the same caller asking the same page from "
        "four connections at once), so it is measured twice: as it ships, and with "
        "`deduplicateInflightRequests: false` (each answer makes its own subgraph requests, "
        "as Apollo Gateway's and ours do; ours must, since every operation's partner reads "
        "are in the owner's audit log).",
        "",
        f"The operation: one administration's cases (first: {p['first']}) with their handling "
        "and their parties' entities, each entity read from the administration that holds it, "
        f"as `{p['caller']}` (a designated official with every read scope). The Node peers get "
        "`PeerSubgraphCases`: `uzCases` (with `parties`) from the UZ subgraph, then the "
        "entities the US holds from the US subgraph through `_entities` (`UsEntity` "
        "references, whose `entity` only the holder's subgraph resolves). Ours gets "
        f"`PeerCases`: `cases` filtered to the same owner ({', '.join(p['owners'])}); it asks "
        "that subgraph for the cases and their party links, then each holder for its "
        f"entities. The page holds {p['cases']} cases with {p['parties']} parties, "
        f"{p['partner_entities']} of whose entities the partner holds; every answer carries "
        "the same cases and the same entities in the same order (the run checks each peer's "
        "against ours first and stops if one differs; a party whose entity the caller may not "
        "see is absent from ours and has a null `entity` in the peers').",
        "",
        *_sides_table(sides, sides[1]),
        "",
        *_cpu_split(sides),
    ]
    ours, apollo = _gateway_cpu(p)
    if ours is not None and apollo is not None:
        lines += [
            "",
            f"The gateway process alone: ours {ours:,.1f} ms of CPU per answer, Apollo "
            f"Gateway {apollo:,.1f} ms ({ours / apollo:.2f}×), "
            + ", ".join(
                f"{name} {_ms(cpu)} ms"
                for name, cpu in p["gateway_cpu_ms"].items()
                if name.startswith("hive")
            )
            + ".",
        ]
    if p.get("profile"):
        lines += [
            "",
            f"Profile of our distributed gateway on this operation: `{p['profile']}`.",
        ]
    return lines


def load_summary(load: dict[str, Any]) -> list[str]:
    rows = []
    for side in load["sides"]:
        bad = side["source_unavailable"] + side["non_2xx"] + side["errors"]
        rows.append(
            f"| 7. load, {side['label']} | {side['rps']:,.1f} requests/s, p50 "
            f"{_ms(side['p50_ms'])} ms, p99 {_ms(side['p99_ms'])} ms; "
            f"{side['source_unavailable']} SOURCE_UNAVAILABLE, {side['non_2xx']} non-2xx, "
            f"{side['errors']} socket errors | "
            + (
                f"{_met(bad == 0)} (target: 0 of each)"
                if side["workers"] > 1
                else "reference (target applies to 2 workers)"
            )
            + " |"
        )
    return rows


def load_section(load: dict[str, Any]) -> list[str]:
    audit = load["audit_verify"]
    lines = [
        "",
        "### 7. Load: `cmaa demo` with one and two workers",
        "",
        f"`cmaa demo --data-dir COPY --workers N` started as a user starts it, over a copy of "
        "the run's SQLite stores (the per-client rate limit raised, the agreement's source "
        f"timeout as it is), `{load['operation']}` (first: {load['first']}) as "
        f"`{load['caller']}`, {load['connections']} connections for {load['seconds']:.0f} s "
        "after a warm-up, wrk with a 30 s request timeout. The demo's own defaults: at most 4 "
        "operations at once per worker (`CMAA_MAX_OPERATIONS`), one call at a time per SQLite "
        "store per worker. Server CPU counts the supervisor and every worker process. Load "
        "average (1 min) before and after each run as given.",
        "",
        "| | requests/s | p50 ms | p99 ms | max ms | server CPU ms/request | requests | "
        "SOURCE_UNAVAILABLE | other GraphQL errors | non-2xx | socket errors | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in load["sides"]:
        other = s["graphql_errors"] - s["source_unavailable"]
        lines.append(
            f"| {s['label']} | {s['rps']:,.1f} | {_ms(s['p50_ms'])} | {_ms(s['p99_ms'])} | "
            f"{_ms(s['max_ms'])} | {_ms(s['cpu_ms_per_request'])} | {s['requests']:,} | "
            f"{s['source_unavailable']:,} | {other:,} | {s['non_2xx']:,} | {s['errors']:,} | "
            f"{s['load_average_before']:.1f} → {s['load_average_after']:.1f} |"
        )
    verdict = "both chains verify" if audit["exit_code"] == 0 else "**failed**"
    lines += [
        "",
        f"Afterwards `cmaa audit verify --data-dir COPY` (both administrations' audit chains, "
        f"after every worker appended to them at once): {verdict} (exit {audit['exit_code']}).",
    ]
    if load.get("note"):
        lines += ["", load["note"]]
    return lines
