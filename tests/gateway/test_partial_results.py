"""One slow or failing administration never takes the other down (DESIGN.md §3, §7): partial
results with one SOURCE_UNAVAILABLE error, sources asked concurrently, a timeout, and a
circuit breaker that opens and recovers.

The in-process transport cannot be stopped, so each gateway here is built from the project's
own parts (GatewayParts, gateway_routes, hardening) over in-process sources behind
instrumented wrappers that delay calls, or answer as an unreachable administration does.
"""

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.loopback import running_server
from tests.gateway.conftest import World
from tests.gateway.support import (
    BuiltGateway,
    build_gateway,
    decode_id,
    only_error,
    own_rows,
    post_graphql,
    released_rows,
)

TIMEOUT = 1.0
# Long enough that the request after a failed probe arrives within it on a loaded machine.
COOLDOWN = 1.5
DELAY = 0.3
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
def gateway(world: World) -> Iterator[tuple[BuiltGateway, str]]:
    built = build_gateway(
        world.stores,
        world.base_url,
        world.agreement,
        timeout_seconds=TIMEOUT,
        breaker_threshold=3,
        breaker_cooldown=COOLDOWN,
    )
    with running_server(built.timed) as url:
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
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    built, url = gateway
    built.sources["UZ"].delay = 60.0
    started = time.perf_counter()
    _, body = query(http, world, url, "us-dashboard")
    elapsed = time.perf_counter() - started
    assert TIMEOUT <= elapsed < TIMEOUT + 1.5
    assert_one_unavailable(body, "UZ")
    assert owners(body) == {"US"}


# -- (b) both slow: asked concurrently -------------------------------------------------------


def server_median(
    http: httpx.Client, world: World, built: BuiltGateway, url: str, text: str, runs: int = 3
) -> float:
    for _ in range(runs):
        _, body = query(http, world, url, "uz-dashboard", text)
        assert "errors" not in body, body
    assert all(source.calls["list_cases"] > runs for source in built.sources.values())
    return built.timed.median_of_last(runs)


def test_both_administrations_are_asked_at_once(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    built, url = gateway
    query(http, world, url, "uz-dashboard")  # warm: keys fetched, connections open
    for source in built.sources.values():
        source.delay = DELAY
    median = server_median(http, world, built, url, "{ cases(first: 5) { edges { node { id } } } }")
    assert DELAY <= median < 0.55, f"{median:.3f} s: the sources were asked one after the other"


def test_each_level_waits_for_the_slower_source_only(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    """Three levels (cases; parties and evidence; entities): 3 × 0.3 s, not 6 × 0.3 s."""
    built, url = gateway
    query(http, world, url, "uz-dashboard")
    for source in built.sources.values():
        source.delay = DELAY
    median = server_median(http, world, built, url, DEEP)
    assert 3 * DELAY <= median < 5 * DELAY, f"{median:.3f} s"


MIXED_ENTITIES_WITH_MATCHES = """
{
  entities(first: 100, filter: { kinds: [TRANSPORT_EQUIPMENT, CONVEYANCE, ORGANIZATION] }) {
    edges { node { id owner matches { entity { id } } } }
  }
}
"""


def test_matches_wait_for_the_slower_source_only(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    """Two levels (entities; their matches in the other administration): 2 × delay."""
    built, url = gateway
    _, body = query(http, world, url, "uz-dashboard", MIXED_ENTITIES_WITH_MATCHES)
    assert {edge["node"]["owner"] for edge in body["data"]["entities"]["edges"]} == {"US", "UZ"}
    delay = 0.6
    for source in built.sources.values():
        source.delay = delay
    for _ in range(3):
        _, body = query(http, world, url, "uz-dashboard", MIXED_ENTITIES_WITH_MATCHES)
        assert "errors" not in body, body
    median = built.timed.median_of_last(3)
    # Asked one after the other, the sleeps alone add up to 3 × delay; the margin is half a
    # delay, so a loaded machine does not make the difference disappear.
    assert median < 2.5 * delay, f"{median:.3f} s"


# -- (c) the circuit breaker -------------------------------------------------------------------


def test_the_breaker_opens_after_repeated_failures_and_recovers(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    built, url = gateway
    uz = built.sources["UZ"]
    # Each failure takes this long: an answer faster than it did not ask the source.
    failing_after = 0.3
    small = "{ cases(first: 5) { totalCount edges { node { id } } } }"
    uz.failing, uz.delay = True, failing_after
    for attempt in range(1, 4):
        _, body = query(http, world, url, "us-dashboard", small)
        assert_one_unavailable(body, "UZ")
        assert uz.calls["list_cases"] == attempt
        assert built.timed.durations[-1] >= failing_after
    assert built.administrations.breakers[uz.administration].is_open

    # Open: answered at once, without asking the source.
    for _ in range(2):
        _, body = query(http, world, url, "us-dashboard", small)
        assert_one_unavailable(body, "UZ")
        assert owners(body) == {"US"}
        assert built.timed.durations[-1] < failing_after
    assert uz.calls["list_cases"] == 3

    # The administration is back; after the cooldown one call probes it and closes the breaker.
    uz.failing, uz.delay = False, 0.0
    time.sleep(COOLDOWN + 0.1)
    _, body = query(http, world, url, "us-dashboard")
    assert "errors" not in body, body
    assert owners(body) == {"US", "UZ"}
    assert uz.calls["list_cases"] == 4
    assert not built.administrations.breakers[uz.administration].is_open
    _, body = query(http, world, url, "us-dashboard")
    assert "errors" not in body and uz.calls["list_cases"] == 5


def test_a_failed_probe_keeps_the_breaker_open(
    http: httpx.Client, world: World, gateway: tuple[BuiltGateway, str]
) -> None:
    built, url = gateway
    uz = built.sources["UZ"]
    uz.failing = True
    for _ in range(3):
        query(http, world, url, "us-dashboard")
    time.sleep(COOLDOWN + 0.1)
    _, body = query(http, world, url, "us-dashboard")  # the probe, failing again
    assert_one_unavailable(body, "UZ")
    assert uz.calls["list_cases"] == 4
    _, body = query(http, world, url, "us-dashboard")
    assert_one_unavailable(body, "UZ")
    assert uz.calls["list_cases"] == 4, "open again: no call until the next cooldown"
