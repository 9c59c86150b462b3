"""One demo (both issuers on real uvicorn, SQLite stores in a temporary directory) shared by
the tests that do not change keys; tests that rotate keys start their own."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.auth.support import Demo, running_demo


@pytest.fixture(scope="session")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    async with running_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client
