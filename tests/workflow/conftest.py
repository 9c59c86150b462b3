"""The workflow suite's worlds: both administrations' stores migrated and seeded (small), the
demo identities provisioned, and the demo app (gateway and both issuers) on real uvicorn.

Provisioning the demo identities hashes every client secret with argon2 (slow on purpose),
so each database kind's stores are prepared once per session as a template, and every world
gets its own copy of them (a copied SQLite file; a PostgreSQL database created from the
template). A world is shared by the tests of one module (`world`), or made for one test
alone (`clean_world`). Tests that share a world use fresh idempotency keys and records no
other test touches. Tokens are real: the client credentials grant at the caller's own issuer.
"""

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from auth.registry import ClientRegistration, add_client
from gateway.demo import build_demo_app, prepare_demo_identities
from store.agreement import Agreement
from store.database import create_engine, session_factory
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store
from tests.conftest import DATABASE_KINDS
from tests.support.databases import fresh_database, postgres_base_url
from tests.support.servers import running_server
from tests.support.settings import suite_agreement
from tests.workflow.support import (
    UNDESIGNATED_WORKFLOW,
    WORKFLOW_SCOPES,
    Stores,
    Tokens,
    World,
)

CASES = 40
SEED = 11
# The public URL of every world: its issuers are named after it (and the identities are
# provisioned for it), while each world's server listens on a free loopback port. Worlds of
# one kind share signing keys (copied from the template) and issuer names, so a token one of
# them issued is valid in all of them, and each client's token is issued once per kind.
PUBLIC_URL = "http://127.0.0.1:9"


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    """Module-wide here: each module shares one world per kind."""
    return str(request.param)


@pytest.fixture(scope="session")
def agreement() -> Agreement:
    return suite_agreement()


@dataclass(frozen=True)
class Template:
    kind: str
    urls: dict[Administration, str]
    credentials: dict[str, Any]
    tokens: Tokens = field(default_factory=Tokens)


async def _register_undesignated(url: str, agreement: Agreement) -> str | None:
    """A UZ client holding every workflow scope but not a designated official, registered
    the way `cmaa clients add` registers one."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            registration = ClientRegistration(
                client_id=UNDESIGNATED_WORKFLOW,
                grant_types=("client_credentials",),
                scopes=WORKFLOW_SCOPES,
                designated=False,
                description="workflow suite: not a designated official",
            )
            return await add_client(session, registration, agreement.scopes)
    finally:
        await engine.dispose()


async def _prepare_stores(
    kind: str, directory: Path, agreement: Agreement, stack: AsyncExitStack
) -> dict[Administration, str]:
    urls: dict[Administration, str] = {}
    for administration in Administration:
        url = await stack.enter_async_context(fresh_database(kind, directory))
        await prepare_store(url, administration)
        engine = create_engine(url)
        try:
            await seed_store(engine, administration, agreement, cases=CASES, seed=SEED)
        finally:
            await engine.dispose()
        urls[administration] = url
    return urls


async def _provision(
    kind: str, directory: Path, urls: dict[Administration, str], agreement: Agreement
) -> Template:
    credentials = await prepare_demo_identities(Stores(directory, urls), PUBLIC_URL, agreement)
    secret = await _register_undesignated(urls[Administration.UZ], agreement)
    credentials["clients"].append(
        {"administration": "UZ", "client_id": UNDESIGNATED_WORKFLOW, "client_secret": secret}
    )
    return Template(kind, urls, credentials)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _postgres(statement: str) -> None:
    """A statement on the PostgreSQL server, from a connection to the base database."""
    base = postgres_base_url()
    assert base is not None
    connection = await asyncpg.connect(_asyncpg_dsn(base))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class Templates:
    """Each database kind's template stores, and the copies made of them.

    A kind's template is prepared on its first use. PostgreSQL copies are dropped in the
    background; the session waits for the drops at its end.
    """

    def __init__(
        self, agreement: Agreement, factory: pytest.TempPathFactory, stack: AsyncExitStack
    ) -> None:
        self.agreement, self.factory, self.stack = agreement, factory, stack
        self.prepared: dict[str, Template] = {}
        self.drops: list[asyncio.Task[None]] = []

    async def get(self, kind: str) -> Template:
        if kind not in self.prepared:
            directory = self.factory.mktemp(f"workflow-template-{kind}")
            urls = await _prepare_stores(kind, directory, self.agreement, self.stack)
            self.prepared[kind] = await _provision(kind, directory, urls, self.agreement)
        return self.prepared[kind]

    @asynccontextmanager
    async def copies(self, template: Template, directory: Path) -> AsyncIterator[Stores]:
        """Stores of their own with the template's content."""
        urls = await asyncio.gather(*(self._copy(url, directory) for url in template.urls.values()))
        copied = dict(zip(template.urls, urls, strict=True))
        try:
            yield Stores(directory, copied)
        finally:
            for url in copied.values():
                parsed = make_url(url)
                if not parsed.drivername.startswith("sqlite"):
                    drop = f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'
                    self.drops.append(asyncio.create_task(_postgres(drop)))

    @staticmethod
    async def _copy(url: str, directory: Path) -> str:
        parsed = make_url(url)
        if parsed.drivername.startswith("sqlite"):
            target = directory / f"{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(Path(str(parsed.database)), target)
            return f"sqlite+aiosqlite:///{target}"
        name = f"cmaa_test_{uuid.uuid4().hex[:12]}"
        await _postgres(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
        return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def templates(
    agreement: Agreement, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Templates]:
    async with AsyncExitStack() as stack:
        found = Templates(agreement, tmp_path_factory, stack)
        try:
            yield found
        finally:
            await asyncio.gather(*found.drops)


@asynccontextmanager
async def running_world(
    templates: Templates, kind: str, directory: Path, agreement: Agreement
) -> AsyncIterator[World]:
    template = await templates.get(kind)
    async with AsyncExitStack() as stack:
        stores = await stack.enter_async_context(templates.copies(template, directory))
        app = build_demo_app(stores, PUBLIC_URL, agreement)
        base_url = stack.enter_context(running_server(app))
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=60))
        engines = {}
        for administration in Administration:
            engines[administration] = create_engine(stores.url(administration))
            stack.push_async_callback(engines[administration].dispose)
        yield World(kind, base_url, engines, template.credentials, agreement, http, template.tokens)


@pytest.fixture(scope="module")
async def world(
    database_kind: str,
    templates: Templates,
    agreement: Agreement,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    """A world shared by the tests of one module."""
    directory = tmp_path_factory.mktemp(f"workflow-{database_kind}")
    async with running_world(templates, database_kind, directory, agreement) as shared:
        yield shared


@pytest.fixture
async def clean_world(
    database_kind: str,
    templates: Templates,
    agreement: Agreement,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    """A world of the test's own, as freshly seeded."""
    directory = tmp_path_factory.mktemp(f"workflow-clean-{database_kind}")
    async with running_world(templates, database_kind, directory, agreement) as own:
        yield own
