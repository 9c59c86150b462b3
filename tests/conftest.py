"""Fixtures shared by the whole suite: databases of both kinds and loopback servers."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.databases import fresh_database, postgres_base_url

DATABASE_KINDS = ["sqlite", "postgres"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # PostgreSQL runs whenever CMAA_TEST_POSTGRES_URL is set (CI always sets it).
    if postgres_base_url() is not None:
        return
    skip = pytest.mark.skip(reason="CMAA_TEST_POSTGRES_URL is not set")
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_kind") == "postgres":
            item.add_marker(skip)


@pytest.fixture(params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def empty_database_url(database_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty store URL: SQLite always, PostgreSQL when configured."""
    async with fresh_database(database_kind, tmp_path) as url:
        yield url
