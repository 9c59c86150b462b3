"""Seeding benchmark: `cmaa seed` of N cases per administration into SQLite and PostgreSQL.

Target: 100,000 cases per administration in under 5 minutes per store on the project's 2-core
machine. Each run seeds a fresh store: a SQLite file in a temporary directory, or a throw-away
PostgreSQL database `cmaa_bench_seed_<admin>` created next to the one in --postgres-url (with
AUTOCOMMIT) and dropped afterwards. Prints the measured times, rows per table and the machine.

    .venv/bin/python bench/seed.py [--cases 100000] [--postgres-url URL] [--only sqlite|postgres]
"""

import argparse
import asyncio
import cProfile
import os
import platform
import pstats
import sqlite3
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from store.agreement import load_agreement
from store.database import open_store, sqlite_url
from store.migrate import prepare_store
from store.models.domain import Administration
from store.seed import SeedReport, seed_store

TARGET_SECONDS = 300.0
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PACKAGES = ("sqlalchemy", "sqlmodel", "aiosqlite", "asyncpg", "alembic", "tqdm")


async def _admin_execute(base_url: str, statement: str) -> None:
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _seed_once(
    url: str, administration: Administration, cases: int, seed: int, profile: bool
) -> tuple[float, float, float, SeedReport]:
    started = time.perf_counter()
    await prepare_store(url, administration)
    migrated = time.perf_counter() - started
    agreement = load_agreement()
    async with open_store(url) as engine:
        profiler = cProfile.Profile() if profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        report = await seed_store(engine, administration, agreement, cases=cases, seed=seed)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    return migrated, seconds, cpu, report


async def _run(
    kind: str, administration: Administration, args: argparse.Namespace, workdir: Path
) -> tuple[float, float, float, SeedReport]:
    if kind == "sqlite":
        path = workdir / f"cmaa_bench_seed_{administration.value.lower()}.sqlite3"
        files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]
        for file in files:
            file.unlink(missing_ok=True)
        try:
            return await _seed_once(
                sqlite_url(path), administration, args.cases, args.seed, args.profile
            )
        finally:
            for file in files:
                file.unlink(missing_ok=True)
    name = f"cmaa_bench_seed_{administration.value.lower()}"
    await _admin_execute(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin_execute(args.postgres_url, f'CREATE DATABASE "{name}"')
    url = make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        return await _seed_once(url, administration, args.cases, args.seed, args.profile)
    finally:
        await _admin_execute(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _postgres_version(base_url: str) -> str:
    engine = create_async_engine(base_url)
    try:
        async with engine.connect() as connection:
            return str((await connection.execute(text("SHOW server_version"))).scalar())
    finally:
        await engine.dispose()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--administration", choices=["US", "UZ", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="cProfile each seed to stderr")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="directory for the SQLite files (default: a fresh temporary one)",
    )
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    administrations = (
        list(Administration)
        if args.administration == "both"
        else [Administration(args.administration)]
    )
    print(f"machine: {os.cpu_count()} cores, {_memory()} memory, {platform.platform()}")
    print(
        f"python {platform.python_version()}; sqlite {sqlite3.sqlite_version}; "
        + "; ".join(f"{name} {version(name)}" for name in PACKAGES)
    )
    if "postgres" in kinds:
        print(f"postgresql {asyncio.run(_postgres_version(args.postgres_url))}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    # Other work on the machine slows a run down: say how busy it was.
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    failed = False
    rows: dict[tuple[str, str], SeedReport] = {}
    with tempfile.TemporaryDirectory(prefix="cmaa-bench-seed-") as directory:
        workdir = args.workdir or Path(directory)
        workdir.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            for administration in administrations:
                migrated, seconds, cpu, report = asyncio.run(
                    _run(kind, administration, args, workdir)
                )
                verdict = "ok" if seconds < TARGET_SECONDS else "MISSED"
                failed |= seconds >= TARGET_SECONDS
                rows[(kind, administration.value)] = report
                print(
                    f"{kind:8} {administration.value}: seeded {args.cases} cases in "
                    f"{seconds:.1f} s ({report.total_rows / seconds:,.0f} rows/s; "
                    f"{cpu:.1f} s CPU in this process; migration {migrated:.1f} s) "
                    f"target {TARGET_SECONDS:.0f} s: {verdict}; "
                    f"load average after {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
    tables = list(next(iter(rows.values())).as_dict())
    print("\n| table | " + " | ".join(f"{k} {a}" for k, a in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for table in [*tables, "total_rows"]:
        values = [
            report.total_rows if table == "total_rows" else report.as_dict()[table]
            for report in rows.values()
        ]
        print(f"| {table} | " + " | ".join(f"{value:,}" for value in values) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
