"""The source suite's world: both administrations' stores seeded once per database kind, the
built-in authorization servers issuing real tokens, and each administration's subgraph on
uvicorn, so every behaviour runs against both transports and both databases.

The stores are shared by the whole session and treated as read-only; a test that changes a
row puts it back before it ends.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from auth.verification import TokenVerifier, jwks_uri_of_builtin
from gateway.loopback import running_server
from gateway.subgraph import create_subgraph_app
from gateway.trust import trusted_issuers
from resolvers.sources.base import AdministrationSource
from resolvers.sources.in_process import InProcessSource
from resolvers.sources.remote import RemoteSource
from store.agreement import Agreement, load_agreement
from store.database import create_engine
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import REFERENCE_TIME, seed_store
from tests.auth.support import Demo, running_demo
from tests.conftest import DATABASE_KINDS
from tests.sources.support import Caller
from tests.support.databases import fresh_database

CASES = 120
SEED = 4
# The seeded world's "now": its active releases run past it, its expired ones ended before.
NOW = REFERENCE_TIME
TRANSPORTS = ["in_process", "remote"]

# Role → (demo client, requested scope; None: every scope the client has).
ROLES: dict[str, tuple[str, str | None]] = {
    "dashboard": ("dashboard", None),  # designated, every read scope, personal data included
    "analyst": ("analyst", None),  # designated, every read scope but personal data
    "undesignated": ("undesignated", None),  # not a designated official
    "cases_only": ("dashboard", "cmaa.cases:read"),
}


# Each administration's dashboard client may introspect the subgraphs; no other client may.
INTROSPECTION_CLIENTS = frozenset(f"{a.value}:{a.value.lower()}-dashboard" for a in Administration)


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture(scope="session", params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    """Session-wide here: a kind's stores are seeded once and shared by the suite."""
    return str(request.param)


@pytest.fixture(scope="session")
def agreement() -> Agreement:
    return load_agreement()


@pytest.fixture(scope="session")
async def issuers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    async with running_demo(tmp_path_factory.mktemp("issuers")) as demo:
        yield demo


@pytest.fixture(scope="session")
def issuer_jwks(issuers: Demo) -> dict[str, str]:
    """What `cmaa subgraph --issuer-jwks` would be given for the two built-in issuers."""
    named = (issuers.issuer(administration.value) for administration in Administration)
    return {issuer: jwks_uri_of_builtin(issuer) for issuer in named}


def token_verifier(agreement: Agreement, issuer_jwks: dict[str, str]) -> TokenVerifier:
    return TokenVerifier(
        trusted_issuers(agreement, issuer_jwks, {}),
        audience=agreement.tokens.audience,
        leeway_seconds=agreement.tokens.leeway_seconds,
        known_scopes=agreement.scopes,
    )


@pytest.fixture(scope="session")
async def callers(
    issuers: Demo, agreement: Agreement, issuer_jwks: dict[str, str]
) -> dict[tuple[Administration, str], Caller]:
    """(administration, role) → a caller with a real token from its own issuer."""
    verifier = token_verifier(agreement, issuer_jwks)
    found: dict[tuple[Administration, str], Caller] = {}
    async with httpx.AsyncClient() as http:
        for administration in Administration:
            for role, (client, scope) in ROLES.items():
                client_id = f"{administration.value.lower()}-{client}"
                token = (await issuers.token(http, client_id, scope))["access_token"]
                found[(administration, role)] = Caller(await verifier.verify(token), token)
    return found


@dataclass
class SeededStores:
    kind: str
    urls: dict[Administration, str]
    engines: dict[Administration, AsyncEngine]


@pytest.fixture(scope="session")
async def stores(
    database_kind: str, agreement: Agreement, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SeededStores]:
    directory = tmp_path_factory.mktemp(f"stores-{database_kind}")
    async with AsyncExitStack() as stack:
        urls: dict[Administration, str] = {}
        engines: dict[Administration, AsyncEngine] = {}
        for administration in Administration:
            url = await stack.enter_async_context(fresh_database(database_kind, directory))
            await prepare_store(url, administration)
            engine = create_engine(url)
            stack.push_async_callback(engine.dispose)
            await seed_store(engine, administration, agreement, cases=CASES, seed=SEED)
            urls[administration], engines[administration] = url, engine
        yield SeededStores(database_kind, urls, engines)


@pytest.fixture(scope="session")
def in_process(
    stores: SeededStores, agreement: Agreement
) -> dict[Administration, AdministrationSource]:
    return {
        administration: InProcessSource(administration, engine, fixed_clock, agreement)
        for administration, engine in stores.engines.items()
    }


@dataclass
class Subgraph:
    url: str
    app: Starlette

    @property
    def engine(self) -> AsyncEngine:
        return self.app.state.engine  # type: ignore[no-any-return]


def subgraph_app(
    administration: Administration,
    url: str,
    agreement: Agreement,
    issuer_jwks: dict[str, str],
) -> Starlette:
    verifier = token_verifier(agreement, issuer_jwks)
    return create_subgraph_app(
        administration,
        create_engine(url),
        verifier,
        agreement,
        clock=fixed_clock,
        introspection_clients=INTROSPECTION_CLIENTS,
    )


@pytest.fixture(scope="session")
def subgraphs(
    stores: SeededStores, agreement: Agreement, issuer_jwks: dict[str, str]
) -> Iterator[dict[Administration, Subgraph]]:
    with ExitStack() as stack:
        running: dict[Administration, Subgraph] = {}
        for administration, url in stores.urls.items():
            app = subgraph_app(administration, url, agreement, issuer_jwks)
            running[administration] = Subgraph(stack.enter_context(running_server(app)), app)
        yield running


@pytest.fixture(scope="session")
async def remote(
    subgraphs: dict[Administration, Subgraph], agreement: Agreement
) -> AsyncIterator[dict[Administration, AdministrationSource]]:
    sources = {
        administration: RemoteSource(administration, subgraph.url, agreement.limits)
        for administration, subgraph in subgraphs.items()
    }
    yield sources
    for source in sources.values():
        await source.aclose()


@dataclass
class Transport:
    name: str
    sources: dict[Administration, AdministrationSource]
    # The engines whose statements answer this transport's calls.
    engines: dict[Administration, AsyncEngine]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest, stores: SeededStores) -> Transport:
    if request.param == "in_process":
        return Transport("in_process", request.getfixturevalue("in_process"), stores.engines)
    subgraphs: dict[Administration, Subgraph] = request.getfixturevalue("subgraphs")
    return Transport(
        "remote",
        request.getfixturevalue("remote"),
        {administration: subgraph.engine for administration, subgraph in subgraphs.items()},
    )


@pytest.fixture(params=list(Administration), ids=lambda owner: f"owner={owner.value}")
def owner(request: pytest.FixtureRequest) -> Administration:
    """Whose records are read; the partner reads them (and the test runs again swapped)."""
    return Administration(request.param)
