"""The agreement's procedures through the remote transport are the in-process ones: the same
calls, each transport on a fresh seeded store pair of its own, give equal records and the same
refusals (code, rule, field and message); a retry with the same idempotency key returns the
first result; and a subgraph that fails or is stopped is SourceDown."""

import asyncio
import dataclasses
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.policy.procedures import Action, ProcedureViolation, RequestForm
from auth.principal import Principal
from auth.registry import ClientRegistration, RegistrationError, add_client
from gateway.loopback import running_server
from resolvers.errors import refusal_error
from resolvers.sources.base import (
    ConfirmEntityMatch,
    DecideConsent,
    DecideRequest,
    Disclose,
    ReceivePartnerAction,
    RecordCustody,
    RequestConsent,
    RequesterAction,
    RespondToRequest,
    RevokeRelease,
    SourceDown,
    SubmitRequest,
)
from resolvers.sources.drafts import (
    ConsentDraft,
    CustodyDraft,
    DecisionDraft,
    PartnerAction,
    ReleaseDraft,
    RequestDraft,
)
from resolvers.sources.ids import global_id
from resolvers.sources.in_process import InProcessSource
from resolvers.sources.remote import RemoteSource
from resolvers.sources.remote.writes import refusal
from resolvers.subgraph import GRAPHQL_PATH
from store.agreement import Agreement
from store.database import create_engine, session_factory
from store.migrate import prepare_store
from store.models.domain import Administration, DecisionKind, RecordType, Use
from store.seed import seed_store
from tests.auth.support import Demo
from tests.sources.conftest import NOW, fixed_clock, subgraph_app, token_verifier
from tests.sources.support import Caller, fetch_all, read
from tests.support.databases import fresh_database, postgres_base_url
from tests.support.servers import hung_server
from tests.support.settings import SUITE_SOURCE_TIMEOUT_SECONDS

US, UZ = Administration.US, Administration.UZ
CASES = 16
SEED = 5
# The timeout of a source that never answers (a hung server), where no load can make it early;
# every other source gets one that no load can reach.
NO_ANSWER_TIMEOUT = 0.5
NO_ANSWER = "no answer in time"
SECRET = "internal detail of the remote"
UNDESIGNATED_WRITER = "uz-undesignated-procedures"
WRITE_SCOPES = (
    "cmaa.requests:read",
    "cmaa.requests:write",
    "cmaa.requests:decide",
    "cmaa.disclosures:write",
    "cmaa.consents:write",
    "cmaa.custody:write",
)
MISSING = 10**6

Callers = dict[tuple[Administration, str], Caller]


# -- the worlds: a fresh seeded store pair per transport ------------------------------------------


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _on_postgres(statement: str) -> None:
    base = postgres_base_url()
    assert base is not None
    connection = await asyncpg.connect(_asyncpg_dsn(base))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@dataclass
class Seeded:
    """A seeded store pair of one kind, copied for every world and never used itself.
    PostgreSQL copies are dropped in the background; the session waits for the drops."""

    urls: dict[Administration, str]
    directory: Path
    drops: list[asyncio.Task[None]] = dataclasses.field(default_factory=list)

    async def _copy(self, url: str) -> str:
        parsed = make_url(url)
        if parsed.drivername.startswith("sqlite"):
            target = self.directory / f"{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(Path(str(parsed.database)), target)
            return f"sqlite+aiosqlite:///{target}"
        name = f"cmaa_test_{uuid.uuid4().hex[:12]}"
        await _on_postgres(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        return parsed.set(database=name).render_as_string(hide_password=False)

    @asynccontextmanager
    async def copies(self, count: int) -> AsyncIterator[list[dict[Administration, str]]]:
        """`count` store pairs of their own, each with the seeded content."""
        wanted = [administration for _ in range(count) for administration in self.urls]
        urls = await asyncio.gather(*(self._copy(self.urls[a]) for a in wanted))
        try:
            yield [
                dict(zip(self.urls, urls[index : index + len(self.urls)], strict=True))
                for index in range(0, len(urls), len(self.urls))
            ]
        finally:
            for url in urls:
                parsed = make_url(url)
                if not parsed.drivername.startswith("sqlite"):
                    drop = f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'
                    self.drops.append(asyncio.create_task(_on_postgres(drop)))


@pytest.fixture(scope="session")
async def seeded(
    database_kind: str, agreement: Agreement, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Seeded]:
    directory = tmp_path_factory.mktemp(f"procedures-{database_kind}")
    async with AsyncExitStack() as stack:
        urls: dict[Administration, str] = {}
        for administration in Administration:
            url = await stack.enter_async_context(fresh_database(database_kind, directory))
            await prepare_store(url, administration)
            engine = create_engine(url)
            try:
                await seed_store(engine, administration, agreement, cases=CASES, seed=SEED)
            finally:
                await engine.dispose()
            urls[administration] = url
        found = Seeded(urls, directory)
        try:
            yield found
        finally:
            await asyncio.gather(*found.drops)


@dataclass
class World:
    transport: str
    sources: dict[Administration, Any]
    # Engines on the world's stores, to choose the records a scenario works on.
    engines: dict[Administration, AsyncEngine]
    # The subgraphs' base URLs (remote only).
    urls: dict[Administration, str] = dataclasses.field(default_factory=dict)

    async def ids(self, administration: Administration, sql: str) -> list[int]:
        return [int(row[0]) for row in await fetch_all(self.engines[administration], sql)]


@pytest.fixture
async def worlds(
    seeded: Seeded, agreement: Agreement, issuer_jwks: dict[str, str]
) -> AsyncIterator[dict[str, World]]:
    """The in-process transport over one copy of the seeded pair; the remote transport over
    another, through each administration's subgraph on uvicorn. Both run at the seeded
    world's fixed "now"."""
    async with AsyncExitStack() as stack:
        pairs = await stack.enter_async_context(seeded.copies(2))
        found: dict[str, World] = {}
        for transport, urls in zip(("in_process", "remote"), pairs, strict=True):
            engines: dict[Administration, AsyncEngine] = {}
            for administration, url in urls.items():
                engines[administration] = create_engine(url)
                stack.push_async_callback(engines[administration].dispose)
            sources: dict[Administration, Any] = {}
            served: dict[Administration, str] = {}
            for administration, url in urls.items():
                if transport == "in_process":
                    sources[administration] = InProcessSource(
                        administration, engines[administration], fixed_clock, agreement
                    )
                    continue
                app = subgraph_app(administration, url, agreement, issuer_jwks)
                served[administration] = stack.enter_context(running_server(app))
                remote = RemoteSource(administration, served[administration], agreement.limits)
                stack.push_async_callback(remote.aclose)
                sources[administration] = remote
            found[transport] = World(transport, sources, engines, served)
        yield found


# -- the callers: real tokens from each administration's own issuer ------------------------------


@pytest.fixture(scope="session")
async def undesignated_writer(issuers: Demo, agreement: Agreement) -> str:
    """A UZ client with the workflow's scopes that is not a designated official; its secret."""
    engine = create_engine(issuers.stores.url(UZ))
    try:
        async with session_factory(engine)() as session:
            registration = ClientRegistration(
                client_id=UNDESIGNATED_WRITER,
                grant_types=("client_credentials",),
                scopes=WRITE_SCOPES,
                designated=False,
                description="source suite: not a designated official",
            )
            secret = await add_client(session, registration, agreement.scopes)
    except RegistrationError:
        pytest.fail(f"{UNDESIGNATED_WRITER} is registered twice")
    finally:
        await engine.dispose()
    assert secret is not None
    return secret


@pytest.fixture(scope="module")
async def people(
    issuers: Demo, agreement: Agreement, issuer_jwks: dict[str, str], undesignated_writer: str
) -> Callers:
    """(administration, role) → a caller; module-wide, so that no token outlives its use."""
    verifier = token_verifier(agreement, issuer_jwks)
    found: Callers = {}
    async with httpx.AsyncClient() as http:
        for administration in Administration:
            for role in ("workflow", "dashboard"):
                client_id = f"{administration.value.lower()}-{role}"
                token = (await issuers.token(http, client_id))["access_token"]
                found[(administration, role)] = Caller(await verifier.verify(token), token)
        metadata = await issuers.metadata(http, UZ.value)
        answer = await http.post(
            metadata["token_endpoint"],
            data={"grant_type": "client_credentials"},
            auth=(UNDESIGNATED_WRITER, undesignated_writer),
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        found[(UZ, "undesignated")] = Caller(await verifier.verify(token), token)
    return found


# -- a scenario: the same calls on a world, with what each gave -----------------------------------


@dataclass(frozen=True)
class Refusal:
    code: str
    rule: str
    field: str | None
    message: str


Call = Callable[[Principal], Awaitable[Any]]


class Script:
    """Runs a scenario's calls on one world and keeps, in order, what each gave."""

    def __init__(self, world: World, people: Callers, agreement: Agreement) -> None:
        self.world, self.people, self.agreement = world, people, agreement
        self.outcomes: list[tuple[str, Any]] = []

    def source(self, administration: Administration) -> Any:
        return self.world.sources[administration]

    async def ok(self, label: str, caller: tuple[Administration, str], call: Call) -> Any:
        try:
            found = await read(self.people[caller], call)
        except ProcedureViolation as violation:
            pytest.fail(f"{self.world.transport}: {label}: refused: {violation.message}")
        self.outcomes.append((label, found))
        return found

    async def refused(
        self,
        label: str,
        caller: tuple[Administration, str],
        call: Call,
        rule: str,
        field: str | None = None,
    ) -> None:
        try:
            found = await read(self.people[caller], call)
        except ProcedureViolation as violation:
            error = refusal_error(violation)
            outcome = Refusal(error.code, violation.rule, violation.field, violation.message)
        else:
            pytest.fail(f"{self.world.transport}: {label}: not refused but gave {found}")
        assert (outcome.rule, outcome.field) == (rule, field), (self.world.transport, label)
        self.outcomes.append((label, outcome))


Scenario = Callable[[Script], Awaitable[None]]


def request_draft(
    requested: Administration = US, *, oral: bool = False, case_id: int | None = None, **form: Any
) -> RequestDraft:
    value = RequestForm(
        requested_administration=requested,
        matter="Undervalued cotton yarn shipments",
        assistance_type="INFORMATION",
        reasons="Invoices suggest the declared values are a third of the market price.",
        case_description="Shipments from Tashkent to Newark declared far below market value.",
        legal_provisions=("Customs Code of the Republic of Uzbekistan, art. 243",),
        persons_concerned=(("Aziz Karimov", "Tashkent"), ("Dilnoza Yusupova", None)),
    )
    return RequestDraft(
        form=dataclasses.replace(value, **form), case_id=case_id, urgency="URGENT", oral=oral
    )


def release_draft(*records: tuple[RecordType, int], **changes: Any) -> ReleaseDraft:
    value = ReleaseDraft(
        records=records,
        purpose="Investigation of undervalued textile imports",
        permitted_uses=("INVESTIGATION", "INTELLIGENCE"),
        includes_personal_data=True,
        expires_at=NOW + timedelta(days=365),
    )
    return dataclasses.replace(value, **changes)


def custody_draft(**changes: Any) -> CustodyDraft:
    value = CustodyDraft(
        from_holder="CBP Laboratory, Newark",
        to_holder="ICE HSI Newark, evidence room 2",
        at=NOW,
        purpose="Forensic examination of the invoices",
        seal="CBP-SEAL-0042117",
        condition="Intact, seal unbroken",
        returned=False,
    )
    return dataclasses.replace(value, **changes)


async def submitted(script: Script, label: str, **changes: Any) -> Any:
    """A new UZ request to US."""
    uz = script.source(UZ)
    draft = request_draft(**changes)
    return await script.ok(
        label, (UZ, "workflow"), lambda p: uz.perform(p, SubmitRequest(draft, f"submit-{label}"))
    )


async def as_us_sees_it(script: Script, request_id: int) -> Any:
    """The request as the requested side's official reads it through the gateway."""
    found = await read(
        script.people[(US, "workflow")],
        lambda p: script.source(UZ).requests_by_id(p, [request_id]),
    )
    return found[request_id]


async def decided(script: Script, label: str, request_id: int, draft: DecisionDraft) -> Any:
    """The requested side decides, and the requester's store is told."""
    us, uz = script.source(US), script.source(UZ)
    snapshot = await as_us_sees_it(script, request_id)
    outcome = await script.ok(
        label,
        (US, "workflow"),
        lambda p: us.perform(p, DecideRequest(snapshot, draft, f"decide-{label}")),
    )
    await script.ok(
        f"{label}: delivered",
        (US, "workflow"),
        lambda p: uz.perform(p, ReceivePartnerAction(request_id, outcome.partner_action)),
    )
    return outcome.decision


ACCEPT = DecisionDraft(DecisionKind.ACCEPT, None, None, ())


async def first_us_case(script: Script) -> int:
    return (await script.world.ids(US, "SELECT id FROM cases ORDER BY id"))[0]


# -- the scenarios --------------------------------------------------------------------------------


async def submitting_a_request(script: Script) -> None:
    uz = script.source(UZ)
    uz_case = (await script.world.ids(UZ, "SELECT id FROM cases ORDER BY id"))[0]
    await submitted(script, "submitted")
    await submitted(script, "oral, on a case of the requester", oral=True, case_id=uz_case)

    async def refused(label: str, caller: Any, draft: RequestDraft, rule: str, field: Any) -> None:
        await script.refused(
            label,
            caller,
            lambda p: uz.perform(p, SubmitRequest(draft, f"submit-{label}")),
            rule,
            field,
        )

    await refused(
        "no matter", (UZ, "workflow"), request_draft(matter=" "), "REQUEST_FORM", "matter"
    )
    await refused(
        "to itself",
        (UZ, "workflow"),
        request_draft(UZ),
        "REQUEST_FORM",
        "requestedAdministration",
    )
    await refused(
        "a person without a name",
        (UZ, "workflow"),
        request_draft(persons_concerned=(("", "Tashkent"),)),
        "REQUEST_FORM",
        "personsConcerned[0].name",
    )
    await refused(
        "on no case", (UZ, "workflow"), request_draft(case_id=MISSING), "REQUEST_FORM", "caseId"
    )
    await refused(
        "in the partner's store", (US, "workflow"), request_draft(), "SOURCE_CONTROLS", None
    )
    await refused("without the scope", (UZ, "dashboard"), request_draft(), "SCOPE", None)
    await refused("not designated", (UZ, "undesignated"), request_draft(), "DESIGNATED", None)
    await script.refused(
        "no idempotency key",
        (UZ, "workflow"),
        lambda p: uz.perform(p, SubmitRequest(request_draft(), " ")),
        "IDEMPOTENCY",
        "idempotencyKey",
    )


async def the_requesters_own_steps(script: Script) -> None:
    uz = script.source(UZ)
    oral = (await submitted(script, "oral", oral=True)).id
    written = (await submitted(script, "written")).id

    def step(request_id: int, action: Action, key: str) -> Call:
        return lambda p: uz.perform(p, RequesterAction(request_id, action, key))

    requester = (UZ, "workflow")
    await script.ok("confirmed", requester, step(oral, Action.CONFIRM_IN_WRITING, "confirm"))
    await script.ok("closed", requester, step(written, Action.CLOSE, "close"))
    await script.refused(
        "confirming a written request",
        requester,
        step(oral, Action.CONFIRM_IN_WRITING, "confirm-again"),
        "REQUEST_FORM",
        "id",
    )
    await script.refused(
        "closing twice",
        requester,
        step(written, Action.CLOSE, "close-again"),
        "REQUEST_STATE",
        "status",
    )
    await script.refused(
        "accepting its own request",
        requester,
        step(oral, Action.ACCEPT, "accept"),
        "SOURCE_CONTROLS",
    )
    await script.refused(
        "no such request", requester, step(MISSING, Action.CLOSE, "close-none"), "NOT_FOUND", "id"
    )
    await script.refused(
        "a key of another request",
        requester,
        step(written, Action.CONFIRM_IN_WRITING, "confirm"),
        "IDEMPOTENCY",
        "idempotencyKey",
    )
    await script.refused(
        "in the partner's store",
        (UZ, "workflow"),
        lambda p: script.source(US).perform(p, RequesterAction(oral, Action.CLOSE, "close-us")),
        "SOURCE_CONTROLS",
    )


async def deciding_on_a_request(script: Script) -> None:
    agreement = script.agreement
    us, uz = script.source(US), script.source(UZ)
    request_id = (await submitted(script, "to decide")).id
    conditions = DecisionDraft(
        DecisionKind.ACCEPT_WITH_CONDITIONS,
        agreement.condition_grounds[0].id,
        "Only for the investigation named in the request.",
        ("No onward transfer.",),
    )
    await decided(script, "accepted with conditions", request_id, conditions)
    script.outcomes.append(("as the requester holds it", await as_us_sees_it(script, request_id)))
    snapshot = await as_us_sees_it(script, request_id)

    def decide(draft: DecisionDraft, key: str) -> Call:
        return lambda p: us.perform(p, DecideRequest(snapshot, draft, key))

    refuse = DecisionDraft(DecisionKind.REFUSE, None, "No reason given.", ())
    await script.refused(
        "refused without a ground",
        (US, "workflow"),
        decide(refuse, "refuse"),
        "GROUNDS_AND_REASONS",
        "ground",
    )
    await script.refused(
        "decided twice", (US, "workflow"), decide(ACCEPT, "accept"), "REQUEST_STATE", "status"
    )
    await script.refused(
        "decided by the requester", (UZ, "workflow"), decide(ACCEPT, "accept-uz"), "SOURCE_CONTROLS"
    )
    await script.refused(
        "without the scope", (US, "dashboard"), decide(ACCEPT, "accept-dashboard"), "SCOPE"
    )
    other = await submitted(script, "to refuse")
    await decided(
        script,
        "refused",
        other.id,
        DecisionDraft(DecisionKind.REFUSE, agreement.refusal_grounds[0].id, "Sovereignty.", ()),
    )
    # The requester's store takes word of a decision only from the requested administration.
    await script.refused(
        "told by the requester itself",
        (UZ, "workflow"),
        lambda p: uz.perform(
            p, ReceivePartnerAction(request_id, PartnerAction("DECISION", 1, "ACCEPTED"))
        ),
        "SOURCE_CONTROLS",
    )


async def answering_a_request(script: Script) -> None:
    us, uz = script.source(US), script.source(UZ)
    case_id = await first_us_case(script)
    request_id = (await submitted(script, "to answer")).id
    await decided(script, "accepted", request_id, ACCEPT)
    snapshot = await as_us_sees_it(script, request_id)

    def respond(draft: ReleaseDraft, key: str) -> Call:
        return lambda p: us.perform(p, RespondToRequest(snapshot, draft, key))

    responder = (US, "workflow")
    await script.refused(
        "a use that needs consent",
        responder,
        respond(
            release_draft((RecordType.CASE, case_id), permitted_uses=("JUDICIAL_CRIMINAL",)),
            "respond-judicial",
        ),
        "CONSENT_FOR_USE",
        "permittedUses",
    )
    await script.refused(
        "expired already",
        responder,
        respond(
            release_draft((RecordType.CASE, case_id), expires_at=NOW - timedelta(days=1)),
            "respond-expired",
        ),
        "REQUEST_FORM",
        "expiresAt",
    )
    await script.refused(
        "a record it does not hold",
        responder,
        respond(release_draft((RecordType.CASE, MISSING)), "respond-missing"),
        "SOURCE_CONTROLS",
        "records[0]",
    )
    answered = await script.ok(
        "answered", responder, respond(release_draft((RecordType.CASE, case_id)), "respond")
    )
    release, action = answered.release, answered.partner_action
    await script.ok(
        "answered: delivered",
        responder,
        lambda p: uz.perform(p, ReceivePartnerAction(request_id, action)),
    )
    # What the requester now sees of the released case, through the owner's source.
    found = await read(script.people[(UZ, "workflow")], lambda p: us.cases_by_id(p, [case_id]))
    assert found[case_id].handling.released_under.id == release.id
    script.outcomes.append(("the released case, as UZ sees it", found))
    unanswered = await as_us_sees_it(script, (await submitted(script, "undecided")).id)
    await script.refused(
        "answering an undecided request",
        responder,
        lambda p: us.perform(
            p,
            RespondToRequest(
                unanswered, release_draft((RecordType.CASE, case_id)), "respond-undecided"
            ),
        ),
        "REQUEST_STATE",
        "status",
    )


async def releasing_and_revoking(script: Script) -> None:
    us = script.source(US)
    entity = (await script.world.ids(US, "SELECT id FROM entities ORDER BY id"))[0]
    owner = (US, "workflow")

    def disclose(draft: ReleaseDraft, key: str) -> Call:
        return lambda p: us.perform(p, Disclose(draft, key))

    def revoke(release_id: int, reason: str, key: str) -> Call:
        return lambda p: us.perform(p, RevokeRelease(release_id, reason, key))

    first = await script.ok(
        "disclosed", owner, disclose(release_draft((RecordType.ENTITY, entity)), "disclose")
    )
    second = await script.ok(
        "disclosed again",
        owner,
        disclose(
            release_draft((RecordType.ENTITY, entity), includes_personal_data=False),
            "disclose-again",
        ),
    )
    await script.refused(
        "without a purpose",
        owner,
        disclose(release_draft((RecordType.ENTITY, entity), purpose=" "), "disclose-no-purpose"),
        "REQUEST_FORM",
        "purpose",
    )
    await script.refused(
        "naming no record",
        owner,
        disclose(release_draft(), "disclose-nothing"),
        "SOURCE_CONTROLS",
        "records",
    )
    await script.refused(
        "by the partner",
        (UZ, "workflow"),
        disclose(release_draft((RecordType.ENTITY, entity)), "disclose-uz"),
        "SOURCE_CONTROLS",
    )
    await script.ok("revoked", owner, revoke(first.id, "Investigation closed.", "revoke"))
    await script.refused(
        "revoked twice", owner, revoke(first.id, "Again.", "revoke-again"), "REQUEST_STATE", "id"
    )
    await script.refused(
        "without a reason",
        owner,
        revoke(second.id, " ", "revoke-no-reason"),
        "REQUEST_FORM",
        "reason",
    )
    await script.refused(
        "no such release", owner, revoke(MISSING, "Gone.", "revoke-none"), "NOT_FOUND", "id"
    )
    await script.refused(
        "a key of another release",
        owner,
        revoke(second.id, "Investigation closed.", "revoke"),
        "IDEMPOTENCY",
        "idempotencyKey",
    )


async def asking_and_deciding_consent(script: Script) -> None:
    us = script.source(US)
    never_released = await script.world.ids(
        US,
        "SELECT id FROM cases WHERE id NOT IN "
        "(SELECT record_id FROM release_items WHERE record_type = 'CASE') ORDER BY id",
    )
    released, unreleased = never_released[:2]
    await script.ok(
        "disclosed",
        (US, "workflow"),
        lambda p: us.perform(p, Disclose(release_draft((RecordType.CASE, released)), "disclose")),
    )

    def ask(record_id: int, use: Use, key: str) -> Call:
        draft = ConsentDraft(
            records=((RecordType.CASE, record_id),),
            use=use,
            recipient_agency="Prosecutor General's Office",
            recipient_country=None,
            purpose="Criminal proceedings against the importer",
        )
        return lambda p: us.perform(p, RequestConsent(draft, key))

    def decide(consent_id: int, grant: bool, reason: str | None, key: str) -> Call:
        return lambda p: us.perform(p, DecideConsent(consent_id, grant, reason, key))

    asker, owner = (UZ, "workflow"), (US, "workflow")
    granted = await script.ok("asked", asker, ask(released, Use.JUDICIAL_CRIMINAL, "ask"))
    refused = await script.ok("asked again", asker, ask(released, Use.ONWARD_TRANSFER, "ask-2"))
    await script.refused(
        "a use that needs none",
        asker,
        ask(released, Use.INVESTIGATION, "ask-investigation"),
        "CONSENT_FOR_USE",
        "use",
    )
    await script.refused(
        "a record not released",
        asker,
        ask(unreleased, Use.JUDICIAL_CIVIL, "ask-unreleased"),
        "CONSENT_FOR_USE",
        "records[0]",
    )
    await script.refused(
        "by the owner itself",
        owner,
        ask(released, Use.JUDICIAL_CIVIL, "ask-own"),
        "CONSENT_FOR_USE",
    )
    await script.refused(
        "decided by the asker",
        asker,
        decide(granted.id, True, None, "grant-uz"),
        "SOURCE_CONTROLS",
    )
    await script.ok("granted", owner, decide(granted.id, True, None, "grant"))
    await script.refused(
        "decided twice",
        owner,
        decide(granted.id, False, "No.", "refuse-granted"),
        "REQUEST_STATE",
        "id",
    )
    await script.refused(
        "refused without a reason",
        owner,
        decide(refused.id, False, None, "refuse-no-reason"),
        "GROUNDS_AND_REASONS",
        "reason",
    )
    await script.ok("refused", owner, decide(refused.id, False, "Third country.", "refuse"))
    await script.refused(
        "no such consent request",
        owner,
        decide(MISSING, True, None, "grant-none"),
        "NOT_FOUND",
        "id",
    )
    # The granted consent travels with the record.
    found = await read(script.people[asker], lambda p: us.cases_by_id(p, [released]))
    script.outcomes.append(("the case with its consent, as UZ sees it", found))


async def keeping_custody(script: Script) -> None:
    us = script.source(US)
    original = (
        await script.world.ids(
            US,
            "SELECT id FROM evidence WHERE kind = 'ORIGINAL' AND return_due IS NOT NULL "
            "AND returned_at IS NULL ORDER BY id",
        )
    )[0]
    copy = (
        await script.world.ids(US, "SELECT id FROM evidence WHERE return_due IS NULL ORDER BY id")
    )[0]
    owner = (US, "workflow")

    def record(evidence_id: int, draft: CustodyDraft, key: str) -> Call:
        return lambda p: us.perform(p, RecordCustody(evidence_id, draft, key))

    overdue = (US, "workflow"), (UZ, "dashboard"), (US, "dashboard")
    for caller in overdue:
        await script.ok(f"overdue for {caller}", caller, lambda p: us.overdue_originals(p))
    await script.ok(
        "an event", owner, record(original, custody_draft(at=NOW - timedelta(hours=2)), "c1")
    )
    await script.refused(
        "before the last one",
        owner,
        record(original, custody_draft(at=NOW - timedelta(days=3)), "c-before"),
        "REQUEST_FORM",
        "at",
    )
    await script.refused(
        "in the future",
        owner,
        record(original, custody_draft(at=NOW + timedelta(days=1)), "c-future"),
        "REQUEST_FORM",
        "at",
    )
    await script.refused(
        "returning a copy",
        owner,
        record(copy, custody_draft(returned=True), "c-copy"),
        "REQUEST_FORM",
        "returned",
    )
    await script.refused(
        "without a holder",
        owner,
        record(copy, custody_draft(to_holder=""), "c-holder"),
        "REQUEST_FORM",
        "toHolder",
    )
    await script.refused(
        "no such item", owner, record(MISSING, custody_draft(), "c-none"), "NOT_FOUND", "id"
    )
    await script.refused(
        "by the partner",
        (UZ, "workflow"),
        record(original, custody_draft(), "c-uz"),
        "SOURCE_CONTROLS",
    )
    await script.ok("returned", owner, record(original, custody_draft(returned=True), "c2"))
    await script.refused(
        "returned twice",
        owner,
        record(original, custody_draft(returned=True), "c3"),
        "REQUEST_STATE",
        "returned",
    )
    for caller in overdue:
        await script.ok(f"overdue after, for {caller}", caller, lambda p: us.overdue_originals(p))


async def confirming_a_match(script: Script) -> None:
    us = script.source(US)
    own = (await script.world.ids(US, "SELECT id FROM entities ORDER BY id"))[0]
    partner = (await script.world.ids(UZ, "SELECT id FROM entities ORDER BY id"))[0]
    owner = (US, "workflow")

    def confirm(entity_id: int, reason: str, key: str) -> Call:
        return lambda p: us.perform(p, ConfirmEntityMatch(entity_id, (UZ, partner), reason, key))

    await script.ok("confirmed", owner, confirm(own, "Same passport number.", "match"))
    await script.ok("confirmed again", owner, confirm(own, "Same IMO number.", "match-again"))
    await script.refused(
        "without a reason", owner, confirm(own, " ", "match-no-reason"), "REQUEST_FORM", "reason"
    )
    await script.refused(
        "no such entity",
        owner,
        confirm(MISSING, "Same name.", "match-none"),
        "SOURCE_CONTROLS",
        "entityId",
    )
    await script.refused(
        "by the partner",
        (UZ, "workflow"),
        confirm(own, "Same name.", "match-uz"),
        "SOURCE_CONTROLS",
    )


SCENARIOS: dict[str, Scenario] = {
    "submitAssistanceRequest": submitting_a_request,
    "requesterAction": the_requesters_own_steps,
    "decideAssistanceRequest, receivePartnerAction": deciding_on_a_request,
    "respondToAssistanceRequest": answering_a_request,
    "discloseSpontaneously, revokeRelease": releasing_and_revoking,
    "requestConsent, decideConsent": asking_and_deciding_consent,
    "recordCustodyEvent, overdueOriginals": keeping_custody,
    "confirmEntityMatch": confirming_a_match,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_the_transports_give_equal_records_and_refusals(
    scenario: str, worlds: dict[str, World], people: Callers, agreement: Agreement
) -> None:
    scripts = {name: Script(world, people, agreement) for name, world in worlds.items()}
    # Each transport has stores of its own: the two run side by side.
    await asyncio.gather(*(SCENARIOS[scenario](script) for script in scripts.values()))
    in_process, remote = scripts["in_process"].outcomes, scripts["remote"].outcomes
    assert [label for label, _ in remote] == [label for label, _ in in_process]
    for (label, expected), (_, found) in zip(in_process, remote, strict=True):
        assert found == expected, label


# -- idempotency ----------------------------------------------------------------------------------


async def retried(script: Script) -> None:
    """Each procedure twice with one key and one input: the retry gives the first result and
    changes nothing. The same key with other input, or for another operation, is refused
    (IDEMPOTENCY_KEY_REUSED) and changes nothing either."""
    us, uz = script.source(US), script.source(UZ)
    requester, requested = (UZ, "workflow"), (US, "workflow")

    async def twice(label: str, caller: Any, first: Call, other: Call | None = None) -> Any:
        found = await script.ok(label, caller, first)
        again = await script.ok(f"{label}, retried", caller, first)
        assert again == found, (script.world.transport, label)
        if other is not None:
            await script.refused(
                f"{label}, other input", caller, other, "IDEMPOTENCY", "idempotencyKey"
            )
            assert script.outcomes[-1][1].code == "IDEMPOTENCY_KEY_REUSED", label
        return found

    def submit(matter: str) -> Call:
        return lambda p: uz.perform(
            p, SubmitRequest(request_draft(matter=matter, oral=True), "submit")
        )

    counted = "SELECT count(*) FROM assistance_requests"
    before = await script.world.ids(UZ, counted)
    request = await twice("submitted", requester, submit("First matter"), submit("Other matter"))
    assert await script.world.ids(UZ, counted) == [before[0] + 1]
    await twice(
        "confirmed",
        requester,
        lambda p: uz.perform(p, RequesterAction(request.id, Action.CONFIRM_IN_WRITING, "confirm")),
    )
    snapshot = await as_us_sees_it(script, request.id)
    accepted = await twice(
        "accepted",
        requested,
        lambda p: us.perform(p, DecideRequest(snapshot, ACCEPT, "decide")),
        lambda p: us.perform(
            p,
            DecideRequest(snapshot, DecisionDraft(DecisionKind.POSTPONE, None, None, ()), "decide"),
        ),
    )
    action = accepted.partner_action
    await twice(
        "delivered",
        requested,
        lambda p: uz.perform(p, ReceivePartnerAction(request.id, action)),
    )
    case_id = await first_us_case(script)
    snapshot = await as_us_sees_it(script, request.id)
    await twice(
        "answered",
        requested,
        lambda p: us.perform(
            p, RespondToRequest(snapshot, release_draft((RecordType.CASE, case_id)), "respond")
        ),
        lambda p: us.perform(
            p,
            RespondToRequest(
                snapshot, release_draft((RecordType.CASE, case_id), purpose="Other"), "respond"
            ),
        ),
    )
    releases = "SELECT count(*) FROM releases"
    before = await script.world.ids(US, releases)
    disclosed = await twice(
        "disclosed",
        requested,
        lambda p: us.perform(p, Disclose(release_draft((RecordType.CASE, case_id)), "disclose")),
        lambda p: us.perform(p, Disclose(release_draft((RecordType.ENTITY, 1)), "disclose")),
    )
    assert await script.world.ids(US, releases) == [before[0] + 1]
    evidence = (await script.world.ids(US, "SELECT id FROM evidence ORDER BY id"))[0]
    await twice(
        "custody",
        requested,
        lambda p: us.perform(p, RecordCustody(evidence, custody_draft(), "custody")),
        lambda p: us.perform(p, RecordCustody(evidence, custody_draft(purpose="Other"), "custody")),
    )
    await script.refused(
        "a key used for another operation",
        requested,
        lambda p: us.perform(p, RevokeRelease(disclosed.id, "Closed.", "disclose")),
        "IDEMPOTENCY",
        "idempotencyKey",
    )


async def test_a_retry_with_the_same_key_returns_the_first_result(
    worlds: dict[str, World], people: Callers, agreement: Agreement
) -> None:
    scripts = {name: Script(world, people, agreement) for name, world in worlds.items()}
    await asyncio.gather(*(retried(script) for script in scripts.values()))
    assert scripts["remote"].outcomes == scripts["in_process"].outcomes


# -- the subgraph's own answer, and its faults -----------------------------------------------------

SUBMIT_WITHOUT_MATTER = """
mutation Submit($input: AssistanceRequestInput!) {
  submitAssistanceRequest(input: $input, idempotencyKey: "k") { id }
}"""


async def test_the_subgraph_answers_a_refusal_with_its_code_rule_and_field(
    worlds: dict[str, World], people: Callers
) -> None:
    url = worlds["remote"].urls[UZ] + GRAPHQL_PATH
    draft = {
        "requestedAdministration": "US",
        "matter": "",
        "assistanceType": "INFORMATION",
        "reasons": "Reasons.",
        "caseDescription": "Description.",
        "legalProvisions": ["Art. 243"],
    }
    async with httpx.AsyncClient() as http:
        answers = [
            (
                await http.post(
                    url,
                    json={"query": SUBMIT_WITHOUT_MATTER, "variables": {"input": draft}},
                    headers={"Authorization": f"Bearer {people[caller].token}"},
                )
            ).json()
            for caller in ((UZ, "workflow"), (UZ, "dashboard"))
        ]
    assert [answer["data"] for answer in answers] == [None, None]
    assert [answer["errors"][0]["extensions"] for answer in answers] == [
        {"code": "BAD_USER_INPUT", "rule": "REQUEST_FORM", "field": "matter"},
        {"code": "FORBIDDEN", "rule": "SCOPE", "field": None},
    ]
    assert answers[0]["errors"][0]["path"] == ["submitAssistanceRequest"]


Answer = Callable[[Request], Awaitable[Response]]


def json_answer(body: object, status: int = 200) -> Answer:
    async def answer(_request: Request) -> Response:
        return Response(orjson.dumps(body), status_code=status, media_type="application/json")

    return answer


async def not_json(_request: Request) -> Response:
    return Response(f"<html>{SECRET}</html>".encode(), media_type="text/html")


def error(code: str, **extensions: Any) -> dict[str, Any]:
    return {"message": SECRET, "extensions": {"code": code, **extensions}}


FAULTS: dict[str, Answer] = {
    "server error": json_answer({"errors": [{"message": SECRET}]}, status=502),
    "not JSON": not_json,
    "refused the token": json_answer({"error": "invalid_token"}, status=401),
    "an internal error": json_answer({"data": None, "errors": [error("INTERNAL")]}),
    "a code not ours": json_answer(
        {"data": None, "errors": [error("NOT_ALLOWED", rule="SCOPE", field=None)]}
    ),
    "a refusal without its rule": json_answer(
        {"data": None, "errors": [error("BAD_USER_INPUT", field="matter")]}
    ),
    "a rule under another code": json_answer(
        {"data": None, "errors": [error("FORBIDDEN", rule="REQUEST_FORM", field="matter")]}
    ),
    "a rule not in our shape": json_answer(
        {"data": None, "errors": [error("BAD_USER_INPUT", rule=SECRET, field="matter")]}
    ),
    "two refusals": json_answer(
        {
            "data": None,
            "errors": [error("BAD_USER_INPUT", rule="REQUEST_FORM", field="matter")] * 2,
        }
    ),
    "fields taken out": json_answer({"data": None, "errors": [error("UNAUTHORIZED_FIELD")]}),
    "no data": json_answer({"nothing": SECRET}),
    "a record of the other administration": json_answer(
        {"data": {"done": {"id": global_id("Release", UZ, 1), "owner": "UZ"}}}
    ),
}


@pytest.fixture(scope="module")
def failing() -> Iterator[dict[str, str]]:
    """One server playing every faulty subgraph, each under a base URL of its own."""
    names = sorted(FAULTS)
    routes = [
        Route(f"/{index}{GRAPHQL_PATH}", FAULTS[name], methods=["POST"])
        for index, name in enumerate(names)
    ]
    with running_server(Starlette(routes=routes)) as url, hung_server() as hung:
        yield {NO_ANSWER: hung.url} | {name: f"{url}/{index}" for index, name in enumerate(names)}


@pytest.mark.parametrize("fault", sorted([*FAULTS, NO_ANSWER]))
async def test_a_failing_subgraph_is_unavailable_to_a_procedure(
    agreement: Agreement, people: Callers, failing: dict[str, str], fault: str
) -> None:
    caller = people[(US, "workflow")]
    draft = release_draft((RecordType.CASE, 1))
    timeout = NO_ANSWER_TIMEOUT if fault == NO_ANSWER else SUITE_SOURCE_TIMEOUT_SECONDS
    source = RemoteSource(US, failing[fault], agreement.limits, timeout_seconds=timeout)
    try:
        with pytest.raises(SourceDown) as raised:
            await read(caller, lambda p: source.perform(p, Disclose(draft, "disclose")))
    finally:
        await source.aclose()
    assert raised.value.administration is US
    assert SECRET not in str(raised.value)
    # Each fault is its own reason: only the source that never answers runs out of time.
    assert ("no answer within" in str(raised.value)) == (fault == NO_ANSWER), raised.value


def test_only_a_refusal_in_our_own_shape_is_passed_on() -> None:
    shaped = {
        "message": "matter is required by the agreement's form of requests.",
        "extensions": {"code": "BAD_USER_INPUT", "rule": "REQUEST_FORM", "field": "matter"},
    }
    found = refusal([shaped])
    assert found is not None
    assert (found.message, found.rule, found.field) == (
        shaped["message"],
        "REQUEST_FORM",
        "matter",
    )
    too_long = {**shaped, "message": "x" * 501}
    field_not_ours = {**shaped, "extensions": {**shaped["extensions"], "field": "<script>"}}
    assert refusal([too_long]) is None
    assert refusal([field_not_ours]) is None


async def test_a_stopped_subgraph_is_unavailable_to_a_procedure(
    seeded: Seeded, agreement: Agreement, issuer_jwks: dict[str, str], people: Callers
) -> None:
    caller = people[(UZ, "workflow")]
    async with seeded.copies(1) as (urls,):
        app = subgraph_app(UZ, urls[UZ], agreement, issuer_jwks)
        with running_server(app) as url:
            source = RemoteSource(
                UZ, url, agreement.limits, timeout_seconds=SUITE_SOURCE_TIMEOUT_SECONDS
            )
            found = await read(
                caller, lambda p: source.perform(p, SubmitRequest(request_draft(), "a"))
            )
            assert found.status == "SUBMITTED"
        try:
            with pytest.raises(SourceDown) as raised:
                await read(caller, lambda p: source.perform(p, SubmitRequest(request_draft(), "b")))
        finally:
            await source.aclose()
    assert raised.value.administration is UZ
