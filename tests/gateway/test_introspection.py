"""The schema is told only to the clients named as trusted with it: introspection is refused to
every other client, whose invalid operations all get one fixed error; and no error suggests any
name of the schema, to a trusted client either: the misspellings a schema-recovery tool sends,
of every kind, are answered without "Did you mean"."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import parse, validate

from resolvers.exchange.schema import build_exchange_schema
from resolvers.introspection import NOT_VALID, UnknownClientName, client_names
from tests.gateway.conftest import World
from tests.gateway.support import codes, only_error, post_graphql, trusting_gateway

INTROSPECTION = {
    "schema": "{ __schema { types { name } } }",
    "type": '{ __type(name: "Case") { name fields { name } } }',
    "aliased": "{ s: __schema { queryType { name } } }",
    "in a fragment": "query { ...F } fragment F on Query { __schema { queryType { name } } }",
    "in an unused fragment": (
        '{ viewer { subject } } fragment F on Query { __type(name: "X") { name } }'
    ),
    "in an inline fragment": "{ ... on Query { __schema { queryType { name } } } }",
    "beside other fields": (
        '{ viewer { subject } node(id: "x") { ... on Case { id } } t: __type(name: "Q") { name } }'
    ),
}


@pytest.fixture(scope="module")
def trusting(world: World) -> Iterator[str]:
    """A gateway trusting the UZ dashboard client with introspection."""
    with trusting_gateway(world.stores, world.base_url, world.agreement, "UZ:uz-dashboard") as url:
        yield url


@pytest.mark.parametrize("query", INTROSPECTION.values(), ids=INTROSPECTION.keys())
@pytest.mark.parametrize("client_id", ["uz-dashboard", "uz-undesignated", "us-dashboard"])
def test_introspection_is_refused_to_a_client_not_trusted_with_it(
    http: httpx.Client, world: World, query: str, client_id: str
) -> None:
    response = post_graphql(http, world.base_url, world.token(client_id), query)
    body = response.json()
    assert "data" not in body, body
    error = only_error(body)
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert "Case" not in response.text and "Query" not in error["message"]


@pytest.mark.parametrize("kind", [kind for kind in INTROSPECTION if "unused" not in kind])
def test_introspection_is_served_to_a_trusted_client(
    http: httpx.Client, world: World, trusting: str, kind: str
) -> None:
    query = INTROSPECTION[kind]
    response = post_graphql(http, trusting, world.token("uz-dashboard"), query)
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]


def test_trust_names_the_administration_as_well_as_the_client(
    http: httpx.Client, world: World, trusting: str
) -> None:
    """The gateway above trusts UZ's uz-dashboard: another client, or the same id from the
    other administration's issuer, is refused."""
    for client_id in ("us-dashboard", "uz-analyst"):
        response = post_graphql(http, trusting, world.token(client_id), INTROSPECTION["schema"])
        assert codes(response.json()) == ["FORBIDDEN"]


def test_typename_is_open_to_every_client(http: httpx.Client, world: World) -> None:
    response = post_graphql(http, world.base_url, world.token("uz-undesignated"), "{ __typename }")
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("value", ["uz-graphiql", "KZ:kz-graphiql", "US:", "US:  ", ":us-graphiql"])
def test_a_trusted_client_is_named_with_its_administration(value: str) -> None:
    with pytest.raises(UnknownClientName):
        client_names([value])
    assert client_names(["US:us-graphiql", "UZ:uz-graphiql"]) == {
        "US:us-graphiql",
        "UZ:uz-graphiql",
    }


# -- suggestions -------------------------------------------------------------------------------

# Each kind of misspelling graphql-core answers with a suggestion, with its variables.
MISSPELLINGS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "field": ("{ casse { totalCount } }", None),
    "argument": ("{ cases(frist: 1) { totalCount } }", None),
    "type": ("query($f: CaseFiltr) { cases(filter: $f) { totalCount } }", None),
    "variable type": ("query($n: Strin) { cases(first: 1) { totalCount } }", None),
    "fragment type": ('{ node(id: "x") { ... on Cas { id } } }', None),
    "enum value": ("{ cases(filter: {owners: [USS]}) { totalCount } }", None),
    "input field": ("{ cases(filter: {ownrs: [US]}) { totalCount } }", None),
    "subfields": ("{ cases }", None),
    "inline fragment": ('{ node(id: "x") { reference } }', None),
    "enum value in a variable": (
        "query($f: CaseFilter) { cases(filter: $f) { totalCount } }",
        {"f": {"owners": ["USS"]}},
    ),
    "input field in a variable": (
        "query($f: CaseFilter) { cases(filter: $f) { totalCount } }",
        {"f": {"ownrs": ["US"]}},
    ),
}
# What graphql-core would have suggested for each (checked below to be in its own message).
SUGGESTED = {
    "argument": "first",
    "type": "CaseFilter",
    "variable type": "String",
    "fragment type": "Case",
    "enum value": "US",
    "input field": "owners",
    "subfields": "cases { ... }",
    "inline fragment": "Case",
}


def test_graphql_core_itself_suggests_what_the_gateway_does_not() -> None:
    """The control: without the gateway, these misspellings do draw a suggestion."""
    schema = build_exchange_schema()._schema
    for kind, suggested in SUGGESTED.items():
        query, _ = MISSPELLINGS[kind]
        messages = [error.message for error in validate(schema, parse(query))]
        assert any("Did you mean" in m and suggested in m for m in messages), (kind, messages)


@pytest.mark.parametrize("kind", MISSPELLINGS)
def test_no_error_suggests_a_name_to_a_trusted_client(
    http: httpx.Client, world: World, trusting: str, kind: str
) -> None:
    """The trusted client reads what is wrong, but no suggestion."""
    query, variables = MISSPELLINGS[kind]
    response = post_graphql(http, trusting, world.token("uz-dashboard"), query, variables)
    errors = response.json()["errors"]
    assert errors and all(error["message"] != NOT_VALID for error in errors), response.text
    for error in errors:
        assert "Did you mean" not in error["message"], error
        if kind in SUGGESTED and kind not in ("subfields", "inline fragment"):
            assert f"'{SUGGESTED[kind]}'" not in error["message"], error


@pytest.mark.parametrize("kind", MISSPELLINGS)
@pytest.mark.parametrize("client_id", ["uz-analyst", "uz-undesignated"])
def test_any_other_client_gets_one_error_that_names_nothing(
    http: httpx.Client, world: World, kind: str, client_id: str
) -> None:
    query, variables = MISSPELLINGS[kind]
    response = post_graphql(http, world.base_url, world.token(client_id), query, variables)
    assert response.json() == {
        "errors": [{"message": NOT_VALID, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]
    }


def test_a_name_that_exists_is_refused_like_one_that_does_not(
    http: httpx.Client, world: World
) -> None:
    """A field without its selection, a field of a type that lacks it, nonsense: one answer."""
    token = world.token("uz-analyst")
    answers = {
        post_graphql(http, world.base_url, token, query).content
        for query in (
            "{ cases }",
            "{ viewer { cases { totalCount } } }",
            "{ zq0xv }",
            "{ cases { zq0xv } }",
            "{ cases(zq0xv: 1) { totalCount } }",
            "query($x: Zq0xv) { viewer { subject } }",
        )
    }
    assert len(answers) == 1
