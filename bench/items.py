"""The six measurements of issue 9, run in order over data built for the run."""

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from bench import world
from bench.demo_load import measure_demo_load
from bench.harness import Side, answer_bytes, compare, measure, post, request_body
from bench.profiles_summary import summarise
from bench.servers import Server, free_port, python_server, started
from store.models.domain import Administration

BENCH = Path(__file__).resolve().parent
APOLLO = BENCH / "apollo"
HIVE_BIN = APOLLO / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
# The Node peers of item 3, as the report names them.
PEER_LABELS = {
    "apollo-gateway": "Apollo Gateway",
    "hive-gateway": "Hive Gateway (its default: identical subgraph requests in flight shared)",
    "hive-gateway-unshared": "Hive Gateway (each answer its own subgraph requests)",
}
NODE_ENV = {"NODE_ENV": "production", "APOLLO_TELEMETRY_DISABLED": "1"}
NODE_PACKAGES = (
    "@apollo/gateway",
    "@apollo/server",
    "@apollo/composition",
    "@graphql-hive/gateway",
    "@graphql-hive/gateway-runtime",
    "graphql",
)
PROFILES = BENCH / "profiles"
SERVICE_SDL = b'{"query": "{ _service { sdl } }"}'
# The caller of the dashboard figures: a designated UZ official with every read scope, who
# sees UZ's own cases and the US cases released to UZ (so both sources answer, and the US
# source audits each partner read, as the agreement requires).
DASHBOARD_CALLER = "uz-dashboard"
# The caller of item 3: a designated UZ official with every read scope, whose cases' parties
# include US-held entities released to UZ.
PEER_CALLER = "uz-dashboard"
PAGE = 50
# Page sizes of item 5. The first page of 10 holds only the caller's own cases (the partner's
# released ones are older), so a later page of 10 that holds both administrations' cases is
# counted too ("10-both"), beside the first pages of 10, 50 and 100.
COUNTED_PAGES = (10, 50, 100)
BOTH_OWNERS_PAGE = 10


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Run:
    def __init__(self, arguments: argparse.Namespace, directory: Path, results: dict[str, Any]):
        self.arguments = arguments
        self.directory = directory
        self.results = results
        self.logs = directory / "logs"
        self.logs.mkdir()
        self.agreement_file = world.bench_agreement_file(directory)
        self.agreement = world.load_agreement(self.agreement_file)
        self.env = {"CMAA_AGREEMENT": str(self.agreement_file)}

    # -- the world ---------------------------------------------------------------------------

    def _stores_file(self, stores: world.Stores, name: str) -> Path:
        path = self.directory / f"{name}.json"
        path.write_text(
            json.dumps(
                {
                    "data_dir": str(stores.data_dir),
                    "urls": {a.value: url for a, url in stores.urls.items()},
                }
            ),
            encoding="utf-8",
        )
        return path

    def _sqlite_world(self) -> None:
        data_dir = self.directory / "sqlite"
        data_dir.mkdir()
        self.stores = world.Stores.sqlite(data_dir)
        cases = self.arguments.cases
        _log(f"seeding {cases} cases per administration into SQLite")
        seconds = time.monotonic()
        asyncio.run(world.seed_both(self.stores, self.agreement, cases))
        asyncio.run(world.analyse(self.stores))
        self.results["sqlite"] = {
            "cases_per_administration": cases,
            "seed_seconds": time.monotonic() - seconds,
        }
        self.embedded_port = free_port()
        self.public_url = f"http://127.0.0.1:{self.embedded_port}"
        self.credentials = asyncio.run(
            world.provision(self.stores, self.public_url, self.agreement)
        )
        self.stores_file = self._stores_file(self.stores, "sqlite-stores")
        # The subgraphs get copies of the stores: the embedded gateway (which also plays both
        # administrations' identity providers) never shares a SQLite file with them.
        copies = self.directory / "sqlite-subgraphs"
        shutil.copytree(data_dir, copies)
        # And `cmaa demo`'s, for item 7.
        self.demo_data_dir = self.directory / "sqlite-demo"
        if "load" in self.arguments.only:
            shutil.copytree(data_dir, self.demo_data_dir)
        self.subgraph_stores_file = self._stores_file(
            world.Stores.sqlite(copies), "sqlite-subgraph-stores"
        )

    def token(self, client_id: str, credentials: dict[str, Any] | None = None) -> str:
        return world.token(credentials or self.credentials, client_id)

    def _embedded(self, stores_file: Path, port: int, public_url: str, name: str) -> Any:
        return python_server(
            name,
            "embedded",
            port,
            self.logs,
            self.env,
            "--stores",
            str(stores_file),
            "--public-url",
            public_url,
        )

    def _item(self, name: str, work: Any, *arguments: Any) -> None:
        """Run one item; a failure is recorded and reported, and the other items still run."""
        if name not in self.arguments.only:
            return
        try:
            work(*arguments)
        except Exception as exc:  # the report names the failure instead of a figure
            _log(f"{name} failed: {exc}")
            self.results.setdefault("failed", {})[name] = f"{type(exc).__name__}: {exc}"[:2000]

    def execute(self) -> None:
        only = set(self.arguments.only)
        if only & {"physical", "counts", "memory", "overhead", "peer", "load"}:
            self._sqlite_world()
        if only & {"physical", "counts", "memory", "overhead", "peer"}:
            with self._embedded(
                self.stores_file, self.embedded_port, self.public_url, "embedded"
            ) as embedded:
                self.results["memory_at_start_kib"] = embedded.rss_kib()
                self._item("physical", self.physical, embedded)
                self._item("counts", self.counts)
                self._item("memory", self.memory, embedded)
                if only & {"overhead", "peer"}:
                    with self._distributed(embedded) as distributed:
                        self._item("overhead", self.overhead, distributed)
                        self._item("peer", self.peer, distributed)
        self._item("load", self.load)
        self._item("scale", self.scale)

    # -- 1. physical limit -------------------------------------------------------------------

    def physical(self, embedded: Server) -> None:
        _log("1. physical limit: embedded gateway vs plain Starlette endpoint")
        token = self.token(DASHBOARD_CALLER)
        url = f"{embedded.url}/graphql"
        body = request_body("DashboardCases", first=PAGE)
        document = post(url, body, token)
        edges = document["data"]["cases"]["edges"]
        parties = sum(len(edge["node"]["parties"]) for edge in edges)
        answer = answer_bytes(url, body, token)
        answer_file = self.directory / "dashboard-answer.json"
        answer_file.write_bytes(answer)
        port = free_port()
        with python_server(
            "plain",
            "plain",
            port,
            self.logs,
            self.env,
            "--body",
            str(answer_file),
            probe="/graphql",
        ) as plain:
            plain_url = f"{plain.url}/graphql"
            if answer_bytes(plain_url, body, token) != answer:
                raise RuntimeError("the plain endpoint does not answer the gateway's bytes")
            sides = compare(
                [
                    Side("gateway (embedded, in-process sources)", url, body, token, (embedded,)),
                    Side("plain Starlette endpoint, same bytes", plain_url, body, token, (plain,)),
                ],
                self.arguments.seconds,
                self.arguments.connections,
                self.arguments.rounds,
                self.arguments.warmup,
            )
        self.results["physical"] = {
            "operation": "DashboardCases",
            "caller": DASHBOARD_CALLER,
            "cases": len(edges),
            "owners": dict(Counter(edge["node"]["owner"] for edge in edges)),
            "parties": parties,
            "answer_bytes": len(answer),
            "sides": [side.as_dict() for side in sides],
            "ratio": sides[0].rps / sides[1].rps,
        }
        if self.arguments.profile_seconds > 0:
            self.results["physical"]["profile"] = self.profile(
                embedded, url, body, token, "dashboard-embedded"
            )

    def profile(
        self,
        server: Server,
        url: str,
        body: bytes,
        token: str,
        name: str,
        operation: str = "DashboardCases",
    ) -> str:
        """py-spy samples the server under the same load; a text summary of the event loop's
        thread goes to bench/profiles/NAME.txt."""
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        seconds = max(3, round(self.arguments.profile_seconds))
        raw = self.directory / f"{name}.raw"
        _log(f"profiling {server.name} with py-spy for {seconds} s")
        recorder = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(server.pid),
                "--duration",
                str(seconds),
                "--rate",
                "100",
                "--threads",
                "--format",
                "raw",
                "--output",
                str(raw),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(1.0)
            load = measure(url, body, token, seconds - 2, self.arguments.connections)
            recorder.wait(timeout=seconds + 60)
        finally:
            if recorder.poll() is None:
                recorder.kill()
                recorder.wait()
        if not raw.exists():
            return "py-spy wrote no profile (is ptrace allowed here?)"
        summary = summarise(raw.read_text(), top=40)
        header = (
            f"# py-spy profile of the {'distributed' if server.name == 'gateway' else server.name}"
            " gateway's event-loop thread under load "
            "(the subgraphs' processes, for the distributed one, are not in it)\n"
            f"# operation {operation} (first: {PAGE}), caller {DASHBOARD_CALLER}, "
            f"{self.arguments.connections} connections, {seconds} s at 100 Hz; "
            f"{load.load.rps:.1f} requests/s while sampled\n"
            f"# command: {self.results['command']}\n\n"
        )
        if not self.arguments.quick and not self.arguments.no_write:
            PROFILES.mkdir(exist_ok=True)
            (PROFILES / f"{name}.txt").write_text(header + summary, encoding="utf-8")
        return f"bench/profiles/{name}.txt"

    # -- 5. counts ---------------------------------------------------------------------------

    def counts(self) -> None:
        _log("5. statements and source calls per dashboard operation")
        token = self.token(DASHBOARD_CALLER)
        self.results["counts"] = asyncio.run(self._counts(token))

    async def _counts(self, token: str) -> dict[str, Any]:
        from gateway.demo import build_demo_app

        app = build_demo_app(self.stores, self.public_url, self.agreement)  # type: ignore[arg-type]
        administrations = app.state.administrations
        statements: list[tuple[str, str]] = []
        calls: Counter[str] = Counter()
        for administration, source in administrations.sources.items():

            def before(*arguments: Any, owner: str = administration.value) -> None:
                statements.append((owner, arguments[2]))

            event.listen(source.engine.sync_engine, "before_cursor_execute", before)
        original = administrations.call

        async def counted(administration: Administration, work: Any) -> Any:
            calls[administration.value] += 1
            return await original(administration, work)

        administrations.call = counted
        figures: dict[str, Any] = {}
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=self.public_url
            ) as client,
        ):

            async def count(label: str, first: int, after: str | None = None) -> dict[str, Any]:
                body = request_body("DashboardCases", first=first, after=after)
                for _ in range(2):  # caches filled, keys fetched
                    warm = await client.post("/graphql", content=body, headers=headers)
                    warm.raise_for_status()
                statements.clear()
                calls.clear()
                answer = await client.post("/graphql", content=body, headers=headers)
                document = answer.json()
                if answer.status_code != 200 or document.get("errors"):
                    raise RuntimeError(f"counts: {answer.status_code} {answer.text[:500]}")
                edges = document["data"]["cases"]["edges"]
                kinds: Counter[str] = Counter(_statement_kind(sql) for _, sql in statements)
                figures[label] = {
                    "cases": len(edges),
                    "after": after,
                    "cases_by_owner": dict(Counter(edge["node"]["owner"] for edge in edges)),
                    "parties": sum(len(edge["node"]["parties"]) for edge in edges),
                    "statements": len(statements),
                    "statements_by_kind": dict(kinds),
                    "statements_by_store": dict(Counter(owner for owner, _ in statements)),
                    "source_calls": sum(calls.values()),
                    "source_calls_by_administration": dict(calls),
                }
                return document

            answers = {first: await count(str(first), first) for first in COUNTED_PAGES}
            # The first window of the largest page that holds cases of both administrations,
            # asked for as a page of its own after the cursor of the case before it.
            edges = answers[max(COUNTED_PAGES)]["data"]["cases"]["edges"]
            owners = [edge["node"]["owner"] for edge in edges]
            for start in range(len(edges) - BOTH_OWNERS_PAGE + 1):
                if len(set(owners[start : start + BOTH_OWNERS_PAGE])) == len(Administration):
                    after = edges[start - 1]["cursor"] if start else None
                    await count(f"{BOTH_OWNERS_PAGE}-both", BOTH_OWNERS_PAGE, after)
                    figures[f"{BOTH_OWNERS_PAGE}-both"]["position"] = start
                    break
        return figures

    # -- 6. memory ---------------------------------------------------------------------------

    def memory(self, embedded: Server) -> None:
        seconds = self.arguments.memory_seconds
        _log(f"6. memory: {seconds:.0f} s of load on the embedded gateway")
        token = self.token(DASHBOARD_CALLER)
        url = f"{embedded.url}/graphql"
        body = request_body("DashboardCases", first=PAGE)
        measure(url, body, token, self.arguments.warmup, self.arguments.connections)
        before = embedded.rss_kib()
        load = measure(url, body, token, seconds, self.arguments.connections, (embedded,))
        after = embedded.rss_kib()
        self.results["memory"] = {
            "seconds": seconds,
            "requests": load.load.requests,
            "rps": load.load.rps,
            "rss_at_start_kib": self.results["memory_at_start_kib"],
            "rss_before_kib": before,
            "rss_after_kib": after,
            "growth": after / before - 1,
            "graphql_errors": load.load.graphql_errors,
        }

    # -- the distributed set-up: two subgraphs and the gateway over them --------------------

    @contextmanager
    def _distributed(self, identity: Server) -> Iterator[dict[str, Server]]:
        _log("starting the two subgraphs and the distributed gateway")
        servers: dict[str, Server] = {}
        with ExitStack() as stack:
            for administration in Administration:
                name = f"subgraph-{administration.value.lower()}"
                servers[administration.value] = stack.enter_context(
                    python_server(
                        name,
                        "subgraph",
                        free_port(),
                        self.logs,
                        self.env,
                        "--stores",
                        str(self.subgraph_stores_file),
                        "--administration",
                        administration.value,
                        "--identity",
                        identity.url,
                    )
                )
            port = free_port()
            config = self.directory / "gateway.toml"
            issuers = "\n".join(
                f'"{identity.url}/oauth/{a.value.lower()}" = '
                f'"{identity.url}/oauth/{a.value.lower()}/jwks"'
                for a in Administration
            )
            config.write_text(
                f'[gateway]\nhost = "127.0.0.1"\nport = {port}\n\n[sources]\n'
                f'US = "{servers["US"].url}"\nUZ = "{servers["UZ"].url}"\n\n'
                f"[issuers]\n{issuers}\n",
                encoding="utf-8",
            )
            servers["gateway"] = stack.enter_context(
                python_server(
                    "gateway", "gateway", port, self.logs, self.env, "--config", str(config)
                )
            )
            yield servers

    # -- 2. gateway overhead -----------------------------------------------------------------

    def overhead(self, servers: dict[str, Server]) -> None:
        _log("2. gateway overhead: distributed gateway vs one subgraph directly")
        token = self.token(DASHBOARD_CALLER)
        gateway, subgraph = servers["gateway"], servers["UZ"]
        every = (gateway, servers["US"], servers["UZ"])
        dashboard = request_body("DashboardCases", first=PAGE)
        no_parties = request_body("GatewayCasesNoParties", first=PAGE)
        direct = request_body("SubgraphCases", first=PAGE)
        for url, body in (
            (f"{gateway.url}/graphql", dashboard),
            (f"{gateway.url}/graphql", no_parties),
            (f"{subgraph.url}/graphql", direct),
        ):
            post(url, body, token)
        sides = compare(
            [
                Side(
                    "distributed gateway: DashboardCases",
                    f"{gateway.url}/graphql",
                    dashboard,
                    token,
                    every,
                ),
                Side(
                    "distributed gateway: the same without parties",
                    f"{gateway.url}/graphql",
                    no_parties,
                    token,
                    every,
                ),
                Side(
                    "UZ subgraph directly: its own `cases`, same fields",
                    f"{subgraph.url}/graphql",
                    direct,
                    token,
                    (subgraph,),
                ),
            ],
            self.arguments.seconds,
            self.arguments.connections,
            self.arguments.rounds,
            self.arguments.warmup,
        )
        if self.arguments.profile_seconds > 0:
            self.profile(
                gateway, f"{gateway.url}/graphql", dashboard, token, "dashboard-distributed"
            )
        self.results["overhead"] = {
            "caller": DASHBOARD_CALLER,
            "sides": [side.as_dict() for side in sides],
            "ratio_dashboard": sides[0].rps / sides[2].rps,
            "ratio_same_fields": sides[1].rps / sides[2].rps,
        }

    # -- 3. the peers: Apollo Gateway and Hive Gateway over the same two subgraphs ---------

    def peer(self, servers: dict[str, Server]) -> None:
        _log("3. peers: the gateway vs Apollo Gateway and Hive Gateway over the same subgraphs")
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("Node.js is needed for Apollo Gateway and Hive Gateway")
        # A designated official with every read scope: the partner's entities among their
        # own cases' parties are released to them, so every gateway crosses into the partner.
        caller = PEER_CALLER
        token = self.token(caller)
        supergraph = self._compose(servers, token)
        with ExitStack() as stack:
            peers = {
                name: stack.enter_context(
                    started(name, command, port, self.logs, env, probe="/graphql")
                )
                for name, command, port, env in _peer_commands(node, supergraph)
            }
            ours_url = f"{servers['gateway'].url}/graphql"
            peer_body = request_body("PeerSubgraphCases", first=PAGE)
            answers = {
                name: post(f"{server.url}/graphql", peer_body, token)
                for name, server in peers.items()
            }
            # Ours lists the same administration's cases (PeerSubgraphCases names the holder).
            apollo_answer = answers["apollo-gateway"]
            owners = sorted({edge["node"]["owner"] for edge in _edges(apollo_answer)})
            ours_body = request_body("PeerCases", first=PAGE, owners=owners)
            ours_answer = post(ours_url, ours_body, token)
            ours_view = _peer_view(ours_answer, exchange=True)
            for name, answer in answers.items():
                if _peer_view(answer) != ours_view:
                    raise RuntimeError(
                        f"our gateway and {PEER_LABELS[name]} give different answers"
                    )
            subgraphs = (servers["US"], servers["UZ"])
            sides = compare(
                [
                    Side(
                        "our gateway (distributed)",
                        ours_url,
                        ours_body,
                        token,
                        (servers["gateway"], *subgraphs),
                    ),
                    *(
                        Side(
                            PEER_LABELS[name],
                            f"{server.url}/graphql",
                            peer_body,
                            token,
                            (server, *subgraphs),
                        )
                        for name, server in peers.items()
                    ),
                ],
                self.arguments.seconds,
                self.arguments.connections,
                self.arguments.rounds,
                self.arguments.warmup,
            )
            profile = None
            if self.arguments.profile_seconds > 0:
                profile = self.profile(
                    servers["gateway"], ours_url, ours_body, token, "peer-distributed", "PeerCases"
                )
        partners = _partner_entities(ours_answer)
        by_side = [side.as_dict() for side in sides]
        self.results["peer"] = {
            "caller": caller,
            "owners": owners,
            "first": PAGE,
            "same_answer": True,
            "cases": len(_edges(ours_answer)),
            "parties": sum(len(edge["node"]["parties"]) for edge in _edges(ours_answer)),
            "partner_entities": partners,
            "sides": by_side,
            "ratio": sides[0].rps / sides[1].rps,
            "ratio_by_peer": {
                name: sides[0].rps / side.rps for name, side in zip(peers, sides[1:], strict=True)
            },
            "gateway_cpu_ms": {
                "ours": by_side[0]["cpu_ms_by_server"].get("gateway"),
                **{
                    name: side["cpu_ms_by_server"].get(name)
                    for name, side in zip(peers, by_side[1:], strict=True)
                },
            },
            "versions": _node_versions(),
            "profile": profile,
        }

    def _compose(self, servers: dict[str, Server], token: str) -> Path:
        arguments = []
        for administration in Administration:
            server = servers[administration.value]
            document = post(f"{server.url}/graphql", SERVICE_SDL, token)
            sdl_file = self.directory / f"{administration.value.lower()}.graphql"
            sdl_file.write_text(document["data"]["_service"]["sdl"], encoding="utf-8")
            arguments.append(f"{administration.value}={server.url}/graphql={sdl_file}")
        supergraph = self.directory / "supergraph.graphql"
        subprocess.run(
            ["node", str(APOLLO / "compose.mjs"), str(supergraph), *arguments],
            check=True,
            cwd=APOLLO,
            capture_output=True,
            text=True,
        )
        return supergraph

    # -- 7. load: `cmaa demo` with one worker and with two, at 50 connections ---------------

    def load(self) -> None:
        _log("7. load: cmaa demo, 1 and 2 workers, 50 connections")
        self.results["load"] = measure_demo_load(
            self.demo_data_dir, self.logs, self.env, self.arguments.quick
        )

    # -- 4. scale: keyset pagination in PostgreSQL ------------------------------------------

    def scale(self) -> None:
        figures = []
        postgres = self.arguments.postgres_url
        self.results["postgresql"] = asyncio.run(world.postgres_version(postgres))
        for size in self.arguments.scale_sizes:
            _log(f"4. scale: {size:,} cases per administration in PostgreSQL")
            prefix = "cmaa_bench_scale"
            try:
                figures.append(self._scale_one(size, prefix))
            except Exception as exc:  # one size failing leaves the others' figures
                _log(f"scale {size:,} failed: {exc}")
                failed = self.results.setdefault("failed", {})
                failed[f"scale {size:,}"] = f"{type(exc).__name__}: {exc}"[:2000]
            finally:
                asyncio.run(world.drop_databases(postgres, prefix))
        self.results["scale"] = figures

    def _scale_one(self, size: int, prefix: str) -> dict[str, Any]:
        postgres = self.arguments.postgres_url
        urls = asyncio.run(world.create_databases(postgres, prefix))
        data_dir = self.directory / f"postgres-{size}"
        data_dir.mkdir()
        stores = world.Stores(data_dir, urls)
        seeded = min(size, self.arguments.scale_seeded)
        started_at = time.monotonic()
        asyncio.run(world.seed_both(stores, self.agreement, seeded))
        seed_seconds = time.monotonic() - started_at
        started_at = time.monotonic()
        copies = asyncio.run(world.copy_cases(stores, size))
        copy_seconds = time.monotonic() - started_at
        asyncio.run(world.analyse(stores))
        counted = asyncio.run(world.count_cases(stores))
        port = free_port()
        public_url = f"http://127.0.0.1:{port}"
        credentials = asyncio.run(world.provision(stores, public_url, self.agreement))
        stores_file = self._stores_file(stores, f"postgres-{size}")
        with self._embedded(stores_file, port, public_url, f"embedded-postgres-{size}") as server:
            token = self.token(DASHBOARD_CALLER, credentials)
            url = f"{server.url}/graphql"
            cursor, walked = self._walk(url, token, self.arguments.scale_offset)
            first_body = request_body("DashboardCases", first=PAGE)
            deep_body = request_body("DashboardCases", first=PAGE, after=cursor)
            deep = post(url, deep_body, token)
            if len(deep["data"]["cases"]["edges"]) != PAGE:
                raise RuntimeError("the deep page is not a full page")
            sides = compare(
                [
                    Side("first page", url, first_body, token, (server,)),
                    Side(f"page after {walked:,} records", url, deep_body, token, (server,)),
                ],
                self.arguments.seconds,
                1,  # one request at a time: latency, not throughput
                self.arguments.rounds,
                self.arguments.warmup,
            )
        return {
            "cases_per_administration": counted,
            "seeded_per_administration": seeded,
            "copied_per_administration": copies,
            "seed_seconds": seed_seconds,
            "copy_seconds": copy_seconds,
            "offset": walked,
            "total_count": deep["data"]["cases"]["totalCount"],
            "sides": [side.as_dict() for side in sides],
            "ratio_p50": sides[1].p50_ms / sides[0].p50_ms,
            "ratio_mean": sides[0].rps / sides[1].rps,
        }

    @staticmethod
    def _walk(url: str, token: str, offset: int) -> tuple[str, int]:
        """The cursor after `offset` records, by pages of 100 (the most a page may hold)."""
        cursor: str | None = None
        walked = 0
        while walked < offset:
            size = min(100, offset - walked)
            variables: dict[str, Any] = {"first": size}
            if cursor is not None:
                variables["after"] = cursor
            page = post(url, request_body("CasesCursor", **variables), token)["data"]["cases"]
            cursor = page["pageInfo"]["endCursor"]
            walked += size
            if not page["pageInfo"]["hasNextPage"]:
                raise RuntimeError(f"the list ends before {offset} records")
        assert cursor is not None
        return cursor, walked


def _statement_kind(sql: str) -> str:
    lowered = sql.lower()
    if "audit_" in lowered:
        return "audit"
    if re.search(r"\b(oauth_|signing_keys|revoked|revocation)", lowered):
        return "tokens"
    return "records"


def _edges(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document["data"]["cases"]["edges"]


def _peer_view(document: dict[str, Any], *, exchange: bool = False) -> list[Any]:
    """Each case and the entities of its parties the caller may see, comparable across the
    two schemas: the exchange leaves out a party whose entity the caller may not see, the
    subgraph gives it with a null `entity`."""
    view = []
    for edge in _edges(document):
        case = {k: v for k, v in edge["node"].items() if k != "parties"}
        parties = []
        for party in edge["node"]["parties"]:
            if exchange:
                entity = party["entity"]
            else:
                reference = party["usEntity"] or party["uzEntity"]
                entity = reference and reference["entity"]
            if entity is not None:
                parties.append((party["role"], json.dumps(entity, sort_keys=True)))
        view.append((json.dumps(case, sort_keys=True), sorted(parties)))
    return view


def _partner_entities(document: dict[str, Any]) -> int:
    """Parties whose entity the other administration holds: the cross-references."""
    return sum(
        party["entity"]["owner"] != edge["node"]["owner"]
        for edge in _edges(document)
        for party in edge["node"]["parties"]
    )


def _peer_commands(node: str, supergraph: Path) -> list[tuple[str, list[str], int, dict[str, str]]]:
    """How each Node peer is started over the supergraph: (name, command, port, environment)."""
    apollo = free_port()
    peers = [
        (
            "apollo-gateway",
            [node, str(APOLLO / "gateway.mjs"), str(supergraph), str(apollo)],
            apollo,
            NODE_ENV,
        )
    ]
    for name, share in (("hive-gateway", "1"), ("hive-gateway-unshared", "0")):
        port = free_port()
        command = [
            node,
            str(HIVE_BIN),
            "supergraph",
            str(supergraph),
            "--config-path",
            str(APOLLO / "hive-gateway.config.mjs"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--fork",
            "1",
            "--disable-websockets",
        ]
        peers.append((name, command, port, {**NODE_ENV, "CMAA_HIVE_SHARE_INFLIGHT": share}))
    return peers


def _node_versions() -> dict[str, str]:
    found = {}
    for name in NODE_PACKAGES:
        manifest = APOLLO / "node_modules" / name / "package.json"
        if manifest.exists():
            found[name] = json.loads(manifest.read_text())["version"]
    return found
