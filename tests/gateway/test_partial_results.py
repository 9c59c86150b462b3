"""One slow or failing administration never takes the other down (DESIGN.md §3, §7): partial
results with one SOURCE_UNAVAILABLE error, sources asked concurrently, a timeout, and a
circuit breaker that opens and recovers.

The in-process transport cannot be stopped, so each gateway here is built from the project's
own parts (GatewayParts, gateway_routes, hardening) over in-process sources behind
instrumented wrappers that answer as an unreachable administration does, never answer, or
hold each call until the other administration is asked too. Nothing here depends on the
machine's speed: the breaker runs on a clock the test moves, the timeout test's source never
answers, and every other gateway's timeout is one that load cannot reach.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from store.models.domain import Administration
from tests.gateway.conftest import World
from tests.gateway.support import (
    BuiltGateway,
    Rendezvous,
    build_gateway,
    decode_id,
    only_error,
    own_rows,
    post_graphql,
    released_rows,
)
from tests.support.clock import TestClock
from tests.support.servers import running_server
from tests.support.settings import SUITE_SOURCE_TIMEOUT_SECONDS

# The timeout test's: the source that matters never answers; the other answers long before.
SHORT_TIMEOUT = 5.0
COOLDOWN = 10.0
CASES = "{ cases(first: 100) { totalCount edges { node { id owner } } } }"
DEEP = """
{
  cases(first: 30) {
    totalCount
    edges { node { id owner parties { role entity { id owner } } evidence { id owner } } }
  }
}
"""


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def gateway(world: World, clock: TestClock) -> Iterator[tuple[BuiltGateway, str]]:
    built = build_gateway(
        world.stores,
        world.base_url,
        world.agreement,
        timeout_seconds=SUITE_SOURCE_TIMEOUT_SECONDS,
        breaker_threshold=3,
        breaker_cooldown=COOLDOWN,
        clock=clock,
    )
    with running_server(built.app) as url:
        yield built, url


def query(
    http: httpx.Client, world: World, url: str, client_id: str, text: str = CASES
) -> tuple[httpx.Response, dict[str, Any]]:
    response = post_graphql(http, url, world.token(client_id), text)
    assert response.status_code == 200, response.text
    return response, response.json()


def owners(body: dict[str, Any]) -> set[str]:
    return {decode_id(edge["node"]["id"])[1] for edge in body["data"]["cases"]["edges"]}


def assert_one_unavailable(body: dict[str, Any], administration: str) -> None:
    error = only_error(body)
    assert error["extensions"] == {"code": "SOURCE_UNAVAILABLE", "administration": administration}
    assert "path" not in error
    assert "stopped by the test" not in error["message"]


# -- (a) an administration is down -----------------------------------------------------------


@pytest.mark.parametrize("client_id", ["us-dashboard", "uz-dashboard"])
def test_a_failing_administration_gives_the_other_with_one_error(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str], client_id: str
) -> None:
    built, url = gateway
    built.sources["UZ"].failing = True
    _, body = query(http, world, url, client_id, DEEP)
    assert_one_unavailable(body, "UZ")
    assert owners(body) == {"US"}
    caller = client_id[:2].upper()
    us_visible = (
        own_rows(world.stores, "US", "CASE")
        if caller == "US"
        else released_rows(world.stores, "US", "UZ", "CASE")
    )
    assert body["data"]["cases"]["totalCount"] == len(us_visible)
    nodes = [edge["node"] for edge in body["data"]["cases"]["edges"]]
    # UZ-held relations are left out; US-held ones are complete.
    for node in nodes:
        assert all(party["entity"]["owner"] == "US" for party in node["parties"])
        assert all(item["owner"] == "US" for item in node["evidence"])
    assert any(node["parties"] for node in nodes)


def test_a_hanging_administration_is_cut_off_at_the_timeout(
    http: httpx.Client, world: World
) -> None:
    built = build_gateway(
        world.stores, world.base_url, world.agreement, timeout_seconds=SHORT_TIMEOUT
    )
    built.sources["UZ"].hanging = True
    with running_server(built.app) as url:
        _, body = query(http, world, url, "us-dashboard")
    assert_one_unavailable(body, "UZ")
    assert owners(body) == {"US"}
    assert built.sources["UZ"].calls["list_cases"] == 1


# -- (b) both asked at once -------------------------------------------------------------------


def meeting(built: BuiltGateway) -> Rendezvous:
    """From now on each source's call waits for the other source's: a gateway asking them one
    after the other would time out on the first."""
    rendezvous = Rendezvous()
    for source in built.sources.values():
        source.rendezvous = rendezvous
    return rendezvous


async def test_the_rendezvous_holds_only_calls_made_one_after_the_other() -> None:
    async def call(rendezvous: Rendezvous, administration: Administration) -> Administration:
        async with rendezvous.meeting(administration):
            return administration

    at_once = Rendezvous()
    us, uz = Administration.US, Administration.UZ
    assert await asyncio.gather(call(at_once, us), call(at_once, uz)) == [us, uz]
    one_after_the_other = Rendezvous()
    # Held for good, whatever the bound: the second call is never made.
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await call(one_after_the_other, us)
            await call(one_after_the_other, uz)
    assert one_after_the_other.arrivals == {us: 1}


def test_both_administrations_are_asked_at_once(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    built, url = gateway
    rendezvous = meeting(built)
    _, body = query(
        http, world, url, "uz-dashboard", "{ cases(first: 5) { edges { node { id } } } }"
    )
    assert "errors" not in body, body
    assert rendezvous.arrivals == {Administration.US: 1, Administration.UZ: 1}


def test_each_level_asks_both_administrations_at_once(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    """Three levels (cases; parties and evidence; entities), each asking both at once."""
    built, url = gateway
    rendezvous = meeting(built)
    _, body = query(http, world, url, "uz-dashboard", DEEP)
    assert "errors" not in body, body
    nodes = [edge["node"] for edge in body["data"]["cases"]["edges"]]
    assert any(node["parties"] for node in nodes) and any(node["evidence"] for node in nodes)
    # Level two asks UZ twice (parties, evidence) and US once (evidence).
    assert rendezvous.arrivals == {Administration.US: 3, Administration.UZ: 4}


MIXED_ENTITIES_WITH_MATCHES = """
{
  entities(first: 100, filter: { kinds: [TRANSPORT_EQUIPMENT, CONVEYANCE, ORGANIZATION] }) {
    edges { node { id owner matches { entity { id } } } }
  }
}
"""


def test_matches_ask_both_administrations_at_once(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    """Two levels (entities; their matches in the other administration), each asking both
    at once."""
    built, url = gateway
    rendezvous = meeting(built)
    _, body = query(http, world, url, "uz-dashboard", MIXED_ENTITIES_WITH_MATCHES)
    assert "errors" not in body, body
    assert {edge["node"]["owner"] for edge in body["data"]["entities"]["edges"]} == {"US", "UZ"}
    assert rendezvous.arrivals == {Administration.US: 2, Administration.UZ: 2}


# -- (c) the circuit breaker -------------------------------------------------------------------


def test_the_breaker_opens_after_repeated_failures_and_recovers(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str], clock: TestClock
) -> None:
    built, url = gateway
    uz = built.sources["UZ"]
    small = "{ cases(first: 5) { totalCount edges { node { id } } } }"
    uz.failing = True
    for attempt in range(1, 4):
        _, body = query(http, world, url, "us-dashboard", small)
        assert_one_unavailable(body, "UZ")
        assert uz.calls["list_cases"] == attempt
    assert built.administrations.breakers[uz.administration].is_open

    # Open: answered without asking the source, however long the cooldown has nearly run.
    for _ in range(2):
        clock.advance(COOLDOWN / 2 - 0.1)
        _, body = query(http, world, url, "us-dashboard", small)
        assert_one_unavailable(body, "UZ")
        assert owners(body) == {"US"}
    assert uz.calls["list_cases"] == 3

    # The administration is back; after the cooldown one call probes it and closes the breaker.
    uz.failing = False
    clock.advance(0.2)
    _, body = query(http, world, url, "us-dashboard")
    assert "errors" not in body, body
    assert owners(body) == {"US", "UZ"}
    assert uz.calls["list_cases"] == 4
    assert not built.administrations.breakers[uz.administration].is_open
    _, body = query(http, world, url, "us-dashboard")
    assert "errors" not in body and uz.calls["list_cases"] == 5


def test_a_failed_probe_keeps_the_breaker_open(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str], clock: TestClock
) -> None:
    built, url = gateway
    uz = built.sources["UZ"]
    uz.failing = True
    for _ in range(3):
        query(http, world, url, "us-dashboard")
    clock.advance(COOLDOWN)
    _, body = query(http, world, url, "us-dashboard")  # the probe, failing again
    assert_one_unavailable(body, "UZ")
    assert uz.calls["list_cases"] == 4
    clock.advance(COOLDOWN - 0.1)
    _, body = query(http, world, url, "us-dashboard")
    assert_one_unavailable(body, "UZ")
    assert uz.calls["list_cases"] == 4, "open again: no call until the next cooldown"
    clock.advance(0.1)
    query(http, world, url, "us-dashboard")  # the next cooldown is over: the next probe
    assert uz.calls["list_cases"] == 5
