"""The Python floor (issue 17): CPU per dashboard answer of the embedded gateway against stock
graphql-core executing the same operation over the same answer held as plain dicts.

Everything runs in this one process, so its CPU time (`time.process_time`: every thread, the
stores' SQLite threads included) is the server's CPU. The embedded gateway is the demo's
Starlette app over two seeded SQLite stores, called as an ASGI app (no sockets, no HTTP
client: what is counted is the app's own work from the request's bytes to the answer's bytes:
token verification, rate limit, parsing, the owners' policy in SQL, the union, the audit
appends, execution and serialisation).

The floor: graphql-core's `execute` with its default resolvers, over a schema built from the
published SDL (no resolvers), the operation parsed and validated once, the gateway's own
answer held as plain dicts as the root value, and `orjson.dumps` of the result: the least
any Python GraphQL server executing this operation could spend.

    .venv/bin/python -m bench --only floor [--cases 1000]
    .venv/bin/python -m bench.floor [--cases 1000] [--rounds 5]   # prints, writes nothing
"""

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from graphql import build_schema, execute, parse, validate
from sqlalchemy import event

from bench import world
from bench.harness import operation, request_body
from store.models.domain import Administration

ROOT = Path(__file__).resolve().parent.parent
CALLER = "uz-dashboard"
OPERATION = "DashboardCases"
PAGE = 50
SLOPE_PAGES = (1, 10, 100)
COUNTED_PAGES = (10, 100)
BOTH_OWNERS_PAGE = 10
PUBLIC_URL = "http://127.0.0.1:8000"


# The token's verification reads these (keys, the deny-list): the request's, not the answer's.
TOKEN_TABLES = re.compile(r"\b(oauth_clients|signing_keys|revoked_access_tokens|users)\b")


def _statement_kind(sql: str) -> str:
    lowered = sql.lower()
    if "audit_" in lowered:
        return "audit"
    if TOKEN_TABLES.search(lowered):
        return "tokens"
    return "records"


class AsgiCaller:
    """POSTs a body to an ASGI app in process and returns the answer's status and bytes."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        raw_headers = [(b"host", b"127.0.0.1:8000"), (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the app never needs more: a disconnect never comes
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def _token(caller: AsgiCaller, credentials: dict[str, Any], client_id: str) -> str:
    import base64

    client = next(c for c in credentials["clients"] if c["client_id"] == client_id)
    issuer = credentials["issuers"][client["administration"]]
    path = issuer.removeprefix(PUBLIC_URL) + "/token"
    basic = base64.b64encode(f"{client_id}:{client['client_secret']}".encode()).decode()
    status, answer = await caller.post(
        path,
        b"grant_type=client_credentials",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
    )
    if status != 200:
        raise RuntimeError(f"token: {status} {answer[:300]!r}")
    return str(orjson.loads(answer)["access_token"])


def _floor_runner(
    sdl: str, query: str, variables: dict[str, Any], data: Any
) -> Callable[[], bytes]:
    schema = build_schema(sdl, assume_valid_sdl=True)
    document = parse(query)
    errors = validate(schema, document)
    if errors:
        raise RuntimeError(f"the operation does not validate against the SDL: {errors[0]}")

    def run() -> bytes:
        result = execute(schema, document, root_value=data, variable_values=variables)
        if result.errors:  # type: ignore[union-attr]
            raise RuntimeError(f"floor: {result.errors[0]}")  # type: ignore[union-attr]
        return orjson.dumps({"data": result.data})  # type: ignore[union-attr]

    return run


def _floor_in_child(answer_file: Path, calls: int) -> float:
    """The floor's CPU per answer, in a fresh process of its own (as a stock graphql-core
    server would be): nothing else of this process's (its stores' threads, its checkpointers)
    is counted against it."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.floor",
            "--floor-of",
            str(answer_file),
            "--calls",
            str(calls),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def floor_of(answer_file: Path, calls: int) -> float:
    """CPU ms per answer of the floor over the gateway's answer in `answer_file`."""
    data = orjson.loads(answer_file.read_bytes())["data"]
    sdl = (ROOT / "schema" / "exchange.graphql").read_text(encoding="utf-8")
    floor = _floor_runner(sdl, operation(OPERATION), {"first": PAGE}, data)
    if orjson.loads(floor()) != {"data": data}:
        raise RuntimeError("the floor's answer differs from the gateway's")
    for _ in range(3):
        floor()
    return _cpu_per_call(floor, calls)


def _cpu_per_call(run: Callable[[], Any], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        run()
    return (time.process_time() - started) / calls * 1000


async def _acpu_per_call(run: Callable[[], Any], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        await run()
    return (time.process_time() - started) / calls * 1000


class Floor:
    def __init__(self, directory: Path, cases: int, rounds: int, calls: int) -> None:
        self.directory = directory
        self.cases = cases
        self.rounds = rounds
        self.calls = calls

    def build(self) -> None:
        self.agreement_file = world.bench_agreement_file(self.directory)
        self.agreement = world.load_agreement(self.agreement_file)
        data_dir = self.directory / "floor-sqlite"
        data_dir.mkdir()
        self.stores = world.Stores.sqlite(data_dir)
        asyncio.run(world.seed_both(self.stores, self.agreement, self.cases))
        asyncio.run(world.analyse(self.stores))
        self.credentials = asyncio.run(world.provision(self.stores, PUBLIC_URL, self.agreement))

    def measure(self) -> dict[str, Any]:
        return asyncio.run(self._measure())

    async def _measure(self) -> dict[str, Any]:
        from gateway.demo import build_demo_app

        app = build_demo_app(self.stores, PUBLIC_URL, self.agreement)  # type: ignore[arg-type]
        sources = app.state.administrations.sources
        statements: list[tuple[str, str]] = []
        for administration, source in sources.items():

            def before(*arguments: Any, owner: str = administration.value) -> None:
                statements.append((owner, arguments[2]))

            event.listen(source.engine.sync_engine, "before_cursor_execute", before)
        caller = AsgiCaller(app)
        figures: dict[str, Any] = {"caller": CALLER, "operation": OPERATION}
        async with app.router.lifespan_context(app):
            token = await _token(caller, self.credentials, CALLER)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }

            # The requests' bytes are made once: reading and encoding them is the client's work.
            bodies = {first: request_body(OPERATION, first=first) for first in (PAGE, *SLOPE_PAGES)}

            async def answer(first: int) -> bytes:
                status, body = await caller.post("/graphql", bodies[first], headers)
                if status != 200:
                    raise RuntimeError(f"{status}: {body[:500]!r}")
                return body

            page = await answer(PAGE)
            document = orjson.loads(page)
            if document.get("errors"):
                raise RuntimeError(f"errors: {json.dumps(document['errors'])[:500]}")
            edges = document["data"]["cases"]["edges"]
            figures["answer_bytes"] = len(page)
            figures["cases"] = len(edges)
            figures["owners"] = dict(Counter(edge["node"]["owner"] for edge in edges))
            figures["parties"] = sum(len(edge["node"]["parties"]) for edge in edges)
            answer_file = self.directory / "floor-answer.json"
            answer_file.write_bytes(page)
            idle = time.process_time()
            await asyncio.sleep(1.0)
            figures["idle_cpu_ms_per_s"] = (time.process_time() - idle) * 1000

            # Warm-up: caches filled, keys fetched, SQLite pages in memory.
            for _ in range(3):
                for first in (PAGE, *SLOPE_PAGES):
                    await answer(first)

            gateway_ms: dict[int, list[float]] = {first: [] for first in (PAGE, *SLOPE_PAGES)}
            floor_ms: list[float] = []
            for _ in range(self.rounds):
                # Taking turns, so a change in the machine's load touches both sides alike.
                for first in gateway_ms:
                    # Warm, as the floor is before its timing (its child's last process left
                    # the caches cold): three answers untimed.
                    for _ in range(3):
                        await answer(first)
                    gateway_ms[first].append(
                        await _acpu_per_call(lambda first=first: answer(first), self.calls)
                    )
                floor_ms.append(_floor_in_child(answer_file, self.calls * 4))
            median = {first: statistics.median(values) for first, values in gateway_ms.items()}
            figures["gateway_ms"] = {str(k): v for k, v in median.items()}
            figures["gateway_ms_rounds"] = {str(k): v for k, v in gateway_ms.items()}
            figures["floor_ms"] = statistics.median(floor_ms)
            figures["floor_ms_rounds"] = floor_ms
            figures["ratio"] = median[PAGE] / figures["floor_ms"]
            figures["slope_ms_per_case"] = (median[100] - median[10]) / 90

            # The checkpointers sign the logs in the background, off any operation's path:
            # their statements are not an answer's.
            for checkpointer in app.state.checkpointers.values():
                await checkpointer.stop()
            counts: dict[str, Any] = {}

            async def count(label: str, first: int, after: str | None = None) -> Any:
                statements.clear()
                status, raw = await caller.post(
                    "/graphql", request_body(OPERATION, first=first, after=after), headers
                )
                body = orjson.loads(raw)
                if status != 200 or body.get("errors"):
                    raise RuntimeError(f"counts: {status} {raw[:300]!r}")
                kinds = Counter((owner, _statement_kind(sql)) for owner, sql in statements)
                edges = body["data"]["cases"]["edges"]
                counts[label] = {
                    "cases_by_owner": dict(Counter(edge["node"]["owner"] for edge in edges)),
                    # The answer's own: token checks (keys, deny-list) are the request's.
                    "statements": sum(n for (_, kind), n in kinds.items() if kind != "tokens"),
                    "token_statements": sum(
                        n for (_, kind), n in kinds.items() if kind == "tokens"
                    ),
                    "audit": sum(n for (_, kind), n in kinds.items() if kind == "audit"),
                    "by_store": {
                        a.value: {
                            "records": kinds.get((a.value, "records"), 0),
                            "audit": kinds.get((a.value, "audit"), 0),
                        }
                        for a in Administration
                    },
                }
                return edges

            for first in COUNTED_PAGES:
                edges = await count(str(first), first)
            # The first page of 10 holds only the caller's own cases (the partner's released
            # ones are older): a page of 10 holding both administrations' cases, asked for
            # after the cursor of the case before it, is counted too.
            owners = [edge["node"]["owner"] for edge in edges]
            for start in range(1, len(edges) - BOTH_OWNERS_PAGE + 1):
                if len(set(owners[start : start + BOTH_OWNERS_PAGE])) == len(Administration):
                    await count("10-both", BOTH_OWNERS_PAGE, edges[start - 1]["cursor"])
                    counts["10-both"]["position"] = start
                    break
            figures["counts"] = counts
        figures["calls_per_round"] = self.calls
        figures["rounds"] = self.rounds
        figures["cases_per_administration"] = self.cases
        return figures


def run_floor(directory: Path, cases: int, rounds: int = 5, calls: int = 20) -> dict[str, Any]:
    floor = Floor(directory, cases, rounds, calls)
    floor.build()
    return floor.measure()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20, help="answers per measured round")
    parser.add_argument("--floor-of", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.floor_of is not None:
        print(floor_of(arguments.floor_of, arguments.calls))
        return 0
    with tempfile.TemporaryDirectory(prefix="cmaa-floor-") as directory:
        figures = run_floor(Path(directory), arguments.cases, arguments.rounds, arguments.calls)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
