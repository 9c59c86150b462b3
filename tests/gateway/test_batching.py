"""References are resolved in batches: one call per source per level of the response, whatever
the number of records (DESIGN.md §3). The sources of the running gateway are wrapped in
counting proxies; the real sources still answer every call."""

from collections import Counter
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import World
from tests.gateway.support import decode_id, instrumented, post_graphql

HUNDRED_CASES = """
{
  cases(first: 100) {
    edges {
      node {
        id
        parties { role entity { id kind name owner } }
        evidence { id title owner }
      }
    }
  }
}
"""


def run(http: httpx.Client, world: World, client_id: str, query: str) -> tuple[Any, dict]:
    with instrumented(world.administrations) as sources:
        response = post_graphql(http, world.base_url, world.token(client_id), query)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    return body["data"], {owner: Counter(source.calls) for owner, source in sources.items()}


@pytest.mark.parametrize("client_id", ["us-dashboard", "uz-dashboard"])
def test_parties_entities_and_evidence_of_100_cases_take_one_call_per_source_per_level(
    http: httpx.Client, world: World, client_id: str
) -> None:
    data, calls = run(http, world, client_id, HUNDRED_CASES)
    nodes = [edge["node"] for edge in data["cases"]["edges"]]
    assert len(nodes) == 100
    parties = [party for node in nodes for party in node["parties"]]
    evidence = [item for node in nodes for item in node["evidence"]]
    assert len(parties) > 100 and evidence, "the page must really have relations to resolve"
    case_owners = {decode_id(node["id"])[1] for node in nodes}
    entity_owners = {party["entity"]["owner"] for party in parties}

    # Level 1: the list, once per source.
    # Level 2: the parties' links, once per source holding some of the cases; evidence, once
    # per source (either administration may hold evidence for a case).
    # Level 3: the parties' entities, once per source holding some of them.
    for owner in ("US", "UZ"):
        assert calls[owner]["list_cases"] == 1, calls
        assert calls[owner]["parties_of_cases"] == (1 if owner in case_owners else 0), calls
        assert calls[owner]["evidence_for_cases"] == 1, calls
        assert calls[owner]["entities_by_id"] == (1 if owner in entity_owners else 0), calls
        others = set(calls[owner]) - {
            "list_cases",
            "parties_of_cases",
            "evidence_for_cases",
            "entities_by_id",
        }
        assert not others, calls


def test_the_same_entity_in_many_cases_is_fetched_once(http: httpx.Client, world: World) -> None:
    """A page where both lists' cases hold partner and own entities still costs one call."""
    data, calls = run(http, world, "uz-dashboard", HUNDRED_CASES)
    owners = {decode_id(edge["node"]["id"])[1] for edge in data["cases"]["edges"]}
    assert owners == {"US", "UZ"}, "the first 100 cases of UZ mix both administrations"
    assert sum(calls["US"].values()) + sum(calls["UZ"].values()) <= 8


def test_evidence_of_a_case_resolves_its_case_in_one_call(http: httpx.Client, world: World) -> None:
    """Evidence → case → parties → entity: every level is one call per source."""
    query = """
    {
      cases(first: 40) {
        edges { node { evidence { id case { id parties { entity { id } } } } } }
      }
    }
    """
    data, calls = run(http, world, "us-dashboard", query)
    assert any(edge["node"]["evidence"] for edge in data["cases"]["edges"])
    for owner in ("US", "UZ"):
        assert calls[owner]["list_cases"] == 1, calls
        assert calls[owner]["evidence_for_cases"] == 1, calls
        assert calls[owner]["cases_by_id"] <= 1, calls
        assert calls[owner]["parties_of_cases"] <= 1, calls
        assert calls[owner]["entities_by_id"] <= 1, calls


def test_matches_of_entities_of_both_administrations_take_one_call_per_source(
    http: httpx.Client, world: World
) -> None:
    """Each administration is searched once for all the other's entities of the level."""
    query = """
    {
      entities(first: 100, filter: { kinds: [TRANSPORT_EQUIPMENT, CONVEYANCE, ORGANIZATION] }) {
        edges { node { id owner matches { entity { id owner } strength } } }
      }
    }
    """
    data, calls = run(http, world, "uz-dashboard", query)
    owners = {edge["node"]["owner"] for edge in data["entities"]["edges"]}
    assert owners == {"US", "UZ"}
    for owner in ("US", "UZ"):
        assert calls[owner] == Counter({"list_entities": 1, "match_candidates": 1}), calls
