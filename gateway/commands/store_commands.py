"""`cmaa migrate`, `cmaa seed` and `cmaa demo`: preparing administrations' stores."""

import argparse
import asyncio
from collections.abc import Coroutine
from typing import Any

from gateway.commands import CommandError
from gateway.commands.arguments import at_least, database_url, directory, port
from gateway.settings import DEFAULT_DATA_DIR, DemoStores, load_configured_agreement
from store.agreement import AgreementError
from store.database import UnsupportedDatabaseURL, open_store
from store.migrate import StoreMismatch, prepare_store
from store.models.domain import Administration

DEMO_CASES = 300
DEMO_SEED = 7


def _administrations(choice: str) -> list[Administration]:
    return list(Administration) if choice == "both" else [Administration(choice)]


def _targets(arguments: argparse.Namespace) -> dict[Administration, str]:
    """The stores a command works on: one database URL, or the demo stores in a data directory."""
    chosen = _administrations(arguments.administration)
    if arguments.database_url:
        if len(chosen) != 1:
            raise CommandError("--database-url names one store: give --administration US or UZ")
        return {chosen[0]: arguments.database_url}
    stores = DemoStores(arguments.data_dir)
    arguments.data_dir.mkdir(parents=True, exist_ok=True)
    return {administration: stores.url(administration) for administration in chosen}


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    # The data generator loads when a command runs, not for `cmaa --help` or a worker's start.
    from store.seed import SeedError

    try:
        asyncio.run(coroutine)
    except (AgreementError, UnsupportedDatabaseURL, StoreMismatch, SeedError) as exc:
        raise CommandError(str(exc)) from None


async def _migrate(targets: dict[Administration, str]) -> None:
    for administration, url in targets.items():
        await prepare_store(url, administration)
        print(f"{administration.value}: schema is up to date")


async def _seed(targets: dict[Administration, str], cases: int, seed: int, quiet: bool) -> None:
    from store.seed import seed_store

    agreement = load_configured_agreement()
    for administration, url in targets.items():
        await prepare_store(url, administration)
        async with open_store(url) as engine:
            report = await seed_store(
                engine, administration, agreement, cases=cases, seed=seed, progress=not quiet
            )
        print(f"{administration.value}: {report}")


async def _prepare_demo(stores: DemoStores, cases: int, seed: int) -> None:
    from store.seed import seed_store, store_is_empty

    agreement = load_configured_agreement()
    for administration, url in stores.urls().items():
        await prepare_store(url, administration)
        async with open_store(url) as engine:
            if await store_is_empty(engine):
                report = await seed_store(
                    engine, administration, agreement, cases=cases, seed=seed, progress=True
                )
                print(f"{administration.value}: seeded {report}")
            else:
                existing = stores.path(administration)
                print(f"{administration.value}: using the existing store {existing}")


def migrate_command(arguments: argparse.Namespace) -> int:
    _run(_migrate(_targets(arguments)))
    return 0


def seed_command(arguments: argparse.Namespace) -> int:
    _run(_seed(_targets(arguments), arguments.cases, arguments.seed, arguments.quiet))
    return 0


def demo_command(arguments: argparse.Namespace) -> int:
    from gateway.demo import DemoError, is_loopback, serve_demo

    if not is_loopback(arguments.host):
        raise CommandError(f"--host {arguments.host} is not loopback; the demo serves plain HTTP")
    stores = DemoStores(arguments.data_dir)
    arguments.data_dir.mkdir(parents=True, exist_ok=True)
    _run(_prepare_demo(stores, arguments.cases, arguments.seed))
    try:
        serve_demo(
            stores, arguments.host, arguments.port, load_configured_agreement(), arguments.workers
        )
    except (DemoError, AgreementError) as exc:
        raise CommandError(str(exc)) from None
    return 0


def _store_arguments(parser: argparse.ArgumentParser, default_administration: str) -> None:
    parser.add_argument(
        "--data-dir",
        type=directory,
        default=DEFAULT_DATA_DIR,
        help=f"directory of the demo's SQLite stores (default: ./{DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--database-url",
        type=database_url,
        help="one store's URL instead (sqlite+aiosqlite:///FILE or postgresql+asyncpg://...)",
    )
    parser.add_argument(
        "--administration",
        choices=["US", "UZ", "both"],
        default=default_administration,
        help=f"whose store (default: {default_administration})",
    )


def register(commands: argparse._SubParsersAction) -> None:
    migrate = commands.add_parser("migrate", help="create or upgrade administration stores")
    _store_arguments(migrate, "both")
    migrate.set_defaults(handler=migrate_command)

    seed = commands.add_parser("seed", help="fill stores with deterministic synthetic data")
    _store_arguments(seed, "both")
    seed.add_argument("--cases", type=at_least(1), default=1000, help="cases per administration")
    seed.add_argument(
        "--seed", type=int, default=DEMO_SEED, help="random seed (same seed, same data)"
    )
    seed.add_argument("--quiet", action="store_true", help="no progress bar")
    seed.set_defaults(handler=seed_command)

    demo = commands.add_parser("demo", help="run the embedded demo: both administrations on SQLite")
    demo.add_argument(
        "--data-dir",
        type=directory,
        default=DEFAULT_DATA_DIR,
        help="directory for both SQLite stores and demo-credentials.json, made if missing "
        f"(default: ./{DEFAULT_DATA_DIR})",
    )
    demo.add_argument(
        "--cases",
        type=at_least(1),
        default=DEMO_CASES,
        help=f"cases per administration when seeding an empty store (default: {DEMO_CASES})",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=DEMO_SEED,
        help=f"random seed of the synthetic data set: same seed, same data (default: {DEMO_SEED})",
    )
    demo.add_argument("--host", default="127.0.0.1", help="loopback address to serve on")
    demo.add_argument("--port", type=port, default=8000, help="port to serve on (default: 8000)")
    demo.add_argument(
        "--workers",
        type=at_least(1),
        default=1,
        help="uvicorn worker processes serving the demo on the one port (default: 1); they "
        "share the stores, and with CMAA_REDIS_URL one rate limit and deny-list",
    )
    demo.set_defaults(handler=demo_command)
