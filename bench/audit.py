"""Audit appends: entries per second into one store's hash chain, one writer, SQLite and
PostgreSQL; and how fast `cmaa audit verify` recomputes a chain.

Two ways of appending, each through store.audit.append_audit as the sources call it:

- one entry per transaction (a partner read or a mutation commits with its one entry; the
  figure the system lives with),
- many entries per transaction (the chain's own cost: head lock, hash, insert, head update).

Each run uses a fresh store: a SQLite file in a temporary directory, or a throw-away
PostgreSQL database `cmaa_bench_audit` created next to the one in --postgres-url and dropped
afterwards. Prints the machine, the versions, the command and the figures.

    .venv/bin/python bench/audit.py [--entries 2000] [--batch 500] [--postgres-url URL]
                                    [--only sqlite|postgres]
"""

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from auth.policy.rules import Rule
from auth.policy.scopes import CASES_READ, ENTITIES_READ, EVIDENCE_READ
from store.audit import AuditEntry, append_audit, check_chain
from store.database import create_engine, session_factory, sqlite_url
from store.migrate import prepare_store
from store.models.domain import Administration

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DATABASE = "cmaa_bench_audit"
PACKAGES = ("sqlalchemy", "sqlmodel", "aiosqlite", "asyncpg", "orjson")


def _entry(number: int) -> AuditEntry:
    """A partner read of two records under one release: a typical entry."""
    return AuditEntry(
        at=datetime.now(UTC),
        actor_administration="UZ",
        subject=f"uz.analyst.{number % 17}",
        client_id="uz-dashboard",
        scopes=(CASES_READ, ENTITIES_READ, EVIDENCE_READ),
        operation="case",
        decision="PERMIT",
        rule=Rule.PARTNER_RELEASED,
        record_ids=(f"CASE:{number}", f"CASE:{number + 1}"),
        release_ids=(number % 40 + 1,),
    )


async def _per_transaction(engine: AsyncEngine, count: int, start: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, driver threads included)."""
    sessions = session_factory(engine)
    started, cpu = time.perf_counter(), time.process_time()
    for number in range(start, start + count):
        async with sessions() as session, session.begin():
            await append_audit(session, _entry(number))
    return time.perf_counter() - started, time.process_time() - cpu


async def _batched(engine: AsyncEngine, count: int, batch: int, start: int) -> tuple[float, float]:
    sessions = session_factory(engine)
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(start, start + count, batch):
        async with sessions() as session, session.begin():
            for number in range(first, min(first + batch, start + count)):
                await append_audit(session, _entry(number))
    return time.perf_counter() - started, time.process_time() - cpu


async def _verify(engine: AsyncEngine) -> tuple[int, float]:
    started = time.perf_counter()
    async with session_factory(engine)() as session:
        check = await check_chain(session)
    assert check.problem is None, check.problem
    return check.size, time.perf_counter() - started


async def _measure(url: str, entries: int, batch: int) -> dict[str, float]:
    await prepare_store(url, Administration.US)
    engine = create_engine(url)
    try:
        await _per_transaction(engine, 50, 0)  # warm-up: connections, statement caches
        single, single_cpu = await _per_transaction(engine, entries, 50)
        batched, batched_cpu = await _batched(engine, entries, batch, 50 + entries)
        size, verify = await _verify(engine)
    finally:
        await engine.dispose()
    return {
        "per_transaction": entries / single,
        "per_transaction_cpu": single_cpu / entries * 1000,
        "batched": entries / batched,
        "batched_cpu": batched_cpu / entries * 1000,
        "verify": size / verify,
        "size": size,
    }


async def _admin_execute(base_url: str, statement: str) -> None:
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _run(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    if kind == "sqlite":
        return await _measure(sqlite_url(workdir / "us.sqlite3"), args.entries, args.batch)
    await _admin_execute(args.postgres_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await _admin_execute(args.postgres_url, f'CREATE DATABASE "{DATABASE}"')
    url = make_url(args.postgres_url).set(database=DATABASE).render_as_string(hide_password=False)
    try:
        return await _measure(url, args.entries, args.batch)
    finally:
        await _admin_execute(
            args.postgres_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'
        )


async def _postgres_version(base_url: str) -> str:
    engine = create_async_engine(base_url)
    try:
        async with engine.connect() as connection:
            return str((await connection.execute(text("SHOW server_version"))).scalar())
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000, help="one-entry transactions")
    parser.add_argument("--batch", type=int, default=500, help="entries per batched transaction")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(
        f"python {platform.python_version()}; sqlite {sqlite3.sqlite_version}; "
        + "; ".join(f"{name} {version(name)}" for name in PACKAGES)
    )
    if "postgres" in kinds:
        print(f"postgresql {asyncio.run(_postgres_version(args.postgres_url))}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    # Other work on the machine slows a run down: say how busy it was.
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    print(
        "\n| database | one entry per transaction | (CPU per entry) | batches of "
        f"{args.batch} | (CPU per entry) | verify (recompute chain) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="cmaa-bench-audit-") as directory:
        for kind in kinds:
            figures = asyncio.run(_run(kind, args, Path(directory)))
            print(
                f"| {kind} | {figures['per_transaction']:,.0f} entries/s | "
                f"{figures['per_transaction_cpu']:.2f} ms | "
                f"{figures['batched']:,.0f} entries/s | {figures['batched_cpu']:.2f} ms | "
                f"{figures['verify']:,.0f} entries/s ({figures['size']:,.0f} entries) |",
                flush=True,
            )
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
