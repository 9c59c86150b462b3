"""Nobody learns whether a record exists that is not released to them, on the paths that
tests/gateway/test_existence_oracle.py and tests/sources/test_subgraph_http.py leave out:
evidence and assistance requests by id, the answer to a caller lacking the type's scope,
`_entities` of entities and evidence, and counts through the owner's subgraph. An unreleased
record and a random id give identical responses, body and error code; `totalCount` counts only
what the caller sees."""

import base64

import httpx
import pytest

from store.models.domain import Administration
from tests.adversarial.oracle import Caller, Oracle, encode_global_id
from tests.adversarial.support import ENTITIES, gateway, graphql
from tests.adversarial.world import AdversarialWorld

GARBAGE = [
    "garbage",
    base64.urlsafe_b64encode(b"Evidence:US:0").decode().rstrip("="),
    base64.urlsafe_b64encode(b"Evidence:XX:1").decode().rstrip("="),
    "RXZpZGVuY2U6VVM6" + "x" * 80,
]


def _ids(oracle: Oracle, owner: str, table: str) -> list[int]:
    return sorted(int(row[0]) for row in oracle.rows(owner, f"SELECT id FROM {table}"))


def _identical(responses: dict[str, httpx.Response]) -> None:
    first = next(iter(responses.values()))
    for name, response in responses.items():
        assert (response.status_code, response.content) == (first.status_code, first.content), (
            name,
            response.text,
            first.text,
        )


@pytest.mark.parametrize(
    "query",
    [
        "query($id: ID!) { evidence(id: $id) { id title sha256 case { id } } }",
        "query($id: ID!) { node(id: $id) { id ... on Evidence { title } } }",
    ],
    ids=["evidence", "node"],
)
def test_unreleased_evidence_answers_like_missing_evidence(
    http: httpx.Client, world: AdversarialWorld, oracle: Oracle, query: str
) -> None:
    every = _ids(oracle, "US", "evidence")
    hidden = sorted(set(every) - oracle.released("US", "UZ", "EVIDENCE"))
    assert hidden
    asked = {f"hidden {i}": encode_global_id("Evidence", "US", i) for i in hidden[:3]}
    asked["missing"] = encode_global_id("Evidence", "US", every[-1] + 1000)
    asked.update({f"garbage {i}": value for i, value in enumerate(GARBAGE)})
    responses = {
        name: gateway(http, world, "uz-dashboard", query, {"id": value})
        for name, value in asked.items()
    }
    _identical(responses)
    assert "errors" not in responses["missing"].json()
    released = sorted(oracle.released("US", "UZ", "EVIDENCE"))[0]
    control = gateway(
        http, world, "uz-dashboard", query, {"id": encode_global_id("Evidence", "US", released)}
    )
    assert encode_global_id("Evidence", "US", released) in control.text


def test_a_partner_request_answers_an_undesignated_caller_like_a_missing_one(
    http: httpx.Client, world: AdversarialWorld, oracle: Oracle
) -> None:
    """A US request addressed to UZ is communicated to UZ's designated officials only."""
    query = "query($id: ID!) { assistanceRequest(id: $id) { id reference matter } }"
    every = _ids(oracle, "US", "assistance_requests")
    addressed = oracle.rows(
        "US", "SELECT id FROM assistance_requests WHERE requested_administration = 'UZ'"
    )
    assert addressed
    asked = {
        f"addressed {row[0]}": encode_global_id("AssistanceRequest", "US", row[0])
        for row in addressed[:3]
    }
    asked["missing"] = encode_global_id("AssistanceRequest", "US", every[-1] + 1000)
    responses = {
        name: gateway(http, world, "uz-undesignated", query, {"id": value})
        for name, value in asked.items()
    }
    _identical(responses)
    assert responses["missing"].json() == {"data": {"assistanceRequest": None}}
    designated = gateway(http, world, "uz-dashboard", query, {"id": next(iter(asked.values()))})
    assert designated.json()["data"]["assistanceRequest"] is not None


@pytest.mark.parametrize("field", ["node", "entity"])
def test_a_caller_without_the_scope_gets_one_refusal_whatever_the_id(
    http: httpx.Client, world: AdversarialWorld, oracle: Oracle, field: str
) -> None:
    """The refusal depends on the type named in the id, never on whether the record exists:
    own, released, unreleased and missing entities all get the same UNAUTHORIZED_FIELD."""
    token = world.token("uz-dashboard", scope="cmaa.cases:read")
    query = f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}"
    released = sorted(oracle.released("US", "UZ", "ENTITY"))
    hidden = sorted(set(_ids(oracle, "US", "entities")) - set(released))
    asked = {
        "own": encode_global_id("Entity", "UZ", _ids(oracle, "UZ", "entities")[0]),
        "released": encode_global_id("Entity", "US", released[0]),
        "unreleased": encode_global_id("Entity", "US", hidden[0]),
        "missing": encode_global_id("Entity", "US", 10**9),
    }
    responses = {
        name: graphql(http, world.base_url, token, query, {"id": value})
        for name, value in asked.items()
    }
    _identical(responses)
    body = responses["missing"].json()
    assert body["data"] == {field: None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHORIZED_FIELD"]


@pytest.mark.parametrize(
    ("type_name", "table", "record_type"),
    [("Entity", "entities", "ENTITY"), ("Evidence", "evidence", "EVIDENCE")],
)
def test_unreleased_references_resolve_like_random_ones_on_the_subgraph(
    http: httpx.Client,
    world: AdversarialWorld,
    oracle: Oracle,
    type_name: str,
    table: str,
    record_type: str,
) -> None:
    """tests/sources covers `_entities` for cases; here the other two releasable types."""
    url = world.subgraphs[Administration.US]
    token = world.token("uz-dashboard")
    every = _ids(oracle, "US", table)
    released = oracle.released("US", "UZ", record_type)
    hidden = sorted(set(every) - released)[:3]
    values = [encode_global_id(type_name, "US", i) for i in hidden]
    values += [encode_global_id(type_name, "US", every[-1] + 1000), *GARBAGE]
    responses = {
        value: graphql(
            http,
            url,
            token,
            ENTITIES,
            {"representations": [{"__typename": type_name, "id": value}]},
        )
        for value in values
    }
    _identical(responses)
    assert next(iter(responses.values())).content == b'{"data":{"_entities":[null]}}'
    seen = encode_global_id(type_name, "US", min(released))
    control = graphql(
        http, url, token, ENTITIES, {"representations": [{"__typename": type_name, "id": seen}]}
    )
    assert control.json()["data"]["_entities"][0]["id"] == seen


COUNTS = {
    "cases": ("cases", "CASE", "Case"),
    "entities": ("entities", "ENTITY", "Entity"),
}


@pytest.mark.parametrize("root", sorted(COUNTS))
@pytest.mark.parametrize("client_id", ["uz-dashboard", "uz-analyst", "uz-undesignated"])
def test_the_owners_subgraph_counts_only_what_the_caller_sees(
    http: httpx.Client, world: AdversarialWorld, oracle: Oracle, root: str, client_id: str
) -> None:
    table, record_type, type_name = COUNTS[root]
    caller = Caller.of(world.credentials, client_id)
    every = _ids(oracle, "US", table)
    expected = len(oracle.visible(caller, type_name, "US", every))
    query = f"{{ {root}(first: 1) {{ totalCount }} }}"
    body = graphql(http, world.subgraphs[Administration.US], world.token(client_id), query).json()
    assert body == {"data": {root: {"totalCount": expected}}}
    assert expected == (len(oracle.released("US", "UZ", record_type)) if caller.designated else 0)
    assert expected < len(every)


@pytest.mark.parametrize("client_id", ["uz-dashboard", "uz-undesignated"])
def test_the_gateway_counts_only_what_the_caller_sees(
    http: httpx.Client, world: AdversarialWorld, oracle: Oracle, client_id: str
) -> None:
    """tests/gateway counts cases; here entities and requests, for a designated official and
    for one who is not."""
    caller = Caller.of(world.credentials, client_id)
    body = gateway(
        http,
        world,
        client_id,
        "{ entities(first: 1) { totalCount } assistanceRequests(first: 1) { totalCount } }",
    ).json()
    expected_entities = sum(
        len(oracle.visible(caller, "Entity", owner, _ids(oracle, owner, "entities")))
        for owner in ("US", "UZ")
    )
    expected_requests = sum(
        len(
            oracle.visible(
                caller, "AssistanceRequest", owner, _ids(oracle, owner, "assistance_requests")
            )
        )
        for owner in ("US", "UZ")
    )
    assert body == {
        "data": {
            "entities": {"totalCount": expected_entities},
            "assistanceRequests": {"totalCount": expected_requests},
        }
    }
