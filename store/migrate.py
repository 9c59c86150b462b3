"""Bring a store's schema to the newest migration (`cmaa migrate`)."""

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from store.database import open_store, session_factory
from store.models import StoreInfo
from store.models.domain import Administration

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> "Config":
    # Alembic is imported when a migration runs: every command imports this module, and
    # `cmaa --help` or a worker's start-up need no migration tool.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser treats % as interpolation; URLs may carry percent-escapes.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def migrate(url: str, revision: str = "head") -> None:
    async with open_store(url) as engine, engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


class StoreMismatch(ValueError):
    pass


async def prepare_store(url: str, administration: Administration) -> None:
    """Migrate the store and make sure it is (or becomes) this administration's."""
    await migrate(url)
    async with open_store(url) as engine, session_factory(engine)() as session:
        info = await session.get(StoreInfo, 1)
        if info is None:
            session.add(StoreInfo(administration=administration.value))
            await session.commit()
        elif info.administration != administration.value:
            raise StoreMismatch(
                f"this store belongs to {info.administration}, not {administration.value}"
            )


async def store_administration(engine: AsyncEngine) -> Administration | None:
    async with session_factory(engine)() as session:
        info = await session.get(StoreInfo, 1)
    return None if info is None else Administration(info.administration)
