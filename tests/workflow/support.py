"""Helpers of the workflow suite: the world, GraphQL over real HTTP with real tokens, global
ids, plain SQL over the stores, and the GraphQL documents of the agreement's procedures."""

import asyncio
import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from store.agreement import Agreement
from store.models import AssistanceRequest, Release, ReleaseItem
from store.models.domain import Administration

US, UZ = Administration.US, Administration.UZ
WORKFLOW_SCOPES = (
    "cmaa.cases:read",
    "cmaa.entities:read",
    "cmaa.evidence:read",
    "cmaa.requests:read",
    "cmaa.requests:write",
    "cmaa.requests:decide",
    "cmaa.disclosures:write",
    "cmaa.consents:write",
    "cmaa.custody:write",
)
UNDESIGNATED_WORKFLOW = "uz-undesignated-workflow"
# Reads of partner records append to the owner's audit chain by design, and a refused
# mutation may have read the partner's request before it was refused: the audit tables are
# the one thing a refusal may change.
# The audit log and what its checkpointer writes beside it on its own cadence.
AUDIT_TABLES = frozenset(
    {"audit_events", "audit_head", "audit_checkpoints", "audit_cosignatures", "audit_tree_leaves"}
)


@dataclass(frozen=True)
class Stores:
    """What the demo app needs of its stores: a URL per administration and a data directory."""

    data_dir: Path
    urls: dict[Administration, str]

    def url(self, administration: Administration) -> str:
        return self.urls[administration]


class Tokens:
    """Access tokens by client id, each used until a minute before it expires."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}

    def get(self, client_id: str) -> str | None:
        token, until = self._tokens.get(client_id, ("", 0.0))
        return token if time.monotonic() < until else None

    def put(self, client_id: str, token: str, expires_in: float) -> None:
        self._tokens[client_id] = (token, time.monotonic() + expires_in - 60)


@dataclass
class World:
    kind: str
    base_url: str
    engines: dict[Administration, AsyncEngine]
    credentials: dict[str, Any]
    agreement: Agreement
    http: httpx.AsyncClient
    tokens: Tokens
    _tables: dict[Administration, list[str]] = field(default_factory=dict)

    def client(self, client_id: str) -> dict[str, Any]:
        return next(c for c in self.credentials["clients"] if c["client_id"] == client_id)

    async def token(self, client_id: str) -> str:
        """An access token of the client: the client credentials grant at its own issuer."""
        found = self.tokens.get(client_id)
        if found is not None:
            return found
        client = self.client(client_id)
        path = f"/oauth/{client['administration'].lower()}/token"
        response = await self.http.post(
            f"{self.base_url}{path}",
            data={"grant_type": "client_credentials"},
            auth=(client_id, client["client_secret"]),
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        self.tokens.put(client_id, answer["access_token"], answer["expires_in"])
        return str(answer["access_token"])

    async def post(
        self, client_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One GraphQL operation over HTTP as the client; the decoded JSON body."""
        token = await self.token(client_id)
        response = await self.http.post(
            f"{self.base_url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(
        self, client_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The data of an operation that must succeed without any error."""
        body = await self.post(client_id, query, variables)
        assert not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data

    async def rows(
        self, administration: Administration, sql: str, **params: Any
    ) -> list[tuple[Any, ...]]:
        async with self.engines[administration].connect() as connection:
            result = await connection.execute(text(sql), params)
            return [tuple(row) for row in result]

    async def select(
        self, administration: Administration, statement: Executable
    ) -> list[tuple[Any, ...]]:
        """A SQLAlchemy Core statement on the store (typed binds: datetimes compare right)."""
        async with self.engines[administration].connect() as connection:
            return [tuple(row) for row in await connection.execute(statement)]

    async def scalar(self, administration: Administration, sql: str, **params: Any) -> Any:
        found = await self.rows(administration, sql, **params)
        return found[0][0]

    async def snapshot(self) -> dict[str, list[str]]:
        """Every table of both stores but the audit tables, each as its sorted rows."""
        found: dict[str, list[str]] = {}
        for part in await asyncio.gather(*(self._snapshot(a) for a in self.engines)):
            found.update(part)
        return found

    async def _snapshot(self, administration: Administration) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        async with self.engines[administration].connect() as connection:
            if administration not in self._tables:
                names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
                self._tables[administration] = sorted(set(names) - AUDIT_TABLES)
            for name in self._tables[administration]:
                result = await connection.execute(text(f'SELECT * FROM "{name}"'))
                found[f"{administration.value}.{name}"] = sorted(repr(tuple(row)) for row in result)
        return found


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    """The one error of a refused operation; its data must hold nothing."""
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    data = body.get("data") or {}
    assert all(value is None for value in data.values()), body
    return dict(errors[0])


def extensions_of(body: dict[str, Any]) -> dict[str, Any]:
    return dict(error_of(body).get("extensions") or {})


# -- ids and keys -----------------------------------------------------------------------------


def gid(type_name: str, owner: Administration | str, local_id: int) -> str:
    raw = f"{type_name}:{Administration(owner).value}:{local_id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def local_id(value: str) -> tuple[str, str, int]:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    type_name, owner, number = raw.split(":")
    return type_name, owner, int(number)


def new_key(label: str = "k") -> str:
    return f"{label}-{uuid.uuid4().hex}"


def in_days(count: float) -> str:
    return (datetime.now(UTC) + timedelta(days=count)).isoformat()


# -- inputs -----------------------------------------------------------------------------------


def request_input(requested: Administration = US, **changes: Any) -> dict[str, Any]:
    """A request carrying every field the agreement requires; `changes` override fields."""
    value: dict[str, Any] = {
        "requestedAdministration": requested.value,
        "matter": f"Undervalued cotton yarn shipments {uuid.uuid4().hex[:8]}",
        "assistanceType": "INFORMATION",
        "reasons": "Invoices suggest the declared values are a third of the market price.",
        "caseDescription": "Shipments from Tashkent to Newark declared far below market value.",
        "legalProvisions": ["Customs Code of the Republic of Uzbekistan, art. 243"],
        "personsConcerned": [{"name": "Aziz Karimov", "address": "Tashkent"}],
        "urgency": "URGENT",
    }
    value.update(changes)
    return value


def release_input(records: list[str], **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "records": records,
        "purpose": "Investigation of undervalued textile imports",
        "permittedUses": ["INVESTIGATION"],
        "includesPersonalData": True,
        "expiresAt": in_days(365),
    }
    value.update(changes)
    return value


# -- documents --------------------------------------------------------------------------------

REQUEST_FIELDS = """
  id reference status oral confirmedInWritingAt submittedAt dueAt closedAt owner
  requestingAdministration requestedAdministration matter assistanceType reasons
  caseDescription legalProvisions urgency agreementReference
  personsConcerned { name address }
"""
RELEASE_FIELDS = """
  id recipient basis requestReference purpose permittedUses consentRequiredFor conditions
  includesPersonalData createdAt expiresAt revokedAt owner records { recordType id }
"""
CONSENT_FIELDS = """
  id requestingAdministration use recipientAgency recipientCountry purpose status
  requestedAt decidedAt reason owner
"""
HANDLING_FIELDS = """
  owner marking tlp permittedUses consentRequiredFor conditions expiresAt
  consents { use recipientAgency recipientCountry decidedAt }
  releasedUnder { id basis requestReference purpose includesPersonalData }
"""
SUBMIT = f"""
mutation Submit($input: AssistanceRequestInput!, $key: String!) {{
  submitAssistanceRequest(input: $input, idempotencyKey: $key) {{ {REQUEST_FIELDS} }}
}}"""
CONFIRM = f"""
mutation Confirm($id: ID!, $key: String!) {{
  confirmAssistanceRequestInWriting(id: $id, idempotencyKey: $key) {{ {REQUEST_FIELDS} }}
}}"""
CLOSE = f"""
mutation Close($id: ID!, $key: String!) {{
  closeAssistanceRequest(id: $id, idempotencyKey: $key) {{ {REQUEST_FIELDS} }}
}}"""
DECIDE = f"""
mutation Decide($input: DecisionInput!, $key: String!) {{
  decideAssistanceRequest(input: $input, idempotencyKey: $key) {{
    decision {{ decision ground reason conditions decidedAt owner }}
    request {{ {REQUEST_FIELDS} }}
  }}
}}"""
RESPOND = f"""
mutation Respond($input: ResponseInput!, $key: String!) {{
  respondToAssistanceRequest(input: $input, idempotencyKey: $key) {{
    release {{ {RELEASE_FIELDS} }}
    request {{ {REQUEST_FIELDS} }}
  }}
}}"""
DISCLOSE = f"""
mutation Disclose($input: ReleaseInput!, $key: String!) {{
  discloseSpontaneously(input: $input, idempotencyKey: $key) {{ {RELEASE_FIELDS} }}
}}"""
REVOKE = f"""
mutation Revoke($id: ID!, $reason: String!, $key: String!) {{
  revokeRelease(id: $id, reason: $reason, idempotencyKey: $key) {{ {RELEASE_FIELDS} }}
}}"""
REQUEST_CONSENT = f"""
mutation AskConsent($input: ConsentInput!, $key: String!) {{
  requestConsent(input: $input, idempotencyKey: $key) {{ {CONSENT_FIELDS} }}
}}"""
DECIDE_CONSENT = f"""
mutation DecideConsent($id: ID!, $grant: Boolean!, $reason: String, $key: String!) {{
  decideConsent(id: $id, grant: $grant, reason: $reason, idempotencyKey: $key) {{
    {CONSENT_FIELDS}
  }}
}}"""
CUSTODY_FIELDS = """
  id kind returnDue returnedAt owner
  custody { sequence fromHolder toHolder at purpose seal condition }
"""
RECORD_CUSTODY = f"""
mutation Custody($id: ID!, $input: CustodyEventInput!, $key: String!) {{
  recordCustodyEvent(evidenceId: $id, input: $input, idempotencyKey: $key) {{
    {CUSTODY_FIELDS}
  }}
}}"""
CONFIRM_MATCH = """
mutation Match($entity: ID!, $partner: ID!, $reason: String!, $key: String!) {
  confirmEntityMatch(
    entityId: $entity, partnerEntityId: $partner, reason: $reason, idempotencyKey: $key
  ) { partnerAdministration reason confirmedBy confirmedAt }
}"""
REQUEST_BY_ID = f"""
query Request($id: ID!) {{ assistanceRequest(id: $id) {{ {REQUEST_FIELDS} }} }}"""
OVERDUE = f"query Overdue {{ overdueOriginals {{ {CUSTODY_FIELDS} }} }}"


# -- the records a caller sees ----------------------------------------------------------------

CASES_PAGE = """
query Cases($after: String) {
  cases(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { id owner evidence { id owner } } }
  }
}"""
ENTITIES_PAGE = """
query Entities($after: String) {
  entities(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { id owner } }
  }
}"""


async def every_node(world: World, client_id: str, query: str, root: str) -> list[dict[str, Any]]:
    """Every node of a list, paged to its end."""
    nodes: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        data = await world.ok(client_id, query, {"after": after})
        connection = data[root]
        nodes += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        after = connection["pageInfo"]["endCursor"]


@dataclass(frozen=True)
class Visible:
    """The partner's records a caller sees: case, entity and evidence ids."""

    cases: frozenset[str]
    entities: frozenset[str]
    evidence: frozenset[str]


# Within the agreement's limit on aliases in one operation.
CASES_PER_QUERY = 25


async def visible_partner_records(world: World, client_id: str, partner: Administration) -> Visible:
    cases = await every_node(world, client_id, CASES_PAGE, "cases")
    entities = await every_node(world, client_id, ENTITIES_PAGE, "entities")
    # Evidence is read through `case(id){evidence}` of every case the caller sees.
    evidence = {
        item["id"] for case in cases for item in case["evidence"] if item["owner"] == partner.value
    }
    case_ids = [case["id"] for case in cases]
    for start in range(0, len(case_ids), CASES_PER_QUERY):
        batch = case_ids[start : start + CASES_PER_QUERY]
        fields = " ".join(
            f"c{index}: case(id: $c{index}) {{ evidence {{ id owner }} }}"
            for index in range(len(batch))
        )
        arguments = ", ".join(f"$c{index}: ID!" for index in range(len(batch)))
        data = await world.ok(
            client_id,
            f"query Evidence({arguments}) {{ {fields} }}",
            {f"c{index}": case_id for index, case_id in enumerate(batch)},
        )
        evidence |= {
            item["id"]
            for found in data.values()
            for item in found["evidence"]
            if item["owner"] == partner.value
        }
    return Visible(
        frozenset(case["id"] for case in cases if case["owner"] == partner.value),
        frozenset(entity["id"] for entity in entities if entity["owner"] == partner.value),
        frozenset(evidence),
    )


# -- bringing a request into a state, through the API -----------------------------------------

DECISION_OF = {
    "ACCEPTED": "ACCEPT",
    "REFUSED": "REFUSE",
    "POSTPONED": "POSTPONE",
    "CONDITIONAL": "ACCEPT_WITH_CONDITIONS",
}


def decision_input(world: World, request_id: str, decision: str) -> dict[str, Any]:
    """A decision the agreement allows: a ground of the right list and a reason where needed."""
    grounds = {
        "REFUSE": world.agreement.refusal_grounds,
        "POSTPONE": world.agreement.postponement_grounds,
        "ACCEPT_WITH_CONDITIONS": world.agreement.condition_grounds,
    }
    value: dict[str, Any] = {"requestId": request_id, "decision": decision}
    if decision in grounds:
        value["ground"] = grounds[decision][0].id
        value["reason"] = f"Reason for {decision.lower()}."
    if decision == "ACCEPT_WITH_CONDITIONS":
        value["conditions"] = ["Use only for the purpose stated in the request."]
    return value


async def submit(world: World, *, oral: bool = False, **changes: Any) -> dict[str, Any]:
    """A new UZ request to US, as the UZ workflow client submits it."""
    data = await world.ok(
        "uz-workflow",
        SUBMIT,
        {"input": request_input(US, oral=oral, **changes), "key": new_key("submit")},
    )
    return dict(data["submitAssistanceRequest"])


async def decide(world: World, request_id: str, decision: str) -> dict[str, Any]:
    data = await world.ok(
        "us-workflow",
        DECIDE,
        {"input": decision_input(world, request_id, decision), "key": new_key("decide")},
    )
    return dict(data["decideAssistanceRequest"])


async def released_to(
    world: World, owner: Administration, recipient: Administration, record_type: str
) -> int:
    """A record of the owner's that an active release hands to the recipient."""
    items, releases = ReleaseItem.__table__, Release.__table__
    found = (
        await world.select(
            owner,
            select(func.max(items.c.record_id))
            .join(releases, releases.c.id == items.c.release_id)
            .where(
                items.c.record_type == record_type,
                releases.c.recipient == recipient.value,
                releases.c.revoked_at.is_(None),
                releases.c.expires_at > datetime.now(UTC),
            ),
        )
    )[0][0]
    assert found is not None
    return int(found)


async def first_id(world: World, administration: Administration, table: str) -> int:
    return int(await world.scalar(administration, f"SELECT min(id) FROM {table}"))


async def respond(
    world: World, request_id: str, records: list[str] | None = None
) -> dict[str, Any]:
    if records is None:
        records = [gid("Case", US, await first_id(world, US, "cases"))]
    data = await world.ok(
        "us-workflow",
        RESPOND,
        {
            "input": {"requestId": request_id, "release": release_input(records)},
            "key": new_key("respond"),
        },
    )
    return dict(data["respondToAssistanceRequest"])


async def set_request_columns(world: World, request_id: str, **values: Any) -> None:
    """Change columns of a request in the requester's store (a test's setup step)."""
    _type, owner, number = local_id(request_id)
    table = AssistanceRequest.__table__
    async with world.engines[Administration(owner)].begin() as connection:
        await connection.execute(update(table).where(table.c.id == number).values(**values))


async def backdate(world: World, request_id: str, days: float, *, due_too: bool = False) -> None:
    """Move a request's submission (and, with due_too, its due date) `days` into the past."""
    moved = timedelta(days=days)
    values: dict[str, Any] = {"submitted_at": datetime.now(UTC) - moved}
    if due_too:
        values["due_at"] = values["submitted_at"] + timedelta(
            days=world.agreement.reply_deadline_days
        )
    await set_request_columns(world, request_id, **values)


async def reach(world: World, state: str, *, oral: bool = True) -> str:
    """A fresh UZ request to US brought, through the API, into `state`; its id."""
    request_id = str((await submit(world, oral=oral))["id"])
    if state in DECISION_OF:
        await decide(world, request_id, DECISION_OF[state])
    elif state == "ANSWERED":
        await decide(world, request_id, "ACCEPT")
        await respond(world, request_id)
    elif state == "CLOSED":
        await world.ok("uz-workflow", CLOSE, {"id": request_id, "key": new_key("close")})
    elif state == "LAPSED":
        assert oral, "only an oral request lapses"
        await backdate(world, request_id, world.agreement.oral_request_confirmation_days + 1)
    else:
        assert state == "SUBMITTED", state
    status = (await world.ok("uz-dashboard", REQUEST_BY_ID, {"id": request_id}))[
        "assistanceRequest"
    ]["status"]
    assert status == state
    return request_id
