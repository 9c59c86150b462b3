"""Schemathesis fuzzes the GraphQL endpoint from the published SDL, with valid tokens
(a dashboard's, and a workflow client's that may write): valid operations with arbitrary
arguments, and invalid ones. No answer is a 5xx, and every error carries a code of our
documented set and no internal detail.
"""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.graphql import nodes

from resolvers.exchange.schema import build_exchange_schema
from tests.adversarial.world import AdversarialWorld

EXAMPLES = 200
CLIENTS = ("uz-workflow", "us-dashboard")
# DESIGN.md §7, and the request errors of gateway/http (before any GraphQL runs).
DOCUMENTED = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "UNAUTHORIZED_FIELD",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "SOURCE_UNAVAILABLE",
        "LIMIT_EXCEEDED",
        "INTERNAL",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "BAD_REQUEST",
    }
)
# The federation directive the SDL applies; strawberry prints its uses, not its definition.
DIRECTIVES = (
    "directive @requiresScopes(scopes: [[String!]!]!) "
    "on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n"
)
INTERNALS = re.compile(
    r"Traceback|File \"|sqlalchemy|sqlite|asyncpg|psycopg|SELECT |Exception|object has no"
    r"|NoneType|KeyError|TypeError|ValueError|AttributeError|/work/|\.py\b",
)
INSTANTS = [
    "2024-02-29T12:00:00Z",
    "2024-02-29T12:00:00",
    "2031-01-01T00:00:00+05:00",
    "1900-01-01T00:00:00Z",
    "not an instant",
    "",
    "2024-13-45T99:99:99Z",
]
DAYS = ["1984-05-17", "2024-02-29", "0001-01-01", "1984-02-30", "yesterday", ""]


@pytest.fixture(scope="module")
def sdl_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published SDL, as a partner's contract tests read it."""
    path = tmp_path_factory.mktemp("sdl") / "exchange.graphql"
    path.write_text(DIRECTIVES + build_exchange_schema().as_str(), encoding="utf-8")
    return path


def problems(response: Any) -> list[str]:
    found = []
    if response.status_code >= 500:
        found.append(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        return [*found, f"not JSON: {response.text[:200]}"]
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code not in DOCUMENTED:
            found.append(f"an error of code {code!r}: {error}")
        if code == "INTERNAL":
            found.append(f"an unexpected failure (masked): {error}")
        if INTERNALS.search(str(error.get("message", ""))):
            found.append(f"internal detail in {error['message']!r}")
    return found


def test_fuzzing_from_the_sdl_finds_no_5xx_and_no_unmasked_error(
    world: AdversarialWorld, sdl_file: Path
) -> None:
    schemathesis.graphql.scalar("DateTime", st.sampled_from(INSTANTS).map(nodes.String))
    schemathesis.graphql.scalar("Date", st.sampled_from(DAYS).map(nodes.String))
    schema = schemathesis.graphql.from_path(sdl_file)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every root field of the SDL, queries and mutations.
    assert len(operations) == len(build_exchange_schema()._schema.query_type.fields) + len(
        build_exchange_schema()._schema.mutation_type.fields
    )
    cases = st.one_of(
        [
            operation.as_strategy(mode)
            for operation in operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
    )
    tokens = {client_id: world.token(client_id) for client_id in CLIENTS}
    url = f"{world.base_url}/graphql"
    answered: dict[int, int] = {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, client_id=st.sampled_from(CLIENTS))
    def fuzz(case: Any, client_id: str) -> None:
        response = case.call(base_url=url, headers={"Authorization": f"Bearer {tokens[client_id]}"})
        answered[response.status_code] = answered.get(response.status_code, 0) + 1
        found = problems(response)
        assert not found, (client_id, case.body, found)

    fuzz()
    assert sum(answered.values()) >= EXAMPLES // 2, answered
    assert not any(status >= 500 for status in answered)
    # The gateway still answers as before.
    check = httpx.post(
        url,
        json={"query": "{ viewer { subject } }"},
        headers={"Authorization": f"Bearer {tokens['us-dashboard']}"},
    )
    assert check.status_code == 200 and "errors" not in check.json()
