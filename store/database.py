"""Async engines and sessions for one administration's store, chosen by URL.

`sqlite+aiosqlite:///path.db` for the embedded store, `postgresql+asyncpg://...` in production.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class UnsupportedDatabaseURL(ValueError):
    pass


def check_url(url: str) -> str:
    """Return the URL's driver, or refuse a URL this project cannot run on."""
    try:
        driver = make_url(url).drivername
    except Exception as exc:  # SQLAlchemy raises several types for a malformed URL
        raise UnsupportedDatabaseURL("database URL is malformed") from exc
    if driver not in SUPPORTED_DRIVERS:
        raise UnsupportedDatabaseURL(
            f"database driver {driver!r} is not supported; "
            f"use one of {', '.join(SUPPORTED_DRIVERS)}"
        )
    return driver


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _enable_sqlite_integrity(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked on every connection; WAL lets readers run beside
    # the one writer, and a busy timeout turns brief write contention into a wait, not an error.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, **options: Any) -> AsyncEngine:
    driver = check_url(url)
    # JSON columns (lists of names, mostly) are read on every page: orjson reads them as the
    # standard library does, several times faster. What is written stays the library's.
    options.setdefault("json_deserializer", orjson.loads)
    if driver.startswith("sqlite"):
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _enable_sqlite_integrity)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **options)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def open_store(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()
