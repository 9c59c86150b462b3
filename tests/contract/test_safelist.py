"""Safelist mode: only the operations of operations/ run, by the SHA-256 of their text, sent as
text, as APQ's hash alone, or both; anything else is refused with a code that says why. The
demo's gateway (safelist off, the default) runs any operation and says it has no persisted
queries."""

from typing import Any

import pytest

from gateway.app import GatewayParts
from resolvers.contracts.operations import sha256_hex
from tests.contract.conftest import World

CALLER = "uz-dashboard"
UNLISTED = "query Unlisted { viewer { administration } }"


def persisted(sha256: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


def error_code(body: dict[str, Any]) -> str:
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    return str(errors[0]["extensions"]["code"])


def test_safelist_mode_is_off_unless_asked_for() -> None:
    assert GatewayParts.__dataclass_fields__["safelist"].default is False


def test_a_listed_operation_runs_by_its_hash_alone(world: World) -> None:
    viewer = world.operations["Viewer"]
    response = world.post(world.gateway_url, CALLER, {"extensions": persisted(viewer.id)})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["clientId"] == CALLER


def test_a_listed_operation_runs_with_its_text_and_hash(world: World) -> None:
    detail = world.operations["CaseDetail"]
    body = {
        "query": detail.body,
        "variables": {"id": "Q2FzZTpVUzozNA"},
        "operationName": "CaseDetail",
        "extensions": persisted(detail.id),
    }
    response = world.post(world.gateway_url, CALLER, body)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["case"]["reference"]


def test_a_listed_operation_runs_with_its_text_alone(world: World) -> None:
    response = world.post(world.gateway_url, CALLER, {"query": world.operations["Viewer"].body})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_an_unlisted_operation_is_refused(world: World, accept: str) -> None:
    response = world.post(world.gateway_url, CALLER, {"query": UNLISTED}, Accept=accept)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(accept)
    body = response.json()
    assert error_code(body) == "OPERATION_NOT_IN_SAFELIST"
    assert "data" not in body


def test_a_listed_text_changed_by_one_character_is_not_listed(world: World) -> None:
    changed = world.operations["Viewer"].body.replace("subject", "subject ", 1)
    response = world.post(world.gateway_url, CALLER, {"query": changed})
    assert error_code(response.json()) == "OPERATION_NOT_IN_SAFELIST"


def test_an_unknown_hash_alone_is_not_found_the_way_apq_clients_expect(world: World) -> None:
    unknown = sha256_hex(UNLISTED)
    response = world.post(world.gateway_url, CALLER, {"extensions": persisted(unknown)})
    assert response.status_code == 400
    assert error_code(response.json()) == "PERSISTED_QUERY_NOT_FOUND"
    # An APQ client then retries with the text: still not listed.
    retry = {"query": UNLISTED, "extensions": persisted(unknown)}
    assert error_code(world.post(world.gateway_url, CALLER, retry).json()) == (
        "OPERATION_NOT_IN_SAFELIST"
    )


def test_text_whose_hash_does_not_match_is_refused(world: World) -> None:
    # A listed hash cannot carry another text in with it.
    body = {"query": UNLISTED, "extensions": persisted(world.operations["Viewer"].id)}
    response = world.post(world.gateway_url, CALLER, body)
    assert response.status_code == 400
    assert error_code(response.json()) == "PERSISTED_QUERY_HASH_MISMATCH"


@pytest.mark.parametrize(
    "extension",
    [
        {"version": 2, "sha256Hash": "0" * 64},
        {"version": 1, "sha256Hash": "ABC"},
        {"version": 1, "sha256Hash": "G" * 64},
        {"version": 1},
        "a string",
    ],
)
def test_a_malformed_persisted_query_is_a_bad_request(world: World, extension: Any) -> None:
    response = world.post(world.gateway_url, CALLER, {"extensions": {"persistedQuery": extension}})
    assert response.status_code == 400
    assert error_code(response.json()) == "BAD_REQUEST"


def test_the_safelist_is_checked_after_the_token(world: World) -> None:
    import httpx

    response = httpx.post(f"{world.gateway_url}/graphql", json={"query": UNLISTED}, timeout=30)
    assert response.status_code == 401


def test_without_safelist_any_operation_runs_and_hashes_alone_are_not_supported(
    world: World,
) -> None:
    response = world.post(world.demo_url, CALLER, {"query": UNLISTED})
    assert response.json() == {"data": {"viewer": {"administration": "UZ"}}}
    viewer = world.operations["Viewer"]
    response = world.post(world.demo_url, CALLER, {"extensions": persisted(viewer.id)})
    assert response.status_code == 400
    assert error_code(response.json()) == "PERSISTED_QUERY_NOT_SUPPORTED"
