"""Nobody learns the schema but the clients trusted with it. Without a valid token,
every probe gets one and the same 401 answer, which echoes nothing of what was sent. With a
partner's token (a client not trusted with introspection), introspection is refused and every
invalid operation gets one fixed error that names nothing: clairvoyance (which rebuilds a
schema from validation errors, their suggestions and the types they name) recovers no type or
field name either way. Only a client named as trusted (GraphiQL's) reads the schema.
"""

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from clairvoyance import oracle as clairvoyance
from clairvoyance.cli import load_default_wordlist, setup_context
from clairvoyance.client import Client
from clairvoyance.entities.context import client
from clairvoyance.entities.errors import EndpointError
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLSchema

from resolvers.exchange.schema import build_exchange_schema
from resolvers.introspection import NOT_VALID, REFUSAL
from tests.adversarial.support import graphql
from tests.adversarial.world import AdversarialWorld
from tests.gateway.support import trusting_gateway

NOT_VALID_ANSWER = {
    "errors": [{"message": NOT_VALID, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]
}
# A partner's official with every read scope, not trusted with introspection.
PARTNER = "uz-analyst"
NO_TOKEN = {
    "errors": [
        {
            "message": "The request carries no bearer access token.",
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ]
}
INTROSPECTION = [
    "{ __schema { types { name fields { name } } } }",
    '{ __type(name: "Case") { name fields { name args { name } } } }',
    "{ __typename }",
    "query IntrospectionQuery { __schema { queryType { name } mutationType { name } } }",
]
# Sent instead of a token: none, garbage, a JWT without a signature, a Basic credential.
AUTHORIZATIONS = [
    None,
    "Bearer garbage",
    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    "Basic dXMtZGFzaGJvYXJkOng=",
]
# How much of clairvoyance's own wordlist the command-line run is given, and its time.
CLI_TIMEOUT = 120


def schema_words(schema: GraphQLSchema) -> set[str]:
    """Every name the schema has: types, fields, arguments, input fields, enum values."""
    words: set[str] = set()
    for name, type_ in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        words.add(name)
        if isinstance(type_, GraphQLEnumType):
            words |= set(type_.values)
        for field_name, field in (getattr(type_, "fields", None) or {}).items():
            words.add(field_name)
            if not isinstance(type_, GraphQLInputObjectType):
                words |= set(field.args)
    return words


def misspelled(word: str) -> list[str]:
    """What a schema-recovery tool sends hoping for "Did you mean …?"."""
    return [word[:-1], word + "s", word[0] + word[2:] if len(word) > 2 else word + "x"]


def post(
    http: httpx.Client, world: AdversarialWorld, query: str, authorization: str | None
) -> httpx.Response:
    headers = {"Accept": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return http.post(f"{world.base_url}/graphql", json={"query": query}, headers=headers)


@pytest.mark.parametrize("authorization", AUTHORIZATIONS)
def test_introspection_is_refused_without_a_valid_token(
    http: httpx.Client, world: AdversarialWorld, authorization: str | None
) -> None:
    for query in INTROSPECTION:
        response = post(http, world, query, authorization)
        assert response.status_code == 401
        body = response.json()
        assert "data" not in body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
        assert "__schema" not in response.text and "Case" not in response.text


def test_misspelled_names_get_one_answer_that_names_nothing(
    http: httpx.Client, world: AdversarialWorld
) -> None:
    """Our own probe: every schema word, misspelled as field, argument, type and fragment
    condition, each without a token; the answers are all the one fixed refusal."""
    words = sorted(schema_words(build_exchange_schema()._schema))
    probes = []
    for word in words:
        wrong = misspelled(word)
        probes += [
            f"{{ {wrong[0]} }}",
            f"{{ cases({wrong[1]}: 1) {{ totalCount }} }}",
            f"query($x: {wrong[2]}) {{ viewer {{ subject }} }}",
            f'{{ node(id: "x") {{ ... on {wrong[0]} {{ id }} }} }}',
        ]
    answers = {post(http, world, probe, None).content for probe in probes}
    assert len(probes) > 1000
    assert [httpx.Response(401, content=a).json() for a in answers] == [NO_TOKEN]


async def _clairvoyance_stages(
    url: str, words: list[str], nonsense: list[str], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Clairvoyance's own stages, as its blind introspection runs them, with every answer
    the server gave recorded."""
    setup_context(
        url, logging.getLogger("clairvoyance"), headers, concurrent_requests=8, max_retries=1
    )
    answers: list[Any] = []
    post = Client.post

    async def recording(self: Client, document: str | None, retries: int = 0) -> dict[str, Any]:
        answer = await post(self, document, retries)
        answers.append(answer)
        return answer

    Client.post = recording  # type: ignore[method-assign]
    try:
        found: dict[str, Any] = {"roots": await clairvoyance.fetch_root_typenames()}
        found["typename"] = await clairvoyance.probe_typename("query { FUZZ }")
        found["schema words"] = await clairvoyance.probe_valid_fields(words, "query { FUZZ }")
        found["nonsense"] = await clairvoyance.probe_valid_fields(nonsense, "query { FUZZ }")
        try:
            found["type of cases"] = await clairvoyance.probe_field_type("cases", "query { FUZZ }")
        except EndpointError:
            found["type of cases"] = None
        found["arguments of cases"] = await clairvoyance.probe_args(
            "cases", [*words, *nonsense], "query { FUZZ }"
        )
    finally:
        Client.post = post  # type: ignore[method-assign]
        await client().close()
    found["answers"] = answers
    return found


@pytest.fixture(scope="module")
def trusting(world: AdversarialWorld) -> Iterator[str]:
    """A gateway over the same stores that trusts the UZ dashboard client with the schema."""
    with trusting_gateway(world.stores, world.base_url, world.agreement, "UZ:uz-dashboard") as url:
        yield url


def test_misspelled_names_get_one_answer_with_a_partners_token(
    http: httpx.Client, world: AdversarialWorld
) -> None:
    """The probe above, with a valid token: validation runs, and says nothing but "invalid"."""
    words = sorted(schema_words(build_exchange_schema()._schema))
    probes = []
    for word in words[::3]:
        wrong = misspelled(word)
        probes += [
            f"{{ {word} }}",
            f"{{ {wrong[0]} }}",
            f"{{ cases({wrong[1]}: 1) {{ totalCount }} }}",
            f"query($x: {wrong[2]}) {{ viewer {{ subject }} }}",
            f'{{ node(id: "x") {{ ... on {wrong[0]} {{ id }} }} }}',
        ]
    token = f"Bearer {world.token(PARTNER)}"
    answers = {post(http, world, probe, token).content for probe in probes}
    assert len(probes) > 300
    assert [httpx.Response(200, content=a).json() for a in answers] == [NOT_VALID_ANSWER]


async def test_clairvoyance_learns_nothing_from_the_answers(world: AdversarialWorld) -> None:
    words = sorted(schema_words(build_exchange_schema()._schema))
    nonsense = [f"zq{index}xv" for index in range(len(words))]
    found = await _clairvoyance_stages(f"{world.base_url}/graphql", words, nonsense)
    assert found["roots"] == {"queryType": None, "mutationType": None, "subscriptionType": None}
    # Its fallback when the server tells it nothing, not something it learnt.
    assert found["typename"] == "Query"
    # Schema words and nonsense are judged alike: the answers carry no signal.
    assert found["schema words"] == set(words) and found["nonsense"] == set(nonsense)
    assert found["type of cases"] is None
    assert found["arguments of cases"] == {*words, *nonsense}
    assert found["answers"] and all(answer == NO_TOKEN for answer in found["answers"])


async def test_clairvoyance_learns_nothing_with_a_partners_token(world: AdversarialWorld) -> None:
    words = sorted(schema_words(build_exchange_schema()._schema))
    nonsense = [f"zq{index}xv" for index in range(len(words))]
    headers = {"Authorization": f"Bearer {world.token(PARTNER)}"}
    found = await _clairvoyance_stages(f"{world.base_url}/graphql", words, nonsense, headers)
    # `__typename` stays open (clients add it to every selection): the root types answer with
    # GraphQL's default names, which tell nothing.
    assert found["roots"] == {
        "queryType": "Query",
        "mutationType": "Mutation",
        "subscriptionType": None,
    }
    assert found["typename"] == "Query"
    assert found["schema words"] == set(words) and found["nonsense"] == set(nonsense)
    assert found["type of cases"] is None
    assert found["arguments of cases"] == {*words, *nonsense}
    refused = {"errors": [{"message": REFUSAL, "extensions": {"code": "FORBIDDEN"}}]}
    roots = [
        {"data": {"__typename": "Query"}},
        {"data": {"__typename": "Mutation"}},
        {
            "errors": [
                {
                    "message": "Only queries and mutations are served here.",
                    "extensions": {"code": "BAD_REQUEST"},
                }
            ]
        },
    ]
    assert found["answers"][:3] == roots
    others = [a for a in found["answers"][3:] if a not in (NOT_VALID_ANSWER, refused)]
    assert len(found["answers"]) > 3 and others == [], others[:3]


async def test_the_same_stages_do_work_where_errors_speak(
    world: AdversarialWorld, trusting: str
) -> None:
    """The control: for a client trusted with the schema, validation errors tell a real field
    from nonsense, so the probes above would have found something had the gateway spoken."""
    nonsense = [f"zq{index}xv" for index in range(50)]
    headers = {"Authorization": f"Bearer {world.token('uz-dashboard')}"}
    found = await _clairvoyance_stages(
        f"{trusting}/graphql", ["cases", "viewer", "node"], nonsense, headers
    )
    assert found["schema words"] == {"cases", "viewer", "node"}
    assert found["nonsense"] == set()


@pytest.mark.parametrize("client_id", [None, PARTNER], ids=["no token", "partner token"])
def test_the_clairvoyance_command_with_its_wordlist_recovers_nothing(
    world: AdversarialWorld, tmp_path: Path, client_id: str | None
) -> None:
    """The tool as an attacker runs it, with its own wordlist (bounded in time). Before, with
    a partner's token, it recovered most root fields, their types and arguments."""
    output = tmp_path / "schema.json"
    assert len(load_default_wordlist()) > 5000
    command = [
        sys.executable,
        "-m",
        "clairvoyance",
        f"{world.base_url}/graphql",
        "-o",
        str(output),
        "-c",
        "8",
        "-m",
        "1",
    ]
    if client_id is not None:
        command += ["-H", f"Authorization: Bearer {world.token(client_id)}"]
    try:
        finished = subprocess.run(command, capture_output=True, timeout=CLI_TIMEOUT, check=False)
        report = finished.stdout.decode(errors="replace") + finished.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        report = "timed out"
    recovered = output.read_text(encoding="utf-8") if output.exists() else ""
    named = {w for w in schema_words(build_exchange_schema()._schema) if f'"{w}"' in recovered}
    # "Query" is the name clairvoyance assumes when it learns none.
    assert named <= {"Query"}, (named, report[-2000:])


def test_the_runs_above_did_not_leave_the_gateway_unwell(
    http: httpx.Client, world: AdversarialWorld
) -> None:
    response = graphql(http, world.base_url, world.token("uz-dashboard"), "{ viewer { subject } }")
    assert response.status_code == 200 and "errors" not in response.json()
