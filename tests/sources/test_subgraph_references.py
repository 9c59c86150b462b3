"""A subgraph's cases name their parties' entities by holder (UsEntity, UzEntity), so that a
Federation router fetches a partner-held entity from the partner's subgraph through
`_entities`; only the holder's subgraph reads the record, under the holder's policy."""

from typing import Any

import pytest

from resolvers.sources.base import SourceDown
from resolvers.sources.ids import global_id
from resolvers.sources.in_process import InProcessSource
from store.models.domain import Administration
from tests.sources.conftest import NOW, SeededStores, Subgraph
from tests.sources.support import Caller, all_ids, counting_statements, released_ids
from tests.sources.test_subgraph_http import bearer, post, references

CASES_WITH_PARTIES = """
query ($first: Int!) {
  cases(first: $first) {
    nodes {
      id
      parties {
        caseId entityId entityOwner role
        usEntity { id }
        uzEntity { id }
      }
    }
  }
}
"""
CASE_PARTIES = """
query ($caseIds: [ID!]!) { caseParties(caseIds: $caseIds) { caseId entityId entityOwner role } }
"""


def reference_type(holder: Administration) -> str:
    return f"{holder.value.capitalize()}Entity"


def entity_references(holder: Administration) -> str:
    return f"""
query ($representations: [_Any!]!) {{
  _entities(representations: $representations) {{
    ... on {reference_type(holder)} {{ id entity {{ id owner name }} }}
  }}
}}
"""


async def answer(subgraph: Subgraph, caller: Caller, query: str, **variables: Any) -> Any:
    response = await post(subgraph, query, variables, **bearer(caller))
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_a_cases_parties_name_each_entity_by_its_holder(
    subgraphs: dict[Administration, Subgraph],
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    subgraph, caller = subgraphs[owner], callers[(owner, "dashboard")]
    cases = (await answer(subgraph, caller, CASES_WITH_PARTIES, first=50))["cases"]["nodes"]
    parties = [party for case in cases for party in case["parties"]]
    assert {party["entityOwner"] for party in parties} == {"US", "UZ"}, "some of each holder"
    for case in cases:
        assert {party["caseId"] for party in case["parties"]} <= {case["id"]}
    for party in parties:
        by_holder = {"US": party["usEntity"], "UZ": party["uzEntity"]}
        holder = party["entityOwner"]
        assert by_holder.pop(holder) == {"id": party["entityId"]}
        assert set(by_holder.values()) == {None}

    # The same links the root field gives for those cases.
    links = await answer(subgraph, caller, CASE_PARTIES, caseIds=[case["id"] for case in cases])
    as_links = [
        {k: party[k] for k in ("caseId", "entityId", "entityOwner", "role")} for party in parties
    ]
    key = lambda link: (link["caseId"], link["entityId"], link["role"])  # noqa: E731
    assert sorted(as_links, key=key) == sorted(links["caseParties"], key=key)


async def test_the_parties_of_a_page_are_read_in_one_batch(
    subgraphs: dict[Administration, Subgraph],
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    subgraph, caller = subgraphs[owner], callers[(owner, "dashboard")]
    statements = {}
    for first in (2, 50):
        query = "query ($first: Int!) { cases(first: $first) { nodes { parties { role } } } }"
        with counting_statements(subgraph.engine) as counter:
            data = await answer(subgraph, caller, query, first=first)
        assert len(data["cases"]["nodes"]) == first
        statements[first] = counter.count
    assert statements[2] == statements[50] > 0


async def test_the_holder_reads_a_referenced_entity_under_its_policy(
    subgraphs: dict[Administration, Subgraph],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    """A reference to an entity the caller may not see has a null `entity`, exactly as one to
    nothing at all, to another type's id or to the other administration's entity."""
    caller = callers[(owner.partner, "dashboard")]
    engine = stores.engines[owner]
    everything = await all_ids(engine, "ENTITY")
    released = await released_ids(engine, "ENTITY", owner.partner, NOW)
    seen = global_id("Entity", owner, min(released))
    unseen = {
        "unreleased": global_id("Entity", owner, min(everything - released)),
        "random": global_id("Entity", owner, max(everything) + 1000),
        "another type": global_id("Case", owner, min(released)),
        "other administration": global_id("Entity", owner.partner, min(released)),
        "not an id": "RW50aXR5OlVa",
    }
    query = entity_references(owner)
    data = await answer(
        subgraphs[owner],
        caller,
        query,
        **references(seen, *unseen.values(), type_name=reference_type(owner)),
    )
    found, *rest = data["_entities"]
    assert found["id"] == seen
    assert found["entity"]["id"] == seen and found["entity"]["owner"] == owner.value
    assert [item["id"] for item in rest] == list(unseen.values())
    assert [item["entity"] for item in rest] == [None] * len(unseen)


async def test_the_other_subgraph_gives_only_the_key_and_reads_nothing(
    subgraphs: dict[Administration, Subgraph],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    partner_subgraph = subgraphs[owner.partner]
    caller = callers[(owner.partner, "dashboard")]
    entity = global_id("Entity", owner, min(await all_ids(stores.engines[owner], "ENTITY")))
    variables = references(entity, type_name=reference_type(owner))
    key_only = f"""
query ($representations: [_Any!]!) {{
  _entities(representations: $representations) {{ ... on {reference_type(owner)} {{ id }} }}
}}
"""
    with counting_statements(partner_subgraph.engine) as counter:
        data = await answer(partner_subgraph, caller, key_only, **variables)
    assert data == {"_entities": [{"id": entity}]}
    assert counter.count == 0

    response = await post(partner_subgraph, entity_references(owner), variables, **bearer(caller))
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" not in response.json()


@pytest.mark.parametrize("holder", list(Administration))
async def test_a_reference_without_a_string_id_is_null(
    subgraphs: dict[Administration, Subgraph],
    callers: dict[tuple[Administration, str], Caller],
    holder: Administration,
) -> None:
    caller = callers[(holder, "dashboard")]
    variables = {"representations": [{"__typename": reference_type(holder), "id": 7}]}
    data = await answer(subgraphs[holder], caller, entity_references(holder), **variables)
    assert data == {"_entities": [None]}


async def test_the_holder_named_cases_are_the_holders_cases_served_by_it_alone(
    subgraphs: dict[Administration, Subgraph],
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    subgraph, caller = subgraphs[owner], callers[(owner, "dashboard")]
    own, other = (f"{a.value.lower()}Cases" for a in (owner, owner.partner))
    page = "(first: 30) { totalCount edges { cursor node { id } } }"
    data = await answer(subgraph, caller, f"{{ shared: cases{page} named: {own}{page} }}")
    assert data["named"] == data["shared"] and data["named"]["totalCount"] > 0

    response = await post(subgraph, f"{{ {other}{page} }}", **bearer(caller))
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


RECORDS_BY_ID = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Entity { id } ... on Case { id } }
}
"""


async def _mixed_representations(
    stores: SeededStores, owner: Administration
) -> tuple[list[dict[str, Any]], list[str | None]]:
    """Entities and cases taking turns, and one representation that names nothing: the
    representations, and the id each answers with (None: null)."""
    engine = stores.engines[owner]
    entities = [global_id("Entity", owner, i) for i in sorted(await all_ids(engine, "ENTITY"))[:3]]
    cases = [global_id("Case", owner, i) for i in sorted(await all_ids(engine, "CASE"))[:2]]
    asked = [entities[0], cases[0], entities[1], cases[1], entities[2]]
    representations = [
        {"__typename": "Entity" if value in entities else "Case", "id": value} for value in asked
    ]
    representations.append({"__typename": "Entity", "id": "not an id"})
    return representations, [*asked, None]


async def test_representations_of_several_types_are_read_one_call_a_type_and_kept_in_order(
    subgraphs: dict[Administration, Subgraph],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    representations, expected = await _mixed_representations(stores, owner)
    calls: list[str] = []
    for name in ("entities_by_id", "cases_by_id"):
        original = getattr(InProcessSource, name)

        def counted(self: Any, *args: Any, _original: Any = original, _name: str = name) -> Any:
            calls.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(InProcessSource, name, counted)
    data = await answer(
        subgraphs[owner],
        callers[(owner, "dashboard")],
        RECORDS_BY_ID,
        representations=representations,
    )
    assert [item and item["id"] for item in data["_entities"]] == expected
    assert sorted(calls) == ["cases_by_id", "entities_by_id"]


async def test_a_failed_read_is_reported_at_each_of_its_representations(
    subgraphs: dict[Administration, Subgraph],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The store failing for one type's read: each of that type's representations is null
    with SOURCE_UNAVAILABLE at its place; the other type's are answered."""
    representations, expected = await _mixed_representations(stores, owner)

    async def down(self: Any, *_: Any) -> Any:
        raise SourceDown(owner, "the store does not answer")

    monkeypatch.setattr(InProcessSource, "entities_by_id", down)
    response = await post(
        subgraphs[owner],
        RECORDS_BY_ID,
        {"representations": representations},
        **bearer(callers[(owner, "dashboard")]),
    )
    body = response.json()
    answered = [item and item["id"] for item in body["data"]["_entities"]]
    cases = [
        value if item["__typename"] == "Case" else None
        for value, item in zip(expected, representations, strict=True)
    ]
    assert answered == cases
    failed = sorted(tuple(error["path"]) for error in body["errors"])
    assert failed == [("_entities", 0), ("_entities", 2), ("_entities", 4), ("_entities", 5)]
    assert {error["extensions"]["code"] for error in body["errors"]} == {"SOURCE_UNAVAILABLE"}
    assert "does not answer" not in response.text
