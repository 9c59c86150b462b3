"""An overloaded source is reported as overload, not as the partner's data being unavailable.

An in-process source lets as many calls at its store as the store has connections and queues
the rest (resolvers.sources.admission). A call the gateway stops waiting for while it is still
in that queue never reached the store: `SourceDown(overloaded=True)`, answered as
SOURCE_UNAVAILABLE with `reason: OVERLOADED`. One that timed out at the store is unavailable,
as before. The store is held busy by a transaction of the test's own on the audit head, which
every partner read must update: calls admitted to it wait until the test lets go, whatever
the machine's speed.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.principal import Principal
from resolvers.errors import SourceUnavailableError
from resolvers.exchange.administrations import Administrations
from resolvers.sources.base import AdministrationSource, SourceDown
from resolvers.sources.filters import CaseFilter
from resolvers.sources.in_process import InProcessSource
from resolvers.sources.records import Page, PageRequest
from store.database import create_engine
from store.models.domain import Administration
from tests.sources.conftest import SeededStores
from tests.sources.support import Caller

US, UZ = Administration.US, Administration.UZ
TIMEOUT = 0.3


@asynccontextmanager
async def store_held(engine: AsyncEngine) -> AsyncIterator[None]:
    """The audit head locked by an open transaction until the block ends."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
        try:
            yield
        finally:
            await transaction.rollback()


def patient_engine(url: str) -> AsyncEngine:
    engine = create_engine(url)
    if url.startswith("sqlite"):
        # SQLite gives up waiting for a lock after 10 s (store.database): here it waits for
        # the test to let go.
        event.listen(engine.sync_engine, "connect", _wait_for_the_test)
    return engine


def _wait_for_the_test(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=300000")
    cursor.close()


async def until_taken(source: InProcessSource, count: int) -> None:
    for _ in range(10_000):
        if source.slots.taken == count:
            return
        await asyncio.sleep(0.001)
    pytest.fail(f"{count} calls never reached the store")


def cases(principal: Principal) -> Callable[[AdministrationSource], Awaitable[Page[Any]]]:
    return lambda source: source.list_cases(principal, CaseFilter(), PageRequest(5))


async def test_a_call_that_waited_for_a_busy_store_in_vain_is_overload(
    stores: SeededStores, callers: dict[tuple[Administration, str], Caller]
) -> None:
    partner = callers[(US, "dashboard")].principal
    engine, holder = patient_engine(stores.urls[UZ]), patient_engine(stores.urls[UZ])
    source = InProcessSource(UZ, engine, store_slots=1)
    administrations = Administrations({UZ: source}, timeout_seconds=TIMEOUT)
    try:
        async with store_held(holder):
            first = asyncio.create_task(cases(partner)(source))
            await until_taken(source, 1)
            # The one slot is taken: the call waits in the queue and never reaches the store.
            with pytest.raises(SourceDown) as in_the_queue:
                await administrations.call(UZ, cases(partner))
            assert in_the_queue.value.overloaded
            # Overload says nothing against the store: the breaker is left as it was.
            assert administrations.breakers[UZ].failures == 0
        # Once the store is free, the call that held it completes, and the next one is served.
        assert (await first).total_count > 0
        assert (await administrations.call(UZ, cases(partner))).total_count > 0
    finally:
        await engine.dispose()
        await holder.dispose()


def test_a_source_lets_as_many_calls_at_its_store_as_its_pool_has_connections(
    stores: SeededStores,
) -> None:
    engine = create_engine(stores.urls[UZ], pool_size=3, max_overflow=4)
    assert InProcessSource(UZ, engine).slots.capacity == 7


def test_overload_has_its_own_reason() -> None:
    overloaded = SourceUnavailableError("UZ", overloaded=True).extensions
    assert overloaded == {
        "code": "SOURCE_UNAVAILABLE",
        "administration": "UZ",
        "reason": "OVERLOADED",
    }
    assert SourceUnavailableError("UZ").extensions == {
        "code": "SOURCE_UNAVAILABLE",
        "administration": "UZ",
    }
