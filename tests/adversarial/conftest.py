"""Fixtures of the adversarial suite: one world for the session (tests.adversarial.world)."""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from store.models.domain import Administration
from tests.adversarial.oracle import Oracle
from tests.adversarial.world import (
    AdversarialWorld,
    prepare_world,
    running_world,
)
from tests.support.settings import suite_agreement


@pytest.fixture(scope="session")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AdversarialWorld]:
    agreement = suite_agreement()
    stores, port, credentials = await prepare_world(
        tmp_path_factory.mktemp("adversarial"), agreement
    )
    with running_world(stores, agreement, port, credentials) as running:
        yield running


@pytest.fixture(scope="session")
def oracle(world: AdversarialWorld) -> Oracle:
    return Oracle({a.value: world.stores.path(a) for a in Administration})


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client
