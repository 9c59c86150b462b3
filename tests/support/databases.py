"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database per use."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "CMAA_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


# Parameters of a test that runs on both kinds of store; PostgreSQL only where configured.
STORE_KINDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            postgres_base_url() is None, reason=f"{POSTGRES_URL_VARIABLE} is not set"
        ),
    ),
]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_postgres_database(base_url: str) -> AsyncIterator[str]:
    """Create an empty database next to the one in base_url; drop it afterwards."""
    name = f"cmaa_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_asyncpg_dsn(base_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def fresh_database(kind: str, directory: Path) -> AsyncIterator[str]:
    """An empty store URL of the given kind ("sqlite" or "postgres")."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    base = postgres_base_url()
    if base is None:
        raise RuntimeError(f"{POSTGRES_URL_VARIABLE} is not set")
    async with fresh_postgres_database(base) as url:
        yield url


@contextmanager
def throwaway_database(kind: str, directory: Path) -> Iterator[str]:
    """`fresh_database` for synchronous tests: an empty store URL, dropped afterwards."""
    loop = asyncio.new_event_loop()
    manager = fresh_database(kind, directory)
    try:
        url = loop.run_until_complete(manager.__aenter__())
        try:
            yield url
        finally:
            loop.run_until_complete(manager.__aexit__(None, None, None))
    finally:
        loop.close()
