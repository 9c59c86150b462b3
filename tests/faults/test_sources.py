"""One administration's source killed, hung, or answering garbage in the middle of a
query, behind the distributed gateway (gateway/distributed.py's app over remote sources, on
uvicorn) whose other source is a real `cmaa subgraph` process. Every answer is the other
administration's data with one coded SOURCE_UNAVAILABLE error: never a 5xx, and only a source
that never answers is waited for, until the source timeout. The circuit breaker opens while the
source is down, and closes again once the source is back.

Nothing here depends on the machine's speed: the breaker runs on a clock the test moves; the
timeout tests' source never answers; the other tests' timeout is one that no load reaches, and
what they show is that it was not reached (no "no answer within" in the log).

tests/sources/test_remote_faults.py checks the remote transport alone against such servers,
tests/gateway/test_partial_results.py the gateway over sources made to fail in process, and
tests/distributed a subgraph stopped politely; here a real process is killed mid-query.
"""

import asyncio
import logging
import signal
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
from resolvers.sources.remote.channel import log as channel_log
from store.agreement import Agreement, load_agreement
from store.models.domain import Administration
from tests.adversarial.world import seeded_stores
from tests.faults.support import Process, cmaa, stop, wait_until_up
from tests.support.clock import TestClock
from tests.support.request_ids import without_request_ids
from tests.support.servers import HungServer, hung_server
from tests.support.settings import SUITE_SOURCE_TIMEOUT_SECONDS, suite_agreement

US, UZ = Administration.US, Administration.UZ
# The source timeout of the timeout tests, whose source never answers: the live subgraph
# answers long before it.
SHORT_TIMEOUT = 5.0
TIMED_OUT = "no answer within"
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
    agreement = suite_agreement(loaded)
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
def gateway(
    world: World,
    sources: dict[Administration, str],
    timeout: float = SUITE_SOURCE_TIMEOUT_SECONDS,
    clock: TestClock | None = None,
) -> Iterator[tuple[str, Administrations]]:
    """`cmaa gateway`'s app over the given source URLs, on uvicorn; its base URL and its
    administrations (their breakers on the given clock)."""
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
    agreement = replace(
        world.agreement, limits=replace(world.agreement.limits, source_timeout_seconds=timeout)
    )
    app = build_gateway_app(config, agreement, verifier_for(config, agreement))
    administrations: Administrations = app.state.administrations
    if clock is not None:
        administrations.clock = clock
    with running_server(app, port=port) as url:
        yield url, administrations


def ask(world: World, url: str, query: str = DEEP) -> httpx.Response:
    return httpx.post(
        f"{url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {world.token('us-dashboard')}"},
        timeout=SUITE_SOURCE_TIMEOUT_SECONDS + 30,
    )


def timeouts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the gateway logged of sources that ran out of time."""
    return [r.getMessage() for r in caplog.records if TIMED_OUT in r.getMessage()]


def remote_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Each call a remote source made that failed (the source logs each with its reason)."""
    return [r.getMessage() for r in caplog.records if r.name == channel_log.name]


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


def test_a_subgraph_killed_mid_query_then_the_breaker_opens_and_recovers(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    clock = TestClock()
    with gateway(world, world.subgraphs, clock=clock) as (url, administrations):
        assert_whole(ask(world, url))
        process = world.processes[UZ]
        port = int(world.subgraphs[UZ].rsplit(":", 1)[1])

        # Frozen, then killed while the gateway's call to it is in flight.
        process.popen.send_signal(signal.SIGSTOP)
        answer: dict[str, Any] = {}
        asking = threading.Thread(target=lambda: answer.update(response=ask(world, url)))
        asking.start()
        deadline = time.monotonic() + 60  # a bound on waiting for the call, not a claim
        while not _waiting_requests(port) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _waiting_requests(port), "the gateway's call never reached the subgraph"
        process.popen.kill()
        process.popen.wait(10)
        asking.join(SUITE_SOURCE_TIMEOUT_SECONDS + 60)
        assert_partial(answer["response"])
        assert not timeouts(caplog), "the gateway waited for the dead source"
        assert remote_failures(caplog), "the call to the killed subgraph did not fail"

        # Down: the breaker opens after repeated failures; open, it does not call the source.
        for _ in range(4):
            if administrations.breakers[UZ].is_open:
                break
            assert_partial(ask(world, url))
        assert administrations.breakers[UZ].is_open
        caplog.clear()
        clock.advance(administrations.breakers[UZ].cooldown - 0.1)
        assert_partial(ask(world, url))
        assert not remote_failures(caplog), "the open breaker let a call through"

        # Back (a new process on the same port): after the cooldown one call probes it, and the
        # breaker closes.
        world.start_subgraph(UZ, port)
        clock.advance(0.1)
        assert_whole(ask(world, url))
        assert not administrations.breakers[UZ].is_open
        assert_whole(ask(world, url))
        assert not timeouts(caplog)


SHALLOW = "{ cases(first: 30) { totalCount edges { node { id owner } } } }"


@contextmanager
def gateway_with_a_hung_source(world: World) -> Iterator[tuple[str, HungServer]]:
    with (
        hung_server() as hung,
        gateway(world, {US: world.subgraphs[US], UZ: hung.url}, SHORT_TIMEOUT) as (url, _),
    ):
        yield url, hung


def test_a_hung_source_is_cut_off_at_the_timeout(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with gateway_with_a_hung_source(world) as (url, hung):
        response = ask(world, url, SHALLOW)
        assert response.status_code == 200, response.text
        body = response.json()
        assert [e["extensions"] for e in without_request_ids(body)["errors"]] == UNAVAILABLE
        assert {edge["node"]["owner"] for edge in body["data"]["cases"]["edges"]} == {"US"}
        assert hung.calls() == 1
        assert timeouts(caplog)
        ready = httpx.get(f"{url}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "degraded",
            "administrations": {"US": "reachable", "UZ": "unavailable"},
        }


def test_an_operation_of_several_levels_waits_for_a_hung_source_once(world: World) -> None:
    with gateway_with_a_hung_source(world) as (url, hung):
        assert_partial(ask(world, url))
        # One call reached it (the first level's); the deeper levels did not ask it again.
        assert hung.calls() == 1


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
def test_a_source_answering_garbage_gives_the_rest_at_once(
    world: World, garbage: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with (
        running_server(answering(*GARBAGE[garbage])) as nonsense,
        gateway(world, {US: world.subgraphs[US], UZ: nonsense}) as (url, _),
    ):
        response = ask(world, url)
        body = assert_partial(response)
        # Each level's call fails for what it got back: nothing waits for the timeout.
        assert remote_failures(caplog) and not timeouts(caplog)
        assert "Temporarily" not in response.text and "hello" not in response.text
        assert body["data"]["cases"]["totalCount"] > 0
