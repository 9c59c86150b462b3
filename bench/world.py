"""The data a run measures: seeded stores (SQLite files or throw-away PostgreSQL databases),
the demo identities in them, an agreement whose rate limit a load run cannot trip, and tokens.
"""

import asyncio
import dataclasses
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.demo import prepare_demo_identities
from gateway.settings import DemoStores
from store.agreement import DEFAULT_AGREEMENT_FILE, Agreement, load_agreement
from store.database import open_store
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import seed_store

# Every load run sends tens of thousands of requests a minute from one client: the per-client
# rate limit (a setting of the agreement) is raised for the benchmark, and nothing else.
BENCH_RATE_PER_MINUTE = 100_000_000
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def bench_agreement_file(directory: Path) -> Path:
    """A copy of agreement.toml with the rate limit raised; servers read it via CMAA_AGREEMENT."""
    source = DEFAULT_AGREEMENT_FILE.read_text(encoding="utf-8")
    lines = [
        f"rate_per_minute = {BENCH_RATE_PER_MINUTE}" if line.startswith("rate_per_minute") else line
        for line in source.splitlines()
    ]
    path = directory / "agreement.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert tomllib.loads(path.read_text())["limits"]["rate_per_minute"] == BENCH_RATE_PER_MINUTE
    return path


def bench_agreement(directory: Path) -> Agreement:
    return load_agreement(bench_agreement_file(directory))


@dataclass(frozen=True)
class Stores:
    """Both administrations' stores, by URL, and where their demo credentials file lives.

    Duck-types gateway.settings.DemoStores (`data_dir`, `url`), so the embedded gateway can be
    built over PostgreSQL as well as over the demo's SQLite files.
    """

    data_dir: Path
    urls: dict[Administration, str]

    def url(self, administration: Administration) -> str:
        return self.urls[administration]

    @classmethod
    def sqlite(cls, data_dir: Path) -> "Stores":
        demo = DemoStores(data_dir)
        return cls(data_dir, demo.urls())


async def seed_both(stores: Stores, agreement: Agreement, cases: int, seed: int = 7) -> None:
    """Migrate and seed both stores (one after the other: Alembic's context is global)."""
    for administration in Administration:
        await prepare_store(stores.url(administration), administration)
        async with open_store(stores.url(administration)) as engine:
            await seed_store(engine, administration, agreement, cases=cases, seed=seed)


# -- throw-away PostgreSQL databases, made next to the one in the given URL ---------------------


async def _admin_execute(base_url: str, statement: str) -> None:
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def postgres_urls(base_url: str, prefix: str) -> dict[Administration, str]:
    return {
        a: make_url(base_url)
        .set(database=f"{prefix}_{a.value.lower()}")
        .render_as_string(hide_password=False)
        for a in Administration
    }


async def create_databases(base_url: str, prefix: str) -> dict[Administration, str]:
    urls = postgres_urls(base_url, prefix)
    for url in urls.values():
        name = make_url(url).database
        await _admin_execute(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin_execute(base_url, f'CREATE DATABASE "{name}"')
    return urls


async def drop_databases(base_url: str, prefix: str) -> None:
    for url in postgres_urls(base_url, prefix).values():
        name = make_url(url).database
        await _admin_execute(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def postgres_version(base_url: str) -> str:
    engine = create_async_engine(base_url)
    try:
        async with engine.connect() as connection:
            return str((await connection.execute(text("SHOW server_version"))).scalar())
    finally:
        await engine.dispose()


# -- identities and tokens ---------------------------------------------------------------------


async def provision(stores: Stores, public_url: str, agreement: Agreement) -> dict[str, Any]:
    """The demo's clients and people in both stores; returns the credentials document."""
    return await prepare_demo_identities(stores, public_url, agreement)  # type: ignore[arg-type]


def token(credentials: dict[str, Any], client_id: str) -> str:
    """A fresh access token for a demo client, from its administration's issuer over HTTP."""
    client = next(c for c in credentials["clients"] if c["client_id"] == client_id)
    issuer = credentials["issuers"][client["administration"]]
    answer = httpx.post(
        f"{issuer}/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, client["client_secret"]),
        timeout=10.0,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def with_limits(agreement: Agreement, **changes: Any) -> Agreement:
    return dataclasses.replace(agreement, limits=dataclasses.replace(agreement.limits, **changes))


def run(coroutine_factory: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(coroutine_factory())  # type: ignore[arg-type]


# -- statistics and scale ----------------------------------------------------------------------


async def analyse(stores: Stores) -> None:
    """Refresh the planner's statistics after the bulk load, as an operator would (SQLite
    keeps none until ANALYZE runs; PostgreSQL's autovacuum would get there in its own time)."""
    for administration in Administration:
        async with open_store(stores.url(administration)) as engine, engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.commit()


async def count_cases(stores: Stores) -> int:
    counts = []
    for administration in Administration:
        async with open_store(stores.url(administration)) as engine, engine.connect() as connection:
            counted = await connection.execute(text("SELECT count(*) FROM cases"))
            counts.append(counted.scalar())
    if len(set(counts)) != 1:
        raise RuntimeError(f"the stores hold different numbers of cases: {counts}")
    return int(counts[0])


# Copies of the seeded cases, made in SQL: copy g of case c gets id c.id + g * stride, a
# reference suffixed with ~g, and dates moved g spans of the seeded period back, so the seeded
# cases stay the newest and the copies follow them in the list. Each copy keeps the case's
# offences, its party links (to the same entities) and its release items (so a released case
# is released in every copy): the rows the case list reads stay the seeded world's, only more.
_COPY_STATEMENTS = (
    """
    INSERT INTO cases (id, reference, title, status, opened_at, closed_at, summary,
                       legal_provisions, marking, tlp, created_at)
    SELECT c.id + g * b.stride, left(c.reference, 32) || '~' || g, c.title, c.status,
           c.opened_at - g * b.span, c.closed_at - g * b.span, c.summary,
           c.legal_provisions, c.marking, c.tlp, c.created_at - g * b.span
    FROM cases c
    CROSS JOIN (SELECT max(id) AS stride,
                       max(opened_at) - min(opened_at) + interval '1 day' AS span
                FROM cases) b
    CROSS JOIN generate_series(1, :copies) g
    WHERE c.id <= b.stride
    """,
    """
    INSERT INTO case_offences (case_id, offence_type)
    SELECT o.case_id + g * :stride, o.offence_type
    FROM case_offences o CROSS JOIN generate_series(1, :copies) g
    WHERE o.case_id <= :stride
    """,
    """
    INSERT INTO case_parties (case_id, entity_administration, entity_id, role)
    SELECT p.case_id + g * :stride, p.entity_administration, p.entity_id, p.role
    FROM case_parties p CROSS JOIN generate_series(1, :copies) g
    WHERE p.case_id <= :stride
    """,
    """
    INSERT INTO release_items (release_id, record_type, record_id)
    SELECT r.release_id, r.record_type, r.record_id + g * :stride
    FROM release_items r CROSS JOIN generate_series(1, :copies) g
    WHERE r.record_type = 'CASE' AND r.record_id <= :stride
    """,
    "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))",
)


async def copy_cases(stores: Stores, size: int) -> int:
    """Bring each PostgreSQL store to `size` cases by copying its seeded ones (a whole number
    of copies: `size` is rounded up to a multiple of the seeded count). Returns the copies."""
    added = 0
    for administration in Administration:
        async with open_store(stores.url(administration)) as engine, engine.begin() as connection:
            seeded, stride = (
                await connection.execute(text("SELECT count(*), max(id) FROM cases"))
            ).one()
            copies = -(-size // seeded) - 1
            if copies <= 0:
                continue
            if seeded != stride:
                raise RuntimeError("seeded case ids are not 1..N; cannot copy them")
            for statement in _COPY_STATEMENTS:
                await connection.execute(text(statement), {"copies": copies, "stride": stride})
            added = copies * seeded
    return added
