"""Control characters in text inputs are refused, BAD_USER_INPUT naming the input at fault,
in every argument (literal or variable, filter or mutation), on the gateway over either
transport and on an administration's own subgraph; tab, line feed and carriage return are
text like any other."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.adversarial.oracle import Oracle
from tests.adversarial.remote import remote_gateway
from tests.adversarial.support import graphql
from tests.adversarial.world import AdversarialWorld

CONTROLS = ["\u0000", "a\u0000b", "\u001b[2J", "\u007f", "\u0085", "\u0008"]
CASES_BY_TEXT = """
query($text: String) { cases(first: 5, filter: {text: $text}) { totalCount } }
"""
ENTITIES_BY_NAME = """
query($name: String) { entities(first: 5, filter: {name: $name}) { totalCount } }
"""
SUBMIT = """
mutation($input: AssistanceRequestInput!, $key: String!) {
  submitAssistanceRequest(input: $input, idempotencyKey: $key) { id }
}
"""


def refused_at(body: dict[str, Any], field: str) -> None:
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, body
    assert not any((body.get("data") or {}).values()), body


@pytest.fixture(scope="module")
def gateways(world: AdversarialWorld) -> Iterator[dict[str, str]]:
    with remote_gateway(world) as remote:
        yield {"in-process": world.base_url, "remote": remote}


@pytest.mark.parametrize("transport", ["in-process", "remote"])
@pytest.mark.parametrize("control", CONTROLS)
def test_a_filter_with_a_control_character_is_bad_input(
    transport: str,
    control: str,
    gateways: dict[str, str],
    world: AdversarialWorld,
    http: httpx.Client,
) -> None:
    url, token = gateways[transport], world.token("uz-dashboard")
    refused_at(graphql(http, url, token, CASES_BY_TEXT, {"text": control}).json(), "filter.text")
    refused_at(graphql(http, url, token, ENTITIES_BY_NAME, {"name": control}).json(), "filter.name")
    # The same as a literal, with the escape GraphQL's own syntax gives it.
    literal = (
        f"{{ cases(first: 5, filter: {{text: {_graphql_string(control)}}}) {{ totalCount }} }}"
    )
    refused_at(graphql(http, url, token, literal).json(), "filter.text")


def test_the_subgraph_refuses_them_too(world: AdversarialWorld, http: httpx.Client) -> None:
    """A caller that goes to an administration's subgraph directly meets the same check."""
    for url in world.subgraphs.values():
        body = graphql(
            http, url, world.token("uz-dashboard"), CASES_BY_TEXT, {"text": "\u0000"}
        ).json()
        refused_at(body, "filter.text")


def test_a_mutation_with_a_control_character_changes_nothing(
    world: AdversarialWorld, oracle: Oracle, http: httpx.Client
) -> None:
    matter = f"Undervalued cotton yarn \u001b[31m {uuid.uuid4().hex}"
    request = {
        "requestedAdministration": "US",
        "matter": matter,
        "assistanceType": "INFORMATION",
        "reasons": "Invoices suggest the declared values are a third of the market price.",
        "caseDescription": "Shipments from Tashkent to Newark declared far below value.",
        "legalProvisions": ["Customs Code of the Republic of Uzbekistan, art. 243"],
        "personsConcerned": [{"name": "Aziz\u0000 Karimov"}],
    }
    body = graphql(
        http,
        world.base_url,
        world.token("uz-workflow"),
        SUBMIT,
        {"input": request, "key": uuid.uuid4().hex},
    ).json()
    refused_at(body, "input.matter")
    stored = oracle.rows("UZ", "SELECT count(*) FROM assistance_requests WHERE matter = ?", matter)
    assert stored == [(0,)]


def test_tabs_and_line_breaks_are_text(world: AdversarialWorld, http: httpx.Client) -> None:
    for text in ("a\tb", "line\nbreak", "carriage\r\nreturn"):
        body = graphql(
            http, world.base_url, world.token("uz-dashboard"), CASES_BY_TEXT, {"text": text}
        ).json()
        assert "errors" not in body, body
        assert body["data"]["cases"]["totalCount"] == 0


def _graphql_string(value: str) -> str:
    """A GraphQL string literal, with every character outside printable ASCII escaped."""
    return (
        '"'
        + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) >= 0x7F else c for c in value)
        + '"'
    )
