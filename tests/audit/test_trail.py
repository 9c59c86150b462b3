"""`auditTrail`: after UZ reads records US released to it (over the gateway's HTTP API, with
real tokens), US's own audit trail lists each of those reads with UZ's subject and the
release; refused attempts, token issuance and revocation are there too. Both transports."""

import base64
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import orjson
import pytest
from sqlalchemy import select
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
from store.models import Release, ReleaseItem
from store.models.domain import Administration
from tests.audit.conftest import US, UZ, World

TRAIL = """
query Trail($first: Int, $after: String, $filter: AuditTrailFilter) {
  auditTrail(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        seq at actorAdministration subject clientId scopes operation recordIds releaseIds
        decision rule prevHash entryHash detail
      }
    }
  }
}"""
DISCLOSE = """
mutation Disclose($input: ReleaseInput!, $key: String!) {
  discloseSpontaneously(input: $input, idempotencyKey: $key) { id }
}"""
READ = """
query Read($case: ID!, $entity: ID!) {
  case(id: $case) { id title handling { releasedUnder { id } } }
  entity(id: $entity) { id }
}"""
ASK_CONSENT = """
mutation AskConsent($input: ConsentInput!, $key: String!) {
  requestConsent(input: $input, idempotencyKey: $key) { id }
}"""


def gid(type_name: str, owner: Administration, local_id: int) -> str:
    raw = f"{type_name}:{owner.value}:{local_id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def trail(
    world: World, client_id: str, url: str | None = None, first: int = 100, **wanted: Any
) -> list[dict[str, Any]]:
    """Every entry of the caller's trail that matches, newest first, paged to the end."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = await world.ok(
            client_id, TRAIL, {"first": first, "after": after, "filter": wanted or None}, url=url
        )
        page = data["auditTrail"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(nodes)
            return nodes
        after = page["pageInfo"]["endCursor"]


async def unreleased_us_records(world: World) -> tuple[list[int], list[int]]:
    """The US cases and the US entities no active release hands to UZ."""
    items, releases = ReleaseItem.__table__, Release.__table__
    active = (
        select(items.c.record_type, items.c.record_id)
        .join(releases, releases.c.id == items.c.release_id)
        .where(
            releases.c.recipient == "UZ",
            releases.c.revoked_at.is_(None),
            releases.c.expires_at > datetime.now(UTC),
        )
    )
    async with world.engines[US].connect() as connection:
        released = {tuple(row) for row in await connection.execute(active)}
    cases = [row[0] for row in await world.rows(US, "SELECT id FROM cases ORDER BY id")]
    entities = [row[0] for row in await world.rows(US, "SELECT id FROM entities ORDER BY id")]
    return (
        [c for c in cases if ("CASE", c) not in released],
        [e for e in entities if ("ENTITY", e) not in released],
    )


@pytest.fixture(scope="module")
async def released(world: World) -> dict[str, Any]:
    """US discloses one case and one entity to UZ; UZ's dashboard reads them twice."""
    cases, entities = await unreleased_us_records(world)
    case, entity = cases[0], entities[0]
    records = [gid("Case", US, case), gid("Entity", US, entity)]
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    disclosed = await world.ok(
        "us-workflow",
        DISCLOSE,
        {
            "input": {
                "records": records,
                "purpose": "Investigation of undervalued textile imports",
                "permittedUses": ["INVESTIGATION"],
                "includesPersonalData": False,
                "expiresAt": expires,
            },
            "key": f"audit-{uuid.uuid4().hex}",
        },
    )
    release = disclosed["discloseSpontaneously"]["id"]
    for _ in range(2):
        data = await world.ok("uz-dashboard", READ, {"case": records[0], "entity": records[1]})
        assert data["case"]["handling"]["releasedUnder"]["id"] == release
        assert data["entity"] is not None
    return {"case": case, "entity": entity, "records": records, "release": release}


async def test_the_owner_sees_each_partner_read_with_subject_and_release(
    world: World, released: dict[str, Any]
) -> None:
    case, entity, release = released["case"], released["entity"], released["release"]
    for operation, record, record_id in (
        ("case", f"CASE:{case}", released["records"][0]),
        ("entity", f"ENTITY:{entity}", released["records"][1]),
    ):
        reads = await trail(
            world, "us-dashboard", actorAdministration="UZ", operation=operation, recordId=record_id
        )
        assert len(reads) == 2, reads
        for read in reads:
            assert read["subject"] == "uz-dashboard"
            assert read["clientId"] == "uz-dashboard"
            assert read["actorAdministration"] == "UZ"
            assert read["decision"] == "PERMIT"
            assert read["rule"] == "PARTNER_RELEASED"
            assert read["recordIds"] == [record]
            assert read["releaseIds"] == [release]
            assert "cmaa.cases:read" in read["scopes"]
        # The log's own name for the record finds the same entries.
        assert await trail(world, "us-dashboard", operation=operation, recordId=record) == reads
    # Newest first, each entry chained to the one before it.
    everything = await trail(world, "us-dashboard")
    seqs = [node["seq"] for node in everything]
    assert seqs == sorted(seqs, reverse=True) == list(range(seqs[0], 0, -1))
    for newer, older in pairwise(everything):
        assert newer["prevHash"] == older["entryHash"]
    # The disclosure itself is US's own change, audited in US's log.
    disclosures = await trail(world, "us-dashboard", operation="discloseSpontaneously")
    assert any(node["subject"] == "us-workflow" for node in disclosures)


async def test_pages_neither_skip_nor_repeat(world: World, released: dict[str, Any]) -> None:
    whole = await trail(world, "us-dashboard")
    paged = await trail(world, "us-dashboard", first=3)
    assert paged == whole
    since = whole[2]["at"]
    recent = await trail(world, "us-dashboard", atFrom=since)
    # `at` is when the access began; seq is the order of commit.
    assert recent == [node for node in whole if node["at"] >= since]
    assert await trail(world, "us-dashboard", atTo="2000-01-01T00:00:00Z") == []


async def test_an_administration_reads_its_own_log_only(
    world: World, released: dict[str, Any]
) -> None:
    # UZ's reads of US records are in US's log, not in UZ's.
    case_id = released["records"][0]
    assert await trail(world, "uz-dashboard", recordId=case_id) == []
    assert await trail(world, "uz-dashboard", operation="case", actorAdministration="UZ") == []
    # UZ's own log holds what happened at UZ: its issuer's tokens.
    issued = await trail(world, "uz-dashboard", operation="token.issue")
    assert any(node["clientId"] == "uz-dashboard" for node in issued)
    assert all(node["actorAdministration"] == "UZ" for node in issued)


async def test_refused_partner_attempts_are_logged_with_their_rule(
    world: World, released: dict[str, Any]
) -> None:
    # Not a designated official: the read is refused, and the refusal is logged.
    data = await world.ok(
        "uz-undesignated",
        READ,
        {"case": released["records"][0], "entity": released["records"][1]},
    )
    assert data == {"case": None, "entity": None}
    refused = await trail(world, "us-dashboard", decision="DENY", actorAdministration="UZ")
    reads = [node for node in refused if node["subject"] == "uz-undesignated"]
    assert {node["operation"] for node in reads} == {"case", "entity"}
    assert {node["rule"] for node in reads} == {"PARTNER_RELEASED"}
    # A designated official asking for a record no release hands over gets nothing: the
    # attempt is logged with what was withheld.
    unreleased = (await unreleased_us_records(world))[0][0]
    data = await world.ok(
        "uz-dashboard",
        "query($id: ID!) { case(id: $id) { id } }",
        {"id": gid("Case", US, unreleased)},
    )
    assert data == {"case": None}
    refused = await trail(world, "us-dashboard", decision="DENY", operation="case")
    asked = [node for node in refused if node["subject"] == "uz-dashboard"]
    assert len(asked) == 1
    assert asked[0]["rule"] == "PARTNER_RELEASED"
    # The owner sees which of its records was probed; the caller got what a random id gets.
    assert asked[0]["recordIds"] == [f"CASE:{unreleased}"]
    assert orjson.loads(asked[0]["detail"]) == {"withheld": [f"CASE:{unreleased}"]}
    missing = max(row[0] for row in await world.rows(US, "SELECT id FROM cases")) + 1000
    data = await world.ok(
        "uz-dashboard", "query($id: ID!) { case(id: $id) { id } }", {"id": gid("Case", US, missing)}
    )
    assert data == {"case": None}
    refused = await trail(world, "us-dashboard", decision="DENY", operation="case")
    asked = [node for node in refused if node["subject"] == "uz-dashboard"]
    assert len(asked) == 2
    # An id that names no record of the owner's is no record: nothing to name.
    newest = max(asked, key=lambda node: node["seq"])
    assert newest["recordIds"] == []
    assert orjson.loads(newest["detail"]) == {"withheld": [f"CASE:{missing}"]}
    # A procedure the agreement does not allow changes nothing, but is logged.
    body = await world.post(
        "uz-workflow",
        ASK_CONSENT,
        {
            "input": {
                "records": [released["records"][0]],
                "use": "INVESTIGATION",
                "purpose": "Investigation does not need consent.",
            },
            "key": f"audit-{uuid.uuid4().hex}",
        },
    )
    assert body["errors"][0]["extensions"]["rule"] == "CONSENT_FOR_USE"
    consents = await trail(world, "us-dashboard", decision="DENY", operation="requestConsent")
    assert len(consents) == 1
    assert consents[0]["subject"] == "uz-workflow"
    assert consents[0]["rule"] == "CONSENT_FOR_USE"
    assert orjson.loads(consents[0]["detail"])["field"] == "use"


async def test_token_issuance_and_revocation_are_logged(world: World) -> None:
    token = await world.new_token("uz-analyst")
    jti = jwt_claims(token)["jti"]
    issued = await trail(world, "uz-dashboard", operation="token.issue")
    mine = [node for node in issued if orjson.loads(node["detail"])["jti"] == jti]
    assert len(mine) == 1
    assert mine[0]["clientId"] == mine[0]["subject"] == "uz-analyst"
    assert mine[0]["rule"] == "client_credentials"

    client = world.client("uz-analyst")
    response = await world.http.post(
        f"{world.issuer('UZ')}/revoke",
        data={"token": token, "token_type_hint": "access_token"},
        auth=("uz-analyst", client["client_secret"]),
    )
    assert response.status_code == 200
    revoked = await trail(world, "uz-dashboard", operation="token.revoke")
    assert [orjson.loads(node["detail"])["jti"] for node in revoked] == [jti]
    assert revoked[0]["clientId"] == "uz-analyst"


async def test_the_field_needs_its_scope(world: World) -> None:
    body = await world.post("us-dashboard", TRAIL, {"first": 5}, scope="cmaa.cases:read")
    assert body["data"]["auditTrail"]["edges"] == []
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD"


@asynccontextmanager
async def remote_us_gateway(world: World) -> AsyncIterator[str]:
    """A gateway whose US source is US's subgraph on loopback (the remote transport)."""
    issuers = {a: BuiltinIssuer(issuer=demo_issuer(world.base_url, a)) for a in Administration}
    subgraph = create_subgraph_app(
        US,
        create_engine(world.stores.url(US)),
        verifier_from_agreement(world.agreement, issuers),
        world.agreement,
    )
    uz_engine = create_engine(world.stores.url(UZ))
    with ExitStack() as stack:
        subgraph_url = stack.enter_context(running_server(subgraph))
        administrations = Administrations(
            {
                US: RemoteSource(US, subgraph_url, world.agreement.limits),
                UZ: InProcessSource(UZ, uz_engine),
            },
            timeout_seconds=10.0,
        )
        parts = GatewayParts(
            agreement=world.agreement,
            administrations=administrations,
            verifier=verifier_from_agreement(world.agreement, issuers),
        )

        @asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            try:
                yield
            finally:
                await administrations.aclose()
                await uz_engine.dispose()

        app = Starlette(
            routes=gateway_routes(parts),
            middleware=hardening(parts, world.base_url),
            lifespan=lifespan,
        )
        yield stack.enter_context(running_server(app))


async def test_the_remote_transport_reads_the_same_trail(
    world: World, released: dict[str, Any]
) -> None:
    wanted = {"actorAdministration": "UZ", "recordId": released["records"][0]}
    async with remote_us_gateway(world) as url:
        remote = await trail(world, "us-dashboard", url=url, first=1, **wanted)
        # UZ's own log stays UZ's, whichever transport US uses.
        assert await trail(world, "uz-dashboard", url=url, recordId=wanted["recordId"]) == []
    local = await trail(world, "us-dashboard", **wanted)
    assert remote == local
    assert len(local) >= 2
