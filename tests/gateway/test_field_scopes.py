"""Field scopes (DESIGN.md §5, §9): a field whose scope the caller lacks is answered empty and
reported once as UNAUTHORIZED_FIELD, however the operation reaches it; personal data without
`cmaa.pii:read` is withheld by policy (null, no error)."""

from typing import Any

import httpx
import pytest

from tests.gateway.conftest import World
from tests.gateway.support import decode_id, encode_id, instrumented, post_graphql
from tests.support.request_ids import without_request_ids

PERSONS = """
{
  entities(first: 100, filter: { kinds: [PERSON] }) {
    totalCount
    edges {
      node {
        id owner kind name nameCyrillic dateOfBirth address personalDataWithheld
        identifiers { type value }
      }
    }
  }
}
"""
PERSONAL_FIELDS = ("name", "nameCyrillic", "dateOfBirth", "address")


def run(http: httpx.Client, world: World, client_id: str, query: str, **variables: Any) -> Any:
    response = post_graphql(http, world.base_url, world.token(client_id), query, variables or None)
    assert response.status_code == 200, response.text
    return response.json()


def unauthorized(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        error
        for error in body.get("errors") or []
        if error["extensions"]["code"] == "UNAUTHORIZED_FIELD"
    ]


def assert_one_refusal(body: dict[str, Any], field: str, scope: str) -> dict[str, Any]:
    assert len(body["errors"]) == 1, body["errors"]
    error = without_request_ids(body)["errors"][0]
    assert error["extensions"] == {
        "code": "UNAUTHORIZED_FIELD",
        "field": field,
        "requiredScopes": [scope],
    }
    return dict(error)


# -- personal data ---------------------------------------------------------------------------


def test_an_analyst_without_pii_scope_gets_persons_without_personal_data(
    http: httpx.Client, world: World
) -> None:
    body = run(http, world, "uz-analyst", PERSONS)
    assert "errors" not in body, "withholding personal data is policy, not an error"
    nodes = [edge["node"] for edge in body["data"]["entities"]["edges"]]
    assert {node["owner"] for node in nodes} == {"US", "UZ"}
    for node in nodes:
        assert node["kind"] == "PERSON"
        assert node["personalDataWithheld"] is True
        assert all(node[name] is None for name in PERSONAL_FIELDS), node
        assert node["identifiers"] == []


def test_the_same_persons_with_pii_scope_carry_their_personal_data(
    http: httpx.Client, world: World
) -> None:
    analyst = run(http, world, "uz-analyst", PERSONS)["data"]["entities"]
    dashboard = run(http, world, "uz-dashboard", PERSONS)["data"]["entities"]
    assert analyst["totalCount"] == dashboard["totalCount"]
    nodes = [edge["node"] for edge in dashboard["edges"]]
    own = [node for node in nodes if node["owner"] == "UZ"]
    assert own and all(node["name"] and not node["personalDataWithheld"] for node in own)
    # Partner persons carry personal data only where their release includes it.
    partner = [node for node in nodes if node["owner"] == "US"]
    for node in partner:
        assert (node["name"] is None) == node["personalDataWithheld"]


def test_an_analyst_cannot_find_a_person_by_name(http: httpx.Client, world: World) -> None:
    """Matching on withheld personal data would reveal it."""
    dashboard = run(http, world, "uz-dashboard", PERSONS)["data"]["entities"]["edges"]
    name = next(edge["node"]["name"] for edge in dashboard if edge["node"]["owner"] == "UZ")
    query = """
    query($name: String) {
      entities(first: 5, filter: { kinds: [PERSON], name: $name }) { totalCount }
    }
    """
    assert run(http, world, "uz-dashboard", query, name=name)["data"]["entities"]["totalCount"]
    assert run(http, world, "uz-analyst", query, name=name)["data"]["entities"]["totalCount"] == 0


# -- a relation the caller lacks the scope for ----------------------------------------------

EVIDENCE_SCOPE = "cmaa.evidence:read"
CASES_SCOPE = "cmaa.cases:read"


def test_evidence_without_its_scope_is_empty_with_one_error(
    http: httpx.Client, world: World
) -> None:
    query = "{ cases(first: 20) { totalCount edges { node { id title evidence { id } } } } }"
    with instrumented(world.administrations) as sources:
        body = run(http, world, "uz-no-evidence", query)
    error = assert_one_refusal(body, "Case.evidence", EVIDENCE_SCOPE)
    assert error["path"][0] == "cases" and error["path"][-1] == "evidence"
    nodes = [edge["node"] for edge in body["data"]["cases"]["edges"]]
    assert len(nodes) == 20
    assert all(node["evidence"] == [] and node["title"] for node in nodes)
    full = run(http, world, "uz-dashboard", query)["data"]["cases"]
    assert body["data"]["cases"]["totalCount"] == full["totalCount"]
    assert any(edge["node"]["evidence"] for edge in full["edges"])
    assert all(source.calls["evidence_for_cases"] == 0 for source in sources.values())


@pytest.mark.parametrize(
    "query",
    [
        "{ cases(first: 5) { edges { node { ...WithEvidence } } } }"
        " fragment WithEvidence on Case { id evidence { id } }",
        "{ cases(first: 5) { edges { node { id proof: evidence { id } } } } }",
        "{ cases(first: 5) { edges { node { id evidence { id } proof: evidence { title } } } } }",
        "{ cases(first: 5) { edges { node { ... on Case { evidence { id } } } } } }",
        "{ cases(first: 5) { edges { node { ... on Node {"
        " ... on Case { evidence { id } } } } } } }",
    ],
    ids=["fragment", "alias", "alias-and-field", "inline", "inline-on-node"],
)
def test_evidence_is_refused_whatever_the_construct(
    http: httpx.Client, world: World, query: str
) -> None:
    body = run(http, world, "uz-no-evidence", query)
    assert_one_refusal(body, "Case.evidence", EVIDENCE_SCOPE)
    for edge in body["data"]["cases"]["edges"]:
        for name in ("evidence", "proof"):
            assert edge["node"].get(name, []) == []


def own_case_with_evidence(http: httpx.Client, world: World) -> tuple[str, str]:
    query = "{ cases(first: 20) { edges { node { id evidence { id } } } } }"
    edges = run(http, world, "uz-dashboard", query)["data"]["cases"]["edges"]
    node = next(
        e["node"] for e in edges if e["node"]["evidence"] and decode_id(e["node"]["id"])[1] == "UZ"
    )
    return node["id"], node["evidence"][0]["id"]


def test_evidence_through_node_and_an_inline_fragment_is_refused(
    http: httpx.Client, world: World
) -> None:
    case_id, _ = own_case_with_evidence(http, world)
    query = """
    query($id: ID!) { node(id: $id) { id ... on Case { reference evidence { id } } } }
    """
    body = run(http, world, "uz-no-evidence", query, id=case_id)
    error = assert_one_refusal(body, "Case.evidence", EVIDENCE_SCOPE)
    assert error["path"] == ["node", "evidence"]
    assert body["data"]["node"]["id"] == case_id
    assert body["data"]["node"]["reference"]
    assert body["data"]["node"]["evidence"] == []


def test_evidence_by_id_without_its_scope_is_refused(http: httpx.Client, world: World) -> None:
    _, evidence_id = own_case_with_evidence(http, world)
    found = run(
        http, world, "uz-dashboard", "query($id: ID!) { evidence(id: $id) { id } }", id=evidence_id
    )
    assert found["data"]["evidence"] == {"id": evidence_id}
    body = run(
        http,
        world,
        "uz-no-evidence",
        "query($id: ID!) { evidence(id: $id) { id } }",
        id=evidence_id,
    )
    assert_one_refusal(body, "Query.evidence", EVIDENCE_SCOPE)
    assert body["data"] == {"evidence": None}
    by_node = run(
        http,
        world,
        "uz-no-evidence",
        "query($id: ID!) { node(id: $id) { id ... on Evidence { title } } }",
        id=evidence_id,
    )
    assert_one_refusal(by_node, "Query.node", EVIDENCE_SCOPE)
    assert by_node["data"] == {"node": None}


def test_cases_without_their_scope_are_an_empty_connection_with_one_error(
    http: httpx.Client, world: World
) -> None:
    query = """
    {
      cases(first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } }
      entities(first: 2) { totalCount edges { node { id } } }
    }
    """
    with instrumented(world.administrations) as sources:
        body = run(http, world, "uz-no-cases", query)
    assert_one_refusal(body, "Query.cases", CASES_SCOPE)
    assert body["data"]["cases"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }
    assert len(body["data"]["entities"]["edges"]) == 2
    assert all(source.calls["list_cases"] == 0 for source in sources.values())


def test_a_case_by_id_without_the_scope_is_refused(http: httpx.Client, world: World) -> None:
    case_id = encode_id("Case", "UZ", 1)
    body = run(http, world, "uz-no-cases", "query($id: ID!) { case(id: $id) { id } }", id=case_id)
    assert_one_refusal(body, "Query.case", CASES_SCOPE)
    assert body["data"] == {"case": None}
