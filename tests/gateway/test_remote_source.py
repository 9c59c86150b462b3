"""The gateway over the remote transport: UZ's source is its Federation subgraph on loopback
(`cmaa subgraph`), which verifies the forwarded token and applies UZ's policy itself."""

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette

from auth.verification import BuiltinIssuer, verifier_from_agreement
from gateway.app import GatewayParts, gateway_routes, hardening
from gateway.demo import demo_issuer
from gateway.loopback import running_server
from gateway.subgraph import create_subgraph_app
from resolvers.exchange.administrations import Administrations
from resolvers.sources.in_process import InProcessSource
from resolvers.sources.remote import RemoteSource
from store.database import create_engine
from store.models.domain import Administration
from tests.gateway.conftest import World
from tests.gateway.support import decode_id, only_error, post_graphql, visible_rows

CASES = "{ cases(first: 100) { totalCount edges { node { id } } } }"


class Subgraph:
    """UZ's subgraph on its own uvicorn, stoppable from the test."""

    def __init__(self, world: World) -> None:
        verifier = verifier_from_agreement(
            world.agreement,
            {a: BuiltinIssuer(issuer=demo_issuer(world.base_url, a)) for a in Administration},
        )
        app = create_subgraph_app(
            Administration.UZ,
            create_engine(world.stores.url(Administration.UZ)),
            verifier,
            world.agreement,
        )
        self._stack = ExitStack()
        self.url = self._stack.enter_context(running_server(app))

    def stop(self) -> None:
        self._stack.close()


@pytest.fixture
def remote_gateway(world: World) -> Iterator[tuple[str, Subgraph]]:
    subgraph = Subgraph(world)
    us_engine = create_engine(world.stores.url(Administration.US))
    administrations = Administrations(
        {
            Administration.US: InProcessSource(Administration.US, us_engine),
            Administration.UZ: RemoteSource(
                Administration.UZ, subgraph.url, world.agreement.limits
            ),
        },
        timeout_seconds=world.agreement.limits.source_timeout_seconds,
    )
    verifier = verifier_from_agreement(
        world.agreement,
        {a: BuiltinIssuer(issuer=demo_issuer(world.base_url, a)) for a in Administration},
    )
    parts = GatewayParts(
        agreement=world.agreement, administrations=administrations, verifier=verifier
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await administrations.aclose()
            await us_engine.dispose()

    app = Starlette(
        routes=gateway_routes(parts), middleware=hardening(parts, world.base_url), lifespan=lifespan
    )
    try:
        with running_server(app) as url:
            yield url, subgraph
    finally:
        subgraph.stop()


def test_the_gateway_over_a_remote_subgraph_answers_like_in_process(
    http: httpx.Client, world: World, remote_gateway: tuple[str, Subgraph]
) -> None:
    url, _ = remote_gateway
    response = post_graphql(http, url, world.token("uz-dashboard"), CASES)
    body = response.json()
    assert "errors" not in body, body
    expected = visible_rows(world.stores, "UZ", "CASE")
    assert body["data"]["cases"]["totalCount"] == len(expected)
    got = [decode_id(edge["node"]["id"])[1:] for edge in body["data"]["cases"]["edges"]]
    assert got == [(row.owner, row.id) for row in expected[:100]]


def test_a_stopped_subgraph_gives_partial_results(
    http: httpx.Client, world: World, remote_gateway: tuple[str, Subgraph]
) -> None:
    url, subgraph = remote_gateway
    subgraph.stop()
    response = post_graphql(http, url, world.token("us-dashboard"), CASES)
    assert response.status_code == 200
    body = response.json()
    error = only_error(body)
    assert error["extensions"] == {"code": "SOURCE_UNAVAILABLE", "administration": "UZ"}
    owners = {decode_id(edge["node"]["id"])[1] for edge in body["data"]["cases"]["edges"]}
    assert owners == {"US"}


# Operations whose entities are read by id, each asking a different share of their fields;
# the remote gateway asks UZ's subgraph only for those (resolvers.selection).
ENTITY_READS = {
    "parties, few fields": """
      { cases(first: 60) { edges { node { id parties { role entity { id owner name kind } } } } } }
    """,
    "parties, handling": """
      { cases(first: 60) { edges { node { id parties { role entity {
          id owner country personalDataWithheld
          handling { owner marking tlp releasedUnder { id basis } consents { use } }
      } } } } } }
    """,
    "parties, no entity field": "{ cases(first: 60) { edges { node { id parties { role } } } } }",
    "parties, every field": """
      { cases(first: 10, filter: { owners: [UZ] }) { edges { node { id parties { entity {
          id owner kind conveyanceType name nameCyrillic dateOfBirth address country
          description personalDataWithheld identifiers { type value issuingCountry }
          handling { owner marking tlp permittedUses consentRequiredFor conditions expiresAt
                     releasedUnder { id basis requestReference purpose includesPersonalData }
                     consents { use recipientAgency recipientCountry decidedAt } }
          matches { strength entity { id name } }
      } } } } } }
    """,
}


@pytest.mark.parametrize("operation", list(ENTITY_READS))
@pytest.mark.parametrize("client_id", ["us-dashboard", "uz-dashboard"])
def test_entities_read_for_some_fields_answer_like_in_process(
    http: httpx.Client,
    world: World,
    remote_gateway: tuple[str, Subgraph],
    operation: str,
    client_id: str,
) -> None:
    url, _ = remote_gateway
    token = world.token(client_id)
    remote = post_graphql(http, url, token, ENTITY_READS[operation]).json()
    embedded = post_graphql(http, world.base_url, token, ENTITY_READS[operation]).json()
    assert "errors" not in remote, remote
    assert remote == embedded
    parties = [p for e in remote["data"]["cases"]["edges"] for p in e["node"]["parties"]]
    assert parties, "the page must have parties"
    if "entity" in parties[0]:
        owners = {party["entity"]["owner"] for party in parties}
        assert "UZ" in owners, "some entities must come from the remote subgraph"


def test_an_entity_by_id_answers_like_in_process(
    http: httpx.Client, world: World, remote_gateway: tuple[str, Subgraph]
) -> None:
    url, _ = remote_gateway
    token = world.token("us-dashboard")
    listed = post_graphql(
        http,
        url,
        token,
        "{ entities(first: 100) { edges { node { id owner } } } }",
    ).json()
    ids = [
        e["node"]["id"] for e in listed["data"]["entities"]["edges"] if e["node"]["owner"] == "UZ"
    ]
    assert ids, "some UZ entities must be released to the US"
    query = (
        "query ($id: ID!) { entity(id: $id) { id name identifiers { value } } "
        "node(id: $id) { id ... on Entity { country handling { tlp } } } }"
    )
    for entity_id in ids[:5]:
        remote = post_graphql(http, url, token, query, {"id": entity_id}).json()
        embedded = post_graphql(http, world.base_url, token, query, {"id": entity_id}).json()
        assert "errors" not in remote, remote
        assert remote == embedded and remote["data"]["entity"]["id"] == entity_id
