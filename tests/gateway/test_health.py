"""Liveness and readiness: /healthz says the process answers; /readyz says whether both
administrations' sources do, and names the one that does not."""

import httpx

from gateway.loopback import running_server
from tests.gateway.conftest import World
from tests.gateway.support import build_gateway


def test_healthz(http: httpx.Client, world: World) -> None:
    response = http.get(f"{world.base_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_with_both_sources_reachable(http: httpx.Client, world: World) -> None:
    response = http.get(f"{world.base_url}/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "administrations": {"US": "reachable", "UZ": "reachable"},
    }


def test_readyz_is_degraded_naming_the_unavailable_source(http: httpx.Client, world: World) -> None:
    built = build_gateway(world.stores, world.base_url, world.agreement, breaker_cooldown=0.2)
    with running_server(built.app) as url:
        assert http.get(f"{url}/readyz").status_code == 200
        built.sources["UZ"].failing = True
        response = http.get(f"{url}/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "degraded",
            "administrations": {"US": "reachable", "UZ": "unavailable"},
        }
        assert built.sources["UZ"].calls["ping"] == 2
        # Liveness does not depend on the sources.
        assert http.get(f"{url}/healthz").status_code == 200
        built.sources["UZ"].failing = False
        assert http.get(f"{url}/readyz").status_code == 200


def test_readyz_with_both_sources_down(http: httpx.Client, world: World) -> None:
    built = build_gateway(world.stores, world.base_url, world.agreement)
    with running_server(built.app) as url:
        for source in built.sources.values():
            source.failing = True
        response = http.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "administrations": {"US": "unavailable", "UZ": "unavailable"},
    }
