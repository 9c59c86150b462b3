"""An administration's subgraph over HTTP: it verifies the bearer token itself before any
GraphQL runs, resolves `_entities` in one batch under the owner's policy, and answers every
error with a code (unexpected ones masked)."""

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from resolvers.introspection import NOT_VALID
from resolvers.sources.ids import global_id
from store.agreement import Agreement
from store.models import Case
from store.models.domain import Administration
from tests.sources.conftest import NOW, SeededStores, Subgraph
from tests.sources.support import Caller, all_ids, counting_statements, released_ids

SERVICE = "{ _service { sdl } }"
CASE_REFERENCES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Case { id reference } }
}
"""
CASES = "query ($after: String, $first: Int) { cases(first: $first, after: $after) { totalCount } }"


async def post(
    subgraph: Subgraph, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            subgraph.url + "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )


def bearer(caller: Caller) -> dict[str, str]:
    return {"Authorization": f"Bearer {caller.token}"}


def references(*ids: str, type_name: str = "Case") -> dict[str, Any]:
    return {"representations": [{"__typename": type_name, "id": value} for value in ids]}


@pytest.mark.parametrize(
    "query", [SERVICE, CASE_REFERENCES, CASES], ids=["service", "entities", "cases"]
)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not.a.token", "Basic dXM6cGFzcw==", "Bearer"],
    ids=["none", "forged", "basic", "empty"],
)
async def test_no_operation_runs_without_a_valid_bearer_token(
    subgraphs: dict[Administration, Subgraph], query: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for subgraph in subgraphs.values():
        with counting_statements(subgraph.engine) as counter:
            response = await post(subgraph, query, references("x"), **headers)
        assert response.status_code == 401
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="cmaa"')
        # RFC 6750: a request without a bearer credential gets a bare challenge.
        assert ("error=" in challenge) is (authorization in ("Bearer not.a.token", "Bearer"))
        assert "data" not in response.text
        assert counter.count == 0


async def test_service_sdl_for_a_client_trusted_with_introspection(
    subgraphs: dict[Administration, Subgraph], callers: dict[tuple[Administration, str], Caller]
) -> None:
    for administration, subgraph in subgraphs.items():
        response = await post(subgraph, SERVICE, **bearer(callers[(administration, "dashboard")]))
        assert response.status_code == 200
        sdl = response.json()["data"]["_service"]["sdl"]
        assert 'type Case @key(fields: "id")' in sdl
        assert '@requiresScopes(scopes: [["cmaa.cases:read"]])' in sdl


@pytest.mark.parametrize(
    "query", [SERVICE, "{ __schema { types { name } } }", '{ t: __type(name: "Case") { name } }']
)
async def test_introspection_is_refused_to_other_clients(
    subgraphs: dict[Administration, Subgraph],
    callers: dict[tuple[Administration, str], Caller],
    query: str,
) -> None:
    for (administration, role), caller in callers.items():
        if role in ("dashboard", "cases_only"):  # the dashboard client, trusted
            continue
        response = await post(subgraphs[administration], query, **bearer(caller))
        assert response.status_code == 400
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FORBIDDEN"]
        assert "sdl" not in response.text and "Case" not in response.text


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ cases(frist: 1) { totalCount } }", None),
        ("query($f: CaseFiltr) { cases(filter: $f) { totalCount } }", None),
        ("{ cases(filter: {ownrs: [US]}) { totalCount } }", None),
        ("{ cases(filter: {owners: [USS]}) { totalCount } }", None),
        ("query($f: CaseFilter) { cases(filter: $f) { totalCount } }", {"f": {"owners": ["US1"]}}),
        ("{ _entities(representations: []) { ... on Cas { id } } }", None),
    ],
)
async def test_no_error_suggests_a_name(
    subgraphs: dict[Administration, Subgraph],
    callers: dict[tuple[Administration, str], Caller],
    query: str,
    variables: dict[str, Any] | None,
) -> None:
    """Neither to a client trusted with introspection nor to another, which is told nothing."""
    for (administration, role), caller in callers.items():
        response = await post(subgraphs[administration], query, variables, **bearer(caller))
        errors = response.json()["errors"]
        assert errors and all("Did you mean" not in error["message"] for error in errors)
        if role == "analyst":
            assert [error["message"] for error in errors] == [NOT_VALID]


async def test_an_operation_longer_than_the_limit_is_refused_before_it_is_parsed(
    subgraphs: dict[Administration, Subgraph],
    callers: dict[tuple[Administration, str], Caller],
    agreement: Agreement,
) -> None:
    limit = agreement.limits.max_operation_bytes
    # Broken at its start, padded with a comment: a parse would report the syntax error.
    over = "{ cases(first: 1) { totalCount } #" + "x" * limit
    for administration, subgraph in subgraphs.items():
        with counting_statements(subgraph.engine) as counter:
            response = await post(subgraph, over, **bearer(callers[(administration, "analyst")]))
        assert response.status_code == 400  # a request error, in graphql-response+json
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "operation_bytes"}
        assert "data" not in response.json()
        assert counter.count == 0


async def test_an_unseen_reference_resolves_like_a_random_one(
    subgraphs: dict[Administration, Subgraph],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    caller = callers[(owner.partner, "dashboard")]
    engine = stores.engines[owner]
    everything = await all_ids(engine, "CASE")
    released = await released_ids(engine, "CASE", owner.partner, NOW)
    unreleased = min(everything - released)
    asked = {
        "unreleased": global_id("Case", owner, unreleased),
        "random": global_id("Case", owner, max(everything) + 1000),
        "other administration": global_id("Case", owner.partner, min(released)),
        "another type": global_id("Entity", owner, unreleased),
        "not an id": "Q2FzZTpVUzo",
    }
    answers = {}
    for name, value in asked.items():
        response = await post(
            subgraphs[owner], CASE_REFERENCES, references(value), **bearer(caller)
        )
        assert response.status_code == 200
        answers[name] = response.content
    assert set(answers.values()) == {b'{"data":{"_entities":[null]}}'}, answers

    seen = global_id("Case", owner, min(released))
    response = await post(subgraphs[owner], CASE_REFERENCES, references(seen), **bearer(caller))
    assert response.json()["data"]["_entities"][0]["id"] == seen


async def test_references_resolve_in_one_batch(
    subgraphs: dict[Administration, Subgraph],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    owner: Administration,
) -> None:
    caller = callers[(owner.partner, "dashboard")]
    engine = stores.engines[owner]
    released = sorted(await released_ids(engine, "CASE", owner.partner, NOW))
    # Released ones first, so that both batches find something (an empty answer saves a query).
    ids = released + sorted(await all_ids(engine, "CASE") - set(released))
    subgraph = subgraphs[owner]
    statements = {}
    for count in (1, 60):
        variables = references(*(global_id("Case", owner, i) for i in ids[:count]))
        with counting_statements(subgraph.engine) as counter:
            response = await post(subgraph, CASE_REFERENCES, variables, **bearer(caller))
        assert len(response.json()["data"]["_entities"]) == count
        statements[count] = counter.count
    assert statements[1] == statements[60] > 0


async def test_an_unknown_type_of_reference_is_bad_input(
    subgraphs: dict[Administration, Subgraph], callers: dict[tuple[Administration, str], Caller]
) -> None:
    caller = callers[(Administration.US, "dashboard")]
    response = await post(
        subgraphs[Administration.US],
        CASE_REFERENCES,
        references("x", type_name="Release"),
        **bearer(caller),
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"after": "not-a-cursor"}, "after"),
        ({"after": "WyIyMDI2LTAxLTAxIiwgMV0"}, "after"),  # a moment without its offset
        ({"first": 102}, "first"),
        ({"first": -1}, "first"),
    ],
)
async def test_bad_paging_arguments_are_bad_user_input(
    subgraphs: dict[Administration, Subgraph],
    callers: dict[tuple[Administration, str], Caller],
    variables: dict[str, Any],
    field: str,
) -> None:
    caller = callers[(Administration.UZ, "dashboard")]
    response = await post(subgraphs[Administration.UZ], CASES, variables, **bearer(caller))
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_an_unexpected_failure_is_masked_and_logged(
    subgraphs: dict[Administration, Subgraph],
    stores: SeededStores,
    callers: dict[tuple[Administration, str], Caller],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A row the source cannot read (a list column holding a number) fails in the source."""
    owner = Administration.US
    engine = stores.engines[owner]
    case_id = max(await all_ids(engine, "CASE"))
    async with engine.begin() as connection:
        original = (
            await connection.execute(Case.__table__.select().where(Case.id == case_id))  # type: ignore[attr-defined]
        ).one()
        await connection.execute(update(Case).where(Case.id == case_id).values(legal_provisions=5))
    try:
        with caplog.at_level(logging.ERROR):
            response = await post(
                subgraphs[owner],
                "{ cases(first: 5) { nodes { id legalProvisions } } }",
                **bearer(callers[(owner, "dashboard")]),
            )
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(legal_provisions=original.legal_provisions)
            )
    body = response.json()
    assert response.status_code == 200
    assert body["errors"] == [
        {
            "message": "An internal error occurred.",
            "extensions": {"code": "INTERNAL"},
            "path": ["cases"],
        }
    ]
    assert "TypeError" not in response.text and "iterable" not in response.text
    assert any(record.exc_info for record in caplog.records)
