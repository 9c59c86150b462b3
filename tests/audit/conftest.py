"""The audit suite's fixtures: stores with a log to tamper with, `cmaa` run in a thread, and
a small demo world (both stores, both issuers, the gateway on real uvicorn) per database kind.
"""

import asyncio
import contextlib
import io
import shutil
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.demo_identities import demo_clients
from auth.keys import ensure_signing_key
from auth.registry import add_client
from gateway.cli import main
from gateway.demo import build_demo_app, demo_issuers
from gateway.loopback import free_port, running_server
from store.agreement import Agreement, load_agreement
from store.audit import AuditEntry, append_audit, entry_content, entry_hash
from store.database import create_engine, session_factory
from store.migrate import prepare_store
from store.models import AuditEvent, AuditHead
from store.models.domain import Administration
from store.seed import seed_store
from tests.conftest import DATABASE_KINDS
from tests.support.databases import fresh_database

US, UZ = Administration.US, Administration.UZ
CASES = 12
SEED = 5
# The demo clients this suite acts as (each costs an argon2 hash to register).
CLIENTS = {
    US: ("us-dashboard", "us-workflow"),
    UZ: ("uz-dashboard", "uz-workflow", "uz-undesignated", "uz-analyst"),
}


@pytest.fixture(scope="module", params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    """Module-wide here: a module's tests share one world per kind."""
    return str(request.param)


@dataclass(frozen=True)
class CommandResult:
    status: int
    out: str
    err: str


async def cmaa(*argv: str) -> CommandResult:
    """`cmaa ARGV` as the console script runs it (its own event loop, in a thread)."""

    def run() -> CommandResult:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(list(argv))
        return CommandResult(status, out.getvalue(), err.getvalue())

    return await asyncio.to_thread(run)


def entry(number: int, actor: Administration = UZ) -> AuditEntry:
    return AuditEntry(
        at=datetime.now(UTC),
        actor_administration=actor.value,
        subject=f"officer-{number}",
        client_id=f"{actor.value.lower()}-dashboard",
        scopes=("cmaa.cases:read",),
        operation="case",
        decision="PERMIT",
        rule="PARTNER_RELEASED",
        record_ids=(f"CASE:{number}",),
        release_ids=(number % 3 + 1,),
        detail={"n": number},
    )


async def append_entries(engine: AsyncEngine, numbers: Sequence[int]) -> None:
    sessions = session_factory(engine)
    for number in numbers:
        async with sessions() as session, session.begin():
            await append_audit(session, entry(number))


async def prepare_log_store(url: str, administration: Administration, entries: int) -> None:
    """A migrated store of `administration` with a signing key and `entries` log entries."""
    await prepare_store(url, administration)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            await ensure_signing_key(session)
        await append_entries(engine, range(1, entries + 1))
    finally:
        await engine.dispose()


async def execute(url: str, *statements: str) -> None:
    """Plain SQL on a store, as an operator with the database's own tools would run it."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _content(row: Any, **changes: Any) -> AuditEntry:
    return replace(entry_content(row), **changes)


async def recompute_chain(url: str, first: int, contents: dict[int, AuditEntry]) -> None:
    """Give entries new contents (by seq) and recompute every hash from `first` on and the
    head, as someone who knows the chain's rules would: the chain itself then checks out.
    The guard must be off."""
    events = AuditEvent.__table__
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            rows = (await connection.execute(select(events).order_by("seq"))).all()
            prev = rows[first - 2].entry_hash if first > 1 else "0" * 64
            for row in rows[first - 1 :]:
                content = contents.get(row.seq) or _content(row)
                digest = entry_hash(row.seq, prev, content)
                await connection.execute(
                    update(events)
                    .where(events.c.seq == row.seq)
                    .values(**asdict(content), prev_hash=prev, entry_hash=digest)
                )
                prev = digest
            await connection.execute(update(AuditHead.__table__).values(entry_hash=prev))
    finally:
        await engine.dispose()


async def rewrite_from(url: str, seq: int) -> None:
    """Change entry `seq`'s subject and recompute every hash after it."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    select(AuditEvent.__table__).where(AuditEvent.__table__.c.seq == seq)
                )
            ).one()
    finally:
        await engine.dispose()
    await recompute_chain(url, seq, {seq: _content(row, subject="someone else")})


async def swap_entries(url: str, seq: int) -> None:
    """Swap the contents of entries `seq` and `seq + 1` and recompute the chain from there."""
    events = AuditEvent.__table__
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            one, two = (
                await connection.execute(
                    select(events).where(events.c.seq.in_((seq, seq + 1))).order_by("seq")
                )
            ).all()
    finally:
        await engine.dispose()
    await recompute_chain(url, seq, {seq: _content(two), seq + 1: _content(one)})


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def copy_of(url: str, directory: Path) -> AsyncIterator[str]:
    """A store of its own with the content of `url` (whose engines are all disposed)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        target = directory / f"{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(str(parsed.database), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"cmaa_test_{uuid.uuid4().hex[:12]}"
    await _admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def guard_off(kind: str) -> tuple[str, ...]:
    """The statements that take the append-only guard away (the database's owner can)."""
    if kind == "sqlite":
        return (
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
            "DROP TRIGGER audit_head_forward_only",
            "DROP TRIGGER audit_checkpoints_no_delete",
            "DROP TRIGGER audit_cosignatures_no_delete",
            "DROP TRIGGER audit_tree_leaves_no_update",
            "DROP TRIGGER audit_tree_leaves_no_delete",
        )
    return tuple(
        f"ALTER TABLE {table} DISABLE TRIGGER USER"
        for table in (
            "audit_events",
            "audit_head",
            "audit_checkpoints",
            "audit_cosignatures",
            "audit_tree_leaves",
        )
    )


# -- the demo world ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stores:
    """What the demo app needs of its stores: a URL per administration and a data directory."""

    data_dir: Path
    urls: dict[Administration, str]

    def url(self, administration: Administration) -> str:
        return self.urls[administration]


@dataclass
class World:
    kind: str
    base_url: str
    stores: Stores
    engines: dict[Administration, AsyncEngine]
    credentials: dict[str, Any]
    agreement: Agreement
    http: httpx.AsyncClient
    _tokens: dict[tuple[str, str | None], str] = field(default_factory=dict)

    def client(self, client_id: str) -> dict[str, Any]:
        return next(c for c in self.credentials["clients"] if c["client_id"] == client_id)

    async def new_token(self, client_id: str, scope: str | None = None) -> str:
        client = self.client(client_id)
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        response = await self.http.post(
            f"{self.issuer(client['administration'])}/token",
            data=data,
            auth=(client_id, client["client_secret"]),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def issuer(self, administration: str) -> str:
        return str(self.credentials["issuers"][administration])

    async def token(self, client_id: str, scope: str | None = None) -> str:
        key = (client_id, scope)
        if key not in self._tokens:
            self._tokens[key] = await self.new_token(client_id, scope)
        return self._tokens[key]

    async def post(
        self,
        client_id: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        scope: str | None = None,
        url: str | None = None,
    ) -> dict[str, Any]:
        token = await self.token(client_id, scope)
        response = await self.http.post(
            f"{url or self.base_url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(
        self, client_id: str, query: str, variables: dict[str, Any] | None = None, **options: Any
    ) -> dict[str, Any]:
        body = await self.post(client_id, query, variables, **options)
        assert not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data

    async def rows(self, administration: Administration, sql: str, **params: Any) -> list[Any]:
        async with self.engines[administration].connect() as connection:
            return [tuple(row) for row in await connection.execute(text(sql), params)]


async def register_clients(
    url: str, administration: Administration, agreement: Agreement, public_url: str
) -> list[dict[str, Any]]:
    """The demo's clients this suite uses, registered as `cmaa clients add` would."""
    registered = []
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            for registration in demo_clients(administration, agreement, public_url):
                if registration.client_id in CLIENTS[administration]:
                    secret = await add_client(session, registration, agreement.scopes)
                    registered.append(
                        {
                            "administration": administration.value,
                            "client_id": registration.client_id,
                            "client_secret": secret,
                        }
                    )
    finally:
        await engine.dispose()
    return registered


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    loaded = load_agreement()
    # The suite sends many requests a minute; the rate limit has tests of its own.
    return replace(loaded, limits=replace(loaded.limits, rate_per_minute=1_000_000))


@pytest.fixture(scope="module")
async def world(
    database_kind: str, agreement: Agreement, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    directory = tmp_path_factory.mktemp(f"audit-{database_kind}")
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
        stores = Stores(directory, urls)
        port = free_port()
        public_url = f"http://127.0.0.1:{port}"
        credentials = {
            "issuers": {a.value: issuer for a, issuer in demo_issuers(public_url).items()},
            "clients": [
                client
                for administration, url in urls.items()
                for client in await register_clients(url, administration, agreement, public_url)
            ],
        }
        app = build_demo_app(stores, public_url, agreement)  # type: ignore[arg-type]
        base_url = stack.enter_context(running_server(app, port=port))
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=60))
        engines = {}
        for administration, url in urls.items():
            engines[administration] = create_engine(url)
            stack.push_async_callback(engines[administration].dispose)
        yield World(database_kind, base_url, stores, engines, credentials, agreement, http)
