"""One forbidden record, reached through every path an operation has to it (root field,
`node(id)`, a nested relation, a named fragment, an inline fragment on the `Node` interface, an
alias, a search, and `_entities` on the owner's subgraph directly), is refused the same way
each time: the answer is byte for byte the one a record that never existed gets, with no error,
and nothing of the record (not even its title) is anywhere in it.

The owner (US) makes the situation through the API first: it releases to UZ one evidence item
of a case it does not release, and a case one of whose parties it does not release. The caller
is UZ's dashboard, the strongest UZ caller there is.
"""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from store.models.domain import Administration
from tests.adversarial.oracle import Caller, Oracle, encode_global_id
from tests.adversarial.support import ENTITIES, disclose, gateway, graphql
from tests.adversarial.world import AdversarialWorld

CALLER = "uz-dashboard"
ROOT = {
    "Case": "query($id: ID!) { case(id: $id) { id reference title } }",
    "Entity": "query($id: ID!) { entity(id: $id) { id name description } }",
}
PATHS = {
    "node": "query($id: ID!) { node(id: $id) { id ... on {type} { __typename } } }",
    "fragment": "query($id: ID!) { {field}(id: $id) { ...R } } fragment R on {type} { id }",
    "interface": (
        "query($id: ID!) { node(id: $id) { ... on Node { id } ... on {type} { owner } } }"
    ),
    "alias": "query($id: ID!) { hidden: {field}(id: $id) { key: id } other: node(id: $id) { id } }",
    "fragment on the interface": (
        "query($id: ID!) { node(id: $id) { ...N } } fragment N on Node { id __typename }"
    ),
}


@dataclass(frozen=True)
class Forbidden:
    type_name: str
    local_id: int
    words: tuple[str, ...]  # what of it must never show: its title, reference, name
    missing: str  # the id of a record of that type that never existed
    nested_query: str  # reaches it through a relation of a record the caller sees
    nested_variables: dict[str, Any]
    nested_answer: dict[str, Any]  # the nested answer when the record is left out
    search: str  # a search that would find it
    search_value: str

    @property
    def id(self) -> str:
        return encode_global_id(self.type_name, "US", self.local_id)


def _unreleased(oracle: Oracle, table: str, record_type: str) -> set[int]:
    every = {int(row[0]) for row in oracle.rows("US", f"SELECT id FROM {table}")}
    return every - oracle.released("US", "UZ", record_type)


@pytest.fixture(scope="module")
def forbidden(world: AdversarialWorld, oracle: Oracle, http: httpx.Client) -> list[Forbidden]:
    found = []
    # A case, and an evidence item of it released on its own.
    hidden_cases = _unreleased(oracle, "cases", "CASE")
    evidence = oracle.rows(
        "US",
        "SELECT id, case_id FROM evidence WHERE case_administration = 'US' ORDER BY id",
    )
    evidence_id, case_id = next((e, c) for e, c in evidence if c in hidden_cases)
    disclose(http, world, "us-workflow", [encode_global_id("Evidence", "US", evidence_id)])
    sql = "SELECT reference, title FROM cases WHERE id = ?"
    reference, title = oracle.rows("US", sql, case_id)[0]
    max_case = oracle.rows("US", "SELECT max(id) FROM cases")[0][0]
    found.append(
        Forbidden(
            "Case",
            case_id,
            (reference, title),
            encode_global_id("Case", "US", max_case + 1000),
            "query($e: ID!) { evidence(id: $e) { id case { id reference title } } }",
            {"e": encode_global_id("Evidence", "US", evidence_id)},
            {"evidence": {"id": encode_global_id("Evidence", "US", evidence_id), "case": None}},
            "query($v: String) { cases(first: 5, filter: { text: $v }) "
            "{ totalCount edges { node { id } } } }",
            reference,
        )
    )
    # A person, party to a case released without it.
    hidden_entities = _unreleased(oracle, "entities", "ENTITY")
    parties = oracle.rows(
        "US",
        "SELECT p.case_id, p.entity_id, e.name FROM case_parties p JOIN entities e "
        "ON e.id = p.entity_id WHERE p.entity_administration = 'US' AND e.kind = 'PERSON' "
        "AND e.name IS NOT NULL ORDER BY p.case_id DESC, p.entity_id",
    )
    party_case, entity_id, name = next(
        (c, e, n) for c, e, n in parties if e in hidden_entities and c != case_id
    )
    disclose(http, world, "us-workflow", [encode_global_id("Case", "US", party_case)])
    description = oracle.rows("US", "SELECT description FROM entities WHERE id = ?", entity_id)
    max_entity = oracle.rows("US", "SELECT max(id) FROM entities")[0][0]
    seen = [
        encode_global_id("Entity", owner, entity)
        for owner, entity in oracle.rows(
            "US",
            "SELECT entity_administration, entity_id FROM case_parties WHERE case_id = ?",
            party_case,
        )
        if oracle.visible(Caller.of(world.credentials, CALLER), "Entity", owner, [entity])
    ]
    found.append(
        Forbidden(
            "Entity",
            entity_id,
            (name, description[0][0]),
            encode_global_id("Entity", "US", max_entity + 1000),
            "query($c: ID!) { case(id: $c) { parties { entity { id } } } }",
            {"c": encode_global_id("Case", "US", party_case)},
            {"case": {"parties": sorted(({"entity": {"id": i}} for i in seen), key=str)}},
            "query($v: String) { entities(first: 5, filter: { name: $v }) "
            "{ totalCount edges { node { id } } } }",
            name,
        )
    )
    return found


def _field(type_name: str) -> str:
    return type_name[0].lower() + type_name[1:]


def _both(
    http: httpx.Client, world: AdversarialWorld, record: Forbidden, query: str
) -> tuple[httpx.Response, httpx.Response]:
    hidden = gateway(http, world, CALLER, query, {"id": record.id})
    missing = gateway(http, world, CALLER, query, {"id": record.missing})
    return hidden, missing


def _assert_nothing_of(record: Forbidden, response: httpx.Response) -> None:
    for word in record.words:
        assert word not in response.text, f"{word!r} shows in {response.text}"


@pytest.mark.parametrize("type_name", ["Case", "Entity"])
def test_a_forbidden_record_answers_like_a_missing_one_on_every_path(
    http: httpx.Client, world: AdversarialWorld, forbidden: list[Forbidden], type_name: str
) -> None:
    record = next(r for r in forbidden if r.type_name == type_name)
    queries = {"root field": ROOT[type_name]}
    for name, template in PATHS.items():
        queries[name] = template.replace("{type}", type_name).replace("{field}", _field(type_name))
    answers = {}
    for path, query in queries.items():
        hidden, missing = _both(http, world, record, query)
        assert hidden.status_code == missing.status_code == 200, (path, hidden.text)
        assert hidden.content == missing.content, (path, hidden.text, missing.text)
        assert "errors" not in hidden.json(), (path, hidden.text)
        _assert_nothing_of(record, hidden)
        answers[path] = hidden.json()["data"]
    assert all(value is None for data in answers.values() for value in data.values()), answers


@pytest.mark.parametrize("type_name", ["Case", "Entity"])
def test_a_forbidden_record_is_left_out_of_the_relation_that_leads_to_it(
    http: httpx.Client, world: AdversarialWorld, forbidden: list[Forbidden], type_name: str
) -> None:
    record = next(r for r in forbidden if r.type_name == type_name)
    response = gateway(http, world, CALLER, record.nested_query, record.nested_variables)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    data = body["data"]
    if type_name == "Entity":
        data["case"]["parties"] = sorted(data["case"]["parties"], key=str)
    assert data == record.nested_answer
    assert record.id not in response.text
    _assert_nothing_of(record, response)


@pytest.mark.parametrize("type_name", ["Case", "Entity"])
def test_a_search_for_a_forbidden_record_finds_what_a_search_for_nothing_finds(
    http: httpx.Client, world: AdversarialWorld, forbidden: list[Forbidden], type_name: str
) -> None:
    record = next(r for r in forbidden if r.type_name == type_name)
    found = gateway(http, world, CALLER, record.search, {"v": record.search_value})
    nothing = gateway(http, world, CALLER, record.search, {"v": "NO-SUCH-RECORD-ANYWHERE"})
    assert found.content == nothing.content, (found.text, nothing.text)
    assert list(found.json()["data"].values()) == [{"totalCount": 0, "edges": []}]


@pytest.mark.parametrize("type_name", ["Case", "Entity"])
def test_a_forbidden_record_answers_like_a_missing_one_on_the_owners_subgraph(
    http: httpx.Client, world: AdversarialWorld, forbidden: list[Forbidden], type_name: str
) -> None:
    """`_entities` is a root field of its own: the owner's policy guards it too."""
    record = next(r for r in forbidden if r.type_name == type_name)
    url = world.subgraphs[Administration.US]
    token = world.token(CALLER)
    answers = []
    for value in (record.id, record.missing, "garbage"):
        variables = {"representations": [{"__typename": type_name, "id": value}]}
        answers.append(graphql(http, url, token, ENTITIES, variables))
    assert {(a.status_code, a.content) for a in answers} == {
        (200, b'{"data":{"_entities":[null]}}')
    }
