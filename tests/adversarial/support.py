"""Helpers of the adversarial suite: GraphQL over real HTTP, and releases made by their owner."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.adversarial.world import AdversarialWorld

JSON = "application/json"
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename ... on Case { id reference title } ... on Entity { id name description }
    ... on Evidence { id title }
  }
}
"""
DISCLOSE = """
mutation($input: ReleaseInput!, $key: String!) {
  discloseSpontaneously(input: $input, idempotencyKey: $key) { id records { id } }
}
"""


PROBE_REQUEST_ID = "adversarial-probe"


def graphql(
    http: httpx.Client,
    url: str,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    """POST one operation to url's /graphql as JSON, with the token if any.

    Every probe names its request alike: the id an answer echoes is then the same for all,
    and two answers differ only where what they reveal differs."""
    headers = {"Accept": JSON, "X-Request-ID": PROBE_REQUEST_ID}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return http.post(f"{url}/graphql", json=body, headers=headers)


def gateway(
    http: httpx.Client,
    world: AdversarialWorld,
    client_id: str,
    query: str,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    return graphql(http, world.base_url, world.token(client_id), query, variables)


def disclose(
    http: httpx.Client, world: AdversarialWorld, client_id: str, records: list[str]
) -> str:
    """The owner releases exactly `records` to the partner (spontaneous assistance), without
    personal data; the new release's id."""
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    release = {
        "records": records,
        "purpose": "Adversarial suite: a release of these records only",
        "permittedUses": ["INVESTIGATION"],
        "includesPersonalData": False,
        "expiresAt": expires,
    }
    answer = gateway(
        http, world, client_id, DISCLOSE, {"input": release, "key": uuid.uuid4().hex}
    ).json()
    assert "errors" not in answer, answer
    made = answer["data"]["discloseSpontaneously"]
    assert sorted(r["id"] for r in made["records"]) == sorted(records)
    return str(made["id"])
