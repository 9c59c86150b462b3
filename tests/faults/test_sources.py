"""One administration's source killed, hung, or answering garbage in the middle of a
query, behind the distributed gateway (gateway/distributed.py's app over remote sources, on
uvicorn) whose other source is a real `cmaa subgraph` process. Every answer is the other
administration's data with one coded SOURCE_UNAVAILABLE error: never a 5xx, never a wait past
the source timeout. The circuit breaker opens while the source is down, and closes again once
the source is back.

tests/sources/test_remote_faults.py checks the remote transport alone against such servers,
tests/gateway/test_partial_results.py the gateway over sources made to fail in process, and
tests/distributed a subgraph stopped politely; here a real process is killed mid-query.
"""

import asyncio
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.demo import build_demo_app, prepare_demo_identities
from gateway.distributed import build_gateway_app, load_gateway_config, verifier_for
from gateway.loopback import free_port, running_server
from resolvers.exchange.administrations import Administrations
from store.agreement import Agreement, load_agreement
from store.models.domain import Administration
from tests.adversarial.world import seeded_stores
from tests.faults.support import Process, cmaa, stop, wait_until_up
from tests.support.request_ids import without_request_ids

US, UZ = Administration.US, Administration.UZ
TIMEOUT = 2.0  # the sources' timeout (limits.source_timeout_seconds)
COOLDOWN = 1.0  # the breaker's, shortened from its 10 s
CASES = 20
DEEP = """
{
  cases(first: 30) {
    totalCount
    edges { node { id owner parties { role entity { id owner } } evidence { id owner } } }
  }
}
"""
UNAVAILABLE = [{"code": "SOURCE_UNAVAILABLE", "administration": "UZ"}]


@dataclass
class World:
    directory: Path
    agreement: Agreement
    identity_url: str
    credentials: dict[str, Any]
    database_urls: dict[Administration, str]
    subgraphs: dict[Administration, str] = field(default_factory=dict)
    processes: dict[Administration, Process] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, client_id: str) -> str:
        if client_id not in self.tokens:
            client = next(c for c in self.credentials["clients"] if c["client_id"] == client_id)
            answer = httpx.post(
                f"{self.credentials['issuers'][client['administration']]}/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, client["client_secret"]),
                timeout=30,
            )
            self.tokens[client_id] = answer.json()["access_token"]
        return self.tokens[client_id]

    def start_subgraph(self, administration: Administration, port: int) -> None:
        jwks = [
            f"--issuer-jwks={self.identity_url}/oauth/{a.value.lower()}="
            f"{self.identity_url}/oauth/{a.value.lower()}/jwks"
            for a in Administration
        ]
        process = cmaa(
            self.directory / f"subgraph-{administration.value}-{port}.log",
            "subgraph",
            "--administration",
            administration.value,
            "--database-url",
            self.database_urls[administration],
            "--port",
            str(port),
            *jwks,
        )
        url = f"http://127.0.0.1:{port}"
        self.subgraphs[administration], self.processes[administration] = url, process
        wait_until_up(url, process)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    loaded = load_agreement()
    agreement = replace(
        loaded,
        limits=replace(loaded.limits, source_timeout_seconds=TIMEOUT, rate_per_minute=1_000_000),
    )
    directory = tmp_path_factory.mktemp("faults-sources")
    stores = asyncio.run(seeded_stores(directory, agreement, cases=CASES))
    identity_port = free_port()
    identity_url = f"http://127.0.0.1:{identity_port}"
    credentials = asyncio.run(prepare_demo_identities(stores, identity_url, agreement))
    # The demo app plays both administrations' identity providers.
    identity = build_demo_app(stores, identity_url, agreement)
    with running_server(identity, port=identity_port):
        found = World(directory, agreement, identity_url, credentials, stores.urls())
        try:
            for administration in Administration:
                found.start_subgraph(administration, free_port())
            yield found
        finally:
            for process in found.processes.values():
                stop(process)


@contextmanager
def gateway(world: World, sources: dict[Administration, str]) -> Iterator[tuple[str, Any]]:
    """`cmaa gateway`'s app over the given source URLs, on uvicorn; its base URL and its
    administrations (with the breaker's cooldown shortened)."""
    port = free_port()
    issuers = "\n".join(
        f'"{world.identity_url}/oauth/{a.value.lower()}" = '
        f'"{world.identity_url}/oauth/{a.value.lower()}/jwks"'
        for a in Administration
    )
    config_file = world.directory / f"gateway-{port}.toml"
    config_file.write_text(
        f'[gateway]\nport = {port}\n\n[sources]\nUS = "{sources[US]}"\nUZ = "{sources[UZ]}"\n\n'
        f"[issuers]\n{issuers}\n",
        encoding="utf-8",
    )
    config = load_gateway_config(config_file)
    app = build_gateway_app(config, world.agreement, verifier_for(config, world.agreement))
    administrations: Administrations = app.state.administrations
    for breaker in administrations.breakers.values():
        breaker.cooldown = COOLDOWN
    with running_server(app, port=port) as url:
        yield url, administrations


def ask(world: World, url: str, query: str = DEEP) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(
        f"{url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {world.token('us-dashboard')}"},
        timeout=30,
    )
    return response, time.monotonic() - started


def assert_partial(response: httpx.Response) -> dict[str, Any]:
    """US data only, complete as far as the US holds it, and one coded error for UZ."""
    assert response.status_code == 200, response.text
    body = response.json()
    errors = without_request_ids(body)["errors"]
    assert [e["extensions"] for e in errors] == UNAVAILABLE, errors
    nodes = [edge["node"] for edge in body["data"]["cases"]["edges"]]
    assert nodes and {node["owner"] for node in nodes} == {"US"}
    for node in nodes:
        assert all(p["entity"]["owner"] == "US" for p in node["parties"])
        assert all(e["owner"] == "US" for e in node["evidence"])
    return dict(body)


def assert_whole(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert {edge["node"]["owner"] for edge in body["data"]["cases"]["edges"]} == {"US", "UZ"}


def _waiting_requests(port: int) -> int:
    """Connections to `port` holding request bytes its (stopped) server has not read."""
    waiting = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            receive_queue = int(fields[4].split(":")[1], 16)
            if local_port == port and fields[3] == "01" and receive_queue > 0:
                waiting += 1
    return waiting


def test_a_subgraph_killed_mid_query_then_the_breaker_opens_and_recovers(world: World) -> None:
    with gateway(world, world.subgraphs) as (url, administrations):
        assert_whole(ask(world, url)[0])
        process = world.processes[UZ]
        port = int(world.subgraphs[UZ].rsplit(":", 1)[1])

        # Frozen, then killed while the gateway's call to it is in flight.
        process.popen.send_signal(signal.SIGSTOP)
        answer: dict[str, Any] = {}
        asking = threading.Thread(target=lambda: answer.update(result=ask(world, url)))
        asking.start()
        deadline = time.monotonic() + TIMEOUT / 2
        while not _waiting_requests(port) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _waiting_requests(port), "the gateway's call never reached the subgraph"
        process.popen.kill()
        killed = time.monotonic()
        process.popen.wait(10)
        asking.join(TIMEOUT + 5)
        response, elapsed = answer["result"]
        assert_partial(response)
        assert time.monotonic() - killed < TIMEOUT, "the gateway waited for the dead source"
        assert elapsed < TIMEOUT

        # Down: the breaker opens after repeated failures; open, it answers at once.
        for _ in range(4):
            if administrations.breakers[UZ].is_open:
                break
            assert_partial(ask(world, url)[0])
        assert administrations.breakers[UZ].is_open
        response, elapsed = ask(world, url)
        assert_partial(response)
        assert elapsed < 1.0

        # Back (a new process on the same port): after the cooldown one call probes it, and the
        # breaker closes.
        world.start_subgraph(UZ, port)
        time.sleep(COOLDOWN + 0.2)
        assert_whole(ask(world, url)[0])
        assert not administrations.breakers[UZ].is_open
        assert_whole(ask(world, url)[0])


@contextmanager
def hung_server() -> Iterator[str]:
    """Accepts connections on 127.0.0.1 and never answers on them."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopping.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()


SHALLOW = "{ cases(first: 30) { totalCount edges { node { id owner } } } }"


def test_a_hung_source_is_cut_off_at_the_timeout(world: World) -> None:
    with hung_server() as hung, gateway(world, {US: world.subgraphs[US], UZ: hung}) as (url, _):
        response, elapsed = ask(world, url, SHALLOW)
        assert response.status_code == 200, response.text
        body = response.json()
        assert [e["extensions"] for e in without_request_ids(body)["errors"]] == UNAVAILABLE
        assert {edge["node"]["owner"] for edge in body["data"]["cases"]["edges"]} == {"US"}
        assert TIMEOUT - 0.1 <= elapsed < TIMEOUT + 1.5, f"{elapsed:.2f} s"
        ready = httpx.get(f"{url}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "degraded",
            "administrations": {"US": "reachable", "UZ": "unavailable"},
        }


def test_an_operation_of_several_levels_waits_for_a_hung_source_once(world: World) -> None:
    with hung_server() as hung, gateway(world, {US: world.subgraphs[US], UZ: hung}) as (url, _):
        response, elapsed = ask(world, url)
        assert_partial(response)
        assert elapsed < TIMEOUT + 1.5, f"{elapsed:.2f} s for a source timeout of {TIMEOUT} s"


def answering(content: bytes, media_type: str) -> Starlette:
    async def answer(_request: Request) -> Response:
        return Response(content, status_code=200, media_type=media_type)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])


GARBAGE = {
    "nonsense JSON": (b'{"data": {"page": {"nodes": "many", "pageInfo": 7}}}', "application/json"),
    "a JSON array": (b"[1, 2, 3]", "application/json"),
    "JSON without data": (b'{"hello": "world"}', "application/json"),
    "not JSON": (b"<html><body>Service Temporarily Unavailable</body></html>", "text/html"),
    "nothing": (b"", "application/json"),
}


@pytest.mark.parametrize("garbage", list(GARBAGE))
def test_a_source_answering_garbage_gives_the_rest_at_once(world: World, garbage: str) -> None:
    with (
        running_server(answering(*GARBAGE[garbage])) as nonsense,
        gateway(world, {US: world.subgraphs[US], UZ: nonsense}) as (url, _),
    ):
        response, elapsed = ask(world, url)
        body = assert_partial(response)
        # Each level's call fails at once: nothing waits for the timeout.
        assert elapsed < TIMEOUT, f"{elapsed:.2f} s"
        assert "Temporarily" not in response.text and "hello" not in response.text
        assert body["data"]["cases"]["totalCount"] > 0
